//! Simulating plans on the devnet: the preview's balance changes must equal what happens.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, I256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    abi::{IERC20, IUniswapV2Router02},
    multicall::{self, Asset},
    simulate::{self, AssetId, Plan, Step},
    testing::{Fault, HostileNode},
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, contracts::IWETH9, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

fn step(label: &str, to: Address, value: U256, call: impl SolCall) -> Step {
    Step::new(
        label,
        TransactionRequest::default().to(to).value(value).with_input(call.abi_encode()),
    )
}

/// Executes the plan for real (anvil's unlocked account signs) and returns the gas spent in wei.
async fn execute(devnet: &Devnet, plan: &Plan) -> U256 {
    let mut fees = U256::ZERO;
    for s in &plan.steps {
        let receipt = devnet.send_unlocked(s.request.clone().from(plan.from)).await.unwrap();
        assert!(receipt.status(), "{} reverted", s.label);
        fees += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    }
    fees
}

#[tokio::test]
async fn a_token_to_token_swap_with_approval_changes_balances_exactly_as_simulated() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let router = m.uniswap_v2.router;
    let user = DEMO_ACCOUNTS[1];
    let amount = units(1000.0, 6);
    let swap = vigil_devnet::contracts::UniswapV2Router02::swapExactTokensForTokensCall {
        amountIn: amount,
        amountOutMin: U256::ZERO,
        path: vec![usdc, dai],
        to: user,
        deadline: U256::MAX,
    };
    let plan = Plan {
        from: user,
        steps: vec![
            step("Approve USDC", usdc, U256::ZERO, IERC20::approveCall { spender: router, amount }),
            step("Swap USDC for DAI", router, U256::ZERO, swap),
        ],
    };
    let quoted = IUniswapV2Router02::new(router, devnet.provider())
        .getAmountsOut(amount, vec![usdc, dai])
        .call()
        .await
        .unwrap()[1];

    let sim = simulate::simulate(&client, &plan).await.unwrap();
    assert!(sim.success(), "{sim:?}");
    assert_eq!(sim.change(user, AssetId::Token(usdc)), -I256::try_from(amount).unwrap());
    let dai_in = sim.change(user, AssetId::Token(dai));
    assert_eq!(dai_in, I256::try_from(quoted).unwrap(), "the router's own quote");
    assert_eq!(sim.approvals.len(), 1);
    assert_eq!(
        (sim.approvals[0].token, sim.approvals[0].spender, sim.approvals[0].amount),
        (usdc, router, amount)
    );

    let assets = [Asset::Token(usdc), Asset::Token(dai)];
    let before =
        multicall::balances(&client, network.protocols.multicall3, &assets, &[user]).await.unwrap();
    execute(&devnet, &plan).await;
    let after =
        multicall::balances(&client, network.protocols.multicall3, &assets, &[user]).await.unwrap();
    let actual = |i: usize| {
        I256::try_from(after[0][i].unwrap()).unwrap()
            - I256::try_from(before[0][i].unwrap()).unwrap()
    };
    assert_eq!(actual(0), sim.change(user, AssetId::Token(usdc)));
    assert_eq!(actual(1), dai_in, "the DAI received is exactly the simulated amount");
}

#[tokio::test]
async fn wrapping_eth_shows_native_out_and_weth_in() {
    let (devnet, _network, client) = setup().await;
    let m = devnet.manifest();
    let user = DEMO_ACCOUNTS[2];
    let amount = units(1.5, 18);
    let plan =
        Plan { from: user, steps: vec![step("Wrap ETH", m.weth, amount, IWETH9::depositCall {})] };
    let sim = simulate::simulate(&client, &plan).await.unwrap();
    assert_eq!(sim.change(user, AssetId::Native), -I256::try_from(amount).unwrap());
    assert_eq!(sim.change(user, AssetId::Token(m.weth)), I256::try_from(amount).unwrap());

    let eth_before = devnet.provider().get_balance(user).await.unwrap();
    let fees = execute(&devnet, &plan).await;
    let eth_after = devnet.provider().get_balance(user).await.unwrap();
    assert_eq!(
        eth_before - eth_after - fees,
        amount,
        "native change equals the simulation, fees aside"
    );
}

