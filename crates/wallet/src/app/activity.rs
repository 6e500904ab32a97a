//! Activity: the transaction journal, and speeding up or cancelling what is still pending.

use vigil_api::{ActivityItem, ReplaceForm};
use vigil_signer::{Chain, Keychain};

use super::{
    Action, ActionPreview, AppResult, AppService, EvmSignable, Signable, internal, invalid,
    network_error, signer_kind, wallet_error,
};
use crate::{
    db::TxStatus,
    replace::{self, Replacement},
};

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
    /// on, signed by the account that sent it: simulated, with the fees it will be signed with.
    pub async fn preview_replace(&self, form: &ReplaceForm) -> AppResult<ActionPreview> {
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
        let address = vigil_signer::parse_evm_address(&entry.account).map_err(invalid)?;
        let (network, client) = self.evm(&entry.network).await?;
        let kind = if form.cancel { Replacement::Cancel } else { Replacement::SpeedUp };
        let previewed =
            replace::preview_replacement(&client, &network, &self.db, &entry.hash, kind)
                .await
                .map_err(|e| match e {
                    replace::ReplaceError::Client(c) => network_error(c),
                    other => invalid(other),
                })?;
        let (money, _) = self.money(&client, &network).await;
        let action = Action::Replace {
            kind,
            hash: entry.hash.clone(),
            label: entry.label.clone(),
            nonce: entry.nonce,
        };
        let preview = ActionPreview::of_plan(
            action,
            &network,
            address,
            signer_kind(&account),
            &previewed.review,
            money,
        );
        let replace =
            EvmSignable::Replace { network: network.name.clone(), preview: Box::new(previewed) };
        let id = self.keep(account.address.clone(), Signable::Evm(replace));
        Ok(ActionPreview { id, ..preview })
    }
}
