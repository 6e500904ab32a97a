//! Accounts: the ones the user acts with, and adding (the next account of the recovery
//! phrase, a watch-only address), renaming and hiding them.

use alloy::primitives::Address;
use vigil_api::{Account, AddAccountRequest, EditAccountRequest, WatchAccountRequest};
use vigil_signer::{Chain, Keychain};

use super::{APP_VAULT, AppResult, AppService, err, internal, invalid, signer_kind, wallet_error};
use crate::{AccountConfig, SignerKind, WalletError};

/// The API's chain for the signer's.
pub(crate) fn chain_view(chain: Chain) -> vigil_api::Chain {
    match chain {
        Chain::Ethereum => vigil_api::Chain::Ethereum,
        Chain::Solana => vigil_api::Chain::Solana,
    }
}

/// The signer's chain for the API's.
pub(crate) fn chain_of(chain: vigil_api::Chain) -> Chain {
    match chain {
        vigil_api::Chain::Ethereum => Chain::Ethereum,
        vigil_api::Chain::Solana => Chain::Solana,
    }
}

/// An account as the front-ends show it.
pub(crate) fn account_view(a: &AccountConfig) -> Account {
    Account {
        name: a.name.clone(),
        chain: chain_view(a.chain),
        address: a.address.clone(),
        path: a.path.as_ref().map(ToString::to_string),
        signer: signer_kind(a),
        hidden: a.hidden,
    }
}

