//! The Ledger: its state, the USB doctor, adding accounts approved on the device, and showing
//! an account's address on the device to check it.

use vigil_api::{Account, LedgerStatus};
use vigil_signer::{Chain, Keychain};

use super::{
    AppResult, AppService,
    accounts::{account_view, chain_of},
    err, internal, wallet_error,
};
use crate::{SignerKind, WalletError};

impl<K: Keychain + 'static> AppService<K> {
    /// The Ledger: its state (asked now), the USB doctor's findings and the wallet's Ledger
    /// accounts.
    pub async fn ledger_status(&self) -> AppResult<LedgerStatus> {
        use vigil_signer::ledger::{DeviceState, doctor, transport::Endpoint};
        let ledger = self.wallet.ledger().map_err(wallet_error)?;
        let state = ledger.refresh().await;
        let (endpoint, doctor) = match ledger.endpoint() {
            Endpoint::Speculos { addr } => (format!("Speculos at {addr}"), vec![]),
            other => {
                let report = tokio::task::spawn_blocking(|| doctor::Doctor::system().run())
                    .await
                    .map_err(internal)?;
                let findings = report
                    .findings
                    .into_iter()
                    .map(|f| {
                        let outcome = match f.outcome {
                            doctor::Outcome::Ok => "ok",
                            doctor::Outcome::Note => "note",
                            doctor::Outcome::Problem => "problem",
                        };
                        (outcome.to_owned(), f.message)
                    })
                    .collect();
                let endpoint = if matches!(other, Endpoint::Usb) {
                    "USB".to_owned()
                } else {
                    format!("{other:?}")
                };
                (endpoint, findings)
            }
        };
        let accounts = self
            .config()?
            .accounts
            .iter()
            .filter(|a| a.signer == SignerKind::Ledger)
            .map(account_view)
            .collect();
        Ok(LedgerStatus {
            ready: matches!(state, DeviceState::Ready { .. }),
            state: state.to_string(),
            endpoint,
            doctor,
            accounts,
        })
    }

    /// Adds the Ledger account `index` of `chain` (Ledger Live's paths), after the user
    /// approves its address on the device.
    pub async fn ledger_add(&self, chain: vigil_api::Chain, index: u32) -> AppResult<Account> {
        let chain = chain_of(chain);
        let path = vigil_signer::ledger::PathStyle::LedgerLive.path(chain, index);
        let added = self.wallet.add_ledger_account(chain, path, None).await.map_err(wallet_error);
        self.config_changed(added.map(|account| account_view(&account)))
    }

    /// Shows a Ledger account's address on the device; the device must show (and the user
    /// approve) the address the wallet has.
    pub async fn ledger_verify(&self, address: &str) -> AppResult<String> {
        let chain = if address.trim().starts_with("0x") { Chain::Ethereum } else { Chain::Solana };
        let account = self.wallet.account(chain, address).map_err(wallet_error)?;
        let (SignerKind::Ledger, Some(path)) = (&account.signer, &account.path) else {
            return Err(wallet_error(WalletError::NotLedgerAccount(account.address)));
        };
        let ledger = self.wallet.ledger().map_err(wallet_error)?;
        let shown =
            ledger.address(chain, path.clone(), true).await.map_err(|e| wallet_error(e.into()))?;
        if !shown.eq_ignore_ascii_case(&account.address) {
            return Err(err(
                vigil_api::ErrorKind::Ledger,
                format!(
                    "the device shows {shown}, not {}: it holds another key (another seed or passphrase)",
                    account.address
                ),
            ));
        }
        Ok(shown)
    }
}
