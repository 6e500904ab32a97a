//! `vigil sol` as a user runs it, against a real local validator: balances, SOL and token
//! transfers, staking, each previewed before it is signed with the keychain or a Ledger.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Env, err, out, require_session};
use vigil_defi_adapters::solana::{SolanaClient, SolanaNetwork};
use vigil_devnet::solana::SolanaValidator;
use vigil_signer::ledger::simulator::{SimApp, Simulator};

/// The anvil mnemonic's first Solana account, and an account of nobody's.
const ALICE: &str = "oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96";
const BOB: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
/// Speculos' default seed at m/44'/501'/0'/0'.
const LEDGER: &str = "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV";

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", err(o));
    serde_json::from_str(&out(o)).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

/// Whole SOL written in decimal, in lamports.
fn lamports(sol: &str) -> u64 {
    let (whole, frac) = sol.split_once('.').unwrap_or((sol, ""));
    assert!(frac.len() <= 9, "{sol}");
    whole.parse::<u64>().unwrap() * 1_000_000_000 + format!("{frac:0<9}").parse::<u64>().unwrap()
}

async fn vote_account(url: &str) -> String {
    let client =
        SolanaClient::connect(&SolanaNetwork::localnet(url.parse().unwrap())).await.unwrap();
    let votes = client.request(|c| async move { c.get_vote_accounts().await }).await.unwrap();
    votes.current[0].vote_pubkey.clone()
}

