//! Submission primitives on the devnet: fees, nonces and finality.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::Path, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::U256,
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
};
use vigil_defi_adapters::submit::{self, SubmitError};
use vigil_devnet::DEMO_ACCOUNTS;

#[tokio::test]
async fn finality_waits_for_blocks_on_top_and_is_bounded() {
    let (devnet, _network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let tx = TransactionRequest::default()
        .from(DEMO_ACCOUNTS[3])
        .to(DEMO_ACCOUNTS[4])
        .with_value(U256::from(1));
    let receipt = devnet.send_unlocked(tx).await.unwrap();
    let block = receipt.block_number.unwrap();
    let hash = receipt.transaction_hash;

    // One confirmation: the block that holds it.
    submit::wait_for_confirmations(&client, hash, block, 1, Duration::from_secs(5)).await.unwrap();
    // Three: not until two more blocks exist.
    let err = submit::wait_for_confirmations(&client, hash, block, 3, Duration::from_millis(1500))
        .await
        .unwrap_err();
    assert!(matches!(err, SubmitError::Timeout(h, _) if h == hash), "{err}");
    devnet.provider().anvil_mine(Some(2), None).await.unwrap();
    submit::wait_for_confirmations(&client, hash, block, 3, Duration::from_secs(5)).await.unwrap();

    // Fees cover the next base fee; the nonce counts the transaction just sent.
    let fees = submit::suggest_fees(&client).await.unwrap();
    let base = devnet
        .provider()
        .get_block_by_number(Default::default())
        .await
        .unwrap()
        .unwrap()
        .header
        .base_fee_per_gas
        .unwrap();
    assert!(fees.max_fee_per_gas >= u128::from(base) + fees.max_priority_fee_per_gas);
    let nonce = submit::pending_nonce(&client, DEMO_ACCOUNTS[3]).await.unwrap();
    assert_eq!(nonce, devnet.provider().get_transaction_count(DEMO_ACCOUNTS[3]).await.unwrap());
}
