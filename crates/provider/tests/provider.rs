//! The provider on the devnet, over real HTTP and WebSocket: what a page and a local program
//! may see, what the user approves or refuses, reads answered by the chain, hostile requests
//! refused with clear errors, and viem (npm) using it as a dapp would.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use alloy::{
    primitives::{Address, U256},
    providers::Provider as _,
};
use common::{DAPP, start};
use serde_json::{Value, json};
use vigil_devnet::DEMO_ACCOUNTS;
use vigil_provider::{Caller, RpcError};

#[tokio::test]
async fn a_page_sees_no_account_until_the_user_connects_it_and_only_the_ones_chosen() {
    let p = start().await;
    let chain = p.rpc(Some(DAPP), "eth_chainId", json!([])).await;
    assert_eq!(chain["result"], format!("{:#x}", p.chain_id));
    assert_eq!(p.rpc(Some(DAPP), "eth_accounts", json!([])).await["result"], json!([]));

    // Refused: EIP-1193's 4001, worded as ethers recognises it; still nothing to see.
    p.answer(None);
    let refused = p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    assert_eq!(refused["error"]["code"], RpcError::USER_REJECTED, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().starts_with("User denied"));
    assert_eq!(p.rpc(Some(DAPP), "eth_accounts", json!([])).await["result"], json!([]));

    // Connected to the second account only.
    p.answer(Some(vec![DEMO_ACCOUNTS[1]]));
    let granted = p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let second = DEMO_ACCOUNTS[1].to_checksum(None);
    assert_eq!(granted["result"], json!([second]));
    assert_eq!(p.rpc(Some(DAPP), "eth_accounts", json!([])).await["result"], json!([second]));
    // Asked again: no second prompt.
    assert_eq!(
        p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await["result"],
        json!([second])
    );
    assert_eq!(
        *p.user.asked.lock().unwrap(),
        [Caller::Site(DAPP.into()), Caller::Site(DAPP.into())]
    );
    // Another page, and a local program, see nothing.
    assert_eq!(
        p.rpc(Some("https://other.example"), "eth_accounts", json!([])).await["result"],
        json!([])
    );
    assert_eq!(p.rpc(None, "eth_accounts", json!([])).await["result"], json!([]));

    // Revoked (from Settings): nothing again.
    assert!(p.provider.revoke(DAPP));
    assert_eq!(p.rpc(Some(DAPP), "eth_accounts", json!([])).await["result"], json!([]));
}

#[tokio::test]
async fn reads_are_the_chains_answers() {
    let p = start().await;
    let block = p.rpc(None, "eth_blockNumber", json!([])).await;
    let ours = p._devnet.provider().get_block_number().await.unwrap();
    assert_eq!(block["result"], format!("{ours:#x}"));
    let weth = p._devnet.manifest().weth;
    let code = p.rpc(Some(DAPP), "eth_getCode", json!([weth, "latest"])).await;
    assert!(code["result"].as_str().unwrap().len() > 100, "{code}");
    // The node's own error comes back as the node said it.
    let bad = p.rpc(None, "eth_getBalance", json!(["not an address", "latest"])).await;
    assert!(bad["error"]["code"].as_i64().unwrap() < 0, "{bad}");
}

