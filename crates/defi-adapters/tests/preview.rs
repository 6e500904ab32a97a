//! Swap previews on the devnet: three RPC requests, exact changes, and the risk findings.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::primitives::{Address, U256};
use vigil_defi_adapters::{
    ChainClient, Network,
    preview::{self, PreviewError, Severity, SwapRequest, Wrap},
    swap::SwapKind,
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

fn request(account: Address, token_in: Address, token_out: Address, amount: U256) -> SwapRequest {
    SwapRequest {
        account,
        token_in,
        token_out,
        amount,
        kind: SwapKind::ExactIn,
        slippage_bps: 50,
        deadline_secs: 600,
        unlimited_approval: false,
        native_in: false,
        native_out: false,
    }
}

#[tokio::test]
async fn a_clean_swap_previews_in_two_round_trips_with_changes_fee_and_no_findings() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let before = client.requests();
    let p = preview::preview_swap(
        &client,
        &network,
        &request(DEMO_ACCOUNTS[1], weth, usdc, units(1.0, 18)),
    )
    .await
    .unwrap();
    assert_eq!(
        client.requests() - before,
        4,
        "multicall and fee history; then simulation and nonce, each pair in parallel"
    );
    // The fee is fixed: what is signed at most is shown, above the expected fee.
    let terms = &p.review.terms;
    assert_eq!(terms.gas_limits.len(), p.review.plan.steps.len());
    assert!(terms.fees.max_fee_per_gas >= terms.fees.max_priority_fee_per_gas);
    let max: f64 = p.review.max_fee_native.parse().unwrap();
    let expected: f64 = p.review.fee_native.parse().unwrap();
    assert!(max > expected && expected > 0.0, "{max} vs {expected}");
    // Uniswap V4 pays the most for ether on the devnet, through the Universal Router.
    assert!(p.route.starts_with("Uniswap V4 0.3%"), "{}", p.route);
    assert!(p.runner_up.is_some());
    assert!(p.review.findings.is_empty(), "{:?}", p.review.findings);
    assert!(!p.needs_override());
    let weth_change = p.review.changes.iter().find(|c| c.symbol == "WETH").unwrap();
    assert_eq!(weth_change.amount, "-1");
    let usdc_change = p.review.changes.iter().find(|c| c.symbol == "USDC").unwrap();
    assert_eq!(
        usdc_change.raw,
        p.quote.amount_out.to_string(),
        "the simulated receipt is the quote"
    );
    // The token is approved to Permit2, which lets the router take this swap's amount alone.
    assert_eq!(p.review.approvals, vec![("WETH".to_owned(), m.permit2, "1".to_owned())]);
    assert!(p.review.gas > 50_000);
    // The fee in USD uses the oracle's ETH price ($2000).
    let fee_eth: f64 = p.review.fee_native.parse().unwrap();
    assert!((p.review.fee_usd.unwrap() - fee_eth * 2000.0).abs() < 1e-6);
    assert_eq!(p.review.plan.steps.len(), 3, "approve Permit2, allow the router, swap");
}

#[tokio::test]
async fn the_live_quote_takes_two_requests_and_agrees_with_the_preview() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let req = request(DEMO_ACCOUNTS[1], weth, usdc, units(1.0, 18));
    let before = client.requests();
    let q = preview::quote_swap(&client, &network, &req).await.unwrap();
    assert_eq!(client.requests() - before, 2, "multicall and gas price, no simulation");
    let p = preview::preview_swap(&client, &network, &req).await.unwrap();
    assert!(p.route.starts_with(&q.venue), "the quote shows the route the preview signs");
    assert_eq!(q.runner_up, p.runner_up);
    assert_eq!(format!("{} USDC", q.min_out), p.min_out);
    assert_eq!(
        (q.amount_in.as_str(), q.symbol_in.as_str(), q.symbol_out.as_str()),
        ("1", "WETH", "USDC")
    );
    let out: f64 = q.amount_out.parse().unwrap();
    let quoted: f64 = p.quote.amount_out.to_string().parse::<f64>().unwrap() / 1e6;
    assert!((out - quoted).abs() < 1e-6, "{} vs {quoted}", q.amount_out);
    // The rate is the same trade, rounded to six significant digits.
    let rate: f64 = q.rate.parse().unwrap();
    assert!((rate - out).abs() < 0.01, "{}", q.rate);
    assert_eq!(q.price_impact_bps, p.quote.price_impact_bps);
    assert!(q.shortfall.is_none());

    // More than the account holds is still quoted, with the shortfall said.
    let mut big = req.clone();
    big.amount = units(1000.0, 18);
    big.account = Address::repeat_byte(0x42);
    let q = preview::quote_swap(&client, &network, &big).await.unwrap();
    assert_eq!(q.shortfall.as_deref(), Some("holds 0 WETH, needs 1000"));
}

