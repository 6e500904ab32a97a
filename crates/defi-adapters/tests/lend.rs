//! The Aave adapter on the devnet's real Aave V3: the market in one round trip, the health
//! factor computed locally equal to the pool's, liquidation prices that the oracle confirms,
//! and previews that refuse or flag what would walk a user into liquidation.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloy::{
    primitives::{Address, U256},
    providers::ext::AnvilApi,
};
use vigil_defi_adapters::{
    aave::{self, LendAction, LendAmount, LendError, LendRequest},
    preview::Severity,
};
use vigil_devnet::{DEMO_ACCOUNTS, units};

mod common;

use common::*;

#[tokio::test]
async fn the_market_is_read_in_one_round_trip_with_its_risk_parameters_and_prices() {
    let (_devnet, network, client, _) = setup().await;
    let before = client.requests();
    let market = aave::fetch_market(&client, &network).await.unwrap();
    assert_eq!(client.requests() - before, 1, "one Multicall3 batch");
    let symbols: Vec<&str> = market.reserves.iter().map(|r| r.symbol.as_str()).collect();
    assert_eq!(symbols, ["WETH", "USDC", "DAI", "WBTC"]);
    let weth = market.find("weth").unwrap();
    let c = weth.config;
    assert_eq!(
        (c.ltv_bps, c.liquidation_threshold_bps, c.liquidation_bonus_bps, c.decimals),
        (8000, 8250, 10500, 18)
    );
    assert!(c.active && c.borrowing_enabled && !c.frozen && !c.paused);
    assert_eq!(weth.price_usd, 2000.0);
    let wbtc = market.find("WBTC").unwrap();
    assert_eq!((wbtc.config.ltv_bps, wbtc.config.decimals, wbtc.price_usd), (7300, 8, 60_000.0));
    // The sample position borrows USDC: its suppliers earn and its borrowers pay.
    let usdc = market.find("USDC").unwrap();
    assert!(usdc.borrow_apy > usdc.supply_apy && usdc.supply_apy > 0.0, "{usdc:?}");
    assert_eq!(market.find("DAI").unwrap().supply_apy, 0.0, "nobody borrows DAI");
    let unknown = market.find("UNI").unwrap_err().to_string();
    assert!(unknown.contains("UNI is not in the Aave market on devnet"), "{unknown}");
    assert!(unknown.contains("WETH, USDC, DAI, WBTC"), "{unknown}");
}

#[tokio::test]
async fn the_local_health_factor_equals_the_pools_for_single_and_multi_collateral_positions_and_after_interest()
 {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai, wbtc) =
        (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address, m.tokens["WBTC"].address);

    // The sample position: 5 WETH, 6,000 USDC owed, health factor 1.375.
    let sample = account(&client, &network, &market, DEMO_ACCOUNTS[0]).await;
    assert_matches_chain(&sample);
    let hf = aave::health_factor_f64(sample.account_data().health_factor).unwrap();
    assert!((hf - 1.375).abs() < 1e-3, "{hf}");

    // Three collaterals, two debts, one of them in a collateral asset.
    let user = DEMO_ACCOUNTS[1];
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (weth, LendAction::Supply, units(4.0, 18)),
            (wbtc, LendAction::Supply, units(0.5, 8)),
            (dai, LendAction::Supply, units(3000.0, 18)),
            (usdc, LendAction::Borrow, units(9000.0, 6)),
            (dai, LendAction::Borrow, units(2500.0, 18)),
        ],
    )
    .await;
    let multi = account(&client, &network, &market, user).await;
    assert_eq!(multi.position().assets.iter().filter(|a| a.collateral).count(), 3);

    // A month of interest: both debts grow faster than the supplies, both sides still agree.
    devnet.provider().anvil_increase_time(30 * 24 * 3600).await.unwrap();
    devnet.provider().anvil_mine(Some(3), None).await.unwrap();
    let later = account(&client, &network, &market, user).await;
    assert_matches_chain(&later);
    assert!(later.account_data().health_factor < multi.account_data().health_factor);
    let usdc_index = later.index(usdc).unwrap();
    assert!(later.debt(usdc_index) > units(9000.0, 6), "interest accrued");
    assert_matches_chain(&account(&client, &network, &market, DEMO_ACCOUNTS[0]).await);
    // The chain's clock is now a month ahead of the wall clock; previews still simulate.
    let p = aave::preview(
        &client,
        &network,
        &market,
        &request(user, usdc, LendAction::Repay, LendAmount::Exact(units(100.0, 6))),
    )
    .await
    .unwrap();
    assert!(p.review.simulation.success(), "{:?}", p.review.simulation.steps);

    // No position at all: the pool's "infinite" health factor.
    let empty = account(&client, &network, &market, DEMO_ACCOUNTS[4]).await;
    assert_matches_chain(&empty);
    assert_eq!(empty.position().health_factor, None);
}