#[tokio::test]
async fn hostile_requests_get_clear_errors_and_nothing_else() {
    let p = start().await;
    // Not this port on loopback: a page that re-pointed its own name at 127.0.0.1.
    let res = p
        .http
        .post(&p.url)
        .header("host", "evil.example:1248")
        .header("origin", "https://evil.example")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_accounts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("answers only to 127.0.0.1"));
    // An opaque origin (a sandboxed frame, a file).
    let (status, _) =
        p.call(Some("null"), json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"})).await;
    assert_eq!(status, 403);
    // A form post (what a page can send without asking first).
    let res =
        p.http.post(&p.url).header("content-type", "text/plain").body("{}").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
    // Oversized.
    let huge =
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": ["x".repeat(2 << 20)]});
    let res = p.http.post(&p.url).json(&huge).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 413);

    for (body, code) in [
        (json!("{not json"), RpcError::PARSE_ERROR),
        (json!([]), RpcError::INVALID_REQUEST),
        (json!({"jsonrpc": "2.0", "id": 1, "method": 5}), RpcError::INVALID_REQUEST),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": 5}),
            RpcError::INVALID_REQUEST,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "debug_setHead", "params": []}),
            RpcError::UNSUPPORTED_METHOD,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_sign", "params": []}),
            RpcError::UNSUPPORTED_METHOD,
        ),
    ] {
        let raw = match &body {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let res = p
            .http
            .post(&p.url)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "errors are JSON-RPC errors");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["error"]["code"], code, "{body} → {answer}");
    }
    // A batch: one answer per request with an id, in order; too large a batch is refused.
    let (_, batch) = p
        .call(
            None,
            json!([
                {"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"},
                {"jsonrpc": "2.0", "method": "eth_chainId"},
                {"jsonrpc": "2.0", "id": "b", "method": "nope"}
            ]),
        )
        .await;
    assert_eq!(batch.as_array().unwrap().len(), 2, "{batch}");
    assert_eq!(
        (batch[0]["id"].clone(), batch[1]["error"]["code"].clone()),
        (json!("a"), json!(4200))
    );
    let many: Vec<Value> =
        (0..101).map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"})).collect();
    let (_, refused) = p.call(None, Value::Array(many)).await;
    assert_eq!(refused["error"]["code"], RpcError::INVALID_REQUEST);
}

#[tokio::test]
async fn viem_reads_and_connects_through_it_as_a_local_program() {
    let p = start().await;
    p.answer(Some(vec![DEMO_ACCOUNTS[0]]));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/viem.mjs");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&p.url)
        .env("NODE_PATH", vigil_devnet::node_modules())
        .current_dir(vigil_devnet::node_modules().parent().unwrap())
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    assert!(got.get("error").is_none(), "{got}");
    assert_eq!(got["chainId"], p.chain_id);
    assert!(got["blockNumber"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    let first = DEMO_ACCOUNTS[0].to_checksum(None);
    assert_eq!(
        (got["accountsBefore"].clone(), got["requested"].clone()),
        (json!([]), json!([first]))
    );
    assert_eq!(got["accountsAfter"], json!([first]));
    assert_eq!(*p.user.asked.lock().unwrap(), [Caller::Local]);
}

#[tokio::test]
async fn a_websocket_hears_its_own_accounts_change_and_nobody_elses() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let p = start().await;
    let ws_url = p.url.replacen("http", "ws", 1);
    let open = |origin: &'static str| {
        let mut request = ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    let (mut dapp, _) = open(DAPP).await.unwrap();
    let (mut other, _) = open("https://other.example").await.unwrap();
    let send = async |ws: &mut tokio_tungstenite::WebSocketStream<_>, v: Value| {
        ws.send(Message::text(v.to_string())).await.unwrap();
        let reply = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await;
        serde_json::from_str::<Value>(reply.unwrap().unwrap().unwrap().to_text().unwrap()).unwrap()
    };
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["accountsChanged"]});
    let id = send(&mut dapp, subscribe.clone()).await["result"].as_str().unwrap().to_owned();
    send(&mut other, subscribe).await;
    let bad = send(
        &mut dapp,
        json!({"jsonrpc": "2.0", "id": 2, "method": "eth_subscribe", "params": ["logs"]}),
    )
    .await;
    assert_eq!(bad["error"]["code"], RpcError::UNSUPPORTED_METHOD);

    // The dapp connects over the same socket: its subscription hears the accounts, the other
    // page's does not.
    p.answer(Some(vec![DEMO_ACCOUNTS[0]]));
    dapp.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 3, "method": "eth_requestAccounts"}).to_string(),
    ))
    .await
    .unwrap();
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let m = tokio::time::timeout(std::time::Duration::from_secs(5), dapp.next()).await.unwrap();
        heard.push(serde_json::from_str::<Value>(m.unwrap().unwrap().to_text().unwrap()).unwrap());
    }
    let event = heard.iter().find(|m| m["method"] == "eth_subscription").unwrap();
    assert_eq!(event["params"]["subscription"], id);
    assert_eq!(event["params"]["result"], json!([DEMO_ACCOUNTS[0].to_checksum(None)]));
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(300), other.next()).await;
    assert!(quiet.is_err(), "another page heard the dapp's accounts: {quiet:?}");

    // Revoked: the dapp hears an empty list.
    p.provider.revoke(DAPP);
    let m = tokio::time::timeout(std::time::Duration::from_secs(5), dapp.next()).await.unwrap();
    let revoked: Value = serde_json::from_str(m.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(revoked["params"]["result"], json!([]));
    let unsubscribed = send(
        &mut dapp,
        json!({"jsonrpc": "2.0", "id": 4, "method": "eth_unsubscribe", "params": [id]}),
    )
    .await;
    assert_eq!(unsubscribed["result"], true);
}

