//! Post: letters written to a print queue, a folder the print shop takes
//! them from.

use std::io::Write;
use std::path::PathBuf;

use super::{Channel, Outgoing, SendError, SendFuture};

/// One text file per notice, named by its reference: writing the same
/// notice again replaces the file, so the print shop never sees it twice.
#[derive(Clone)]
pub struct PrintQueue {
    dir: PathBuf,
}

impl PrintQueue {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn write(&self, notice: &Outgoing) -> Result<String, SendError> {
        let temporary = |e: std::io::Error| {
            SendError::Temporary(format!("the print queue {}: {e}", self.dir.display()))
        };
        std::fs::create_dir_all(&self.dir).map_err(temporary)?;
        let name = format!("{}.txt", notice.reference());
        let path = self.dir.join(&name);
        let partial = self.dir.join(format!(".{name}.partial"));
        let letter = format!(
            "{}\n{}\n\n{}\n\n{}\n",
            notice.name,
            notice.to.trim(),
            notice.subject,
            notice.text
        );
        // Written whole, then renamed: the print shop never sees half a letter.
        let mut file = std::fs::File::create(&partial).map_err(temporary)?;
        file.write_all(letter.as_bytes()).map_err(temporary)?;
        file.sync_all().map_err(temporary)?;
        std::fs::rename(&partial, &path).map_err(temporary)?;
        Ok(format!("post:{}", path.display()))
    }
}

impl Channel for PrintQueue {
    fn send<'a>(&'a self, notice: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let queue = self.clone();
            let notice = notice.clone();
            tokio::task::spawn_blocking(move || queue.write(&notice))
                .await
                .map_err(|e| SendError::Temporary(format!("the writing task: {e}")))?
        })
    }
}
