//! Aave on the devnet: the market read, an account's position read, the local health factor
//! with its stress table, and a full lending preview; p50, p95 and RPC requests per run.
//! Run: `cargo bench -p vigil-defi-adapters --bench lend`.

use std::time::Instant;

use vigil_defi_adapters::{
    aave::{self, LendAction, LendAmount, LendRequest},
    testing::report,
};
use vigil_devnet::{DEMO_ACCOUNTS, units};

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    let runs = 100;
    let fail = |e: aave::LendError| -> ! { panic!("{e}") };

    let mut times = Vec::new();
    let before = client.requests();
    let mut market = None;
    for _ in 0..runs {
        let t = Instant::now();
        market = Some(aave::fetch_market(&client, &network).await.unwrap_or_else(|e| fail(e)));
        times.push(t.elapsed());
    }
    report("market (4 reserves)", times, (client.requests() - before) as f64 / runs as f64);
    let market = market.unwrap_or_else(|| panic!("no runs"));

    let mut times = Vec::new();
    let before = client.requests();
    let mut state = None;
    for _ in 0..runs {
        let t = Instant::now();
        state = Some(
            aave::fetch_account(&client, &network, &market, DEMO_ACCOUNTS[0])
                .await
                .unwrap_or_else(|e| fail(e)),
        );
        times.push(t.elapsed());
    }
    report("position read", times, (client.requests() - before) as f64 / runs as f64);
    let state = state.unwrap_or_else(|| panic!("no runs"));

    let mut times = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        std::hint::black_box(state.position());
        times.push(t.elapsed());
    }
    report("local HF, liquidation prices, stress table", times, 0.0);

    let request = LendRequest {
        account: DEMO_ACCOUNTS[0],
        asset: devnet.manifest().tokens["USDC"].address,
        action: LendAction::Borrow,
        amount: LendAmount::Exact(units(100.0, 6)),
    };
    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..runs {
        let t = Instant::now();
        aave::preview(&client, &network, &market, &request).await.unwrap_or_else(|e| fail(e));
        times.push(t.elapsed());
    }
    report(
        "borrow preview (read, project, simulate)",
        times,
        (client.requests() - before) as f64 / runs as f64,
    );
}
