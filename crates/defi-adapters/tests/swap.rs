//! Swap routing against the devnet's real Uniswap V2 and V3 contracts.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, Uint},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    abi::{IQuoterV2, IUniswapV2Router02},
    multicall::Asset,
    swap::{self, SwapError, SwapKind, Venue},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, contracts, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

/// What the contract itself returns for this venue, by a direct eth_call.
async fn contract_quote(
    devnet: &Devnet,
    network: &Network,
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
) -> Option<(U256, U256)> {
    let p = devnet.provider();
    match venue {
        Venue::UniswapV2 { path } => {
            let router = IUniswapV2Router02::new(network.protocols.uniswap_v2_router.unwrap(), p);
            let amounts = match kind {
                SwapKind::ExactIn => {
                    router.getAmountsOut(amount, path.clone()).call().await.ok()?
                }
                SwapKind::ExactOut => {
                    router.getAmountsIn(amount, path.clone()).call().await.ok()?
                }
            };
            Some((amounts[0], *amounts.last().unwrap()))
        }
        Venue::UniswapV3 { path, fees } => {
            // Single-hop only in this check (the devnet's V3 pools are all WETH/USDC).
            if path.len() != 2 {
                return None;
            }
            let quoter =
                contracts::QuoterV2::new(network.protocols.uniswap_v3_quoter_v2.unwrap(), p);
            match kind {
                SwapKind::ExactIn => {
                    let r = quoter
                        .quoteExactInputSingle(contracts::QuoterV2::QuoteExactInputSingleParams {
                            tokenIn: path[0],
                            tokenOut: path[1],
                            amountIn: amount,
                            fee: Uint::from(fees[0]),
                            sqrtPriceLimitX96: Uint::ZERO,
                        })
                        .call()
                        .await
                        .ok()?;
                    Some((amount, r.amountOut))
                }
                SwapKind::ExactOut => {
                    let mut packed = path[1].to_vec();
                    packed.extend_from_slice(&fees[0].to_be_bytes()[1..]);
                    packed.extend_from_slice(path[0].as_slice());
                    let call =
                        IQuoterV2::quoteExactOutputCall { path: packed.into(), amountOut: amount };
                    let tx = TransactionRequest::default()
                        .to(network.protocols.uniswap_v3_quoter_v2.unwrap())
                        .with_input(call.abi_encode());
                    let out = p.call(tx).await.ok()?;
                    let r = IQuoterV2::quoteExactOutputCall::abi_decode_returns(&out).ok()?;
                    Some((r.amountIn, amount))
                }
            }
        }
        // The other venues are checked against their contracts in tests/venues.rs.
        _ => None,
    }
}

#[tokio::test]
async fn every_quote_equals_the_contract_and_the_best_route_wins() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);

    for (token_in, token_out, amount, kind) in [
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn),
        (usdc, weth, units(1.0, 18), SwapKind::ExactOut),
        (dai, usdc, units(500.0, 18), SwapKind::ExactIn),
    ] {
        let before = client.requests();
        let routes =
            swap::route(&client, &network, token_in, token_out, amount, kind).await.unwrap();
        assert_eq!(client.requests() - before, 2, "one multicall and one gas price");
        assert!(routes.quotes.len() >= 2, "{routes:?}");
        for q in &routes.quotes {
            if let Some((amount_in, amount_out)) =
                contract_quote(&devnet, &network, &q.venue, kind, amount).await
            {
                assert_eq!((q.amount_in, q.amount_out), (amount_in, amount_out), "{:?}", q.venue);
            }
        }
        // Sorted: best net of gas first.
        for pair in routes.quotes.windows(2) {
            let gas = |q: &swap::Quote| q.gas_in_token.unwrap_or_default();
            match kind {
                SwapKind::ExactIn => assert!(
                    pair[0].amount_out - gas(&pair[0]) >= pair[1].amount_out - gas(&pair[1])
                ),
                SwapKind::ExactOut => {
                    assert!(pair[0].amount_in + gas(&pair[0]) <= pair[1].amount_in + gas(&pair[1]))
                }
            }
        }
    }

    // The devnet prices ether differently on each venue: Uniswap V4's pool at $2010 pays the
    // most for it (V3 0.05% $2004, V2 $2000, V3 0.3% $1996; SushiSwap's $2020 pool is a fifth
    // as deep). Buying it, V3's 0.3% pool ($1996) beats Balancer's 80/20 pool ($1990, but its
    // 400 ether move more per trade and a Vault swap costs more gas).
    let sell = swap::route(&client, &network, weth, usdc, units(1.0, 18), SwapKind::ExactIn)
        .await
        .unwrap();
    assert_eq!(sell.best().unwrap().venue.describe(&network), "Uniswap V4 0.3%");
    assert_eq!(sell.runner_up().unwrap().venue.describe(&network), "Uniswap V3 0.05%");
    let buy = swap::route(&client, &network, usdc, weth, units(1.0, 18), SwapKind::ExactOut)
        .await
        .unwrap();
    assert_eq!(buy.best().unwrap().venue.describe(&network), "Uniswap V3 0.3%");
    assert!(buy.quotes.iter().any(|q| q.venue.describe(&network) == "Balancer"));
    // Stablecoins route directly through a 0.01% pool (V4's or Balancer's stable pool), not
    // through WETH nor a 0.3% pair.
    let stable = swap::route(&client, &network, dai, usdc, units(500.0, 18), SwapKind::ExactIn)
        .await
        .unwrap();
    let best = stable.best().unwrap().venue.describe(&network);
    assert!(["Uniswap V4 0.01%", "Balancer"].contains(&best.as_str()), "{best}");
}

