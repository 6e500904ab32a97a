//! Routing across every venue the devnet deploys from the protocols' own code: SushiSwap (a
//! Uniswap V2 fork with its own pools and prices), Uniswap V4 (a native-ether pool, through the
//! Universal Router and Permit2) and Balancer V2 (a weighted and a stable pool). Each venue's
//! quote is what its own contract answers, and a plan along it receives exactly that.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    abi::{IBalancerQueries, IBalancerVault, IERC20, IUniswapV2Router02, IV4Quoter, PoolKey},
    swap::{self, Quote, SwapKind, SwapParams, Venue},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

/// What the venue's own contract answers for this quote, by a direct call: (in, out).
async fn contract_quote(
    devnet: &Devnet,
    network: &Network,
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
) -> (U256, U256) {
    let p = devnet.provider();
    let pr = &network.protocols;
    match venue {
        Venue::SushiSwap { path } => {
            let router = IUniswapV2Router02::new(pr.sushiswap_v2_router.unwrap(), p);
            let amounts = match kind {
                SwapKind::ExactIn => router.getAmountsOut(amount, path.clone()).call().await,
                SwapKind::ExactOut => router.getAmountsIn(amount, path.clone()).call().await,
            }
            .unwrap();
            (amounts[0], *amounts.last().unwrap())
        }
        Venue::UniswapV4 { token_in, pool, .. } => {
            let quoter = IV4Quoter::new(pr.uniswap_v4_quoter.unwrap(), p);
            let in_currency = if *token_in == pr.weth { Address::ZERO } else { *token_in };
            let params = IV4Quoter::QuoteExactSingleParams {
                poolKey: PoolKey {
                    currency0: pool.currency0,
                    currency1: pool.currency1,
                    fee: alloy::primitives::Uint::from(pool.fee),
                    tickSpacing: alloy::primitives::aliases::I24::try_from(pool.tick_spacing)
                        .unwrap(),
                    hooks: pool.hooks,
                },
                zeroForOne: in_currency == pool.currency0,
                exactAmount: u128::try_from(amount).unwrap(),
                hookData: Bytes::new(),
            };
            match kind {
                SwapKind::ExactIn => {
                    (amount, quoter.quoteExactInputSingle(params).call().await.unwrap().amountOut)
                }
                SwapKind::ExactOut => {
                    (quoter.quoteExactOutputSingle(params).call().await.unwrap().amountIn, amount)
                }
            }
        }
        Venue::Balancer { pool_id, token_in, token_out } => {
            let queries = IBalancerQueries::new(pr.balancer_queries.unwrap(), p);
            let swap = IBalancerVault::SingleSwap {
                poolId: *pool_id,
                kind: u8::from(kind == SwapKind::ExactOut),
                assetIn: *token_in,
                assetOut: *token_out,
                amount,
                userData: Bytes::new(),
            };
            let funds = IBalancerVault::FundManagement {
                sender: DEMO_ACCOUNTS[0],
                fromInternalBalance: false,
                recipient: DEMO_ACCOUNTS[0],
                toInternalBalance: false,
            };
            let quoted = queries.querySwap(swap, funds).call().await.unwrap();
            match kind {
                SwapKind::ExactIn => (amount, quoted),
                SwapKind::ExactOut => (quoted, amount),
            }
        }
        other => panic!("not a venue of this test: {other:?}"),
    }
}

fn is_new_venue(v: &Venue) -> bool {
    matches!(v, Venue::SushiSwap { .. } | Venue::UniswapV4 { .. } | Venue::Balancer { .. })
}

