//! The chain each caller is on (switched alone, a network added only when its endpoint serves
//! it and the user approves), EIP-5792 call bundles from approval to receipts, and orders
//! recognised as what they trade. Against the devnet and a second, bare anvil chain.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{sync::atomic::Ordering, time::Duration};

use alloy::{
    primitives::{Address, U256},
    providers::Provider as _,
};
use common::{DAPP, start};
use serde_json::{Value, json};
use vigil_devnet::{AnvilProcess, DEMO_ACCOUNTS};
use vigil_provider::{Caller, ProviderEvent, RpcError};

const OTHER: &str = "https://other.example";
/// The chain id of the bare chain a dapp proposes.
const BARE_CHAIN: u64 = 31_999;

fn add_params(chain_id: u64, url: &str) -> Value {
    json!([{
        "chainId": format!("{chain_id:#x}"),
        "chainName": "Bare Test Chain",
        "rpcUrls": [url],
        "nativeCurrency": {"name": "Ether", "symbol": "TST", "decimals": 18},
        "blockExplorerUrls": ["https://explorer.example"]
    }])
}

#[tokio::test]
async fn a_caller_switches_chain_alone_and_an_added_chain_is_checked_approved_and_used() {
    let p = start().await;
    let bare = AnvilProcess::spawn(0, BARE_CHAIN, None).unwrap();
    let mut events = p.provider.events();
    let devnet_hex = format!("{:#x}", p.chain_id);

    // Unknown: 4902, as dapps expect before they offer to add it.
    let unknown = p
        .rpc(
            Some(DAPP),
            "wallet_switchEthereumChain",
            json!([{"chainId": format!("{BARE_CHAIN:#x}")}]),
        )
        .await;
    assert_eq!(unknown["error"]["code"], RpcError::UNRECOGNIZED_CHAIN, "{unknown}");

    // An endpoint that serves another chain than it claims: refused, the user never asked.
    let lying =
        p.rpc(Some(DAPP), "wallet_addEthereumChain", add_params(BARE_CHAIN + 1, &bare.url())).await;
    assert_eq!(lying["error"]["code"], RpcError::INVALID_PARAMS, "{lying}");
    assert!(
        lying["error"]["message"].as_str().unwrap().contains(&format!("serves chain {BARE_CHAIN}"))
    );
    let not_http =
        p.rpc(Some(DAPP), "wallet_addEthereumChain", add_params(BARE_CHAIN, "ftp://x")).await;
    assert_eq!(not_http["error"]["code"], RpcError::INVALID_PARAMS, "{not_http}");
    assert!(p.user.proposals.lock().unwrap().is_empty());

    // Refused by the user: 4001, nothing added.
    p.user.add_answers.lock().unwrap().push_back(false);
    let refused =
        p.rpc(Some(DAPP), "wallet_addEthereumChain", add_params(BARE_CHAIN, &bare.url())).await;
    assert_eq!(refused["error"]["code"], RpcError::USER_REJECTED, "{refused}");
    let proposal = p.user.proposals.lock().unwrap()[0].clone();
    assert_eq!(
        (proposal.chain_id, proposal.name.as_str(), proposal.native_symbol.as_str()),
        (BARE_CHAIN, "Bare Test Chain", "TST")
    );

    // Approved: added, and the dapp (only) is on it.
    p.user.add_answers.lock().unwrap().push_back(true);
    let added =
        p.rpc(Some(DAPP), "wallet_addEthereumChain", add_params(BARE_CHAIN, &bare.url())).await;
    assert_eq!(added["result"], Value::Null, "{added}");
    let on = |origin: &'static str| p.rpc(Some(origin), "eth_chainId", json!([]));
    assert_eq!(on(DAPP).await["result"], format!("{BARE_CHAIN:#x}"));
    assert_eq!(on(OTHER).await["result"], devnet_hex);
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv()).await.unwrap().unwrap();
    assert_eq!(event, ProviderEvent::ChainChanged { key: Some(DAPP.into()), chain_id: BARE_CHAIN });
    // Reads go to the dapp's chain: the bare chain has mined nothing, the devnet has.
    let block = |origin: &'static str| p.rpc(Some(origin), "eth_blockNumber", json!([]));
    assert_eq!(block(DAPP).await["result"], "0x0");
    assert_ne!(block(OTHER).await["result"], "0x0");

    // A transaction from the dapp is for its chain, and lands there.
    p.answer(Some(vec![DEMO_ACCOUNTS[0]]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let tx = json!([{"from": DEMO_ACCOUNTS[0], "to": DEMO_ACCOUNTS[1], "value": "0x1"}]);
    let sent = p.rpc(Some(DAPP), "eth_sendTransaction", tx).await;
    assert!(sent["result"].is_string(), "{sent}");
    assert_eq!(p.sender.asked.lock().unwrap()[0].2, BARE_CHAIN);
    // The hash comes back when the transaction is sent; its block a moment later (bounded).
    let mut mined = block(DAPP).await["result"].clone();
    for _ in 0..50 {
        if mined != "0x0" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        mined = block(DAPP).await["result"].clone();
    }
    assert_eq!(mined, "0x1");

    // Switching back among known chains needs no approval; adding a known one just switches.
    let back =
        p.rpc(Some(DAPP), "wallet_switchEthereumChain", json!([{"chainId": devnet_hex}])).await;
    assert_eq!(back["result"], Value::Null, "{back}");
    assert_eq!(on(DAPP).await["result"], devnet_hex);
    p.rpc(Some(DAPP), "wallet_addEthereumChain", add_params(BARE_CHAIN, &bare.url())).await;
    assert_eq!(on(DAPP).await["result"], format!("{BARE_CHAIN:#x}"));
    assert_eq!(p.user.proposals.lock().unwrap().len(), 2, "a known chain is not proposed again");
    let bad =
        p.rpc(Some(DAPP), "wallet_switchEthereumChain", json!([{"chainId": "mainnet"}])).await;
    assert_eq!(bad["error"]["code"], RpcError::INVALID_PARAMS, "{bad}");
}

#[tokio::test]
async fn a_bundle_of_calls_is_approved_once_sent_in_order_and_followed_to_its_receipts() {
    let p = start().await;
    let (first, second) = (DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]);
    let chain = format!("{:#x}", p.chain_id);
    let bundle = |calls: Vec<Value>| json!([{"version": "2.0.0", "chainId": chain, "from": first, "atomicRequired": false, "calls": calls}]);
    let pay = |wei: u64| json!({"to": second, "value": format!("{wei:#x}")});

    // Not connected: 4100 for capabilities and calls alike.
    let caps = p.rpc(Some(DAPP), "wallet_getCapabilities", json!([first])).await;
    assert_eq!(caps["error"]["code"], RpcError::UNAUTHORIZED, "{caps}");
    p.answer(Some(vec![first]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let caps = p.rpc(Some(DAPP), "wallet_getCapabilities", json!([first])).await;
    assert_eq!(caps["result"], json!({ chain.clone(): {"atomic": {"status": "unsupported"}} }));

    // What Vigil cannot do is refused with EIP-5792's codes, before the user is asked.
    let mut atomic = bundle(vec![pay(1)]);
    atomic[0]["atomicRequired"] = json!(true);
    let mut other_chain = bundle(vec![pay(1)]);
    other_chain[0]["chainId"] = json!("0x1");
    let mut capability = bundle(vec![pay(1)]);
    capability[0]["capabilities"] = json!({"paymasterService": {"url": "https://pay.example"}});
    let too_many = bundle((0..21).map(|_| pay(1)).collect());
    for (params, code) in [
        (atomic, RpcError::ATOMICITY_NOT_SUPPORTED),
        (other_chain, RpcError::UNSUPPORTED_CHAIN),
        (capability, RpcError::UNSUPPORTED_CAPABILITY),
        (too_many, RpcError::BUNDLE_TOO_LARGE),
    ] {
        let refused = p.rpc(Some(DAPP), "wallet_sendCalls", params).await;
        assert_eq!(refused["error"]["code"], code, "{refused}");
    }
    assert!(p.sender.asked.lock().unwrap().is_empty());

    // Refused by the user: 4001.
    p.sender.refuse.store(true, Ordering::SeqCst);
    let refused = p.rpc(Some(DAPP), "wallet_sendCalls", bundle(vec![pay(1)])).await;
    assert_eq!(refused["error"]["code"], RpcError::USER_REJECTED, "{refused}");
    p.sender.refuse.store(false, Ordering::SeqCst);

    // Two payments: one approval, both sent, then confirmed with their receipts.
    let before = p._devnet.provider().get_balance(second).await.unwrap();
    let mut optional = bundle(vec![pay(1_000), pay(2_000)]);
    optional[0]["capabilities"] =
        json!({"paymasterService": {"url": "https://pay.example", "optional": true}});
    let sent = p.rpc(Some(DAPP), "wallet_sendCalls", optional).await;
    let id = sent["result"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        p.sender.asked.lock().unwrap()[1],
        (Caller::Site(DAPP.into()), first, p.chain_id, 2)
    );
    let mut status = Value::Null;
    for _ in 0..100 {
        status = p.rpc(Some(DAPP), "wallet_getCallsStatus", json!([id])).await;
        if status["result"]["status"] != 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = &status["result"];
    assert_eq!(
        (result["status"].clone(), result["atomic"].clone()),
        (json!(200), json!(false)),
        "{status}"
    );
    assert_eq!(result["chainId"], chain);
    assert_eq!(result["receipts"].as_array().unwrap().len(), 2, "{status}");
    assert!(result["receipts"].as_array().unwrap().iter().all(|r| r["status"] == "0x1"));
    let after = p._devnet.provider().get_balance(second).await.unwrap();
    assert_eq!(after - before, U256::from(3_000));

    // The id is the dapp's alone; ids are not reused.
    let foreign = p.rpc(Some(OTHER), "wallet_getCallsStatus", json!([id])).await;
    assert_eq!(foreign["error"]["code"], RpcError::UNKNOWN_BUNDLE, "{foreign}");
    let mut again = bundle(vec![pay(1)]);
    again[0]["id"] = json!(id);
    let duplicate = p.rpc(Some(DAPP), "wallet_sendCalls", again).await;
    assert_eq!(duplicate["error"]["code"], RpcError::DUPLICATE_ID, "{duplicate}");
}

/// A CoW Protocol order selling 1,000 USDC for at least 0.4 WETH, to `receiver`.
fn cow_order(chain: u64, usdc: Address, weth: Address, receiver: Address) -> Value {
    json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "Order": [
                {"name": "sellToken", "type": "address"}, {"name": "buyToken", "type": "address"},
                {"name": "receiver", "type": "address"}, {"name": "sellAmount", "type": "uint256"},
                {"name": "buyAmount", "type": "uint256"}, {"name": "validTo", "type": "uint32"},
                {"name": "appData", "type": "bytes32"}, {"name": "feeAmount", "type": "uint256"},
                {"name": "kind", "type": "string"}, {"name": "partiallyFillable", "type": "bool"},
                {"name": "sellTokenBalance", "type": "string"}, {"name": "buyTokenBalance", "type": "string"}
            ]
        },
        "primaryType": "Order",
        "domain": {"name": "Gnosis Protocol", "version": "v2", "chainId": chain,
                   "verifyingContract": "0x9008D19f58AAbD9eD0D60971565AA8510560ab41"},
        "message": {
            "sellToken": usdc, "buyToken": weth, "receiver": receiver,
            "sellAmount": "1000000000", "buyAmount": "400000000000000000", "validTo": 4000000000u64,
            "appData": format!("0x{}", "00".repeat(32)), "feeAmount": "0", "kind": "sell",
            "partiallyFillable": false, "sellTokenBalance": "erc20", "buyTokenBalance": "erc20"
        }
    })
}

