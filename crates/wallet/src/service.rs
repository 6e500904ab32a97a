//! The wallet service: vaults and accounts, as both the shell and the CLI use them.

use vigil_signer::{
    Chain, DerivationPath, DeriveError, Keychain, Mnemonic, MnemonicError, Password, UnlockedVault,
    Vault, VaultError, WordCount,
    ledger::{Ledger, LedgerError, ethereum::LedgerEvmSigner, solana::LedgerSolanaSigner},
    vault::{DEFAULT_SERVICE, OsKeychain},
};

use crate::config::{AccountConfig, Config, ConfigError, Paths, SignerKind};

/// Errors from wallet operations; each says what the user can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The recovery phrase is invalid.
    #[error(transparent)]
    Mnemonic(#[from] MnemonicError),
    /// The vault or the keychain failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The config could not be read or written.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Key derivation failed.
    #[error(transparent)]
    Derive(#[from] DeriveError),
    /// No account with this address in the wallet.
    #[error("{0} is not one of this wallet's Ethereum accounts")]
    NoSuchAccount(String),
    /// The account signs elsewhere (Ledger) or not at all (watch-only).
    #[error("{0} is not a software account of this wallet: it cannot be signed for here")]
    NotSoftwareAccount(String),
    /// The account is not on a Ledger.
    #[error("{0} is not a Ledger account of this wallet")]
    NotLedgerAccount(String),
    /// A watch-only account has no key.
    #[error("{0} is watch-only: Vigil has no key for it, so it cannot sign")]
    WatchOnly(String),
    /// The account is already in the wallet.
    #[error("{address} is already in the wallet as '{name}'")]
    AlreadyAdded {
        /// The address.
        address: String,
        /// The account's name.
        name: String,
    },
    /// The Ledger failed; the message says what to do.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The database could not be opened or written.
    #[error(transparent)]
    Database(#[from] crate::db::DbError),
    /// A vault whose creation was interrupted is in the keychain, and the password given does
    /// not open it.
    #[error(
        "Vigil stopped while storing the wallet '{0}' earlier, and this password does not open it: enter the password you chose then to finish it, or delete it (vigil vault delete {0}) to start again"
    )]
    Unfinished(String),
    /// A Ledger account in the config has no path or an invalid address.
    #[error("the Ledger account {0} in the config is incomplete (it needs its address and path)")]
    IncompleteLedgerAccount(String),
}

/// A freshly generated wallet, before the user has confirmed the words.
#[derive(Debug)]
pub struct NewWallet {
    /// The generated mnemonic (zeroized on drop).
    pub mnemonic: Mnemonic,
}

/// Held while the config is changed; see [`Wallet::update_config`].
struct ConfigGuard<'a> {
    _thread: std::sync::MutexGuard<'a, ()>,
    _file: std::fs::File,
}

/// Vigil's core service over a keychain and a config directory.
#[derive(Debug)]
pub struct Wallet<K> {
    vault: Vault<K>,
    paths: Paths,
    /// Held from reading the config to writing it back, so two changes in this process never
    /// interleave and lose one another.
    config_lock: std::sync::Mutex<()>,
}

impl Wallet<OsKeychain> {
    /// The user's wallet: vaults in the OS keychain, files where [`Paths::from_env`] says.
    /// `VIGIL_KEYCHAIN_SERVICE` names another keychain service (for tests and side-by-side
    /// installs).
    pub fn from_env() -> Result<Self, WalletError> {
        let service =
            std::env::var("VIGIL_KEYCHAIN_SERVICE").unwrap_or_else(|_| DEFAULT_SERVICE.to_owned());
        Ok(Self::new(Vault::new(OsKeychain::new(service)), Paths::from_env()?))
    }
}

impl<K: Keychain> Wallet<K> {
    /// The wallet whose vaults live in `vault` and whose files live at `paths`.
    pub fn new(vault: Vault<K>, paths: Paths) -> Self {
        Self { vault, paths, config_lock: std::sync::Mutex::new(()) }
    }

    /// Reads the config, lets `change` edit it, and writes it back, one change at a time.
    /// Nothing is written when `change` fails.
    pub fn update_config<T, E: From<WalletError>>(
        &self,
        change: impl FnOnce(&mut Config) -> Result<T, E>,
    ) -> Result<T, E> {
        let _one_at_a_time = self.lock_config()?;
        let mut config = self.config()?;
        let out = change(&mut config)?;
        config.save(&self.paths.config_file()).map_err(|e| E::from(e.into()))?;
        Ok(out)
    }