#[tokio::test]
async fn every_venue_quotes_what_its_own_contract_answers_in_the_same_one_batch() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    for (token_in, token_out, amount, kind, expected) in [
        (
            weth,
            usdc,
            units(1.0, 18),
            SwapKind::ExactIn,
            ["SushiSwap", "Uniswap V4 0.3%", "Balancer"],
        ),
        (
            usdc,
            weth,
            units(1.0, 18),
            SwapKind::ExactOut,
            ["SushiSwap", "Uniswap V4 0.3%", "Balancer"],
        ),
        (
            usdc,
            dai,
            units(1000.0, 6),
            SwapKind::ExactIn,
            ["SushiSwap", "Uniswap V4 0.01%", "Balancer"],
        ),
        (
            dai,
            usdc,
            units(1000.0, 6),
            SwapKind::ExactOut,
            ["SushiSwap", "Uniswap V4 0.01%", "Balancer"],
        ),
    ] {
        let before = client.requests();
        let routes =
            swap::route(&client, &network, token_in, token_out, amount, kind).await.unwrap();
        assert_eq!(client.requests() - before, 2, "one multicall and one gas price");
        let described: Vec<String> =
            routes.quotes.iter().map(|q| q.venue.describe(&network)).collect();
        for venue in expected {
            assert!(described.iter().any(|d| d == venue), "no {venue} quote in {described:?}");
        }
        for q in routes.quotes.iter().filter(|q| is_new_venue(&q.venue)) {
            let direct = contract_quote(&devnet, &network, &q.venue, kind, amount).await;
            assert_eq!((q.amount_in, q.amount_out), direct, "{:?}", q.venue);
        }
    }
}

/// The quote of the venue described `name` (and, for V4, selling the native side or not).
fn quote_on(routes: &swap::Routes, network: &Network, name: &str) -> Quote {
    routes
        .quotes
        .iter()
        .find(|q| q.venue.describe(network) == name)
        .unwrap_or_else(|| panic!("no {name} quote in {routes:?}"))
        .clone()
}

/// The account's balance of `token` (the native coin for the zero address).
async fn balance(devnet: &Devnet, token: Address, account: Address) -> U256 {
    let p = devnet.provider();
    if token.is_zero() {
        p.get_balance(account).await.unwrap()
    } else {
        IERC20::new(token, p).balanceOf(account).call().await.unwrap()
    }
}

/// Plans `quote` for `trader` (no slippage), sends every step, and returns what left it and
/// what reached it (ether net of the gas paid).
async fn trade_on(
    devnet: &Devnet,
    network: &Network,
    quote: &Quote,
    kind: SwapKind,
    trader: Address,
    (native_in, native_out): (bool, bool),
) -> (U256, U256) {
    let params = SwapParams {
        account: trader,
        slippage_bps: 0,
        deadline: 4_000_000_000,
        unlimited_approval: false,
        current_allowance: U256::ZERO,
        native_in,
        native_out,
        permit2_nonce: 0,
    };
    let plan = swap::plan(network, quote, kind, &params).unwrap();
    let (sold, bought) = (quote.venue.token_in().unwrap(), quote_token_out(quote));
    let paid_in = if native_in { Address::ZERO } else { sold };
    let paid_out = if native_out { Address::ZERO } else { bought };
    let (in_before, out_before) =
        (balance(devnet, paid_in, trader).await, balance(devnet, paid_out, trader).await);
    let mut gas = U256::ZERO;
    for s in &plan.steps {
        let receipt = devnet.send_unlocked(s.request.clone().from(trader)).await.unwrap();
        let name = quote.venue.describe(network);
        assert!(receipt.status(), "{name} {kind:?}: '{}' reverted", s.label);
        gas += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    }
    let fee = |native: bool| if native { gas } else { U256::ZERO };
    let spent = in_before - balance(devnet, paid_in, trader).await - fee(native_in);
    let received = balance(devnet, paid_out, trader).await + fee(native_out) - out_before;
    (spent, received)
}

/// What a quote's route ends in.
fn quote_token_out(quote: &Quote) -> Address {
    match &quote.venue {
        Venue::UniswapV2 { path }
        | Venue::UniswapV3 { path, .. }
        | Venue::SushiSwap { path }
        | Venue::BalancerHops { path, .. }
        | Venue::UniswapV4Hops { path, .. } => *path.last().unwrap(),
        Venue::UniswapV4 { token_out, .. } | Venue::Balancer { token_out, .. } => *token_out,
        Venue::Split { legs } => {
            quote_token_out(&Quote { venue: legs[0].venue.clone(), ..quote.clone() })
        }
    }
}

