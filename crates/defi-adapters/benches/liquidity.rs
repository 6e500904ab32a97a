//! Liquidity reads and previews on the devnet with a position on every venue (Uniswap V2,
//! SushiSwap, V3 and V4 over a range, Balancer): reading an account's positions (what the
//! dashboard and the Liquidity screen do on every block), finding the pools between two
//! tokens, and previewing a deposit; latency and requests.
//! Run: `scripts/offline.sh cargo bench -p vigil-defi-adapters --bench liquidity`.

use std::time::Instant;

use alloy::{eips::BlockId, providers::Provider};
use vigil_defi_adapters::{
    liquidity::{self, LiquidityAction, LiquidityRequest, Protocol, RangeChoice},
    testing::report,
};
use vigil_devnet::{DEMO_ACCOUNTS, units};

const RUNS: usize = 40;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let lp = DEMO_ACCOUNTS[4];
    let pools = liquidity::find_pools(&client, &network, weth, usdc)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request = |pool: &liquidity::Pool| {
        let token_index = pool.tokens.iter().position(|&t| t == weth || t.is_zero()).unwrap_or(0);
        let range = pool.protocol.has_range().then_some(RangeChoice::AroundPrice(0.1));
        LiquidityRequest {
            account: lp,
            action: LiquidityAction::Add {
                pool: pool.clone(),
                token_index,
                amount: units(1.0, 18),
                range,
            },
            slippage_bps: 50,
            deadline: 4_000_000_000,
            native: false,
        }
    };
    for protocol in [
        Protocol::UniswapV2,
        Protocol::SushiSwap,
        Protocol::UniswapV3,
        Protocol::UniswapV4,
        Protocol::Balancer,
    ] {
        let Some(pool) =
            pools.iter().find(|p| p.protocol == protocol && p.fee().is_none_or(|f| f == 3000))
        else {
            continue;
        };
        let (_, review) = liquidity::preview_liquidity(&client, &network, &request(pool))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for step in &review.plan.steps {
            devnet
                .send_unlocked(step.request.clone().from(lp))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let head = client
        .request(|p| async move { p.get_block_number().await })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ids = liquidity::owned_v4_ids(&client, &network, lp, 0, head)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .ids;

    let mut times = Vec::new();
    let before = client.requests();
    let mut held = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let positions = liquidity::fetch_all(&client, &network, lp, &ids, BlockId::latest())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        times.push(t.elapsed());
        held = positions.len();
    }
    let per = (client.requests() - before) as f64 / RUNS as f64;
    report(&format!("positions of an account ({held}, 5 venues)"), times, per);

    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..RUNS {
        let t = Instant::now();
        let _ = liquidity::owned_v4_ids(&client, &network, lp, head, head).await;
        times.push(t.elapsed());
    }
    report(
        "V4 position search, one new block",
        times,
        (client.requests() - before) as f64 / RUNS as f64,
    );

    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..RUNS {
        let t = Instant::now();
        let _ = liquidity::find_pools(&client, &network, weth, usdc)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        times.push(t.elapsed());
    }
    report(
        "pools between two tokens (every venue)",
        times,
        (client.requests() - before) as f64 / RUNS as f64,
    );

    let v3 =
        pools.iter().find(|p| p.protocol == Protocol::UniswapV3 && p.fee() == Some(3000)).cloned();
    if let Some(v3) = v3 {
        let mut times = Vec::new();
        let before = client.requests();
        for _ in 0..RUNS {
            let t = Instant::now();
            let _ = liquidity::preview_liquidity(&client, &network, &request(&v3))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            times.push(t.elapsed());
        }
        report(
            "preview a V3 deposit over a range",
            times,
            (client.requests() - before) as f64 / RUNS as f64,
        );
    }
}
