//! `vigil sol`: Solana balances, transfers and native staking. Every transaction is
//! simulated and shown (balance changes, fee, rent, and the program error and logs if it
//! would fail) before it is signed with the keychain or a Ledger.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use solana_pubkey::Pubkey;
use vigil_defi_adapters::solana::{
    SolanaClient, SolanaNetwork, fetch_balances,
    plan::{SolPlan, SolReview, simulate},
    stake, transfer,
};
use vigil_signer::Chain;
use vigil_wallet::Wallet;

use crate::sign;
use std::sync::Arc;

#[derive(Subcommand)]
pub(crate) enum SolCommand {
    /// SOL and token balances (SPL Token and Token-2022).
    Balance {
        #[command(flatten)]
        on: On,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send SOL or a token; the recipient's token account is created if missing.
    Send {
        /// The recipient's address.
        #[arg(long)]
        to: String,
        /// How much, in whole units (1.5).
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        /// A token symbol (USDC) or mint address; default SOL.
        #[arg(long)]
        token: Option<String>,
        #[command(flatten)]
        sign: Sign,
    },
    /// Stake SOL with a validator (its vote account): a new stake account is created.
    Stake {
        /// The validator's vote account.
        #[arg(long)]
        validator: String,
        /// How much SOL.
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[command(flatten)]
        sign: Sign,
    },
    /// Deactivate a stake account: it stops earning at the end of the epoch.
    Unstake {
        /// The stake account.
        #[arg(long)]
        stake_account: String,
        #[command(flatten)]
        sign: Sign,
    },
    /// Withdraw SOL from an inactive stake account (everything, unless --amount).
    Withdraw {
        /// The stake account.
        #[arg(long)]
        stake_account: String,
        /// How much SOL; default all of it.
        #[arg(long)]
        amount: Option<String>,
        #[command(flatten)]
        sign: Sign,
    },
    /// The account's stake accounts and their state.
    Stakes {
        #[command(flatten)]
        on: On,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Which account, on which network.
#[derive(Args)]
pub(crate) struct On {
    /// The account; default: the wallet's first Solana account.
    #[arg(long)]
    account: Option<String>,
    /// localnet (the local validator), devnet, testnet or mainnet-beta (default: the chosen
    /// cluster, see 'vigil network').
    #[arg(long, default_value_t = crate::chosen_solana_network())]
    network: String,
    /// Use this RPC endpoint instead of the network's (repeatable, tried in order).
    #[arg(long = "rpc-url")]
    rpc_urls: Vec<url::Url>,
}

/// How a preview turns into a signed transaction.
#[derive(Args)]
pub(crate) struct Sign {
    #[command(flatten)]
    on: On,
    /// Stop after the preview.
    #[arg(long)]
    preview_only: bool,
    /// Sign without asking for confirmation.
    #[arg(long)]
    yes: bool,
    /// Read the vault password from stdin instead of prompting.
    #[arg(long)]
    password_stdin: bool,
    /// Print the preview as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(command: SolCommand) -> Result<()> {
    match command {
        SolCommand::Balance { on, json } => {
            let (client, owner) = connect(&on).await?;
            let balances = fetch_balances(&client, &owner, &client.network().tokens).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&balances)?);
            } else {
                println!("{:>24} SOL", balances.sol);
                for t in &balances.tokens {
                    println!("{:>24} {}", t.amount, t.symbol.as_deref().unwrap_or(&t.mint));
                }
            }
            Ok(())
        }
        SolCommand::Stakes { on, json } => {
            let (client, owner) = connect(&on).await?;
            let stakes = stake::list_stakes(&client, &owner).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stakes)?);
            } else if stakes.is_empty() {
                eprintln!("{owner} has no stake accounts");
            }
            for s in stakes.iter().filter(|_| !json) {
                let state = serde_json::to_value(s.state)?;
                println!(
                    "{}  {:>14} SOL  {:<12} {}",
                    s.address,
                    s.sol,
                    state.as_str().unwrap_or_default(),
                    s.validator.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        SolCommand::Send { to, amount, token, sign } => {
            let (client, owner) = connect(&sign.on).await?;
            let plan = match token {
                None => transfer::transfer_sol(owner, &to, &amount)?,
                Some(t) if t.eq_ignore_ascii_case("SOL") => {
                    transfer::transfer_sol(owner, &to, &amount)?
                }
                Some(t) => {
                    let (mint, symbol) = client.network().token(&t);
                    let mint: Pubkey = mint.parse().with_context(|| {
                        format!(
                            "'{t}' is neither a token Vigil knows on {} nor a mint address",
                            client.network().name
                        )
                    })?;
                    let info = transfer::mint_info(&client, &mint).await?;
                    transfer::transfer_token(&client, owner, &to, &info, &symbol, &amount).await?
                }
            };
            execute(client, owner, plan, &sign).await
        }
        SolCommand::Stake { validator, amount, sign } => {
            let (client, owner) = connect(&sign.on).await?;
            let plan = stake::stake(&client, owner, &validator, &amount).await?;
            execute(client, owner, plan, &sign).await
        }
        SolCommand::Unstake { stake_account, sign } => {
            let (client, owner) = connect(&sign.on).await?;
            let plan = stake::deactivate(owner, &stake_account)?;
            execute(client, owner, plan, &sign).await
        }
        SolCommand::Withdraw { stake_account, amount, sign } => {
            let (client, owner) = connect(&sign.on).await?;
            let plan = stake::withdraw(&client, owner, &stake_account, amount.as_deref()).await?;
            execute(client, owner, plan, &sign).await
        }
    }
}

