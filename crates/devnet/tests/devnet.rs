//! The devnet against real anvil with the protocols' real bytecode: no mocks.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use alloy::{
    primitives::{Address, U256, Uint},
    providers::Provider,
};
use vigil_devnet::{
    DEMO_ACCOUNTS, Devnet, DevnetError, DevnetOptions, contracts::*, oracle_price, price_answer,
    units,
};

/// The pristine snapshot is shared by every test binary run (the first test deploys it).
fn options(state_file: Option<PathBuf>) -> DevnetOptions {
    DevnetOptions { state_file, ..DevnetOptions::shared(Path::new(env!("CARGO_TARGET_TMPDIR"))) }
}

async fn start() -> Devnet {
    Devnet::start(options(None)).await.unwrap()
}

#[tokio::test]
async fn every_deployed_address_has_code_and_the_market_is_configured() {
    let devnet = start().await;
    let m = devnet.manifest();
    let p = devnet.provider();
    assert_eq!(p.get_chain_id().await.unwrap(), 31337);
    let mut addresses: Vec<Address> = vec![
        m.weth,
        m.multicall3,
        m.uniswap_v2.factory,
        m.uniswap_v2.router,
        m.uniswap_v3.factory,
        m.uniswap_v3.swap_router,
        m.uniswap_v3.quoter_v2,
        m.uniswap_v3.position_manager,
        m.aave_v3.addresses_provider,
        m.aave_v3.pool,
        m.aave_v3.pool_configurator,
        m.aave_v3.oracle,
        m.aave_v3.data_provider,
        m.aave_v3.acl_manager,
    ];
    addresses.extend(m.tokens.values().flat_map(|t| [t.address, t.aggregator]));
    addresses.extend(m.uniswap_v2.pairs.values());
    addresses.extend(m.uniswap_v3.pools.iter().map(|p| p.address));
    for a in addresses {
        assert!(!p.get_code_at(a).await.unwrap().is_empty(), "no code at {a}");
    }
    assert_eq!(
        m.multicall3,
        "0xcA11bde05977b3631167028862bE2a173976CA11".parse::<Address>().unwrap()
    );

    // Four reserves with the configured risk parameters.
    let pool = AavePool::new(m.aave_v3.pool, p);
    let reserves = pool.getReservesList().call().await.unwrap();
    assert_eq!(reserves.len(), 4);
    let data = AaveProtocolDataProvider::new(m.aave_v3.data_provider, p);
    for (symbol, ltv, threshold, bonus, decimals) in [
        ("WETH", 8000, 8250, 10500, 18),
        ("USDC", 7700, 8000, 10450, 6),
        ("DAI", 7500, 8000, 10500, 18),
        ("WBTC", 7300, 7800, 10500, 8),
    ] {
        let token = &m.tokens[symbol];
        assert!(reserves.contains(&token.address));
        let c = data.getReserveConfigurationData(token.address).call().await.unwrap();
        assert_eq!(
            (c.ltv, c.liquidationThreshold, c.liquidationBonus),
            (U256::from(ltv), U256::from(threshold), U256::from(bonus)),
            "{symbol}"
        );
        assert_eq!(c.decimals, U256::from(decimals));
        assert!(c.usageAsCollateralEnabled && c.borrowingEnabled && c.isActive && !c.isFrozen);
        assert_eq!(IERC20::new(token.address, p).decimals().call().await.unwrap(), decimals as u8);
    }
}

