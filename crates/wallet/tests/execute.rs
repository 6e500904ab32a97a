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
    submit,
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
        let assets = [Asset::Token(token_in), Asset::Token(token_out)];
        let before =
            multicall::balances(&client, network.protocols.multicall3, &assets, &[account])
                .await
                .unwrap();
        let mut events = Vec::new();
        let receipts = execute::execute(&client, &preview.review, &signer, &mut |e| events.push(e))
            .await
            .unwrap();
        // One transaction per step, but for a Permit2 allowance, which is signed instead.
        let steps = &preview.review.plan.steps;
        let sent: Vec<usize> = (0..steps.len()).filter(|&i| steps[i].permit.is_none()).collect();
        assert_eq!(receipts.len(), sent.len());
        // Signed on the terms the preview showed: its nonces, fees and gas limits.
        let terms = &preview.review.terms;
        for (n, (r, &i)) in receipts.iter().zip(&sent).enumerate() {
            let tx = client
                .request(|p| async move { p.get_transaction_by_hash(r.transaction_hash).await })
                .await
                .unwrap()
                .unwrap();
            use alloy::consensus::Transaction as _;
            assert_eq!(tx.nonce(), terms.nonce + n as u64);
            assert_eq!(tx.max_fee_per_gas(), terms.fees.max_fee_per_gas);
            let expected = terms.transaction_in(steps, i, &steps[i].request).unwrap();
            assert_eq!(tx.gas_limit(), expected.gas_limit);
        }
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
async fn a_preview_overtaken_by_another_transaction_is_refused_and_nothing_is_signed_twice() {
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
    // Both previews fix the account's next nonce: whichever is confirmed second would sign a
    // transaction other than the one it showed.
    let a = preview::preview_swap(&client, &network, &request(units(10.0, 18))).await.unwrap();
    let b = preview::preview_swap(&client, &network, &request(units(20.0, 18))).await.unwrap();
    assert_eq!(a.review.terms.nonce, b.review.terms.nonce);
    let (mut quiet_a, mut quiet_b) = (|_| {}, |_| {});
    let (ra, rb) = tokio::join!(
        execute::execute(&client, &a.review, &signer, &mut quiet_a),
        execute::execute(&client, &b.review, &signer, &mut quiet_b),
    );
    let (sent, refused) = match (ra, rb) {
        (Ok(sent), Err(e)) | (Err(e), Ok(sent)) => (sent, e),
        (ra, rb) => panic!("one is sent and the other refused: {ra:?} {rb:?}"),
    };
    assert!(matches!(refused, ExecuteError::Stale(_)), "{refused}");
    assert!(refused.to_string().contains("Preview it again"), "{refused}");
    let account = signer.address();
    let nonce =
        client.request(|p| async move { p.get_transaction_count(account).await }).await.unwrap();
    assert_eq!(nonce, a.review.terms.nonce + sent.len() as u64, "only one plan was signed");
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
    let nonce =
        vigil_defi_adapters::submit::pending_nonce(&client, signer.address()).await.unwrap();
    let err = execute::execute(&client, &preview.review, &self::signer(4), &mut |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, ExecuteError::WrongAccount { .. }), "{err}");

    let steps = preview.review.plan.steps.len();
    let mut failing = preview.review.clone();
    failing.simulation.steps[steps - 1].success = false;
    failing.simulation.steps[steps - 1].revert_reason = Some("revert: Too little received".into());
    let err = execute::execute(&client, &failing, &signer, &mut |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("Too little received"), "{err}");

    // A simulation with a step missing, or terms without its gas: nothing is signed.
    let mut short = preview.review.clone();
    short.simulation.steps.pop();
    let err = execute::execute(&client, &short, &signer, &mut |_| {}).await.unwrap_err();
    assert!(
        matches!(err, ExecuteError::Mismatch { plan, other } if plan == steps && other == steps - 1),
        "{err}"
    );
    let mut short = preview.review.clone();
    short.terms.gas_limits.clear();
    let err = execute::execute(&client, &short, &signer, &mut |_| {}).await.unwrap_err();
    assert!(matches!(err, ExecuteError::Mismatch { plan, other: 0 } if plan == steps), "{err}");
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
        let receipts =
            execute::execute(&client, &preview.review, &signer, &mut |_| {}).await.unwrap();
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

