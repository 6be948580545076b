//! Copies a SQLite file's write-ahead log into the database on a thread of
//! its own, so that the lean writer ([`crate::LeanWriter`]) does not.
//!
//! By default SQLite checkpoints in the connection that commits, once the
//! log passes 1,000 pages: in a bill run that was an eighth of all samples,
//! all of them on the writer's thread, the run's critical path
//! (docs/benchmarks.md). The writer's connection turns that off and tells
//! this thread after each commit; the thread runs a `PASSIVE` checkpoint
//! with a connection of its own, which never blocks the writer.
//!
//! SQLite starts the log again from its beginning only when a write
//! transaction begins with every frame copied; a checkpoint running beside
//! the writer would rarely leave it so, and the log would grow for the whole
//! run. So every [`COMMITS_BEFORE_RESTART`] commits the writer waits, before
//! its next transaction, for a checkpoint that copied everything it
//! committed — usually the one already under way, a batch's worth of pages.
//!
//! Durability is the log's, as before: a commit is on disk when its frames
//! are, whether or not they were copied yet.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::OpenFlags;

use crate::Result;

/// Commits after which the writer lets the log start again (bounds it at
/// about this many batches).
const COMMITS_BEFORE_RESTART: u64 = 8;

/// The longest the writer waits for the log to be copied whole (a reader
/// may hold frames back); after it, the log grows until the next chance.
const LONGEST_WAIT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct State {
    /// Commits the writer has made.
    committed: u64,
    /// Commits whose frames a finished checkpoint copied, all of them.
    copied: u64,
    /// The commits the writer last waited for.
    restarted_at: u64,
    /// The writer is gone: copy what is left and stop.
    stop: bool,
    /// The thread stopped (the writer is gone, or the file keeps no log):
    /// nobody to wait for.
    gone: bool,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The checkpointing thread of one lean writer; stopped (after a last
/// checkpoint) when dropped.
pub(crate) struct Checkpointer {
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread with its own connection to `path`.
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let shared: Shared = Arc::default();
        let thread = std::thread::Builder::new()
            .name("tarifa-checkpoint".into())
            .spawn({
                let shared = shared.clone();
                move || run(&conn, &shared)
            })
            .map_err(|e| crate::StoreError::Conflict(format!("no checkpoint thread: {e}")))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// The writer committed a transaction.
    pub(crate) fn committed(&self) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).committed += 1;
        wake.notify_all();
    }

    /// Before the writer begins a transaction: every few commits, waits
    /// until the log is copied whole, so that SQLite starts it again.
    pub(crate) fn before_begin(&self) {
        let (lock, wake) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if state.committed < state.restarted_at + COMMITS_BEFORE_RESTART {
            return;
        }
        let deadline = std::time::Instant::now() + LONGEST_WAIT;
        while !state.gone && state.copied < state.committed {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            state = wake
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.restarted_at = state.committed;
    }

}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).stop = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panic there is already reported on stderr; the log stays
            // for the next checkpoint, nothing is lost.
            let _ = thread.join();
        }
    }
}

fn run(conn: &rusqlite::Connection, shared: &Shared) {
    let (lock, wake) = &**shared;
    let mut pause = Duration::ZERO;
    loop {
        let (target, stop) = {
            let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while !state.stop && state.copied >= state.committed {
                state = wake.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            (state.committed, state.stop)
        };
        let done = checkpoint(conn);
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if done == Checkpoint::Whole {
            state.copied = state.copied.max(target);
        }
        if stop || done == Checkpoint::NoLog {
            state.gone = true;
            wake.notify_all();
            return;
        }
        wake.notify_all();
        drop(state);
        // Frames held back: try again, a little later each time.
        pause = match done {
            Checkpoint::Partial => (pause * 2).clamp(Duration::from_millis(2), LONGEST_PAUSE),
            _ => Duration::ZERO,
        };
        std::thread::sleep(pause);
    }
}

/// The longest pause between checkpoints that leave frames behind.
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// What one checkpoint did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checkpoint {
    /// Every frame of the log is in the database now.
    Whole,
    /// Some frames are not: a reader holds them, another connection was
    /// checkpointing, or the statement failed for a moment.
    Partial,
    /// The file keeps no log (not in WAL mode): nothing to do, ever.
    NoLog,
}