#[tokio::test]
async fn a_plan_on_each_venue_receives_exactly_its_quote() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    let trader = DEMO_ACCOUNTS[3];
    let p = devnet.provider();
    // (sold, bought, amount, kind, venue, native in, native out)
    let cases = [
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn, "SushiSwap", false, false),
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn, "Uniswap V4 0.3%", false, false),
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn, "Uniswap V4 0.3%", true, false),
        (usdc, weth, units(0.5, 18), SwapKind::ExactOut, "Uniswap V4 0.3%", false, false),
        (usdc, weth, units(0.5, 18), SwapKind::ExactOut, "Uniswap V4 0.3%", false, true),
        (usdc, dai, units(250.0, 6), SwapKind::ExactIn, "Uniswap V4 0.01%", false, false),
        (weth, usdc, units(1.0, 18), SwapKind::ExactIn, "Balancer", false, false),
        (usdc, weth, units(0.25, 18), SwapKind::ExactOut, "Balancer", false, true),
        (usdc, dai, units(250.0, 6), SwapKind::ExactIn, "Balancer", false, false),
    ];
    for (sold, bought, amount, kind, venue, native_in, native_out) in cases {
        let routes = swap::route(&client, &network, sold, bought, amount, kind).await.unwrap();
        let quote = quote_on(&routes, &network, venue);
        let (spent, received) =
            trade_on(&devnet, &network, &quote, kind, trader, (native_in, native_out)).await;
        assert_eq!(
            (spent, received),
            (quote.amount_in, quote.amount_out),
            "{venue} {kind:?} native ({native_in}, {native_out}): what moved is the quote"
        );
        // Nothing is left with the routers.
        if let Some(router) = network.protocols.universal_router {
            assert_eq!(
                p.get_balance(router).await.unwrap(),
                U256::ZERO,
                "ether left in the router"
            );
            assert_eq!(balance(&devnet, weth, router).await, U256::ZERO, "WETH left in the router");
        }
    }
}

#[tokio::test]
async fn an_order_that_moves_one_pool_splits_for_more_than_any_single_route_and_gets_exactly_that()
{
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest, sol_types::SolCall};
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let trader = DEMO_ACCOUNTS[2];
    // Enough WETH for a large order: wrapped from the account's own ether.
    let wrap = vigil_devnet::contracts::IWETH9::depositCall {}.abi_encode();
    let tx = TransactionRequest::default()
        .from(trader)
        .to(weth)
        .value(units(400.0, 18))
        .with_input(wrap);
    assert!(devnet.send_unlocked(tx).await.unwrap().status());

    for (sold, bought, amount, kind) in [
        (weth, usdc, units(300.0, 18), SwapKind::ExactIn),
        (usdc, weth, units(200.0, 18), SwapKind::ExactOut),
    ] {
        let routes = swap::route(&client, &network, sold, bought, amount, kind).await.unwrap();
        let best = routes.best().unwrap().clone();
        let Venue::Split { legs } = &best.venue else {
            panic!("a large order is split: {}", best.venue.describe(&network))
        };
        assert!((2..=4).contains(&legs.len()), "{legs:?}");
        assert_eq!(legs.iter().map(|l| l.parts).sum::<u32>(), swap::split::PARTS);
        // Net of gas, better than the best single route.
        let single = routes.quotes.iter().find(|q| !q.venue.is_split()).unwrap();
        let gas = |q: &Quote| q.gas_in_token.unwrap();
        match kind {
            SwapKind::ExactIn => {
                assert!(best.amount_out - gas(&best) > single.amount_out - gas(single));
                // Shares round down: at most a few base units are left unspent.
                assert!(amount - best.amount_in < U256::from(swap::split::PARTS), "{best:?}");
            }
            SwapKind::ExactOut => {
                assert!(best.amount_in + gas(&best) < single.amount_in + gas(single));
                assert_eq!(best.amount_out, amount);
            }
        }
        assert!(
            best.venue.describe(&network).starts_with("Split: "),
            "{}",
            best.venue.describe(&network)
        );

        let params = SwapParams {
            account: trader,
            slippage_bps: 0,
            deadline: 4_000_000_000,
            unlimited_approval: false,
            current_allowance: U256::ZERO,
            native_in: false,
            native_out: false,
            permit2_nonce: 0,
        };
        let plan = swap::plan(&network, &best, kind, &params).unwrap();
        let (in_before, out_before) =
            (balance(&devnet, sold, trader).await, balance(&devnet, bought, trader).await);
        for s in &plan.steps {
            let receipt = devnet.send_unlocked(s.request.clone().from(trader)).await.unwrap();
            assert!(receipt.status(), "{kind:?}: '{}' reverted", s.label);
        }
        let (in_after, out_after) =
            (balance(&devnet, sold, trader).await, balance(&devnet, bought, trader).await);
        assert_eq!(
            (in_before - in_after, out_after - out_before),
            (best.amount_in, best.amount_out),
            "{kind:?}: one transaction, every leg exactly as quoted"
        );
        // With ether on a side, a split is not offered to the preview: it pays tokens only.
        assert!(
            swap::plan(&network, &best, kind, &SwapParams { native_in: true, ..params }).is_none()
        );
    }
}

