//! Solana balances against the real local validator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_defi_adapters::solana::{SolanaClient, SolanaError, SolanaNetwork, fetch_balances};
use vigil_devnet::solana::SolanaValidator;

/// The anvil mnemonic's first Solana account, m/44'/501'/0'/0'.
const DEMO: &str = "oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96";

#[tokio::test(flavor = "multi_thread")]
async fn balances_show_sol_and_both_token_programs_with_decimals_and_unknown_mints() {
    let dir = tempfile::tempdir().unwrap();
    let validator = SolanaValidator::start(&dir.path().join("ledger"), &[DEMO.to_owned()]).unwrap();
    let network = SolanaNetwork::localnet(validator.rpc_url().parse().unwrap());
    let client = SolanaClient::connect(&network).await.unwrap();
    let usdc = &validator.mints()[0];
    // Vigil knows USDC by name; USDG's mint is shown as is.
    let symbols = vec![(usdc.mint.clone(), "USDC".to_owned())];
    let balances = fetch_balances(&client, &DEMO.parse().unwrap(), &symbols).await.unwrap();
    assert_eq!(balances.lamports, 100_000_000_000);
    assert_eq!(balances.sol, "100");
    let shown: Vec<(Option<&str>, &str, &str, u8)> = balances
        .tokens
        .iter()
        .map(|t| (t.symbol.as_deref(), t.program.as_str(), t.amount.as_str(), t.decimals))
        .collect();
    assert_eq!(
        shown,
        [(Some("USDC"), "spl-token", "10000", 6), (None, "spl-token-2022", "1000", 6)]
    );
    assert_eq!(balances.tokens[1].mint, validator.mints()[1].mint);

    // An endpoint of another cluster is refused: the local chain is not mainnet-beta.
    let mut wrong = SolanaNetwork::builtin().remove(0);
    wrong.rpc_urls = network.rpc_urls.clone();
    let e = SolanaClient::connect(&wrong).await.unwrap_err();
    assert!(matches!(e, SolanaError::WrongCluster { .. }), "{e:?}");
    // A dead endpoint first: the client fails over to the live one.
    let mut failover = network.clone();
    failover.rpc_urls.insert(0, "http://127.0.0.1:9".parse().unwrap());
    let client = SolanaClient::connect(&failover).await.unwrap();
    assert_eq!(
        fetch_balances(&client, &DEMO.parse().unwrap(), &[]).await.unwrap().lamports,
        100_000_000_000
    );
}
