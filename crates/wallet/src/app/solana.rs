//! The app's Solana actions: sending SOL and tokens, and staking (stake, unstake, withdraw),
//! previewed from the node's own simulation and signed like every other preview.

use std::sync::Arc;
use vigil_api::{
    CommandError, ErrorKind, Executed, Money, SolanaForm, SolanaStakesRequest, SolanaStaking,
    StakeView, TxProgress,
};

use vigil_defi_adapters::{
    preview::{Finding, Severity},
    solana::{
        SolanaClient, SolanaError,
        plan::{SolPlan, SolReview, simulate},
        stake, submit, transfer,
    },
};
use vigil_signer::{Chain, Keychain, SolanaSigner};

use super::{
    Action, ActionPreview, AppResult, AppService, AssetChange, Fee, Signable, err, signer_kind,
    wallet_error,
};
use crate::SignerKind;

/// The node's problems are network errors, Vigil's own are internal, the rest is the input.
fn solana_error(e: SolanaError) -> CommandError {
    let kind = match e {
        SolanaError::NoEndpoints(_)
        | SolanaError::WrongCluster { .. }
        | SolanaError::Unreachable { .. }
        | SolanaError::Rpc(_) => ErrorKind::Network,
        SolanaError::Build(_) => ErrorKind::Internal,
        _ => ErrorKind::InvalidInput,
    };
    err(kind, e)
}

