//! Aave's current rules and the oracles behind a position, against the devnet's real Aave V3.6
//! contracts: an efficiency-mode position's health factor and its depeg and correlated stress
//! rows are the pool's, a liquidation grace period and siloed borrowing are said and enforced,
//! feeds are traced with their age, volatility is read from their rounds, and the oracle is
//! compared with what a DEX pays.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use alloy::{
    network::TransactionBuilder, primitives::Address, providers::ext::AnvilApi,
    rpc::types::TransactionRequest, sol_types::SolCall,
};
use common::*;
use vigil_defi_adapters::{
    aave::{self, LendAction, LendAmount},
    preview::Severity,
};
use vigil_devnet::{
    DEMO_ACCOUNTS, DEPLOYER, Devnet, STABLECOIN_EMODE,
    contracts::{AavePool, IERC20, PoolConfigurator},
    units,
};

/// Sends a call from an unlocked account and checks it landed.
async fn send(devnet: &Devnet, from: Address, to: Address, input: Vec<u8>) {
    let tx = TransactionRequest::default().from(from).to(to).with_input(input);
    assert!(devnet.send_unlocked(tx).await.unwrap().status(), "call to {to} reverted");
}

#[tokio::test]
async fn an_emode_position_is_the_pools_and_its_depeg_and_correlated_rows_are_too() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (user, dai, usdc) = (DEMO_ACCOUNTS[2], m.tokens["DAI"].address, m.tokens["USDC"].address);
    assert_eq!(market.revision, 10, "Aave V3.6");
    let category = market.emode_category(STABLECOIN_EMODE.0).unwrap();
    assert_eq!(
        (category.label.as_str(), category.liquidation_threshold_bps),
        ("Stablecoins", 9500)
    );

    send(&devnet, user, m.aave_v3.pool, AavePool::setUserEModeCall { categoryId: 1 }.abi_encode())
        .await;
    // 8,500 USDC against 10,000 DAI: past DAI's own 75% LTV, within the category's 93%.
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (dai, LendAction::Supply, units(10_000.0, 18)),
            (usdc, LendAction::Borrow, units(8_500.0, 6)),
        ],
    )
    .await;
    let state = account(&client, &network, &market, user).await;
    assert_matches_chain(&state);
    let position = state.position();
    assert_eq!(position.emode_category, 1);
    assert!(position.matches_pool && position.unmodelled.is_none());
    // 10,000 × 0.95 / 8,500.
    assert!((position.health_factor.unwrap() - 9_500.0 / 8_500.0).abs() < 1e-4);
    assert!(
        position.rules.iter().any(|r| r.starts_with(
            "Efficiency mode \"Stablecoins\": USDC, DAI count as collateral at a 95.0% liquidation threshold"
        )),
        "{:?}",
        position.rules
    );

    let rows: Vec<(&str, aave::StressKind)> =
        position.stress.iter().map(|r| (r.asset.as_str(), r.kind)).collect();
    assert!(rows.contains(&("DAI", aave::StressKind::Depeg)), "{rows:?}");
    assert!(rows.contains(&("USDC", aave::StressKind::Depeg)), "{rows:?}");
    assert!(
        rows.contains(&("eMode Stablecoins (USDC, DAI)", aave::StressKind::Correlated)),
        "{rows:?}"
    );
    // Two stablecoins falling together leave the ratio, and so the health factor, as it is.
    let together = position.stress.iter().find(|r| r.kind == aave::StressKind::Correlated).unwrap();
    let hf = position.health_factor.unwrap();
    assert!(together.points.iter().all(|p| (p.health_factor.unwrap() / hf - 1.0).abs() < 1e-6));
    let checked = assert_stress_table_matches_the_pool(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &position,
        &[("DAI", 1.0), ("USDC", 1.0)],
    )
    .await;
    assert_eq!(checked, 19, "DAI's fall, USDC's rise, both, DAI's two depegs, USDC's, together");
}

