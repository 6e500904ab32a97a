//! The whole pipeline on the devnet, signed by the software signer: preview, sign, send,
//! track; the actual balance changes equal the previewed ones.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{primitives::I256, providers::Provider};
use vigil_defi_adapters::{
    ChainClient, Network,
    multicall::{self, Asset},
    preview::{self, SwapRequest},
    simulate,
    swap::SwapKind,
};
use vigil_devnet::{Devnet, units};
use vigil_signer::{DerivationPath, EvmSigner, Mnemonic, SoftwareEvmSigner};
use vigil_wallet::execute::{self, ExecuteError, TxEvent};

const JUNK: &str = "test test test test test test test test test test test junk";

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

fn signer(index: u32) -> SoftwareEvmSigner {
    let seed = Mnemonic::parse(JUNK).unwrap().to_seed("");
    SoftwareEvmSigner::from_seed(&seed, &DerivationPath::ethereum(index)).unwrap()
}

#[tokio::test]
async fn swaps_signed_by_the_software_signer_change_balances_exactly_as_previewed() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let signer = signer(1);
    let account = signer.address();
    for (token_in, token_out, amount, kind) in [
        (m.weth, m.tokens["USDC"].address, units(1.0, 18), SwapKind::ExactIn),
        (m.tokens["USDC"].address, m.tokens["DAI"].address, units(500.0, 18), SwapKind::ExactOut),
    ] {
        let request = SwapRequest {
            account,
            token_in,
            token_out,
            amount,
            kind,
            slippage_bps: 50,
            deadline_secs: 600,
            unlimited_approval: false,
            native_in: false,
            native_out: false,
        };
        let preview = preview::preview_swap(&client, &network, &request).await.unwrap();
        let simulation = simulate::simulate(&client, &preview.review.plan).await.unwrap();
        let assets = [Asset::Token(token_in), Asset::Token(token_out)];
        let before =
            multicall::balances(&client, network.protocols.multicall3, &assets, &[account])
                .await
                .unwrap();
        let mut events = Vec::new();
        let receipts =
            execute::execute(&client, &preview.review.plan, &simulation, &signer, &mut |e| {
                events.push(e)
            })
            .await
            .unwrap();
        assert_eq!(receipts.len(), preview.review.plan.steps.len());
        assert!(matches!(events.last(), Some(TxEvent::Confirmed { .. })), "{events:?}");
        let after = multicall::balances(&client, network.protocols.multicall3, &assets, &[account])
            .await
            .unwrap();
        for (i, asset) in assets.iter().enumerate() {
            let actual = I256::try_from(after[0][i].unwrap()).unwrap()
                - I256::try_from(before[0][i].unwrap()).unwrap();
            let Asset::Token(t) = asset else { unreachable!() };
            let previewed = preview.review.changes.iter().find(|c| c.token == Some(*t)).unwrap();
            assert_eq!(
                actual.to_string(),
                previewed.raw,
                "{kind:?}: {} changed as previewed",
                previewed.symbol
            );
        }
    }
}

#[tokio::test]
async fn concurrent_plans_of_one_account_never_share_a_nonce() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let signer = signer(2);
    let request = |amount| SwapRequest {
        account: signer.address(),
        token_in: m.tokens["DAI"].address,
        token_out: m.tokens["USDC"].address,
        amount,
        kind: SwapKind::ExactIn,
        slippage_bps: 100,
        deadline_secs: 600,
        unlimited_approval: true,
        native_in: false,
        native_out: false,
    };
    let a = preview::preview_swap(&client, &network, &request(units(10.0, 18))).await.unwrap();
    let b = preview::preview_swap(&client, &network, &request(units(20.0, 18))).await.unwrap();
    let (sim_a, sim_b) = (
        simulate::simulate(&client, &a.review.plan).await.unwrap(),
        simulate::simulate(&client, &b.review.plan).await.unwrap(),
    );
    let (mut quiet_a, mut quiet_b) = (|_| {}, |_| {});
    let (ra, rb) = tokio::join!(
        execute::execute(&client, &a.review.plan, &sim_a, &signer, &mut quiet_a),
        execute::execute(&client, &b.review.plan, &sim_b, &signer, &mut quiet_b),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let hashes: std::collections::HashSet<_> =
        ra.iter().chain(&rb).map(|r| r.transaction_hash).collect();
    assert_eq!(
        hashes.len(),
        ra.len() + rb.len(),
        "every transaction was mined, none replaced another"
    );
}