impl<K: Keychain + 'static> AppService<K> {
    /// The acting Solana account: `given`, or the first visible one.
    fn solana_account(&self, given: Option<&str>) -> AppResult<crate::AccountConfig> {
        Ok(self.account_for(Chain::Solana, given)?.1)
    }

    /// Builds, simulates and previews a Solana action: "send" (`target` the recipient, `asset`
    /// SOL or a token), "stake" (`target` the validator's vote account), "unstake" or
    /// "withdraw" (`target` the stake account; withdraw everything without an amount).
    pub async fn preview_solana(&self, form: &SolanaForm) -> AppResult<ActionPreview> {
        let (_, account) = self.acting(Chain::Solana, form.account.as_deref())?;
        let owner = account.address.parse().map_err(|_| {
            err(ErrorKind::Internal, format!("bad Solana address {}", account.address))
        })?;
        let client = self.solana_client(&form.network).await?;
        let amount = form.amount.trim();
        let plan: SolPlan = match form.action.as_str() {
            "send"
                if form.asset.trim().eq_ignore_ascii_case("SOL")
                    || form.asset.trim().is_empty() =>
            {
                transfer::transfer_sol(owner, &form.target, amount).map_err(solana_error)?
            }
            "send" => {
                let (mint, symbol) = client.network().token(&form.asset);
                let mint = mint.parse().map_err(|_| {
                    err(
                        ErrorKind::InvalidInput,
                        format!(
                            "'{}' is neither a token Vigil knows on {} nor a mint address",
                            form.asset,
                            client.network().name
                        ),
                    )
                })?;
                let info = transfer::mint_info(&client, &mint).await.map_err(solana_error)?;
                transfer::transfer_token(&client, owner, &form.target, &info, &symbol, amount)
                    .await
                    .map_err(solana_error)?
            }
            "stake" => {
                stake::stake(&client, owner, &form.target, amount).await.map_err(solana_error)?
            }
            "unstake" => stake::deactivate(owner, &form.target).map_err(solana_error)?,
            "withdraw" => {
                let amount =
                    (!amount.is_empty() && !amount.eq_ignore_ascii_case("max")).then_some(amount);
                stake::withdraw(&client, owner, &form.target, amount).await.map_err(solana_error)?
            }
            other => {
                return Err(err(
                    ErrorKind::InvalidInput,
                    format!("'{other}' is not a Solana action: send, stake, unstake or withdraw"),
                ));
            }
        };
        let review =
            simulate(&client, &plan, &client.network().tokens).await.map_err(solana_error)?;
        Ok(self.keep_solana(account, client, plan, &review))
    }

    /// Keeps a Solana plan the command line built and simulated itself (it prints the full
    /// review), for `account` (one of the wallet's): signed through [`Self::confirm`] like
    /// every other preview, and sent through `client`, the one it was simulated with.
    pub fn keep_solana_plan(
        &self,
        client: Arc<SolanaClient>,
        account: &str,
        plan: SolPlan,
        review: &SolReview,
    ) -> AppResult<ActionPreview> {
        let (_, account) = self.acting(Chain::Solana, Some(account))?;
        Ok(self.keep_solana(account, client, plan, review))
    }

    /// The preview of a simulated Solana plan, kept for confirm.
    fn keep_solana(
        &self,
        account: crate::AccountConfig,
        client: Arc<SolanaClient>,
        plan: SolPlan,
        review: &SolReview,
    ) -> ActionPreview {
        let preview = ActionPreview {
            id: 0,
            chain: Chain::Solana,
            network: client.network().name.clone(),
            account: account.address.clone(),
            signer: signer_kind(&account),
            action: Action::Solana {
                summary: review.summary.clone(),
                rent_sol: (review.rent > 0).then(|| review.rent_sol.clone()),
                units: review.units,
            },
            changes: review
                .changes
                .iter()
                .filter(|c| c.owner == account.address)
                .map(|c| AssetChange { amount: c.amount.clone(), symbol: c.asset.clone() })
                .collect(),
            approvals: vec![],
            steps: vec![review.summary.clone()],
            fee: Some(Fee {
                amount: review.fee_sol.clone(),
                symbol: "SOL".into(),
                usd: None,
                max: None,
            }),
            findings: review
                .warnings
                .iter()
                .map(|w| Finding {
                    severity: Severity::Warning,
                    code: "solana_warning",
                    message: w.clone(),
                })
                .collect(),
            needs_override: false,
            would_fail: review.error.clone(),
            money: Money::usd(),
            endpoint: client.active_endpoint(),
            witness: None,
            device_hashes: vec![],
            private_submission: None,
        };
        let would_fail = review.error.clone();
        let signable = Signable::Solana { client, plan: Box::new(plan), would_fail };
        let id = self.keep(account.address, signable);
        ActionPreview { id, ..preview }
    }

    /// An account's stake accounts on a cluster, and the validators to delegate to.
    pub async fn solana_stakes(&self, request: &SolanaStakesRequest) -> AppResult<SolanaStaking> {
        let account = self.solana_account(request.account.as_deref())?;
        let owner = account.address.parse().map_err(|_| {
            err(ErrorKind::Internal, format!("bad Solana address {}", account.address))
        })?;
        let client = self.solana_client(&request.network).await?;
        let stakes = stake::list_stakes(&client, &owner).await.map_err(solana_error)?;
        let votes = client
            .request(|c| async move { c.get_vote_accounts().await })
            .await
            .map_err(solana_error)?;
        let stakes = stakes
            .into_iter()
            .map(|s| StakeView {
                state: super::serde_name(s.state),
                address: s.address,
                sol: s.sol,
                validator: s.validator,
            })
            .collect();
        let validators = votes.current.into_iter().map(|v| v.vote_pubkey).collect();
        Ok(SolanaStaking { stakes, validators })
    }

    /// The signer of the Solana account `address`: its Ledger, or its vault while unlocked.
    pub(super) async fn solana_signer(&self, address: &str) -> AppResult<Box<dyn SolanaSigner>> {
        let account = self.wallet.account(Chain::Solana, address).map_err(wallet_error)?;
        match (&account.signer, &account.path) {
            (SignerKind::Ledger, _) => {
                Ok(Box::new(self.wallet.ledger_solana_signer(address).await.map_err(wallet_error)?))
            }
            (SignerKind::Software { vault }, Some(path)) => {
                let seed = self.unlocked_seed(vault)?;
                let signer = vigil_signer::SoftwareSolanaSigner::from_seed(&seed, path)
                    .map_err(|e| wallet_error(e.into()))?;
                Ok(Box::new(signer))
            }
            _ => Err(wallet_error(crate::WalletError::WatchOnly(address.to_owned()))),
        }
    }

    /// Signs and sends a previewed Solana transaction and waits until it is confirmed.
    pub(super) async fn send_solana(
        &self,
        client: &SolanaClient,
        id: u64,
        plan: &SolPlan,
        signer: &dyn SolanaSigner,
        progress: &(impl Fn(TxProgress) + Send + Sync),
    ) -> AppResult<Executed> {
        progress(TxProgress {
            id,
            step: "Solana transaction".into(),
            stage: "signing".into(),
            hash: None,
        });
        let sent = submit::send_plan(client, plan, |bytes| async move {
            signer.sign_message(&bytes).await.map(|s| s.0)
        })
        .await
        .map_err(|e| err(ErrorKind::Network, e))?;
        let signature = sent.signature.to_string();
        progress(TxProgress {
            id,
            step: "Solana transaction".into(),
            stage: "confirmed".into(),
            hash: Some(signature.clone()),
        });
        Ok(Executed { hashes: vec![signature] })
    }
}