#[tokio::test]
async fn setting_the_oracle_to_a_computed_liquidation_price_brings_the_health_factor_to_one() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let user = DEMO_ACCOUNTS[2];
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (m.weth, LendAction::Supply, units(3.0, 18)),
            (m.tokens["WBTC"].address, LendAction::Supply, units(0.2, 8)),
            (m.tokens["USDC"].address, LendAction::Borrow, units(12_000.0, 6)),
        ],
    )
    .await;
    let state = account(&client, &network, &market, user).await;
    let position = state.position();
    let weth = position.assets.iter().find(|a| a.symbol == "WETH").unwrap();
    let liquidation = weth.liquidation_price_usd.unwrap();
    // 12,000 owed; WBTC backs 0.2 × 60,000 × 0.78 = 9,360; WETH must back the other 2,640.
    assert!((liquidation - 2640.0 / (3.0 * 0.825)).abs() < 0.01, "{liquidation}");
    devnet.set_price("WETH", liquidation, false).await.unwrap();
    let at_liquidation = account(&client, &network, &market, user).await;
    let hf = aave::health_factor_f64(at_liquidation.chain.health_factor).unwrap();
    assert!((hf - 1.0).abs() < 0.001, "the pool says {hf} at the computed liquidation price");
    devnet.set_price("WETH", 2000.0, false).await.unwrap();

    // The combined adverse move: every collateral falling and the debt rising by the distance
    // to liquidation reaches 1 too.
    let distance = position.distance_to_liquidation.unwrap();
    assert!(distance > 0.0 && distance < 1.0, "{distance}");
    devnet.set_price("WETH", 2000.0 * (1.0 - distance), false).await.unwrap();
    devnet.set_price("WBTC", 60_000.0 * (1.0 - distance), false).await.unwrap();
    devnet.set_price("USDC", 1.0 + distance, false).await.unwrap();
    let combined = account(&client, &network, &market, user).await;
    let hf = aave::health_factor_f64(combined.chain.health_factor).unwrap();
    assert!(
        (hf - 1.0).abs() < 0.001,
        "the pool says {hf} after collateral fell and debt rose by {distance}"
    );
}

#[tokio::test]
async fn the_stress_table_is_what_the_pool_reports_at_those_prices() {
    let (devnet, network, client, market) = setup().await;
    let state = account(&client, &network, &market, DEMO_ACCOUNTS[0]).await;
    let position = state.position();
    // WETH collateral, USDC debt: WETH's fall, USDC's rise, both together, USDC's depeg.
    let rows: Vec<(&str, aave::StressKind)> =
        position.stress.iter().map(|r| (r.asset.as_str(), r.kind)).collect();
    assert_eq!(
        rows,
        [
            ("WETH", aave::StressKind::Fall),
            ("USDC", aave::StressKind::Rise),
            ("collateral down, debt up", aave::StressKind::Combined),
            ("USDC", aave::StressKind::Depeg),
        ]
    );
    let falls: Vec<i16> = position.stress[0].points.iter().map(|p| p.change_pct).collect();
    assert_eq!(falls, [-10, -20, -30, -50]);
    let depeg = &position.stress[3].points;
    assert_eq!((depeg.len(), depeg[0].price_usd, depeg[0].change_pct), (1, Some(1.10), 10));
    let hf = |row: usize, i: usize| position.stress[row].points[i].health_factor.unwrap();
    assert!(hf(0, 0) > 1.0 && hf(0, 2) < 1.0 && hf(0, 3) < hf(0, 2), "{:?}", position.stress);
    assert!(hf(2, 0) < hf(0, 0) && hf(2, 0) < hf(1, 0), "both together are worse than either");
    let checked = assert_stress_table_matches_the_pool(
        &devnet,
        &client,
        &network,
        &market,
        DEMO_ACCOUNTS[0],
        &position,
        &[("WETH", 2000.0), ("USDC", 1.0)],
    )
    .await;
    assert_eq!(checked, 13);
    let json = serde_json::to_value(&position).unwrap();
    for key in ["health_factor", "distance_to_liquidation", "stress", "assets"] {
        assert!(!json[key].is_null(), "{key} in {json}");
    }
    assert_eq!(json["stress"][1]["kind"], "rise");
    assert!(json["assets"][0]["liquidation_price_usd"].as_f64().unwrap() > 1000.0);
}

