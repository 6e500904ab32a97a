//! `vigil tx speed-up | cancel`: replaces a pending transaction of the wallet's, previewed and
//! signed through the core, on the network and with the account the journal says it used.

use anyhow::Result;
use clap::Subcommand;
use vigil_api::ReplaceForm;
use vigil_wallet::{app::Action, replace::Replacement};

use crate::sign::{self, failed};

#[derive(Subcommand)]
pub(crate) enum TxCommand {
    /// Send a pending transaction again with fees at least 10% higher.
    SpeedUp(ReplaceArgs),
    /// Replace a pending transaction with a zero-value transfer to yourself.
    Cancel(ReplaceArgs),
}

/// Which pending transaction to replace, and how to sign the replacement.
#[derive(clap::Args)]
pub(crate) struct ReplaceArgs {
    /// The pending transaction's hash (see 'vigil activity --pending').
    hash: String,
    /// Sign without asking for confirmation.
    #[arg(long)]
    yes: bool,
    /// Read the vault password from stdin instead of prompting.
    #[arg(long)]
    password_stdin: bool,
}

pub(crate) async fn run(command: TxCommand) -> Result<()> {
    let (args, cancel) = match command {
        TxCommand::SpeedUp(args) => (args, false),
        TxCommand::Cancel(args) => (args, true),
    };
    let service = sign::service()?;
    let preview = service
        .preview_replace(&ReplaceForm { hash: args.hash.clone(), cancel })
        .await
        .map_err(failed)?;
    if let Action::Replace { kind, hash, label, nonce } = &preview.action {
        let what = match kind {
            Replacement::SpeedUp => "speed up",
            Replacement::Cancel => "cancel (a zero-value transfer to yourself takes its place)",
        };
        eprintln!("{what}: {label} on {}", preview.network);
        eprintln!("  transaction {hash}");
        eprintln!("  nonce       {nonce}");
    }
    if let Some(fee) = &preview.fee {
        let most = fee.max.as_ref().map(|(m, _)| format!(", at most {m} {}", fee.symbol));
        eprintln!("  network fee {} {}{}", fee.amount, fee.symbol, most.unwrap_or_default());
    }
    let consent = sign::Consent {
        yes: args.yes,
        accept_risk: false,
        password_stdin: args.password_stdin,
        json: false,
    };
    sign::sign_and_send(&service, preview, &consent).await
}