#[tokio::test]
async fn eth_and_weth_convert_through_the_weth_contract_not_a_pool() {
    let (devnet, network, client) = setup().await;
    let weth = devnet.manifest().weth;
    let account = DEMO_ACCOUNTS[1];
    let wrap = SwapRequest { native_in: true, ..request(account, weth, weth, units(1.5, 18)) };
    assert_eq!(preview::wrap_of(&network, &wrap), Some(Wrap::Wrap));
    let q = preview::quote_wrap(&network, &wrap, Wrap::Wrap);
    assert_eq!((q.amount_in.as_str(), q.symbol_in.as_str()), ("1.5", "ETH"));
    assert_eq!((q.amount_out.as_str(), q.symbol_out.as_str()), ("1.5", "WETH"));
    let p = preview::preview_wrap(&client, &network, &wrap, Wrap::Wrap).await.unwrap();
    assert_eq!(p.plan.steps.len(), 1, "no approval, no router");
    assert_eq!(p.plan.steps[0].label, "Wrap 1.5 ETH into WETH");
    let change = |symbol: &str| {
        p.changes.iter().find(|c| c.symbol == symbol).map(|c| c.amount.clone()).unwrap()
    };
    assert_eq!((change("ETH"), change("WETH")), ("-1.5".to_owned(), "+1.5".to_owned()));
    assert!(p.simulation.revert_reason().is_none());

    // Unwrapping more WETH than the account holds shows the revert before anything is signed.
    let unwrap = SwapRequest {
        native_out: true,
        ..request(Address::repeat_byte(0x42), weth, weth, units(1.0, 18))
    };
    assert_eq!(preview::wrap_of(&network, &unwrap), Some(Wrap::Unwrap));
    let p = preview::preview_wrap(&client, &network, &unwrap, Wrap::Unwrap).await.unwrap();
    assert_eq!(p.plan.steps[0].label, "Unwrap 1 WETH into ETH");
    assert!(p.simulation.revert_reason().is_some(), "{:?}", p.simulation);
    // Anything else is a real swap.
    assert_eq!(preview::wrap_of(&network, &request(account, weth, weth, units(1.0, 18))), None);
}

#[tokio::test]
async fn risk_findings_fire_on_built_cases() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, wbtc) = (m.weth, m.tokens["USDC"].address, m.tokens["WBTC"].address);
    let whale = vigil_devnet::DEPLOYER;

    // A big trade through the thin WBTC/WETH pair (20 WBTC deep).
    let p = preview::preview_swap(&client, &network, &request(whale, weth, wbtc, units(300.0, 18)))
        .await
        .unwrap();
    assert!(
        p.review
            .findings
            .iter()
            .any(|f| f.code == "price_impact" && f.severity == Severity::Danger),
        "{:?}",
        p.review.findings
    );
    assert!(p.needs_override());

    // Unlimited approval and a wide slippage tolerance.
    let mut r = request(DEMO_ACCOUNTS[2], usdc, weth, units(100.0, 6));
    r.unlimited_approval = true;
    r.slippage_bps = 300;
    let p = preview::preview_swap(&client, &network, &r).await.unwrap();
    let codes: Vec<_> = p.review.findings.iter().map(|f| (f.severity, f.code)).collect();
    assert!(codes.contains(&(Severity::Warning, "unlimited_approval")), "{codes:?}");
    assert!(codes.contains(&(Severity::Warning, "high_slippage")), "{codes:?}");
    assert_eq!(p.review.approvals[0].2, "unlimited");

    // The oracle moved away from the pools (oracle only): the quote no longer matches it.
    devnet.set_price("WETH", 1500.0, false).await.unwrap();
    let p = preview::preview_swap(
        &client,
        &network,
        &request(DEMO_ACCOUNTS[1], weth, usdc, units(1.0, 18)),
    )
    .await
    .unwrap();
    assert!(
        p.review
            .findings
            .iter()
            .any(|f| f.code == "oracle_deviation" && f.severity == Severity::Danger),
        "{:?}",
        p.review.findings
    );
    devnet.set_price("WETH", 1960.0, false).await.unwrap();
    let p = preview::preview_swap(
        &client,
        &network,
        &request(DEMO_ACCOUNTS[1], weth, usdc, units(1.0, 18)),
    )
    .await
    .unwrap();
    assert!(
        p.review
            .findings
            .iter()
            .any(|f| f.code == "oracle_deviation" && f.severity == Severity::Warning),
        "{:?}",
        p.review.findings
    );
}