/// A swap of 1 ETH for USDC by `signer`.
fn eth_for_usdc(devnet: &Devnet, signer: &SoftwareEvmSigner) -> SwapRequest {
    let m = devnet.manifest();
    SwapRequest {
        account: signer.address(),
        token_in: m.weth,
        token_out: m.tokens["USDC"].address,
        amount: units(1.0, 18),
        kind: SwapKind::ExactIn,
        slippage_bps: 50,
        deadline_secs: 600,
        unlimited_approval: false,
        native_in: true,
        native_out: false,
    }
}

#[tokio::test]
async fn fees_that_rose_past_the_previewed_maximum_are_refused_and_nothing_is_signed() {
    let (devnet, network, client) = setup().await;
    let signer = signer(6);
    let preview =
        preview::preview_swap(&client, &network, &eth_for_usdc(&devnet, &signer)).await.unwrap();
    // The chain's fees now above the most the preview allowed (a fee spike since, or a node
    // that lied at preview time): the preview's cap is set below what inclusion needs.
    let mut overtaken = preview.review.clone();
    let market = submit::fee_market(&client).await.unwrap();
    overtaken.terms.fees.max_fee_per_gas = market.floor() - 1;
    let nonce = vigil_defi_adapters::submit::pending_nonce(&client, signer.address()).await;
    let err = execute::execute(&client, &overtaken, &signer, &mut |_| {}).await.unwrap_err();
    assert!(matches!(err, ExecuteError::Stale(_)), "{err}");
    assert!(err.to_string().contains("above the previewed maximum"), "{err}");
    assert_eq!(
        vigil_defi_adapters::submit::pending_nonce(&client, signer.address()).await.unwrap(),
        nonce.unwrap(),
        "nothing was sent"
    );

    // Fees above the network's ceiling (here a ceiling below the devnet's fraction of a gwei):
    // refused before anything is signed, with the ceiling named and how to change it.
    let ceiling = Network { max_fee_gwei: 0, ..network.clone() };
    let err = preview::preview_swap(&client, &ceiling, &eth_for_usdc(&devnet, &signer))
        .await
        .unwrap_err();
    assert!(
        matches!(err, preview::PreviewError::Terms(submit::TermsError::AboveCeiling { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("max_fee_gwei"), "{err}");
}

#[tokio::test]
async fn the_fee_cap_is_held_to_the_ceiling_when_the_market_allows_it() {
    use submit::{FeeMarket, GWEI};
    // Twice the base fee plus the tip, unless the ceiling is lower and still above what
    // inclusion needs now.
    let market = FeeMarket { base_fee: 40 * GWEI, tip: GWEI };
    assert_eq!(market.fees(u128::MAX).max_fee_per_gas, 81 * GWEI);
    assert_eq!(market.fees(50 * GWEI).max_fee_per_gas, 50 * GWEI);
    assert_eq!(market.fees(50 * GWEI).max_priority_fee_per_gas, GWEI);
    assert_eq!(submit::gwei(12_500_000_000), "12.5");
    assert_eq!(submit::gwei(3 * GWEI), "3");
    // A step the node says needs more gas than any transaction gets has no terms.
    let network = Network::builtin().remove(0);
    let err =
        submit::signing_terms(&network, 1, 0, market, &[("Swap".into(), 40_000_000)]).unwrap_err();
    assert!(matches!(err, submit::TermsError::TooMuchGas { .. }), "{err}");
}

#[tokio::test]
async fn what_a_node_says_at_confirm_never_changes_the_fee_that_is_signed() {
    use vigil_defi_adapters::testing::{Fault, HostileNode};
    let (devnet, network, _) = setup().await;
    let node = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    let network = Network { rpc_urls: vec![node.url()], ..network };
    let client = ChainClient::connect(&network).await.unwrap();
    let signer = signer(7);
    let preview =
        preview::preview_swap(&client, &network, &eth_for_usdc(&devnet, &signer)).await.unwrap();
    // At confirm the node says fees are nothing, and that the account's nonce is its own.
    node.set(
        "eth_feeHistory",
        Fault::rewrite(|mut h| {
            let n = h["baseFeePerGas"].as_array().map_or(1, Vec::len);
            h["baseFeePerGas"] = serde_json::json!(vec!["0x0"; n]);
            h
        }),
    );
    let receipts = execute::execute(&client, &preview.review, &signer, &mut |_| {}).await.unwrap();
    let hash = receipts[0].transaction_hash;
    let tx = devnet.provider().get_transaction_by_hash(hash).await.unwrap().unwrap();
    use alloy::consensus::Transaction as _;
    assert_eq!(tx.max_fee_per_gas(), preview.review.terms.fees.max_fee_per_gas);
    assert_eq!(tx.gas_limit(), preview.review.terms.gas_limits[0]);
}

#[tokio::test]
async fn a_speed_up_is_previewed_with_its_real_fees_and_signed_with_exactly_those() {
    use alloy::consensus::{Transaction as _, TypedTransaction};
    use alloy::eips::Encodable2718;
    use vigil_wallet::{
        db::{Database, JournalEntry, TxStatus},
        replace::{self, Replacement},
    };
    let (devnet, network, client) = setup().await;
    let client = std::sync::Arc::new(client);
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("vigil.db")).unwrap();
    let signer = signer(8);
    let p = devnet.provider();
    // A transfer left pending: blocks are held back.
    let _: serde_json::Value = p.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
    let preview =
        preview::preview_swap(&client, &network, &eth_for_usdc(&devnet, &signer)).await.unwrap();
    let tx = preview.review.terms.transaction(0, &preview.review.plan.steps[0].request).unwrap();
    let original_fee = tx.max_fee_per_gas;
    let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await.unwrap();
    let raw = envelope.encoded_2718();
    let hash = envelope.tx_hash().to_string();
    db.journal_signed(&JournalEntry {
        hash: hash.clone(),
        network: network.name.clone(),
        chain_id: network.chain_id,
        account: signer.address().to_checksum(None),
        nonce: 0,
        label: "Swap".into(),
        raw: raw.clone(),
        status: TxStatus::Pending,
        replaces: None,
        block: None,
        sent_at: 1,
    })
    .unwrap();
    submit::broadcast(&client, raw.into()).await.unwrap();
    // Whoever waits on the original (the app's confirm of it) learns it was replaced as soon
    // as the replacement is mined, and lets the account's next send go.
    let waiting = {
        let (client, hash) = (client.clone(), envelope.tx_hash().to_owned());
        let from = signer.address();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let waited = submit::wait_for_receipt_or_replacement(
                &client,
                hash,
                (from, 0),
                std::time::Duration::from_secs(120),
            )
            .await;
            (waited, started.elapsed())
        })
    };

    let speed_up =
        replace::preview_replacement(&client, &network, &db, &hash, Replacement::SpeedUp)
            .await
            .unwrap();
    let review = &speed_up.review;
    assert!(review.simulation.success(), "the swap, simulated again");
    assert_eq!(review.terms.nonce, 0, "the original's nonce");
    assert!(review.terms.fees.max_fee_per_gas >= original_fee + original_fee / 10, "10% more");
    assert!(!review.max_fee_native.is_empty() && review.max_fee_native != "0");

    // Blocks still held back, so the original cannot be mined first; one block is mined once
    // the replacement is out.
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel();
    let miner = {
        let p = p.clone();
        tokio::spawn(async move {
            let Ok(replacement) = sent_rx.await else { return };
            let replacement = format!("{replacement:#x}");
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let pool: serde_json::Value =
                    p.raw_request("txpool_content".into(), ()).await.unwrap();
                if pool.to_string().to_lowercase().contains(&replacement) {
                    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
                    return;
                }
            }
        })
    };
    let new_hash = replace::replace(&client, &db, &network.name, &speed_up, &signer, |h| {
        let _ = sent_tx.send(h);
    })
    .await
    .unwrap();
    miner.await.unwrap();
    let mined = p.get_transaction_by_hash(new_hash).await.unwrap().unwrap();
    assert_eq!(mined.max_fee_per_gas(), review.terms.fees.max_fee_per_gas);
    assert_eq!(mined.nonce(), 0);
    assert_eq!(db.journal_entry(&hash).unwrap().unwrap().status, TxStatus::Replaced);
    let (waited, after) = waiting.await.unwrap();
    assert!(matches!(waited, Err(submit::SubmitError::Replaced { nonce: 0, .. })), "{waited:?}");
    assert!(after < std::time::Duration::from_secs(30), "gave up only after {after:?}");
}

