//! Crash at every step: `vigil` killed (SIGKILL, no clean-up) at each step of a send and of
//! vault creation, then started again. Nothing may be lost, nothing sent twice, and what
//! happened must be said. The kill comes from the crash points compiled into the test build
//! (`VIGIL_CRASH_AT`, see `vigil_wallet::crash`).

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::os::unix::process::ExitStatusExt;

use support::{Env, JUNK, SAMPLE, Watcher, err, journal, out, require_session, usdc};

const PASSWORD: &str = "hunter2 orbit meadow";

/// The sample account's nonce on the devnet (transactions mined).
fn nonce(env: &Env) -> u64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use alloy::providers::Provider;
        let provider = vigil_devnet::provider(&format!("http://127.0.0.1:{}", env.port)).unwrap();
        provider.get_transaction_count(SAMPLE.parse().unwrap()).await.unwrap()
    })
}

/// `vigil swap` of 1 ETH for USDC, killed at `point`.
fn swap_killed_at(env: &Env, point: &str) {
    let o = env.vigil_with(
        &["swap", "--from", "ETH", "--to", "USDC", "--amount", "1", "--yes", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &[("VIGIL_CRASH_AT", point)],
    );
    assert_eq!(o.status.signal(), Some(9), "{point}: not killed: {}", err(&o));
}

/// Starts `vigil watch` (what runs on the next start) until it reports `hash` confirmed;
/// returns its log.
fn restart_until_confirmed(env: &Env, hash: &str) -> String {
    let watcher = Watcher::start(env);
    let mut confirmed = false;
    for _ in 0..10 {
        let Some(alert) = watcher.next_alert(30) else { break };
        if alert.to_string().contains(hash) {
            assert!(alert.to_string().contains("confirmed"), "{alert}");
            confirmed = true;
            break;
        }
    }
    let log = watcher.stop();
    assert!(confirmed, "{hash} was not reported confirmed after the restart: {log}");
    log
}

#[test]
fn a_swap_killed_at_every_step_lands_once_after_a_restart() {
    require_session();
    let env = Env::new("crash-send");
    env.import_junk(PASSWORD);
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let mut killed = 0;

    for point in vigil_wallet::crash::POINTS.into_iter().filter(|p| p.starts_with("send:")) {
        let (usdc_before, nonce_before) = (usdc(&env), nonce(&env));
        let journaled_before = journal(&env, false).as_array().unwrap().len();
        swap_killed_at(&env, point);
        killed += 1;
        let pending = journal(&env, true);
        let pending = pending.as_array().unwrap();

        if point == "send:signed" {
            // Killed before the journal: nothing was written, so nothing may have been sent.
            assert!(pending.is_empty(), "{point}: {pending:?}");
            assert_eq!(journal(&env, false).as_array().unwrap().len(), journaled_before);
            assert_eq!(nonce(&env), nonce_before, "{point}: a transaction left unjournaled");
            assert_eq!(usdc(&env), usdc_before);
            continue;
        }

        // Journaled: the transaction is in Activity as pending, with what it does.
        assert_eq!(pending.len(), 1, "{point}: {pending:?}");
        assert!(pending[0]["label"].as_str().unwrap().starts_with("Swap"), "{pending:?}");
        let hash = pending[0]["hash"].as_str().unwrap().to_owned();
        let broadcast = point != "send:journaled";
        assert_eq!(nonce(&env), nonce_before + u64::from(broadcast), "{point}");

        // The next start sends what was signed but not sent, follows the rest, and settles it.
        let log = restart_until_confirmed(&env, &hash);
        assert_eq!(
            log.contains("was signed but not yet sent when Vigil stopped: sent it now"),
            !broadcast,
            "{point}: {log}"
        );
        assert!(journal(&env, true).as_array().unwrap().is_empty(), "{point}: still pending");
        let all = journal(&env, false);
        let entry = all.as_array().unwrap().iter().find(|e| e["hash"] == hash.as_str()).unwrap();
        assert_eq!(entry["status"], "confirmed", "{point}: {all}");

        // Exactly one swap: one nonce used, about 2,000 USDC bought (not 4,000, not 0).
        assert_eq!(nonce(&env), nonce_before + 1, "{point}: sent twice or not at all");
        let bought = usdc(&env) - usdc_before;
        assert!((1000.0..3000.0).contains(&bought), "{point}: bought {bought} USDC");

        // Another restart sends nothing again.
        let watcher = Watcher::start(&env);
        assert!(watcher.next_alert(3).is_none(), "{point}: a second restart re-reported it");
        let log = watcher.stop();
        assert!(!log.contains("sent it now"), "{point}: {log}");
        assert_eq!(nonce(&env), nonce_before + 1);
    }
    assert_eq!(killed, 4, "a send step without a crash test");
}

#[test]
fn a_vault_creation_killed_before_its_accounts_are_listed_is_finished_by_importing_again() {
    require_session();
    let env = Env::fresh("crash-vault");
    let o = env.vigil_with(
        &["vault", "import", "--password-stdin"],
        &format!("{JUNK}\n{PASSWORD}\n"),
        &[("VIGIL_CRASH_AT", "vault:stored")],
    );
    assert_eq!(o.status.signal(), Some(9), "not killed: {}", err(&o));

    // After the restart the keychain has the vault and the config none of its accounts: the
    // state is said, and how to finish it.
    let o = env.vigil(&["vault", "list"]);
    assert!(
        out(&o).contains("default  (unfinished: Vigil stopped while storing it"),
        "{}",
        out(&o)
    );
    let o = env.vigil(&["account", "list"]);
    assert!(!out(&o).contains(SAMPLE), "{}", out(&o));

    // Another password does not overwrite it.
    let o = env.vigil_stdin(
        &["vault", "import", "--password-stdin"],
        &format!("{JUNK}\nanother long password 7\n"),
    );
    assert!(!o.status.success());
    assert!(err(&o).contains("enter the password you chose then to finish it"), "{}", err(&o));

    // The same phrase and password finish it: its accounts are listed and it unlocks.
    env.import_junk(PASSWORD);
    let o = env.vigil(&["vault", "list"]);
    assert!(out(&o).contains(SAMPLE) && !out(&o).contains("unfinished"), "{}", out(&o));
    let o = env.vigil_stdin(&["vault", "unlock", "--password-stdin"], &format!("{PASSWORD}\n"));
    assert!(o.status.success(), "{}", err(&o));
}