#[tokio::test]
async fn where_the_model_is_not_the_pools_the_position_says_so_instead_of_guessing() {
    let (_devnet, network, client, market) = setup().await;
    let mut state = account(&client, &network, &market, DEMO_ACCOUNTS[0]).await;
    assert!(state.is_modelled());
    let modelled = state.position();
    assert!(modelled.unmodelled.is_none() && !modelled.stress.is_empty());
    // As on a market whose rules Vigil does not know: the pool says something else.
    state.chain.health_factor += U256::from(10u64).pow(U256::from(16));
    assert!(!state.is_modelled());
    let p = state.position();
    assert!(!p.matches_pool);
    assert!(p.unmodelled.as_deref().unwrap().contains("rules Vigil does not model"), "{p:?}");
    assert_eq!(p.health_factor, p.pool_health_factor, "the pool's figure is the one shown");
    assert!(p.assets.iter().all(|a| a.liquidation_price_usd.is_none()), "{:?}", p.assets);
    assert!(p.distance_to_liquidation.is_none() && p.stress.is_empty());
}

#[tokio::test]
async fn a_short_position_is_liquidated_by_its_debts_rise_at_exactly_the_computed_price() {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest, sol_types::SolCall};
    use vigil_devnet::contracts::{AavePool, IERC20};
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (user, liquidator) = (DEMO_ACCOUNTS[3], DEMO_ACCOUNTS[4]);
    let dai = m.tokens["DAI"].address;
    // Supplies DAI and borrows WETH: it is liquidated when WETH rises.
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &[
            (dai, LendAction::Supply, units(9_000.0, 18)),
            (m.weth, LendAction::Borrow, units(2.5, 18)),
        ],
    )
    .await;
    let state = account(&client, &network, &market, user).await;
    let position = state.position();
    let weth = position.assets.iter().find(|a| a.symbol == "WETH").unwrap();
    assert_eq!(weth.liquidates_on, Some(aave::PriceMove::Rise));
    let liquidation = weth.liquidation_price_usd.expect("a short has a liquidation price");
    assert!(liquidation > 2000.0, "{liquidation}");
    let dai_row = position.assets.iter().find(|a| a.symbol == "DAI").unwrap();
    assert_eq!(dai_row.liquidates_on, Some(aave::PriceMove::Fall));

    // Its stress table: DAI's fall and depegs, WETH's rise, both together; each the pool's.
    let kinds: Vec<(&str, aave::StressKind)> =
        position.stress.iter().map(|r| (r.asset.as_str(), r.kind)).collect();
    assert!(kinds.contains(&("WETH", aave::StressKind::Rise)), "{kinds:?}");
    assert!(kinds.contains(&("DAI", aave::StressKind::Depeg)), "{kinds:?}");
    let checked = assert_stress_table_matches_the_pool(
        &devnet,
        &client,
        &network,
        &market,
        user,
        &position,
        &[("WETH", 2000.0), ("DAI", 1.0)],
    )
    .await;
    assert_eq!(checked, 14, "4 + 4 + 4 + 2 points");

    // At the computed price the pool's health factor is 1, but for rounding and interest.
    let (d, c, n, mk) = (&devnet, &client, &network, &market);
    let at =
        |usd: f64| async move { pool_health_factor_at(d, c, n, mk, user, &[("WETH", usd)]).await };
    let hf = at(liquidation).await;
    assert!((hf - 1.0).abs() < 1e-6, "the pool says {hf} at {liquidation}");
    // A hair below, nobody can liquidate it; a hair above, anyone can.
    let liquidate = || async {
        let cover = units(0.5, 18);
        for (to, input) in [
            (m.weth, IERC20::approveCall { spender: m.aave_v3.pool, amount: cover }.abi_encode()),
            (
                m.aave_v3.pool,
                AavePool::liquidationCallCall {
                    collateralAsset: dai,
                    debtAsset: m.weth,
                    user,
                    debtToCover: cover,
                    receiveAToken: false,
                }
                .abi_encode(),
            ),
        ] {
            let tx = TransactionRequest::default().from(liquidator).to(to).with_input(input);
            match devnet.send_unlocked(tx).await {
                Ok(r) if r.status() => {}
                _ => return false,
            }
        }
        true
    };
    assert!(at(liquidation * 0.9999).await > 1.0);
    assert!(!liquidate().await, "liquidated above a health factor of 1");
    assert!(at(liquidation * 1.0001).await < 1.0);
    assert!(liquidate().await, "not liquidatable just past the computed price");
}