#[tokio::test]
async fn pools_hold_liquidity_and_quotes_match_pool_state() {
    let devnet = start().await;
    let (m, p) = (devnet.manifest(), devnet.provider());
    let (weth, usdc) = (&m.tokens["WETH"], &m.tokens["USDC"]);

    // V2: Router02's quote is the constant-product formula on the pair's reserves.
    let pair = IUniswapV2Pair::new(m.uniswap_v2.pairs["WETH/USDC"], p);
    let r = pair.getReserves().call().await.unwrap();
    let weth_is_0 = pair.token0().call().await.unwrap() == weth.address;
    let (r_weth, r_usdc) =
        if weth_is_0 { (r.reserve0, r.reserve1) } else { (r.reserve1, r.reserve0) };
    assert_eq!(U256::from(r_weth), units(500.0, 18));
    assert_eq!(U256::from(r_usdc), units(1_000_000.0, 6));
    let amount_in = units(1.0, 18);
    let router = UniswapV2Router02::new(m.uniswap_v2.router, p);
    let out =
        router.getAmountsOut(amount_in, vec![weth.address, usdc.address]).call().await.unwrap()[1];
    let expected = amount_in * U256::from(997) * U256::from(r_usdc)
        / (U256::from(r_weth) * U256::from(1000) + amount_in * U256::from(997));
    assert_eq!(out, expected);

    // V3: both pools have liquidity; QuoterV2 agrees with a real swap of the same size.
    for pool in &m.uniswap_v3.pools {
        let v3 = IUniswapV3Pool::new(pool.address, p);
        assert!(v3.liquidity().call().await.unwrap() > 0, "{pool:?}");
    }
    let fee = m.uniswap_v3.pools[0].fee;
    let quote = QuoterV2::new(m.uniswap_v3.quoter_v2, p)
        .quoteExactInputSingle(QuoterV2::QuoteExactInputSingleParams {
            tokenIn: weth.address,
            tokenOut: usdc.address,
            amountIn: amount_in,
            fee: Uint::from(fee),
            sqrtPriceLimitX96: Uint::ZERO,
        })
        .call()
        .await
        .unwrap();
    // 1 WETH is about $2004 on the 0.05% pool, minus the fee.
    let usd = quote.amountOut.to::<u128>() as f64 / 1e6;
    assert!((1990.0..2010.0).contains(&usd), "{usd}");

    let trader = DEMO_ACCOUNTS[1];
    let before = IERC20::new(usdc.address, p).balanceOf(trader).call().await.unwrap();
    let weth_before = IERC20::new(weth.address, p).balanceOf(trader).call().await.unwrap();
    send(
        &devnet,
        trader,
        weth.address,
        IERC20::approveCall { spender: m.uniswap_v3.swap_router, amount: amount_in },
    )
    .await;
    send(
        &devnet,
        trader,
        m.uniswap_v3.swap_router,
        SwapRouter::exactInputSingleCall {
            params: SwapRouter::ExactInputSingleParams {
                tokenIn: weth.address,
                tokenOut: usdc.address,
                fee: Uint::from(fee),
                recipient: trader,
                deadline: U256::MAX,
                amountIn: amount_in,
                amountOutMinimum: quote.amountOut,
                sqrtPriceLimitX96: Uint::ZERO,
            },
        },
    )
    .await;
    let after = IERC20::new(usdc.address, p).balanceOf(trader).call().await.unwrap();
    assert_eq!(after - before, quote.amountOut, "the V3 swap pays exactly the quote");
    assert_eq!(
        weth_before - IERC20::new(weth.address, p).balanceOf(trader).call().await.unwrap(),
        amount_in
    );

    // A V2 swap pays exactly the router's quote.
    let dai = &m.tokens["DAI"];
    let path = vec![usdc.address, dai.address];
    let amount = units(1000.0, 6);
    let want = router.getAmountsOut(amount, path.clone()).call().await.unwrap()[1];
    let dai_before = IERC20::new(dai.address, p).balanceOf(trader).call().await.unwrap();
    send(
        &devnet,
        trader,
        usdc.address,
        IERC20::approveCall { spender: m.uniswap_v2.router, amount },
    )
    .await;
    send(
        &devnet,
        trader,
        m.uniswap_v2.router,
        UniswapV2Router02::swapExactTokensForTokensCall {
            amountIn: amount,
            amountOutMin: want,
            path,
            to: trader,
            deadline: U256::MAX,
        },
    )
    .await;
    assert_eq!(
        IERC20::new(dai.address, p).balanceOf(trader).call().await.unwrap() - dai_before,
        want
    );
}

async fn send(devnet: &Devnet, from: Address, to: Address, call: impl alloy::sol_types::SolCall) {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
    let tx = TransactionRequest::default().from(from).to(to).with_input(call.abi_encode());
    assert!(devnet.send_unlocked(tx).await.unwrap().status(), "transaction reverted");
}

/// Aave's health factor, with its rounding: `percentMul(collateral, threshold).wadDiv(debt)`,
/// both rounding half up (Aave's PercentageMath and WadRayMath).
/// Aave V3.6's health factor for one collateral (GenericLogic): the threshold-weighted
/// collateral over the debt, rounded half up, then divided by 100.00% (rounded down).
fn health_factor(collateral_base: U256, threshold_bps: U256, debt_base: U256) -> U256 {
    let weighted = collateral_base * threshold_bps;
    let wad = U256::from(10u64).pow(U256::from(18));
    (weighted * wad + debt_base / U256::from(2)) / debt_base / U256::from(10_000)
}

