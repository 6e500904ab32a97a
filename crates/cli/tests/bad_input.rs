//! A corpus of bad input sent to every subcommand that takes user input, on a running devnet
//! with a vault: whatever is typed, Vigil answers with an error that says what is wrong, or
//! does the right thing, and never panics. The inputs tried are counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Env, err};
use vigil_signer::testing::bad_values as corpus;

/// Each command, `{}` where the bad value goes.
const TEMPLATES: &[&str] = &[
    "balances --account {}",
    "balances --network {}",
    "swap --from {} --to USDC --amount 1 --preview-only",
    "swap --from ETH --to {} --amount 1 --preview-only",
    "swap --from ETH --to USDC --amount {} --preview-only",
    "swap --from ETH --to USDC --amount 1 --slippage {} --preview-only",
    "swap --from ETH --to USDC --amount 1 --account {} --preview-only",
    "lend supply --asset {} --amount 1 --preview-only",
    "lend borrow --asset USDC --amount {} --preview-only",
    "lend position --account {}",
    "tx speed-up {} --yes",
    "tx cancel {} --yes",
    "network use {}",
    "network use --solana {}",
    "account watch --chain ethereum {}",
    "account watch --chain solana {}",
    "sol balance --account {} --rpc-url http://127.0.0.1:9",
    "derive --chain ethereum --index {}",
    "derive --chain {}",
    "lend position --network {}",
];

#[test]
fn every_subcommand_answers_bad_input_with_an_error_never_a_panic() {
    let env = Env::new("bad-input");
    env.import_junk("hunter2 orbit meadow");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let mut tried = 0;
    for template in TEMPLATES {
        for bad in corpus() {
            let args: Vec<String> = template
                .split(' ')
                .map(|a| if a == "{}" { bad.clone() } else { a.to_owned() })
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = env.vigil_stdin(
                &args,
                "test test test test test test test test test test test junk\n",
            );
            tried += 1;
            let shown = err(&o);
            let what =
                format!("vigil {template} with {:?}", bad.chars().take(40).collect::<String>());
            assert_ne!(o.status.code(), Some(101), "{what} panicked: {shown}");
            assert!(!shown.contains("panicked"), "{what}: {shown}");
            if !o.status.success() {
                assert!(!shown.trim().is_empty(), "{what} failed without a word");
                // It may quote what was typed (clap and Vigil's parser both do), and no more
                // than a screenful besides.
                let most = 2 * bad.len() + 2_000;
                assert!(shown.len() < most, "{what} answered {} bytes", shown.len());
            }
        }
    }
    eprintln!("{tried} bad inputs tried over {} commands, no panic", TEMPLATES.len());
    assert_eq!(tried, TEMPLATES.len() * corpus().len());
}