/// (The other venues' quotes against real swaps: tests/venues.rs.)
#[tokio::test]
async fn a_v3_quote_is_what_a_real_swap_on_its_router_receives() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let amount = units(2.0, 18);
    let routes =
        swap::route(&client, &network, weth, usdc, amount, SwapKind::ExactIn).await.unwrap();
    let best = routes
        .quotes
        .iter()
        .find(|q| matches!(&q.venue, Venue::UniswapV3 { fees, .. } if fees == &[500]))
        .unwrap();
    let Venue::UniswapV3 { fees, .. } = &best.venue else { unreachable!() };

    let trader = DEMO_ACCOUNTS[4];
    let p = devnet.provider();
    let send = |to: Address, data: Vec<u8>| {
        let tx = TransactionRequest::default()
            .from(trader)
            .to(to)
            .with_gas_limit(1_000_000)
            .with_input(data);
        async move {
            let hash = *p.send_transaction(tx).await.unwrap().tx_hash();
            for _ in 0..2000 {
                if let Some(r) = p.get_transaction_receipt(hash).await.unwrap() {
                    assert!(r.status());
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            panic!("no receipt");
        }
    };
    let router = m.uniswap_v3.swap_router;
    send(weth, contracts::IERC20::approveCall { spender: router, amount }.abi_encode()).await;
    let before = contracts::IERC20::new(usdc, p).balanceOf(trader).call().await.unwrap();
    send(
        router,
        contracts::SwapRouter::exactInputSingleCall {
            params: contracts::SwapRouter::ExactInputSingleParams {
                tokenIn: weth,
                tokenOut: usdc,
                fee: Uint::from(fees[0]),
                recipient: trader,
                deadline: U256::MAX,
                amountIn: amount,
                amountOutMinimum: best.amount_out,
                sqrtPriceLimitX96: Uint::ZERO,
            },
        }
        .abi_encode(),
    )
    .await;
    let received = contracts::IERC20::new(usdc, p).balanceOf(trader).call().await.unwrap() - before;
    assert_eq!(received, best.amount_out);
}

#[tokio::test]
async fn impossible_requests_are_clear_errors() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let err = swap::route(&client, &network, weth, weth, units(1.0, 18), SwapKind::ExactIn)
        .await
        .unwrap_err();
    assert!(matches!(err, SwapError::SameToken));
    let err = swap::route(&client, &network, weth, usdc, U256::ZERO, SwapKind::ExactIn)
        .await
        .unwrap_err();
    assert!(matches!(err, SwapError::ZeroAmount));
    // More WETH out than every pool holds.
    let err =
        swap::route(&client, &network, usdc, weth, units(1_000_000.0, 18), SwapKind::ExactOut)
            .await
            .unwrap_err();
    assert!(matches!(err, SwapError::NoRoute), "{err}");
}

/// Executes a plan with anvil's unlocked account.
async fn execute(devnet: &Devnet, plan: &vigil_defi_adapters::simulate::Plan) {
    for s in &plan.steps {
        let receipt = devnet.send_unlocked(s.request.clone().from(plan.from)).await.unwrap();
        assert!(receipt.status(), "{} reverted", s.label);
    }
}

