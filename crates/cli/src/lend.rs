//! `vigil lend`: the Aave V3 market, the account's position, and previewed lending actions.

use anyhow::Result;
use clap::Subcommand;
use vigil_defi_adapters::{
    ChainClient,
    aave::{self, LendAction},
};

use crate::sign::{self, Service, SignArgs, failed, print_review};

#[derive(Subcommand)]
pub(crate) enum LendCommand {
    /// The market: each reserve's LTV, liquidation threshold and bonus, caps, APYs and price.
    Markets {
        /// The network (default: the chosen one, see 'vigil network').
        #[arg(long, default_value_t = crate::chosen_network())]
        network: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The account's position: health factor, liquidation prices, distance to liquidation and
    /// the stress table.
    Position {
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
    /// Supply an asset (approving the pool first when needed).
    Supply(AmountArgs),
    /// Withdraw a supplied asset.
    Withdraw(AmountArgs),
    /// Borrow an asset at the variable rate.
    Borrow(AmountArgs),
    /// Repay a debt; --amount max repays all of it, interest included.
    Repay(AmountArgs),
    /// Use a supplied asset as collateral, or stop using it.
    Collateral(CollateralArgs),
    /// Bring the health factor back to a target by the cheapest path: repay from the wallet,
    /// add collateral from the wallet, or sell collateral for the debt in rounds (never below
    /// 1.05 in between). Previewed as one plan, then signed step by step.
    Protect(ProtectArgs),
}

#[derive(clap::Args)]
pub(crate) struct ProtectArgs {
    /// The health factor to reach.
    #[arg(long, default_value_t = aave::DEFAULT_PROTECT_TARGET)]
    target: f64,
    /// Slippage tolerance of the swaps, percent.
    #[arg(long, default_value = "0.5")]
    slippage: String,
    #[command(flatten)]
    sign: SignArgs,
}

#[derive(clap::Args)]
pub(crate) struct AmountArgs {
    /// The reserve: a symbol of the market (WETH, USDC, …) or its address.
    #[arg(long)]
    asset: String,
    /// Whole units (1.5, 1000), or max: the wallet's balance to supply, everything supplied to
    /// withdraw, all the collateral allows to borrow, the whole debt to repay.
    #[arg(long, allow_negative_numbers = true)]
    amount: String,
    #[command(flatten)]
    sign: SignArgs,
}

#[derive(clap::Args)]
#[group(id = "switch", required = true, multiple = false, args = ["enable", "disable"])]
pub(crate) struct CollateralArgs {
    /// The reserve: a symbol of the market or its address.
    #[arg(long)]
    asset: String,
    /// Use the asset as collateral.
    #[arg(long)]
    enable: bool,
    /// Stop using the asset as collateral.
    #[arg(long)]
    disable: bool,
    #[command(flatten)]
    sign: SignArgs,
}

pub(crate) async fn run(command: LendCommand) -> Result<()> {
    match command {
        LendCommand::Markets { network, json } => markets(&network, json).await,
        LendCommand::Position { account, network, json } => {
            position(account.as_deref(), &network, json).await
        }
        LendCommand::Supply(a) => act(LendAction::Supply, &a.asset, Some(&a.amount), &a.sign).await,
        LendCommand::Withdraw(a) => {
            act(LendAction::Withdraw, &a.asset, Some(&a.amount), &a.sign).await
        }
        LendCommand::Borrow(a) => act(LendAction::Borrow, &a.asset, Some(&a.amount), &a.sign).await,
        LendCommand::Repay(a) => act(LendAction::Repay, &a.asset, Some(&a.amount), &a.sign).await,
        LendCommand::Protect(p) => protect(&p).await,
        LendCommand::Collateral(c) => {
            act(LendAction::Collateral { enable: c.enable && !c.disable }, &c.asset, None, &c.sign)
                .await
        }
    }
}

/// The core, the network and its client (the core's), and the network's Aave market.
async fn connect(
    network: &str,
) -> Result<(Service, vigil_defi_adapters::Network, std::sync::Arc<ChainClient>, aave::Market)> {
    let service = sign::service()?;
    let (network, client) = service.evm(network).await.map_err(failed)?;
    let market = aave::fetch_market(&client, &network).await?;
    Ok((service, network, client, market))
}

fn pct(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

fn hf(v: Option<f64>) -> String {
    v.map_or_else(|| "∞ (no debt)".into(), |h| format!("{h:.3}"))
}

fn usd(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |p| format!("${p:.2}"))
}

async fn markets(network: &str, json: bool) -> Result<()> {
    let (_, _, _, market) = connect(network).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&market)?);
        return Ok(());
    }
    println!("Aave V3 on {} (pool {})", market.network, market.pool);
    println!(
        "  {:<6} {:>12} {:>6} {:>6} {:>6} {:>9} {:>9} {:>12} {:>12}  state",
        "asset", "price", "LTV", "liq.", "bonus", "supply", "borrow", "supply cap", "borrow cap"
    );
    for r in &market.reserves {
        let c = &r.config;
        let bps = |b: u16| format!("{:.1}%", f64::from(b) / 100.0);
        let cap = |c: u64| if c == 0 { "none".to_owned() } else { c.to_string() };
        let state = match (c.active, c.paused, c.frozen) {
            (false, _, _) => "inactive",
            (_, true, _) => "paused",
            (_, _, true) => "frozen",
            _ if !c.borrowing_enabled => "supply only",
            _ => "active",
        };
        println!(
            "  {:<6} {:>12} {:>6} {:>6} {:>6} {:>9} {:>9} {:>12} {:>12}  {state}",
            r.symbol,
            format!("${:.2}", r.price_usd),
            bps(c.ltv_bps),
            bps(c.liquidation_threshold_bps),
            bps(c.liquidation_bonus_bps.saturating_sub(10_000)),
            pct(r.supply_apy),
            pct(r.borrow_apy),
            cap(c.supply_cap),
            cap(c.borrow_cap),
        );
    }
    Ok(())
}

