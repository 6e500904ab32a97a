//! The `vigil` binary as a user runs it. The vault tests use the real Secret Service of the
//! desktop-session harness, and every command runs in a new process, so a vault written by one
//! is read back by another.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Env, JUNK, err as stderr, out as stdout, require_session};

#[test]
fn derive_prints_the_address_alone() {
    let env = Env::new("derive");
    let o = env.vigil_stdin(&["derive", "--chain", "ethereum", "--index", "0"], JUNK);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n");
    let o =
        env.vigil_stdin(&["derive", "--chain", "ethereum", "--index", "9"], &format!("{JUNK}\n"));
    assert_eq!(stdout(&o), "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720\n");
    let speculos = "glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact monster seven myth punch hobby comfort wild raise skin";
    let o = env.vigil_stdin(&["derive", "--chain", "solana", "--index", "0"], speculos);
    assert_eq!(stdout(&o), "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV\n");
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    // `vigil network list | head -0`: the reader is gone before vigil prints.
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new("pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = env.command(&["network", "list"]).stdout(writer).output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.signal(), Some(13), "ended by SIGPIPE, as any Unix tool: {:?}", o.status);
}

#[test]
fn derive_rejects_bad_input_with_the_specific_error() {
    let env = Env::new("derive-bad");
    let cases = [
        (
            "test test test test tset test test test test test test junk",
            "word 5 is not in the BIP39 English word list",
        ),
        ("test test test", "has 3 words"),
        ("test test test test test test test test test test test test", "fails its checksum"),
        ("", "expected the recovery phrase on stdin"),
    ];
    for (input, message) in cases {
        let o = env.vigil_stdin(&["derive", "--chain", "ethereum", "--index", "0"], input);
        assert!(!o.status.success(), "{input}");
        assert!(stdout(&o).is_empty());
        assert!(stderr(&o).contains(message), "{input}: {}", stderr(&o));
        assert!(!stderr(&o).contains("tset"), "the typed words must not be echoed");
    }
    let o = env.vigil_stdin(&["derive", "--chain", "ethereum", "--index", "2147483648"], JUNK);
    assert!(!o.status.success(), "an index of 2^31 would silently wrap to a hardened index");
    let o = env.vigil_stdin(&["derive", "--chain", "bitcoin", "--index", "0"], JUNK);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown chain 'bitcoin'"), "{}", stderr(&o));
}

#[test]
fn vault_round_trip_across_processes() {
    require_session();
    let env = Env::new("vault");
    let o = env.vigil_stdin(
        &["vault", "import", "--password-stdin"],
        &format!("{JUNK}\nhunter2 orbit meadow\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));

    // A new process reads the vault back from the keychain.
    let o = env.vigil_stdin(&["vault", "unlock", "--password-stdin"], "hunter2 orbit meadow\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));

    let o = env.vigil_stdin(&["vault", "unlock", "--password-stdin"], "not the password\n");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("wrong password for vault 'default'"), "{}", stderr(&o));

    let o = env.vigil_stdin(
        &["vault", "import", "--password-stdin"],
        &format!("{JUNK}\nhunter2 orbit meadow\n"),
    );
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    let o = env.vigil_stdin(
        &["vault", "passwd", "--password-stdin"],
        "hunter2 orbit meadow\nnew lantern orbit 1\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil_stdin(&["vault", "unlock", "--password-stdin"], "new lantern orbit 1\n");
    assert!(o.status.success(), "{}", stderr(&o));

    let o = env.vigil_stdin(&["vault", "list", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(list[0]["name"], "default");
    assert_eq!(list[0]["accounts"][0]["address"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    let sol = env.vigil_stdin(&["derive", "--chain", "solana"], JUNK);
    assert_eq!(list[0]["accounts"][1]["address"], stdout(&sol).trim());

    // Nothing secret on disk.
    let config = std::fs::read_to_string(env.home.path().join("config/config.toml")).unwrap();
    assert!(!config.contains("junk") && !config.contains("hunter2"));

    let o = env.vigil_stdin(&["vault", "delete"], "");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("pass --yes"));
    let o = env.vigil_stdin(&["vault", "delete", "--yes"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil_stdin(&["vault", "unlock", "--password-stdin"], "new lantern orbit 1\n");
    assert!(stderr(&o).contains("no vault named 'default'"), "{}", stderr(&o));
}

#[test]
fn create_prints_the_words_once_and_they_restore_the_same_accounts() {
    require_session();
    let env = Env::new("create");
    let args = ["vault", "create", "--words", "24", "--name", "fresh", "--password-stdin"];
    let o = env.vigil_stdin(&args, "long quiet password\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let phrase = stdout(&o);
    assert_eq!(phrase.split_whitespace().count(), 24);
    let o2 = env.vigil_stdin(&["derive", "--chain", "ethereum"], &phrase);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let address = stdout(&o2);
    assert!(address.starts_with("0x") && address.trim().len() == 42, "{address}");
    assert!(stderr(&o).contains(address.trim()), "the derived address is the vault's account");

    let o = env.vigil_stdin(
        &["vault", "create", "--words", "13", "--password-stdin"],
        "long quiet password\n",
    );
    assert!(stderr(&o).contains("--words must be 12 or 24"), "{}", stderr(&o));
    let o = env.vigil_stdin(&["vault", "create", "--name", "x", "--password-stdin"], "short\n");
    assert!(stderr(&o).contains("at least 8 characters"), "{}", stderr(&o));
}

#[test]
fn no_keychain_is_a_clear_error() {
    let env = Env::new("nokeychain");
    let o = env.vigil_with(
        &["vault", "list"],
        "",
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/vigil-bus")],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("the OS keychain is not available"), "{}", stderr(&o));
}

#[test]
fn the_chosen_network_is_shared_and_refuses_unknown_names() {
    let env = Env::fresh("network");
    let o = env.vigil(&["network", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("* ethereum  chain 1"),
        "a new install acts on Ethereum: {}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("* mainnet-beta"), "{}", stdout(&o));
    let o = env.vigil(&["network", "use", "base"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil(&["network", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(listed["network"], "base");
    let o = env.vigil(&["network", "use", "goerli"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unknown network 'goerli'") && stderr(&o).contains("polygon"),
        "{}",
        stderr(&o)
    );
    // Commands follow the choice. A network of the user's own (on loopback: tests reach no
    // other address) is listed and chosen like a built-in one.
    let config = env.home.path().join("config/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let mine =
        "[[network]]\nname = \"mychain\"\nchain_id = 777\nrpc_urls = [\"http://127.0.0.1:9/\"]\n";
    std::fs::write(&config, format!("{text}\n{mine}")).unwrap();
    let o = env.vigil(&["network", "use", "mychain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil(&["balances", "--account", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("mychain"), "balances acted on the chosen network: {}", stderr(&o));
}

#[test]
fn accounts_are_added_from_the_phrase_and_watched() {
    require_session();
    let env = Env::new("accounts");
    let o = env.vigil_stdin(
        &["vault", "import", "--password-stdin"],
        &format!("{JUNK}\nhunter2 orbit meadow\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil_stdin(
        &["account", "add", "--chain", "ethereum", "--name", "Savings", "--password-stdin"],
        "wrong-password\n",
    );
    assert!(!o.status.success(), "a wrong password adds nothing");
    let o = env.vigil_stdin(
        &["account", "add", "--chain", "ethereum", "--name", "Savings", "--password-stdin"],
        "hunter2 orbit meadow\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8  Savings"),
        "{}",
        stdout(&o)
    );
    let o = env.vigil(&[
        "account",
        "watch",
        "--chain",
        "ethereum",
        "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = env.vigil(&["account", "list"]);
    let listed = stdout(&o);
    assert_eq!(listed.lines().count(), 4, "{listed}");
    assert!(listed.contains("watch-only 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"), "{listed}");
    let o = env.vigil(&[
        "account",
        "watch",
        "--chain",
        "ethereum",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293bc",
    ]);
    assert!(stderr(&o).contains("checksum"), "a mistyped address is refused: {}", stderr(&o));
}
