//! What the Aave tests share: a devnet with its market, and helpers that act on it as a user
//! would and compare Vigil's figures with the pool's.

// Test helpers panic on failure by design; each test binary uses some of them.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;

use alloy::primitives::{Address, U256};
use vigil_defi_adapters::{
    ChainClient, Network,
    aave::{self, AccountState, LendAction, LendAmount, LendRequest, Market},
};
use vigil_devnet::Devnet;

pub(crate) async fn setup() -> (Devnet, Network, ChainClient, Market) {
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let market = aave::fetch_market(&client, &network).await.unwrap();
    (devnet, network, client, market)
}

pub(crate) fn request(
    account: Address,
    asset: Address,
    action: LendAction,
    amount: LendAmount,
) -> LendRequest {
    LendRequest { account, asset, action, amount }
}

/// Previews an action and sends its plan from the (unlocked) account.
pub(crate) async fn act(
    devnet: &Devnet,
    client: &ChainClient,
    network: &Network,
    market: &Market,
    req: LendRequest,
) -> aave::LendPreview {
    let p = aave::preview(client, network, market, &req).await.unwrap();
    assert!(p.review.simulation.success(), "{:?}", p.review.simulation.steps);
    for step in &p.review.plan.steps {
        let receipt = devnet.send_unlocked(step.request.clone().from(req.account)).await.unwrap();
        assert!(receipt.status(), "{}", step.label);
    }
    p
}

pub(crate) async fn account(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    who: Address,
) -> AccountState {
    aave::fetch_account(client, network, market, who).await.unwrap()
}

/// Opens a position step by step (exact amounts), checking after each step that the local
/// computation still equals the pool's.
pub(crate) async fn open_position(
    devnet: &Devnet,
    client: &ChainClient,
    network: &Network,
    market: &Market,
    user: Address,
    steps: &[(Address, LendAction, U256)],
) {
    for &(asset, action, amount) in steps {
        act(
            devnet,
            client,
            network,
            market,
            request(user, asset, action, LendAmount::Exact(amount)),
        )
        .await;
        assert_matches_chain(&account(client, network, market, user).await);
    }
}

/// The local computation equals the pool's getUserAccountData, read at the same block.
pub(crate) fn assert_matches_chain(state: &AccountState) {
    assert_eq!(state.account_data(), state.chain, "local vs pool for {}", state.account);
}

/// Sets each price a stress point assumes (today's `prices`, moved as the row says), reads
/// the pool's own health factor, and puts the prices back.
pub(crate) async fn pool_health_factor_at(
    devnet: &Devnet,
    client: &ChainClient,
    network: &Network,
    market: &Market,
    user: Address,
    prices: &[(&str, f64)],
) -> f64 {
    for (symbol, usd) in prices {
        devnet.set_price(symbol, *usd, false).await.unwrap();
    }
    let state = account(client, network, market, user).await;
    aave::health_factor_f64(state.chain.health_factor).unwrap()
}

/// Every point of every row of `position`'s stress table against the pool, with the oracle
/// set to that point's prices. `today` are the prices the table started from.
pub(crate) async fn assert_stress_table_matches_the_pool(
    devnet: &Devnet,
    client: &ChainClient,
    network: &Network,
    market: &Market,
    user: Address,
    position: &aave::Position,
    today: &[(&'static str, f64)],
) -> usize {
    let price = |s: &str| today.iter().find(|(t, _)| *t == s).unwrap().1;
    let mut checked = 0;
    for row in &position.stress {
        for point in &row.points {
            let pct = f64::from(point.change_pct) / 100.0;
            let moved: Vec<(&str, f64)> = match row.kind {
                aave::StressKind::Fall | aave::StressKind::Rise => {
                    vec![(row.asset.as_str(), price(&row.asset) * (1.0 + pct))]
                }
                aave::StressKind::Depeg => vec![(row.asset.as_str(), point.price_usd.unwrap())],
                aave::StressKind::Combined => position
                    .assets
                    .iter()
                    .filter(|a| a.liquidates_on.is_some())
                    .map(|a| {
                        let sign =
                            if a.liquidates_on == Some(aave::PriceMove::Fall) { 1.0 } else { -1.0 };
                        (
                            today.iter().find(|(t, _)| *t == a.symbol).unwrap().0,
                            price(&a.symbol) * (1.0 + sign * pct),
                        )
                    })
                    .collect(),
                aave::StressKind::Correlated => {
                    // "eMode 1 (WETH, WBTC)": its members move together.
                    let members = row.asset.split_once('(').unwrap().1.trim_end_matches(')');
                    members
                        .split(", ")
                        .map(|m| {
                            let (symbol, usd) = today.iter().find(|(t, _)| *t == m).unwrap();
                            (*symbol, usd * (1.0 + pct))
                        })
                        .collect()
                }
            };
            let pool = pool_health_factor_at(devnet, client, network, market, user, &moved).await;
            let table = point.health_factor.unwrap();
            // Equal but for the interest accrued until the block that carries the new prices.
            assert!(
                (pool / table - 1.0).abs() < 1e-6,
                "{} {:?} {:+}%: pool {pool}, table {table}",
                row.asset,
                row.kind,
                point.change_pct
            );
            pool_health_factor_at(devnet, client, network, market, user, today).await;
            checked += 1;
        }
    }
    checked
}