#[tokio::test]
async fn an_order_is_shown_as_what_it_trades_and_one_that_pays_someone_else_is_a_danger() {
    let p = start().await;
    let first = DEMO_ACCOUNTS[0];
    p.answer(Some(vec![first]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let manifest = p._devnet.manifest();
    let (usdc, weth) = (manifest.tokens["USDC"].address, manifest.weth);
    for receiver in [Address::ZERO, DEMO_ACCOUNTS[1]] {
        let order = cow_order(p.chain_id, usdc, weth, receiver);
        p.rpc(Some(DAPP), "eth_signTypedData_v4", json!([first, order])).await;
    }
    let typed = p.sender.typed.lock().unwrap().clone();
    let (_, mine, mine_findings) = &typed[0];
    assert_eq!(
        mine.summary[..2],
        ["CoW Protocol order: you give at most 1000 USDC", "You receive at least 0.4 WETH"],
        "{:?}",
        mine.summary
    );
    assert!(mine_findings.is_empty(), "{mine_findings:?}");
    let (_, theirs, findings) = &typed[1];
    assert_eq!(theirs.summary[1], "You receive nothing");
    assert!(
        theirs.summary[2].starts_with("0.4 WETH is paid to 0x70997970"),
        "{:?}",
        theirs.summary
    );
    assert_eq!(findings.iter().map(|f| f.code).collect::<Vec<_>>(), ["order_pays_nothing"]);
}