#[tokio::test]
async fn previews_project_the_health_factor_in_two_round_trips() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let sample = DEMO_ACCOUNTS[0];
    let before = client.requests();
    let p = aave::preview(
        &client,
        &network,
        &market,
        &request(
            sample,
            m.tokens["USDC"].address,
            LendAction::Borrow,
            LendAmount::Exact(units(500.0, 6)),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        client.requests() - before,
        5,
        "position batch; then simulation, nonce, fee history and the DEX's prices in parallel"
    );
    assert!(p.review.simulation.success());
    let (hf_before, hf_after) = (p.health_factor_before.unwrap(), p.health_factor_after.unwrap());
    // 5 × 2,000 × 0.825 / 6,500.
    assert!((hf_after - 8250.0 / 6500.0).abs() < 1e-3 && hf_after < hf_before, "{hf_after}");
    assert_eq!(
        p.review.changes.len(),
        1,
        "only the wallet's USDC, not the debt token: {:?}",
        p.review.changes
    );
    assert_eq!(p.review.changes[0].amount, "+500");
    assert!(
        p.review.findings.iter().all(|f| f.severity < Severity::Danger),
        "{:?}",
        p.review.findings
    );
    let weth_price = p.liquidation_prices.iter().find(|l| l.symbol == "WETH").unwrap();
    assert!(
        weth_price.after.unwrap() > weth_price.before.unwrap(),
        "more debt, higher liquidation price"
    );

    // A supply of a token the pool may not yet spend approves it first.
    let p = aave::preview(
        &client,
        &network,
        &market,
        &request(DEMO_ACCOUNTS[3], m.tokens["DAI"].address, LendAction::Supply, LendAmount::Max),
    )
    .await
    .unwrap();
    assert_eq!(p.review.plan.steps.len(), 2, "approve, supply");
    assert_eq!(p.amount, "10000");
    assert_eq!(p.review.approvals[0].2, "10000");
    assert_eq!(p.review.changes[0].amount, "-10000");
    assert_eq!(p.health_factor_after, None, "no debt");
}