#[tokio::test]
async fn a_journaled_transaction_is_sent_on_restart_only_while_its_nonce_is_free_and_it_is_fresh() {
    use alloy::{consensus::TypedTransaction, eips::Encodable2718};
    use vigil_wallet::{
        db::{JournalEntry, TxStatus},
        execute::{RESEND_WITHIN, Resumed},
    };
    let (devnet, network, client) = setup().await;
    let signer = signer(8);
    let preview =
        preview::preview_swap(&client, &network, &eth_for_usdc(&devnet, &signer)).await.unwrap();
    let terms = &preview.review.terms;
    let tx = terms.transaction(0, &preview.review.plan.steps[0].request).unwrap();
    let nonce = tx.nonce;
    let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let entry = |sent_at: u64| JournalEntry {
        hash: envelope.tx_hash().to_string(),
        network: network.name.clone(),
        chain_id: client.chain_id(),
        account: signer.address().to_checksum(None),
        nonce,
        label: "Swap".into(),
        raw: envelope.encoded_2718(),
        status: TxStatus::Pending,
        replaces: None,
        block: None,
        sent_at,
    };
    let pending = || submit::pending_nonce(&client, signer.address());

    // Signed longer ago than a preview lasts: the market has moved, it is not sent.
    let stale = entry(now - RESEND_WITHIN.as_secs() - 5);
    assert_eq!(execute::resume(&client, &stale).await.unwrap(), Resumed::NotSent);
    assert_eq!(pending().await.unwrap(), nonce, "nothing was sent");
    // For another chain than the node's: not sent.
    let elsewhere = JournalEntry { chain_id: client.chain_id() + 1, ..entry(now) };
    assert_eq!(execute::resume(&client, &elsewhere).await.unwrap(), Resumed::NotSent);
    assert_eq!(pending().await.unwrap(), nonce);

    // Fresh, unknown to the node, its nonce free: the signed bytes are sent, once.
    let fresh = entry(now);
    assert_eq!(execute::resume(&client, &fresh).await.unwrap(), Resumed::Sent);
    let hash = *envelope.tx_hash();
    let receipt =
        submit::wait_for_receipt(&client, hash, std::time::Duration::from_secs(30)).await.unwrap();
    assert!(receipt.status());
    assert_eq!(pending().await.unwrap(), nonce + 1);
    // Now the node has it: followed, not sent again.
    assert_eq!(execute::resume(&client, &fresh).await.unwrap(), Resumed::Known);

    // A different transaction that was signed for the same, now used, nonce: never sent.
    let mut other = terms.transaction(0, &preview.review.plan.steps[0].request).unwrap();
    other.max_priority_fee_per_gas += 1;
    let other = signer.sign_envelope(TypedTransaction::Eip1559(other)).await.unwrap();
    let taken =
        JournalEntry { hash: other.tx_hash().to_string(), raw: other.encoded_2718(), ..entry(now) };
    assert_eq!(execute::resume(&client, &taken).await.unwrap(), Resumed::NotSent);
    assert_eq!(pending().await.unwrap(), nonce + 1);
}

