//! The protect plan on the devnet's real Aave: the devnet's sample position after a price
//! cut, brought back to the target from the wallet and, with an empty wallet, by selling
//! collateral in rounds. Every step is sent as planned and the pool's own health factor is
//! read after each one.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{
    network::TransactionBuilder, primitives::Address, rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    aave::{self, LendError, Market, ProtectPath, ProtectRequest},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, contracts::IERC20};

async fn setup() -> (Devnet, Network, ChainClient, Market) {
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let market = aave::fetch_market(&client, &network).await.unwrap();
    (devnet, network, client, market)
}

/// The pool's own health factor for `who`.
async fn pool_hf(client: &ChainClient, network: &Network, market: &Market, who: Address) -> f64 {
    let state = aave::fetch_account(client, network, market, who).await.unwrap();
    aave::health_factor_f64(state.chain.health_factor).unwrap_or(f64::INFINITY)
}

/// Sends each step of the plan as it is, and checks the pool's health factor after each
/// against the plan's figure; returns the lowest seen.
async fn send_checking_each_step(
    devnet: &Devnet,
    client: &ChainClient,
    network: &Network,
    market: &Market,
    p: &aave::ProtectPreview,
) -> f64 {
    let mut lowest = f64::INFINITY;
    for (step, planned) in p.review.plan.steps.iter().zip(&p.steps) {
        let receipt = devnet.send_unlocked(step.request.clone().from(p.account)).await.unwrap();
        assert!(receipt.status(), "{} reverted", step.label);
        let pool = pool_hf(client, network, market, p.account).await;
        let expected = planned.health_factor_after.unwrap_or(f64::INFINITY);
        // The plan's figure at the plan's prices; the swap's real output can only beat the
        // minimum the plan repays, and interest moves it by a hair.
        assert!(pool >= expected * (1.0 - 1e-6), "{}: pool {pool}, planned {expected}", step.label);
        lowest = lowest.min(pool);
    }
    lowest
}

#[tokio::test]
async fn after_a_price_cut_the_sample_position_is_repaid_from_the_wallet_to_the_target() {
    let (devnet, network, client, market) = setup().await;
    let account = DEMO_ACCOUNTS[0];
    devnet.set_price("WETH", 1600.0, false).await.unwrap();
    let before = pool_hf(&client, &network, &market, account).await;
    assert!(before < 1.2, "{before}");
    let req = ProtectRequest { account, target: 1.6, slippage_bps: 50 };
    let p = aave::preview_protect(&client, &network, &market, &req).await.unwrap();
    assert!(
        matches!(&p.path, ProtectPath::Repay { symbol, .. } if symbol == "USDC"),
        "{:?}",
        p.path
    );
    assert!(p.review.simulation.success(), "{:?}", p.review.simulation.steps);
    assert!(!p.needs_override(), "{:?}", p.review.findings);
    let planned = p.health_factor_after.unwrap();
    assert!((1.6..1.61).contains(&planned), "{planned}");
    send_checking_each_step(&devnet, &client, &network, &market, &p).await;
    let after = pool_hf(&client, &network, &market, account).await;
    assert!((1.6..1.61).contains(&after), "the pool says {after}");

    // At the target now: nothing to do, and a target that makes no sense is refused.
    let e = aave::preview_protect(&client, &network, &market, &req).await.unwrap_err();
    assert!(matches!(e, LendError::AlreadySafe { .. }), "{e}");
    let silly = ProtectRequest { target: 0.9, ..req };
    let e = aave::preview_protect(&client, &network, &market, &silly).await.unwrap_err();
    assert!(e.to_string().contains("between 1.1 and 10"), "{e}");
}

#[tokio::test]
async fn with_an_empty_wallet_it_sells_collateral_in_rounds_never_below_1_05() {
    let (devnet, network, client, market) = setup().await;
    let account = DEMO_ACCOUNTS[0];
    // Nothing in the wallet to repay or supply with.
    let m = devnet.manifest();
    let sink = DEMO_ACCOUNTS[1];
    for token in m.tokens.values() {
        let balance =
            IERC20::new(token.address, devnet.provider()).balanceOf(account).call().await.unwrap();
        if balance.is_zero() {
            continue;
        }
        let input = IERC20::transferCall { to: sink, amount: balance }.abi_encode();
        let tx = TransactionRequest::default().from(account).to(token.address).with_input(input);
        assert!(devnet.send_unlocked(tx).await.unwrap().status());
    }
    devnet.set_price("WETH", 1560.0, true).await.unwrap();
    let before = pool_hf(&client, &network, &market, account).await;
    assert!((1.05..1.1).contains(&before), "{before}");

    let req = ProtectRequest { account, target: 1.6, slippage_bps: 50 };
    let p = aave::preview_protect(&client, &network, &market, &req).await.unwrap();
    let ProtectPath::Deleverage { collateral, debt, rounds } = &p.path else {
        panic!("{:?}", p.path)
    };
    assert_eq!((collateral.as_str(), debt.as_str()), ("WETH", "USDC"));
    assert!(*rounds >= 2, "close to 1.05 it takes more than one round: {rounds}");
    assert!(p.review.simulation.success(), "{:?}", p.review.simulation.steps);
    assert!(p.steps.iter().all(|s| s.health_factor_after.unwrap() >= aave::MIN_STEP_HEALTH_FACTOR));
    let lowest = send_checking_each_step(&devnet, &client, &network, &market, &p).await;
    assert!(lowest >= aave::MIN_STEP_HEALTH_FACTOR, "a step left it at {lowest}");
    let after = pool_hf(&client, &network, &market, account).await;
    assert!((1.6..1.7).contains(&after), "the pool says {after}");
}