#[tokio::test]
async fn the_circuit_breaker_flags_below_1_10_refuses_below_1_and_reverts_are_decoded() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (sample, usdc, weth) = (DEMO_ACCOUNTS[0], m.tokens["USDC"].address, m.weth);
    let borrow = |amount: f64| {
        request(sample, usdc, LendAction::Borrow, LendAmount::Exact(units(amount, 6)))
    };

    // 7,857 owed against 8,250 of weighted collateral: 1.05, within the LTV but dangerous.
    let p = aave::preview(&client, &network, &market, &borrow(1857.0)).await.unwrap();
    assert!(p.review.simulation.success());
    assert!(p.needs_override());
    let danger = p.review.findings.iter().find(|f| f.code == "health_factor_danger").unwrap();
    assert!(danger.message.contains("below 1.10"), "{}", danger.message);
    assert!(danger.message.contains("Borrowing at most"), "{}", danger.message);

    // 8,100 owed: past the 80% LTV, still above 1: the pool refuses and says why.
    let p = aave::preview(&client, &network, &market, &borrow(2100.0)).await.unwrap();
    assert!(!p.review.simulation.success());
    let revert = p.review.findings.iter().find(|f| f.code == "simulation_reverts").unwrap();
    assert!(revert.message.contains("CollateralCannotCoverNewBorrow()"), "{}", revert.message);
    assert_eq!(revert.severity, Severity::Danger);

    // 9,000 owed: liquidatable at once. Refused before anything is simulated.
    let before = client.requests();
    let err = aave::preview(&client, &network, &market, &borrow(3000.0)).await.unwrap_err();
    assert!(matches!(err, LendError::WouldBeLiquidatable { .. }), "{err}");
    assert!(err.to_string().contains("below 1.0"), "{err}");
    assert_eq!(client.requests() - before, 1, "the position batch, no simulation");

    // Withdrawing collateral that backs the debt past the limit, or switching it off.
    let err = aave::preview(
        &client,
        &network,
        &market,
        &request(sample, weth, LendAction::Withdraw, LendAmount::Exact(units(2.0, 18))),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LendError::WouldBeLiquidatable { .. }), "{err}");
    // 8,250 weighted collateral − 1.10 × 6,000 owed leaves 1,650 = 1 WETH (less interest).
    let safe: f64 = err
        .to_string()
        .split("Withdrawing at most ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.999..=1.0).contains(&safe), "{err}");
    let err = aave::preview(
        &client,
        &network,
        &market,
        &request(sample, weth, LendAction::Collateral { enable: false }, LendAmount::Max),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LendError::WouldBeLiquidatable { .. }), "{err}");

    // Repaying lowers nothing: no finding even from a weak position.
    devnet.set_price("WETH", 1500.0, false).await.unwrap();
    let p = aave::preview(
        &client,
        &network,
        &market,
        &request(sample, usdc, LendAction::Repay, LendAmount::Exact(units(100.0, 6))),
    )
    .await
    .unwrap();
    assert!(p.health_factor_before.unwrap() < 1.10);
    assert!(p.health_factor_after.unwrap() > p.health_factor_before.unwrap());
    assert!(!p.needs_override(), "{:?}", p.review.findings);
}

#[tokio::test]
async fn bad_requests_get_specific_errors_before_signing() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let (sample, usdc, weth, dai) =
        (DEMO_ACCOUNTS[0], m.tokens["USDC"].address, m.weth, m.tokens["DAI"].address);
    let preview = |req: LendRequest| {
        let (client, network, market) = (&client, &network, &market);
        async move { aave::preview(client, network, market, &req).await.unwrap_err().to_string() }
    };
    let exact = LendAmount::Exact;
    let not_a_reserve = m.uniswap_v2.router;
    let e =
        preview(request(sample, not_a_reserve, LendAction::Supply, exact(units(1.0, 18)))).await;
    assert!(
        e.contains("is not in the Aave market on devnet; it lists WETH, USDC, DAI, WBTC"),
        "{e}"
    );
    let e = preview(request(sample, usdc, LendAction::Repay, exact(units(7000.0, 6)))).await;
    assert!(e.starts_with("the account owes 6000") && e.contains("--amount max"), "{e}");
    let e = preview(request(sample, weth, LendAction::Withdraw, exact(units(6.0, 18)))).await;
    assert!(e.starts_with("only 5") && e.contains("WETH is supplied"), "{e}");
    let e = preview(request(sample, weth, LendAction::Supply, exact(units(50.0, 18)))).await;
    assert_eq!(e, "not enough WETH: supply needs 50 but the account holds 5");
    let e = preview(request(sample, weth, LendAction::Supply, exact(U256::ZERO))).await;
    assert_eq!(e, "the amount must be more than zero");
    let e = preview(request(sample, dai, LendAction::Repay, LendAmount::Max)).await;
    assert_eq!(e, "this account owes no DAI");
    let e = preview(request(sample, dai, LendAction::Withdraw, LendAmount::Max)).await;
    assert_eq!(e, "nothing of DAI is supplied by this account");
    let e =
        preview(request(DEMO_ACCOUNTS[3], usdc, LendAction::Borrow, exact(units(1.0, 6)))).await;
    assert!(e.starts_with("the account has no collateral"), "{e}");
    let e =
        preview(request(sample, weth, LendAction::Collateral { enable: true }, LendAmount::Max))
            .await;
    assert_eq!(e, "WETH is already enabled as collateral");
}

