//! The file outbox: each message written as `<uuid>.eml` under a folder,
//! for app developers to open (the default in development).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use lettre::{message::Mailbox, AsyncFileTransport, AsyncTransport, Tokio1Executor};
use nextarget_ports::{Mail, MailError, Mailer};

pub struct FileOutbox {
    dir: PathBuf,
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileOutbox {
    /// An outbox in `dir` (created when missing) sending as `from`.
    ///
    /// # Errors
    /// When `dir` cannot be created.
    pub fn new(dir: &Path, from: Mailbox) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("mail.outbox_dir {}: {e}", dir.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
            from,
            transport: AsyncFileTransport::new(dir),
        })
    }
}

#[async_trait]
impl Mailer for FileOutbox {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = super::message(&self.from, mail)?;
        let id = self
            .transport
            .send(message)
            .await
            .map_err(|e| MailError::Unavailable(format!("{}: {e}", self.dir.display())))?;
        tracing::info!(file = %self.dir.join(format!("{id}.eml")).display(), "mail written to the outbox");
        Ok(())
    }
}