#[tokio::test]
async fn a_reverting_plan_shows_the_decoded_reason() {
    let (devnet, _network, client) = setup().await;
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let router = m.uniswap_v2.router;
    let user = DEMO_ACCOUNTS[3];
    let amount = units(100.0, 6);
    let impossible = vigil_devnet::contracts::UniswapV2Router02::swapExactTokensForTokensCall {
        amountIn: amount,
        amountOutMin: units(1_000_000.0, 18),
        path: vec![usdc, dai],
        to: user,
        deadline: U256::MAX,
    };
    let plan = Plan {
        from: user,
        steps: vec![
            step("Approve USDC", usdc, U256::ZERO, IERC20::approveCall { spender: router, amount }),
            step("Swap", router, U256::ZERO, impossible),
        ],
    };
    let sim = simulate::simulate(&client, &plan).await.unwrap();
    assert!(!sim.success());
    assert!(sim.steps[0].success);
    assert_eq!(sim.revert_reason(), Some("revert: UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"));
    // Nothing was sent: the allowance is still zero on chain.
    let allowance =
        IERC20::new(usdc, devnet.provider()).allowance(user, router).call().await.unwrap();
    assert_eq!(allowance, U256::ZERO);
}

#[tokio::test]
async fn the_tracing_fallback_agrees_with_eth_simulate_v1() {
    let (devnet, _network, client) = setup().await;
    let m = devnet.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let router = m.uniswap_v2.router;
    let user = DEMO_ACCOUNTS[2];
    let amount = units(700.0, 6);
    let swap = |min_out| vigil_devnet::contracts::UniswapV2Router02::swapExactTokensForTokensCall {
        amountIn: amount,
        amountOutMin: min_out,
        path: vec![usdc, dai],
        to: user,
        deadline: U256::MAX,
    };
    let plans = [
        // Two steps: the swap only works on the state the approval leaves behind.
        Plan {
            from: user,
            steps: vec![
                step(
                    "Approve USDC",
                    usdc,
                    U256::ZERO,
                    IERC20::approveCall { spender: router, amount },
                ),
                step("Swap", router, U256::ZERO, swap(U256::ZERO)),
            ],
        },
        Plan {
            from: user,
            steps: vec![step("Wrap ETH", m.weth, units(2.0, 18), IWETH9::depositCall {})],
        },
        Plan {
            from: user,
            steps: vec![
                step(
                    "Approve USDC",
                    usdc,
                    U256::ZERO,
                    IERC20::approveCall { spender: router, amount },
                ),
                step("Swap", router, U256::ZERO, swap(units(1_000_000.0, 18))),
            ],
        },
    ];
    for plan in &plans {
        let v1 = simulate::simulate_v1(&client, plan).await.unwrap();
        let traced = simulate::simulate_by_tracing(&client, plan).await.unwrap();
        assert_eq!(traced.changes, v1.changes, "{:?}", plan.steps[0].label);
        assert_eq!(traced.approvals, v1.approvals);
        assert_eq!(
            traced.steps.iter().map(|s| (s.success, s.revert_reason.clone())).collect::<Vec<_>>(),
            v1.steps.iter().map(|s| (s.success, s.revert_reason.clone())).collect::<Vec<_>>()
        );
    }
    assert!(!simulate::simulate_by_tracing(&client, &plans[2]).await.unwrap().success());
}

#[tokio::test]
async fn nodes_without_eth_simulate_v1_fall_back_to_tracing() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    // A node without eth_simulateV1, as many public nodes are.
    let node = HostileNode::start(devnet.url().parse().unwrap()).await.unwrap();
    node.set(
        "eth_simulateV1",
        Fault::Error(-32601, "the method eth_simulateV1 does not exist/is not available".into()),
    );
    let limited = ChainClient::connect(&Network { rpc_urls: vec![node.url()], ..network.clone() })
        .await
        .unwrap();
    let user = DEMO_ACCOUNTS[3];
    let amount = units(300.0, 6);
    let (usdc, dai, router) =
        (m.tokens["USDC"].address, m.tokens["DAI"].address, m.uniswap_v2.router);
    let plan = Plan {
        from: user,
        steps: vec![
            step("Approve USDC", usdc, U256::ZERO, IERC20::approveCall { spender: router, amount }),
            step(
                "Swap",
                router,
                U256::ZERO,
                vigil_devnet::contracts::UniswapV2Router02::swapExactTokensForTokensCall {
                    amountIn: amount,
                    amountOutMin: U256::ZERO,
                    path: vec![usdc, dai],
                    to: user,
                    deadline: U256::MAX,
                },
            ),
        ],
    };
    assert!(
        simulate::simulate_v1(&limited, &plan).await.is_err(),
        "the proxy refuses eth_simulateV1"
    );
    let via_fallback = simulate::simulate(&limited, &plan).await.unwrap();
    let direct = simulate::simulate(&client, &plan).await.unwrap();
    assert!(via_fallback.success());
    assert_eq!(via_fallback.changes, direct.changes);
}
