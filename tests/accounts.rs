//! The real app acting on the network and with the account the user picks: a second chain
//! (its own chain id and protocol deployment, configured like a public network) chosen in the
//! top bar; accounts added and watched in the app; a Ledger account signing a swap, and a
//! rejection on the device that sends and journals nothing.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod screen;
#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod support;

use support::{DEMO, Profile, TX_TIMEOUT, confirm_preview, import_demo, number, on_chain};

/// What `account` holds of `symbol` on the dashboard of `network`.
async fn shown(app: &support::App, network: &str, account: &str, symbol: &str) -> f64 {
    let css = format!(
        ".account[data-network='{network}'][data-address='{account}'] .holding[data-symbol='{symbol}'] .amount"
    );
    number(&app.wait_until(&css, TX_TIMEOUT, |t| !t.is_empty()).await)
}

#[tokio::test]
async fn a_second_chain_is_picked_in_the_top_bar_and_a_swap_and_a_send_happen_there_only() {
    let profile = Profile::new("chains");
    let devnet = profile.devnet().await;
    let second = profile.second_chain("testchain", 4242).await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.wait_for_text("#positions", "devnet").await;

    app.select("#network-picker", "testchain").await;
    // The dashboard is that chain's: its balances and its own sample position.
    let usdc_before = shown(&app, "testchain", DEMO, "USDC").await;
    app.wait_for_text("#positions", "testchain").await;
    app.screenshot("24-second-chain").await;
    let devnet_usdc = on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;

    app.click("#nav-swap").await;
    app.select("#swap-to", "USDC").await;
    app.type_into("#swap-amount", "1").await;
    app.wait_for_text("#swap-quote-receive", "USDC").await;
    app.click("#swap-preview").await;
    app.wait_for_text("#preview-title", "Swap 1 ETH for USDC").await;
    app.wait_for_text("#preview-network", "testchain").await;
    confirm_preview(&app).await;

    let other = vigil_devnet::DEMO_ACCOUNTS[1].to_checksum(None);
    app.click("#nav-send").await;
    app.type_into("#send-to", &other).await;
    app.select("#send-asset", "USDC").await;
    app.type_into("#send-amount", "100").await;
    app.click("#send-preview").await;
    app.wait_for_text("#preview-title", "Send 100 USDC").await;
    confirm_preview(&app).await;

    app.click("#nav-dashboard").await;
    let usdc_after = shown(&app, "testchain", DEMO, "USDC").await;
    // About 2,000 USDC for the ether, less the 100 sent.
    assert!(usdc_after > usdc_before + 1_000.0, "USDC {usdc_before} -> {usdc_after}");
    let url = second.url();
    assert_eq!(on_chain(second.manifest(), &url, &other, "USDC").await, 10_100.0);
    assert_eq!(on_chain(second.manifest(), &url, DEMO, "USDC").await, usdc_after);
    let on_devnet =
        async |account: &str| on_chain(&devnet.manifest, &devnet.url, account, "USDC").await;
    assert_eq!(on_devnet(DEMO).await, devnet_usdc, "the devnet is untouched");
    assert_eq!(on_devnet(&other).await, 10_000.0, "the devnet is untouched");

    // The choice is remembered: after a restart the app is still on the second chain.
    app.quit().await;
    let app = profile.launch().await;
    support::unlock(&app).await;
    shown(&app, "testchain", DEMO, "USDC").await;
    app.quit().await;
}