#[tokio::test]
async fn a_universal_router_swap_is_one_transaction_carrying_the_permit2_allowance_signed_at_confirm()
 {
    use vigil_defi_adapters::{
        abi::IPermit2,
        swap::{self, SwapParams},
    };
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let signer = signer(3);
    let account = signer.address();
    let amount = units(250.0, 6);
    let routes =
        swap::route(&client, &network, usdc, dai, amount, SwapKind::ExactIn).await.unwrap();
    let quote = routes
        .quotes
        .iter()
        .find(|q| q.venue.describe(&network) == "Uniswap V4 0.01%")
        .unwrap()
        .clone();
    let params = SwapParams {
        account,
        slippage_bps: 50,
        deadline: 4_000_000_000,
        unlimited_approval: false,
        current_allowance: alloy::primitives::U256::ZERO,
        native_in: false,
        native_out: false,
        permit2_nonce: 0,
    };
    let plan = swap::plan(&network, &quote, SwapKind::ExactIn, &params).unwrap();
    let review = preview::review_call(&client, &network, plan, vec![], &|a| {
        preview::listed_label(&network, a)
    })
    .await
    .unwrap();
    assert!(review.simulation.success(), "{:?}", review.simulation.steps);
    // The approval's transaction hash, and the permit's two EIP-712 hashes; the swap's hash is
    // not known before its permit is signed.
    let hashes: Vec<String> = review.blind_signing_hashes().into_iter().map(|(l, _)| l).collect();
    assert_eq!(hashes.len(), 3, "{hashes:?}");
    assert!(hashes[1].ends_with("(domain hash)") && hashes[2].ends_with("(message hash)"));
    let assets = [Asset::Token(usdc), Asset::Token(dai)];
    let before = multicall::balances(&client, network.protocols.multicall3, &assets, &[account])
        .await
        .unwrap();
    let mut events = Vec::new();
    let receipts =
        execute::execute(&client, &review, &signer, &mut |e| events.push(e)).await.unwrap();
    // Approve Permit2, then the swap with its permit: two transactions for three steps.
    assert_eq!(receipts.len(), 2);
    let terms = &review.terms;
    for (i, r) in receipts.iter().enumerate() {
        let tx = client
            .request(|p| async move { p.get_transaction_by_hash(r.transaction_hash).await })
            .await
            .unwrap()
            .unwrap();
        use alloy::consensus::Transaction as _;
        assert_eq!(tx.nonce(), terms.nonce + i as u64, "no nonce for the signature");
        let gas =
            if i == 0 { terms.gas_limits[0] } else { terms.gas_limits[1] + terms.gas_limits[2] };
        assert_eq!(tx.gas_limit(), gas, "the signature's gas goes to the swap that checks it");
    }
    let after = multicall::balances(&client, network.protocols.multicall3, &assets, &[account])
        .await
        .unwrap();
    for (i, token) in [usdc, dai].into_iter().enumerate() {
        let moved = I256::from_raw(after[0][i].unwrap()) - I256::from_raw(before[0][i].unwrap());
        let change = review.changes.iter().find(|c| c.token == Some(token)).unwrap();
        assert_eq!(moved.to_string(), change.raw, "{} moved as previewed", change.symbol);
    }
    let nonce = IPermit2::new(network.protocols.permit2.unwrap(), devnet.provider())
        .allowance(account, usdc, network.protocols.universal_router.unwrap())
        .call()
        .await
        .unwrap()
        .nonce;
    assert_eq!(nonce, alloy::primitives::aliases::U48::from(1u8), "Permit2 used the signature");
}
