//! Solana against the real local validator: balances, then transfers of SOL and of SPL
//! tokens through plan → simulate → preview → sign → send → confirm. One validator serves the
//! whole file (it takes most of the machine), so the checks run in one test, section by
//! section.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use solana_pubkey::Pubkey;
use vigil_defi_adapters::solana::{
    SolanaBalances, SolanaClient, SolanaError, SolanaNetwork, fetch_balances,
    plan::{SolReview, simulate},
    stake::{StakeState, deactivate, list_stakes, stake, withdraw},
    submit::{SendError, send_plan},
    transfer::{mint_info, transfer_sol, transfer_token},
};
use vigil_devnet::solana::SolanaValidator;
use vigil_signer::{DerivationPath, Mnemonic, SoftwareSolanaSigner, SolanaSigner};

const JUNK: &str = "test test test test test test test test test test test junk";

fn signer(index: u32) -> SoftwareSolanaSigner {
    let seed = Mnemonic::parse(JUNK).unwrap().to_seed("");
    SoftwareSolanaSigner::from_seed(&seed, &DerivationPath::solana(index)).unwrap()
}

fn key(s: &SoftwareSolanaSigner) -> Pubkey {
    Pubkey::new_from_array(s.pubkey().0)
}

/// The change the review shows for `owner` in `asset` (raw units), or 0.
fn change(review: &SolReview, owner: &Pubkey, asset: &str) -> i128 {
    review
        .changes
        .iter()
        .filter(|c| c.owner == owner.to_string() && c.asset == asset)
        .map(|c| c.raw)
        .sum()
}

fn sol(b: &SolanaBalances) -> i128 {
    i128::from(b.lamports)
}

fn token(b: &SolanaBalances, mint: &str) -> i128 {
    b.tokens.iter().filter(|t| t.mint == mint).map(|t| i128::from(t.raw)).sum()
}

