//! `vigil ledger`: find a Ledger, say why it cannot be used, read its addresses, sign a
//! message, and add its accounts to the wallet. Every command honours `VIGIL_SPECULOS`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use vigil_signer::{
    Chain, DerivationPath, EvmSigner, SolanaSigner,
    ledger::{
        DeviceState, Ledger, PathStyle,
        doctor::Doctor,
        ethereum::LedgerEvmSigner,
        solana::LedgerSolanaSigner,
        transport::{Endpoint, usb_devices},
    },
};
use vigil_wallet::Wallet;

#[derive(Subcommand)]
pub(crate) enum LedgerCommand {
    /// List the Ledgers Vigil can reach (USB, or Speculos with VIGIL_SPECULOS) and their state.
    Devices {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check why a Ledger cannot be used (udev rules, hidraw permissions) and how to fix it.
    Doctor,
    /// Print the address of one account on the Ledger.
    Address {
        #[command(flatten)]
        key: KeyArgs,
        /// Show the address on the device too, for the user to check and approve.
        #[arg(long)]
        show: bool,
    },
    /// List the first accounts on the Ledger, on the Ledger Live and the legacy paths.
    Accounts {
        /// ethereum or solana.
        #[arg(long)]
        chain: Chain,
        /// How many accounts of each path style.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        count: u32,
        /// Only this path style: ledger-live or legacy.
        #[arg(long)]
        style: Option<PathStyle>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign a text message on the Ledger (Ethereum personal_sign, or a Solana off-chain
    /// message) and print the signature.
    SignMessage {
        #[command(flatten)]
        key: KeyArgs,
        /// The text to sign.
        #[arg(long)]
        message: String,
    },
    /// Add an account on the Ledger to the wallet, so swaps and lending can sign with it.
    Add {
        #[command(flatten)]
        key: KeyArgs,
        /// The account's name (default "Ledger N").
        #[arg(long)]
        name: Option<String>,
    },
}

/// Which key on the device.
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// ethereum or solana.
    #[arg(long)]
    chain: Chain,
    /// The account index.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..0x8000_0000))]
    index: u32,
    /// The path style of --index: legacy (m/44'/60'/0'/0/i, m/44'/501'/i'/0') or ledger-live
    /// (m/44'/60'/i'/0/0, m/44'/501'/i').
    #[arg(long, default_value = "legacy")]
    style: PathStyle,
    /// A full derivation path instead of --index, like m/44'/60'/1'/0/0.
    #[arg(long, conflicts_with = "index")]
    path: Option<DerivationPath>,
}

impl KeyArgs {
    fn path(&self) -> Result<DerivationPath> {
        let path = self.path.clone().unwrap_or_else(|| self.style.path(self.chain, self.index));
        if self.chain == Chain::Solana {
            path.require_hardened()
                .map_err(|e| anyhow::anyhow!("{path} is not a Solana path: {e}"))?;
        }
        Ok(path)
    }
}

pub(crate) async fn run(command: LedgerCommand) -> Result<()> {
    let wallet = Wallet::from_env()?;
    match command {
        LedgerCommand::Devices { json } => devices(&wallet, json).await,
        LedgerCommand::Doctor => doctor(&wallet).await,
        LedgerCommand::Address { key, show } => {
            let path = key.path()?;
            if show {
                eprintln!(
                    "Check that the address on your Ledger is the one below, then approve it."
                );
            }
            println!("{}", wallet.ledger()?.address(key.chain, path, show).await?);
            Ok(())
        }
        LedgerCommand::Accounts { chain, count, style, json } => {
            let ledger = wallet.ledger()?;
            let styles = match style {
                Some(s) => vec![s],
                None => vec![PathStyle::LedgerLive, PathStyle::Legacy],
            };
            let mut rows = Vec::new();
            for style in styles {
                for (index, (path, address)) in
                    ledger.accounts(chain, style, count).await?.into_iter().enumerate()
                {
                    rows.push((style, index, path, address));
                }
            }
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|(style, index, path, address)| {
                        serde_json::json!({"style": style, "index": index, "path": path.to_string(), "address": address})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (style, index, path, address) in rows {
                    let style = match style {
                        PathStyle::LedgerLive => "ledger-live",
                        PathStyle::Legacy => "legacy",
                    };
                    println!("{style:<12} {index:>3}  {:<22} {address}", path.to_string());
                }
            }
            Ok(())
        }
        LedgerCommand::SignMessage { key, message } => {
            let ledger = wallet.ledger()?;
            let path = key.path()?;
            eprintln!("Review the message on your Ledger and sign it.");
            match key.chain {
                Chain::Ethereum => {
                    let signer = LedgerEvmSigner::connect(ledger, path).await?;
                    let signature = signer.sign_message(message.as_bytes()).await?;
                    println!("0x{}", alloy::hex::encode(signature.as_bytes()));
                }
                Chain::Solana => {
                    let signer = LedgerSolanaSigner::connect(ledger, path).await?;
                    println!("{}", signer.sign_offchain_message(&message).await?);
                }
            }
            Ok(())
        }
        LedgerCommand::Add { key, name } => {
            eprintln!(
                "Check that the address on your Ledger is the one printed below, then approve it."
            );
            let account = wallet.add_ledger_account(key.chain, key.path()?, name).await?;
            eprintln!(
                "added '{}' ({}, {}) to {}",
                account.name,
                account.chain,
                account.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                wallet.paths().config_file().display()
            );
            println!("{}", account.address);
            Ok(())
        }
    }
}

async fn devices(wallet: &Wallet<vigil_signer::vault::OsKeychain>, json: bool) -> Result<()> {
    let configured = wallet.config()?.ledger.endpoint();
    let endpoints = match configured {
        Endpoint::Usb => usb_devices()?
            .into_iter()
            .map(|d| (Endpoint::Hid { path: d.path }, d.product))
            .collect(),
        speculos => vec![(speculos, "Speculos".to_owned())],
    };
    let mut rows = Vec::new();
    for (endpoint, product) in endpoints {
        let state = Ledger::shared(endpoint.clone()).refresh().await;
        rows.push((endpoint, product, state));
    }
    if json {
        let out: Vec<_> = rows
            .iter()
            .map(|(endpoint, product, state)| serde_json::json!({"endpoint": endpoint, "product": product, "state": state}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if rows.is_empty() {
        eprintln!(
            "No Ledger found on USB. Connect and unlock it; if it is plugged in, run `vigil ledger doctor`."
        );
    } else {
        for (endpoint, product, state) in rows {
            println!("{product:<14} {endpoint:<28} {state}");
        }
    }
    Ok(())
}

async fn doctor(wallet: &Wallet<vigil_signer::vault::OsKeychain>) -> Result<()> {
    let endpoint = wallet.config()?.ledger.endpoint();
    if let Endpoint::Speculos { addr } = &endpoint {
        println!(
            "note    Ledger requests go to Speculos at {addr} (VIGIL_SPECULOS or [ledger] speculos)"
        );
        let state = Ledger::shared(endpoint.clone()).refresh().await;
        return match state {
            DeviceState::Ready { .. } => {
                println!("ok      Speculos answers: {state}");
                Ok(())
            }
            DeviceState::NotFound => {
                bail!("Speculos does not answer at {addr}: start it, or unset VIGIL_SPECULOS")
            }
            other => bail!("Speculos answers, but the device is {other}"),
        };
    }
    let report = Doctor::system().run();
    print!("{report}");
    for device in usb_devices()? {
        let state = Ledger::shared(Endpoint::Hid { path: device.path.clone() }).refresh().await;
        println!(
            "{}     {} at {}: {state}",
            if matches!(state, DeviceState::Ready { .. }) { "ok " } else { "note" },
            device.product,
            device.path
        );
    }
    if !report.healthy() {
        bail!("the Ledger cannot be used until the problems above are fixed");
    }
    Ok(())
}