async fn position(account: Option<&str>, network: &str, json: bool) -> Result<()> {
    let (service, network, client, market) = connect(network).await?;
    let account = sign::acting_address(&service, account)?;
    let mut state = aave::fetch_account(&client, &network, &market, account).await?;
    // Each feed's volatility, from its own past rounds: the chance of liquidation needs it.
    match aave::VolatilityCache::default().volatilities(&client, &network, &state.market).await {
        Ok(v) => state.volatility = v,
        Err(e) => eprintln!("(the feeds' history could not be read: {e})"),
    }
    let p = state.position();
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    println!("Aave V3 position of {} on {}", p.account, p.network);
    println!("  health factor        {}", hf(p.health_factor));
    println!(
        "  collateral ${:.2}, debt ${:.2}, can borrow ${:.2} more",
        p.total_collateral_usd, p.total_debt_usd, p.available_borrows_usd
    );
    if let Some(why) = &p.unmodelled {
        println!("  careful: {why}");
    }
    if let Some(d) = p.distance_to_liquidation {
        println!("  liquidated if collateral falls and debt rises {}", pct(d));
    }
    if let Some(chance) = p.liquidation_probability_24h {
        println!(
            "  chance of liquidation within 24 hours at today's volatility: {}",
            vigil_api::describe_chance(chance)
        );
    }
    for f in &p.feeds {
        let age = f
            .age_secs
            .map_or_else(|| "age unknown".to_owned(), |a| format!("{} old", aave::duration(a)));
        let state = if f.stale { "STALE" } else { "fresh" };
        println!(
            "  {:<6} priced by feed {} ({age}, posts at least every {}): {state}",
            f.symbol,
            f.feed,
            aave::duration(f.heartbeat_secs)
        );
    }
    for rule in &p.rules {
        println!("  rule: {rule}");
    }
    for a in &p.assets {
        let role = if a.collateral { "collateral" } else { "" };
        let on = match a.liquidates_on {
            Some(aave::PriceMove::Fall) => " (on a fall)",
            Some(aave::PriceMove::Rise) => " (on a rise)",
            None => "",
        };
        println!(
            "  {:<6} supplied {:>14}  owed {:>14}  {role:<10} liquidation price {}{on}{}",
            a.symbol,
            a.supplied,
            a.debt,
            usd(a.liquidation_price_usd),
            a.daily_volatility.map_or_else(String::new, |v| format!(", moves {} a day", pct(v)))
        );
    }
    if !p.stress.is_empty() {
        println!("  stress test");
        for row in &p.stress {
            let cells: Vec<String> = row
                .points
                .iter()
                .map(|pt| {
                    let scenario = match pt.price_usd {
                        Some(price) => format!("${price:.2}"),
                        None => format!("{:+}%", pt.change_pct),
                    };
                    format!("{scenario} → {}", hf(pt.health_factor))
                })
                .collect();
            let what = match row.kind {
                aave::StressKind::Fall => "falls",
                aave::StressKind::Rise => "rises",
                aave::StressKind::Combined => "",
                aave::StressKind::Depeg => "depegs",
                aave::StressKind::Correlated => "fall together",
            };
            let label =
                if what.is_empty() { row.asset.clone() } else { format!("{} {what}", row.asset) };
            println!("    {label}: {}", cells.join(", "));
        }
    }
    Ok(())
}

