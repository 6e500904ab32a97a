//! `vigil devnet` as a user runs it, against real anvil with the real protocol bytecode.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader},
    net::TcpStream,
    process::Stdio,
    time::{Duration, Instant},
};

mod support;

use support::{Env, err, out};

fn port_open(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn up_status_price_down_up_reset() {
    let env = Env::new("cycle");
    let o = env.vigil(&["devnet", "up", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let status: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(status["chain_id"], 31337);
    assert_eq!(status["rpc_url"], format!("http://127.0.0.1:{}", env.port));
    for symbol in ["WETH", "USDC", "DAI", "WBTC"] {
        assert!(status["manifest"]["tokens"][symbol]["address"].is_string(), "{symbol}");
    }
    assert_eq!(status["manifest"]["multicall3"], "0xca11bde05977b3631167028862be2a173976ca11");
    let manifest =
        std::fs::read_to_string(env.home.path().join("data/devnet/manifest.json")).unwrap();
    assert!(manifest.contains("aave_v3"));

    // Up again finds it running; status agrees.
    let o = env.vigil(&["devnet", "up"]);
    assert_eq!(out(&o).trim(), status["rpc_url"].as_str().unwrap());
    let o = env.vigil(&["devnet", "status", "--json"]);
    let again: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(again["pid"], status["pid"]);

    // Moving the price is a state change that survives down/up and is undone by reset.
    let o = env.vigil(&["devnet", "price", "WETH", "1500"]);
    assert!(o.status.success(), "{}", err(&o));
    let block_after_price = block(&env);
    let o = env.vigil(&["devnet", "down"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!port_open(env.port), "anvil still listening after down");
    let o = env.vigil(&["devnet", "status"]);
    assert!(err(&o).contains("not running"), "{}", err(&o));

    let started = Instant::now();
    let o = env.vigil(&["devnet", "up"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(started.elapsed() < Duration::from_secs(5), "warm up took {:?}", started.elapsed());
    assert!(block(&env) >= block_after_price, "the chain resumed where it stopped");

    let o = env.vigil(&["devnet", "reset", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(block(&env) < block_after_price, "reset went back to the pristine snapshot");
}

fn block(env: &Env) -> u64 {
    let o = env.vigil(&["devnet", "status", "--json"]);
    let s: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    s["block"].as_u64().unwrap()
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let env = Env::new("bad-input");
    let o = env.vigil(&["devnet", "price", "WETH", "1500"]);
    assert!(
        err(&o).contains("the devnet is not running: start it with 'vigil devnet up'"),
        "{}",
        err(&o)
    );
    assert!(env.vigil(&["devnet", "up"]).status.success());
    for (args, message) in [
        (vec!["devnet", "price", "PEPE", "1"], "unknown token 'PEPE'"),
        (vec!["devnet", "price", "WETH", "-3"], "invalid price -3"),
        (vec!["devnet", "price", "WETH", "0"], "invalid price 0"),
        (vec!["devnet", "price", "WETH", "cheap"], "invalid price cheap"),
        (vec!["devnet", "price", "WETH", "1,5"], "invalid price 1,5"),
    ] {
        let o = env.vigil(&args);
        assert!(!o.status.success(), "{args:?}");
        assert!(err(&o).contains(message), "{args:?}: {}", err(&o));
    }

    // Another devnet on the same port.
    let other = Env::new("other-user");
    let o = other.command(&["devnet", "up", "--port", &env.port.to_string()]).output().unwrap();
    assert!(!o.status.success());
    assert!(err(&o).contains(&format!("port {} is already in use", env.port)), "{}", err(&o));

    // anvil not installed.
    let o = other
        .command(&["devnet", "up", "--port", &other.port.to_string()])
        .env("VIGIL_ANVIL", "/nonexistent/anvil")
        .output()
        .unwrap();
    assert!(
        err(&o).contains("anvil is not installed") && err(&o).contains("make setup"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_foreground_devnet_dies_with_its_process() {
    let env = Env::new("foreground");
    let mut child = env
        .command(&["devnet", "run", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert!(port_open(port));
    // SIGKILL: no chance to clean up; the watchdog must still take anvil down.
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while port_open(port) {
        assert!(Instant::now() < deadline, "anvil outlived the process that started it");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn balances_of_demo_accounts_on_the_devnet() {
    let env = Env::new("balances");
    // The CLI's devnet is the app's: on the port `up` was given, found through its pid file.
    let o = env.vigil(&["devnet", "up"]);
    assert!(o.status.success(), "{}", err(&o));
    let demo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let o = env.vigil(&["balances", "--account", demo, "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let table: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let holdings = table[0]["holdings"].as_array().unwrap();
    let find = |s: &str| holdings.iter().find(|h| h["symbol"] == s).unwrap()["amount"].clone();
    assert_eq!(find("USDC"), "10000");
    assert_eq!(find("DAI"), "10000");
    assert_eq!(find("WBTC"), "1");
    assert_eq!(find("WETH"), "10");
    // 10,000 ETH less the 10 wrapped and a little gas.
    let eth: f64 = find("ETH").as_str().unwrap().parse().unwrap();
    assert!((9989.0..9990.0).contains(&eth), "{eth}");

    let o = env.vigil(&["balances", "--account", "0x70997970c51812dc3a010c7d01b50e0d17dc79C8"]);
    assert!(err(&o).contains("wrong EIP-55 checksum"), "{}", err(&o));
    let o = env.vigil(&["balances", "--account", demo, "--network", "goerli"]);
    assert!(err(&o).contains("unknown network 'goerli'"), "{}", err(&o));
    let o = env.vigil(&["balances"]);
    assert!(err(&o).contains("no Ethereum accounts"), "{}", err(&o));
}

#[test]
fn swap_preview_and_bad_input() {
    let env = Env::new("swap-preview");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let demo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let swap = |extra: &[&str]| {
        let mut args = vec!["swap", "--account", demo, "--preview-only"];
        args.extend_from_slice(extra);
        env.vigil(&args)
    };
    let o = swap(&["--from", "WETH", "--to", "usdc", "--amount", "1", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let p: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    // The devnet's Uniswap V4 pool pays the most for ether.
    assert!(p["route"].as_str().unwrap().starts_with("Uniswap V4 0.3%"), "{}", p["route"]);
    assert_eq!(
        p["changes"].as_array().unwrap().iter().find(|c| c["symbol"] == "WETH").unwrap()["amount"],
        "-1"
    );
    assert_eq!(p["findings"].as_array().unwrap().len(), 0);
    // Human output names the route, the limits and the fee.
    let o = swap(&["--from", "USDC", "--to", "DAI", "--amount", "250.5"]);
    let text = out(&o);
    // Balancer's stable pool pays a little more than Uniswap V4's 0.01% pool, and needs one
    // approval where the Universal Router needs two (Permit2's, and its allowance for the swap).
    assert!(
        text.contains("route       Balancer")
            && text.contains("runner-up   Uniswap V4 0.01%")
            && text.contains("network fee"),
        "{text}"
    );

    for (args, message) in [
        (vec!["--from", "PEPE", "--to", "USDC", "--amount", "1"], "unknown token 'PEPE' on devnet"),
        (vec!["--from", "WETH", "--to", "USDC", "--amount", "0"], "more than zero"),
        (vec!["--from", "WETH", "--to", "USDC", "--amount", "-1"], "must be positive"),
        (
            vec!["--from", "USDC", "--to", "WETH", "--amount", "1.0000001"],
            "more decimals than USDC allows (6)",
        ),
        (vec!["--from", "USDC", "--to", "WETH", "--amount", "50000"], "insufficient USDC"),
        (vec!["--from", "WETH", "--to", "WETH", "--amount", "1"], "the same"),
        (
            vec!["--from", "WETH", "--to", "USDC", "--amount", "1", "--slippage", "80"],
            "--slippage must be",
        ),
    ] {
        let o = swap(&args);
        assert!(!o.status.success(), "{args:?}");
        assert!(err(&o).contains(message), "{args:?}: {}", err(&o));
    }
}

#[test]
fn swap_signed_with_the_vault_and_sent() {
    let env = Env::new("swap");
    env.import_junk("hunter2 orbit meadow");
    let run = |args: &[&str], stdin: &str| env.vigil_stdin(args, stdin);
    assert!(env.vigil(&["devnet", "up"]).status.success());

    let weth = |env: &Env| {
        let o = env.command(&["balances", "--json"]).output().unwrap();
        let t: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
        let h = t[0]["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["symbol"] == "WETH")
            .unwrap()
            .clone();
        h["amount"].as_str().unwrap().parse::<f64>().unwrap()
    };
    let before = weth(&env);
    let swap = ["swap", "--from", "WETH", "--to", "USDC", "--amount", "0.5", "--password-stdin"];

    // Not confirmed (no terminal, no --yes): nothing is signed.
    let o = run(&swap, "hunter2 orbit meadow\n");
    assert!(err(&o).contains("pass --yes"), "{}", err(&o));
    // A wrong password signs nothing.
    let mut with_yes = swap.to_vec();
    with_yes.push("--yes");
    let o = run(&with_yes, "wrong password\n");
    assert!(err(&o).contains("wrong password"), "{}", err(&o));
    assert_eq!(weth(&env), before);

    let o = run(&with_yes, "hunter2 orbit meadow\n");
    assert!(o.status.success(), "{}", err(&o));
    // Half an ether fetches the most on SushiSwap's dearer, thinner pool: approve, then swap.
    let hashes = out(&o).lines().filter(|l| l.starts_with("0x") && l.len() == 66).count();
    assert_eq!(hashes, 2, "approve and swap hashes: {}", out(&o));
    assert!(err(&o).contains("mined   Swap on SushiSwap"), "{}", err(&o));
    assert_eq!(before - weth(&env), 0.5);

    // ETH and WETH convert through the WETH contract, one transaction, exactly 1:1.
    let convert = |from: &str, to: &str, amount: &str| {
        let args = ["swap", "--from", from, "--to", to, "--amount", amount];
        let o =
            run(&[&args[..], &["--password-stdin", "--yes"]].concat(), "hunter2 orbit meadow\n");
        assert!(o.status.success(), "{}", err(&o));
        out(&o)
    };
    let text = convert("ETH", "WETH", "2");
    assert!(text.contains("Wrap 2 ETH into WETH"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("0x") && l.len() == 66).count(), 1, "{text}");
    assert_eq!(weth(&env) - before, 1.5);
    assert!(convert("WETH", "ETH", "2").contains("Unwrap 2 WETH into ETH"));
    assert_eq!(weth(&env), before - 0.5);

    // A danger finding (the oracle moved away from the pools) needs --accept-risk.
    assert!(env.vigil(&["devnet", "price", "WETH", "1500", "--oracle-only"]).status.success());
    let o = run(&with_yes, "hunter2 orbit meadow\n");
    assert!(err(&o).contains("--accept-risk"), "{}", err(&o));
    assert!(out(&o).contains("oracle price"), "the finding is shown: {}", out(&o));
    assert_eq!(before - weth(&env), 0.5, "nothing more was swapped");
}
