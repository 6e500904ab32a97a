//! Sending transactions signed elsewhere: nonces, EIP-1559 fees, broadcast and receipts.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes},
    providers::Provider,
    rpc::types::TransactionReceipt,
};

use crate::{ChainClient, ClientError};

/// EIP-1559 fee caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    /// The most paid per gas, base fee included.
    pub max_fee_per_gas: u128,
    /// The tip per gas.
    pub max_priority_fee_per_gas: u128,
}

impl Fees {
    /// What a transaction is expected to pay per gas: the next base fee plus the tip (the cap
    /// only bounds it).
    pub fn expected_per_gas(&self) -> u128 {
        (self.max_fee_per_gas - self.max_priority_fee_per_gas) / 2 + self.max_priority_fee_per_gas
    }
}

/// Errors while sending.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The node refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// No receipt in time; the transaction may still be mined later.
    #[error("transaction {0} was not mined within {1:?}; it may still be: Vigil keeps tracking it")]
    Timeout(B256, Duration),
}

/// Fees from the last 10 blocks: the median tip, and a cap of twice the next base fee plus the
/// tip, which survives six full blocks of base-fee growth.
pub async fn suggest_fees(client: &ChainClient) -> Result<Fees, ClientError> {
    let history = client
        .request(|p| async move { p.get_fee_history(10, Default::default(), &[50.0]).await })
        .await?;
    let base = history.next_block_base_fee().unwrap_or_default();
    let mut tips: Vec<u128> =
        history.reward.unwrap_or_default().iter().filter_map(|r| r.first().copied()).collect();
    tips.sort_unstable();
    // At least 0.01 gwei, so that an idle chain's zero tips do not stall the transaction.
    let tip = tips.get(tips.len() / 2).copied().unwrap_or_default().max(10_000_000);
    Ok(Fees { max_fee_per_gas: base * 2 + tip, max_priority_fee_per_gas: tip })
}

/// The account's next nonce, counting its pending transactions.
pub async fn pending_nonce(client: &ChainClient, account: Address) -> Result<u64, ClientError> {
    client.request(|p| async move { p.get_transaction_count(account).pending().await }).await
}

/// Broadcasts a signed transaction (EIP-2718 bytes) and returns its hash. Sending the same
/// bytes to another endpoint after a failure is harmless: it is the same transaction.
pub async fn broadcast(client: &ChainClient, raw: Bytes) -> Result<B256, ClientError> {
    client
        .request(|p| {
            let raw = raw.clone();
            async move { p.send_raw_transaction(&raw).await.map(|pending| *pending.tx_hash()) }
        })
        .await
}

/// Polls for the receipt (nodes answer before they seal the block), at most for `timeout`.
pub async fn wait_for_receipt(
    client: &ChainClient,
    hash: B256,
    timeout: Duration,
) -> Result<TransactionReceipt, SubmitError> {
    let started = std::time::Instant::now();
    let mut interval = Duration::from_millis(5);
    loop {
        if let Some(r) =
            client.request(|p| async move { p.get_transaction_receipt(hash).await }).await?
        {
            return Ok(r);
        }
        if started.elapsed() > timeout {
            return Err(SubmitError::Timeout(hash, timeout));
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(2));
    }
}

/// Waits until the block holding a transaction has `confirmations` blocks on top of it (counting
/// its own), so a reorganisation is unlikely to undo it. Bounded by `timeout`.
pub async fn wait_for_confirmations(
    client: &ChainClient,
    hash: B256,
    mined_in: u64,
    confirmations: u64,
    timeout: Duration,
) -> Result<(), SubmitError> {
    let started = std::time::Instant::now();
    loop {
        let latest = client.request(|p| async move { p.get_block_number().await }).await?;
        if latest + 1 >= mined_in + confirmations.max(1) {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(SubmitError::Timeout(hash, timeout));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
