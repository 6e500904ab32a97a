//! Dapps and tools using the real app as their wallet, through clients no one here wrote:
//! viem and ethers v6 (npm) connect, switch chain, send and sign a Permit2 allowance; foundry's
//! `cast send --unlocked` sends; a page in real Chromium finds Vigil through the extension
//! (EIP-6963), connects, swaps on the devnet's Uniswap and signs a Permit2 message. Every
//! approval is given in the app's window over WebDriver; what lands is read from the chain.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod screen;
#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod support;

mod browser;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::providers::Provider as _;
use serde_json::{Value, json};
use support::{DEMO, Profile, STEP_TIMEOUT, TX_TIMEOUT, import_demo};

/// The origin the scripts send, as a page on it would.
const ORIGIN: &str = "http://dapp.test";

/// A profile whose app serves dapps on a free port; that port.
pub(crate) fn serving_profile(test: &str) -> (Profile, u16) {
    let profile = Profile::new(test);
    let port = support::free_port();
    let file = profile.dir().join("config/config.toml");
    let mut config = vigil_wallet::Config::load(&file).unwrap();
    config.preferences.provider_port = port;
    config.save(&file).unwrap();
    (profile, port)
}

/// Waits until the app's provider answers on `port`.
pub(crate) async fn provider_ready(port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}");
    let node = alloy::providers::ProviderBuilder::new().connect_http(url.parse().unwrap());
    let started = Instant::now();
    while node.get_chain_id().await.is_err() {
        assert!(started.elapsed() < STEP_TIMEOUT, "the app's provider never answered on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    url
}

/// Waits for a dapp request newer than `*last` whose title holds `title`, checks that its
/// body holds each of `shows`, and clicks `button` (`#dapp-approve` or `#dapp-reject`).
pub(crate) async fn answer(
    app: &support::App,
    last: &mut u64,
    title: &str,
    shows: &[&str],
    button: &str,
) -> String {
    let started = Instant::now();
    let (id, text) = loop {
        let text = app.wait_until("#dapp-request", TX_TIMEOUT, |t| t.contains(title)).await;
        let id: u64 = match app.client.find(fantoccini::Locator::Css("#dapp-request")).await {
            Ok(e) => e.attr("data-request").await.ok().flatten().and_then(|v| v.parse().ok()),
            Err(_) => None,
        }
        .unwrap_or(0);
        if id > *last {
            break (id, text);
        }
        assert!(started.elapsed() < TX_TIMEOUT, "no new request '{title}' came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for needle in shows {
        assert!(text.contains(needle), "the request does not show {needle:?}:\n{text}");
    }
    app.click(button).await;
    *last = id;
    text
}

/// The ETH `account` holds on the devnet, in wei.
async fn wei(devnet: &support::Devnet, account: &str) -> u128 {
    devnet.provider.get_balance(account.parse().unwrap()).await.unwrap().to::<u128>()
}

#[tokio::test]
async fn viem_ethers_and_cast_use_the_app_as_their_wallet_with_every_approval_in_the_window() {
    let (profile, port) = serving_profile("dapps");
    let devnet = profile.devnet().await;
    let _second = profile.second_chain("testchain", 4242).await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.wait_for_text("#positions", "devnet").await;
    let url = provider_ready(port).await;
    let recipient = vigil_devnet::DEMO_ACCOUNTS[1].to_checksum(None);
    let before = wei(&devnet, &recipient).await;
    let usdc = devnet.manifest.tokens["USDC"].address.to_checksum(None);
    let router = devnet.manifest.uniswap_v3.swap_router.to_checksum(None);

    let node_modules = vigil_devnet::node_modules();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/dapp.mjs");
    let dapp = tokio::process::Command::new("node")
        .arg(&script)
        .args([url.as_str(), ORIGIN, &recipient, "4242", &usdc, &router])
        .env("NODE_PATH", &node_modules)
        .current_dir(node_modules.parent().unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let mut last = 0;
    answer(&app, &mut last, "http://dapp.test wants to connect", &[], "#dapp-approve").await;
    app.wait_for_text("#dapp-request", "Network fee").await;
    app.screenshot("40-dapp-transaction").await;
    answer(&app, &mut last, "asks you to send", &["-0.1 ETH", "Network fee"], "#dapp-approve")
        .await;
    let typed = answer(
        &app,
        &mut last,
        "asks you to sign typed data",
        &["PermitSingle", "Permit2 allowance", "1000 USDC", "days"],
        "#dapp-approve",
    )
    .await;
    assert!(!typed.contains("not a contract"), "the router is a contract: {typed}");
    answer(&app, &mut last, "asks you to send", &["-0.05 ETH"], "#dapp-approve").await;
    answer(&app, &mut last, "asks you to sign typed data", &["1000 USDC"], "#dapp-approve").await;

    let out = tokio::time::timeout(TX_TIMEOUT, dapp.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(got.get("error").is_none(), "{got}");
    assert_eq!(got["account"], DEMO);
    assert_eq!(got["ethersAccount"], DEMO);
    assert_eq!(
        (got["chainId"].clone(), got["switched"].clone(), got["back"].clone()),
        (json!(vigil_devnet::CHAIN_ID), json!(4242), json!(vigil_devnet::CHAIN_ID)),
        "viem switched to the second chain and back: {got}"
    );
    assert_eq!(
        (got["viemStatus"].clone(), got["ethersStatus"].clone()),
        (json!("success"), json!(1))
    );
    assert_eq!(
        (got["viemTypedRecovers"].clone(), got["ethersTypedRecovers"].clone()),
        (json!(true), json!(true)),
        "{got}"
    );

    // foundry's cast, a program with no origin: asked to connect at its first transaction.
    let cast =
        tokio::process::Command::new(node_modules.join("@foundry-rs/cast-linux-amd64/bin/cast"))
            .args(["send", "--unlocked", "--from", DEMO, &recipient, "--value", "0.01ether"])
            .args(["--rpc-url", &url, "--timeout", "90"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
    answer(&app, &mut last, "local program wants to connect", &[], "#dapp-approve").await;
    answer(&app, &mut last, "asks you to send", &["-0.01 ETH"], "#dapp-approve").await;
    let cast = tokio::time::timeout(TX_TIMEOUT, cast.wait_with_output()).await.unwrap().unwrap();
    let printed = String::from_utf8_lossy(&cast.stdout);
    assert!(cast.status.success(), "{printed}\n{}", String::from_utf8_lossy(&cast.stderr));
    assert!(
        printed.lines().any(|l| l.starts_with("status") && l.contains("1 (success)")),
        "{printed}"
    );

    // Every transfer landed, from the keychain's account.
    let after = wei(&devnet, &recipient).await;
    assert_eq!(after - before, 160_000_000_000_000_000, "0.1 + 0.05 + 0.01 ETH");

    // The time from a dapp's request to the preview drawn in the window; then refused there,
    // which the dapp hears as 4001.
    let node = alloy::providers::ProviderBuilder::new().connect_http(url.parse().unwrap());
    let tx = json!([{"from": DEMO, "to": recipient, "value": "0x1"}]);
    let asked = Instant::now();
    let sent = tokio::spawn(async move {
        node.raw_request::<_, Value>("eth_sendTransaction".into(), tx).await
    });
    answer(&app, &mut last, "asks you to send", &["Network fee"], "#dapp-reject").await;
    eprintln!("preview drawn {} ms after eth_sendTransaction", asked.elapsed().as_millis());
    let refused = sent.await.unwrap().unwrap_err().to_string();
    assert!(refused.contains("4001") && refused.contains("User denied"), "{refused}");

    // The dapps' transactions are in Activity like the app's own, with their labels.
    app.click("#nav-activity").await;
    let css = format!("li[data-hash='{}'] .tx-label", got["viemHash"].as_str().unwrap());
    let label = app.wait_until(&css, STEP_TIMEOUT, |t| !t.is_empty()).await;
    assert!(label.contains("Transfer to"), "{label}");

    // Settings lists both callers; disconnecting the page leaves it no account.
    app.click("#nav-settings").await;
    let listed = app.wait_for_text("#dapp-connections", "local program").await;
    assert!(listed.contains(ORIGIN), "{listed}");
    app.click(&format!("li[data-caller='{ORIGIN}'] .dapp-revoke")).await;
    app.wait_until("#dapp-connections", STEP_TIMEOUT, |t| !t.contains(ORIGIN)).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_accounts"}).to_string();
    let accounts = browser::post(port, Some(ORIGIN), &body).await;
    assert_eq!(accounts["result"], json!([]), "{accounts}");
    app.quit().await;
}

/// The test dapp: finds wallets through EIP-6963, connects to Vigil, sends `swap` (a prepared
/// Uniswap call) and signs `permit` (Permit2 typed data) with plain EIP-1193 requests, and
/// shows each answer.
fn dapp_page(swap: &Value, permit: &Value) -> String {
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Test dapp</title></head><body>
<p id="discovered"></p><p id="account"></p><p id="swap-hash"></p><p id="swap-status"></p>
<p id="signature"></p><p id="error"></p>
<button id="connect">Connect</button><button id="swap">Swap</button><button id="permit">Sign permit</button>
<button id="send">Send</button>
<script>
const SWAP = {swap};
const PERMIT = {permit};
let vigil = null;
const show = (id, text) => {{ document.getElementById(id).textContent = text; }};
window.addEventListener('eip6963:announceProvider', (e) => {{
  const {{ info, provider }} = e.detail;
  if (info.rdns === 'wallet.vigil') {{ vigil = provider; show('discovered', `${{info.name}} (${{info.rdns}})`); }}
}});
window.dispatchEvent(new Event('eip6963:requestProvider'));
const guarded = (f) => async () => {{ try {{ await f(); }} catch (e) {{ show('error', `${{e.code}} ${{e.message}}`); }} }};
document.getElementById('connect').onclick = guarded(async () => {{
  const [account] = await vigil.request({{ method: 'eth_requestAccounts' }});
  show('account', account);
}});
document.getElementById('swap').onclick = guarded(async () => {{
  const [from] = await vigil.request({{ method: 'eth_accounts' }});
  const hash = await vigil.request({{ method: 'eth_sendTransaction', params: [{{ ...SWAP, from }}] }});
  show('swap-hash', hash);
  for (let i = 0; i < 600; i++) {{
    const receipt = await vigil.request({{ method: 'eth_getTransactionReceipt', params: [hash] }});
    if (receipt) {{ show('swap-status', receipt.status); return; }}
    await new Promise((r) => setTimeout(r, 100));
  }}
}});
document.getElementById('permit').onclick = guarded(async () => {{
  const [from] = await vigil.request({{ method: 'eth_accounts' }});
  show('signature', await vigil.request({{ method: 'eth_signTypedData_v4', params: [from, JSON.stringify(PERMIT)] }}));
}});
document.getElementById('send').onclick = guarded(async () => {{
  await vigil.request({{ method: 'eth_sendTransaction', params: [{{ ...SWAP, from: '{DEMO}' }}] }});
  show('error', 'sent without permission');
}});
</script></body></html>"#
    )
}

#[tokio::test]
async fn a_page_in_chromium_finds_vigil_through_the_extension_connects_swaps_and_signs() {
    use alloy::{
        primitives::{Address, U256},
        sol_types::SolCall,
    };
    use vigil_defi_adapters::abi::IUniswapV2Router02;

    let (profile, port) = serving_profile("extension");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.wait_for_text("#positions", "devnet").await;
    provider_ready(port).await;

    // The swap a dapp would prepare: 0.5 ETH for USDC on Uniswap V2, at most 1% below the quote.
    let m = &devnet.manifest;
    let usdc = m.tokens["USDC"].address;
    let router = IUniswapV2Router02::new(m.uniswap_v2.router, devnet.provider.clone());
    let value = U256::from(500_000_000_000_000_000u64);
    let quoted = router.getAmountsOut(value, vec![m.weth, usdc]).call().await.unwrap()[1];
    let demo: Address = DEMO.parse().unwrap();
    let data = IUniswapV2Router02::swapExactETHForTokensCall {
        amountOutMin: quoted * U256::from(99) / U256::from(100),
        path: vec![m.weth, usdc],
        to: demo,
        deadline: U256::from(4_000_000_000u64),
    }
    .abi_encode();
    let swap = json!({"to": m.uniswap_v2.router, "value": format!("{value:#x}"), "data": alloy::hex::encode_prefixed(data)});
    let permit = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                              {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}],
            "PermitSingle": [{"name": "details", "type": "PermitDetails"}, {"name": "spender", "type": "address"},
                             {"name": "sigDeadline", "type": "uint256"}]
        },
        "primaryType": "PermitSingle",
        "domain": {"name": "Permit2", "chainId": vigil_devnet::CHAIN_ID,
                   "verifyingContract": "0x000000000022D473030F116dDEE9F6B43aC78BA3"},
        "message": {"details": {"token": usdc, "amount": "250000000", "expiration": "4000000000", "nonce": "0"},
                    "spender": m.uniswap_v2.router, "sigDeadline": "4000000000"}
    });
    let page = dapp_page(&swap, &permit);
    let dapp = browser::serve_page(page.clone()).await;
    let stranger = browser::serve_page(page).await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser::Browser::launch(&browser::extension_for(port, dir.path())).await;

    browser.client.goto(&dapp).await.unwrap();
    browser.wait_for_text("#discovered", "Vigil (wallet.vigil)").await;
    let usdc_before = support::on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;
    browser.click("#connect").await;
    let mut last = 0;
    answer(&app, &mut last, "asks to relay web pages", &["chrome-extension://"], "#dapp-approve")
        .await;
    let origin = dapp.trim_end_matches('/').to_owned();
    answer(&app, &mut last, &format!("{origin} wants to connect"), &[], "#dapp-approve").await;
    browser.wait_for_text("#account", DEMO).await;

    browser.click("#swap").await;
    answer(
        &app,
        &mut last,
        &format!("{origin} asks you to send"),
        &["-0.5 ETH", "USDC", "Uniswap V2 Router"],
        "#dapp-approve",
    )
    .await;
    browser.wait_for_text("#swap-status", "0x1").await;
    let usdc_after = support::on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;
    assert!(
        usdc_after - usdc_before >= 0.99 * quoted.to::<u128>() as f64 / 1e6,
        "USDC {usdc_before} -> {usdc_after}, quoted {quoted}"
    );

    browser.click("#permit").await;
    app.wait_for_text("#dapp-summary", "Permit2 allowance").await;
    app.screenshot("41-dapp-permit2").await;
    answer(
        &app,
        &mut last,
        "asks you to sign typed data",
        &["Permit2 allowance", "250 USDC", "Uniswap V2 Router", "as good as for ever"],
        "#dapp-approve",
    )
    .await;
    let signature = browser.wait_for_text("#signature", "0x").await;
    let typed: alloy::dyn_abi::TypedData = serde_json::from_value(permit).unwrap();
    let hash = typed.eip712_signing_hash().unwrap();
    let signature: alloy::primitives::Signature = signature.trim().parse().unwrap();
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), demo);

    // Another origin, never connected: refused, and nothing reaches the window.
    browser.client.goto(&stranger).await.unwrap();
    browser.wait_for_text("#discovered", "Vigil").await;
    browser.click("#send").await;
    browser.wait_for_text("#error", "4100").await;
    assert!(app.client.find(fantoccini::Locator::Css("#dapp-request")).await.is_err());
    browser.quit().await;
    app.quit().await;
}
