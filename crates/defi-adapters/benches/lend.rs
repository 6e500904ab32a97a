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
    let mut state = state.unwrap_or_else(|| panic!("no runs"));

    // Each feed's week of rounds, read when it posts (a new cache each run: the cost of a read).
    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..runs {
        let cache = aave::VolatilityCache::default();
        let t = Instant::now();
        state.volatility =
            cache.volatilities(&client, &network, &state.market).await.unwrap_or_else(|e| fail(e));
        times.push(t.elapsed());
    }
    report(
        "feed histories (168 rounds x 4 feeds), on a new round",
        times,
        (client.requests() - before) as f64 / runs as f64,
    );

    let mut times = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        std::hint::black_box(state.position());
        times.push(t.elapsed());
    }
    report("local HF, liquidation prices, stress table, 24 h chance", times, 0.0);

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

    // What the monitor does each block: 1,000 watched accounts, against one read per account.
    let mut accounts: Vec<alloy::primitives::Address> = (1..=995u64)
        .map(|i| alloy::primitives::Address::left_padding_from(&i.to_be_bytes()))
        .collect();
    accounts.extend(DEMO_ACCOUNTS);
    let mut times = Vec::new();
    let before = client.requests();
    let rounds = 10;
    for _ in 0..rounds {
        let t = Instant::now();
        // Every account's health factor; then the detail of those near a threshold.
        let block = alloy::eips::BlockId::latest();
        let health = aave::fetch_account_data(&client, &network, &market, &accounts, block)
            .await
            .unwrap_or_else(|e| fail(e));
        let near: Vec<_> = accounts
            .iter()
            .zip(&health)
            .filter(|(_, d)| aave::health_factor_f64(d.health_factor).is_some_and(|h| h < 1.6))
            .map(|(a, _)| *a)
            .collect();
        let states = aave::fetch_accounts(&client, &network, &market, &near, block)
            .await
            .unwrap_or_else(|e| fail(e));
        for mut s in states {
            // The feeds' volatility comes from the monitor's cache (read when a feed posts).
            s.volatility = state.volatility.clone();
            std::hint::black_box(s.position());
        }
        times.push(t.elapsed());
    }
    report(
        "1,000 accounts: health, then detail",
        times,
        (client.requests() - before) as f64 / rounds as f64,
    );
    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..3 {
        let t = Instant::now();
        for &a in &accounts {
            let s = aave::fetch_account(&client, &network, &market, a)
                .await
                .unwrap_or_else(|e| fail(e));
            std::hint::black_box(s.position());
        }
        times.push(t.elapsed());
    }
    report("1,000 accounts, one call each", times, (client.requests() - before) as f64 / 3.0);
}
