//! `tarifa user`: people who log in to the console or self-care with a
//! password.

use std::io::BufRead as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tarifa_app::Ctx;
use tarifa_app::tokens::Role;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a user. The password is read from TARIFA_PASSWORD or, when that
    /// is not set, from the first line of standard input; never from the
    /// command line, where other users of the machine could see it.
    Create {
        #[arg(long)]
        username: String,
        /// admin, billing, agent or subscriber.
        #[arg(long)]
        role: Role,
        /// The customer (id) a subscriber sees.
        #[arg(long)]
        customer: Option<i64>,
        #[arg(long, default_value = crate::DEFAULT_DB)]
        db: String,
    },
    /// Disable a user: no login from now on, and every session the user
    /// opened ends at once.
    Disable {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = crate::DEFAULT_DB)]
        db: String,
    },
}

fn password() -> Result<String> {
    if let Ok(password) = std::env::var("TARIFA_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password: set TARIFA_PASSWORD or give it on standard input");
    }
    Ok(password)
}

pub fn run(command: Command, markets: Option<&PathBuf>) -> Result<()> {
    let markets = crate::load_markets(markets)?;
    let (username, role, customer, db) = match command {
        Command::Create {
            username,
            role,
            customer,
            db,
        } => (username, role, customer, db),
        Command::Disable { username, db } => {
            return crate::runtime()?.block_on(async {
                let app = crate::open_existing_app(&db, markets).await?;
                let id = app.disable_user(&Ctx::new("cli"), &username).await?;
                tell!("user {id} {username:?} disabled; their sessions have ended");
                Ok(())
            });
        }
    };
    let password = password()?;
    crate::runtime()?.block_on(async {
        let app = crate::open_app(&db, markets).await?;
        let id = app
            .create_user(&Ctx::new("cli"), &username, &password, role, customer)
            .await?;
        tell!("user {id} {username:?} ({role}) created");
        Ok(())
    })
}