#[tokio::test]
async fn nothing_is_signed_for_a_failing_simulation_or_the_wrong_signer() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let signer = signer(3);
    let request = SwapRequest {
        account: signer.address(),
        token_in: m.weth,
        token_out: m.tokens["USDC"].address,
        amount: units(1.0, 18),
        kind: SwapKind::ExactIn,
        slippage_bps: 50,
        deadline_secs: 600,
        unlimited_approval: false,
        native_in: false,
        native_out: false,
    };
    let preview = preview::preview_swap(&client, &network, &request).await.unwrap();
    let simulation = simulate::simulate(&client, &preview.review.plan).await.unwrap();
    let nonce =
        vigil_defi_adapters::submit::pending_nonce(&client, signer.address()).await.unwrap();
    let err =
        execute::execute(&client, &preview.review.plan, &simulation, &self::signer(4), &mut |_| {})
            .await
            .unwrap_err();
    assert!(matches!(err, ExecuteError::WrongAccount { .. }), "{err}");

    let mut failing = simulation.clone();
    failing.steps[1].success = false;
    failing.steps[1].revert_reason = Some("revert: Too little received".into());
    let err = execute::execute(&client, &preview.review.plan, &failing, &signer, &mut |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Too little received"), "{err}");
    assert_eq!(
        vigil_defi_adapters::submit::pending_nonce(&client, signer.address()).await.unwrap(),
        nonce,
        "nothing was sent"
    );
}

#[tokio::test]
async fn native_eth_in_and_out_through_the_routers_wrapping() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let signer = signer(5);
    let account = signer.address();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let p = devnet.provider();
    // (token in, token out, amount, kind, native in, native out)
    for (token_in, token_out, amount, kind, native_in, native_out) in [
        (m.weth, usdc, units(1.0, 18), SwapKind::ExactIn, true, false),
        (usdc, m.weth, units(500.0, 6), SwapKind::ExactIn, false, true),
        (m.weth, dai, units(300.0, 18), SwapKind::ExactOut, true, false),
        (dai, m.weth, units(0.1, 18), SwapKind::ExactOut, false, true),
    ] {
        let request = SwapRequest {
            account,
            token_in,
            token_out,
            amount,
            kind,
            slippage_bps: 50,
            deadline_secs: 600,
            unlimited_approval: false,
            native_in,
            native_out,
        };
        let preview = preview::preview_swap(&client, &network, &request).await.unwrap();
        assert!(preview.review.findings.is_empty(), "{:?}", preview.review.findings);
        let eth_change =
            preview.review.changes.iter().find(|c| c.symbol == "ETH").expect("ETH changes");
        assert!(
            preview.review.changes.iter().all(|c| c.symbol != "WETH"),
            "no WETH left over: {:?}",
            preview.review.changes
        );
        if native_in {
            assert!(preview.review.approvals.is_empty(), "paying in ETH needs no approval");
        }
        let other = if native_in { token_out } else { token_in };
        let eth_before = p.get_balance(account).await.unwrap();
        let token_before = multicall::balances(
            &client,
            network.protocols.multicall3,
            &[Asset::Token(other)],
            &[account],
        )
        .await
        .unwrap()[0][0]
            .unwrap();
        let receipts = execute::execute(
            &client,
            &preview.review.plan,
            &preview.review.simulation,
            &signer,
            &mut |_| {},
        )
        .await
        .unwrap();
        let fees: alloy::primitives::U256 = receipts
            .iter()
            .map(|r| {
                alloy::primitives::U256::from(r.gas_used)
                    * alloy::primitives::U256::from(r.effective_gas_price)
            })
            .sum();
        let eth_after = p.get_balance(account).await.unwrap();
        let token_after = multicall::balances(
            &client,
            network.protocols.multicall3,
            &[Asset::Token(other)],
            &[account],
        )
        .await
        .unwrap()[0][0]
            .unwrap();
        let eth_actual = I256::try_from(eth_after).unwrap() - I256::try_from(eth_before).unwrap()
            + I256::try_from(fees).unwrap();
        assert_eq!(
            eth_actual.to_string(),
            eth_change.raw,
            "{kind:?} in={native_in}: ETH moved as previewed, fees aside"
        );
        let token_change = preview.review.changes.iter().find(|c| c.token == Some(other)).unwrap();
        let token_actual =
            I256::try_from(token_after).unwrap() - I256::try_from(token_before).unwrap();
        assert_eq!(token_actual.to_string(), token_change.raw);
    }
}
