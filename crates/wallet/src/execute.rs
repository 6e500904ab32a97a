//! Signing and sending a previewed plan: the last steps of action -> plan -> simulate ->
//! preview -> confirm -> sign -> submit -> track.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex as StdMutex, OnceLock},
    time::Duration,
};

use alloy::{
    consensus::TypedTransaction,
    eips::Encodable2718,
    primitives::{Address, B256},
    rpc::types::TransactionReceipt,
};
use vigil_defi_adapters::{
    ChainClient, ClientError,
    preview::PlanReview,
    submit::{self, SigningTerms, SubmitError},
};
use vigil_signer::{EvmSigner, SignerError};

/// How long to wait for each transaction's receipt before reporting it as still pending.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// Progress of a plan's transactions, for the UI's event stream and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// Step `step` was signed and broadcast.
    Sent {
        /// The step's index.
        step: usize,
        /// Its hash.
        hash: B256,
    },
    /// Step `step` was mined successfully and is final.
    Confirmed {
        /// The step's index.
        step: usize,
        /// Its hash.
        hash: B256,
        /// The block.
        block: u64,
    },
}

/// Why a plan was not (fully) executed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecuteError {
    /// The simulation failed: nothing is signed.
    #[error("not sent: the simulation says it would fail ({0})")]
    WouldFail(String),
    /// The signer is for another account than the plan.
    #[error("the signer is for {signer}, but the plan is for {plan}")]
    WrongAccount {
        /// The plan's account.
        plan: Address,
        /// The signer's.
        signer: Address,
    },
    /// Signing failed or was refused.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// Reading the chain failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Sending or tracking failed.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The journal could not be written: nothing is broadcast unless it is journaled first.
    #[error("not sent: the transaction journal could not be written ({0})")]
    Journal(#[from] crate::db::DbError),
    /// The chain moved past what the preview fixed (fees rose above its maximum, another
    /// transaction took its nonce): nothing is signed, the user previews again.
    #[error("not sent: {0}. Preview it again")]
    Stale(String),
    /// The plan, its simulation and its terms do not pair step for step.
    #[error("not sent: the plan has {plan} steps but its simulation or terms have {other}")]
    Mismatch {
        /// The plan's steps.
        plan: usize,
        /// The simulation's outcomes or the terms' gas limits.
        other: usize,
    },
    /// A step reverted on chain (state changed since the simulation); later steps were not sent.
    #[error("'{label}' reverted on chain in transaction {hash}; the steps after it were not sent")]
    Reverted {
        /// The step.
        label: String,
        /// Its transaction.
        hash: B256,
    },
}

/// One lock per account: two plans never take the same nonce.
fn account_lock(account: Address) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<StdMutex<HashMap<Address, Arc<tokio::sync::Mutex<()>>>>> =
        OnceLock::new();
    let locks = LOCKS.get_or_init(Default::default);
    // The map is only ever inserted into: a poisoned lock still holds a valid map.
    let mut map = locks.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(account).or_default().clone()
}

/// How many blocks (the transaction's own included) must hold a transaction before it counts
/// as final: 1 on a node of this computer (the devnet, a local chain or fork: it mines on
/// demand and nothing reorganises it), more on public chains.
pub fn confirmations_for(client: &ChainClient) -> u64 {
    if client.is_local() { 1 } else { 3 }
}

/// Where signed transactions are written before they are broadcast.
#[derive(Debug, Clone, Copy)]
pub struct Journal<'a> {
    /// The database.
    pub db: &'a crate::db::Database,
    /// The network's name, as the journal records it.
    pub network: &'a str,
}

/// Signs and sends every step of a previewed plan in order, on the terms the preview fixed,
/// waiting for each to be final ([`confirmations_for`] the client) before sending the next.
pub async fn execute(
    client: &ChainClient,
    review: &PlanReview,
    signer: &dyn EvmSigner,
    on_event: &mut (dyn FnMut(TxEvent) + Send),
) -> Result<Vec<TransactionReceipt>, ExecuteError> {
    run(client, review, signer, None, on_event).await
}

