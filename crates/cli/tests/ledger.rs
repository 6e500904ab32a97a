//! `vigil ledger` and Ledger accounts in the swap and lending flows, as a user runs them,
//! with VIGIL_SPECULOS pointing at the device simulator: the binary speaks the apps' APDUs
//! over Speculos' TCP protocol, exactly as it would to Speculos.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use alloy::primitives::{Address, Signature, U256, address, eip191_hash_message};
use support::{Env, err, out};
use vigil_signer::ledger::simulator::{SimApp, Simulator};

/// Speculos' default seed at m/44'/60'/0'/0/0 and m/44'/501'/0'/0'.
const ETH_0: Address = address!("0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D");
const SOL_0: &str = "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV";

/// Runs `vigil ARGS` against `sim`.
fn ledger(env: &Env, sim: &Simulator, args: &[&str]) -> std::process::Output {
    env.vigil_with(args, "", &[("VIGIL_SPECULOS", &sim.addr())])
}

#[test]
fn addresses_accounts_and_messages_come_from_the_device() {
    let env = Env::new("ledger-read");
    let sim = Simulator::start().unwrap();

    let o = ledger(&env, &sim, &["ledger", "address", "--chain", "ethereum", "--index", "0"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("{}\n", ETH_0.to_checksum(None)), "the address alone");

    let o =
        ledger(&env, &sim, &["ledger", "address", "--chain", "ethereum", "--index", "1", "--show"]);
    assert!(o.status.success(), "{}", err(&o));
    let shown = out(&o).trim().to_owned();
    assert_ne!(shown, ETH_0.to_checksum(None));
    assert_eq!(sim.controls().screens, vec![format!("Verify address {shown}")]);

    let o = ledger(
        &env,
        &sim,
        &["ledger", "accounts", "--chain", "ethereum", "--count", "2", "--json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let rows: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let paths: Vec<&str> =
        rows.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["m/44'/60'/0'/0/0", "m/44'/60'/1'/0/0", "m/44'/60'/0'/0/0", "m/44'/60'/0'/0/1"]
    );
    assert_eq!(rows[3]["address"], shown.as_str(), "legacy index 1 is the address shown above");

    let o = ledger(
        &env,
        &sim,
        &["ledger", "sign-message", "--chain", "ethereum", "--message", "hello from Vigil"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("Review the message on your Ledger"), "{}", err(&o));
    let signature: Signature = out(&o).trim().parse().unwrap();
    let hash = eip191_hash_message(b"hello from Vigil");
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), ETH_0);

    let o = ledger(&env, &sim, &["ledger", "devices"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&format!("Speculos at {}", sim.addr())), "{}", out(&o));
    assert!(out(&o).contains("ready (Ethereum app 1.13.0 open)"), "{}", out(&o));
    let o = ledger(&env, &sim, &["ledger", "doctor"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("Speculos answers"), "{}", out(&o));

    // The [ledger] setting reaches Speculos without the environment variable.
    let config = env.home.path().join("config/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, format!("[ledger]\nspeculos = \"{}\"\n", sim.addr())).unwrap();
    let o = env.vigil(&["ledger", "address", "--chain", "ethereum"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).trim(), ETH_0.to_checksum(None));

    sim.set(|c| c.app = SimApp::Solana);
    let o = ledger(&env, &sim, &["ledger", "address", "--chain", "solana", "--index", "0"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("{SOL_0}\n"));
    let o = ledger(&env, &sim, &["ledger", "sign-message", "--chain", "solana", "--message", "gm"]);
    assert!(o.status.success(), "{}", err(&o));
    let signature: vigil_signer::SolanaSignature = out(&o).parse().unwrap();
    let key: vigil_signer::SolanaAddress = SOL_0.parse().unwrap();
    let message = vigil_signer::solana::offchain_message("gm", &key).unwrap();
    assert!(key.verify(&message, &signature));
}

#[test]
fn device_states_and_bad_input_are_specific_errors() {
    let env = Env::new("ledger-errors");
    let sim = Simulator::start().unwrap();
    let address = ["ledger", "address", "--chain", "ethereum"];
    let fails_with = |args: &[&str], text: &str| {
        let o = ledger(&env, &sim, args);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(err(&o).contains(text), "{args:?}: expected '{text}' in: {}", err(&o));
        assert!(out(&o).is_empty(), "nothing on stdout: {}", out(&o));
    };

    sim.set(|c| c.locked = true);
    fails_with(&address, "your Ledger is locked: enter your PIN");
    sim.set(|c| {
        c.locked = false;
        c.app = SimApp::Dashboard;
    });
    fails_with(&address, "open the Ethereum app on your Ledger");
    sim.set(|c| c.app = SimApp::Other("Bitcoin".into()));
    fails_with(
        &address,
        "the Bitcoin app is open on your Ledger: close it and open the Ethereum app",
    );
    sim.set(|c| {
        c.app = SimApp::Ethereum;
        c.reject = true;
    });
    fails_with(&[&address[..], &["--show"]].concat(), "you rejected the request on your Ledger");
    fails_with(
        &["ledger", "sign-message", "--chain", "ethereum", "--message", "x"],
        "you rejected",
    );
    fails_with(
        &["ledger", "address", "--chain", "solana", "--path", "m/44'/501'/0'/0"],
        "is not a Solana path",
    );
    fails_with(&["ledger", "address", "--chain", "ethereum", "--path", "44/60"], "starts with 'm'");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let o = env.vigil_with(&address, "", &[("VIGIL_SPECULOS", &format!("127.0.0.1:{port}"))]);
    assert!(!o.status.success());
    assert!(err(&o).contains("cannot reach Speculos at 127.0.0.1"), "{}", err(&o));
    assert!(err(&o).contains("unset VIGIL_SPECULOS"), "{}", err(&o));
}

#[test]
fn a_ledger_account_swaps_and_lends_on_the_devnet() {
    let env = Env::new("ledger-defi");
    let sim = Simulator::start().unwrap();
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let run = |args: &[&str]| ledger(&env, &sim, args);

    let o = run(&["ledger", "add", "--chain", "ethereum", "--index", "0"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).trim(), ETH_0.to_checksum(None));
    assert_eq!(
        sim.controls().screens,
        vec![format!("Verify address {ETH_0}")],
        "approved on the device"
    );
    let config = std::fs::read_to_string(env.home.path().join("config/config.toml")).unwrap();
    assert!(config.contains("[account.signer]\nkind = \"ledger\""), "{config}");
    assert!(config.contains("path = \"m/44'/60'/0'/0/0\""), "{config}");
    let o = run(&["ledger", "add", "--chain", "ethereum", "--index", "0"]);
    assert!(
        !o.status.success() && err(&o).contains("already in the wallet as 'Ledger 1'"),
        "{}",
        err(&o)
    );

    // Give the Ledger's account 10 ETH on the devnet.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use alloy::providers::Provider;
        let provider = vigil_devnet::provider(&format!("http://127.0.0.1:{}", env.port)).unwrap();
        let ten = U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64));
        let _: () = provider.raw_request("anvil_setBalance".into(), (ETH_0, ten)).await.unwrap();
    });

    // A swap carries calldata: with blind signing off, the app refuses and Vigil says how to
    // turn it on. Nothing is sent.
    let swap = ["swap", "--from", "ETH", "--to", "USDC", "--amount", "1", "--yes"];
    let o = run(&swap);
    assert!(!o.status.success());
    assert!(err(&o).contains("enable \"Blind signing\""), "{}", err(&o));
    assert!(err(&o).contains("Confirm on your Ledger"), "{}", err(&o));

    sim.set(|c| c.blind_signing = true);
    let o = run(&swap);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("mined"), "{}", err(&o));
    // The device showed the hash of what it blind-signed, and Vigil printed the same one first.
    let shown = sim
        .controls()
        .screens
        .iter()
        .find_map(|s| s.split("transaction hash ").nth(1).map(str::to_owned));
    let shown = shown.unwrap_or_else(|| panic!("{:?}", sim.controls().screens));
    assert!(err(&o).contains(&format!("the device shows transaction hash {shown}")), "{}", err(&o));
    let o = run(&["balances", "--json"]);
    assert!(o.status.success(), "{}", err(&o));
    let balances: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let account = &balances[0];
    assert_eq!(account["account"], ETH_0.to_checksum(None).to_lowercase(), "the wallet's account");
    let usdc = account["holdings"].as_array().unwrap().iter().find(|h| h["symbol"] == "USDC");
    let usdc: f64 = usdc.unwrap()["amount"].as_str().unwrap().parse().unwrap();
    assert!(usdc > 1000.0, "1 ETH bought some 2,000 USDC: {balances}");

    // Some of it for WBTC: through the Universal Router (Uniswap V2 via WETH), so approve
    // Permit2 on the device, then sign the Permit2 allowance there (EIP-712, its two hashes
    // printed first to compare), then the swap that carries it.
    let before = sim.controls().screens.len();
    let o = run(&["swap", "--from", "USDC", "--to", "WBTC", "--amount", "500", "--yes"]);
    assert!(o.status.success(), "{}", err(&o));
    let screens = sim.controls().screens[before..].to_vec();
    let typed = screens.iter().find_map(|s| s.strip_prefix("Sign typed data: domain "));
    let typed = typed.unwrap_or_else(|| panic!("the permit was signed on the device: {screens:?}"));
    let (domain, message) = typed.split_once(" message ").unwrap();
    for hash in [domain, message] {
        assert!(err(&o).contains(&format!("the device shows 0x{hash}")), "{hash} in {}", err(&o));
    }
    assert_eq!(screens.len(), 3, "approve Permit2, sign the allowance, swap: {screens:?}");

    // Supply some of that USDC to Aave: approve and supply, both confirmed on the device.
    let before = sim.controls().screens.len();
    let o = run(&["lend", "supply", "--asset", "USDC", "--amount", "1000", "--yes"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        sim.controls().screens.len() - before,
        2,
        "approve and supply confirmed on the device"
    );
    let o = run(&["lend", "position", "--json"]);
    let position: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(position["assets"][0]["symbol"], "USDC", "{position}");
}