#[tokio::test]
async fn a_universal_router_swap_carries_its_own_signed_permit2_allowance_checked_on_chain() {
    use alloy::primitives::aliases::U48;
    use vigil_defi_adapters::abi::IPermit2;
    use vigil_signer::{DerivationPath, EvmSigner, Mnemonic, SoftwareEvmSigner};
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let seed = Mnemonic::parse("test test test test test test test test test test test junk")
        .unwrap()
        .to_seed("");
    let key = |i| SoftwareEvmSigner::from_seed(&seed, &DerivationPath::ethereum(i)).unwrap();
    let (trader, stranger) = (key(3), key(4));
    assert_eq!(trader.address(), DEMO_ACCOUNTS[3]);
    let (permit2, router) =
        (network.protocols.permit2.unwrap(), network.protocols.universal_router.unwrap());
    let nonce = || async {
        IPermit2::new(permit2, devnet.provider())
            .allowance(trader.address(), usdc, router)
            .call()
            .await
            .unwrap()
            .nonce
    };
    assert_eq!(nonce().await, U48::ZERO);

    let amount = units(250.0, 6);
    let routes =
        swap::route(&client, &network, usdc, dai, amount, SwapKind::ExactIn).await.unwrap();
    let quote = quote_on(&routes, &network, "Uniswap V4 0.01%");
    let params = SwapParams {
        account: trader.address(),
        slippage_bps: 0,
        deadline: 4_000_000_000,
        unlimited_approval: false,
        current_allowance: U256::ZERO,
        native_in: false,
        native_out: false,
        permit2_nonce: 0,
    };
    let plan = swap::plan(&network, &quote, SwapKind::ExactIn, &params).unwrap();
    // Approve Permit2 once (a transaction), sign the allowance (no transaction), swap.
    let kinds: Vec<bool> = plan.steps.iter().map(|s| s.permit.is_some()).collect();
    assert_eq!(kinds, [false, true, false], "{:?}", plan.steps);
    let grant = plan.steps[1].permit.clone().unwrap();
    let swap_step = &plan.steps[2];
    let approve = devnet.send_unlocked(plan.steps[0].request.clone().from(trader.address()));
    assert!(approve.await.unwrap().status());

    // Signed by someone else, Permit2 refuses it: nothing moves.
    let data = grant.typed_data(client.chain_id()).unwrap();
    let forged =
        grant.attach(&swap_step.request, &stranger.sign_typed_data(&data).await.unwrap()).unwrap();
    let refused = devnet.provider().call(forged.from(trader.address())).await;
    assert!(refused.is_err(), "a permit signed by another key is refused: {refused:?}");

    // Signed by the trader: one transaction moves exactly the quote, and uses the nonce.
    let signed =
        grant.attach(&swap_step.request, &trader.sign_typed_data(&data).await.unwrap()).unwrap();
    let before = balance(&devnet, dai, trader.address()).await;
    let receipt = devnet.send_unlocked(signed.clone().from(trader.address())).await.unwrap();
    assert!(receipt.status(), "the swap with its permit went through");
    assert_eq!(balance(&devnet, dai, trader.address()).await - before, quote.amount_out);
    assert_eq!(nonce().await, U48::from(1u8), "Permit2 checked and used the signature");
    // The same signature again is spent.
    let replay = devnet.provider().call(signed.from(trader.address())).await;
    assert!(replay.is_err(), "a permit is used once: {replay:?}");
}

