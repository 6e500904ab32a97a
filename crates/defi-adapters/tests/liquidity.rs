//! Liquidity on every venue the devnet deploys, against the real contracts: the pools between
//! two tokens, adding to each (Uniswap V2, SushiSwap, V3 and V4 over a price range, Balancer's
//! weighted and stable pools), the positions read back, fees earned by trades collected to the
//! wei Vigil computed, and removals; every plan moves balances exactly as its preview said.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{collections::BTreeMap, path::Path};

use alloy::{
    eips::BlockId,
    primitives::{Address, I256, U256},
    providers::Provider,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    abi::IERC20,
    liquidity::{self, LiquidityAction, LiquidityRequest, Pool, Position, Protocol, RangeChoice},
    preview::PlanReview,
    swap::{self, SwapKind, SwapParams},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

async fn balance(devnet: &Devnet, token: Option<Address>, account: Address) -> U256 {
    let p = devnet.provider();
    match token {
        None => p.get_balance(account).await.unwrap(),
        Some(t) => IERC20::new(t, p).balanceOf(account).call().await.unwrap(),
    }
}

/// Sends a reviewed plan from `account` and checks every balance the preview shows moved by
/// exactly the previewed amount (ether net of the gas paid).
async fn execute_as_previewed(devnet: &Devnet, review: &PlanReview, account: Address) {
    assert!(review.simulation.success(), "the simulation fails: {:?}", review.simulation.steps);
    let mut before = BTreeMap::new();
    for c in &review.changes {
        before.insert(c.token, balance(devnet, c.token, account).await);
    }
    let mut gas = U256::ZERO;
    for step in &review.plan.steps {
        let receipt = devnet.send_unlocked(step.request.clone().from(account)).await.unwrap();
        assert!(receipt.status(), "'{}' reverted", step.label);
        gas += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    }
    assert!(!review.changes.is_empty(), "a liquidity action moves balances");
    for c in &review.changes {
        let after = balance(devnet, c.token, account).await;
        let after = if c.token.is_none() { after + gas } else { after };
        let moved = I256::from_raw(after) - I256::from_raw(before[&c.token]);
        assert_eq!(moved.to_string(), c.raw, "{} moved as previewed", c.symbol);
    }
}

fn request(account: Address, action: LiquidityAction, native: bool) -> LiquidityRequest {
    LiquidityRequest { account, action, slippage_bps: 50, deadline: 4_000_000_000, native }
}

fn pool_of(pools: &[Pool], protocol: Protocol, fee: Option<u32>) -> Pool {
    pools
        .iter()
        .find(|p| p.protocol == protocol && (fee.is_none() || p.fee() == fee))
        .unwrap_or_else(|| panic!("no {protocol:?} {fee:?} pool among {pools:#?}"))
        .clone()
}

async fn positions(client: &ChainClient, network: &Network, owner: Address) -> Vec<Position> {
    let head = client.request(|p| async move { p.get_block_number().await }).await.unwrap();
    let scan = liquidity::owned_v4_ids(client, network, owner, 0, head).await.unwrap();
    liquidity::fetch_all(client, network, owner, &scan.ids, BlockId::latest()).await.unwrap()
}

/// Trades back and forth through the pools so every position earns fees.
async fn trade(devnet: &Devnet, client: &ChainClient, network: &Network, trader: Address) {
    let m = devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    for (sold, bought, amount) in [(weth, usdc, units(3.0, 18)), (usdc, weth, units(6000.0, 6))] {
        let routes =
            swap::route(client, network, sold, bought, amount, SwapKind::ExactIn).await.unwrap();
        for quote in routes.quotes.iter().filter(|q| !matches!(q.venue, swap::Venue::Split { .. }))
        {
            let params = SwapParams {
                account: trader,
                slippage_bps: 300,
                deadline: 4_000_000_000,
                unlimited_approval: true,
                current_allowance: U256::ZERO,
                native_in: false,
                native_out: false,
                permit2_nonce: 0,
            };
            let Some(plan) = swap::plan(network, quote, SwapKind::ExactIn, &params) else {
                continue;
            };
            for s in &plan.steps {
                devnet.send_unlocked(s.request.clone().from(trader)).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn every_venue_takes_liquidity_pays_fees_and_gives_it_back_exactly_as_previewed() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    let lp = DEMO_ACCOUNTS[4];

    let pools = liquidity::find_pools(&client, &network, weth, usdc).await.unwrap();
    let protocols: Vec<Protocol> = pools.iter().map(|p| p.protocol).collect();
    for protocol in [
        Protocol::UniswapV2,
        Protocol::SushiSwap,
        Protocol::UniswapV3,
        Protocol::UniswapV4,
        Protocol::Balancer,
    ] {
        assert!(protocols.contains(&protocol), "{protocol:?} pool found: {protocols:?}");
    }
    let stables = liquidity::find_pools(&client, &network, usdc, dai).await.unwrap();

    // One deposit on each venue: (pool, which token the amount is of, amount, range, native).
    let v3 = pool_of(&pools, Protocol::UniswapV3, Some(3000));
    let v4 = pool_of(&pools, Protocol::UniswapV4, Some(3000));
    let weth_index = |p: &Pool| p.tokens.iter().position(|&t| t == weth || t.is_zero()).unwrap();
    let usdc_index = |p: &Pool| p.tokens.iter().position(|&t| t == usdc).unwrap();
    let deposits = [
        (pool_of(&pools, Protocol::UniswapV2, None), units(1.0, 18), None, false),
        (pool_of(&pools, Protocol::SushiSwap, None), units(1.0, 18), None, true),
        (v3.clone(), units(1.0, 18), Some(RangeChoice::AroundPrice(0.2)), false),
        (v4.clone(), units(1.0, 18), Some(RangeChoice::AroundPrice(0.2)), false),
        (pool_of(&pools, Protocol::Balancer, None), units(1.0, 18), None, false),
    ];
    for (pool, amount, range, native) in deposits {
        let action = LiquidityAction::Add {
            token_index: weth_index(&pool),
            pool: pool.clone(),
            amount,
            range,
        };
        let (planned, review) =
            liquidity::preview_liquidity(&client, &network, &request(lp, action, native))
                .await
                .unwrap();
        assert!(
            review.findings.iter().all(|f| f.code != "range_outside_price"),
            "{:?}",
            review.findings
        );
        execute_as_previewed(&devnet, &review, lp).await;
        assert_eq!(planned.amounts.len(), 2);
    }
    // The stable pool, paid in USDC.
    let stable = pool_of(&stables, Protocol::Balancer, None);
    let action = LiquidityAction::Add {
        token_index: usdc_index(&stable),
        pool: stable,
        amount: units(500.0, 6),
        range: None,
    };
    let (_, review) =
        liquidity::preview_liquidity(&client, &network, &request(lp, action, false)).await.unwrap();
    execute_as_previewed(&devnet, &review, lp).await;

    let held = positions(&client, &network, lp).await;
    let kinds: Vec<Protocol> = held.iter().map(|p| p.pool.protocol).collect();
    assert_eq!(held.len(), 6, "one position per deposit: {kinds:?}");
    for p in &held {
        // About one ether's worth of WETH went in (the stable pool: 500 USDC).
        let i = p.pool.tokens.iter().position(|&t| t == weth || t.is_zero()).unwrap_or(0);
        assert!(!p.amounts[i].is_zero(), "{:?} holds something", p.pool.protocol);
        if p.pool.protocol.has_range() {
            assert_eq!(p.in_range(), Some(true));
            assert!(p.fees.iter().all(|f| f.is_zero()), "nothing earned yet");
        }
    }

    // Trades earn the range positions fees; Vigil's figure is what collect pays, to the wei.
    trade(&devnet, &client, &network, DEMO_ACCOUNTS[2]).await;
    let held = positions(&client, &network, lp).await;
    for protocol in [Protocol::UniswapV3, Protocol::UniswapV4] {
        let position = held.iter().find(|p| p.pool.protocol == protocol).unwrap().clone();
        assert!(
            position.fees.iter().all(|f| !f.is_zero()),
            "{protocol:?} earned fees: {:?}",
            position.fees
        );
        let action = LiquidityAction::Collect { position: position.clone() };
        let (planned, review) =
            liquidity::preview_liquidity(&client, &network, &request(lp, action, false))
                .await
                .unwrap();
        assert_eq!(planned.amounts, position.fees);
        for (token, fee) in position.pool.tokens.iter().zip(&position.fees) {
            let change = review
                .changes
                .iter()
                .find(|c| c.token == (!token.is_zero()).then_some(*token))
                .unwrap();
            assert_eq!(change.raw, fee.to_string(), "{protocol:?} collects what Vigil computed");
        }
        execute_as_previewed(&devnet, &review, lp).await;
    }

    // Half of every position, then the rest: exactly as previewed, and then nothing is left.
    for fraction in [5_000, 10_000] {
        for position in positions(&client, &network, lp).await {
            let action =
                LiquidityAction::Remove { position: position.clone(), fraction_bps: fraction };
            let (_, review) = liquidity::preview_liquidity(
                &client,
                &network,
                &request(lp, action, position.pool.protocol == Protocol::SushiSwap),
            )
            .await
            .unwrap();
            execute_as_previewed(&devnet, &review, lp).await;
        }
    }
    let left = positions(&client, &network, lp).await;
    assert!(left.is_empty(), "every position removed: {left:#?}");
    // V2 and Balancer fees live in the share: there is nothing to collect on its own.
    let _ = dai;
}

#[tokio::test]
async fn ranges_outside_the_price_and_narrow_ones_are_warned_and_one_sided_deposits_explained() {
    let (_devnet, network, client) = setup().await;
    let m = _devnet.manifest();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let lp = DEMO_ACCOUNTS[3];
    let pools = liquidity::find_pools(&client, &network, weth, usdc).await.unwrap();
    let v3 = pool_of(&pools, Protocol::UniswapV3, Some(3000));
    let tick = v3.tick.unwrap();
    let (t0_is_weth, weth_i) = (v3.tokens[0] == weth, if v3.tokens[0] == weth { 0 } else { 1 });
    // A range entirely above the price holds only token0; below it, only token1.
    let above = RangeChoice::Ticks(tick + 6_000, tick + 12_000);
    let token0_index = 0;
    let action = LiquidityAction::Add {
        pool: v3.clone(),
        token_index: token0_index,
        amount: units(1.0, if t0_is_weth { 18 } else { 6 }),
        range: Some(above),
    };
    let (planned, review) =
        liquidity::preview_liquidity(&client, &network, &request(lp, action, false)).await.unwrap();
    assert!(
        review.findings.iter().any(|f| f.code == "range_outside_price"),
        "{:?}",
        review.findings
    );
    assert!(planned.amounts[1].is_zero(), "above the price it takes only token0");
    // Asking it for token1 is explained.
    let action = LiquidityAction::Add {
        pool: v3.clone(),
        token_index: 1,
        amount: units(1.0, 6),
        range: Some(above),
    };
    let err = liquidity::preview_liquidity(&client, &network, &request(lp, action, false))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("outside this range"), "{err}");
    // Two spacings wide is narrow.
    let narrow = RangeChoice::Ticks(tick - 60, tick + 60);
    let action = LiquidityAction::Add {
        pool: v3.clone(),
        token_index: weth_i,
        amount: units(0.1, 18),
        range: Some(narrow),
    };
    let (_, review) =
        liquidity::preview_liquidity(&client, &network, &request(lp, action, false)).await.unwrap();
    assert!(review.findings.iter().any(|f| f.code == "narrow_range"), "{:?}", review.findings);
    // A deposit that dwarfs the pool is warned about.
    let sushi = pool_of(&pools, Protocol::SushiSwap, None);
    let big = sushi.balances[sushi.tokens.iter().position(|&t| t == weth).unwrap()] / U256::from(5);
    let action = LiquidityAction::Add {
        pool: sushi.clone(),
        token_index: sushi.tokens.iter().position(|&t| t == weth).unwrap(),
        amount: big,
        range: None,
    };
    let (_, review) =
        liquidity::preview_liquidity(&client, &network, &request(lp, action, true)).await.unwrap();
    assert!(review.findings.iter().any(|f| f.code == "thin_pool"), "{:?}", review.findings);
    // Zero is refused with a reason.
    let action =
        LiquidityAction::Add { pool: sushi, token_index: 0, amount: U256::ZERO, range: None };
    let err = liquidity::preview_liquidity(&client, &network, &request(lp, action, false))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than zero"), "{err}");
}