#[tokio::test]
async fn a_transaction_goes_to_the_signer_only_from_a_connected_account_on_this_chain() {
    let p = start().await;
    let (first, second) = (DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]);
    let tx = |from: Address, chain: Option<u64>| {
        let mut t = json!({"from": from, "to": second, "value": "0x1"});
        if let Some(c) = chain {
            t["chainId"] = json!(format!("{c:#x}"));
        }
        json!([t])
    };
    // Not connected: 4100, and the signer is never asked.
    let refused = p.rpc(Some(DAPP), "eth_sendTransaction", tx(first, None)).await;
    assert_eq!(refused["error"]["code"], RpcError::UNAUTHORIZED, "{refused}");
    p.answer(Some(vec![first]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    // An account it was not given.
    let other = p.rpc(Some(DAPP), "eth_sendTransaction", tx(second, None)).await;
    assert_eq!(other["error"]["code"], RpcError::UNAUTHORIZED, "{other}");
    // Another chain.
    let wrong = p.rpc(Some(DAPP), "eth_sendTransaction", tx(first, Some(1))).await;
    assert_eq!(wrong["error"]["code"], 4901, "{wrong}");
    assert!(p.sender.asked.lock().unwrap().is_empty());
    // Garbage.
    let bad = p.rpc(Some(DAPP), "eth_sendTransaction", json!([{"from": 5}])).await;
    assert_eq!(bad["error"]["code"], RpcError::INVALID_PARAMS, "{bad}");

    let chain = p.chain_id;
    let sent = p.rpc(Some(DAPP), "eth_sendTransaction", tx(first, Some(chain))).await;
    let hash: alloy::primitives::B256 = serde_json::from_value(sent["result"].clone()).unwrap();
    // Anvil answers before it seals the block: wait for the receipt (at most 5 s).
    let mut receipt = None;
    for _ in 0..100 {
        receipt = p._devnet.provider().get_transaction_receipt(hash).await.unwrap();
        if receipt.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(receipt.is_some_and(|r| r.status()), "{sent}");
    assert_eq!(
        *p.sender.asked.lock().unwrap(),
        [(Caller::Site(DAPP.into()), first, p.chain_id, 1)]
    );

    // A local program that never asked for accounts is asked to connect at its first
    // transaction (refused here: 4001, nothing sent), once connected it is not asked again.
    p.answer(None);
    let refused = p.rpc(None, "eth_sendTransaction", tx(first, None)).await;
    assert_eq!(refused["error"]["code"], RpcError::USER_REJECTED, "{refused}");
    p.answer(Some(vec![first]));
    let sent = p.rpc(None, "eth_sendTransaction", tx(first, None)).await;
    assert!(sent["result"].is_string(), "{sent}");
    p.rpc(None, "eth_sendTransaction", tx(first, None)).await;
    assert_eq!(p.user.asked.lock().unwrap().iter().filter(|c| **c == Caller::Local).count(), 2);
    assert_eq!(p.sender.asked.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn typed_data_reaches_the_user_decoded_and_another_chains_is_refused() {
    let p = start().await;
    let first = DEMO_ACCOUNTS[0];
    p.answer(Some(vec![first]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let chain = p.chain_id;
    let usdc = p._devnet.manifest().tokens["USDC"].address;
    let permit = |chain: u64, spender: Address| {
        json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}]
            },
            "primaryType": "Permit",
            "domain": {"name": "USDC", "version": "1", "chainId": chain, "verifyingContract": usdc},
            "message": {"owner": first, "spender": spender, "value": "5000000", "nonce": "0",
                        "deadline": U256::MAX.to_string()}
        })
    };
    // Another chain's: refused before the user is asked.
    let wrong = p
        .rpc(Some(DAPP), "eth_signTypedData_v4", json!([first, permit(1, DEMO_ACCOUNTS[1])]))
        .await;
    assert_eq!(wrong["error"]["code"], RpcError::INVALID_PARAMS, "{wrong}");
    assert!(wrong["error"]["message"].as_str().unwrap().contains("for chain 1"), "{wrong}");
    // As a string, as viem and ethers send it; a grant to an account without code, forever.
    let stranger = p
        .rpc(
            Some(DAPP),
            "eth_signTypedData_v4",
            json!([first, permit(chain, DEMO_ACCOUNTS[1]).to_string()]),
        )
        .await;
    assert_eq!(stranger["error"]["code"], RpcError::USER_REJECTED, "{stranger}");
    let typed = p.sender.typed.lock().unwrap().clone();
    let (from, view, findings) = &typed[0];
    assert_eq!(*from, first);
    let grant = view.grant.as_ref().unwrap();
    assert_eq!(
        (grant.token, grant.spender, grant.amount),
        (usdc, DEMO_ACCOUNTS[1], Some(U256::from(5_000_000u64)))
    );
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["grant_to_non_contract", "grant_never_ends"], "{findings:?}");
    assert!(
        view.summary.iter().any(|l| l.contains("move 5 USDC") && l.contains("with no end")),
        "the grant in the token's own units: {:?}",
        view.summary
    );
    // To a contract Vigil knows (the Uniswap router): neither a stranger nor unknown, and named.
    let router = p._devnet.manifest().uniswap_v3.swap_router;
    p.rpc(Some(DAPP), "eth_signTypedData_v4", json!([first, permit(chain, router)])).await;
    let (_, view, findings) = p.sender.typed.lock().unwrap()[1].clone();
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["grant_never_ends"], "{findings:?}");
    assert!(view.summary[0].contains("lets Uniswap V3 SwapRouter (0x"), "{:?}", view.summary);
    // To a contract it does not know (a pool): a warning to check it.
    let pool = p._devnet.manifest().uniswap_v2.pairs.values().next().copied().unwrap();
    p.rpc(Some(DAPP), "eth_signTypedData_v4", json!([first, permit(chain, pool)])).await;
    let findings = p.sender.typed.lock().unwrap()[2].2.clone();
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["grant_never_ends", "grant_to_unknown_contract"], "{findings:?}");
    // An account it was not given.
    let other = p
        .rpc(Some(DAPP), "eth_signTypedData_v4", json!([DEMO_ACCOUNTS[1], permit(chain, router)]))
        .await;
    assert_eq!(other["error"]["code"], RpcError::UNAUTHORIZED);
    let garbage = p.rpc(Some(DAPP), "eth_signTypedData_v4", json!([first, {"types": 5}])).await;
    assert_eq!(garbage["error"]["code"], RpcError::INVALID_PARAMS);
}

