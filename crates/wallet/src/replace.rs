//! Replacing a pending EVM transaction: speed it up (the same transaction, fees raised at
//! least 10%) or cancel it (a zero-value transfer to oneself with the same nonce, which takes
//! its place). Both are previewed (simulated, with the fees they will be signed with) and
//! journaled before broadcast like any other transaction.

use std::time::Duration;

use alloy::{
    consensus::{TxEip1559, TxEnvelope, TypedTransaction},
    eips::{Decodable2718, Encodable2718},
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    preview::{self, PlanReview},
    submit,
};
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
    /// The replacement could not be previewed.
    #[error(transparent)]
    Preview(#[from] preview::PreviewError),
    /// The simulation says the replacement would fail.
    #[error("not sent: the simulation says the replacement would fail ({0})")]
    WouldFail(String),
    /// The chain moved past what the preview fixed.
    #[error("not sent: {0}. Preview it again")]
    Stale(String),
}

/// Fees at least 10% above `old` (the network's rule for a replacement) and no lower than
/// what the network asks now.
fn bumped(old: u128, now: u128) -> u128 {
    (old + old.div_ceil(10)).max(now)
}

/// A replacement previewed: the transaction it replaces and the simulated replacement, with
/// the fees and gas it will be signed with.
#[derive(Debug, Clone)]
pub struct ReplacementPreview {
    /// Speed up or cancel.
    pub kind: Replacement,
    /// The pending transaction.
    pub original: JournalEntry,
    /// The replacement, simulated, on its signing terms (the original's nonce).
    pub review: PlanReview,
}

/// The pending transaction `hash` of the journal, checked to be replaceable on `network`.
async fn replaceable(
    client: &ChainClient,
    db: &Database,
    network: &str,
    hash: &str,
) -> Result<(JournalEntry, TxEip1559), ReplaceError> {
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
    let from: Address =
        entry.account.parse().map_err(|_| ReplaceError::Undecodable(entry.hash.clone()))?;
    let mined_nonce =
        client.request(|p| async move { p.get_transaction_count(from).await }).await?;
    if mined_nonce > entry.nonce {
        return Err(ReplaceError::AlreadyMined(entry.hash));
    }
    Ok((entry, old.tx().clone()))
}

/// Previews replacing the pending transaction `hash`: fees at least 10% above the original's
/// and no lower than what the network asks now, simulated on the latest state.
pub async fn preview_replacement(
    client: &ChainClient,
    network: &Network,
    db: &Database,
    hash: &str,
    kind: Replacement,
) -> Result<ReplacementPreview, ReplaceError> {
    let (original, old) = replaceable(client, db, &network.name, hash).await?;
    let from: Address =
        original.account.parse().map_err(|_| ReplaceError::Undecodable(original.hash.clone()))?;
    let market = submit::fee_market(client).await?;
    let now = market.fees(u128::MAX);
    let priority = bumped(old.max_priority_fee_per_gas, now.max_priority_fee_per_gas);
    let fees = submit::Fees {
        max_fee_per_gas: bumped(old.max_fee_per_gas, now.max_fee_per_gas).max(priority),
        max_priority_fee_per_gas: priority,
    };
    let (label, request, gas_limit) = match kind {
        Replacement::SpeedUp => (
            format!("Speed up: {}", original.label),
            TransactionRequest::default()
                .to(old.to.to().copied().unwrap_or_default())
                .value(old.value)
                .input(old.input.clone().into()),
            old.gas_limit,
        ),
        Replacement::Cancel => (
            format!("Cancel: {}", original.label),
            TransactionRequest::default().to(from).value(U256::ZERO),
            21_000,
        ),
    };
    let review = preview::preview_replacement(
        client,
        network,
        from,
        label,
        request,
        original.nonce,
        fees,
        gas_limit,
    )
    .await?;
    Ok(ReplacementPreview { kind, original, review })
}

/// Signs and sends a previewed replacement on its terms and waits until it is mined; the
/// journal then has the replacement confirmed and the original replaced. `sent` hears the
/// replacement's hash once it is journaled, just before it is broadcast (to follow it from
/// then on). Refused, with nothing signed, when the original was mined since or fees rose
/// past the preview's cap. Returns the replacement's hash.
pub async fn replace(
    client: &ChainClient,
    db: &Database,
    network: &str,
    previewed: &ReplacementPreview,
    signer: &dyn EvmSigner,
    sent: impl FnOnce(B256),
) -> Result<B256, ReplaceError> {
    let entry = &previewed.original;
    let from = signer.address();
    if !entry.account.eq_ignore_ascii_case(&from.to_checksum(None)) {
        return Err(ReplaceError::WrongAccount {
            sent_by: entry.account.clone(),
            signer: from.to_checksum(None),
        });
    }
    let review = &previewed.review;
    if let Some(reason) = review.simulation.revert_reason() {
        return Err(ReplaceError::WouldFail(reason.to_owned()));
    }
    replaceable(client, db, network, &entry.hash).await?;
    let market = submit::fee_market(client).await?;
    if market.floor() > review.terms.fees.max_fee_per_gas {
        return Err(ReplaceError::Stale(format!(
            "network fees rose to {} gwei per gas, above the previewed {} gwei",
            submit::gwei(market.floor()),
            submit::gwei(review.terms.fees.max_fee_per_gas)
        )));
    }
    let (Some(step), Some(tx)) = (
        review.plan.steps.first(),
        review.plan.steps.first().and_then(|s| review.terms.transaction(0, &s.request)),
    ) else {
        return Err(ReplaceError::Stale("the preview holds no transaction".into()));
    };
    let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await?;
    let raw = envelope.encoded_2718();
    let new_hash = *envelope.tx_hash();
    db.journal_signed(&JournalEntry {
        hash: new_hash.to_string(),
        network: network.to_owned(),
        chain_id: review.terms.chain_id,
        account: entry.account.clone(),
        nonce: entry.nonce,
        label: step.label.clone(),
        raw: raw.clone(),
        status: TxStatus::Pending,
        replaces: Some(entry.hash.clone()),
        block: None,
        sent_at: unix_now(),
    })?;
    // Followed from before it can be mined, so that the original is known to be replaced.
    sent(new_hash);
    submit::broadcast(client, raw.into()).await?;
    // The original may still win the race for the nonce: then this one never will.
    let receipt = submit::wait_for_receipt_or_replacement(
        client,
        new_hash,
        (from, entry.nonce),
        RECEIPT_TIMEOUT,
    )
    .await?;
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