/// A client of the network, and the acting account.
async fn connect(on: &On) -> Result<(SolanaClient, Pubkey)> {
    let wallet = Wallet::from_env()?;
    let owner = match &on.account {
        Some(a) => a.clone(),
        None => wallet
            .config()?
            .accounts
            .iter()
            .find(|a| a.chain == Chain::Solana)
            .map(|a| a.address.clone())
            .context("no Solana accounts: import a wallet ('vigil vault import'), add a Ledger account ('vigil ledger add --chain solana') or pass --account")?,
    };
    let owner: Pubkey = owner.trim().parse().map_err(|_| {
        anyhow::anyhow!("'{owner}' is not a Solana address: expected 32 bytes in base58")
    })?;
    let network = SolanaNetwork::named(&on.network, on.rpc_urls.clone()).with_context(|| {
        format!(
            "unknown Solana network '{}': use localnet, devnet, testnet or mainnet-beta",
            on.network
        )
    })?;
    let client = SolanaClient::connect(&network).await.with_context(|| {
        if network.name == "localnet" {
            "the local validator does not answer: start it, or pass --rpc-url".to_owned()
        } else {
            format!("cannot reach Solana {}", network.name)
        }
    })?;
    Ok((client, owner))
}

fn print_review(review: &SolReview) {
    println!("{}", review.summary);
    for c in &review.changes {
        println!("  {:>24} {:<8} {}", c.amount, c.asset, c.owner);
    }
    println!("  network fee {} SOL", review.fee_sol);
    if review.rent > 0 {
        println!("  rent for new accounts {} SOL", review.rent_sol);
    }
    for w in &review.warnings {
        println!("  [warning] {w}");
    }
}

/// Simulates `plan`, shows it, and unless told otherwise has the core keep it and signs it
/// through the core's confirm path (keychain or Ledger), sends it through the client it was
/// simulated with and waits until it is confirmed.
async fn execute(client: SolanaClient, owner: Pubkey, plan: SolPlan, args: &Sign) -> Result<()> {
    let review = simulate(&client, &plan, &client.network().tokens).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&review)?);
    } else {
        print_review(&review);
    }
    if let Some(error) = &review.error {
        for line in &review.logs {
            eprintln!("  log: {line}");
        }
        bail!("not signed: the simulation says it would fail ({error})");
    }
    if args.preview_only {
        return Ok(());
    }
    let service = sign::service()?;
    let preview = service
        .keep_solana_plan(Arc::new(client), &owner.to_string(), plan, &review)
        .map_err(sign::failed)?;
    let consent = sign::Consent {
        yes: args.yes,
        accept_risk: false,
        password_stdin: args.password_stdin,
        json: args.json,
    };
    sign::sign_and_send(&service, preview, &consent).await
}