/// [`execute`], writing each signed transaction to `journal` before it is broadcast and
/// settling it there once final: if Vigil dies between broadcast and receipt, the next start
/// finds it and follows it.
pub async fn execute_journaled(
    client: &ChainClient,
    review: &PlanReview,
    signer: &dyn EvmSigner,
    journal: Journal<'_>,
    on_event: &mut (dyn FnMut(TxEvent) + Send),
) -> Result<Vec<TransactionReceipt>, ExecuteError> {
    run(client, review, signer, Some(journal), on_event).await
}

/// Checks that the chain is still where the preview left it: the account's next nonce is the
/// one the terms fixed, and a transaction at the terms' fee cap can still be included.
async fn still_valid(
    client: &ChainClient,
    from: Address,
    terms: &SigningTerms,
) -> Result<(), ExecuteError> {
    if terms.chain_id != client.chain_id() {
        return Err(ExecuteError::Stale(format!(
            "the preview was made for chain {}, this network is chain {}",
            terms.chain_id,
            client.chain_id()
        )));
    }
    let (nonce, market) =
        tokio::try_join!(submit::pending_nonce(client, from), submit::fee_market(client))?;
    if nonce != terms.nonce {
        return Err(ExecuteError::Stale(format!(
            "the account's next transaction number (nonce) is {nonce} now, not {} as previewed: another transaction was sent since",
            terms.nonce
        )));
    }
    if market.floor() > terms.fees.max_fee_per_gas {
        return Err(ExecuteError::Stale(format!(
            "network fees rose to {} gwei per gas, above the previewed maximum of {} gwei",
            submit::gwei(market.floor()),
            submit::gwei(terms.fees.max_fee_per_gas)
        )));
    }
    Ok(())
}

async fn run(
    client: &ChainClient,
    review: &PlanReview,
    signer: &dyn EvmSigner,
    journal: Option<Journal<'_>>,
    on_event: &mut (dyn FnMut(TxEvent) + Send),
) -> Result<Vec<TransactionReceipt>, ExecuteError> {
    let (plan, simulation, terms) = (&review.plan, &review.simulation, &review.terms);
    let confirmations = confirmations_for(client);
    for other in [simulation.steps.len(), terms.gas_limits.len()] {
        if other != plan.steps.len() {
            return Err(ExecuteError::Mismatch { plan: plan.steps.len(), other });
        }
    }
    if let Some(reason) = simulation.revert_reason() {
        return Err(ExecuteError::WouldFail(reason.to_owned()));
    }
    if signer.address() != plan.from {
        return Err(ExecuteError::WrongAccount { plan: plan.from, signer: signer.address() });
    }
    let lock = account_lock(plan.from);
    let _guard = lock.lock().await;
    still_valid(client, plan.from, terms).await?;
    let mut receipts = Vec::with_capacity(plan.steps.len());
    // A Permit2 allowance signed for the step that follows it.
    let mut signed_permit = None;
    for (i, step) in plan.steps.iter().enumerate() {
        if let Some(grant) = &step.permit {
            let data = grant
                .typed_data(client.chain_id())
                .map_err(|e| ExecuteError::Stale(e.to_string()))?;
            signed_permit = Some((grant, signer.sign_typed_data(&data).await?));
            continue;
        }
        let request = match signed_permit.take() {
            Some((grant, signature)) => {
                let request = grant
                    .attach(&step.request, &signature)
                    .map_err(|e| ExecuteError::Stale(e.to_string()))?;
                // What is signed next differs from what was simulated by the signature: the
                // swap with it is checked against the chain before it is signed.
                check_call(client, plan.from, &request).await?;
                request
            }
            None => step.request.clone(),
        };
        let tx = terms
            .transaction_in(&plan.steps, i, &request)
            .ok_or(ExecuteError::Mismatch { plan: plan.steps.len(), other: i })?;
        let nonce = tx.nonce;
        let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await?;
        let raw = envelope.encoded_2718();
        crate::crash::point(crate::crash::SIGNED);
        if let Some(j) = journal {
            j.db.journal_signed(&crate::db::JournalEntry {
                hash: envelope.tx_hash().to_string(),
                network: j.network.to_owned(),
                chain_id: client.chain_id(),
                account: plan.from.to_checksum(None),
                nonce,
                label: step.label.clone(),
                raw: raw.clone(),
                status: crate::db::TxStatus::Pending,
                replaces: None,
                block: None,
                sent_at: crate::db::unix_now(),
            })?;
        }
        crate::crash::point(crate::crash::JOURNALED);
        let hash = submit::broadcast(client, raw.into()).await?;
        crate::crash::point(crate::crash::BROADCAST);
        on_event(TxEvent::Sent { step: i, hash });
        let receipt = submit::wait_for_receipt_or_replacement(
            client,
            hash,
            (plan.from, nonce),
            RECEIPT_TIMEOUT,
        )
        .await?;
        let block = receipt.block_number.unwrap_or_default();
        crate::crash::point(crate::crash::MINED);
        if let Some(j) = journal {
            let status = if receipt.status() {
                crate::db::TxStatus::Confirmed
            } else {
                crate::db::TxStatus::Failed
            };
            j.db.journal_settle(&hash.to_string(), status, Some(block))?;
        }
        if !receipt.status() {
            return Err(ExecuteError::Reverted { label: step.label.clone(), hash });
        }
        submit::wait_for_confirmations(client, hash, block, confirmations, RECEIPT_TIMEOUT).await?;
        on_event(TxEvent::Confirmed { step: i, hash, block });
        receipts.push(receipt);
    }
    Ok(receipts)
}

