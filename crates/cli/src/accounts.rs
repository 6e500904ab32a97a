//! `vigil network` and `vigil account`: the networks and accounts Vigil acts with, over the
//! same services as the app.

use anyhow::Result;
use clap::Subcommand;
use vigil_signer::Chain;
use vigil_wallet::Wallet;

use crate::password_from;

#[derive(Subcommand)]
pub(crate) enum NetworkCommand {
    /// Every EVM network and Solana cluster, the chosen ones marked.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Act on this network (or, with --solana, this Solana cluster) from now on.
    Use {
        /// Its name (see 'vigil network list').
        name: String,
        /// A Solana cluster rather than an EVM network.
        #[arg(long)]
        solana: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Every account with how it signs.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add the next account of the wallet's recovery phrase (asks for the password).
    Add {
        /// ethereum or solana.
        #[arg(long)]
        chain: Chain,
        /// Its name.
        #[arg(long)]
        name: Option<String>,
        /// Read the vault password from stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Watch an address: its balances and positions without a key.
    Watch {
        /// ethereum or solana.
        #[arg(long)]
        chain: Chain,
        /// The address.
        address: String,
        /// Its name.
        #[arg(long)]
        name: Option<String>,
    },
}

/// The application's services, as the app has them.
fn services() -> Result<vigil_wallet::app::AppService<vigil_signer::vault::OsKeychain>> {
    Ok(vigil_wallet::app::AppService::new(Wallet::from_env()?)?)
}

pub(crate) fn network_command(command: NetworkCommand) -> Result<()> {
    let service = services()?;
    match command {
        NetworkCommand::List { json } => {
            let n = service.networks().map_err(|e| anyhow::anyhow!(e.message))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&n)?);
                return Ok(());
            }
            for (list, chosen) in [(&n.evm, &n.network), (&n.solana, &n.solana_network)] {
                for v in list {
                    let mark = if &v.name == chosen { "*" } else { " " };
                    let id = v.chain_id.map(|c| format!("  chain {c}")).unwrap_or_default();
                    println!("{mark} {}{id}", v.name);
                }
            }
        }
        NetworkCommand::Use { name, solana } => {
            let choice = vigil_api::SelectNetwork {
                network: (!solana).then(|| name.clone()),
                solana_network: solana.then(|| name.clone()),
            };
            let n = service.select_network(&choice).map_err(|e| anyhow::anyhow!(e.message))?;
            println!("Acting on {} and Solana {}", n.network, n.solana_network);
        }
    }
    Ok(())
}

pub(crate) fn account_command(command: AccountCommand) -> Result<()> {
    let service = services()?;
    let api_chain = |c: Chain| match c {
        Chain::Ethereum => vigil_api::Chain::Ethereum,
        Chain::Solana => vigil_api::Chain::Solana,
    };
    let shown = |a: &vigil_api::Account| {
        let kind = match a.signer {
            vigil_api::SignerKind::Software => "keychain",
            vigil_api::SignerKind::Ledger => "ledger",
            vigil_api::SignerKind::Watch => "watch-only",
        };
        let hidden = if a.hidden { " (hidden)" } else { "" };
        format!("{:<9} {:<10} {}  {}{hidden}", a.chain, kind, a.address, a.name)
    };
    let fail = |e: vigil_api::CommandError| anyhow::anyhow!(e.message);
    match command {
        AccountCommand::List { json } => {
            let accounts = service.accounts().map_err(fail)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&accounts)?);
            } else {
                accounts.iter().for_each(|a| println!("{}", shown(a)));
            }
        }
        AccountCommand::Add { chain, name, password_stdin } => {
            let password = password_from(password_stdin, "Vault password: ")?;
            service.unlock(&password).map_err(fail)?;
            let request = vigil_api::AddAccountRequest { chain: api_chain(chain), name };
            let added = service.add_account(&request).map_err(fail)?;
            println!("Added {}", shown(&added));
        }
        AccountCommand::Watch { chain, address, name } => {
            let request = vigil_api::WatchAccountRequest { chain: api_chain(chain), address, name };
            let added = service.watch_account(&request).map_err(fail)?;
            println!("Watching {}", shown(&added));
        }
    }
    Ok(())
}
