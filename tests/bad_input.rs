//! The bad-input corpus through the window itself: the same values the command line and the
//! services get (`vigil_signer::testing::bad_values`), typed into every field that takes text
//! in onboarding, swap, send, lend and watch, in the real app over WebDriver. Each must be
//! refused with a message in the window, never previewed, and the window must keep working.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod screen;
#[allow(dead_code, reason = "shared with e2e.rs, which uses all of it")]
mod support;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use support::{App, DEMO, JUNK, PASSWORD, Profile};

/// Types `value` into `field`, presses `button`, and returns the new message in `error` (a
/// message element drawn after the press, not one left from before). Panics if the window
/// previews the value instead, or says nothing.
async fn refused(app: &App, field: &str, button: &str, error: &str, value: &str) -> String {
    let before = app.client.find(Locator::Css(error)).await.ok().map(|e| e.element_id());
    enter(app, field, value).await;
    app.click(button).await;
    let started = Instant::now();
    loop {
        if app.client.find(Locator::Css("#preview-title")).await.is_ok() {
            panic!("{field}: {value:?} was previewed instead of refused");
        }
        if let Ok(e) = app.client.find(Locator::Css(error)).await
            && Some(e.element_id()) != before
        {
            let text = e.text().await.unwrap_or_default();
            if !text.trim().is_empty() {
                return text;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{field}: nothing said about {value:?}; the window shows:\n{}",
            app.shown().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Puts `value` in `field` as a user would: typed, or pasted when it is long (one input event
/// with the whole text, as a paste gives). WebDriver's clear does not tell the page, so the
/// emptied field announces itself with an input event too.
async fn enter(app: &App, field: &str, value: &str) {
    let input = app.find(field).await;
    input.clear().await.unwrap();
    let typed = value.chars().count() <= 100;
    if typed && !value.is_empty() {
        input.send_keys(value).await.unwrap_or_else(|e| panic!("cannot type into {field}: {e}"));
    }
    let pasted = if typed { serde_json::Value::Null } else { value.into() };
    app.client
        .execute(
            "const [input, pasted] = arguments; \
             if (pasted !== null) input.value = pasted; \
             input.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&input).unwrap(), pasted],
        )
        .await
        .unwrap();
}

/// Sends every bad value through `field` and checks each message: worded, and not a wall.
async fn corpus(app: &App, field: &str, button: &str, error: &str) -> usize {
    let values = vigil_signer::testing::bad_values();
    let started = Instant::now();
    for value in &values {
        let message = refused(app, field, button, error, value).await;
        // Quoting a 10,000-character input is allowed; anything else is a sentence or two.
        let beyond_quote = message.len().saturating_sub(value.len());
        assert!(beyond_quote < 400, "{field}: {value:.20?} gave a wall of text: {message:.500}");
        assert!(!message.contains("panicked") && !message.contains("RUST_BACKTRACE"), "{message}");
    }
    println!("{field}: {} values in {:.1} s", values.len(), started.elapsed().as_secs_f64());
    values.len()
}

#[tokio::test]
async fn every_text_field_refuses_the_bad_input_corpus_with_a_message() {
    let profile = Profile::new("bad-input");
    let devnet = profile.devnet().await;
    let app = profile.launch().await;
    let mut tried = 0;

    // Onboarding: the recovery phrase (the password fields filled well).
    app.click("#import-wallet").await;
    app.type_into("#password", PASSWORD).await;
    app.type_into("#password-repeat", PASSWORD).await;
    tried += corpus(&app, "#mnemonic", "#import-confirm", "#error").await;
    enter(&app, "#mnemonic", JUNK).await;
    app.click("#import-confirm").await;
    app.wait_for_text("#accounts", DEMO).await;

    // Swap: the amount.
    app.click("#nav-swap").await;
    app.select("#swap-from", "ETH").await;
    app.select("#swap-to", "USDC").await;
    tried += corpus(&app, "#swap-amount", "#swap-preview", "#form-error").await;

    // Send: the recipient (a good amount), then the amount (a good recipient).
    let other = vigil_devnet::DEMO_ACCOUNTS[1].to_checksum(None);
    app.click("#nav-send").await;
    app.type_into("#send-amount", "1").await;
    tried += corpus(&app, "#send-to", "#send-preview", "#form-error").await;
    enter(&app, "#send-to", &other).await;
    tried += corpus(&app, "#send-amount", "#send-preview", "#form-error").await;

    // Lend: the amount.
    app.click("#nav-lend").await;
    tried += corpus(&app, "#lend-amount", "#lend-preview", "#form-error").await;

    // Accounts: an address to watch.
    app.click("#nav-accounts").await;
    tried += corpus(&app, "#watch-address", "#watch-account", "#error").await;

    // Still working after all of it: a good swap amount is quoted.
    app.click("#nav-swap").await;
    app.select("#swap-to", "USDC").await;
    enter(&app, "#swap-amount", "1").await;
    app.wait_for_text("#swap-quote-receive", "USDC").await;
    println!("bad input through the window: {tried} inputs, each refused with a message");
    assert_eq!(tried, 6 * vigil_signer::testing::bad_values().len());
    drop(devnet);
    app.quit().await;
}
