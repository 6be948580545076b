//! `tarifa serve`: the HTTP server on a database, with the daily scheduler
//! on the system clock.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Database URL or SQLite file (the demo's by default).
    #[arg(long, default_value = crate::DEFAULT_DB)]
    db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// The URL integrators reach the server at, for the links in hub events
    /// (default: http:// and the listening address).
    #[arg(long)]
    public_url: Option<String>,
    /// A host, address or network (10.1.0.0/16) hub callbacks may point to
    /// although it is not on the public internet (repeat for more). Without
    /// it, loopback, private and link-local callbacks are refused.
    #[arg(long = "hub-allow", value_name = "HOST|ADDRESS|NETWORK")]
    hub_allow: Vec<String>,
    /// NAV Online Számla's base URL: every market with `[einvoice]
    /// authority = "nav"` has its bills reported while the server runs (the
    /// technical user as for `tarifa einvoice submit`).
    #[arg(long, value_name = "URL", env = "TARIFA_NAV_ENDPOINT")]
    nav_endpoint: Option<String>,
    /// The technical user's TOML file (instead of the environment).
    #[arg(long, value_name = "FILE")]
    nav_credentials: Option<PathBuf>,
}

pub fn run(args: Args, markets: Option<&PathBuf>) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let markets = crate::load_markets(markets)?;
    crate::runtime()?.block_on(async {
        let app = Arc::new(crate::open_app(&args.db, markets).await?);
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        tracing::info!(%address, db = %tarifa_store::redact(&args.db), "tarifa serves");
        say!("listening on http://{address}");
        let mut nav = Vec::new();
        if let Some(endpoint) = &args.nav_endpoint {
            let reporting: Vec<String> = app
                .markets()
                .filter(|m| m.einvoice.is_some())
                .map(|m| m.id.clone())
                .collect();
            for market in reporting {
                let client = crate::einvoice::nav_client(
                    &app,
                    &market,
                    endpoint,
                    args.nav_credentials.as_deref(),
                    std::time::Duration::from_secs(60),
                )?;
                say!("reporting {market}'s bills to {endpoint}");
                nav.push((market, client));
            }
        }
        let options = tarifa_server::Options {
            public_url: args.public_url.clone(),
            hub_allow: args.hub_allow.clone(),
            nav,
            ..tarifa_server::Options::default()
        };
        tarifa_server::serve(app, listener, options, shutdown())
            .await
            .context("serving")
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
