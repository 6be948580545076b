//! `tarifa token`: API tokens for the server.

use std::path::PathBuf;

use anyhow::Result;
use tarifa_app::Ctx;
use tarifa_app::tokens::Role;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a token and print its secret (shown this once; only its hash is kept).
    Create {
        /// admin, billing, agent or subscriber.
        #[arg(long)]
        role: Role,
        /// The customer (id) a subscriber's token is limited to.
        #[arg(long)]
        customer: Option<i64>,
        /// A note on whose token this is.
        #[arg(long)]
        label: Option<String>,
        #[arg(long, default_value = crate::DEFAULT_DB)]
        db: String,
    },
    /// Revoke a token by its id: it authenticates no one from now on.
    Revoke {
        id: i64,
        #[arg(long, default_value = crate::DEFAULT_DB)]
        db: String,
    },
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    crate::runtime()?.block_on(async {
        let ctx = Ctx::new("cli");
        match command {
            Command::Create {
                role,
                customer,
                label,
                db,
            } => {
                let app = crate::open_app(&db, markets).await?;
                let (id, secret) = app.create_token(&ctx, role, customer, label).await?;
                tell!("token {id} ({role}); keep the secret, it is not shown again:");
                say!("{secret}");
            }
            Command::Revoke { id, db } => {
                let app = crate::open_existing_app(&db, markets).await?;
                app.revoke_token(&ctx, id).await?;
                tell!("token {id} revoked");
            }
        }
        Ok(())
    })
}
