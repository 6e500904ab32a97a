//! From a preview to signed transactions, through the application core's one confirm path
//! (`AppService::confirm`): the same account and signer choice, danger gating, journal and
//! database as the app. This module only asks the user (confirmation, password) and prints.

use std::io::{self, IsTerminal, Write};

use alloy::primitives::Address;
use anyhow::{Result, anyhow, bail};
use vigil_api::{CommandError, SignerKind, TxProgress};
use vigil_signer::vault::OsKeychain;
use vigil_wallet::{
    Wallet,
    app::{Action, ActionPreview, AppService},
};

use crate::chosen_network;

/// The application core over the user's keychain and files.
pub(crate) type Service = AppService<OsKeychain>;

/// The core, for a command that acts.
pub(crate) fn service() -> Result<Service> {
    Ok(AppService::new(Wallet::from_env()?)?)
}

/// The core's error, as the command line reports it.
pub(crate) fn failed(e: CommandError) -> anyhow::Error {
    anyhow!(e.message)
}

/// Who acts, where, and how the preview turns into signed transactions.
#[derive(clap::Args)]
pub(crate) struct SignArgs {
    /// The account that acts; default: the wallet's first Ethereum account.
    #[arg(long)]
    pub(crate) account: Option<String>,
    /// The network (default: the one chosen with 'vigil network use' or in the app).
    #[arg(long, default_value_t = chosen_network())]
    pub(crate) network: String,
    /// Stop after the preview.
    #[arg(long)]
    pub(crate) preview_only: bool,
    /// Sign without asking for confirmation.
    #[arg(long)]
    pub(crate) yes: bool,
    /// Sign even when the preview has a danger finding.
    #[arg(long)]
    pub(crate) accept_risk: bool,
    /// Read the vault password from stdin instead of prompting.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Print the preview as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The account to act for: `--account` (any address can be previewed; signing needs one of
/// the wallet's), else the core's choice, the first visible Ethereum account.
pub(crate) fn acting_address(service: &Service, given: Option<&str>) -> Result<Address> {
    match given {
        Some(a) => Ok(vigil_signer::parse_evm_address(a)?),
        None => Ok(service.acting_evm(None).map_err(failed)?.0),
    }
}

/// After the command line printed an adapters' review of its own: unless `--preview-only`,
/// the core keeps it (for one of the wallet's accounts) and it is signed and sent.
pub(crate) async fn send_reviewed(
    service: &Service,
    account: Address,
    title: String,
    review: vigil_defi_adapters::preview::PlanReview,
    args: &SignArgs,
) -> Result<()> {
    if args.preview_only {
        return Ok(());
    }
    refuse(review.simulation.revert_reason(), review.needs_override(), args.accept_risk)?;
    let preview = service.keep_plan(&args.network, account, title, review).await.map_err(failed)?;
    sign_and_send(service, preview, &Consent::from(args)).await
}

/// What the user said about signing a preview.
pub(crate) struct Consent {
    /// Sign without asking.
    pub(crate) yes: bool,
    /// Sign despite a danger finding.
    pub(crate) accept_risk: bool,
    /// The password comes on stdin.
    pub(crate) password_stdin: bool,
    /// stdout holds the preview as JSON: hashes go to stderr.
    pub(crate) json: bool,
}

impl From<&SignArgs> for Consent {
    fn from(a: &SignArgs) -> Self {
        Self {
            yes: a.yes,
            accept_risk: a.accept_risk,
            password_stdin: a.password_stdin,
            json: a.json,
        }
    }
}

/// Signs and sends a kept `preview`: asks first (or takes `--yes`), unlocks the
/// account's vault with its password or tells the user to confirm on the Ledger, prints each
/// transaction as it is sent and mined, and its hash.
pub(crate) async fn sign_and_send(
    service: &Service,
    preview: ActionPreview,
    args: &Consent,
) -> Result<()> {
    refuse(preview.would_fail.as_deref(), preview.needs_override, args.accept_risk)?;
    confirm(args.yes)?;
    match preview.signer {
        SignerKind::Software => {
            let account = service.wallet().account(preview.chain, &preview.account)?;
            let vigil_wallet::SignerKind::Software { vault } = &account.signer else {
                bail!("{} has no vault to sign with", preview.account);
            };
            let password = crate::password_from(args.password_stdin, "Vault password: ")?;
            service.unlock_vault(vault, &password).map_err(failed)?;
        }
        SignerKind::Ledger => {
            eprintln!(
                "Confirm on your Ledger: review each transaction on the device and approve it."
            );
            // What the device shows of a contract call it blind-signs: compare before approving.
            for (label, hash) in &preview.device_hashes {
                // A Permit2 allowance is EIP-712: the device shows its domain and message hashes.
                if label.ends_with(" hash)") {
                    eprintln!("  {label}: the device shows {hash}");
                } else {
                    eprintln!("  {label}: the device shows transaction hash {hash}");
                }
            }
        }
        // The core says why it cannot sign.
        SignerKind::Watch => {}
    }
    let report = |p: TxProgress| {
        let hash = p.hash.unwrap_or_default();
        match p.stage.as_str() {
            "sent" => eprintln!("sent    {} ({hash})", p.step),
            "confirmed" => eprintln!("mined   {} ({hash})", p.step),
            _ => {}
        }
    };
    let executed = service.confirm(preview.id, args.accept_risk, report).await.map_err(failed)?;
    for hash in &executed.hashes {
        // With --json, stdout holds the preview alone.
        if args.json { eprintln!("{hash}") } else { println!("{hash}") }
    }
    Ok(())
}

/// Refuses, before any prompt or vault, what the core would refuse to sign: a preview that
/// would fail, or one with a danger finding without `--accept-risk` (the flag named).
fn refuse(would_fail: Option<&str>, needs_override: bool, accept_risk: bool) -> Result<()> {
    if let Some(reason) = would_fail {
        bail!("not signed: the simulation says it would fail ({reason})");
    }
    if needs_override && !accept_risk {
        bail!(
            "not signed: the preview has a danger finding; re-run with --accept-risk to sign anyway"
        );
    }
    Ok(())
}

/// Asks "Sign and send?" unless `yes`; without a terminal to ask on, refuses.
pub(crate) fn confirm(yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !io::stdin().is_terminal() {
        bail!("not signed: pass --yes to sign without a confirmation prompt");
    }
    eprint!("Sign and send? [y/N] ");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    if !answer.trim().eq_ignore_ascii_case("y") {
        bail!("not signed");
    }
    Ok(())
}

/// Prints what every preview shares: wallet changes, approvals, the fee and the findings.
pub(crate) fn print_review(review: &vigil_defi_adapters::preview::PlanReview, native_symbol: &str) {
    let _ = write_review(&mut std::io::stdout(), review, native_symbol);
}

/// [`print_review`] to any output (`vigil provider` keeps stdout for its address).
pub(crate) fn write_review(
    out: &mut dyn std::io::Write,
    review: &vigil_defi_adapters::preview::PlanReview,
    native_symbol: &str,
) -> std::io::Result<()> {
    for c in &review.changes {
        writeln!(out, "  {:>24} {}", c.amount, c.symbol)?;
    }
    for (symbol, spender, amount) in &review.approvals {
        writeln!(out, "  approves    {amount} {symbol} to {spender}")?;
    }
    let usd = |v: Option<f64>| v.map(|u| format!(" (${u:.2})")).unwrap_or_default();
    writeln!(
        out,
        "  network fee {} {native_symbol}{}, {} gas; at most {} {native_symbol}{}",
        review.fee_native,
        usd(review.fee_usd),
        review.gas,
        review.max_fee_native,
        usd(review.max_fee_usd)
    )?;
    for f in &review.findings {
        writeln!(out, "  [{:?}] {}", f.severity, f.message)?;
    }
    Ok(())
}

/// A preview from the core: what it does, changes, costs and risks.
pub(crate) fn write_preview(
    out: &mut dyn std::io::Write,
    p: &ActionPreview,
) -> std::io::Result<()> {
    let title = match &p.action {
        Action::Plan { title } => title.clone(),
        Action::Liquidity(l) => {
            let verb = match l.kind {
                vigil_api::LiquidityActionKind::Add => "Add liquidity to".to_owned(),
                vigil_api::LiquidityActionKind::Remove => {
                    format!("Remove {}% of", l.percent.unwrap_or(100.0))
                }
                vigil_api::LiquidityActionKind::Collect => "Collect the fees of".to_owned(),
            };
            format!("{verb} {}", l.pool)
        }
        _ => "A transaction".to_owned(),
    };
    writeln!(out, "{title} on {}, from {}", p.network, p.account)?;
    if let Action::Liquidity(l) = &p.action {
        let amounts: Vec<String> = l.amounts.iter().map(|(s, a)| format!("{a} {s}")).collect();
        writeln!(out, "  amounts     {}", amounts.join(" + "))?;
        if let Some(r) = &l.range {
            let state = if r.in_range { "in range" } else { "outside the range: no fees" };
            let range = if r.full {
                "every price".to_owned()
            } else {
                format!("{} to {} {}", r.lower, r.upper, r.unit)
            };
            writeln!(out, "  range       {range}; price now {} {} ({state})", r.current, r.unit)?;
        }
    }
    for step in &p.steps {
        writeln!(out, "  step        {step}")?;
    }
    for c in &p.changes {
        writeln!(out, "  {:>24} {}", c.amount, c.symbol)?;
    }
    for a in &p.approvals {
        writeln!(out, "  approves    {} {} to {}", a.amount, a.symbol, a.spender)?;
    }
    if let Some(fee) = &p.fee {
        let usd = |v: Option<f64>| v.map(|u| format!(" (${u:.2})")).unwrap_or_default();
        writeln!(out, "  network fee {} {}{}", fee.amount, fee.symbol, usd(fee.usd))?;
    }
    for f in &p.findings {
        writeln!(out, "  [{:?}] {}", f.severity, f.message)?;
    }
    if let Some(reason) = &p.would_fail {
        writeln!(out, "  Vigil will not sign: the simulation says it would fail ({reason})")?;
    }
    Ok(())
}