/// Runs `request` from `from` as a call on the latest state: a revert means the chain moved
/// since the preview (another permit used the nonce, the price passed the limit).
async fn check_call(
    client: &ChainClient,
    from: Address,
    request: &alloy::rpc::types::TransactionRequest,
) -> Result<(), ExecuteError> {
    let call = request.clone().from(from);
    client
        .request(|p| {
            let call = call.clone();
            async move { alloy::providers::Provider::call(&p, call).await }
        })
        .await
        .map(|_| ())
        .map_err(|e| {
            ExecuteError::Stale(format!(
                "the swap with its signed Permit2 allowance would fail now ({e})"
            ))
        })
}

/// How long after signing a journaled transaction the node never saw is still sent on the
/// next start: as long as a preview stays valid. Older ones are left for the monitor to
/// report dropped ("send it again if it is still wanted"): the market has moved since.
pub const RESEND_WITHIN: Duration = Duration::from_secs(5 * 60);

/// What a start did with a transaction journaled but not final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumed {
    /// The node has it (pending or included): the monitor follows it.
    Known,
    /// Vigil had stopped after journaling it and before the node had it: the signed bytes the
    /// user confirmed were broadcast now.
    Sent,
    /// The node does not have it and it is too old, or its nonce is taken: not sent again.
    NotSent,
}

/// Picks up a journaled transaction after a restart (Vigil may have been killed between
/// journaling and broadcasting it). Sending the same signed bytes again cannot make it
/// happen twice: a transaction is included at most once, and only while its nonce is free.
pub async fn resume(
    client: &ChainClient,
    entry: &crate::db::JournalEntry,
) -> Result<Resumed, ClientError> {
    let (Ok(hash), Ok(from)) = (entry.hash.parse::<B256>(), entry.account.parse::<Address>())
    else {
        return Ok(Resumed::NotSent);
    };
    let known = client
        .request(
            |p| async move { alloy::providers::Provider::get_transaction_by_hash(&p, hash).await },
        )
        .await?
        .is_some();
    if known {
        return Ok(Resumed::Known);
    }
    let age = crate::db::unix_now().saturating_sub(entry.sent_at);
    let nonce_free = submit::pending_nonce(client, from).await? <= entry.nonce;
    if !nonce_free || age > RESEND_WITHIN.as_secs() || entry.chain_id != client.chain_id() {
        return Ok(Resumed::NotSent);
    }
    submit::broadcast(client, entry.raw.clone().into()).await?;
    Ok(Resumed::Sent)
}
