//! `vigil watch`: the notifier without a window, for a server or a session without a tray.
//! Prints each alert as it fires (text or JSON lines) until interrupted.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use vigil_notifier::{Level, MonitorEvent};
use vigil_wallet::{
    Paths,
    watch::{self, WatchRequest},
};

/// `vigil watch`'s arguments.
#[derive(Args)]
pub(crate) struct WatchArgs {
    /// A network to watch (repeatable); default: [alerts] networks in the config, or devnet.
    #[arg(long = "network")]
    networks: Vec<String>,
    /// A watch-only address to watch besides the wallet's accounts (repeatable).
    #[arg(long = "account")]
    accounts: Vec<alloy::primitives::Address>,
    /// Print each alert and notification action as a JSON line.
    #[arg(long)]
    json: bool,
    /// Do not send desktop notifications (a server without a desktop).
    #[arg(long)]
    no_desktop: bool,
}

pub(crate) async fn run(args: WatchArgs) -> Result<()> {
    // The structured log (one line per alert, faults, recoveries) goes to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| "info,alloy=warn,hyper=warn,reqwest=warn".into()),
        )
        .init();
    let paths = Paths::from_env()?;
    let watching = watch::start(
        &paths,
        WatchRequest {
            networks: args.networks,
            extra_accounts: args.accounts,
            desktop: !args.no_desktop,
            // No dashboard on the command line.
            rider: None,
        },
    )
    .await?;
    let mut events = watching.subscribe();
    eprintln!("Watching {}; Ctrl-C stops.", watching.networks().join(", "));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            event = events.recv() => match event {
                Ok(e) => print_event(&e, args.json)?,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("warning: {n} events were not printed (output too slow)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    watching.stop().await;
    Ok(())
}

fn print_event(event: &MonitorEvent, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match event {
        MonitorEvent::Tick { .. } => return Ok(()),
        _ if json => writeln!(out, "{}", serde_json::to_string(event)?)?,
        MonitorEvent::Alert(a) => {
            let level = match a.level {
                Level::Ok => "OK",
                Level::Warning => "WARNING",
                Level::Critical => "CRITICAL",
                Level::Liquidatable => "LIQUIDATABLE",
            };
            writeln!(out, "{level:<12} {}  {}\n             {}", a.network, a.title, a.body)?;
        }
        MonitorEvent::Action { key, action } => writeln!(out, "ACTION       {key}: {action:?}")?,
    }
    out.flush()?;
    Ok(())
}