async fn protect(args: &ProtectArgs) -> Result<()> {
    let slippage_bps = args
        .slippage
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=50.0).contains(p))
        .map(|p| (p * 100.0).round() as u32)
        .ok_or_else(|| anyhow::anyhow!("--slippage must be a percentage from 0 to 50, like 0.5"))?;
    let (service, network, client, market) = connect(&args.sign.network).await?;
    let account = sign::acting_address(&service, args.sign.account.as_deref())?;
    let req = aave::ProtectRequest { account, target: args.target, slippage_bps };
    let p = aave::preview_protect(&client, &network, &market, &req).await?;
    let title = match &p.path {
        aave::ProtectPath::Repay { symbol, amount } => {
            format!("Repay {amount} {symbol} from the wallet")
        }
        aave::ProtectPath::Supply { symbol, amount } => {
            format!("Supply {amount} {symbol} from the wallet")
        }
        aave::ProtectPath::Deleverage { collateral, debt, rounds } => {
            format!("Sell {collateral} to repay {debt}, in {rounds} rounds")
        }
    };
    if args.sign.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!("Protect: {title} ({}, {})", p.network, p.account);
        println!(
            "  health factor   {} → {} (target {})",
            hf(p.health_factor_before),
            hf(p.health_factor_after),
            p.target
        );
        for (n, step) in p.steps.iter().enumerate() {
            println!(
                "  {:>3}. {:<60} health factor {}",
                n + 1,
                step.label,
                hf(step.health_factor_after)
            );
        }
        print_review(&p.review, &network.native_symbol);
    }
    sign::send_reviewed(&service, account, format!("Protect: {title}"), p.review, &args.sign).await
}

async fn act(action: LendAction, asset: &str, amount: Option<&str>, args: &SignArgs) -> Result<()> {
    let (service, network, client, market) = connect(&args.network).await?;
    let account = sign::acting_address(&service, args.account.as_deref())?;
    let req = vigil_wallet::actions::lend_request(&market, account, action, asset, amount)?;
    let p = aave::preview(&client, &network, &market, &req).await?;
    let label = p.review.plan.steps.last().map_or("", |s| s.label.as_str()).to_owned();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!("{label} ({}, {})", p.network, p.account);
        println!(
            "  health factor   {} → {}",
            hf(p.health_factor_before),
            hf(p.health_factor_after)
        );
        for (what, (before, after)) in [("supplied", &p.supplied), ("owed", &p.debt)] {
            if before != "0" || after != "0" {
                println!("  {what:<15} {before} → {after} {}", p.symbol);
            }
        }
        for l in &p.liquidation_prices {
            let on = if l.on == aave::PriceMove::Rise { "rise" } else { "fall" };
            println!(
                "  {} liquidation price ({on}) {} → {} (now ${:.2})",
                l.symbol,
                usd(l.before),
                usd(l.after),
                l.price_usd
            );
        }
        print_review(&p.review, &network.native_symbol);
    }
    sign::send_reviewed(&service, account, label, p.review, args).await
}
