//! The real Vigil app (WebKitGTK) driven over WebDriver, in the private desktop session.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::Profile;
use vigil_signer::{Chain, Mnemonic};

const JUNK: &str = "test test test test test test test test test test test junk";
const PASSWORD: &str = "correct horse battery";

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
    app.type_into("#password", PASSWORD).await;
    app.type_into("#password-repeat", PASSWORD).await;
    app.screenshot("05-import").await;
    app.click("#import-confirm").await;
    app.wait_for_text("#accounts", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").await;
    app.screenshot("06-home").await;
    app.quit().await;

    // A new process finds the wallet and goes straight to the accounts.
    let app = profile.launch().await;
    app.wait_for_text("#accounts", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").await;
    app.quit().await;
}

#[tokio::test]
async fn a_bad_mnemonic_shows_the_signers_specific_error() {
    let profile = Profile::new("bad");
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