#[tokio::test]
async fn the_sample_position_is_liquidatable_after_the_price_falls() {
    let devnet = start().await;
    let (m, p) = (devnet.manifest(), devnet.provider());
    let pool = AavePool::new(m.aave_v3.pool, p);
    let user = m.sample_position;
    let data = pool.getUserAccountData(user).call().await.unwrap();
    // 5 WETH at $2000 against 6,000 USDC (interest accrues from the first block on).
    let weth_price = oracle_price(p, &m.tokens["WETH"]).await.unwrap();
    assert_eq!(weth_price, 2000.0);
    // Collateral from the oracle price and the supplied amount; threshold from the market config.
    let collateral = U256::from(5u64) * U256::from(price_answer(weth_price).into_raw());
    assert_eq!(data.totalCollateralBase, collateral);
    assert_eq!(data.currentLiquidationThreshold, U256::from(8250));
    assert!(data.totalDebtBase >= U256::from(6000u64) * U256::from(100_000_000u64));
    let computed = health_factor(collateral, U256::from(8250), data.totalDebtBase);
    assert_eq!(data.healthFactor, computed);
    let hf = data.healthFactor.to::<u128>() as f64 / 1e18;
    assert!((1.37..1.3751).contains(&hf), "{hf}");

    devnet.set_price("weth", 1400.0, true).await.unwrap();
    assert_eq!(oracle_price(p, &m.tokens["WETH"]).await.unwrap(), 1400.0);
    let data = pool.getUserAccountData(user).call().await.unwrap();
    assert_eq!(
        data.healthFactor,
        health_factor(
            data.totalCollateralBase,
            data.currentLiquidationThreshold,
            data.totalDebtBase
        )
    );
    assert!(
        data.healthFactor < U256::from(10u64).pow(U256::from(18)),
        "HF {} not below 1",
        data.healthFactor
    );

    // The pools followed the oracle: 1 WETH now buys about 1400 USDC on V2.
    let router = UniswapV2Router02::new(m.uniswap_v2.router, p);
    let (weth, usdc) = (&m.tokens["WETH"], &m.tokens["USDC"]);
    let out = router
        .getAmountsOut(units(1.0, 18), vec![weth.address, usdc.address])
        .call()
        .await
        .unwrap()[1];
    let usd = out.to::<u128>() as f64 / 1e6;
    assert!((1380.0..1400.0).contains(&usd), "V2 pays {usd} USDC per WETH");

    // Another account liquidates half the debt and receives WETH at a discount.
    let liquidator = DEMO_ACCOUNTS[2];
    let cover = units(3000.0, 6);
    let weth_before = IERC20::new(weth.address, p).balanceOf(liquidator).call().await.unwrap();
    send(
        &devnet,
        liquidator,
        usdc.address,
        IERC20::approveCall { spender: m.aave_v3.pool, amount: cover },
    )
    .await;
    send(
        &devnet,
        liquidator,
        m.aave_v3.pool,
        AavePool::liquidationCallCall {
            collateralAsset: weth.address,
            debtAsset: usdc.address,
            user,
            debtToCover: cover,
            receiveAToken: false,
        },
    )
    .await;
    let gained =
        IERC20::new(weth.address, p).balanceOf(liquidator).call().await.unwrap() - weth_before;
    // 3000 USDC / 1400 × 1.05 bonus ≈ 2.25 WETH.
    let gained = gained.to::<u128>() as f64 / 1e18;
    assert!((2.24..2.26).contains(&gained), "liquidator received {gained} WETH");
}

#[tokio::test]
async fn bad_prices_and_symbols_are_refused() {
    let devnet = start().await;
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(devnet.set_price("WETH", bad, false).await, Err(DevnetError::InvalidPrice(_))),
            "{bad}"
        );
    }
    let err = devnet.set_price("PEPE", 1.0, false).await.unwrap_err();
    assert!(matches!(err, DevnetError::UnknownToken(_)));
    assert!(err.to_string().contains("WETH, USDC, DAI and WBTC"));
}