#[tokio::test]
async fn a_liquidation_grace_period_is_said_and_holds_liquidations_back_until_it_ends() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (sample, liquidator) = (DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[4]);
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let configurator = m.aave_v3.pool_configurator;
    let pause = PoolConfigurator::setReservePause_0Call { asset: weth, paused: true };
    send(&devnet, DEPLOYER, configurator, pause.abi_encode()).await;
    let state = account(&client, &network, &market, sample).await;
    assert!(
        state.position().rules.iter().any(|r| r.starts_with("WETH is paused")),
        "{:?}",
        state.position().rules
    );
    let unpause = PoolConfigurator::setReservePause_1Call {
        asset: weth,
        paused: false,
        gracePeriod: alloy::primitives::aliases::U40::from(3600),
    };
    send(&devnet, DEPLOYER, configurator, unpause.abi_encode()).await;

    // Underwater, but inside the grace period.
    devnet.set_price("WETH", 1_400.0, false).await.unwrap();
    let state = account(&client, &network, &market, sample).await;
    assert!(state.market.reserve(weth).unwrap().liquidation_grace_until > 0);
    let position = state.position();
    assert!(position.health_factor.unwrap() < 1.0);
    assert!(
        position
            .rules
            .iter()
            .any(|r| r.starts_with("Liquidations against WETH are held back for 59 minutes more")
                || r.starts_with("Liquidations against WETH are held back for 60 minutes more")),
        "{:?}",
        position.rules
    );
    send(
        &devnet,
        liquidator,
        usdc,
        IERC20::approveCall { spender: m.aave_v3.pool, amount: alloy::primitives::U256::MAX }
            .abi_encode(),
    )
    .await;
    let liquidate = AavePool::liquidationCallCall {
        collateralAsset: weth,
        debtAsset: usdc,
        user: sample,
        debtToCover: units(1_000.0, 6),
        receiveAToken: false,
    }
    .abi_encode();
    let tx = TransactionRequest::default()
        .from(liquidator)
        .to(m.aave_v3.pool)
        .with_input(liquidate.clone())
        .with_gas_limit(2_000_000);
    let held_back = devnet.send_unlocked(tx).await;
    assert!(
        held_back.is_err() || !held_back.unwrap().status(),
        "liquidated inside the grace period"
    );

    // An hour later the pool lets anyone liquidate it, and the position no longer says it waits.
    devnet.provider().anvil_increase_time(3_601).await.unwrap();
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let state = account(&client, &network, &market, sample).await;
    assert!(!state.position().rules.iter().any(|r| r.contains("held back")));
    send(&devnet, liquidator, m.aave_v3.pool, liquidate).await;
}

#[tokio::test]
async fn siloed_borrowing_is_said_and_a_second_borrow_is_refused_by_name() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (user, weth, dai, usdc) =
        (DEMO_ACCOUNTS[1], m.weth, m.tokens["DAI"].address, m.tokens["USDC"].address);
    let silo = PoolConfigurator::setSiloedBorrowingCall { asset: dai, newSiloed: true };
    send(&devnet, DEPLOYER, m.aave_v3.pool_configurator, silo.abi_encode()).await;
    let market = aave::fetch_market(&client, &network).await.unwrap_or(market);
    assert!(market.reserve(dai).unwrap().config.siloed_borrowing);
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (weth, LendAction::Supply, units(5.0, 18)),
            (dai, LendAction::Borrow, units(1_000.0, 18)),
        ],
    )
    .await;
    let position = account(&client, &network, &market, user).await.position();
    assert!(
        position.rules.contains(
            &"Siloed borrowing: while DAI is owed, no other asset can be borrowed".into()
        ),
        "{:?}",
        position.rules
    );
    let borrow = request(user, usdc, LendAction::Borrow, LendAmount::Exact(units(10.0, 6)));
    let p = aave::preview(&client, &network, &market, &borrow).await.unwrap();
    assert!(!p.review.simulation.success());
    let revert = p.review.findings.iter().find(|f| f.code == "simulation_reverts").unwrap();
    assert!(revert.message.contains("SiloedBorrowingViolation()"), "{}", revert.message);
    assert_eq!(revert.severity, Severity::Danger);
}

