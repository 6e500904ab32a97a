//! Quote, route, simulate and preview of a token->token swap on the devnet: p50 and p95, and
//! RPC requests per preview (targets: p50 under 50 ms, at most 3 round trips).
//! Run: `cargo bench -p vigil-defi-adapters --bench preview`.

use std::time::Instant;

use vigil_defi_adapters::{
    preview::{self, SwapRequest},
    swap::{self, SwapKind},
    testing::report,
};
use vigil_devnet::{DEMO_ACCOUNTS, units};

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let runs = 100;

    let mut route_times = Vec::new();
    let before = client.requests();
    for _ in 0..runs {
        let t = Instant::now();
        swap::route(&client, &network, usdc, dai, units(1000.0, 6), SwapKind::ExactIn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        route_times.push(t.elapsed());
    }
    report(
        "quote + route (USDC -> DAI)",
        route_times,
        (client.requests() - before) as f64 / runs as f64,
    );

    let request = SwapRequest {
        account: DEMO_ACCOUNTS[1],
        token_in: usdc,
        token_out: dai,
        amount: units(1000.0, 6),
        kind: SwapKind::ExactIn,
        slippage_bps: 50,
        deadline_secs: 600,
        unlimited_approval: false,
        native_in: false,
        native_out: false,
    };
    let mut preview_times = Vec::new();
    let before = client.requests();
    for _ in 0..runs {
        let t = Instant::now();
        preview::preview_swap(&client, &network, &request).await.unwrap_or_else(|e| panic!("{e}"));
        preview_times.push(t.elapsed());
    }
    report(
        "full preview (route + plan + simulate)",
        preview_times,
        (client.requests() - before) as f64 / runs as f64,
    );
}
