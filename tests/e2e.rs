//! The real Vigil app (WebKitGTK) driven over WebDriver, in the private desktop session.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod screen;
#[allow(dead_code, reason = "shared with accounts.rs, which uses the rest")]
mod support;

use std::time::Duration;

use support::{
    App, DEMO, JUNK, PASSWORD, Profile, TX_TIMEOUT, confirm_preview, import_demo, number, unlock,
};
use vigil_signer::{Chain, Mnemonic};

#[tokio::test]
async fn create_a_wallet_and_confirm_its_words() {
    let profile = Profile::new("create");
    let app = profile.launch().await;
    app.screenshot("01-welcome").await;
    app.click("#create-wallet").await;

    let mut words = Vec::new();
    for i in 1..=12 {
        words.push(app.text(&format!("#word-{i}")).await);
    }
    let phrase = words.join(" ");
    let mnemonic = Mnemonic::parse(&phrase).expect("the app shows a valid BIP39 phrase");
    app.screenshot("02-recovery-phrase").await;
    // Continue is disabled until the user says the words are written down.
    assert!(!app.find("#words-written").await.is_enabled().await.unwrap());
    app.click("#written-down").await;
    app.click("#words-written").await;

    // Asked words, by the positions the shell chose; first get one wrong.
    app.find("[id^='check-word-']").await;
    let inputs =
        app.client.find_all(fantoccini::Locator::Css("[id^='check-word-']")).await.unwrap();
    assert_eq!(inputs.len(), 3);
    let mut positions = Vec::new();
    for input in &inputs {
        let id = input.attr("id").await.unwrap().unwrap();
        positions.push(id.trim_start_matches("check-word-").parse::<usize>().unwrap());
    }
    let wrong = if words[positions[0] - 1] == "zoo" { "abandon" } else { "zoo" };
    app.type_into(&format!("#check-word-{}", positions[0]), wrong).await;
    for &p in &positions[1..] {
        app.type_into(&format!("#check-word-{p}"), &words[p - 1]).await;
    }
    app.type_into("#password", PASSWORD).await;
    app.type_into("#password-repeat", PASSWORD).await;
    app.click("#confirm-create").await;
    app.wait_for_text("#error", &format!("word {} does not match", positions[0])).await;

    let first = app.find(&format!("#check-word-{}", positions[0])).await;
    first.clear().await.unwrap();
    first.send_keys(&words[positions[0] - 1]).await.unwrap();
    app.screenshot("03-confirm-words").await;
    app.click("#confirm-create").await;

    let seed = mnemonic.to_seed("");
    let eth = Chain::Ethereum.address(&seed, &Chain::Ethereum.account_path(0)).unwrap();
    let sol = Chain::Solana.address(&seed, &Chain::Solana.account_path(0)).unwrap();
    let accounts = app.wait_for_text("#accounts", &eth).await;
    assert!(accounts.contains(&sol), "{accounts}");
    app.screenshot("04-home-new-wallet").await;

    // The config holds addresses, never the words or the password.
    let config = std::fs::read_to_string(app.home().join("config/config.toml")).unwrap();
    assert!(config.contains(&eth));
    assert!(!config.contains(&phrase) && !config.contains(PASSWORD));
    app.quit().await;
}