#[tokio::test]
async fn feeds_are_traced_aged_and_their_volatility_read_from_their_own_rounds() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let sample = DEMO_ACCOUNTS[0];
    let state = account(&client, &network, &market, sample).await;
    let feeds = state.feeds();
    let traced: Vec<(&str, Address, u64, bool)> =
        feeds.iter().map(|f| (f.symbol.as_str(), f.feed, f.heartbeat_secs, f.stale)).collect();
    assert_eq!(
        traced,
        [
            ("WETH", m.tokens["WETH"].aggregator, 3600, false),
            ("USDC", m.tokens["USDC"].aggregator, 86_400, false)
        ]
    );

    // A week of hourly rounds, read once per new round: WETH at 60% a year, USDC nearly still.
    let cache = aave::VolatilityCache::default();
    let before = client.requests();
    let vols = cache.volatilities(&client, &network, &state.market).await.unwrap();
    assert_eq!(client.requests() - before, 1, "every feed's history in one batch");
    cache.volatilities(&client, &network, &state.market).await.unwrap();
    assert_eq!(client.requests() - before, 1, "cached until a feed posts");
    let index = |symbol: &str| state.index(m.tokens[symbol].address).unwrap();
    let (weth_at, usdc_at) = (index("WETH"), index("USDC"));
    let vol = |i: usize| vols[i].unwrap();
    let weth_daily = 0.60 / 365f64.sqrt();
    assert!((vol(weth_at) / weth_daily - 1.0).abs() < 0.25, "{} vs {weth_daily}", vol(weth_at));
    assert!(vol(usdc_at) < 0.002, "{}", vol(usdc_at));

    // The chance of liquidation: WETH backs it all, USDC is all it owes.
    let mut state = state;
    state.volatility = vols.clone();
    let hf = aave::health_factor_f64(state.chain.health_factor).unwrap();
    let expected = aave::first_passage(hf.ln(), vol(weth_at) + vol(usdc_at), 1.0);
    let p = state.position().liquidation_probability_24h.unwrap();
    assert!((p - expected).abs() < 1e-12 && p < 0.001, "{p} vs {expected} at {hf}");
    // WETH falls 25% in one round: its volatility jumps (that round is in the week's history),
    // and at a health factor of 1.03 liquidation within a day becomes likely.
    devnet.set_price("WETH", 1_500.0, true).await.unwrap();
    let mut state = account(&client, &network, &market, sample).await;
    let after = cache.volatilities(&client, &network, &state.market).await.unwrap();
    assert!(after[weth_at].unwrap() > 2.0 * vol(weth_at), "{after:?}");
    state.volatility = after.clone();
    let hf = aave::health_factor_f64(state.chain.health_factor).unwrap();
    let expected =
        aave::first_passage(hf.ln(), after[weth_at].unwrap() + after[usdc_at].unwrap(), 1.0);
    let p = state.position().liquidation_probability_24h.unwrap();
    assert!((p - expected).abs() < 1e-12 && p > 0.05, "{p} vs {expected} at {hf}");

    // Three hours on without a round: WETH's hourly feed is stale, USDC's daily one is not.
    devnet.provider().anvil_increase_time(3 * 3600 + 60).await.unwrap();
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let state = account(&client, &network, &market, sample).await;
    let feeds = state.position().feeds;
    assert!(feeds[0].stale && !feeds[1].stale, "{feeds:?}");
    assert_eq!(feeds[0].describe_age(), "has not updated for 3 hours");
    let borrow = request(
        sample,
        m.tokens["USDC"].address,
        LendAction::Repay,
        LendAmount::Exact(units(10.0, 6)),
    );
    let p = aave::preview(&client, &network, &market, &borrow).await.unwrap();
    let stale = p.review.findings.iter().find(|f| f.code == "stale_price_feed").unwrap();
    assert!(
        stale.message.starts_with(
            "Aave prices WETH with a feed that has not updated for 3 hours (it posts at least every 60 minutes)"
        ),
        "{}",
        stale.message
    );
}

