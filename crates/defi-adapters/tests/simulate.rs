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
};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, contracts::IWETH9, units};

async fn setup() -> (Devnet, Network, ChainClient) {
    vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap()
}

fn step(label: &str, to: Address, value: U256, call: impl SolCall) -> Step {
    Step {
        label: label.into(),
        request: TransactionRequest::default().to(to).value(value).with_input(call.abi_encode()),
    }
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

/// A loopback JSON-RPC proxy to `upstream` that answers eth_simulateV1 with "method not found",
/// as many public nodes do.
async fn proxy_without_simulate(upstream: String) -> (url::Url, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap()).parse().unwrap();
    let http = reqwest::Client::new();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (http, upstream) = (http.clone(), upstream.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let body = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break buf[end + 4..end + 4 + len].to_vec();
                    }
                };
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let answer = if request["method"] == "eth_simulateV1" {
                    serde_json::json!({"jsonrpc": "2.0", "id": request["id"],
                        "error": {"code": -32601, "message": "the method eth_simulateV1 does not exist/is not available"}})
                    .to_string()
                } else {
                    let r = http
                        .post(&upstream)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    r.text().await.unwrap()
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, server)
}

#[tokio::test]
async fn nodes_without_eth_simulate_v1_fall_back_to_tracing() {
    let (devnet, network, client) = setup().await;
    let m = devnet.manifest();
    let (proxy, server) = proxy_without_simulate(devnet.url()).await;
    let limited =
        ChainClient::connect(&Network { rpc_urls: vec![proxy], ..network.clone() }).await.unwrap();
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
    server.abort();
}
