//! Previews through a hostile node (a proxy in front of the devnet that rewrites answers):
//! whatever it says, no panic, a clear error, and no terms to sign on a plan that was not
//! simulated whole.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::{Value, json};
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    preview::{self, PreviewError, SwapRequest},
    submit::TermsError,
    swap::SwapKind,
    testing::{Fault, HostileNode},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, units};

/// The devnet, and a client that reaches it only through a hostile node.
async fn setup() -> (Devnet, Network, HostileNode, ChainClient) {
    let (devnet, network, _) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let node = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    let network = Network { rpc_urls: vec![node.url()], ..network };
    let client = ChainClient::connect(&network).await.unwrap();
    (devnet, network, node, client)
}

/// 1 WETH for USDC: an approval and a swap.
fn swap(devnet: &Devnet) -> SwapRequest {
    let m = devnet.manifest();
    SwapRequest {
        account: DEMO_ACCOUNTS[1],
        token_in: m.weth,
        token_out: m.tokens["USDC"].address,
        amount: units(1.0, 18),
        kind: SwapKind::ExactIn,
        slippage_bps: 50,
        deadline_secs: 600,
        unlimited_approval: false,
        native_in: false,
        native_out: false,
    }
}

fn implausible(e: &PreviewError) -> bool {
    matches!(
        e,
        PreviewError::Client(ClientError::Implausible(_))
            | PreviewError::Swap(vigil_defi_adapters::swap::SwapError::Client(
                ClientError::Implausible(_)
            ))
            | PreviewError::Terms(TermsError::Client(ClientError::Implausible(_)))
    )
}

/// eth_simulateV1's calls of its first block, rewritten by `f`.
fn calls(f: impl Fn(&mut Vec<Value>) + Send + Sync + 'static) -> Fault {
    Fault::rewrite(move |mut result| {
        if let Some(calls) = result[0]["calls"].as_array_mut() {
            f(calls);
        }
        result
    })
}

#[tokio::test]
async fn a_simulation_that_leaves_out_a_step_or_everything_is_refused() {
    let (devnet, network, node, client) = setup().await;
    let honest = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    let steps = honest.review.plan.steps.len();
    assert!(steps >= 2, "approvals and the swap");

    // The approval's result alone: before, the swap went unsimulated and the approval was
    // signed on a "success".
    node.set("eth_simulateV1", calls(|c| c.truncate(1)));
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(implausible(&e), "{e}");
    assert!(
        e.to_string().contains(&format!("1 results for the plan's {steps} transactions")),
        "{e}"
    );
    assert!(e.to_string().contains("nothing was signed"), "{e}");

    // No block at all, and a block with no calls.
    node.set("eth_simulateV1", Fault::rewrite(|_| json!([])));
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(implausible(&e), "{e}");
    node.set("eth_simulateV1", calls(|c| c.clear()));
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(implausible(&e), "{e}");
}

#[tokio::test]
async fn transfers_that_overflow_and_gas_beyond_any_block_are_refused() {
    let (devnet, network, node, client) = setup().await;
    // A token emitting two transfers of 2^255 - 1 to the account: their sum does not fit.
    node.set(
        "eth_simulateV1",
        calls(|c| {
            let last = c.len() - 1;
            let logs = c[last]["logs"].as_array_mut().unwrap();
            let mut huge = logs[0].clone();
            huge["data"] = json!(format!("0x7f{}", "f".repeat(62)));
            logs.push(huge.clone());
            logs.push(huge);
        }),
    );
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(implausible(&e), "{e}");
    assert!(e.to_string().contains("overflow"), "{e}");

    // A step that "needs" u64::MAX gas.
    node.set("eth_simulateV1", calls(|c| c[0]["gasUsed"] = json!("0xffffffffffffffff")));
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(
        matches!(e, PreviewError::Terms(TermsError::TooMuchGas { .. })) || implausible(&e),
        "{e}"
    );
}

