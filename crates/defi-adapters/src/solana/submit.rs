//! Sending a plan: sign the message at the latest blockhash, send it (the node's preflight
//! simulates it once more), and wait for confirmation.
//!
//! A transaction is signed again, with a new blockhash, only when the earlier one can no
//! longer land: its signature is not on chain and its blockhash has expired, on a node that
//! has seen the block height past it. A node that says "Blockhash not found", or holds a
//! transaction back, cannot make two of them land.
//!
//! The key never comes here: the caller's `sign` turns message bytes into a signature.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_hash::Hash;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_signature::Signature;
use solana_transaction::Transaction;

use super::{SolanaClient, SolanaError, plan::SolPlan};

/// How many blockhashes a send may use before giving up.
const ATTEMPTS: u32 = 3;
/// How long to wait for one attempt to be confirmed.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a plan was not sent, or did not land.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<E: std::error::Error + 'static> {
    /// Signing failed (rejected on a Ledger, a locked vault, ...).
    #[error(transparent)]
    Sign(E),
    /// The node refused it, or the transaction failed on chain.
    #[error(transparent)]
    Solana(#[from] SolanaError),
    /// The transaction ran and failed.
    #[error("the transaction failed: {0}")]
    Failed(String),
    /// Every blockhash expired before the transaction landed.
    #[error(
        "the transaction did not land before its blockhash expired, {0} times: nothing was spent; try again"
    )]
    Expired(u32),
}

/// A transaction that landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Its signature (the transaction id).
    pub signature: Signature,
    /// How many blockhashes it took (1 unless one expired).
    pub attempts: u32,
}

/// A transaction signed and handed to the node, not yet known to have landed.
struct Attempt {
    signature: Signature,
    blockhash: Hash,
    /// The last block height at which its blockhash is valid.
    last_valid: u64,
}

/// What became of every earlier attempt, once none of them can land any more.
enum Settled {
    /// One landed (and succeeded).
    Landed(Signature),
    /// One landed and failed.
    Failed(String),
    /// None landed, and none can: a new one may be signed.
    Gone,
}

/// How long to wait for earlier attempts to land or expire: a blockhash lives 150 blocks.
const EXPIRY_TIMEOUT: Duration = Duration::from_secs(150);

