//! `vigil watch` as a user runs it: alerts printed as they fire and sent to the real
//! notification server, alert state kept in the wallet's database across restarts.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    time::Duration,
};

use support::{Env, SAMPLE, Watcher, anvil, err, journal, require_session, usdc};
use vigil_notifier::testing::NotificationCapture;

/// Sets WETH's price so the sample position's health factor is `hf` (it is price / 1454.5).
fn set_hf(env: &Env, hf: f64) {
    let price = format!("{:.2}", hf * 6000.0 / 4.125);
    let o = env.vigil(&["devnet", "price", "WETH", &price, "--oracle-only"]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn watch_prints_alerts_notifies_and_remembers_them_across_restarts() {
    require_session();
    let env = Env::new("watch");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let capture = NotificationCapture::start().unwrap();
    set_hf(&env, 1.7);

    let w = Watcher::start(&env);
    // Let it read the healthy state first, then cross.
    assert!(w.next_alert(2).is_none(), "a healthy position raises nothing");
    set_hf(&env, 1.45);
    let a = w.next_alert(15).expect("a warning");
    assert_eq!(a["level"], "warning", "{a}");
    assert_eq!(a["key"], format!("devnet/aave/{}", SAMPLE.to_lowercase()));
    assert!(a["title"].as_str().unwrap().contains("health factor 1.45"), "{a}");
    let log = w.stop();
    assert!(log.contains("vigil::alert") && log.contains("level=\"warning\""), "{log}");

    // Restarted: the warning is remembered, not repeated; a crossing is still caught.
    let w = Watcher::start(&env);
    assert!(w.next_alert(3).is_none(), "no repeat after a restart");
    set_hf(&env, 1.03);
    let a = w.next_alert(15).expect("critical");
    assert_eq!(a["level"], "critical", "{a}");
    w.stop();

    // Stopped; the price recovers past the critical threshold and its margin (still a
    // warning, already told). Seen on the next start, that is a recovery: the fall back to
    // critical minutes later is a new event, told despite the cool-down.
    set_hf(&env, 1.375);
    let w = Watcher::start(&env);
    assert!(w.next_alert(3).is_none(), "the warning it is at was told already");
    set_hf(&env, 1.1);
    let a = w.next_alert(15).expect("critical again after the recovery");
    assert_eq!(a["level"], "critical", "{a}");
    w.stop();

    let got = capture.wait_for(3, Duration::from_secs(5));
    let urgencies: Vec<_> = got.iter().map(|n| n.urgency).collect();
    assert_eq!(urgencies, [Some(1), Some(2), Some(2)], "{got:#?}");
}

#[test]
fn watch_with_nothing_to_watch_says_what_to_do() {
    let env = Env::new("watch-empty");
    let o = env.vigil(&["watch", "--no-desktop"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("no Ethereum account to watch: import a wallet"), "{}", err(&o));
    let o = env.vigil(&["watch", "--account", "0x123", "--no-desktop"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("--account"), "{}", err(&o));
}

#[test]
fn a_transaction_survives_vigil_being_killed_between_broadcast_and_receipt() {
    require_session();
    let env = Env::new("crash");
    env.import_junk("hunter2 orbit meadow");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    // Blocks are held back: the swap is broadcast but not mined.
    anvil(&env, "evm_setAutomine", serde_json::json!([false]));
    // Killed between broadcast and receipt, as by a crash or a power cut.
    let hash = pending_swap(&env);
    let activity = journal(&env, false);
    assert_eq!(activity.as_array().unwrap().len(), 1, "{activity}");
    assert_eq!(activity[0]["status"], "pending", "{activity}");
    assert_eq!(activity[0]["hash"], hash.as_str());
    assert!(activity[0]["label"].as_str().unwrap().starts_with("Swap"), "{activity}");

    // On the next start the watcher follows it from the journal to its final state.
    anvil(&env, "evm_setAutomine", serde_json::json!([true]));
    anvil(&env, "evm_mine", serde_json::json!([]));
    let watcher = Watcher::start(&env);
    let mut seen = false;
    for _ in 0..10 {
        let Some(alert) = watcher.next_alert(30) else { break };
        if alert.to_string().contains(&hash) {
            assert!(alert.to_string().contains("confirmed"), "{alert}");
            seen = true;
            break;
        }
    }
    watcher.stop();
    assert!(seen, "the watcher reported the journaled transaction");
    assert_eq!(journal(&env, false)[0]["status"], "confirmed");
    assert!(journal(&env, true).as_array().unwrap().is_empty());
}

/// Sends a swap and kills `vigil` once it is broadcast (blocks must be held back); returns
/// the pending transaction's hash from the journal.
fn pending_swap(env: &Env) -> String {
    let mut swap = env
        .command(&[
            "swap",
            "--from",
            "ETH",
            "--to",
            "USDC",
            "--amount",
            "1",
            "--yes",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut swap.stdin.take().unwrap(), b"hunter2 orbit meadow\n").unwrap();
    let stderr = BufReader::new(swap.stderr.take().unwrap());
    let sent = stderr.lines().map_while(Result::ok).any(|l| l.starts_with("sent"));
    assert!(sent, "the swap was broadcast");
    swap.kill().unwrap();
    swap.wait().unwrap();
    let activity = journal(env, true);
    activity[0]["hash"].as_str().unwrap().to_owned()
}

/// Runs `vigil tx VERB HASH`, mines a block once the replacement is journaled, and returns
/// the replacement's hash.
fn replace(env: &Env, verb: &str, hash: &str) -> String {
    let mut child = env
        .command(&["tx", verb, hash, "--yes", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"hunter2 orbit meadow\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !journal(env, true).as_array().unwrap().iter().any(|e| e["replaces"] == hash) {
        assert!(std::time::Instant::now() < deadline, "the replacement was not journaled");
        std::thread::sleep(Duration::from_millis(100));
    }
    anvil(env, "evm_mine", serde_json::json!([]));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_pending_swap_is_sped_up_and_another_cancelled() {
    require_session();
    let env = Env::new("replace");
    env.import_junk("hunter2 orbit meadow");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    anvil(&env, "evm_setAutomine", serde_json::json!([false]));
    let start = usdc(&env);

    // Speed up: the same swap with higher fees takes the original's place and goes through.
    let original = pending_swap(&env);
    let faster = replace(&env, "speed-up", &original);
    assert_ne!(faster, original);
    let all = journal(&env, false);
    let entry =
        |hash: &str| all.as_array().unwrap().iter().find(|e| e["hash"] == hash).unwrap().clone();
    assert_eq!(entry(&faster)["status"], "confirmed", "{all}");
    assert_eq!(entry(&faster)["replaces"], original.as_str());
    assert!(entry(&faster)["label"].as_str().unwrap().starts_with("Speed up: Swap"), "{all}");
    assert_eq!(entry(&original)["status"], "replaced", "{all}");
    assert_eq!(entry(&faster)["nonce"], entry(&original)["nonce"]);
    let after_swap = usdc(&env);
    assert!(after_swap > start + 1000.0, "the swap went through: {start} -> {after_swap}");

    // Cancel: a zero-value transfer to oneself takes the swap's nonce; no USDC is bought.
    let doomed = pending_swap(&env);
    let cancel = replace(&env, "cancel", &doomed);
    let all = journal(&env, false);
    let entry =
        |hash: &str| all.as_array().unwrap().iter().find(|e| e["hash"] == hash).unwrap().clone();
    assert_eq!(entry(&cancel)["status"], "confirmed", "{all}");
    assert_eq!(entry(&doomed)["status"], "replaced", "{all}");
    assert_eq!(usdc(&env), after_swap, "the cancelled swap bought nothing");

    // Final transactions cannot be replaced.
    let o = env.vigil_stdin(
        &["tx", "speed-up", &cancel, "--yes", "--password-stdin"],
        "hunter2 orbit meadow\n",
    );
    assert!(!o.status.success());
    assert!(err(&o).contains("only pending transactions can be replaced"), "{}", err(&o));
    let o = env.vigil_stdin(
        &["tx", "cancel", "0x1234", "--yes", "--password-stdin"],
        "hunter2 orbit meadow\n",
    );
    assert!(err(&o).contains("is not one of this wallet's transactions"), "{}", err(&o));
}