#[tokio::test]
async fn a_node_asking_huge_fees_gets_nothing_signed_and_the_user_is_told_the_ceiling() {
    let (devnet, network, node, client) = setup().await;
    // 10,000 gwei base fee, every block.
    node.set(
        "eth_feeHistory",
        Fault::rewrite(|mut h| {
            let n = h["baseFeePerGas"].as_array().map_or(1, Vec::len);
            h["baseFeePerGas"] = json!(vec![format!("{:#x}", 10_000u128 * 1_000_000_000); n]);
            h
        }),
    );
    let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
    assert!(matches!(e, PreviewError::Terms(TermsError::AboveCeiling { .. })), "{e}");
    // The base fee the node claims plus the tip recent blocks paid (the devnet's history).
    let asked: f64 = e
        .to_string()
        .split("asks ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no fee in {e}"));
    assert!((10_000.0..10_002.0).contains(&asked), "base fee and tip: {e}");
    assert!(e.to_string().contains(&format!("{} gwei", network.max_fee_gwei)), "{e}");
}

#[tokio::test]
async fn broken_answers_are_clear_errors_not_panics() {
    let (devnet, network, node, client) = setup().await;
    for (method, fault) in [
        ("eth_simulateV1", Fault::Garbage),
        ("eth_simulateV1", Fault::Truncated),
        ("eth_feeHistory", Fault::Error(-32000, "header not found".into())),
        ("eth_getTransactionCount", Fault::rewrite(|_| json!("not a number"))),
        ("eth_call", Fault::rewrite(|_| json!({"unexpected": true}))),
    ] {
        node.set(method, fault.clone());
        let e = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap_err();
        let shown = e.to_string();
        assert!(!shown.is_empty() && !shown.contains("panicked"), "{method} {fault:?}: {shown}");
        node.clear(method);
    }
    // Honest again: the same client previews.
    preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
}

#[tokio::test]
async fn a_node_that_changes_its_chain_id_mid_session_cannot_move_the_signature_to_its_chain() {
    let (devnet, network, node, client) = setup().await;
    node.set("eth_chainId", Fault::rewrite(|_| json!("0x1")));
    let p = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    assert_eq!(p.review.terms.chain_id, network.chain_id, "signed for the configured chain");
    // A new client checks every endpoint's chain id again.
    let e = ChainClient::connect(&network).await.unwrap_err();
    assert!(matches!(e, ClientError::WrongChain { got: 1, .. }), "{e}");
}

/// The devnet behind two endpoints: the devnet itself first, then a hostile node in front of
/// it, which a preview asks for a second opinion.
async fn two_endpoints() -> (Devnet, Network, HostileNode, ChainClient) {
    let (devnet, network, _) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let node = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    let network = Network { rpc_urls: vec![devnet.url().parse().unwrap(), node.url()], ..network };
    let client = ChainClient::connect(&network).await.unwrap();
    (devnet, network, node, client)
}

fn disagreement(p: &preview::SwapPreview) -> Option<&preview::Finding> {
    p.review.findings.iter().find(|f| f.code == "endpoints_disagree")
}

#[tokio::test]
async fn a_second_endpoint_checks_the_preview_and_a_disagreement_is_a_danger() {
    let (devnet, network, node, client) = two_endpoints().await;
    // Both honest: checked, no finding, and the preview names both.
    let p = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    assert!(disagreement(&p).is_none(), "{:?}", p.review.findings);
    assert_eq!(p.review.witness.as_deref(), Some(node.url().as_str().trim_end_matches('/')));
    assert!(p.review.endpoint.starts_with("http://127.0.0.1:"), "{}", p.review.endpoint);
    assert!(node.calls("eth_simulateV1").len() == 1, "the witness simulated the plan too");

    // The second endpoint's simulation moves 1 unit where the first moves thousands.
    node.set(
        "eth_simulateV1",
        calls(|c| {
            for call in c.iter_mut() {
                for log in call["logs"].as_array_mut().into_iter().flatten() {
                    log["data"] = json!(format!("0x{}1", "0".repeat(63)));
                }
            }
        }),
    );
    let p = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    let f = disagreement(&p).expect("a disagreement");
    assert_eq!(f.severity, preview::Severity::Danger);
    assert!(f.message.contains("disagree on what this does to your balance"), "{}", f.message);
    assert!(p.needs_override());

    // A base fee ten times the first's.
    node.clear("eth_simulateV1");
    node.set(
        "eth_feeHistory",
        Fault::rewrite(|mut h| {
            let fees: Vec<String> = h["baseFeePerGas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    let wei =
                        u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16);
                    format!("{:#x}", wei.unwrap() * 10 + 1_000_000_000)
                })
                .collect();
            h["baseFeePerGas"] = json!(fees);
            h
        }),
    );
    let p = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    let f = disagreement(&p).expect("a fee disagreement");
    assert!(f.message.contains("base fee"), "{}", f.message);

    // A witness that cannot answer: a warning that the preview rests on one node, no danger.
    node.clear("eth_feeHistory");
    node.set("eth_simulateV1", Fault::Garbage);
    let p = preview::preview_swap(&client, &network, &swap(&devnet)).await.unwrap();
    assert!(disagreement(&p).is_none());
    let single = p.review.findings.iter().find(|f| f.code == "single_endpoint").unwrap();
    assert_eq!(single.severity, preview::Severity::Warning);
    assert!(p.review.witness.is_none());
}