#[tokio::test]
async fn an_oracle_far_from_the_dex_is_a_finding_and_one_that_agrees_is_not() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (sample, weth, usdc) = (DEMO_ACCOUNTS[0], m.weth, m.tokens["USDC"].address);
    let state = account(&client, &network, &market, sample).await;
    let agree =
        aave::dex_deviations(&client, &network, &state.market, &[weth, usdc]).await.unwrap();
    assert!(agree.iter().all(|d| d.unwrap().abs() < 0.01), "{agree:?}");

    // The oracle says $1,500, the pools still pay about $2,000 for a WETH.
    devnet.set_price("WETH", 1_500.0, false).await.unwrap();
    let state = account(&client, &network, &market, sample).await;
    let apart = aave::dex_deviations(&client, &network, &state.market, &[weth]).await.unwrap();
    assert!((apart[0].unwrap() - (2_000.0 / 1_500.0 - 1.0)).abs() < 0.02, "{apart:?}");
    let repay = request(sample, usdc, LendAction::Repay, LendAmount::Exact(units(10.0, 6)));
    let p = aave::preview(&client, &network, &market, &repay).await.unwrap();
    let finding = p.review.findings.iter().find(|f| f.code == "oracle_dex_deviation").unwrap();
    assert!(
        finding.message.starts_with("Aave's price for WETH ($1500.00) is 33."),
        "{}",
        finding.message
    );
    assert!(finding.message.contains("below what a DEX pays"), "{}", finding.message);

    // Once the pools follow, the finding goes.
    devnet.set_price("WETH", 1_500.0, true).await.unwrap();
    let p = aave::preview(&client, &network, &market, &repay).await.unwrap();
    assert!(
        p.review.findings.iter().all(|f| f.code != "oracle_dex_deviation"),
        "{:?}",
        p.review.findings
    );
}

#[tokio::test]
async fn an_isolated_collateral_is_said_with_its_ceiling_and_the_pool_enforces_both() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (user, wbtc, usdc, dai) = (
        DEMO_ACCOUNTS[1],
        m.tokens["WBTC"].address,
        m.tokens["USDC"].address,
        m.tokens["DAI"].address,
    );
    let configurator = m.aave_v3.pool_configurator;
    // Aave isolates only a collateral nobody has supplied: the deployer takes its WBTC back.
    let withdraw = vigil_defi_adapters::abi::IAavePool::withdrawCall {
        asset: wbtc,
        amount: alloy::primitives::U256::MAX,
        to: DEPLOYER,
    };
    send(&devnet, DEPLOYER, m.aave_v3.pool, withdraw.abi_encode()).await;
    // $10,000 of debt at most against WBTC, USDC the only asset borrowable against it.
    let ceiling = PoolConfigurator::setDebtCeilingCall {
        asset: wbtc,
        newDebtCeiling: alloy::primitives::U256::from(1_000_000u64),
    };
    send(&devnet, DEPLOYER, configurator, ceiling.abi_encode()).await;
    let borrowable =
        PoolConfigurator::setBorrowableInIsolationCall { asset: usdc, borrowable: true };
    send(&devnet, DEPLOYER, configurator, borrowable.abi_encode()).await;
    let market = aave::fetch_market(&client, &network).await.unwrap_or(market);
    assert_eq!(market.reserve(wbtc).unwrap().config.debt_ceiling, 1_000_000);

    // An isolated supply is not collateral until the user says so.
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (wbtc, LendAction::Supply, units(1.0, 8)),
            (wbtc, LendAction::Collateral { enable: true }, units(0.0, 8)),
            (usdc, LendAction::Borrow, units(4_000.0, 6)),
        ],
    )
    .await;
    let state = account(&client, &network, &market, user).await;
    assert_matches_chain(&state);
    let position = state.position();
    assert!(
        position.rules.contains(
            &"Isolation mode: WBTC is an isolated collateral, so only USDC can be borrowed against it, and all its borrowers together up to $10000 ($4000 used)".into()
        ),
        "{:?}",
        position.rules
    );

    // What the rule says, the pool enforces: DAI is refused, and so is USDC past the ceiling.
    for (asset, amount, error) in [
        (dai, units(100.0, 18), "AssetNotBorrowableInIsolation()"),
        (usdc, units(6_500.0, 6), "DebtCeilingExceeded()"),
    ] {
        let borrow = request(user, asset, LendAction::Borrow, LendAmount::Exact(amount));
        let said = match aave::preview(&client, &network, &market, &borrow).await {
            Err(e) => e.to_string(),
            Ok(p) => {
                assert!(!p.review.simulation.success(), "{error} not enforced");
                p.review.findings.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" ")
            }
        };
        assert!(said.contains(error), "{said}");
    }
}
