//! `vigil lp` as a user runs it, on a second local chain configured exactly as a user
//! configures a public network (its own chain id, endpoint, protocol addresses and tokens):
//! the pools between two tokens, a Uniswap V3 position opened over a range and signed with the
//! vault, its fees earned by trades and collected to the figure `vigil lp list` showed, and
//! the position closed; a Balancer share added and removed; bad input refused clearly. And
//! `vigil approvals` on the same kind of chain: an unlimited allowance listed and revoked.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use alloy::primitives::U256;
use support::{Env, err, out};
use vigil_defi_adapters::swap::{self, SwapKind, SwapParams};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, DevnetOptions, units};

const PASSWORD: &str = "hunter2 orbit meadow\n";
const CHAIN: u64 = 4343;

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", err(o));
    serde_json::from_str(&out(o)).unwrap()
}

/// The second chain, added to the user's config as a public network is.
fn second_chain(env: &Env, rt: &tokio::runtime::Runtime) -> Devnet {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let chain = rt.block_on(Devnet::start(DevnetOptions::other_chain(tmp, CHAIN))).unwrap();
    let described =
        vigil_defi_adapters::Network::devnet(chain.manifest(), chain.url().parse().unwrap());
    let file = env.home.path().join("config/config.toml");
    let mut config = vigil_wallet::Config::load(&file).unwrap();
    config.networks.push(vigil_wallet::NetworkConfig {
        name: "testchain".into(),
        chain_id: CHAIN,
        rpc_urls: described.rpc_urls,
        ws_url: None,
        explorer: None,
        native_symbol: None,
        protocols: Some(described.protocols),
        tokens: described.tokens,
        max_fee_gwei: None,
        private_tx: None,
        private_tx_url: None,
        feed_heartbeats: described.feed_heartbeats,
    });
    config.save(&file).unwrap();
    assert!(env.vigil(&["network", "use", "testchain"]).status.success());
    chain
}

/// Another account trades back and forth through every single pool: fees for the positions.
fn trade(chain: &Devnet, rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let network =
            vigil_defi_adapters::Network::devnet(chain.manifest(), chain.url().parse().unwrap());
        let client = vigil_defi_adapters::ChainClient::connect(&network).await.unwrap();
        let m = chain.manifest();
        let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
        let trader = DEMO_ACCOUNTS[2];
        for (sold, bought, amount) in [(weth, usdc, units(2.0, 18)), (usdc, weth, units(4000.0, 6))]
        {
            let routes = swap::route(&client, &network, sold, bought, amount, SwapKind::ExactIn)
                .await
                .unwrap();
            for quote in &routes.quotes {
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
                let Some(plan) = swap::plan(&network, quote, SwapKind::ExactIn, &params) else {
                    continue;
                };
                for s in &plan.steps {
                    chain.send_unlocked(s.request.clone().from(trader)).await.unwrap();
                }
            }
        }
    });
}

