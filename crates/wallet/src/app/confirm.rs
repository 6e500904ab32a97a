//! The one confirm path: a kept preview is signed by its account's signer (the unlocked
//! vault, or the Ledger, which asks the user), journaled before it is broadcast, and followed
//! until final. A rejection on the device signs, journals and sends nothing.

use vigil_api::{ErrorKind, Executed, TxProgress};
use vigil_signer::{Chain, EvmSigner, Keychain};

use super::{
    AppResult, AppService, EvmSignable, Kept, PREVIEW_TTL, Signable, err, network_error,
    wallet_error,
};
use crate::{
    SignerKind, WalletError,
    execute::{self, TxEvent},
    replace,
};

impl<K: Keychain + 'static> AppService<K> {
    /// The seed of `vault` while the session is unlocked.
    pub(super) fn unlocked_seed(&self, vault: &str) -> AppResult<vigil_signer::Seed> {
        self.session.seed(vault).ok_or_else(|| {
            err(ErrorKind::Locked, "the wallet is locked: enter your password to sign")
        })
    }

    /// The signer of `address`: its Ledger, or its vault while the session is unlocked.
    async fn signer(&self, address: &str) -> AppResult<Box<dyn EvmSigner>> {
        let checksum = address.to_owned();
        let account = self.wallet.account(Chain::Ethereum, &checksum).map_err(wallet_error)?;
        match (&account.signer, &account.path) {
            (SignerKind::Ledger, _) => {
                Ok(Box::new(self.wallet.ledger_evm_signer(&checksum).await.map_err(wallet_error)?))
            }
            (SignerKind::Software { vault }, Some(path)) => {
                let seed = self.unlocked_seed(vault)?;
                let signer = vigil_signer::SoftwareEvmSigner::from_seed(&seed, path)
                    .map_err(|e| wallet_error(e.into()))?;
                Ok(Box::new(signer))
            }
            _ => Err(wallet_error(WalletError::WatchOnly(checksum))),
        }
    }

    /// Signs `message` as `address` (EIP-191, `personal_sign`): with its vault while unlocked,
    /// or on its Ledger, which shows it. The caller has shown the message and asked the user.
    pub async fn sign_message(
        &self,
        address: alloy::primitives::Address,
        message: &[u8],
    ) -> AppResult<alloy::primitives::Signature> {
        let signer = self.signer(&address.to_checksum(None)).await?;
        signer.sign_message(message).await.map_err(|e| err(ErrorKind::Ledger, e))
    }

    /// Signs EIP-712 typed data as `address`, as [`Self::sign_message`] does.
    pub async fn sign_typed_data(
        &self,
        address: alloy::primitives::Address,
        data: &alloy::dyn_abi::TypedData,
    ) -> AppResult<alloy::primitives::Signature> {
        let signer = self.signer(&address.to_checksum(None)).await?;
        signer.sign_typed_data(data).await.map_err(|e| err(ErrorKind::Ledger, e))
    }

    /// Signs and sends preview `id` exactly as previewed, reporting progress, and waits until
    /// every transaction is final. A preview is used once.
    pub async fn confirm(
        &self,
        id: u64,
        accept_risk: bool,
        progress: impl Fn(TxProgress) + Send + Sync,
    ) -> AppResult<Executed> {
        let kept = self.previews().remove(&id).ok_or_else(|| {
            err(
                ErrorKind::InvalidInput,
                "this preview has expired or was already used: preview again",
            )
        })?;
        if kept.made.elapsed() >= PREVIEW_TTL {
            return Err(err(
                ErrorKind::InvalidInput,
                "this preview is over 5 minutes old: preview again, prices move",
            ));
        }
        if kept.generation != self.session.generation() {
            return Err(err(
                ErrorKind::InvalidInput,
                "the wallet locked since this preview: preview again",
            ));
        }
        let Kept { account, generation, signable, made } = kept;
        let evm = match signable {
            Signable::Solana { client, plan, would_fail } => {
                if let Some(reason) = would_fail {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        format!("not signed: the simulation says it would fail ({reason})"),
                    ));
                }
                return match self.solana_signer(&account).await {
                    Ok(signer) => {
                        self.send_solana(&client, id, &plan, signer.as_ref(), &progress).await
                    }
                    Err(e) => {
                        // Locked: kept for the confirm that follows the unlock.
                        let kept = Kept {
                            account,
                            generation,
                            signable: Signable::Solana { client, plan, would_fail },
                            made,
                        };
                        self.previews().insert(id, kept);
                        Err(e)
                    }
                };
            }
            Signable::Evm(evm) => evm,
        };
        let signer = match self.signer(&account).await {
            Ok(s) => s,
            Err(e) => {
                let kept = Kept { account, generation, signable: Signable::Evm(evm), made };
                self.previews().insert(id, kept);
                return Err(e);
            }
        };
        // A plan and a replacement are gated alike: never what would fail, and a danger
        // finding only with the user's explicit tick.
        let review = match &evm {
            EvmSignable::Plan { review, .. } => review.as_ref(),
            EvmSignable::Replace { preview, .. } => &preview.review,
        };
        if let Some(reason) = review.simulation.revert_reason() {
            return Err(err(
                ErrorKind::InvalidInput,
                format!("not signed: the simulation says it would fail ({reason})"),
            ));
        }
        if review.needs_override() && !accept_risk {
            let kept = Kept { account, generation, signable: Signable::Evm(evm), made };
            self.previews().insert(id, kept);
            return Err(err(
                ErrorKind::InvalidInput,
                "not signed: tick \"I understand the risk\" to sign a preview with a danger finding",
            ));
        }
        match evm {
            EvmSignable::Plan { network, review, after } => {
                let (_, client) = self.evm(&network).await?;
                let labels: Vec<String> =
                    review.plan.steps.iter().map(|s| s.label.clone()).collect();
                let mut report = |e: TxEvent| {
                    let (step, stage, hash) = match e {
                        TxEvent::Sent { step, hash } => {
                            self.sent(&network, &hash.to_string());
                            (step, "sent", hash)
                        }
                        TxEvent::Confirmed { step, hash, block } => {
                            // The chain changed: the dashboard reads it, not the watcher's
                            // reads of the block before.
                            self.dashboard_reads.changed(&network, Some(block));
                            (step, "confirmed", hash)
                        }
                    };
                    progress(TxProgress {
                        id,
                        step: labels.get(step).cloned().unwrap_or_default(),
                        stage: stage.into(),
                        hash: Some(hash.to_string()),
                    });
                };
                let journal = execute::Journal { db: &self.db, network: &network };
                let receipts = execute::execute_journaled(
                    &client,
                    &review,
                    signer.as_ref(),
                    journal,
                    &mut report,
                )
                .await
                .map_err(|e| match e {
                    execute::ExecuteError::Client(c) => network_error(c),
                    execute::ExecuteError::Signer(s) => err(ErrorKind::Ledger, s),
                    stale @ execute::ExecuteError::Stale(_) => err(ErrorKind::InvalidInput, stale),
                    other => err(ErrorKind::Internal, other),
                })?;
                if let Some(after) = after {
                    self.remember_liquidity(&network, &account, after, &receipts);
                }
                Ok(Executed {
                    hashes: receipts.iter().map(|r| r.transaction_hash.to_string()).collect(),
                })
            }
            EvmSignable::Replace { network, preview } => {
                let (_, client) = self.evm(&network).await?;
                progress(TxProgress {
                    id,
                    step: "Replacement".into(),
                    stage: "signing".into(),
                    hash: None,
                });
                let followed = |h: alloy::primitives::B256| self.sent(&network, &h.to_string());
                let new_hash = replace::replace(
                    &client,
                    &self.db,
                    &network,
                    &preview,
                    signer.as_ref(),
                    followed,
                )
                .await;
                self.dashboard_reads.changed(&network, None);
                let new_hash = new_hash.map_err(|e| err(ErrorKind::InvalidInput, e))?;
                progress(TxProgress {
                    id,
                    step: "Replacement".into(),
                    stage: "confirmed".into(),
                    hash: Some(new_hash.to_string()),
                });
                Ok(Executed { hashes: vec![new_hash.to_string()] })
            }
        }
    }

    /// Publishes a transaction just broadcast, with what its journal entry says, for the
    /// watcher to follow at once.
    fn sent(&self, network: &str, hash: &str) {
        match self.db.journal_entry(hash) {
            Ok(Some(entry)) => self.publish(super::CoreEvent::TransactionSent {
                network: network.to_owned(),
                hash: entry.hash,
                account: entry.account,
                nonce: entry.nonce,
            }),
            Ok(None) => tracing::warn!("{hash} was sent but is not in the journal"),
            Err(e) => tracing::warn!("cannot read the journal entry of {hash}: {e}"),
        }
    }
}