#[tokio::test]
async fn a_token_to_watch_must_be_a_contract_and_the_caller_connected() {
    let p = start().await;
    let usdc = p._devnet.manifest().tokens["USDC"].address;
    let watch = |address: Address, kind: &str| json!({"type": kind, "options": {"address": address, "symbol": "USDC", "decimals": 6}});
    let unconnected = p.rpc(Some(DAPP), "wallet_watchAsset", watch(usdc, "ERC20")).await;
    assert_eq!(unconnected["error"]["code"], RpcError::UNAUTHORIZED, "{unconnected}");
    p.answer(Some(vec![DEMO_ACCOUNTS[0]]));
    p.rpc(Some(DAPP), "eth_requestAccounts", json!([])).await;
    let nft = p.rpc(Some(DAPP), "wallet_watchAsset", watch(usdc, "ERC721")).await;
    assert_eq!(nft["error"]["code"], RpcError::INVALID_PARAMS, "{nft}");
    let eoa = p.rpc(Some(DAPP), "wallet_watchAsset", watch(DEMO_ACCOUNTS[1], "ERC20")).await;
    assert!(eoa["error"]["message"].as_str().unwrap().contains("has no code"), "{eoa}");
    assert!(p.sender.watched.lock().unwrap().is_empty());
    let added = p.rpc(Some(DAPP), "wallet_watchAsset", watch(usdc, "ERC20")).await;
    assert_eq!(added["result"], true, "{added}");
    assert_eq!(*p.sender.watched.lock().unwrap(), [(usdc, Some("USDC".to_owned()))]);
}

