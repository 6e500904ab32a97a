//! Best execution across the devnet's venues: over 60 trades of increasing size on three
//! pairs, what Vigil's route receives net of gas against the best single route and against an
//! exhaustive search of the splits over a grid five times finer (5% steps); and the quote's
//! latency and requests with every venue enabled.
//! Run: `scripts/offline.sh cargo bench -p vigil-defi-adapters --bench routing`.

use std::time::Instant;

use alloy::primitives::U256;
use vigil_defi_adapters::{
    swap::{self, Quote, SwapKind, split},
    testing::report,
};
use vigil_devnet::units;

/// The exhaustive search's grid: 20 parts of 5%.
const FINE: u32 = 20;

fn f(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    // 20 sizes per pair, from small to pool-moving; amounts divide by 20 (and by 4).
    let sizes = |start: f64, step: f64, decimals: u8| {
        (0..20).map(move |i| units(start + step * f64::from(i), decimals)).collect::<Vec<_>>()
    };
    let mut trades = Vec::new();
    for a in sizes(0.2, 12.0, 18) {
        trades.push(("WETH -> USDC", weth, usdc, a));
    }
    for a in sizes(1_000.0, 40_000.0, 6) {
        trades.push(("USDC -> DAI", usdc, dai, a));
    }
    for a in sizes(0.2, 8.0, 18) {
        trades.push(("WETH -> DAI", weth, dai, a));
    }

    let (mut worst_vs_fine, mut below_single, mut splits) = (0f64, 0, 0);
    let mut gains = Vec::new();
    let mut times = Vec::new();
    let mut requests = 0u64;
    println!(
        "{:<14} {:>14} {:>9} {:>9} {:>9}  route",
        "trade", "amount", "vs single", "vs fine", "legs"
    );
    for (name, token_in, token_out, amount) in &trades {
        let kind = SwapKind::ExactIn;
        let before = client.requests();
        let t = Instant::now();
        let routes = swap::route(&client, &network, *token_in, *token_out, *amount, kind)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        times.push(t.elapsed());
        requests += client.requests() - before;
        let best = routes.best().unwrap_or_else(|| panic!("no route"));
        let net = |q: &Quote| f(q.amount_out) - f(q.gas_in_token.unwrap_or_default());
        let single = routes.quotes.iter().find(|q| !q.venue.is_split()).map(net).unwrap_or(0.0);
        // Gas in the compared token, at the routes' own price of it.
        let per_gas = f(best.gas_in_token.unwrap_or_default()) / best.gas as f64;
        let ladders =
            split::ladders(&client, &network, (*token_in, *token_out), *amount, kind, FINE)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        let gas_value = |g: u64| U256::from((g as f64 * per_gas) as u128);
        let fine = split::best_split(kind, &ladders, &gas_value)
            .map(|legs| {
                let (_, out, gas) = split::totals(&legs);
                f(out) - f(gas_value(gas))
            })
            .unwrap_or(0.0)
            .max(single);
        let ours = net(best);
        let vs_single = (ours / single - 1.0) * 100.0;
        let vs_fine = (ours / fine - 1.0) * 100.0;
        worst_vs_fine = worst_vs_fine.min(vs_fine);
        if ours < single {
            below_single += 1;
        }
        let legs = match &best.venue {
            swap::Venue::Split { legs } => {
                splits += 1;
                legs.len()
            }
            _ => 1,
        };
        gains.push(vs_single);
        println!(
            "{name:<14} {:>14.2} {vs_single:>8.3}% {vs_fine:>8.3}% {legs:>9}  {}",
            f(*amount) / if *token_in == usdc { 1e6 } else { 1e18 },
            best.venue.describe(&network)
        );
    }
    println!();
    println!(
        "{} trades: {splits} split; below the best single route: {below_single}; worst against the 5% grid: {worst_vs_fine:.4}%; best gain over a single route: {:.3}%",
        trades.len(),
        gains.iter().copied().fold(0.0, f64::max)
    );
    report(
        "quote with every venue (V2, Sushi, V3, V4, Balancer, splits)",
        times,
        requests as f64 / trades.len() as f64,
    );
}
