//! The local Solana validator: a real solana-test-validator, reachable on loopback only, with
//! the demo account funded in SOL and in tokens of both token programs, and a faucet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vigil_devnet::solana::SolanaValidator;

/// The anvil mnemonic's first Solana account, m/44'/501'/0'/0'.
const DEMO: &str = "oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96";

async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer: Value =
        reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    assert!(answer.get("error").is_none(), "{method}: {answer}");
    answer["result"].clone()
}

/// The addresses listening on `port` (TCP), from the kernel's table.
fn tcp_listeners(port: u16) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (addr, p) = fields[1].split_once(':')?;
            (fields[3] == "0A" && u16::from_str_radix(p, 16).ok()? == port).then(|| addr.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_validator_on_loopback_with_funded_demo_accounts_and_a_faucet() {
    let dir = tempfile::tempdir().unwrap();
    let validator = SolanaValidator::start(&dir.path().join("ledger"), &[DEMO.to_owned()]).unwrap();
    let url = validator.rpc_url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // Only loopback: the RPC port and the faucet listen on 127.0.0.1 (0100007F), not 0.0.0.0.
    let rpc_port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(tcp_listeners(rpc_port), ["0100007F"]);
    assert_eq!(tcp_listeners(validator.faucet().port()), ["0100007F"]);

    // 100 SOL, and the demo tokens in associated token accounts of both token programs.
    let balance = rpc(&url, "getBalance", json!([DEMO])).await;
    assert_eq!(balance["value"], 100_000_000_000u64);
    let symbols: Vec<&str> = validator.mints().iter().map(|m| m.symbol.as_str()).collect();
    assert_eq!(symbols, ["USDC", "USDG"]);
    for (mint, units) in validator.mints().iter().zip(["10000", "1000"]) {
        let accounts = rpc(
            &url,
            "getTokenAccountsByOwner",
            json!([DEMO, {"programId": mint.program}, {"encoding": "jsonParsed"}]),
        )
        .await;
        let info = &accounts["value"][0]["account"]["data"]["parsed"]["info"];
        assert_eq!(info["mint"], mint.mint.as_str(), "{accounts}");
        assert_eq!(info["tokenAmount"]["uiAmountString"], units, "{accounts}");
        assert_eq!(info["tokenAmount"]["decimals"], mint.decimals);
    }

    // The faucet: an airdrop to a new address lands.
    let fresh = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
    rpc(&url, "requestAirdrop", json!([fresh, 1_500_000_000u64])).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let balance = rpc(&url, "getBalance", json!([fresh, {"commitment": "confirmed"}])).await;
        if balance["value"] == 1_500_000_000u64 {
            break;
        }
        assert!(Instant::now() < deadline, "the airdrop did not land: {balance}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Dropping it stops it.
    drop(validator);
    assert!(tcp_listeners(rpc_port).is_empty(), "the validator is gone");
}
