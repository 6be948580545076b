//! E-mail over SMTP (lettre).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Channel, Outgoing, SendError, SendFuture};

/// Sends notices as plain-text e-mail through an SMTP relay.
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the Message-IDs.
    domain: String,
}

impl SmtpChannel {
    /// A relay named by URL: `smtp://host:port` (plain, for a local relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (TLS), as lettre reads them.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the sender {from:?}: {e}"))?;
        let domain = from.email.domain().to_owned();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL {url:?}: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Self {
            transport,
            from,
            domain,
        })
    }
}

fn classify(error: &SmtpError) -> SendError {
    if error.is_permanent() {
        SendError::Permanent(error.to_string())
    } else {
        SendError::Temporary(error.to_string())
    }
}

impl Channel for SmtpChannel {
    fn send<'a>(&'a self, notice: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = format!(
                "{} <{}>",
                notice.name.replace(['<', '>', '"'], ""),
                notice.to.trim()
            )
            .parse()
            .map_err(|e| SendError::Permanent(format!("the address {:?}: {e}", notice.to)))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&notice.subject)
                // The same notice always has the same id: a repeat can be recognised.
                .message_id(Some(format!("<{}@{}>", notice.reference(), self.domain)))
                .header(ContentType::TEXT_PLAIN)
                .body(notice.text.clone())
                .map_err(|e| SendError::Permanent(format!("the message: {e}")))?;
            self.transport
                .send(message)
                .await
                .map_err(|e| classify(&e))?;
            Ok(format!("email:{}", notice.to.trim()))
        })
    }
}