#[tokio::test]
async fn two_hop_routes_pass_through_the_stablecoins_too_and_quote_what_the_router_answers() {
    use vigil_defi_adapters::abi::IUniswapV2Router02;
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    let amount = units(2.0, 18);
    let routes =
        swap::route(&client, &network, weth, dai, amount, SwapKind::ExactIn).await.unwrap();
    let via_usdc = quote_on(&routes, &network, "Uniswap V2 via USDC");
    let Venue::UniswapV2 { path } = &via_usdc.venue else { panic!("{via_usdc:?}") };
    assert_eq!(path, &vec![weth, usdc, dai]);
    let router =
        IUniswapV2Router02::new(network.protocols.uniswap_v2_router.unwrap(), devnet.provider());
    let answer = router.getAmountsOut(amount, path.clone()).call().await.unwrap();
    assert_eq!(via_usdc.amount_out, *answer.last().unwrap(), "the router's own answer");
    // And a plan along it receives exactly that.
    let trade =
        trade_on(&devnet, &network, &via_usdc, SwapKind::ExactIn, DEMO_ACCOUNTS[3], (false, false));
    assert_eq!(trade.await, (via_usdc.amount_in, via_usdc.amount_out));
}

#[tokio::test]
async fn two_balancer_pools_trade_in_one_batch_swap_exactly_as_quoted() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, dai) = (m.weth, m.tokens["DAI"].address);
    let trader = DEMO_ACCOUNTS[2];
    // (sold, bought, amount, kind, ether in): the weighted pool to USDC, the stable pool on.
    for (sold, bought, amount, kind, native_in) in [
        (weth, dai, units(1.0, 18), SwapKind::ExactIn, false),
        (weth, dai, units(1500.0, 18), SwapKind::ExactOut, false),
        (weth, dai, units(0.5, 18), SwapKind::ExactIn, true),
        (dai, weth, units(0.25, 18), SwapKind::ExactOut, false),
    ] {
        let routes = swap::route(&client, &network, sold, bought, amount, kind).await.unwrap();
        let quote = quote_on(&routes, &network, "Balancer via USDC");
        let Venue::BalancerHops { pool_ids, .. } = &quote.venue else { panic!("{quote:?}") };
        assert_eq!(pool_ids.len(), 2);
        let (spent, received) =
            trade_on(&devnet, &network, &quote, kind, trader, (native_in, false)).await;
        assert_eq!(
            (spent, received),
            (quote.amount_in, quote.amount_out),
            "{kind:?} native {native_in}"
        );
    }
}

#[tokio::test]
async fn two_v4_pools_trade_in_one_universal_router_swap_exactly_as_quoted() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, dai) = (m.weth, m.tokens["DAI"].address);
    let trader = DEMO_ACCOUNTS[1];
    // Ether (the pool's native side) to USDC at 0.3%, USDC to DAI at 0.01%, and back.
    for (sold, bought, amount, kind, native_in, native_out) in [
        (weth, dai, units(1.0, 18), SwapKind::ExactIn, false, false),
        (weth, dai, units(1500.0, 18), SwapKind::ExactOut, true, false),
        (dai, weth, units(1000.0, 18), SwapKind::ExactIn, false, true),
        (dai, weth, units(0.2, 18), SwapKind::ExactOut, false, false),
    ] {
        let routes = swap::route(&client, &network, sold, bought, amount, kind).await.unwrap();
        let name = if sold == weth {
            "Uniswap V4 0.3% + 0.01% via USDC"
        } else {
            "Uniswap V4 0.01% + 0.3% via USDC"
        };
        let quote = quote_on(&routes, &network, name);
        let (spent, received) =
            trade_on(&devnet, &network, &quote, kind, trader, (native_in, native_out)).await;
        assert_eq!((spent, received), (quote.amount_in, quote.amount_out), "{name} {kind:?}");
    }
}
