//! Replacing a pending EVM transaction: speed it up (the same transaction, fees raised at
//! least 10%) or cancel it (a zero-value transfer to oneself with the same nonce, which takes
//! its place). Both are journaled before broadcast like any other transaction.

use std::time::Duration;

use alloy::{
    consensus::{Transaction as _, TxEip1559, TxEnvelope, TypedTransaction},
    eips::{Decodable2718, Encodable2718},
    primitives::{B256, TxKind, U256},
    providers::Provider,
};
use vigil_defi_adapters::{ChainClient, ClientError, submit};
use vigil_signer::{EvmSigner, SignerError};

use crate::db::{Database, DbError, JournalEntry, TxStatus, unix_now};

/// How long to wait for the replacement's receipt.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// What to do with a pending transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// Send it again with higher fees.
    SpeedUp,
    /// Replace it with a zero-value transfer to oneself.
    Cancel,
}

/// Why a transaction could not be replaced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplaceError {
    /// Not in the journal.
    #[error("{0} is not one of this wallet's transactions (see 'vigil activity')")]
    Unknown(String),
    /// Already final.
    #[error("{hash} is {status:?}, not pending: there is nothing to replace")]
    NotPending {
        /// The transaction.
        hash: String,
        /// Where it is.
        status: TxStatus,
    },
    /// The chain already holds a transaction with that nonce.
    #[error("{0} was already mined (its nonce is used): there is nothing to replace")]
    AlreadyMined(String),
    /// Another network's transaction.
    #[error("{hash} was sent on {network}, not on this network")]
    WrongNetwork {
        /// The transaction.
        hash: String,
        /// Its network.
        network: String,
    },
    /// The journal holds bytes Vigil cannot decode as an EIP-1559 transaction.
    #[error("the journaled transaction {0} cannot be decoded")]
    Undecodable(String),
    /// The signer is for another account.
    #[error("the transaction was sent by {sent_by}; this signer is {signer}")]
    WrongAccount {
        /// The sender.
        sent_by: String,
        /// The signer's account.
        signer: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The chain could not be read or written.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Waiting for the receipt failed.
    #[error(transparent)]
    Submit(#[from] submit::SubmitError),
    /// The journal failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Fees at least 10% above `old` (the network's rule for a replacement) and no lower than
/// what the network asks now.
fn bumped(old: u128, now: u128) -> u128 {
    (old + old.div_ceil(10)).max(now)
}

/// Replaces the pending transaction `hash` and waits until the replacement is mined; the
/// journal then has the replacement confirmed and the original replaced. `sent` hears the
/// replacement's hash once it is journaled, just before it is broadcast (to follow it from
/// then on). Returns the
/// replacement's hash.
pub async fn replace(
    client: &ChainClient,
    db: &Database,
    network: &str,
    hash: &str,
    signer: &dyn EvmSigner,
    kind: Replacement,
    sent: impl FnOnce(B256),
) -> Result<B256, ReplaceError> {
    let entry = db.journal_entry(hash)?.ok_or_else(|| ReplaceError::Unknown(hash.to_owned()))?;
    if entry.status != TxStatus::Pending {
        return Err(ReplaceError::NotPending { hash: entry.hash, status: entry.status });
    }
    if entry.network != network {
        return Err(ReplaceError::WrongNetwork { hash: entry.hash, network: entry.network });
    }
    let envelope = TxEnvelope::decode_2718(&mut entry.raw.as_slice())
        .map_err(|_| ReplaceError::Undecodable(entry.hash.clone()))?;
    let TxEnvelope::Eip1559(old) = envelope else {
        return Err(ReplaceError::Undecodable(entry.hash));
    };
    let old = old.tx();
    let from = signer.address();
    if !entry.account.eq_ignore_ascii_case(&from.to_checksum(None)) {
        return Err(ReplaceError::WrongAccount {
            sent_by: entry.account,
            signer: from.to_checksum(None),
        });
    }
    let mined_nonce =
        client.request(|p| async move { p.get_transaction_count(from).await }).await?;
    if mined_nonce > entry.nonce {
        return Err(ReplaceError::AlreadyMined(entry.hash));
    }
    let now = submit::suggest_fees(client).await?;
    let priority = bumped(old.max_priority_fee_per_gas, now.max_priority_fee_per_gas);
    let max_fee = bumped(old.max_fee_per_gas, now.max_fee_per_gas).max(priority);
    let (tx, label) = match kind {
        Replacement::SpeedUp => (
            TxEip1559 {
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: priority,
                ..old.clone()
            },
            format!("Speed up: {}", entry.label),
        ),
        Replacement::Cancel => (
            TxEip1559 {
                chain_id: old.chain_id,
                nonce: old.nonce,
                gas_limit: 21_000,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: priority,
                to: TxKind::Call(from),
                value: U256::ZERO,
                access_list: Default::default(),
                input: Default::default(),
            },
            format!("Cancel: {}", entry.label),
        ),
    };
    let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await?;
    let raw = envelope.encoded_2718();
    let new_hash = *envelope.tx_hash();
    db.journal_signed(&JournalEntry {
        hash: new_hash.to_string(),
        network: network.to_owned(),
        chain_id: envelope.chain_id().unwrap_or(old.chain_id),
        account: entry.account.clone(),
        nonce: entry.nonce,
        label,
        raw: raw.clone(),
        status: TxStatus::Pending,
        replaces: Some(entry.hash.clone()),
        block: None,
        sent_at: unix_now(),
    })?;
    // Followed from before it can be mined, so that the original is known to be replaced.
    sent(new_hash);
    submit::broadcast(client, raw.into()).await?;
    let receipt = submit::wait_for_receipt(client, new_hash, RECEIPT_TIMEOUT).await?;
    let status = if receipt.status() { TxStatus::Confirmed } else { TxStatus::Failed };
    db.journal_settle(&new_hash.to_string(), status, receipt.block_number)?;
    db.journal_settle(&entry.hash, TxStatus::Replaced, None)?;
    Ok(new_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_fees_rise_at_least_ten_percent() {
        assert_eq!(bumped(100, 50), 110);
        assert_eq!(bumped(101, 50), 112, "110% of 101 is 111.1: rounded up");
        assert_eq!(bumped(100, 500), 500, "or what the network asks now");
        assert_eq!(bumped(0, 0), 0);
    }
}
