//! `vigil provider` as a user runs it: a dapp's script (viem, from npm) connects and sends
//! through it on the devnet; each connection and transaction is asked on the terminal after
//! its preview, signed with the vault, and a refusal reaches viem as EIP-1193's 4001.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{
    io::{BufRead, BufReader, Read, Write},
    process::Stdio,
};

use support::{Env, err};

const PASSWORD: &str = "hunter2 orbit meadow";
const RECIPIENT: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

#[test]
fn a_dapp_connects_and_sends_through_it_after_the_terminal_says_yes() {
    let env = Env::new("provider");
    env.import_junk(PASSWORD);
    let up = env.vigil(&["devnet", "up"]);
    assert!(up.status.success(), "{}", err(&up));
    let before = balance(&env, RECIPIENT);

    let mut provider = env
        .command(&["provider", "--port", "0", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The password, then the answers in the order the questions come: connect, sign, refuse,
    // sign a message, sign typed data, add a token.
    provider
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\ny\ny\nn\ny\ny\ny\n").as_bytes())
        .unwrap();
    let mut stdout = BufReader::new(provider.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let node_modules = vigil_devnet::node_modules();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/viem-send.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .args([url.as_str(), RECIPIENT, &a_weth(&env)])
        .env("NODE_PATH", &node_modules)
        .current_dir(node_modules.parent().unwrap())
        .output()
        .unwrap();
    let _ = provider.kill();
    let mut terminal = String::new();
    provider.stderr.take().unwrap().read_to_string(&mut terminal).unwrap();
    let _ = provider.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("{e}: {stdout} {}\n{terminal}", String::from_utf8_lossy(&out.stderr))
    });
    assert!(got.get("error").is_none(), "{got}\n{terminal}");

    // The user was asked, and saw the preview first.
    assert!(
        terminal.contains(
            "Connect local program to 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 on devnet?"
        ),
        "{terminal}"
    );
    assert!(
        terminal.contains("A transaction from local program on devnet")
            && terminal
                .contains("step        Transfer to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        "{terminal}"
    );
    assert!(
        terminal.contains("-0.25 ETH") || terminal.contains("-0.25"),
        "the change was previewed: {terminal}"
    );
    assert!(terminal.contains("network fee"), "{terminal}");

    assert_eq!(got["account"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(got["status"], "success", "{got}");
    let after = balance(&env, RECIPIENT);
    assert!((after - before - 0.25).abs() < 1e-9, "{before} → {after}");
    // Refused on the terminal: viem sees 4001.
    assert_eq!(got["refused"]["code"], 4001, "{got}");
    // The message and the permit were shown, signed with the vault, and recover to the account.
    assert!(terminal.contains("Sign in to the Vigil test dapp"), "{terminal}");
    assert!(
        terminal
            .contains("EIP-2612 permit: lets 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 move 1000"),
        "{terminal}"
    );
    assert!(terminal.contains("not a contract"), "a grant to an address without code: {terminal}");
    assert_eq!(
        (got["messageRecovers"].clone(), got["typedRecovers"].clone()),
        (true.into(), true.into()),
        "{got}"
    );
    // And it is in the journal like any of Vigil's own transactions.
    let journal = support::journal(&env, false).to_string();
    assert!(
        journal.contains(got["hash"].as_str().unwrap().trim_start_matches("0x"))
            || journal.contains(got["hash"].as_str().unwrap()),
        "{journal}"
    );
}

/// The devnet's aWETH, a token its network does not list, from `vigil lend markets`.
fn a_weth(env: &Env) -> String {
    let o = env.vigil(&["lend", "markets", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let weth = v["reserves"].as_array().unwrap().iter().find(|r| r["symbol"] == "WETH").unwrap();
    weth["a_token"].as_str().unwrap_or_else(|| panic!("{weth}")).to_owned()
}

/// An address's ETH on the devnet, through `vigil balances`.
fn balance(env: &Env, address: &str) -> f64 {
    let o = env.vigil(&["balances", "--account", address, "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let eth = v
        .pointer("/0/holdings")
        .and_then(|h| h.as_array())
        .and_then(|h| h.iter().find(|x| x["symbol"] == "ETH"))
        .and_then(|x| x["amount"].as_str())
        .unwrap_or_else(|| panic!("{v}"));
    eth.parse().unwrap()
}