fn chain_name(chain: Chain) -> &'static str {
    match chain {
        Chain::Ethereum => "Ethereum",
        Chain::Solana => "Solana",
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// Every account, in the order the user sees them, hidden ones included.
    pub fn accounts(&self) -> AppResult<Vec<Account>> {
        Ok(self.config()?.accounts.iter().map(account_view).collect())
    }

    /// The account an action is for; the user is at work, so the idle timer restarts.
    pub(super) fn acting(
        &self,
        chain: Chain,
        given: Option<&str>,
    ) -> AppResult<(String, AccountConfig)> {
        self.session.touch();
        self.account_for(chain, given)
    }

    /// The account `given` names on `chain`, or the first visible one. Not activity: read-only
    /// paths that repeat on every block (the live quote) must not keep the wallet unlocked.
    pub(super) fn account_for(
        &self,
        chain: Chain,
        given: Option<&str>,
    ) -> AppResult<(String, AccountConfig)> {
        let account = match given.map(str::trim).filter(|g| !g.is_empty()) {
            Some(g) => self.wallet.account(chain, g).map_err(wallet_error)?,
            None => {
                let accounts = self.config()?.accounts;
                let mut of_chain = accounts.into_iter().filter(|a| a.chain == chain);
                let first = of_chain.next();
                let visible = first.iter().cloned().chain(of_chain).find(|a| !a.hidden);
                visible.or(first).ok_or_else(|| {
                    invalid(format!(
                        "no {} account: create or import a wallet, or watch an address",
                        chain_name(chain)
                    ))
                })?
            }
        };
        Ok((account.address.clone(), account))
    }

    /// The EVM account an action is for (`given`, or the first visible one), and its address.
    pub fn acting_evm(&self, given: Option<&str>) -> AppResult<(Address, AccountConfig)> {
        let (address, account) = self.acting(Chain::Ethereum, given)?;
        Ok((parse_evm(&address)?, account))
    }

    /// [`Self::account_for`] on Ethereum, with the address parsed.
    pub(super) fn evm_account_for(
        &self,
        given: Option<&str>,
    ) -> AppResult<(Address, AccountConfig)> {
        let (address, account) = self.account_for(Chain::Ethereum, given)?;
        Ok((parse_evm(&address)?, account))
    }

    /// Adds the next account of the wallet's recovery phrase on `chain` (the lowest index
    /// not in the wallet yet). The phrase is needed: the wallet must be unlocked.
    pub fn add_account(&self, request: &AddAccountRequest) -> AppResult<Account> {
        let chain = chain_of(request.chain);
        let seed = self.session.seed(APP_VAULT).ok_or_else(|| {
            err(
                vigil_api::ErrorKind::Locked,
                "the wallet is locked: enter your password to add an account",
            )
        })?;
        let added = self.wallet.update_config(|config| {
            let used: Vec<String> = config
                .vault_accounts(APP_VAULT)
                .filter(|a| a.chain == chain)
                .filter_map(|a| a.path.as_ref().map(ToString::to_string))
                .collect();
            let (index, path) = (0..10_000u32)
                .map(|i| (i, chain.account_path(i)))
                .find(|(_, p)| !used.contains(&p.to_string()))
                .ok_or_else(|| invalid("this wallet has 10,000 accounts on that chain already"))?;
            let address = chain.address(&seed, &path).map_err(internal)?;
            if let Some(existing) = config.accounts.iter().find(|a| a.address == address) {
                return Err(wallet_error(WalletError::AlreadyAdded {
                    address,
                    name: existing.name.clone(),
                }));
            }
            let name = clean_name(request.name.as_deref())?
                .unwrap_or_else(|| format!("{} {}", chain_name(chain), index + 1));
            let account = AccountConfig {
                name,
                chain,
                address,
                path: Some(path),
                signer: SignerKind::Software { vault: APP_VAULT.to_owned() },
                hidden: false,
            };
            config.accounts.push(account.clone());
            Ok(account_view(&account))
        });
        self.config_changed(added)
    }

    /// Adds a watch-only address: its balances and positions are shown and watched; it
    /// cannot sign.
    pub fn watch_account(&self, request: &WatchAccountRequest) -> AppResult<Account> {
        let chain = chain_of(request.chain);
        let address = match chain {
            Chain::Ethereum => vigil_signer::parse_evm_address(&request.address)
                .map_err(invalid)?
                .to_checksum(None),
            Chain::Solana => {
                let key: vigil_signer::SolanaAddress =
                    request.address.trim().parse().map_err(|_| {
                        invalid(format!(
                            "'{}' is not a Solana address: expected 32 to 44 base58 characters",
                            request.address.trim()
                        ))
                    })?;
                key.to_string()
            }
        };
        let watched = self.wallet.update_config(|config| {
            if let Some(existing) =
                config.accounts.iter().find(|a| a.chain == chain && a.address == address)
            {
                return Err(wallet_error(WalletError::AlreadyAdded {
                    address: address.clone(),
                    name: existing.name.clone(),
                }));
            }
            let count = config.accounts.iter().filter(|a| a.signer == SignerKind::Watch).count();
            let name = clean_name(request.name.as_deref())?
                .unwrap_or_else(|| format!("Watched {}", count + 1));
            let account = AccountConfig {
                name,
                chain,
                address: address.clone(),
                path: None,
                signer: SignerKind::Watch,
                hidden: false,
            };
            config.accounts.push(account.clone());
            Ok(account_view(&account))
        });
        self.config_changed(watched)
    }

    /// Renames, hides or shows an account.
    pub fn edit_account(&self, request: &EditAccountRequest) -> AppResult<Account> {
        let chain = chain_of(request.chain);
        let current = self.wallet.account(chain, &request.address).map_err(wallet_error)?;
        let edited = self.wallet.update_config(|config| {
            let name = clean_name(request.name.as_deref())?;
            let account = config
                .accounts
                .iter_mut()
                .find(|a| a.chain == chain && a.address == current.address)
                .ok_or_else(|| wallet_error(WalletError::NoSuchAccount(current.address.clone())))?;
            if let Some(name) = name {
                account.name = name;
            }
            if let Some(hidden) = request.hidden {
                account.hidden = hidden;
            }
            Ok(account_view(account))
        });
        self.config_changed(edited)
    }
}

/// A name as typed: trimmed, not empty, at most 40 characters; `None` when none was given.
fn clean_name(name: Option<&str>) -> AppResult<Option<String>> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(None) };
    if name.chars().count() > 40 {
        return Err(invalid("an account name has at most 40 characters"));
    }
    Ok(Some(name.to_owned()))
}

fn parse_evm(address: &str) -> AppResult<Address> {
    address.parse().map_err(|_| internal(format!("the config has a bad address {address}")))
}