#[tokio::test]
async fn accounts_added_in_the_app_sign_and_a_watch_only_one_cannot() {
    let profile = Profile::new("accounts");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.wait_for_text("#positions", "devnet").await;

    let second = vigil_devnet::DEMO_ACCOUNTS[1].to_checksum(None);
    let watched = vigil_devnet::DEMO_ACCOUNTS[3].to_checksum(None);
    app.click("#nav-accounts").await;
    app.type_into("#new-account-name", "Second").await;
    app.click("#add-account").await;
    app.wait_for_text("#accounts-message", &format!("Added: Second ({second})")).await;
    app.type_into("#watch-address", &watched.to_lowercase()).await;
    app.click("#watch-account").await;
    app.wait_for_text("#accounts-message", &format!("Watching: Watched 1 ({watched})")).await;
    app.wait_for_text("#account-list", "watch-only").await;
    app.screenshot("25-accounts").await;

    // The second account sends.
    let eth_before = on_chain(&devnet.manifest, &devnet.url, &second, "ETH").await;
    app.click("#nav-send").await;
    app.select("#send-from", &second).await;
    app.type_into("#send-to", DEMO).await;
    app.select("#send-asset", "ETH").await;
    app.type_into("#send-amount", "2").await;
    app.click("#send-preview").await;
    app.wait_for_text("#preview-network", &format!("devnet · {}", &second[..6])).await;
    confirm_preview(&app).await;
    let eth_after = on_chain(&devnet.manifest, &devnet.url, &second, "ETH").await;
    assert!(
        eth_before - eth_after > 2.0 && eth_before - eth_after < 2.01,
        "{eth_before} -> {eth_after}"
    );

    // The watch-only one is previewed (what it would do) but cannot sign, and says so.
    app.click("#nav-dashboard").await;
    app.click("#nav-send").await;
    app.select("#send-from", &watched).await;
    app.type_into("#send-to", DEMO).await;
    app.type_into("#send-amount", "1").await;
    app.click("#send-preview").await;
    app.wait_for_text("#watch-only", "watch-only").await;
    let confirm = app.find("#confirm").await;
    assert!(!confirm.is_enabled().await.unwrap(), "a watch-only account cannot be signed for");
    let db = profile.database();
    let journal = db.journal(None, false, 100).unwrap();
    assert!(journal.iter().all(|e| !e.account.eq_ignore_ascii_case(&watched)));
    app.quit().await;
}

#[tokio::test]
async fn a_ledger_account_swaps_once_the_device_approves_and_a_rejection_sends_nothing() {
    use vigil_signer::ledger::simulator::Simulator;
    let sim = Simulator::start().unwrap();
    // Contract calls need the Ethereum app's blind signing, as on a real device.
    sim.set(|c| c.blind_signing = true);
    let profile = Profile::new("ledger-sign").with_env("VIGIL_SPECULOS", &sim.addr());
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.click("#nav-ledger").await;
    app.wait_for_text("#ledger-state", "ready (Ethereum app").await;
    app.click("#ledger-add").await;
    let added = app.wait_for_text("#ledger-message", "Added").await;
    let ledger = added.split(['(', ')']).nth(1).unwrap().to_owned();
    devnet.anvil("anvil_setBalance", serde_json::json!([ledger, "0x56bc75e2d63100000"])).await; // 100 ETH

    let swap = async |amount: &str| {
        app.click("#nav-dashboard").await;
        app.click("#nav-swap").await;
        app.select("#swap-account", &ledger).await;
        app.select("#swap-to", "USDC").await;
        app.type_into("#swap-amount", amount).await;
        app.click("#swap-preview").await;
        app.wait_for_text("#preview-title", &format!("Swap {amount} ETH for USDC")).await;
    };
    swap("0.5").await;
    // The device blind-signs the swap and shows its hash: the preview shows the same one.
    let shown = app.text("#preview").await;
    let hash = shown
        .split("transaction hash ")
        .nth(1)
        .and_then(|rest| rest.get(..66))
        .unwrap_or_else(|| panic!("no device hash in the preview: {shown}"))
        .to_owned();
    confirm_preview(&app).await;
    assert!(
        sim.controls().screens.iter().any(|s| s.ends_with(&format!("transaction hash {hash}"))),
        "the device showed {hash}: {:?}",
        sim.controls().screens
    );
    assert!(
        sim.controls().screens.iter().any(|s| s.starts_with("Review transaction: to")),
        "the device asked the user: {:?}",
        sim.controls().screens
    );
    let usdc = on_chain(&devnet.manifest, &devnet.url, &ledger, "USDC").await;
    assert!(usdc > 100.0, "the Ledger account received USDC: {usdc}");
    let journaled = || profile.database().journal(None, false, 100).unwrap().len();
    let (sent, screens) = (journaled(), sim.controls().screens.len());

    // Rejected on the device: an error that says so, and nothing journaled or sent.
    sim.set(|c| c.reject = true);
    swap("0.25").await;
    app.click("#confirm").await;
    app.wait_for_text("#preview-error", "rejected").await;
    assert!(sim.controls().screens.len() > screens, "the device was asked");
    assert_eq!(journaled(), sent, "nothing journaled for a rejection");
    assert_eq!(on_chain(&devnet.manifest, &devnet.url, &ledger, "USDC").await, usdc);
    app.quit().await;
}