/// A signed transfer of 1 ETH from the junk phrase's account `index`, previewed on `client`.
async fn signed_transfer(
    client: &ChainClient,
    network: &Network,
    index: u32,
) -> alloy::primitives::Bytes {
    use alloy::{consensus::TypedTransaction, eips::Encodable2718};
    use vigil_signer::{DerivationPath, EvmSigner, Mnemonic, SoftwareEvmSigner};
    let seed = Mnemonic::parse("test test test test test test test test test test test junk")
        .unwrap()
        .to_seed("");
    let signer = SoftwareEvmSigner::from_seed(&seed, &DerivationPath::ethereum(index)).unwrap();
    let req = preview::TransferRequest {
        from: signer.address(),
        to: DEMO_ACCOUNTS[0],
        token: None,
        amount: units(1.0, 18),
        symbol: "ETH".into(),
        decimals: 18,
    };
    let review = preview::preview_transfer(client, network, &req).await.unwrap();
    let tx = review.terms.transaction(0, &review.plan.steps[0].request).unwrap();
    signer.sign_envelope(TypedTransaction::Eip1559(tx)).await.unwrap().encoded_2718().into()
}

#[tokio::test]
async fn with_a_private_endpoint_a_signed_transaction_reaches_it_alone() {
    use vigil_defi_adapters::submit;
    let (devnet, network, _) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let public = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    let private = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    let sent = |node: &HostileNode| node.calls("eth_sendRawTransaction").len();

    // Private submission on: the public endpoints never see the transaction.
    let protected = Network {
        rpc_urls: vec![public.url()],
        private_tx_url: Some(private.url()),
        ..network.clone()
    };
    let client = ChainClient::connect(&protected).await.unwrap();
    assert_eq!(
        client.private_endpoint().as_deref(),
        Some(private.url().as_str().trim_end_matches('/'))
    );
    let raw = signed_transfer(&client, &protected, 9).await;
    let hash = submit::broadcast(&client, raw).await.unwrap();
    submit::wait_for_receipt(&client, hash, std::time::Duration::from_secs(30)).await.unwrap();
    assert_eq!((sent(&private), sent(&public)), (1, 0));

    // The private endpoint fails: an error that says so, and nothing goes public instead.
    private.set("eth_sendRawTransaction", Fault::Error(-32000, "rate limited".into()));
    let raw = signed_transfer(&client, &protected, 9).await;
    let e = submit::broadcast(&client, raw).await.unwrap_err();
    assert!(matches!(e, ClientError::Private { .. }), "{e}");
    assert!(e.to_string().contains("not sent publicly instead"), "{e}");
    assert_eq!(sent(&public), 0);

    // Off: the public endpoints.
    let open = Network { rpc_urls: vec![public.url()], private_tx_url: None, ..network };
    let client = ChainClient::connect(&open).await.unwrap();
    let raw = signed_transfer(&client, &open, 9).await;
    submit::broadcast(&client, raw).await.unwrap();
    assert_eq!(sent(&public), 1);
}