#[tokio::test]
async fn frozen_paused_and_borrow_disabled_reserves_say_so_before_signing() {
    use alloy::{rpc::types::TransactionRequest, sol_types::SolCall};
    use vigil_devnet::{DEPLOYER, contracts::PoolConfigurator};
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    let configurator = m.aave_v3.pool_configurator;
    let admin = |input: Vec<u8>| {
        let tx = TransactionRequest::default().from(DEPLOYER).to(configurator).input(input.into());
        async { assert!(devnet.send_unlocked(tx).await.unwrap().status()) }
    };
    let (sample, weth, usdc, dai) =
        (DEMO_ACCOUNTS[0], m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    admin(PoolConfigurator::setReserveFreezeCall { asset: weth, freeze: true }.abi_encode()).await;
    admin(PoolConfigurator::setReserveBorrowingCall { asset: dai, enabled: false }.abi_encode())
        .await;
    // The market is read again: the configuration changed.
    let market_now = aave::fetch_market(&client, &network).await.unwrap();
    assert!(market_now.find("WETH").unwrap().config.frozen);
    let preview = |req: LendRequest| {
        let (client, network, market) = (&client, &network, &market);
        async move { aave::preview(client, network, market, &req).await }
    };
    let e = preview(request(sample, weth, LendAction::Supply, LendAmount::Exact(units(1.0, 18))))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "WETH is frozen on Aave: supply is not possible now");
    // Frozen still lets the user get out: repaying works.
    let p = preview(request(sample, usdc, LendAction::Repay, LendAmount::Exact(units(10.0, 6))))
        .await
        .unwrap();
    assert!(p.review.simulation.success());
    let e = preview(request(sample, dai, LendAction::Borrow, LendAmount::Exact(units(1.0, 18))))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "borrowing DAI is not enabled on this market");
    admin(PoolConfigurator::setReservePause_0Call { asset: usdc, paused: true }.abi_encode()).await;
    let e = preview(request(sample, usdc, LendAction::Repay, LendAmount::Max)).await.unwrap_err();
    assert_eq!(e.to_string(), "USDC is paused on Aave: repay is not possible now");
}

#[tokio::test]
async fn many_accounts_are_read_in_one_round_trip_equal_to_reading_each() {
    let (devnet, network, client, market) = setup().await;
    let m = devnet.manifest();
    // Two real positions among 250 addresses (several Multicall3 calls, one JSON-RPC batch).
    open_position(
        &devnet,
        &client,
        &network,
        &market,
        DEMO_ACCOUNTS[1],
        &[(m.weth, LendAction::Supply, units(1.0, 18))],
    )
    .await;
    let mut accounts: Vec<Address> =
        (1..=248u64).map(|i| Address::left_padding_from(&i.to_be_bytes())).collect();
    accounts.insert(100, DEMO_ACCOUNTS[0]);
    accounts.push(DEMO_ACCOUNTS[1]);
    let before = client.requests();
    let states =
        aave::fetch_accounts(&client, &network, &market, &accounts, alloy::eips::BlockId::latest())
            .await
            .unwrap();
    assert_eq!(client.requests() - before, 1, "one JSON-RPC batch");
    assert_eq!(states.len(), accounts.len());
    for state in &states {
        assert_matches_chain(state);
    }
    for (i, who) in [(100, DEMO_ACCOUNTS[0]), (249, DEMO_ACCOUNTS[1])] {
        assert_eq!(states[i].account, who);
        let alone = account(&client, &network, &market, who).await;
        assert_eq!(states[i].account_data(), alone.account_data());
        assert_eq!(states[i].position().assets.len(), alone.position().assets.len());
    }
    assert_eq!(states[0].position().health_factor, None, "an empty address");
    // The cheap first pass: the pool's figures for all, in one round trip too.
    let before = client.requests();
    let health = aave::fetch_account_data(
        &client,
        &network,
        &market,
        &accounts,
        alloy::eips::BlockId::latest(),
    )
    .await
    .unwrap();
    assert_eq!(client.requests() - before, 1);
    let chain: Vec<_> = states.iter().map(|s| s.chain).collect();
    assert_eq!(health, chain);
}