#[tokio::test]
async fn planned_swaps_execute_exactly_as_simulated_within_slippage() {
    use alloy::primitives::I256;
    use vigil_defi_adapters::simulate::{self, AssetId};
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    let user = DEMO_ACCOUNTS[1];
    // Deadlines come from the wall clock, as in the app: anvil stamps new blocks with it, while
    // the latest block of a loaded snapshot may be much older.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();

    for (token_in, token_out, amount, kind) in [
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn),
        (usdc, weth, units(0.5, 18), SwapKind::ExactOut),
        (dai, usdc, units(250.0, 18), SwapKind::ExactIn),
    ] {
        let routes =
            swap::route(&client, &network, token_in, token_out, amount, kind).await.unwrap();
        let best = routes.best().unwrap();
        let params = swap::SwapParams {
            account: user,
            slippage_bps: swap::DEFAULT_SLIPPAGE_BPS,
            deadline: now + 600,
            unlimited_approval: false,
            current_allowance: U256::ZERO,
            native_in: false,
            native_out: false,
            permit2_nonce: 0,
        };
        let plan = swap::plan(&network, best, kind, &params).unwrap();
        assert!(plan.steps[0].label.starts_with("Approve"), "approve first: {plan:?}");
        assert!(plan.steps.last().unwrap().label.starts_with("Swap on"), "{plan:?}");
        let sim = simulate::simulate(&client, &plan).await.unwrap();
        assert!(sim.success(), "{:?}", sim.revert_reason());
        let (max_in, min_out) = swap::limits(best, kind, params.slippage_bps);
        assert_eq!(sim.approvals[0].amount, max_in, "exactly what the swap may spend");

        let before = vigil_defi_adapters::multicall::balances(
            &client,
            network.protocols.multicall3,
            &[Asset::Token(token_in), Asset::Token(token_out)],
            &[user],
        )
        .await
        .unwrap();
        execute(&devnet, &plan).await;
        let after = vigil_defi_adapters::multicall::balances(
            &client,
            network.protocols.multicall3,
            &[Asset::Token(token_in), Asset::Token(token_out)],
            &[user],
        )
        .await
        .unwrap();
        let delta = |i: usize| {
            I256::try_from(after[0][i].unwrap()).unwrap()
                - I256::try_from(before[0][i].unwrap()).unwrap()
        };
        assert_eq!(
            delta(0),
            sim.change(user, AssetId::Token(token_in)),
            "{kind:?} spent as simulated"
        );
        assert_eq!(
            delta(1),
            sim.change(user, AssetId::Token(token_out)),
            "{kind:?} received as simulated"
        );
        assert!(delta(1) >= I256::try_from(min_out).unwrap());
        assert!(-delta(0) <= I256::try_from(max_in).unwrap());
    }

    // Past its deadline the swap reverts in simulation, with the router's reason (Uniswap V2's
    // here), and nothing is sent.
    let mut routes = swap::route(&client, &network, dai, usdc, units(10.0, 18), SwapKind::ExactIn)
        .await
        .unwrap();
    routes.quotes.retain(|q| matches!(q.venue, Venue::UniswapV2 { .. }));
    let params = swap::SwapParams {
        account: user,
        slippage_bps: 50,
        deadline: now - 1,
        unlimited_approval: true,
        current_allowance: U256::ZERO,
        native_in: false,
        native_out: false,
        permit2_nonce: 0,
    };
    let plan = swap::plan(&network, routes.best().unwrap(), SwapKind::ExactIn, &params).unwrap();
    let sim = simulate::simulate(&client, &plan).await.unwrap();
    // Through the Universal Router, its own deadline error, named.
    let reason = sim.revert_reason().unwrap_or_default();
    assert!(
        reason.starts_with("TransactionDeadlinePassed: the swap's deadline passed"),
        "{reason}"
    );
    assert_eq!(sim.approvals[0].amount, U256::MAX, "unlimited only when asked");
}

#[tokio::test]
async fn price_impact_grows_with_the_trade_and_thin_pools_show_it() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let small = swap::route(&client, &network, weth, usdc, units(1.0, 18), SwapKind::ExactIn)
        .await
        .unwrap();
    let big = swap::route(&client, &network, weth, usdc, units(100.0, 18), SwapKind::ExactIn)
        .await
        .unwrap();
    let impact = |r: &swap::Routes| r.best().unwrap().price_impact_bps.unwrap();
    assert!(impact(&small) < 10, "1 WETH barely moves deep pools: {} bps", impact(&small));
    // 100 WETH into the V2 pair alone (500 WETH deep) moves it by about 100/600 ≈ 17%.
    let v2 = big
        .quotes
        .iter()
        .find(|q| matches!(q.venue, Venue::UniswapV2 { ref path } if path.len() == 2))
        .unwrap();
    let v2_impact = v2.price_impact_bps.unwrap();
    assert!((1500..1800).contains(&v2_impact), "{v2_impact} bps");
    assert!(impact(&big) > impact(&small));
}
