//! `vigil approvals`: what an account has allowed others to spend (ERC-20 allowances, NFT
//! operators, Permit2 allowances), and revoking them, previewed. The same services as the
//! app; this module reads arguments and prints.

use anyhow::Result;
use clap::Subcommand;
use vigil_api::{ApprovalsRequest, RevokeForm};

use crate::sign::{self, Consent, SignArgs, failed};

#[derive(Subcommand)]
pub(crate) enum ApprovalsCommand {
    /// Every grant in force: the token, the spender (named when known), the amount, and what
    /// it could take now.
    List {
        /// The account; default: the wallet's first Ethereum account.
        #[arg(long)]
        account: Option<String>,
        /// The network (default: the chosen one, see 'vigil network').
        #[arg(long, default_value_t = crate::chosen_network())]
        network: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke grants by their ids from 'list' (one transaction each).
    Revoke {
        /// A grant's id; repeat for several.
        #[arg(long = "id", required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub(crate) async fn run(command: ApprovalsCommand) -> Result<()> {
    let service = sign::service()?;
    match command {
        ApprovalsCommand::List { account, network, json } => {
            let list = service
                .approvals(&ApprovalsRequest { network: network.clone(), account })
                .await
                .map_err(failed)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.grants.is_empty() {
                println!("{} has no approvals in force on {network}.", list.account);
            }
            for g in &list.grants {
                let spender = match (&g.spender_name, g.spender_unknown) {
                    (Some(name), _) => format!("{name} ({})", g.spender),
                    (None, _) => {
                        format!("{} (a contract Vigil does not know, or no contract)", g.spender)
                    }
                };
                let risk = g.value_at_risk.map_or_else(String::new, |v| {
                    format!(
                        ", {} {} at risk",
                        vigil_api::group_thousands(&format!("{v:.2}")),
                        list.currency
                    )
                });
                println!("{}  {} {} {} to {spender}{risk}", g.id, g.kind, g.amount, g.token);
            }
            Ok(())
        }
        ApprovalsCommand::Revoke { ids, sign } => {
            let form =
                RevokeForm { network: sign.network.clone(), account: sign.account.clone(), ids };
            let preview = service.preview_revoke(&form).await.map_err(failed)?;
            sign::write_preview(&mut std::io::stdout(), &preview)?;
            if sign.preview_only {
                return Ok(());
            }
            sign::sign_and_send(&service, preview, &Consent::from(&sign)).await
        }
    }
}
