//! Activity: the transaction journal, and speeding up or cancelling what is still pending.

use vigil_api::{ActivityItem, Money, ReplaceForm};
use vigil_signer::{Chain, Keychain};

use super::{
    Action, ActionPreview, AppResult, AppService, EvmSignable, Signable, internal, invalid,
    signer_kind, wallet_error,
};
use crate::{db::TxStatus, replace::Replacement};

/// The API's status for the journal's.
fn status_view(status: TxStatus) -> vigil_api::TxStatus {
    match status {
        TxStatus::Pending => vigil_api::TxStatus::Pending,
        TxStatus::Confirmed => vigil_api::TxStatus::Confirmed,
        TxStatus::Failed => vigil_api::TxStatus::Failed,
        TxStatus::Dropped => vigil_api::TxStatus::Dropped,
        TxStatus::Replaced => vigil_api::TxStatus::Replaced,
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// The transaction journal, newest first, on every network.
    pub fn activity(&self) -> AppResult<Vec<ActivityItem>> {
        let entries = self.db.journal(None, false, 500).map_err(internal)?;
        Ok(entries
            .into_iter()
            .map(|e| ActivityItem {
                status: status_view(e.status),
                hash: e.hash,
                network: e.network,
                account: e.account,
                nonce: e.nonce,
                label: e.label,
                replaces: e.replaces,
                block: e.block,
                sent_at: e.sent_at,
            })
            .collect())
    }

    /// Previews speeding up or cancelling a pending transaction, on the network it was sent
    /// on, signed by the account that sent it.
    pub fn preview_replace(&self, form: &ReplaceForm) -> AppResult<ActionPreview> {
        let entry = self.db.journal_entry(&form.hash).map_err(internal)?.ok_or_else(|| {
            invalid(format!(
                "{} is not one of this wallet's transactions (Activity lists them)",
                form.hash
            ))
        })?;
        if entry.status != TxStatus::Pending {
            return Err(invalid(
                format!(
                    "{} is already {:?}: only pending transactions can be replaced",
                    entry.hash, entry.status
                )
                .to_lowercase(),
            ));
        }
        self.session.touch();
        let account = self.wallet.account(Chain::Ethereum, &entry.account).map_err(wallet_error)?;
        let kind = if form.cancel { Replacement::Cancel } else { Replacement::SpeedUp };
        let preview = ActionPreview {
            id: 0,
            chain: Chain::Ethereum,
            network: entry.network.clone(),
            account: entry.account.clone(),
            signer: signer_kind(&account),
            action: Action::Replace {
                kind,
                hash: entry.hash.clone(),
                label: entry.label.clone(),
                nonce: entry.nonce,
            },
            changes: vec![],
            approvals: vec![],
            steps: vec![],
            fee: None,
            findings: vec![],
            needs_override: false,
            would_fail: None,
            money: Money::usd(),
        };
        let replace = EvmSignable::Replace { network: entry.network, hash: entry.hash, kind };
        let id = self.keep(account.address.clone(), Signable::Evm(replace));
        Ok(ActionPreview { id, ..preview })
    }
}