#[test]
fn balances_transfers_and_staking_signed_with_the_vault() {
    require_session();
    let env = Env::new("sol-vault");
    env.import_junk("hunter2 orbit meadow");
    let dir = tempfile::tempdir().unwrap();
    let validator =
        SolanaValidator::start(&dir.path().join("ledger"), &[ALICE.to_owned()]).unwrap();
    let url = validator.rpc_url().to_owned();
    let sol = |args: &[&str]| env.vigil(&[&["sol"], args, &["--rpc-url", &url]].concat());
    let signed = |args: &[&str]| {
        env.vigil_stdin(
            &[&["sol"], args, &["--rpc-url", &url, "--yes", "--password-stdin"]].concat(),
            "hunter2 orbit meadow\n",
        )
    };

    let balance = json(&sol(&["balance", "--json"]));
    assert_eq!(balance["owner"], ALICE, "the wallet's first Solana account");
    assert_eq!(balance["sol"], "100");
    assert_eq!(balance["tokens"][0]["symbol"], "USDC");
    assert_eq!(balance["tokens"][0]["amount"], "10000");

    // SOL: the preview, then the signature once confirmed.
    let o = signed(&["send", "--to", BOB, "--amount", "1.5"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains(&format!("Send 1.5 SOL to {BOB}")), "{text}");
    assert!(text.contains(&format!("+1.5 SOL      {BOB}")), "{text}");
    // The fee the preview showed is the fee paid (the node's; 5,000 lamports a signature
    // once the validator is past its first slots).
    let fee = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("network fee "))
        .and_then(|f| f.strip_suffix(" SOL"))
        .unwrap_or_else(|| panic!("no fee in {text}"));
    assert!(fee == "0.000005" || fee == "0", "{text}");
    assert_eq!(json(&sol(&["balance", "--account", BOB, "--json"]))["sol"], "1.5");
    let alice = json(&sol(&["balance", "--json"]))["sol"].as_str().unwrap().to_owned();
    assert_eq!(lamports(&alice), lamports("100") - lamports("1.5") - lamports(fee), "{text}");

    // A token, by symbol: the recipient's account is created and its rent shown.
    let o = signed(&["send", "--to", BOB, "--amount", "12.5", "--token", "USDC"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("rent for new accounts 0.00203928 SOL"), "{}", out(&o));
    assert!(out(&o).contains("has no USDC account yet"), "{}", out(&o));
    let bob = json(&sol(&["balance", "--account", BOB, "--json"]));
    assert_eq!(bob["tokens"][0]["amount"], "12.5");

    // Would fail: the program error and logs, and nothing is signed.
    let before = json(&sol(&["balance", "--json"]))["sol"].clone();
    let o = signed(&["send", "--to", BOB, "--amount", "5000"]);
    assert!(!o.status.success());
    assert!(err(&o).contains("not signed: the simulation says it would fail"), "{}", err(&o));
    assert!(err(&o).contains("insufficient lamports"), "{}", err(&o));
    assert_eq!(json(&sol(&["balance", "--json"]))["sol"], before);

    // Bad input, before anything is signed.
    let o = signed(&["send", "--to", "0OIl-not-base58", "--amount", "1"]);
    assert!(err(&o).contains("is not a Solana address"), "{}", err(&o));
    let o = signed(&["send", "--to", BOB, "--amount", "1.0000001", "--token", "USDC"]);
    assert!(err(&o).contains("more decimals than USDC allows (6)"), "{}", err(&o));

    // Staking.
    let vote = tokio::runtime::Runtime::new().unwrap().block_on(vote_account(&url));
    let o = signed(&["stake", "--validator", &vote, "--amount", "5"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("rent reserve"), "{}", out(&o));
    let stakes = json(&sol(&["stakes", "--json"]));
    assert_eq!(stakes[0]["state"], "activating", "{stakes}");
    assert_eq!(stakes[0]["validator"], vote.as_str());
    let account = stakes[0]["address"].as_str().unwrap().to_owned();
    let o = signed(&["unstake", "--stake-account", &account]);
    assert!(o.status.success(), "{}", err(&o));
    let o = signed(&["withdraw", "--stake-account", &account]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(json(&sol(&["stakes", "--json"])).as_array().unwrap().is_empty());

    // No validator at that address: a clear error.
    let o = env.vigil(&["sol", "balance", "--rpc-url", "http://127.0.0.1:9"]);
    assert!(err(&o).contains("cannot reach") || err(&o).contains("does not answer"), "{}", err(&o));
}

#[test]
fn a_ledger_account_sends_sol_confirmed_on_the_device() {
    let env = Env::new("sol-ledger");
    let sim = Simulator::start().unwrap();
    sim.set(|c| c.app = SimApp::Solana);
    let dir = tempfile::tempdir().unwrap();
    let validator =
        SolanaValidator::start(&dir.path().join("ledger"), &[LEDGER.to_owned()]).unwrap();
    let url = validator.rpc_url().to_owned();
    let run = |args: &[&str]| env.vigil_with(args, "", &[("VIGIL_SPECULOS", &sim.addr())]);

    let o = run(&["ledger", "add", "--chain", "solana", "--index", "0"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).trim(), LEDGER);
    let o = run(&["sol", "send", "--to", BOB, "--amount", "2", "--yes", "--rpc-url", &url]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("Confirm on your Ledger"), "{}", err(&o));
    assert!(
        sim.controls().screens.iter().any(|s| s.starts_with("Review transaction")),
        "{:?}",
        sim.controls().screens
    );
    let o = run(&["sol", "balance", "--account", BOB, "--json", "--rpc-url", &url]);
    assert_eq!(json(&o)["sol"], "2");
    // Rejected on the device: nothing is sent.
    sim.set(|c| c.reject = true);
    let o = run(&["sol", "send", "--to", BOB, "--amount", "2", "--yes", "--rpc-url", &url]);
    assert!(err(&o).contains("you rejected the request on your Ledger"), "{}", err(&o));
    let o = run(&["sol", "balance", "--account", BOB, "--json", "--rpc-url", &url]);
    assert_eq!(json(&o)["sol"], "2");
}

#[test]
fn devnet_solana_runs_the_local_validator_with_the_demo_accounts() {
    let env = Env::new("sol-devnet");
    let port = (20_000..60_000)
        .step_by(97)
        .find(|p| {
            (*p..p + 45).all(|q| {
                std::net::TcpListener::bind(("127.0.0.1", q)).is_ok()
                    && std::net::UdpSocket::bind(("127.0.0.1", q)).is_ok()
            })
        })
        .unwrap();
    let mut child = env
        .command(&["devnet", "solana", "--port", &port.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    assert_eq!(line.trim(), url);
    for demo in [ALICE, "CqMbRgMuEhQi9BUS8xP44Wk5nENm48FqJnfjEi4eNb1k"] {
        let o = env.vigil(&["sol", "balance", "--account", demo, "--json", "--rpc-url", &url]);
        let balance = json(&o);
        assert_eq!(balance["sol"], "100", "{balance}");
        assert_eq!(balance["tokens"][0]["amount"], "10000", "{balance}");
    }
    // Its ledger is kept in the data directory.
    assert!(env.home.path().join("data/devnet/solana-ledger").is_dir());
    // Ctrl-C stops it.
    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the validator did not stop");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