/// Waits until every attempt has landed or can no longer land: the node's block height is past
/// each one's last valid height, the node says its blockhash is no longer valid, and its
/// signature is not on chain (searched in the node's history).
async fn settle(client: &SolanaClient, attempts: &[Attempt]) -> Result<Settled, SolanaError> {
    let signatures: Vec<Signature> = attempts.iter().map(|a| a.signature).collect();
    let statuses = || statuses(client, &signatures);
    let last_valid = attempts.iter().map(|a| a.last_valid).max().unwrap_or_default();
    let deadline = Instant::now() + EXPIRY_TIMEOUT;
    loop {
        let found = statuses().await?;
        for (signature, status) in signatures.iter().zip(&found) {
            match status.as_ref().and_then(|s| s.status.clone().err()) {
                Some(e) => return Ok(Settled::Failed(e.to_string())),
                None if status.is_some() => return Ok(Settled::Landed(*signature)),
                None => {}
            }
        }
        let height = client.request(|c| async move { c.get_block_height().await }).await?;
        if height > last_valid {
            let mut expired = true;
            for a in attempts {
                let hash = a.blockhash;
                let valid = client
                    .request(|c| async move {
                        c.is_blockhash_valid(&hash, CommitmentConfig::processed()).await
                    })
                    .await?;
                expired &= !valid;
            }
            if expired {
                // Past expiry, by the node's own height and word: a last look at the
                // signatures, which cannot land any more.
                let found = statuses().await?;
                return Ok(match found.iter().zip(&signatures).find(|(s, _)| s.is_some()) {
                    Some((Some(s), signature)) => match &s.status {
                        Ok(()) => Settled::Landed(*signature),
                        Err(e) => Settled::Failed(e.to_string()),
                    },
                    _ => Settled::Gone,
                });
            }
        }
        if Instant::now() > deadline {
            return Err(SolanaError::Rpc(format!(
                "the node still reports block height {height}, not past {last_valid}: it is stuck or withholding; nothing more was signed"
            )));
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

/// The statuses of `signatures`, searched in the node's transaction history; a node without
/// history (a local validator) answers from its status cache, which holds every transaction
/// of the last 300 slots: all an unexpired blockhash can have landed in, when asked right after
/// expiry as [`settle`] does.
async fn statuses(
    client: &SolanaClient,
    signatures: &[Signature],
) -> Result<Vec<Option<solana_transaction_status_client_types::TransactionStatus>>, SolanaError> {
    let searched = client
        .request(|c| {
            let signatures = signatures.to_vec();
            async move { c.get_signature_statuses_with_history(&signatures).await }
        })
        .await;
    match searched {
        Ok(found) => Ok(found.value),
        Err(SolanaError::Rpc(e)) if e.contains("history is not available") => Ok(client
            .request(|c| {
                let signatures = signatures.to_vec();
                async move { c.get_signature_statuses(&signatures).await }
            })
            .await?
            .value),
        Err(e) => Err(e),
    }
}

/// Signs and sends `plan`, and waits until it is confirmed. A transaction that has not
/// landed is signed again only once it can no longer land (see the module's documentation).
pub async fn send_plan<E, F, Fut>(
    client: &SolanaClient,
    plan: &SolPlan,
    mut sign: F,
) -> Result<Sent, SendError<E>>
where
    E: std::error::Error + 'static,
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<[u8; 64], E>>,
{
    let mut attempts: Vec<Attempt> = Vec::new();
    for attempt in 1..=ATTEMPTS {
        if !attempts.is_empty() {
            match settle(client, &attempts).await? {
                Settled::Landed(signature) => {
                    return Ok(Sent { signature, attempts: attempt - 1 });
                }
                Settled::Failed(e) => return Err(SendError::Failed(e)),
                Settled::Gone => {}
            }
        }
        let (hash, last_valid) = client
            .request(|c| async move {
                c.get_latest_blockhash_with_commitment(CommitmentConfig::confirmed()).await
            })
            .await?;
        let message = plan.message(hash);
        let signature = Signature::from(sign(message.serialize()).await.map_err(SendError::Sign)?);
        let tx = Transaction { signatures: vec![signature], message };
        attempts.push(Attempt { signature, blockhash: hash, last_valid });
        let config = RpcSendTransactionConfig {
            preflight_commitment: Some(CommitmentLevel::Confirmed),
            ..Default::default()
        };
        let sent = client
            .request(|c| {
                let tx = tx.clone();
                async move { c.send_transaction_with_config(&tx, config).await }
            })
            .await;
        match sent {
            Ok(_) => {}
            // The node says it does not know the blockhash; it may still have passed the
            // transaction on. Settled (landed or expired) before anything is signed again.
            Err(SolanaError::Rpc(e)) if e.contains("Blockhash not found") => continue,
            Err(SolanaError::Rpc(e)) => return Err(SendError::Failed(e)),
            Err(e) => return Err(e.into()),
        }
        let deadline = Instant::now() + CONFIRM_TIMEOUT;
        while Instant::now() < deadline {
            let status = client
                .request(|c| async move {
                    c.get_signature_status_with_commitment(
                        &signature,
                        CommitmentConfig::confirmed(),
                    )
                    .await
                })
                .await?;
            match status {
                Some(Ok(())) => return Ok(Sent { signature, attempts: attempt }),
                Some(Err(e)) => return Err(SendError::Failed(e.to_string())),
                None => {
                    let height =
                        client.request(|c| async move { c.get_block_height().await }).await?;
                    if height > last_valid {
                        break; // Perhaps expired: settled before signing again.
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    match settle(client, &attempts).await? {
        Settled::Landed(signature) => Ok(Sent { signature, attempts: ATTEMPTS }),
        Settled::Failed(e) => Err(SendError::Failed(e)),
        Settled::Gone => Err(SendError::Expired(ATTEMPTS)),
    }
}