async fn send(
    client: &SolanaClient,
    plan: &vigil_defi_adapters::solana::plan::SolPlan,
    from: &SoftwareSolanaSigner,
) -> Result<vigil_defi_adapters::solana::submit::Sent, SendError<vigil_signer::SignerError>> {
    send_plan(client, plan, |bytes| async move { from.sign_message(&bytes).await.map(|s| s.0) })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn balances_transfers_and_previews_on_the_local_validator() {
    let alice = signer(0);
    let bob = signer(7); // Not funded: owns nothing yet.
    let dir = tempfile::tempdir().unwrap();
    let validator =
        SolanaValidator::start(&dir.path().join("ledger"), &[alice.pubkey().to_string()]).unwrap();
    let network = SolanaNetwork::localnet(validator.rpc_url().parse().unwrap());
    let client = SolanaClient::connect(&network).await.unwrap();
    let (usdc, usdg) = (&validator.mints()[0], &validator.mints()[1]);
    let symbols = vec![(usdc.mint.clone(), "USDC".to_owned())];

    // Balances: SOL, and both token programs with the mint's decimals; USDG is unknown to
    // Vigil, so it is shown by its mint.
    let balances = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
    assert_eq!((balances.lamports, balances.sol.as_str()), (100_000_000_000, "100"));
    let shown: Vec<(Option<&str>, &str, &str, u8)> = balances
        .tokens
        .iter()
        .map(|t| (t.symbol.as_deref(), t.program.as_str(), t.amount.as_str(), t.decimals))
        .collect();
    assert_eq!(
        shown,
        [(Some("USDC"), "spl-token", "10000", 6), (None, "spl-token-2022", "1000", 6)]
    );

    // The validator starts past the first slots, whose transactions pay no fee.
    let slot = client.request(|c| async move { c.get_slot().await }).await.unwrap();
    assert!(slot >= 3, "slot {slot}");

    // SOL: the preview's changes are exactly what happens, fee included.
    let plan = transfer_sol(key(&alice), &bob.pubkey().to_string(), "1.5").unwrap();
    let review = simulate(&client, &plan, &symbols).await.unwrap();
    assert_eq!(review.error, None, "{:?}", review.logs);
    assert_eq!(change(&review, &key(&bob), "SOL"), 1_500_000_000);
    assert_eq!(change(&review, &key(&alice), "SOL"), -1_500_000_000 - i128::from(review.fee));
    assert!(review.fee > 0);
    let sent = send(&client, &plan, &alice).await.unwrap();
    assert_eq!(sent.attempts, 1);
    let after = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
    assert_eq!(sol(&after) - sol(&balances), change(&review, &key(&alice), "SOL"));
    let bob_sol = fetch_balances(&client, &key(&bob), &symbols).await.unwrap();
    assert_eq!(bob_sol.lamports, 1_500_000_000);

    // SPL tokens of both programs to an account that has none: its associated token account
    // is created, the preview shows the rent, and the balances end as previewed.
    for (mint, symbol) in [(usdc, "USDC"), (usdg, usdg.mint.as_str())] {
        let info = mint_info(&client, &mint.mint.parse().unwrap()).await.unwrap();
        let before = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
        let plan =
            transfer_token(&client, key(&alice), &bob.pubkey().to_string(), &info, symbol, "250.5")
                .await
                .unwrap();
        assert!(plan.warnings.iter().any(|w| w.contains("creates it")), "{:?}", plan.warnings);
        let review = simulate(&client, &plan, &symbols).await.unwrap();
        assert_eq!(review.error, None, "{:?}", review.logs);
        assert_eq!(change(&review, &key(&bob), symbol), 250_500_000);
        assert_eq!(change(&review, &key(&alice), symbol), -250_500_000);
        assert!(review.rent > 2_000_000, "an associated token account's rent: {}", review.rent);
        assert_eq!(
            change(&review, &key(&alice), "SOL"),
            -i128::from(review.fee) - i128::from(review.rent),
            "the payer pays the fee and the rent"
        );
        send(&client, &plan, &alice).await.unwrap();
        let after = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
        assert_eq!(token(&after, &mint.mint) - token(&before, &mint.mint), -250_500_000);
        assert_eq!(sol(&after) - sol(&before), change(&review, &key(&alice), "SOL"));
        let bob_now = fetch_balances(&client, &key(&bob), &symbols).await.unwrap();
        assert_eq!(token(&bob_now, &mint.mint), 250_500_000);
        // A second transfer finds the account and creates nothing.
        let again =
            transfer_token(&client, key(&alice), &bob.pubkey().to_string(), &info, symbol, "1")
                .await
                .unwrap();
        assert_eq!(again.instructions.len(), 1);
    }

    // More SOL than the account has: the preview shows the program error and logs, and the
    // node refuses to send it.
    let plan = transfer_sol(key(&bob), &alice.pubkey().to_string(), "1000").unwrap();
    let review = simulate(&client, &plan, &symbols).await.unwrap();
    let error = review.error.clone().expect("the simulation fails");
    assert!(
        error.contains("custom program error: 0x1") || error.contains("insufficient"),
        "{error}"
    );
    assert!(review.logs.iter().any(|l| l.contains("insufficient lamports")), "{:?}", review.logs);
    let before = fetch_balances(&client, &key(&bob), &symbols).await.unwrap();
    assert!(matches!(send(&client, &plan, &bob).await, Err(SendError::Failed(_))));
    assert_eq!(
        fetch_balances(&client, &key(&bob), &symbols).await.unwrap().lamports,
        before.lamports
    );

    // A node that holds a transaction back, then one that says "Blockhash not found" for a
    // transaction it passed on: signed again only once the first cannot land, and never two.
    withheld_and_denied_transactions_land_once(&validator, &alice, &bob).await;

    // Staking: create and delegate, deactivate, withdraw; the list follows each step.
    let votes = client.request(|c| async move { c.get_vote_accounts().await }).await.unwrap();
    let vote = votes.current[0].vote_pubkey.clone();
    let before = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
    let plan = stake(&client, key(&alice), &vote, "10").await.unwrap();
    let review = simulate(&client, &plan, &symbols).await.unwrap();
    assert_eq!(review.error, None, "{:?}", review.logs);
    send(&client, &plan, &alice).await.unwrap();
    let stakes = list_stakes(&client, &key(&alice)).await.unwrap();
    assert_eq!(stakes.len(), 1, "{stakes:?}");
    let account = stakes[0].clone();
    assert_eq!(account.validator.as_deref(), Some(vote.as_str()));
    assert_eq!(account.state, StakeState::Activating);
    assert!(account.lamports > 10_000_000_000, "10 SOL and the rent reserve: {}", account.lamports);
    let after = fetch_balances(&client, &key(&alice), &symbols).await.unwrap();
    assert_eq!(sol(&after) - sol(&before), change(&review, &key(&alice), "SOL"), "as previewed");
    assert_eq!(
        sol(&before) - sol(&after),
        i128::from(account.lamports) + i128::from(review.fee),
        "the wallet paid the stake, its reserve and the fee"
    );
    // A second stake gets the next address.
    let second = stake(&client, key(&alice), &vote, "1").await.unwrap();
    assert!(second.summary.contains("new stake account"), "{}", second.summary);
    assert!(!second.summary.contains(&account.address), "{}", second.summary);

    send(&client, &deactivate(key(&alice), &account.address).unwrap(), &alice).await.unwrap();
    let stakes = list_stakes(&client, &key(&alice)).await.unwrap();
    assert!(
        matches!(stakes[0].state, StakeState::Inactive | StakeState::Deactivating),
        "{stakes:?}"
    );
    // Deactivated in the epoch it was delegated, it never became active: all withdrawable.
    let plan = withdraw(&client, key(&alice), &account.address, None).await.unwrap();
    let review = simulate(&client, &plan, &symbols).await.unwrap();
    assert_eq!(review.error, None, "{:?}", review.logs);
    assert_eq!(
        change(&review, &key(&alice), "SOL"),
        i128::from(account.lamports) - i128::from(review.fee)
    );
    send(&client, &plan, &alice).await.unwrap();
    assert!(list_stakes(&client, &key(&alice)).await.unwrap().is_empty(), "the account is closed");
    // Not a vote account.
    let e = stake(&client, key(&alice), &bob.pubkey().to_string(), "1").await.unwrap_err();
    assert!(e.to_string().contains("not a vote account"), "{e}");

    // Bad input is refused before anything is signed.
    let e = transfer_sol(key(&alice), "not-base58-0OIl", "1").unwrap_err();
    assert!(matches!(e, SolanaError::BadAddress(_)), "{e}");
    let e = transfer_sol(key(&alice), &bob.pubkey().to_string(), "0.0000000001").unwrap_err();
    assert!(e.to_string().contains("decimals"), "{e}");
    let info = mint_info(&client, &usdc.mint.parse().unwrap()).await.unwrap();
    let e =
        transfer_token(&client, key(&alice), &bob.pubkey().to_string(), &info, "USDC", "1.0000001")
            .await
            .unwrap_err();
    assert!(e.to_string().contains("more decimals than USDC allows (6)"), "{e}");
    // An off-curve (program-derived) recipient is allowed with a warning.
    let pda = spl_associated_token_account_interface::address::get_associated_token_address(
        &key(&alice),
        &usdc.mint.parse().unwrap(),
    );
    let plan = transfer_sol(key(&alice), &pda.to_string(), "0.1").unwrap();
    assert!(plan.warnings[0].contains("not a wallet address"), "{:?}", plan.warnings);
    // Another cluster's endpoint is refused; a dead endpoint is failed over.
    let mut wrong = SolanaNetwork::builtin().remove(0);
    wrong.rpc_urls = network.rpc_urls.clone();
    assert!(matches!(SolanaClient::connect(&wrong).await, Err(SolanaError::WrongCluster { .. })));
    let mut failover = network.clone();
    failover.rpc_urls.insert(0, "http://127.0.0.1:9".parse().unwrap());
    let client = SolanaClient::connect(&failover).await.unwrap();
    assert!(fetch_balances(&client, &key(&alice), &[]).await.unwrap().lamports > 0);
}

/// A client through a hostile node in front of the validator whose first blockhash "expires"
/// within 3 blocks and is then reported invalid (so that the test does not wait the 150
/// blocks of a real one).
async fn through_hostile(
    validator: &SolanaValidator,
) -> (vigil_defi_adapters::testing::HostileNode, SolanaClient) {
    use vigil_defi_adapters::testing::{Fault, HostileNode};
    let node = HostileNode::start(validator.rpc_url().parse().unwrap()).await.unwrap();
    let direct =
        SolanaClient::connect(&SolanaNetwork::localnet(validator.rpc_url().parse().unwrap()))
            .await
            .unwrap();
    let height = direct.request(|c| async move { c.get_block_height().await }).await.unwrap();
    node.set_times(
        "getLatestBlockhash",
        Fault::rewrite(move |mut r| {
            r["value"]["lastValidBlockHeight"] = serde_json::json!(height + 3);
            r
        }),
        1,
    );
    node.set(
        "isBlockhashValid",
        Fault::rewrite(|mut r| {
            r["value"] = serde_json::json!(false);
            r
        }),
    );
    let client = SolanaClient::connect(&SolanaNetwork::localnet(node.url())).await.unwrap();
    (node, client)
}

async fn withheld_and_denied_transactions_land_once(
    validator: &SolanaValidator,
    alice: &SoftwareSolanaSigner,
    bob: &SoftwareSolanaSigner,
) {
    use vigil_defi_adapters::testing::Fault;
    let plan = transfer_sol(key(alice), &bob.pubkey().to_string(), "0.25").unwrap();
    let direct =
        SolanaClient::connect(&SolanaNetwork::localnet(validator.rpc_url().parse().unwrap()))
            .await
            .unwrap();
    let bob_key = key(bob);
    let lamports = async |c: &SolanaClient| {
        c.request(|r| async move { r.get_balance(&bob_key).await }).await.unwrap()
    };

    // Held back: the first transaction never reaches the cluster. Once its blockhash has
    // expired and its signature is nowhere, a second is signed and lands.
    let (node, client) = through_hostile(validator).await;
    node.set_times("sendTransaction", Fault::withhold_solana_transaction(), 1);
    let before = lamports(&direct).await;
    let sent = send(&client, &plan, alice).await.unwrap();
    assert_eq!(sent.attempts, 2, "signed again once the first could no longer land");
    assert_eq!(lamports(&direct).await - before, 250_000_000, "landed once");
    assert_eq!(node.calls("sendTransaction").len(), 2);

    // Passed on, and denied: "Blockhash not found". Before, Vigil signed again at once and
    // both landed; now it waits, finds the first landed, and signs nothing more.
    let (node, client) = through_hostile(validator).await;
    node.set_times(
        "sendTransaction",
        Fault::ForwardThenError(
            -32002,
            "Transaction simulation failed: Blockhash not found".into(),
        ),
        1,
    );
    let before = lamports(&direct).await;
    let sent = send(&client, &plan, alice).await.unwrap();
    assert_eq!(sent.attempts, 1, "the first landed");
    assert_eq!(node.calls("sendTransaction").len(), 1, "nothing signed again");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(lamports(&direct).await - before, 250_000_000, "landed once, not twice");
}
