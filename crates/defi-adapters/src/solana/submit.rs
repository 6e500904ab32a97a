//! Sending a plan: sign the message at a recent blockhash, send it (the node's preflight
//! simulates it once more), and wait for confirmation. A blockhash the node does not know, or
//! one that expires before the transaction lands, is replaced and the message signed again.
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

/// Signs and sends `plan`, and waits until it is confirmed. `blockhash` is the hash to try
/// first (from a preview, say); `None` fetches the latest.
pub async fn send_plan<E, F, Fut>(
    client: &SolanaClient,
    plan: &SolPlan,
    mut blockhash: Option<Hash>,
    mut sign: F,
) -> Result<Sent, SendError<E>>
where
    E: std::error::Error + 'static,
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<[u8; 64], E>>,
{
    for attempt in 1..=ATTEMPTS {
        let (hash, last_valid) = match blockhash.take() {
            Some(hash) => {
                let height = client.request(|c| async move { c.get_block_height().await }).await?;
                (hash, height + 150)
            }
            None => {
                client
                    .request(|c| async move {
                        c.get_latest_blockhash_with_commitment(CommitmentConfig::confirmed()).await
                    })
                    .await?
            }
        };
        let message = plan.message(hash);
        let signature = Signature::from(sign(message.serialize()).await.map_err(SendError::Sign)?);
        let tx = Transaction { signatures: vec![signature], message };
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
                        break; // Expired: sign again with a new blockhash.
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    Err(SendError::Expired(ATTEMPTS))
}