#[tokio::test]
async fn an_extension_relays_a_page_once_allowed_and_a_request_waiting_for_the_user_holds_up_no_other()
 {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    const EXTENSION: &str = "chrome-extension://abcdefghijklmnop";
    let p = start().await;
    let ws_url = format!("{}/?origin=https%3A%2F%2Fdapp.example", p.url.replacen("http", "ws", 1));
    let open = |origin: &'static str| {
        let mut request = ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    // A page may not claim another page's origin; only an extension relays.
    let forged = open("https://evil.example").await;
    assert!(forged.is_err(), "a page relayed itself as another");
    let recv = async |ws: &mut tokio_tungstenite::WebSocketStream<_>| {
        let m = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await.unwrap();
        serde_json::from_str::<Value>(m.unwrap().unwrap().to_text().unwrap()).unwrap()
    };
    let ask = |id: u64, method: &str| {
        Message::text(json!({"jsonrpc": "2.0", "id": id, "method": method}).to_string())
    };

    // Not allowed by the user: every request refused with 4100.
    p.user.relay_answers.lock().unwrap().push_back(false);
    let (mut refused, _) = open(EXTENSION).await.unwrap();
    refused.send(ask(1, "eth_chainId")).await.unwrap();
    let answer = recv(&mut refused).await;
    assert_eq!(answer["error"]["code"], RpcError::UNAUTHORIZED, "{answer}");

    // Allowed: the page is the caller, by the origin the extension relays; asked once.
    p.user.relay_answers.lock().unwrap().push_back(true);
    let (mut relayed, _) = open(EXTENSION).await.unwrap();
    relayed.send(ask(1, "eth_chainId")).await.unwrap();
    assert_eq!(recv(&mut relayed).await["result"], format!("{:#x}", p.chain_id));
    // A connection request waits for the user; reads on the same socket go on meanwhile.
    let (release, wait) = tokio::sync::oneshot::channel::<()>();
    p.user.hold.lock().unwrap().replace(wait);
    p.answer(Some(vec![DEMO_ACCOUNTS[0]]));
    relayed.send(ask(2, "eth_requestAccounts")).await.unwrap();
    relayed.send(ask(3, "eth_blockNumber")).await.unwrap();
    let first = recv(&mut relayed).await;
    assert_eq!(first["id"], 3, "the read came back while the user was asked: {first}");
    release.send(()).unwrap();
    let connected = recv(&mut relayed).await;
    assert_eq!(connected["id"], 2, "{connected}");
    assert_eq!(*p.user.asked.lock().unwrap(), [Caller::Site(DAPP.into())]);
    // The page's own connection, as if it had called directly.
    assert_eq!(
        p.rpc(Some(DAPP), "eth_accounts", json!([])).await["result"],
        json!([DEMO_ACCOUNTS[0].to_checksum(None)])
    );
    let (mut again, _) = open(EXTENSION).await.unwrap();
    again.send(ask(1, "eth_accounts")).await.unwrap();
    assert!(recv(&mut again).await["result"].is_array());
    assert_eq!(p.user.relays.lock().unwrap().len(), 2, "allowed once, kept");
    assert!(
        p.provider.connections().iter().any(|(k, _)| k == &format!("relay:{EXTENSION}")),
        "listed with the connections, to revoke"
    );
}