#[tokio::test]
async fn state_survives_a_restart_and_reset_restores_the_pristine_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("current.state");
    let devnet = Devnet::start(options(Some(state.clone()))).await.unwrap();
    let m = devnet.manifest().clone();
    let account = DEMO_ACCOUNTS[3];
    let usdc = m.tokens["USDC"].address;
    let pristine = IERC20::new(usdc, devnet.provider()).balanceOf(account).call().await.unwrap();
    send(
        &devnet,
        account,
        usdc,
        IERC20::transferCall { to: DEMO_ACCOUNTS[4], amount: units(123.0, 6) },
    )
    .await;
    devnet.stop().await.unwrap();
    assert!(state.exists());

    let started = std::time::Instant::now();
    let devnet = Devnet::start(options(Some(state.clone()))).await.unwrap();
    let warm = started.elapsed();
    let balance = IERC20::new(usdc, devnet.provider()).balanceOf(account).call().await.unwrap();
    assert_eq!(pristine - balance, units(123.0, 6), "the transfer survived the restart");
    assert!(warm < std::time::Duration::from_secs(3), "warm start took {warm:?}");
    drop(devnet);

    // Reset: forget the state, start from the pristine snapshot.
    std::fs::remove_file(&state).unwrap();
    let devnet = Devnet::start(options(Some(state))).await.unwrap();
    assert_eq!(
        IERC20::new(usdc, devnet.provider()).balanceOf(account).call().await.unwrap(),
        pristine
    );
}

#[tokio::test]
async fn a_corrupted_state_file_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("current.state");
    std::fs::write(&state, b"this is not an anvil state").unwrap();
    let devnet = Devnet::start(options(Some(state))).await.unwrap();
    // It fell back to the pristine snapshot: the deployment is whole.
    let code = devnet.provider().get_code_at(devnet.manifest().aave_v3.pool).await.unwrap();
    assert!(!code.is_empty());
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut opts = options(None);
    opts.port = port;
    let err = Devnet::start(opts).await.unwrap_err();
    assert!(matches!(err, DevnetError::PortInUse(p) if p == port), "{err}");
}

#[tokio::test]
async fn a_snapshot_from_another_version_is_redeployed() {
    let dir = tempfile::tempdir().unwrap();
    let shared = options(None);
    // Make sure the shared snapshot exists, then copy it and mark it as an older deployment.
    drop(start().await);
    for file in ["manifest.json", "pristine.state"] {
        std::fs::copy(shared.snapshot_dir.join(file), dir.path().join(file)).unwrap();
    }
    let manifest_path = dir.path().join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let old = text.replace(vigil_devnet::DEPLOYMENT_VERSION, "vigil-devnet/0.0.0/0");
    assert_ne!(old, text);
    std::fs::write(&manifest_path, old).unwrap();

    let opts = DevnetOptions {
        snapshot_dir: dir.path().to_owned(),
        state_file: None,
        port: 0,
        chain_id: vigil_devnet::CHAIN_ID,
    };
    let devnet = Devnet::start(opts).await.unwrap();
    assert_eq!(devnet.manifest().version, vigil_devnet::DEPLOYMENT_VERSION);
    let saved = std::fs::read_to_string(&manifest_path).unwrap();
    assert!(
        saved.contains(vigil_devnet::DEPLOYMENT_VERSION),
        "the new deployment replaced the old"
    );
    let code = devnet.provider().get_code_at(devnet.manifest().aave_v3.pool).await.unwrap();
    assert!(!code.is_empty());
}

#[tokio::test]
async fn fifty_random_price_moves_between_100_and_10000_dollars_all_land_in_every_pool() {
    let devnet = start().await;
    let m = devnet.manifest().clone();
    let (weth, usdc) = (&m.tokens["WETH"], &m.tokens["USDC"]);
    // A seeded xorshift: the order differs per run, and a failure prints what to replay.
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            as u64
            | 1;
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..50 {
        // Log-uniform, so small and large moves, up and down, are all drawn.
        let usd = (100f64.ln() + next() * (10_000f64.ln() - 100f64.ln())).exp().round();
        devnet
            .set_price("WETH", usd, true)
            .await
            .unwrap_or_else(|e| panic!("move {i} to ${usd} (seed {seed}): {e}"));
        assert_eq!(oracle_price(devnet.provider(), weth).await.unwrap(), usd);
        for pool in &m.uniswap_v3.pools {
            let sqrt = IUniswapV3Pool::new(pool.address, devnet.provider())
                .slot0()
                .call()
                .await
                .unwrap()
                .sqrtPriceX96;
            let raw = (sqrt.to_string().parse::<f64>().unwrap() / 2f64.powi(96)).powi(2);
            // The pool's price of token0 in token1, as USD per WETH.
            let weth_usd = if weth.address < usdc.address { raw * 1e12 } else { 1e12 / raw };
            assert!(
                (weth_usd / usd - 1.0).abs() < 1e-3,
                "move {i} (seed {seed}): {} is at ${weth_usd}, not ${usd}",
                pool.pair
            );
        }
    }
}