    /// One read-change-write of the config at a time: across this process's threads, and
    /// across processes (the app and the CLI) through a lock on a file beside it. Both are
    /// released when the guard drops.
    fn lock_config(&self) -> Result<ConfigGuard<'_>, WalletError> {
        // It guards no data: a panic elsewhere leaves nothing half-done to recover.
        let thread = self.config_lock.lock().unwrap_or_else(|p| p.into_inner());
        let file = crate::config::lock_across_processes(&self.paths)?;
        Ok(ConfigGuard { _thread: thread, _file: file })
    }

    /// Where the files are.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The config as it is on disk now.
    pub fn config(&self) -> Result<Config, WalletError> {
        Ok(Config::load(&self.paths.config_file())?)
    }

    /// Generates a new mnemonic; nothing is stored until [`Wallet::import`] is called with it.
    pub fn generate(&self, words: WordCount) -> NewWallet {
        NewWallet { mnemonic: Mnemonic::generate(words) }
    }

    /// Stores `mnemonic` as the vault `name` under `password`, adds its first Ethereum and
    /// Solana accounts to the config, and returns them.
    pub fn import(
        &self,
        name: &str,
        mnemonic: &Mnemonic,
        passphrase: &str,
        password: &Password,
    ) -> Result<Vec<AccountConfig>, WalletError> {
        // Derive before storing, so a failure leaves nothing half-created.
        let seed = mnemonic.to_seed(passphrase);
        let accounts = [Chain::Ethereum, Chain::Solana]
            .into_iter()
            .map(|chain| {
                let path = chain.account_path(0);
                Ok(AccountConfig {
                    name: format!(
                        "{} 1",
                        if chain == Chain::Ethereum { "Ethereum" } else { "Solana" }
                    ),
                    chain,
                    address: chain.address(&seed, &path)?,
                    path: Some(path),
                    signer: SignerKind::Software { vault: name.to_owned() },
                    hidden: false,
                })
            })
            .collect::<Result<Vec<_>, WalletError>>()?;
        let _one_at_a_time = self.lock_config()?;
        let mut config = self.config()?;
        match self.vault.create(name, mnemonic, passphrase, password) {
            Ok(()) => {}
            // A vault no account uses was left by a creation that stopped between the keychain
            // and the config (a crash, a power cut): its accounts were never listed, so nothing
            // depends on it, and the user who knows its password may finish or replace it.
            Err(VaultError::AlreadyExists(_)) if config.vault_accounts(name).next().is_none() => {
                match self.vault.replace(name, password, mnemonic, passphrase, password) {
                    Ok(()) => {}
                    Err(VaultError::WrongPassword(_)) => {
                        return Err(WalletError::Unfinished(name.to_owned()));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
        crate::crash::point(crate::crash::VAULT_STORED);
        config.remove_vault_accounts(name);
        config.accounts.extend(accounts.iter().cloned());
        if let Err(e) = config.save(&self.paths.config_file()) {
            // Keep keychain and config consistent: undo the vault if the config cannot be written.
            let _ = self.vault.delete(name);
            return Err(e.into());
        }
        Ok(accounts)
    }

    /// Opens the vault `name`, checking the password.
    pub fn unlock(&self, name: &str, password: &Password) -> Result<UnlockedVault, WalletError> {
        Ok(self.vault.unlock(name, password)?)
    }

    /// The account `address` on `chain`, as the config has it.
    pub fn account(&self, chain: Chain, address: &str) -> Result<AccountConfig, WalletError> {
        self.config()?
            .accounts
            .into_iter()
            .find(|a| a.chain == chain && same_address(chain, &a.address, address))
            .ok_or_else(|| WalletError::NoSuchAccount(address.to_owned()))
    }

    /// The Ledger, reached as `VIGIL_SPECULOS` or the `[ledger]` setting say (else USB). The
    /// same device actor is shared by the whole process.
    pub fn ledger(&self) -> Result<Ledger, WalletError> {
        Ok(Ledger::shared(self.config()?.ledger.endpoint()))
    }

    /// Reads the address at `path` on `chain` from the Ledger, shown on the device for the
    /// user to check and approve, and adds it to the wallet as a Ledger account named `name`
    /// (by default "Ledger N").
    pub async fn add_ledger_account(
        &self,
        chain: Chain,
        path: DerivationPath,
        name: Option<String>,
    ) -> Result<AccountConfig, WalletError> {
        let address = self.ledger()?.address(chain, path.clone(), true).await?;
        self.update_config(|config| {
            if let Some(existing) = config
                .accounts
                .iter()
                .find(|a| a.chain == chain && same_address(chain, &a.address, &address))
            {
                return Err(WalletError::AlreadyAdded {
                    address: address.clone(),
                    name: existing.name.clone(),
                });
            }
            let count = config.accounts.iter().filter(|a| a.signer == SignerKind::Ledger).count();
            let account = AccountConfig {
                name: name.unwrap_or_else(|| format!("Ledger {}", count + 1)),
                chain,
                address: address.clone(),
                path: Some(path),
                signer: SignerKind::Ledger,
                hidden: false,
            };
            config.accounts.push(account.clone());
            Ok(account)
        })
    }

    /// The Ledger signer of the Ethereum account `address`: the device must hold that key at
    /// the account's path (another Ledger or passphrase is refused).
    pub async fn ledger_evm_signer(&self, address: &str) -> Result<LedgerEvmSigner, WalletError> {
        let (path, address) = self.ledger_account(Chain::Ethereum, address)?;
        let address = vigil_signer::parse_evm_address(&address)
            .map_err(|_| WalletError::IncompleteLedgerAccount(address.clone()))?;
        Ok(LedgerEvmSigner::for_account(self.ledger()?, path, address).await?)
    }

    /// The Ledger signer of the Solana account `address`.
    pub async fn ledger_solana_signer(
        &self,
        address: &str,
    ) -> Result<LedgerSolanaSigner, WalletError> {
        let (path, address) = self.ledger_account(Chain::Solana, address)?;
        let key =
            address.parse().map_err(|_| WalletError::IncompleteLedgerAccount(address.clone()))?;
        Ok(LedgerSolanaSigner::for_account(self.ledger()?, path, key).await?)
    }

    fn ledger_account(
        &self,
        chain: Chain,
        address: &str,
    ) -> Result<(DerivationPath, String), WalletError> {
        let account = self.account(chain, address)?;
        match (&account.signer, account.path) {
            (SignerKind::Ledger, Some(path)) => Ok((path, account.address)),
            (SignerKind::Ledger, None) => {
                Err(WalletError::IncompleteLedgerAccount(account.address))
            }
            (SignerKind::Watch, _) => Err(WalletError::WatchOnly(account.address)),
            (SignerKind::Software { .. }, _) => Err(WalletError::NotLedgerAccount(account.address)),
        }
    }

    /// The software signer of the Ethereum account `address`, unlocking its vault with
    /// `password`. The key lives only as long as the returned signer.
    pub fn evm_signer(
        &self,
        address: &str,
        password: &Password,
    ) -> Result<vigil_signer::SoftwareEvmSigner, WalletError> {
        let (seed, path) = self.software_key(Chain::Ethereum, address, password)?;
        Ok(vigil_signer::SoftwareEvmSigner::from_seed(&seed, &path)?)
    }

    /// The software signer of the Solana account `address`, unlocking its vault with
    /// `password`.
    pub fn solana_signer(
        &self,
        address: &str,
        password: &Password,
    ) -> Result<vigil_signer::SoftwareSolanaSigner, WalletError> {
        let (seed, path) = self.software_key(Chain::Solana, address, password)?;
        Ok(vigil_signer::SoftwareSolanaSigner::from_seed(&seed, &path)?)
    }

    /// The seed and path of the software account `address` on `chain`.
    fn software_key(
        &self,
        chain: Chain,
        address: &str,
        password: &Password,
    ) -> Result<(vigil_signer::Seed, DerivationPath), WalletError> {
        let account = self.account(chain, address)?;
        let (SignerKind::Software { vault }, Some(path)) = (&account.signer, &account.path) else {
            return Err(match account.signer {
                SignerKind::Watch => WalletError::WatchOnly(account.address),
                _ => WalletError::NotSoftwareAccount(account.address),
            });
        };
        let unlocked = self.vault.unlock(vault, password)?;
        Ok((unlocked.seed(), path.clone()))
    }

    /// Changes the password of the vault `name`.
    pub fn change_password(
        &self,
        name: &str,
        old: &Password,
        new: &Password,
    ) -> Result<(), WalletError> {
        Ok(self.vault.change_password(name, old, new)?)
    }

    /// Deletes the vault `name` and its accounts from the config.
    pub fn delete(&self, name: &str) -> Result<(), WalletError> {
        // Read the config first: if it is broken, fail before anything irreversible happens.
        let _one_at_a_time = self.lock_config()?;
        let mut config = self.config()?;
        self.vault.delete(name)?;
        config.remove_vault_accounts(name);
        config.save(&self.paths.config_file())?;
        Ok(())
    }

    /// The vaults in the keychain with their accounts from the config.
    pub fn vaults(&self) -> Result<Vec<(String, Vec<AccountConfig>)>, WalletError> {
        let config = self.config()?;
        Ok(self
            .vault
            .list()?
            .into_iter()
            .map(|name| {
                let accounts = config.vault_accounts(&name).cloned().collect();
                (name, accounts)
            })
            .collect())
    }
}

/// Ethereum addresses compare without case (EIP-55 is only a checksum); Solana's exactly.
fn same_address(chain: Chain, a: &str, b: &str) -> bool {
    match chain {
        Chain::Ethereum => a.trim().eq_ignore_ascii_case(b.trim()),
        Chain::Solana => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use vigil_signer::{KdfParams, vault::InMemoryKeychain};

    use super::*;

    const JUNK: &str = "test test test test test test test test test test test junk";

    fn wallet(dir: &std::path::Path) -> Wallet<InMemoryKeychain> {
        let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
        Wallet::new(vault, Paths::under(dir.into()))
    }

    #[test]
    fn import_writes_accounts_without_secrets_and_delete_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let accounts = w
            .import(
                "default",
                &Mnemonic::parse(JUNK).unwrap(),
                "",
                &Password::new("quiet meadow lantern 58"),
            )
            .unwrap();
        assert_eq!(accounts[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(accounts[1].chain, Chain::Solana);
        let text = std::fs::read_to_string(w.paths().config_file()).unwrap();
        assert!(text.contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert!(!text.contains("junk") && !text.contains("quiet meadow lantern 58"));
        assert_eq!(w.vaults().unwrap(), vec![("default".to_owned(), accounts)]);

        w.delete("default").unwrap();
        assert!(w.config().unwrap().accounts.is_empty());
        assert!(w.vaults().unwrap().is_empty());
    }

    #[test]
    fn a_creation_interrupted_before_the_config_is_finished_by_importing_again() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let pw = Password::new("quiet meadow lantern 58");
        let m = Mnemonic::parse(JUNK).unwrap();
        // As after a kill between the keychain write and the config write.
        w.vault.create("default", &m, "", &pw).unwrap();
        assert_eq!(w.vaults().unwrap(), vec![("default".to_owned(), vec![])]);

        // Another password does not open it: nothing is overwritten, and the error says why.
        let e = w.import("default", &m, "", &Password::new("another long password 7")).unwrap_err();
        assert!(matches!(e, WalletError::Unfinished(ref n) if n == "default"), "{e:?}");
        assert!(e.to_string().contains("enter the password you chose then"), "{e}");
        assert!(w.config().unwrap().accounts.is_empty());
        w.unlock("default", &pw).unwrap();

        // Its own password finishes it: the accounts are listed and it opens as before.
        let accounts = w.import("default", &m, "", &pw).unwrap();
        assert_eq!(accounts[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(w.vaults().unwrap(), vec![("default".to_owned(), accounts)]);
        assert_eq!(*w.unlock("default", &pw).unwrap().mnemonic().phrase(), JUNK);

        // A vault with accounts is never replaced, whatever the password.
        let other = Mnemonic::generate(WordCount::Twelve);
        let e = w.import("default", &other, "", &pw).unwrap_err();
        assert!(matches!(e, WalletError::Vault(VaultError::AlreadyExists(_))), "{e:?}");
        assert_eq!(*w.unlock("default", &pw).unwrap().mnemonic().phrase(), JUNK);
    }

    #[test]
    fn an_interrupted_creation_can_be_replaced_by_a_new_phrase_with_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let pw = Password::new("quiet meadow lantern 58");
        w.vault.create("default", &Mnemonic::generate(WordCount::Twelve), "", &pw).unwrap();
        // The user started again with another phrase (the first one's accounts were never
        // listed, so nothing depends on it).
        let accounts = w.import("default", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        assert_eq!(accounts[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(*w.unlock("default", &pw).unwrap().mnemonic().phrase(), JUNK);
    }

    #[test]
    fn a_broken_config_stops_delete_before_the_vault_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        w.import(
            "default",
            &Mnemonic::parse(JUNK).unwrap(),
            "",
            &Password::new("quiet meadow lantern 58"),
        )
        .unwrap();
        std::fs::write(w.paths().config_file(), "not = [valid").unwrap();
        assert!(matches!(w.delete("default"), Err(WalletError::Config(_))));
        assert!(
            w.unlock("default", &Password::new("quiet meadow lantern 58")).is_ok(),
            "the vault survived"
        );
    }

    #[test]
    fn signers_come_only_for_the_wallets_software_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let pw = Password::new("quiet meadow lantern 58");
        w.import("default", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        let signer = w.evm_signer("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", &pw).unwrap();
        assert_eq!(
            vigil_signer::EvmSigner::address(&signer).to_checksum(None),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert!(matches!(
            w.evm_signer("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", &pw),
            Err(WalletError::NoSuchAccount(_))
        ));
        assert!(matches!(
            w.evm_signer("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", &Password::new("nope")),
            Err(WalletError::Vault(VaultError::WrongPassword(_)))
        ));
    }

    #[tokio::test]
    async fn each_signer_kind_is_reached_only_its_own_way() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let pw = Password::new("quiet meadow lantern 58");
        w.import("default", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        let mut config = w.config().unwrap();
        let watched = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        config.accounts.push(AccountConfig {
            name: "Watched".into(),
            chain: Chain::Ethereum,
            address: watched.into(),
            path: None,
            signer: SignerKind::Watch,
            hidden: false,
        });
        config.save(&w.paths().config_file()).unwrap();
        let software = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert!(matches!(
            w.ledger_evm_signer(software).await,
            Err(WalletError::NotLedgerAccount(_))
        ));
        assert!(matches!(w.ledger_evm_signer(watched).await, Err(WalletError::WatchOnly(_))));
        let e = w.evm_signer(&watched.to_lowercase(), &pw).unwrap_err();
        assert!(e.to_string().contains("watch-only"), "{e}");
    }

    #[test]
    fn concurrent_config_changes_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Two wallets over the same files stand for two processes (the app and the CLI):
        // only the lock on the file keeps them apart.
        let wallets = [wallet(dir.path()), wallet(dir.path())];
        let w = &wallets[0];
        std::thread::scope(|s| {
            for i in 0..8u64 {
                let w = &wallets[i as usize % 2];
                s.spawn(move || {
                    w.update_config(|c| {
                        c.networks.push(crate::NetworkConfig {
                            name: format!("chain{i}"),
                            chain_id: 1000 + i,
                            rpc_urls: vec!["http://127.0.0.1:9/".parse().unwrap()],
                            ws_url: None,
                            explorer: None,
                            native_symbol: None,
                            protocols: None,
                            tokens: vec![],
                            max_fee_gwei: None,
                            private_tx: None,
                            private_tx_url: None,
                            feed_heartbeats: Default::default(),
                        });
                        // Widen the window between reading and writing.
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        Ok::<_, WalletError>(())
                    })
                    .unwrap();
                });
            }
        });
        let mut names: Vec<_> = w.config().unwrap().networks.into_iter().map(|n| n.name).collect();
        names.sort();
        assert_eq!(names, (0..8).map(|i| format!("chain{i}")).collect::<Vec<_>>());
        // A failed change writes nothing.
        let e = w.update_config(|c| {
            c.networks.clear();
            Err::<(), _>(WalletError::NoSuchAccount("x".into()))
        });
        assert!(e.is_err());
        assert_eq!(w.config().unwrap().networks.len(), 8);
    }

    #[test]
    fn a_failed_import_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let m = Mnemonic::parse(JUNK).unwrap();
        assert!(matches!(
            w.import("default", &m, "", &Password::new("short")),
            Err(WalletError::Vault(VaultError::PasswordTooShort))
        ));
        assert!(w.config().unwrap().accounts.is_empty());
        // The config cannot be written (its temporary file's name is taken by a directory):
        // the vault just created in the keychain is undone.
        let tmp = format!("toml.{}.tmp", std::process::id());
        std::fs::create_dir_all(w.paths().config_file().with_extension(tmp)).unwrap();
        assert!(matches!(
            w.import("default", &m, "", &Password::new("quiet meadow lantern 58")),
            Err(WalletError::Config(_))
        ));
        assert!(w.vaults().unwrap().is_empty());
    }
}