/// One `PASSIVE` checkpoint.
fn checkpoint(conn: &rusqlite::Connection) -> Checkpoint {
    let counts = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match counts {
        // -1 frames: no log, unless busy (another checkpoint held its lock).
        Ok((0, -1, _)) => Checkpoint::NoLog,
        Ok((0, log, copied)) if log == copied => Checkpoint::Whole,
        _ => Checkpoint::Partial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of the test's own, removed after it.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "tarifa-checkpointer-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn wal_file(dir: &Path) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(dir.join("t.sqlite")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        conn
    }

    fn wal_bytes(dir: &Path) -> u64 {
        std::fs::metadata(dir.join("t.sqlite-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// The rows of `t` in the database file itself, the log not read.
    fn rows_in_the_file(dir: &Path) -> i64 {
        let uri = format!("file:{}?immutable=1", dir.join("t.sqlite").display());
        rusqlite::Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .unwrap()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap()
    }

    #[test]
    fn the_log_is_copied_and_starts_again_instead_of_growing() {
        let dir = Scratch::new("log");
        let conn = wal_file(dir.path());
        let checkpointer = Checkpointer::start(&dir.path().join("t.sqlite")).unwrap();
        let blob = vec![7u8; 100_000];
        let mut largest = 0;
        for _ in 0..200 {
            checkpointer.before_begin();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            for _ in 0..10 {
                conn.execute("INSERT INTO t VALUES (?1)", [&blob]).unwrap();
            }
            conn.execute_batch("COMMIT").unwrap();
            checkpointer.committed();
            largest = largest.max(wal_bytes(dir.path()));
        }
        drop(checkpointer);
        // 200 MB written; the log stays within a few restarts' worth of
        // commits (1 MB each), not the whole.
        assert!(
            largest < 40_000_000,
            "the log grew to {largest} bytes over 200 MB of commits"
        );
        assert_eq!(
            rows_in_the_file(dir.path()),
            2000,
            "the last commits were copied when it stopped"
        );
        drop(conn);
    }

    #[test]
    fn a_reader_holding_the_log_delays_the_writer_only_so_long() {
        let dir = Scratch::new("reader");
        let conn = wal_file(dir.path());
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let checkpointer = Checkpointer::start(&dir.path().join("t.sqlite")).unwrap();
        let reader = rusqlite::Connection::open(dir.path().join("t.sqlite")).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        let started = std::time::Instant::now();
        for _ in 0..=COMMITS_BEFORE_RESTART {
            checkpointer.before_begin();
            conn.execute("INSERT INTO t VALUES (2)", []).unwrap();
            checkpointer.committed();
        }
        let waited = started.elapsed();
        assert!(waited >= LONGEST_WAIT, "the writer did not wait: {waited:?}");
        assert!(waited < LONGEST_WAIT * 3, "the writer waited {waited:?}");
        // Once the reader lets go, the thread copies the rest.
        reader.execute_batch("COMMIT").unwrap();
        drop(checkpointer);
        assert_eq!(rows_in_the_file(dir.path()), 2 + COMMITS_BEFORE_RESTART as i64);
        drop(conn);
    }

    #[test]
    fn a_file_without_a_log_does_not_keep_the_writer_waiting() {
        let dir = Scratch::new("rollback");
        let path = dir.path().join("r.sqlite");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let checkpointer = Checkpointer::start(&path).unwrap();
        for _ in 0..(COMMITS_BEFORE_RESTART * 3) {
            checkpointer.committed();
            checkpointer.before_begin();
        }
    }
}