#[tokio::test]
async fn insufficient_balance_is_refused_before_signing() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    // Demo accounts hold 10,000 USDC.
    let err = preview::preview_swap(
        &client,
        &network,
        &request(DEMO_ACCOUNTS[1], usdc, weth, units(20_000.0, 6)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, PreviewError::InsufficientBalance { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "insufficient USDC: the swap may spend 20000 but the account holds 10000"
    );
}

/// A one-step plan calling `to` with `call`.
fn one_step(
    from: Address,
    to: Address,
    call: impl alloy::sol_types::SolCall,
) -> vigil_defi_adapters::simulate::Plan {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
    vigil_defi_adapters::simulate::Plan {
        from,
        steps: vec![vigil_defi_adapters::simulate::Step::new(
            "step",
            TransactionRequest::default().to(to).with_input(call.abi_encode()),
        )],
    }
}

#[tokio::test]
async fn plan_checks_catch_wallet_addresses_token_sinks_and_foreign_recipients() {
    use vigil_defi_adapters::{abi::IERC20, simulate};
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let usdc = m.tokens["USDC"].address;
    let user = DEMO_ACCOUNTS[1];
    let stranger = DEMO_ACCOUNTS[4];
    let codes = |plan: &simulate::Plan, used: Vec<Address>| {
        let (client, network) = (&client, &network);
        let plan = plan.clone();
        async move {
            let sim = simulate::simulate(client, &plan).await.unwrap();
            preview::assess_plan(client, network, &plan, &sim, &used)
                .await
                .unwrap()
                .into_iter()
                .map(|f| (f.severity, f.code))
                .collect::<Vec<_>>()
        }
    };
    let transfer = |to| IERC20::transferCall { to, amount: units(10.0, 6) };

    // Tokens sent to the token contract itself are lost.
    let c = codes(&one_step(user, usdc, transfer(usdc)), vec![]).await;
    assert!(c.contains(&(Severity::Danger, "transfer_to_token")), "{c:?}");
    // An approval to a wallet address.
    let c = codes(
        &one_step(user, usdc, IERC20::approveCall { spender: stranger, amount: units(5.0, 6) }),
        vec![],
    )
    .await;
    assert!(c.contains(&(Severity::Danger, "approve_no_code")), "{c:?}");
    // Funds to someone else.
    let c = codes(&one_step(user, usdc, transfer(stranger)), vec![]).await;
    assert_eq!(c, [(Severity::Warning, "foreign_recipient")]);
    // A call to a wallet address where a contract is expected.
    let c = codes(
        &one_step(user, stranger, IERC20::approveCall { spender: usdc, amount: U256::from(1) }),
        vec![],
    )
    .await;
    assert!(c.contains(&(Severity::Danger, "no_code")), "{c:?}");
    // A contract the network does not vouch for and the account has not used: info, once.
    // (A Uniswap V2 pair is a token contract the network's list does not name.)
    let unknown = m.uniswap_v2.pairs["USDC/DAI"];
    let call = IERC20::approveCall { spender: m.uniswap_v2.router, amount: U256::from(1) };
    assert_eq!(
        codes(&one_step(user, unknown, call.clone()), vec![]).await,
        [(Severity::Info, "first_interaction")]
    );
    assert!(codes(&one_step(user, unknown, call), vec![unknown]).await.is_empty());
}