#[tokio::test]
async fn the_installed_deb_with_no_devnet_onboards_and_says_ethereum_cannot_be_reached() {
    // Nothing beyond loopback exists here (scripts/offline.sh): Ethereum's public endpoint
    // fails at once, as it does for a user who is offline, and no test traffic leaves.
    assert_eq!(
        std::env::var("VIGIL_OFFLINE").as_deref(),
        Ok("1"),
        "run the tests in the private network namespace: scripts/offline.sh (make test does)"
    );
    // The app as the .deb installs it: the package extracted, its binary started.
    let installed = tempfile::tempdir().unwrap();
    let deb = support::app_deb();
    let extract = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(installed.path())
        .status()
        .unwrap_or_else(|e| panic!("dpkg-deb: {e}"));
    assert!(extract.success(), "{} does not extract", deb.display());
    let usr = installed.path().join("usr");
    assert!(usr.join("share/applications/Vigil.desktop").is_file(), "the menu entry is packaged");
    let script = std::fs::read_to_string(usr.join("bin/vigil")).unwrap();
    assert_eq!(
        script,
        include_str!("../src-tauri/packaging/vigil"),
        "the command line is packaged"
    );
    let profile = Profile::fresh("first-run");
    let app = profile.launch_binary(&usr.join("bin/vigil-desktop")).await;
    app.find("#create-wallet").await;
    import_demo(&app).await;
    // A real network by default, chosen in the picker; its state is explained, not an error
    // page: the accounts are listed with what went wrong, and the rest of the app works.
    app.wait_for_text(".network-errors", "ethereum cannot be reached").await;
    let picked = app.find("#network-picker").await.prop("value").await.unwrap();
    assert_eq!(picked.as_deref(), Some("ethereum"));
    app.wait_for_text(&format!(".account[data-address='{DEMO}'] .small-error"), "ethereum").await;
    app.screenshot("26-first-run-offline").await;
    app.click("#nav-accounts").await;
    app.wait_for_text("#account-list", DEMO).await;
    // The devnet is one choice among the others; absent, it says how to start it.
    app.select("#network-picker", "devnet").await;
    app.click("#nav-dashboard").await;
    app.wait_for_text(".network-errors", "vigil devnet up").await;
    app.quit().await;
}

/// The .deb's `vigil` runs the app's binary as the command line (`vigil-desktop --cli`), so
/// that one copy of the core ships for both front-ends.
#[test]
fn the_app_binary_is_also_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(support::app_binary())
            .arg("--cli")
            .args(args)
            .env("VIGIL_HOME", home.path())
            .output()
            .unwrap()
    };
    let o = run(&["network", "use", "devnet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["network", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed["network"], "devnet", "the command line wrote and read the config");
    let o = run(&["network", "use", "goerli"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown network 'goerli'"));
    let script = include_str!("../src-tauri/packaging/vigil");
    assert!(script.contains("exec /usr/bin/vigil-desktop --cli \"$@\""), "{script}");
}
