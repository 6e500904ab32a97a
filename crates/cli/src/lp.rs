//! `vigil lp`: liquidity positions on every venue (Uniswap V2, SushiSwap, Uniswap V3 and V4,
//! Balancer), the pools between two tokens, and previewed add, remove and collect. The same
//! services as the app's liquidity screen; this module only reads arguments and prints.

use anyhow::Result;
use clap::Subcommand;
use vigil_api::{LiquidityActionKind, LiquidityForm, LiquidityPoolsRequest, LiquidityRequest};
use vigil_wallet::app::Action;

use crate::sign::{self, Consent, SignArgs, failed};

#[derive(Subcommand)]
pub(crate) enum LpCommand {
    /// The account's positions: what each holds, its range and whether the price is in it,
    /// uncollected fees, and the change against holding what went in.
    List {
        /// The account; default: every visible Ethereum account.
        #[arg(long)]
        account: Option<String>,
        /// The network (default: the chosen one, see 'vigil network').
        #[arg(long, default_value_t = crate::chosen_network())]
        network: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The pools between two tokens on every venue, with the ids 'add' takes.
    Pools {
        /// The two tokens: symbols or addresses, like WETH/USDC.
        #[arg(long)]
        pair: String,
        /// The network (default: the chosen one).
        #[arg(long, default_value_t = crate::chosen_network())]
        network: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add liquidity: an amount of one token, and what the pool's price asks of the other.
    Add(AddArgs),
    /// Remove part or all of a position (its fees come with it).
    Remove(RemoveArgs),
    /// Collect a Uniswap V3 or V4 position's fees.
    Collect(CollectArgs),
}

#[derive(clap::Args)]
pub(crate) struct AddArgs {
    /// The two tokens, like WETH/USDC (ETH pays in ether where the pool holds WETH).
    #[arg(long)]
    pair: String,
    /// The pool's id from 'vigil lp pools': uniswap-v2, sushiswap, uniswap-v3:3000,
    /// uniswap-v4:3000, balancer:0x…
    #[arg(long)]
    pool: String,
    /// The token the amount is of.
    #[arg(long)]
    token: String,
    /// Whole units.
    #[arg(long)]
    amount: String,
    /// V3 and V4: full, a width around the price (10%), or two prices in the pool's unit
    /// (1800-2200).
    #[arg(long, default_value = "full")]
    range: String,
    /// Pay in the native coin where the pool holds its wrapped token.
    #[arg(long)]
    native: bool,
    /// Slippage tolerance, percent (default: the preference).
    #[arg(long)]
    slippage: Option<f64>,
    #[command(flatten)]
    sign: SignArgs,
}

#[derive(clap::Args)]
pub(crate) struct RemoveArgs {
    /// The position's key from 'vigil lp list'.
    #[arg(long)]
    position: String,
    /// How much of it, percent.
    #[arg(long, default_value_t = 100.0)]
    percent: f64,
    /// Be paid in the native coin where the pool holds its wrapped token.
    #[arg(long)]
    native: bool,
    /// Slippage tolerance, percent (default: the preference).
    #[arg(long)]
    slippage: Option<f64>,
    #[command(flatten)]
    sign: SignArgs,
}

#[derive(clap::Args)]
pub(crate) struct CollectArgs {
    /// The position's key from 'vigil lp list'.
    #[arg(long)]
    position: String,
    /// Be paid in the native coin where the pool holds its wrapped token.
    #[arg(long)]
    native: bool,
    #[command(flatten)]
    sign: SignArgs,
}

/// "WETH/USDC" as two tokens.
fn pair(typed: &str) -> Result<(String, String)> {
    let (a, b) = typed
        .split_once('/')
        .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
        .ok_or_else(|| anyhow::anyhow!("--pair takes two tokens like WETH/USDC, not '{typed}'"))?;
    Ok((a.trim().to_owned(), b.trim().to_owned()))
}

fn money(v: Option<f64>, currency: &str) -> String {
    v.map_or_else(
        || "-".into(),
        |v| format!("{} {currency}", vigil_api::group_thousands(&format!("{v:.2}"))),
    )
}

pub(crate) async fn run(command: LpCommand) -> Result<()> {
    let service = sign::service()?;
    let (form, sign) = match command {
        LpCommand::List { account, network, json } => {
            let list = service
                .liquidity_positions(&LiquidityRequest { network: network.clone(), account })
                .await
                .map_err(failed)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.positions.is_empty() {
                println!("No liquidity positions on {network}.");
            }
            let c = &list.currency;
            for p in &list.positions {
                println!("{}  ({}, {})", p.pool, p.key, p.account);
                let holds: Vec<String> =
                    p.tokens.iter().map(|t| format!("{} {}", t.amount, t.symbol)).collect();
                println!("  holds       {}   worth {}", holds.join(" + "), money(p.value, c));
                if let Some(r) = &p.range {
                    let state = if r.in_range { "in range" } else { "OUT OF RANGE: earns no fees" };
                    let range = if r.full {
                        "every price".to_owned()
                    } else {
                        format!("{} to {} {}", r.lower, r.upper, r.unit)
                    };
                    println!("  range       {range}; price {} {} ({state})", r.current, r.unit);
                }
                if p.can_collect {
                    let fees: Vec<String> = p
                        .tokens
                        .iter()
                        .map(|t| format!("{} {}", t.fees.as_deref().unwrap_or("0"), t.symbol))
                        .collect();
                    println!(
                        "  fees        {}   worth {}",
                        fees.join(" + "),
                        money(p.fees_value, c)
                    );
                }
                if let Some(share) = p.share_percent {
                    println!("  pool share  {share:.4}%");
                }
                match (p.vs_hold, p.vs_hold_percent) {
                    (Some(d), Some(pct)) => {
                        println!("  vs holding  {} ({pct:+.2}%)", money(Some(d), c))
                    }
                    _ => println!("  vs holding  - (not opened through Vigil)"),
                }
            }
            for e in &list.errors {
                eprintln!("careful: {e}");
            }
            return Ok(());
        }
        LpCommand::Pools { pair: typed, network, json } => {
            let (token_a, token_b) = pair(&typed)?;
            let pools = service
                .liquidity_pools(&LiquidityPoolsRequest { network, token_a, token_b })
                .await
                .map_err(failed)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&pools)?);
                return Ok(());
            }
            for p in &pools {
                let price = p.price.as_deref().unwrap_or("-");
                let range = if p.has_range { "takes a price range" } else { "a share of the pool" };
                println!(
                    "{:<28} {:<22} {} ({range}), price {price}",
                    p.id,
                    p.name,
                    p.tokens.join("/")
                );
            }
            return Ok(());
        }
        LpCommand::Add(a) => {
            let (token_a, token_b) = pair(&a.pair)?;
            let form = LiquidityForm {
                account: a.sign.account.clone(),
                token_a,
                token_b,
                pool: a.pool,
                amount_token: a.token,
                amount: a.amount,
                range: a.range,
                native: a.native,
                slippage_percent: a.slippage,
                ..LiquidityForm::new(a.sign.network.clone(), LiquidityActionKind::Add)
            };
            (form, a.sign)
        }
        LpCommand::Remove(r) => (
            LiquidityForm {
                account: r.sign.account.clone(),
                position: r.position,
                percent: Some(r.percent),
                native: r.native,
                slippage_percent: r.slippage,
                ..LiquidityForm::new(r.sign.network.clone(), LiquidityActionKind::Remove)
            },
            r.sign,
        ),
        LpCommand::Collect(c) => (
            LiquidityForm {
                account: c.sign.account.clone(),
                position: c.position,
                native: c.native,
                ..LiquidityForm::new(c.sign.network.clone(), LiquidityActionKind::Collect)
            },
            c.sign,
        ),
    };
    let preview = service.preview_liquidity(&form).await.map_err(failed)?;
    if sign.json {
        let Action::Liquidity(summary) = &preview.action else {
            unreachable!("a liquidity preview")
        };
        let out = serde_json::json!({
            "pool": summary.pool,
            "amounts": summary.amounts,
            "range": summary.range,
            "changes": preview.changes.iter().map(|c| format!("{} {}", c.amount, c.symbol)).collect::<Vec<_>>(),
            "steps": preview.steps,
            "findings": preview.findings.iter().map(|f| &f.message).collect::<Vec<_>>(),
            "would_fail": preview.would_fail,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        sign::write_preview(&mut std::io::stdout(), &preview)?;
    }
    if sign.preview_only {
        return Ok(());
    }
    sign::sign_and_send(&service, preview, &Consent::from(&sign)).await
}