fn list(env: &Env) -> Vec<serde_json::Value> {
    json(&env.vigil(&["lp", "list", "--json"]))["positions"].as_array().unwrap().clone()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_v3_range_and_a_balancer_share_opened_earning_collected_and_closed_on_a_configured_chain() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = Env::new("lp");
    env.import_junk(PASSWORD.trim());
    let chain = second_chain(&env, &rt);
    let sign = ["--password-stdin", "--yes"];

    let pools = json(&env.vigil(&["lp", "pools", "--pair", "WETH/USDC", "--json"]));
    let ids: Vec<&str> =
        pools.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    for id in ["uniswap-v2", "sushiswap", "uniswap-v3:3000", "uniswap-v4:3000"] {
        assert!(ids.contains(&id), "{id} among {ids:?}");
    }
    let v3 = pools.as_array().unwrap().iter().find(|p| p["id"] == "uniswap-v3:3000").unwrap();
    assert!(v3["price"].as_str().unwrap().ends_with("USDC per WETH"), "{v3}");
    let balancer = ids.iter().find(|i| i.starts_with("balancer:")).unwrap().to_string();

    // Bad input is refused with what to do.
    let add = |pool: &str, range: &str| {
        vec![
            "lp",
            "add",
            "--pair",
            "WETH/USDC",
            "--pool",
            pool,
            "--token",
            "WETH",
            "--amount",
            "1",
            "--range",
            range,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<String>>()
    };
    let o = env.vigil(&args(&add("uniswap-v3:42", "10%")));
    assert!(err(&o).contains("there is no pool 'uniswap-v3:42'"), "{}", err(&o));
    let o = env.vigil(&args(&add("uniswap-v3:3000", "wide")));
    assert!(err(&o).contains("two prices like 1800-2200"), "{}", err(&o));
    let o = env.vigil(&[
        "lp",
        "add",
        "--pair",
        "WETH",
        "--pool",
        "sushiswap",
        "--token",
        "WETH",
        "--amount",
        "1",
    ]);
    assert!(err(&o).contains("two tokens like WETH/USDC"), "{}", err(&o));

    // A ±10% range on V3's 0.3% pool: previewed with its range and price, then signed.
    let o = env.vigil(&[&args(&add("uniswap-v3:3000", "10%"))[..], &["--preview-only"]].concat());
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("Add liquidity to Uniswap V3 0.3% WETH/USDC on testchain"), "{text}");
    assert!(text.contains("USDC per WETH (in range)"), "{text}");
    // What the range takes of one WETH (liquidity rounds down by a few wei) is what leaves.
    let weth_in = text.split("amounts     ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(weth_in.starts_with("0.99999999999999"), "{text}");
    assert!(text.contains(&format!("-{weth_in} WETH")), "the simulation agrees: {text}");
    let o =
        env.vigil_stdin(&[&args(&add("uniswap-v3:3000", "10%"))[..], &sign[..]].concat(), PASSWORD);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("mined   Add liquidity to Uniswap V3 0.3% WETH/USDC"), "{}", err(&o));

    let held = list(&env);
    assert_eq!(held.len(), 1, "{held:#?}");
    let position = &held[0];
    assert_eq!(position["range"]["in_range"], true, "{position}");
    assert_eq!(position["tokens"][0]["fees"], "0");
    let vs_hold =
        position["vs_hold"].as_f64().expect("opened through Vigil: compared with holding");
    assert!(vs_hold.abs() < 1.0, "just opened, about what went in: {vs_hold}");
    let key = position["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("uniswap-v3/"), "{key}");

    // Trades earn it fees; collect pays exactly what the list showed.
    trade(&chain, &rt);
    let position = list(&env).remove(0);
    let fees: Vec<String> = position["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("+{}", t["fees"].as_str().unwrap().replace(',', "")))
        .collect();
    assert!(fees.iter().all(|f| f != "+0"), "{position}");
    let o = env
        .vigil_stdin(&["lp", "collect", "--position", &key, "--password-stdin", "--yes"], PASSWORD);
    assert!(o.status.success(), "{}", err(&o));
    for (fee, token) in fees.iter().zip(position["tokens"].as_array().unwrap()) {
        let line = format!("{fee} {}", token["symbol"].as_str().unwrap());
        assert!(
            out(&o).lines().any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == line),
            "{line} in {}",
            out(&o)
        );
    }
    let after = list(&env).remove(0);
    assert!(after["tokens"].as_array().unwrap().iter().all(|t| t["fees"] == "0"), "{after}");

    // Half, then the rest: nothing is left.
    for percent in ["50", "100"] {
        let o = env.vigil_stdin(
            &[
                "lp",
                "remove",
                "--position",
                &key,
                "--percent",
                percent,
                "--password-stdin",
                "--yes",
            ],
            PASSWORD,
        );
        assert!(o.status.success(), "{}", err(&o));
    }
    assert!(list(&env).is_empty(), "closed");

    // A Balancer share, paid in USDC and WETH in proportion; removed whole.
    let o = env.vigil_stdin(
        &[
            "lp",
            "add",
            "--pair",
            "WETH/USDC",
            "--pool",
            &balancer,
            "--token",
            "USDC",
            "--amount",
            "500",
            "--password-stdin",
            "--yes",
        ],
        PASSWORD,
    );
    assert!(o.status.success(), "{}", err(&o));
    let held = list(&env);
    assert_eq!(held.len(), 1, "{held:#?}");
    assert!(held[0]["share_percent"].as_f64().unwrap() > 0.0);
    assert_eq!(held[0]["can_collect"], false);
    let key = held[0]["key"].as_str().unwrap().to_owned();
    let o = env.vigil(&["lp", "collect", "--position", &key]);
    assert!(err(&o).contains("fees are added to the pool"), "{}", err(&o));
    let o = env
        .vigil_stdin(&["lp", "remove", "--position", &key, "--password-stdin", "--yes"], PASSWORD);
    assert!(o.status.success(), "{}", err(&o));
    assert!(list(&env).is_empty());
}

#[test]
fn approvals_are_listed_and_revoked_on_a_configured_chain() {
    use alloy::{network::TransactionBuilder, sol_types::SolCall};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = Env::new("approvals");
    env.import_junk(PASSWORD.trim());
    let chain = second_chain(&env, &rt);
    let m = chain.manifest();
    let owner = DEMO_ACCOUNTS[0];
    let stranger = alloy::primitives::Address::repeat_byte(0x5a);
    let approve =
        vigil_defi_adapters::abi::IERC20::approveCall { spender: stranger, amount: U256::MAX };
    let tx = alloy::rpc::types::TransactionRequest::default()
        .from(owner)
        .to(m.tokens["DAI"].address)
        .with_input(approve.abi_encode());
    assert!(rt.block_on(chain.send_unlocked(tx)).unwrap().status());

    let o = env.vigil(&["approvals", "list", "--json"]);
    let list = json(&o);
    let grant = list["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["token"] == "DAI")
        .unwrap_or_else(|| panic!("{list}"))
        .clone();
    assert_eq!(grant["amount"], "unlimited");
    let id = grant["id"].as_str().unwrap().to_owned();
    let o = env.vigil(&["approvals", "list"]);
    assert!(out(&o).contains(&format!("{id}  ERC-20 allowance unlimited DAI")), "{}", out(&o));

    let o = env.vigil(&["approvals", "revoke", "--id", "erc20:0x1:0x2", "--preview-only"]);
    assert!(err(&o).contains("list them again"), "{}", err(&o));
    let o = env
        .vigil_stdin(&["approvals", "revoke", "--id", &id, "--password-stdin", "--yes"], PASSWORD);
    assert!(o.status.success(), "{}", err(&o));
    let list = json(&env.vigil(&["approvals", "list", "--json"]));
    assert!(list["grants"].as_array().unwrap().iter().all(|g| g["id"] != id.as_str()), "{list}");
}