#[tokio::test]
async fn import_the_demo_mnemonic_and_see_it_after_a_restart() {
    let profile = Profile::new("import");
    let app = profile.launch().await;
    app.click("#import-wallet").await;
    app.type_into("#mnemonic", JUNK).await;
    // A guessable password is refused with what to do instead, and nothing is stored.
    app.type_into("#password", "password123").await;
    app.type_into("#password-repeat", "password123").await;
    app.click("#import-confirm").await;
    let refused = app.wait_for_text("#error", "too easy to guess").await;
    assert!(refused.contains("Add another word"), "{refused}");
    for field in ["#password", "#password-repeat"] {
        app.find(field).await.clear().await.unwrap();
        app.type_into(field, PASSWORD).await;
    }
    app.screenshot("05-import").await;
    app.click("#import-confirm").await;
    app.wait_for_text("#accounts", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").await;
    app.screenshot("06-home").await;
    app.quit().await;

    // A new process finds the wallet, locked: the password opens it on the accounts.
    let app = profile.launch().await;
    unlock(&app).await;
    app.wait_for_text("#accounts", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").await;
    app.quit().await;
}

#[tokio::test]
async fn a_bad_mnemonic_shows_the_signers_specific_error() {
    let profile = Profile::fresh("bad");
    let app = profile.launch().await;
    app.click("#import-wallet").await;
    app.type_into("#mnemonic", "test test test test tset test test test test test test junk").await;
    app.type_into("#password", PASSWORD).await;
    app.type_into("#password-repeat", PASSWORD).await;
    app.click("#import-confirm").await;
    app.wait_for_text("#error", "word 5 is not in the BIP39 English word list").await;
    app.screenshot("07-import-error").await;

    // Fixing the word imports; the checksum error is specific too.
    let field = app.find("#mnemonic").await;
    field.clear().await.unwrap();
    field.send_keys("test test test test test test test test test test test test").await.unwrap();
    app.click("#import-confirm").await;
    app.wait_for_text("#error", "fails its checksum").await;
    // Nothing was written.
    assert!(!app.home().join("config/config.toml").exists());
    app.quit().await;
}

/// The demo account's holding of `symbol` on the dashboard.
async fn holding(app: &App, symbol: &str) -> f64 {
    let css = format!(".account[data-address='{DEMO}'] .holding[data-symbol='{symbol}'] .amount");
    number(&app.wait_until(&css, TX_TIMEOUT, |t| !t.is_empty()).await)
}

/// The sample position's health factor on the dashboard.
async fn health_factor(app: &App) -> f64 {
    let css = format!(".position[data-key='devnet/aave/{}'] .hf", DEMO.to_lowercase());
    number(&app.wait_until(&css, TX_TIMEOUT, |t| !t.is_empty()).await)
}

#[tokio::test]
async fn the_wallet_on_the_devnet_swap_borrow_speed_up_alert_and_lock() {
    let profile = Profile::new("journey");
    let devnet = profile.devnet().await;
    let capture = vigil_notifier::testing::NotificationCapture::start()
        .expect("the private desktop session's bus (run under scripts/desktop-session.sh)");
    let app = profile.launch().await;
    import_demo(&app).await;

    // The dashboard: balances with values, and the sample Aave position with its gauge.
    app.wait_for_text("#positions", "Aave V3").await;
    let usdc_before = holding(&app, "USDC").await;
    let hf_before = health_factor(&app).await;
    assert!(hf_before > 1.0 && hf_before < 5.0, "the sample position has debt: {hf_before}");
    app.wait_until("#total-value", TX_TIMEOUT, |t| t.starts_with('$')).await;
    app.screenshot("08-dashboard").await;

    // The receive code stays open while a new block changes the balances under it.
    let account = format!(".account[data-address='{DEMO}']");
    app.click(&format!("{account} .receive-toggle")).await;
    app.find(&format!("{account} .receive .qr svg")).await;
    assert_ne!(holding(&app, "ETH").await, 100.0, "the balance must change for this check");
    devnet.anvil("anvil_setBalance", serde_json::json!([DEMO, "0x56bc75e2d63100000"])).await; // 100 ETH
    devnet.anvil("evm_mine", serde_json::json!([])).await;
    app.wait_until(&format!("{account} .holding[data-symbol='ETH'] .amount"), TX_TIMEOUT, |t| {
        t == "100"
    })
    .await;
    app.find(&format!("{account} .receive .qr svg")).await;
    app.click(&format!("{account} .receive-toggle")).await;

    // Swap 1 ETH for USDC through the preview.
    app.click("#nav-swap").await;
    app.select("#swap-from", "ETH").await;
    // ETH into WETH is no trade: the WETH contract converts it 1:1.
    app.select("#swap-to", "WETH").await;
    app.type_into("#swap-amount", "1").await;
    app.wait_for_text("#swap-quote", "the WETH contract, 1:1").await;
    app.click("#swap-preview").await;
    app.wait_for_text("#preview-title", "Wrap 1 ETH into WETH").await;
    app.find("#swap-amount").await.clear().await.unwrap();
    app.select("#swap-to", "USDC").await;
    // The quote follows the typing: a bad amount says why, a good one is quoted with its route
    // before any preview.
    app.type_into("#swap-amount", "1x").await;
    app.wait_for_text("#swap-quote-error", "1x").await;
    app.find("#swap-amount").await.clear().await.unwrap();
    app.type_into("#swap-amount", "1").await;
    let quoted = app.wait_for_text("#swap-quote-receive", "USDC").await;
    let quote = app.text("#swap-quote").await;
    assert!(quote.contains("1 ETH = ") && quote.contains("Uniswap"), "{quote}");
    app.click("#swap-preview").await;
    app.wait_for_text("#preview-title", "Swap 1 ETH for USDC").await;
    let changes = app.wait_for_text("#preview-changes", "USDC").await;
    assert!(changes.contains("-1 ETH"), "{changes}");
    // "-1 ETH+2,002.56 USDC": the received side follows the plus sign.
    let received = changes.rsplit('+').next().map(number).unwrap();
    assert!((received - number(&quoted)).abs() < 0.01, "quoted {quoted}, previewed {changes}");
    app.screenshot("09-swap-preview").await;
    confirm_preview(&app).await;
    app.screenshot("10-swap-done").await;
    app.click("#nav-dashboard").await;
    let usdc_after = holding(&app, "USDC").await;
    assert!(usdc_after > usdc_before + 100.0, "USDC {usdc_before} -> {usdc_after}");

    // Send 250 USDC to another account. Sending to the token's own contract (where tokens are
    // lost) is a danger that needs the explicit tick.
    let other = vigil_devnet::DEMO_ACCOUNTS[1].to_checksum(None);
    let usdc = devnet.manifest.tokens["USDC"].address.to_checksum(None);
    app.click("#nav-send").await;
    app.type_into("#send-to", &usdc).await;
    app.select("#send-asset", "USDC").await;
    app.type_into("#send-amount", "250").await;
    app.click("#send-preview").await;
    app.wait_for_text("#preview-findings", "is lost").await;
    app.click("#confirm").await;
    app.wait_for_text("#preview-error", "I understand the risk").await;
    let to = app.find("#send-to").await;
    to.clear().await.unwrap();
    to.send_keys(&other).await.unwrap();
    app.click("#send-preview").await;
    app.wait_for_text("#preview-title", "Send 250 USDC").await;
    app.wait_for_text("#preview-changes", "-250 USDC").await;
    app.screenshot("11-send-preview").await;
    confirm_preview(&app).await;
    // The watcher says when it is mined, and its "Open" shows the transaction in Activity.
    app.wait_until("#toast", TX_TIMEOUT, |t| t.contains("Transaction confirmed")).await;
    app.wait_for_text("#toast-open", "Open in Activity").await;
    app.click("#toast-open").await;
    app.find("#nav-activity.active").await;
    app.click("#nav-dashboard").await;
    let usdc_sent = holding(&app, "USDC").await;
    assert!((usdc_after - 250.0 - usdc_sent).abs() < 1e-6, "{usdc_after} - 250 != {usdc_sent}");

    // Borrow 100 USDC: the preview shows the health factor falling, and so does the dashboard.
    app.click("#nav-lend").await;
    app.find("#markets").await;
    app.select("#lend-action", "borrow").await;
    app.select("#lend-asset", "USDC").await;
    app.type_into("#lend-amount", "100").await;
    app.click("#lend-preview").await;
    let hf_text = app.wait_for_text("#preview-hf", "→").await;
    app.screenshot("12-borrow-preview").await;
    let (before, after) = hf_text.split_once('→').unwrap();
    assert!(number(after) < number(before), "{hf_text}");
    confirm_preview(&app).await;
    app.click("#nav-dashboard").await;
    let hf_after = app
        .wait_until(
            &format!(".position[data-key='devnet/aave/{}'] .hf", DEMO.to_lowercase()),
            TX_TIMEOUT,
            |t| number(t) < hf_before,
        )
        .await;
    assert!((number(&hf_after) - number(after)).abs() < 0.011, "{hf_after} vs preview {after}");

    // A swap stuck in the mempool (blocks held back) is sped up from Activity.
    let db = profile.database();
    let pending = swap_left_pending(&app, &devnet, &db, "0.5").await;
    // Sent but not mined: the panel says so and where to follow it.
    app.wait_for_text("#sent-hint", "It is in Activity").await;
    app.wait_for_text("#confirm", "Waiting for confirmation").await;
    app.click("#nav-activity").await;
    let row = format!(".tx[data-hash='{}']", pending[0].hash);
    app.wait_until(&row, TX_TIMEOUT, |t| t.to_lowercase().contains("pending")).await;
    app.screenshot("13-activity-pending").await;
    app.click(&format!("{row} .speed-up")).await;
    app.wait_for_text("#preview-title", "Speed up").await;
    // Its real new fee, simulated, with the most it can be.
    let fee = app.text("#preview-fee").await;
    assert!(fee.contains(" ETH") && fee.contains("at most"), "{fee}");
    app.click("#confirm").await;
    wait_for_pending(&app, &db, 2).await;
    devnet.anvil("evm_mine", serde_json::json!([])).await;
    app.wait_for_text("#tx-done", "Done").await;
    devnet.anvil("evm_setAutomine", serde_json::json!([true])).await;
    app.click("#nav-dashboard").await;
    app.click("#nav-activity").await;
    app.wait_until(&row, TX_TIMEOUT, |t| t.to_lowercase().contains("replaced")).await;
    let journal = db.journal(None, false, 10).unwrap();
    let speed_up =
        journal.iter().find(|e| e.replaces.as_deref() == Some(&pending[0].hash)).unwrap();
    assert_eq!(speed_up.status, vigil_wallet::db::TxStatus::Confirmed);
    let sped = format!(".tx[data-hash='{}']", speed_up.hash);
    app.wait_until(&sped, TX_TIMEOUT, |t| t.to_lowercase().contains("confirmed")).await;
    app.screenshot("14-activity-sped-up").await;

    // The WETH price falls until the position is critical: the alert reaches the window and
    // the desktop's notification server.
    let debt = 6000.0 + 100.0;
    devnet.set_price("WETH", 1.08 * debt / (5.0 * 0.825)).await;
    let toast = app.wait_until("#toast", TX_TIMEOUT, |t| t.contains("critical")).await;
    assert!(toast.contains("Aave position critical (health factor 1.0"), "{toast}");
    // The window's toast and the desktop's notification come from the same alert, in either
    // order: the critical one is waited for, not the first notification of the run.
    let critical = |all: &[vigil_notifier::testing::Notified]| {
        all.iter().any(|n| n.app == "Vigil" && n.urgency == Some(2))
    };
    let notified = capture.wait_until(critical, TX_TIMEOUT);
    assert!(critical(&notified), "a critical notification: {notified:?}");
    app.screenshot("15-alert").await;
    // The alert stays on screen while the user acts on it, and hides nothing for good: a
    // repay's preview at the bottom of the page, under the alert in the window's corner, can
    // be scrolled clear of it.
    app.click("#nav-lend").await;
    app.select("#lend-action", "repay").await;
    app.select("#lend-asset", "USDC").await;
    app.find("#lend-amount").await.clear().await.unwrap();
    app.type_into("#lend-amount", "1").await;
    app.click("#lend-preview").await;
    app.wait_for_text("#preview-title", "Repay 1 USDC").await;
    app.find("#toast").await;
    assert!(app.uncovered_when_scrolled_up("#preview").await, "the alert covers the preview");
    app.click("#toast-open").await;
    app.find(".position.focused").await;
    app.screenshot("16-position-opened").await;
    app.click("#nav-alerts").await;
    app.wait_for_text("#alert-history", "Aave position critical").await;
    app.screenshot("17-alerts").await;

    // Lower still, liquidatable: "Reduce risk" on the alert previews the plan back to a health
    // factor of 1.6 (repaying USDC from the wallet), with the health factor after each step;
    // confirmed, the position is there.
    devnet.set_price("WETH", 0.97 * debt / (5.0 * 0.825)).await;
    app.wait_until("#toast", TX_TIMEOUT, |t| t.contains("can be liquidated")).await;
    app.click("#toast-protect").await;
    app.find("#protect").await;
    app.wait_for_text("#preview-title", "Reduce risk: repay").await;
    let hf_text = app.wait_for_text("#preview-hf", "→").await;
    assert!(number(hf_text.split_once('→').unwrap().0) < 1.0, "{hf_text}");
    let shown = app.text("#preview").await;
    assert!(shown.contains("(target 1.6)") && shown.contains("Step 1"), "{shown}");
    // The plan is brought into view (it is drawn under the market on the Lend screen).
    let top = app
        .client
        .execute(
            "const r = document.getElementById('preview').getBoundingClientRect();
             return [r.top, window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let (top, height) = (top[0].as_f64().unwrap(), top[1].as_f64().unwrap());
    assert!((0.0..height / 2.0).contains(&top), "the plan is not in view: top {top} of {height}");
    app.screenshot("17b-reduce-risk").await;
    confirm_preview(&app).await;
    app.click("#nav-dashboard").await;
    let protected = app
        .wait_until(
            &format!(".position[data-key='devnet/aave/{}'] .hf", DEMO.to_lowercase()),
            TX_TIMEOUT,
            // A number: an empty cell (the card redrawing) reads as infinite.
            |t| !t.is_empty() && number(t) >= 1.6 && number(t).is_finite(),
        )
        .await;
    assert!(number(&protected) < 1.62, "{protected}");

    // Lock: balances are hidden until the password is given again; a wrong one is refused;
    // and the swap being typed is still there afterwards.
    app.click("#nav-swap").await;
    app.type_into("#swap-amount", "0.1").await;
    app.click("#lock").await;
    app.find("#lock-screen").await;
    app.screenshot("18-locked").await;
    app.type_into("#unlock-password", "not the password").await;
    app.click("#unlock").await;
    app.wait_for_text("#error", "password").await;
    let field = app.find("#unlock-password").await;
    field.clear().await.unwrap();
    unlock(&app).await;
    let typed = app.find("#swap-amount").await.prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("0.1"), "the form survives the lock");
    app.click("#nav-dashboard").await;
    app.find("#total-value").await;
    app.quit().await;
}

/// With blocks held back, swaps `amount` ETH for USDC through preview and confirm, and returns
/// the journal's pending transactions once the swap is among them (sent, not mined).
async fn swap_left_pending(
    app: &App,
    devnet: &support::Devnet,
    db: &vigil_wallet::db::Database,
    amount: &str,
) -> Vec<vigil_wallet::db::JournalEntry> {
    devnet.anvil("evm_setAutomine", serde_json::json!([false])).await;
    app.click("#nav-swap").await;
    app.type_into("#swap-amount", amount).await;
    app.click("#swap-preview").await;
    app.wait_for_text("#preview-title", &format!("Swap {amount} ETH")).await;
    app.click("#confirm").await;
    wait_for_pending(app, db, 1).await
}

/// Waits until the journal holds `n` pending transactions.
async fn wait_for_pending(
    app: &App,
    db: &vigil_wallet::db::Database,
    n: usize,
) -> Vec<vigil_wallet::db::JournalEntry> {
    let started = std::time::Instant::now();
    loop {
        let pending = db.journal(None, true, 10).unwrap();
        if pending.len() >= n {
            return pending;
        }
        assert!(
            started.elapsed() < TX_TIMEOUT,
            "{n} pending transactions never appeared; the window shows: {}",
            app.shown().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_swap_survives_the_app_being_killed_between_broadcast_and_receipt() {
    let profile = Profile::new("crash");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    app.wait_for_text("#positions", "Aave V3").await;
    let db = profile.database();
    let pending = swap_left_pending(&app, &devnet, &db, "0.25").await;
    // Killed (the whole process group) while the swap is broadcast but not mined.
    drop(app);

    let app = profile.launch().await;
    unlock(&app).await;
    app.click("#nav-activity").await;
    let row = format!(".tx[data-hash='{}']", pending[0].hash);
    app.wait_until(&row, TX_TIMEOUT, |t| t.to_lowercase().contains("pending")).await;
    devnet.anvil("evm_setAutomine", serde_json::json!([true])).await;
    devnet.anvil("evm_mine", serde_json::json!([])).await;
    app.wait_until(&row, TX_TIMEOUT, |t| t.to_lowercase().contains("confirmed")).await;
    app.screenshot("19-recovered-after-crash").await;
    assert_eq!(
        db.journal_entry(&pending[0].hash).unwrap().unwrap().status,
        vigil_wallet::db::TxStatus::Confirmed
    );
    app.quit().await;
}

#[tokio::test]
async fn a_ledger_account_is_added_and_verified_on_the_device() {
    use vigil_signer::ledger::{
        PathStyle,
        simulator::{SPECULOS_MNEMONIC, Simulator},
    };
    let sim = Simulator::start().unwrap();
    let profile = Profile::new("ledger").with_env("VIGIL_SPECULOS", &sim.addr());
    let app = profile.launch().await;
    import_demo(&app).await;
    app.click("#nav-ledger").await;
    app.wait_for_text("#ledger-state", "ready (Ethereum app").await;
    app.find("#no-ledger-accounts").await;

    // The address comes from the device, shown there for the user to approve.
    let seed = Mnemonic::parse(SPECULOS_MNEMONIC).unwrap().to_seed("");
    let expected =
        Chain::Ethereum.address(&seed, &PathStyle::LedgerLive.path(Chain::Ethereum, 0)).unwrap();
    app.click("#ledger-add").await;
    app.wait_for_text("#ledger-message", &expected).await;
    app.wait_for_text("#ledger-accounts", &expected).await;
    assert_eq!(sim.controls().screens, vec![format!("Verify address {expected}")]);
    app.click(".verify").await;
    app.wait_for_text("#ledger-message", "as the wallet has it").await;
    app.screenshot("20-ledger").await;

    // Locked: the state says so, and verifying says what to do.
    sim.set(|c| c.locked = true);
    app.click("#ledger-refresh").await;
    app.wait_for_text("#ledger-state", "locked").await;
    app.click(".verify").await;
    app.wait_for_text("#error", "is locked: enter your PIN").await;
    app.quit().await;
}

#[tokio::test]
async fn settings_are_checked_tested_against_the_node_and_saved() {
    let profile = Profile::new("settings");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    let total_usd = app.wait_until("#total-value", TX_TIMEOUT, |t| t.starts_with('$')).await;
    app.click("#nav-settings").await;
    let minutes = app.find("#lock-minutes").await;
    minutes.clear().await.unwrap();
    minutes.send_keys("0").await.unwrap();
    app.click("#save-settings").await;
    app.wait_for_text("#error", "lock_after_secs 0 is out of range").await;
    minutes.clear().await.unwrap();
    minutes.send_keys("2").await.unwrap();

    // A network of the user's: the connection test checks that the node serves its chain.
    app.click("#add-network").await;
    app.type_into(".network-row .network-name-input", "mychain").await;
    app.type_into(".network-row .network-chain", "1").await;
    app.type_into(".network-row .network-urls", &devnet.url).await;
    app.click(".network-row .test-rpc").await;
    app.wait_for_text(".rpc-results", "serves chain 31337, not 1").await;
    let chain = app.find(".network-row .network-chain").await;
    chain.clear().await.unwrap();
    chain.send_keys("31337").await.unwrap();
    // Enter, in WebDriver's keys: a second line.
    app.type_into(".network-row .network-urls", "\u{E007}http://127.0.0.1:9").await;
    app.click(".network-row .test-rpc").await;
    let results = app.wait_for_text(".rpc-results", "127.0.0.1:9").await;
    assert!(results.contains("chain 31337, block"), "{results}");
    assert!(results.contains("cannot reach http://127.0.0.1:9"), "{results}");
    app.select("#notify-level", "critical").await;
    app.select("#currency", "EUR").await;
    // A Solana cluster through the user's own endpoint.
    app.type_into("#solana-urls-devnet", "http://127.0.0.1:9").await;
    app.screenshot("21-settings").await;
    app.click("#save-settings").await;
    app.wait_for_text("#settings-saved", "Saved").await;

    let config = std::fs::read_to_string(app.home().join("config/config.toml")).unwrap();
    assert!(config.contains("lock_after_secs = 120"), "{config}");
    assert!(config.contains("notify = \"critical\""), "{config}");
    assert!(
        config.contains("name = \"mychain\"") && config.contains("chain_id = 31337"),
        "{config}"
    );
    assert!(config.contains(&devnet.url) && config.contains("http://127.0.0.1:9"), "{config}");
    assert!(config.contains("currency = \"EUR\""), "{config}");
    assert!(
        config.contains(
            "[[solana_network]]\nname = \"devnet\"\nrpc_urls = [\"http://127.0.0.1:9/\"]"
        ),
        "{config}"
    );

    // Values are now in euros, at the devnet's EUR/USD feed (1.08), without a restart.
    app.click("#nav-dashboard").await;
    let total_eur = app.wait_until("#total-value", TX_TIMEOUT, |t| t.ends_with("EUR")).await;
    let expected = number(&total_usd) / 1.08;
    assert!(
        (number(&total_eur) - expected).abs() < expected * 1e-3,
        "{total_usd} should be about {expected:.2} EUR, not {total_eur}"
    );
    app.wait_for_text("#positions", "EUR").await;
    app.quit().await;
}

#[tokio::test]
async fn solana_send_and_stake_from_the_app() {
    let profile = Profile::new("solana");
    let seed = Mnemonic::parse(JUNK).unwrap().to_seed("");
    let me = Chain::Solana.address(&seed, &Chain::Solana.account_path(0)).unwrap();
    let friend = Chain::Solana.address(&seed, &Chain::Solana.account_path(1)).unwrap();
    // The app's local validator is at 127.0.0.1:8899, as `vigil devnet solana` runs it.
    let ledger = profile.dir().join("solana-ledger");
    let _validator = tokio::task::spawn_blocking(move || {
        vigil_devnet::solana::SolanaValidator::start_on(&ledger, &[me], Some(8899))
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("the local Solana validator did not start: {e}"));
    let app = profile.launch().await;
    import_demo(&app).await;
    app.click("#nav-solana").await;
    app.find("#no-stakes").await;

    app.type_into("#sol-to", &friend).await;
    app.type_into("#sol-amount", "1.5").await;
    app.click("#sol-send-preview").await;
    let changes = app.wait_for_text("#preview-changes", "SOL").await;
    assert!(changes.contains("-1.5"), "the sender's change includes the 1.5 SOL: {changes}");
    confirm_preview(&app).await;

    app.type_into("#stake-amount", "10").await;
    app.click("#stake-preview").await;
    app.wait_for_text("#preview-changes", "-10").await;
    confirm_preview(&app).await;
    let stakes = app
        .wait_until("#stakes", TX_TIMEOUT, |t| {
            let t = t.to_lowercase();
            // 10 SOL delegated, plus the account's rent-exempt reserve.
            t.contains("10.00") && (t.contains("activating") || t.contains("active"))
        })
        .await;
    assert!(stakes.contains("validator"), "{stakes}");
    app.screenshot("22-solana").await;
    app.quit().await;
}

#[tokio::test]
async fn alert_rules_are_checked_and_saved_for_every_position_and_per_account() {
    let profile = Profile::new("rules");
    let app = profile.launch().await;
    import_demo(&app).await;
    app.click("#nav-alerts").await;
    let every = ".rule[data-scope='Every position']";
    let set = |css: String, value: &'static str| {
        let app = &app;
        async move {
            let field = app.find(&css).await;
            field.clear().await.unwrap();
            field.send_keys(value).await.unwrap();
        }
    };
    // Critical above warning is refused, and nothing is written.
    set(format!("{every} .rule-warning"), "1.1").await;
    set(format!("{every} .rule-critical"), "1.2").await;
    app.click(&format!("{every} .save-rule")).await;
    app.wait_for_text("#error", "liquidatable < critical < warning").await;
    set(format!("{every} .rule-warning"), "1.6").await;
    set(format!("{every} .rule-critical"), "1.25").await;
    // The 24-hour liquidation chance, typed as a percentage, written as a fraction.
    set(format!("{every} .rule-chance"), "2.5").await;
    app.click(&format!("{every} .save-rule")).await;
    app.wait_for_text("#rule-saved", "Saved").await;
    let config = std::fs::read_to_string(app.home().join("config/config.toml")).unwrap();
    assert!(config.contains("warning = 1.6") && config.contains("critical = 1.25"), "{config}");
    assert!(config.contains("liquidation_probability = 0.025"), "{config}");

    // An account's own rule, then removed again.
    app.click("#add-rule").await;
    let own = format!(".rule[data-scope='{DEMO}']");
    app.find(&own).await;
    app.screenshot("23-alert-rules").await;
    let config = std::fs::read_to_string(app.home().join("config/config.toml")).unwrap();
    assert!(config.contains(&format!("account = \"{DEMO}\"")), "{config}");
    app.click(&format!("{own} .remove-rule")).await;
    app.wait_until("#rules", TX_TIMEOUT, |t| !t.contains(DEMO)).await;
    let config = std::fs::read_to_string(app.home().join("config/config.toml")).unwrap();
    assert!(!config.contains(DEMO) || !config.contains("[[alerts.position]]"), "{config}");
    app.quit().await;
}

#[tokio::test]
async fn a_uniswap_v3_position_is_opened_over_a_range_shown_and_closed_from_the_app() {
    let profile = Profile::new("liquidity");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    import_demo(&app).await;
    let usdc_before = support::on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;

    // Half an ether and what the pool's price asks of USDC, ±10% around the price, paid in
    // ether: the position manager wraps it.
    app.click("#nav-liquidity").await;
    app.wait_for_text("#lp-positions", "No liquidity positions").await;
    app.select("#lp-token-a", "ETH").await;
    app.select("#lp-token-b", "USDC").await;
    app.select("#lp-pool", "uniswap-v3:3000").await;
    app.select("#lp-amount-token", "ETH").await;
    app.type_into("#lp-amount", "0.5").await;
    app.select("#lp-range", "10%").await;
    app.wait_for_text("#lp-price", "USDC per WETH").await;
    app.click("#lp-preview").await;
    app.wait_for_text("#preview-title", "Add liquidity to Uniswap V3 0.3% WETH/USDC").await;
    let details = app.text(".preview .details").await;
    assert!(details.contains("USDC per WETH") && details.contains("inside the range"), "{details}");
    let changes = app.wait_for_text("#preview-changes", "USDC").await;
    assert!(changes.contains("-0.5 ETH") || changes.contains("-0.49999"), "{changes}");
    app.screenshot("30-liquidity-preview").await;
    confirm_preview(&app).await;

    // Listed with its range, in range, and on the dashboard too.
    let card = ".lp-position[data-in-range='true']";
    let text = app.wait_for_text(card, "Uniswap V3 0.3% WETH/USDC").await;
    assert!(text.contains("in range") && text.contains("against holding"), "{text}");
    let usdc_in =
        usdc_before - support::on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;
    assert!(usdc_in > 100.0, "USDC went in with the ether: {usdc_in}");
    app.screenshot("31-liquidity-position").await;
    app.click("#nav-dashboard").await;
    app.wait_for_text("#dashboard-liquidity", "Uniswap V3 0.3% WETH/USDC").await;

    // Closed whole: what went in comes back (less a wei or two of rounding), nothing is listed.
    app.click("#nav-liquidity").await;
    app.click(&format!("{card} .lp-remove")).await;
    app.wait_for_text("#preview-title", "Remove 100% of Uniswap V3 0.3% WETH/USDC").await;
    confirm_preview(&app).await;
    app.wait_for_text("#lp-positions", "No liquidity positions").await;
    let usdc_after = support::on_chain(&devnet.manifest, &devnet.url, DEMO, "USDC").await;
    assert!((usdc_before - usdc_after).abs() < 0.01, "USDC {usdc_before} -> {usdc_after}");
    app.quit().await;
}
