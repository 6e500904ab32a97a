//! The vault: a mnemonic encrypted under the user's password, stored as one OS keychain item.
//!
//! The key is derived with Argon2id (parameters stored beside the ciphertext, so they can be
//! raised later) and the mnemonic sealed with XChaCha20-Poly1305. The keychain holds only that
//! ciphertext; the clear mnemonic exists only in memory, in zeroizing buffers, while unlocked.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::mnemonic::{Mnemonic, Seed};

/// The keychain service under which Vigil stores its vaults.
pub const DEFAULT_SERVICE: &str = "vigil";
/// The shortest password accepted for a new vault.
pub const MIN_PASSWORD_LEN: usize = 8;
/// The weakest zxcvbn score accepted for a new vault: at least 10^8 guesses, each costing an
/// attacker one Argon2id run of [`KdfParams::DESKTOP`].
const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
const FORMAT_VERSION: u32 = 1;
/// The most memory an item may ask Argon2id for (1 GiB).
const MAX_KDF_MEMORY_KIB: u32 = 1024 * 1024;

/// Errors from the OS keychain, each with what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// No keychain service answered (no D-Bus session, or no Secret Service provider running).
    #[error(
        "the OS keychain is not available ({0}): log in to a desktop session with a keyring (GNOME Keyring or KWallet) running"
    )]
    Unavailable(String),
    /// The keychain exists but is locked.
    #[error(
        "the OS keychain is locked: unlock your login keyring (for example by logging in again) and retry"
    )]
    Locked,
    /// No item for this vault.
    #[error("no vault named '{0}' in the OS keychain")]
    NotFound(String),
    /// The keychain refused or failed the operation.
    #[error("the OS keychain failed: {0}")]
    Failed(String),
}

/// Where vault ciphertexts are kept. [`OsKeychain`] in production, [`InMemoryKeychain`] in tests.
pub trait Keychain: Send + Sync {
    /// Stores (or replaces) the item for `vault`.
    fn store(&self, vault: &str, blob: &str) -> Result<(), KeychainError>;
    /// Reads the item for `vault`.
    fn load(&self, vault: &str) -> Result<String, KeychainError>;
    /// Deletes the item for `vault`.
    fn delete(&self, vault: &str) -> Result<(), KeychainError>;
    /// The names of all vaults in this keychain.
    fn list(&self) -> Result<Vec<String>, KeychainError>;
}

/// Vaults in the OS keychain (the Secret Service on Linux) through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
    collection: Option<String>,
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new(DEFAULT_SERVICE)
    }
}

impl OsKeychain {
    /// Items under `service` in the default collection.
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into(), collection: None }
    }

    /// Items in the collection labelled `collection` instead of the default one.
    pub fn in_collection(mut self, collection: impl Into<String>) -> Self {
        self.collection = Some(collection.into());
        self
    }

    fn entry(&self, vault: &str) -> Result<keyring::Entry, KeychainError> {
        match &self.collection {
            Some(c) => keyring::Entry::new_with_target(c, &self.service, vault),
            None => keyring::Entry::new(&self.service, vault),
        }
        .map_err(|e| self.map_error(e, vault))
    }

    /// Turns a `keyring` error into one that says what happened. `keyring` reports a locked
    /// collection as a missing item, so a miss is double-checked against the lock state; a
    /// miss whose lock state cannot be told is not a miss (creating a vault on it could
    /// overwrite one that is there, behind the lock).
    fn map_error(&self, e: keyring::Error, vault: &str) -> KeychainError {
        match e {
            keyring::Error::NoEntry => match self.is_locked() {
                Ok(true) => KeychainError::Locked,
                Ok(false) => KeychainError::NotFound(vault.to_owned()),
                Err(e @ KeychainError::Unavailable(_)) => e,
                Err(e) => KeychainError::Failed(format!(
                    "the keychain says '{vault}' is not there but cannot say whether it is locked ({e}): unlock it, or check that the keyring is running"
                )),
            },
            keyring::Error::NoStorageAccess(e) => match self.is_locked() {
                Ok(true) => KeychainError::Locked,
                Err(e @ KeychainError::Unavailable(_)) => e,
                _ => KeychainError::Failed(e.to_string()),
            },
            keyring::Error::PlatformFailure(e) => match self.is_locked() {
                Ok(true) => KeychainError::Locked,
                Err(u @ KeychainError::Unavailable(_)) => u,
                _ => KeychainError::Failed(e.to_string()),
            },
            other => KeychainError::Failed(other.to_string()),
        }
    }

    #[cfg(target_os = "linux")]
    fn secret_service() -> Result<dbus_secret_service::SecretService, KeychainError> {
        dbus_secret_service::SecretService::connect(dbus_secret_service::EncryptionType::Plain)
            .map_err(|e| KeychainError::Unavailable(e.to_string()))
    }

    /// Whether the collection holding the vaults is locked.
    #[cfg(target_os = "linux")]
    pub fn is_locked(&self) -> Result<bool, KeychainError> {
        let ss = Self::secret_service()?;
        let failed = |e: dbus_secret_service::Error| KeychainError::Failed(e.to_string());
        let collection = match &self.collection {
            None => ss.get_default_collection().map_err(failed)?,
            Some(label) => {
                let mut found = None;
                for c in ss.get_all_collections().map_err(failed)? {
                    if c.get_label().map_err(failed)? == *label {
                        found = Some(c);
                        break;
                    }
                }
                found.ok_or_else(|| {
                    KeychainError::Failed(format!("no keychain collection labelled '{label}'"))
                })?
            }
        };
        collection.is_locked().map_err(failed)
    }

    /// Whether the collection holding the vaults is locked (not knowable on this platform).
    #[cfg(not(target_os = "linux"))]
    pub fn is_locked(&self) -> Result<bool, KeychainError> {
        Ok(false)
    }
}

impl Keychain for OsKeychain {
    fn store(&self, vault: &str, blob: &str) -> Result<(), KeychainError> {
        self.entry(vault)?.set_password(blob).map_err(|e| self.map_error(e, vault))
    }

    fn load(&self, vault: &str) -> Result<String, KeychainError> {
        self.entry(vault)?.get_password().map_err(|e| self.map_error(e, vault))
    }

    fn delete(&self, vault: &str) -> Result<(), KeychainError> {
        self.entry(vault)?.delete_credential().map_err(|e| self.map_error(e, vault))
    }

    #[cfg(target_os = "linux")]
    fn list(&self) -> Result<Vec<String>, KeychainError> {
        let ss = Self::secret_service()?;
        let failed = |e: dbus_secret_service::Error| KeychainError::Failed(e.to_string());
        // keyring tags each item with its collection ("target"); list only this one's.
        let target = self.collection.as_deref().unwrap_or("default");
        let found = ss
            .search_items(std::collections::HashMap::from([
                ("service", self.service.as_str()),
                ("target", target),
            ]))
            .map_err(failed)?;
        let mut names = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            if let Some(name) = item.get_attributes().map_err(failed)?.remove("username") {
                names.push(name);
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    #[cfg(not(target_os = "linux"))]
    fn list(&self) -> Result<Vec<String>, KeychainError> {
        Err(KeychainError::Failed("listing keychain items is only supported on Linux".into()))
    }
}

/// A keychain in memory, for tests of the layers above (the `test-utils` feature).
#[cfg(any(test, feature = "test-utils"))]
#[derive(Debug, Default)]
pub struct InMemoryKeychain {
    items: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

#[cfg(any(test, feature = "test-utils"))]
impl InMemoryKeychain {
    fn items(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, String>> {
        // A panic while holding the lock cannot leave the map half-written: recover it.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(any(test, feature = "test-utils"))]
impl Keychain for InMemoryKeychain {
    fn store(&self, vault: &str, blob: &str) -> Result<(), KeychainError> {
        self.items().insert(vault.to_owned(), blob.to_owned());
        Ok(())
    }
    fn load(&self, vault: &str) -> Result<String, KeychainError> {
        self.items().get(vault).cloned().ok_or_else(|| KeychainError::NotFound(vault.to_owned()))
    }
    fn delete(&self, vault: &str) -> Result<(), KeychainError> {
        self.items()
            .remove(vault)
            .map(drop)
            .ok_or_else(|| KeychainError::NotFound(vault.to_owned()))
    }
    fn list(&self) -> Result<Vec<String>, KeychainError> {
        Ok(self.items().keys().cloned().collect())
    }
}

/// Errors from vault operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The keychain failed; see the inner error for what to do.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// The password does not open this vault.
    #[error("wrong password for vault '{0}'")]
    WrongPassword(String),
    /// A vault with this name already exists and would be overwritten.
    #[error("a vault named '{0}' already exists: delete it first or choose another name")]
    AlreadyExists(String),
    /// A new password is too short.
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    PasswordTooShort,
    /// A new password is long enough but easy to guess (zxcvbn estimates fewer than 10^8
    /// guesses: a stolen vault item would be opened offline).
    #[error("this password is too easy to guess{}: {advice}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    WeakPassword {
        /// What makes it guessable ("This is a very common password."), when zxcvbn says.
        reason: Option<String>,
        /// What to do instead.
        advice: String,
    },
    /// A vault name must be 1-64 characters of letters, digits, '-', '_' or '.'.
    #[error("'{0}' is not a valid vault name: use 1-64 letters, digits, '-', '_' or '.'")]
    InvalidName(String),
    /// The keychain item is not a vault this version can read.
    #[error("the keychain item for vault '{name}' is damaged or from an unknown version: {reason}")]
    Corrupt {
        /// The vault.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The key derivation parameters are invalid.
    #[error("invalid key derivation parameters: {0}")]
    Kdf(String),
}

/// A password typed by the user. Zeroized on drop; never printed.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// Refuses a new password that is short or guessable. `context` are words an attacker
    /// would try first (the vault's name, the app's).
    fn check_new(&self, context: &[&str]) -> Result<(), VaultError> {
        if self.0.chars().count() < MIN_PASSWORD_LEN {
            return Err(VaultError::PasswordTooShort);
        }
        let mut words = vec![DEFAULT_SERVICE];
        words.extend_from_slice(context);
        let estimate = zxcvbn::zxcvbn(&self.0, &words);
        if estimate.score() >= MIN_PASSWORD_SCORE {
            return Ok(());
        }
        let feedback = estimate.feedback();
        let reason = feedback
            .and_then(|f| f.warning())
            .map(|w| lowercase_first(w.to_string().trim_end_matches('.')));
        let mut advice: Vec<String> = feedback
            .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        if advice.is_empty() {
            advice.push("Add another word or two. Uncommon words are better.".to_owned());
        }
        Err(VaultError::WeakPassword { reason, advice: advice.join(" ") })
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Argon2id cost parameters, stored with each vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// The parameters for new vaults: 128 MiB and 4 passes, about 0.5 s on a desktop
    /// (see BENCHMARKS.md for the measurement).
    pub const DESKTOP: Self = Self { m_cost_kib: 128 * 1024, t_cost: 4, p_cost: 1 };
    /// Cheap parameters for tests of other layers (the `test-utils` feature). Never use for a
    /// real vault.
    #[cfg(any(test, feature = "test-utils"))]
    pub const INSECURE_FAST: Self = Self { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    fn derive_key(
        &self,
        password: &Password,
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| VaultError::Kdf(e.to_string()))?;
        let mut key = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password.0.as_bytes(), salt, &mut key[..])
            .map_err(|e| VaultError::Kdf(e.to_string()))?;
        Ok(key)
    }
}

/// The keychain item: everything needed to decrypt, except the password.
#[derive(Serialize, Deserialize)]
struct SealedVault {
    version: u32,
    kdf: KdfParams,
    #[serde(with = "hex")]
    salt: Vec<u8>,
    #[serde(with = "hex")]
    nonce: Vec<u8>,
    #[serde(with = "hex")]
    ciphertext: Vec<u8>,
}

/// What the ciphertext holds.
#[derive(Serialize, Deserialize)]
struct VaultSecret {
    mnemonic: Zeroizing<String>,
    passphrase: Zeroizing<String>,
}

/// An opened vault: the mnemonic and BIP39 passphrase in memory until dropped.
pub struct UnlockedVault {
    name: String,
    mnemonic: Mnemonic,
    passphrase: Zeroizing<String>,
}

impl UnlockedVault {
    /// The vault's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mnemonic (to show the words again, after the password was entered).
    pub fn mnemonic(&self) -> &Mnemonic {
        &self.mnemonic
    }

    /// The BIP39 seed, including the passphrase if the vault has one.
    pub fn seed(&self) -> Seed {
        self.mnemonic.to_seed(&self.passphrase)
    }

    /// The vault's name and seed, dropping (and so zeroizing) the phrase and passphrase: what
    /// a session keeps to sign without holding the words.
    pub fn into_seed(self) -> (String, Seed) {
        let seed = self.seed();
        (self.name, seed)
    }
}

impl fmt::Debug for UnlockedVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedVault").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Vault operations over a [`Keychain`].
#[derive(Debug)]
pub struct Vault<K> {
    keychain: K,
    kdf: KdfParams,
}

impl<K: Keychain> Vault<K> {
    /// Vaults in `keychain`, new ones sealed with [`KdfParams::DESKTOP`].
    pub fn new(keychain: K) -> Self {
        Self { keychain, kdf: KdfParams::DESKTOP }
    }

    /// Uses `kdf` for vaults sealed from now on.
    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// The keychain.
    pub fn keychain(&self) -> &K {
        &self.keychain
    }

    /// Seals `mnemonic` (and an optional BIP39 passphrase) under `password` as a new vault.
    pub fn create(
        &self,
        name: &str,
        mnemonic: &Mnemonic,
        passphrase: &str,
        password: &Password,
    ) -> Result<(), VaultError> {
        check_name(name)?;
        password.check_new(&[name])?;
        match self.keychain.load(name) {
            Ok(_) => return Err(VaultError::AlreadyExists(name.to_owned())),
            Err(KeychainError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.store(name, mnemonic, passphrase, password)
    }

    /// Seals `mnemonic` under `password` over the existing vault `name`, whose own password
    /// `current` must open it first. For a vault nothing uses yet (one whose creation was
    /// interrupted): whoever calls this has checked that.
    pub fn replace(
        &self,
        name: &str,
        current: &Password,
        mnemonic: &Mnemonic,
        passphrase: &str,
        password: &Password,
    ) -> Result<(), VaultError> {
        check_name(name)?;
        password.check_new(&[name])?;
        drop(self.unlock(name, current)?);
        self.store(name, mnemonic, passphrase, password)
    }

    fn store(
        &self,
        name: &str,
        mnemonic: &Mnemonic,
        passphrase: &str,
        password: &Password,
    ) -> Result<(), VaultError> {
        let secret = VaultSecret {
            mnemonic: mnemonic.phrase(),
            passphrase: Zeroizing::new(passphrase.to_owned()),
        };
        self.keychain.store(name, &self.seal(name, &secret, password)?)?;
        Ok(())
    }

    /// Opens a vault with its password.
    pub fn unlock(&self, name: &str, password: &Password) -> Result<UnlockedVault, VaultError> {
        check_name(name)?;
        let blob = self.keychain.load(name)?;
        let secret = open(name, &blob, password)?;
        let mnemonic = Mnemonic::parse(&secret.mnemonic)
            .map_err(|e| VaultError::Corrupt { name: name.to_owned(), reason: e.to_string() })?;
        Ok(UnlockedVault { name: name.to_owned(), mnemonic, passphrase: secret.passphrase })
    }

    /// Re-seals a vault under a new password (and the current KDF parameters).
    pub fn change_password(
        &self,
        name: &str,
        old: &Password,
        new: &Password,
    ) -> Result<(), VaultError> {
        check_name(name)?;
        new.check_new(&[name])?;
        let blob = self.keychain.load(name)?;
        let secret = open(name, &blob, old)?;
        self.keychain.store(name, &self.seal(name, &secret, new)?)?;
        Ok(())
    }

    /// Deletes a vault. Whoever calls this has confirmed it with the user: it cannot be undone.
    pub fn delete(&self, name: &str) -> Result<(), VaultError> {
        check_name(name)?;
        Ok(self.keychain.delete(name)?)
    }

    /// The names of the vaults in the keychain.
    pub fn list(&self) -> Result<Vec<String>, VaultError> {
        Ok(self.keychain.list()?)
    }

    fn seal(
        &self,
        name: &str,
        secret: &VaultSecret,
        password: &Password,
    ) -> Result<String, VaultError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let key = self.kdf.derive_key(password, &salt)?;
        let plaintext =
            Zeroizing::new(serde_json::to_vec(secret).map_err(|e| VaultError::Kdf(e.to_string()))?);
        let cipher = XChaCha20Poly1305::new((&*key).into());
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plaintext, aad: &aad(name) })
            .map_err(|_| VaultError::Kdf("encryption failed".into()))?;
        let sealed = SealedVault {
            version: FORMAT_VERSION,
            kdf: self.kdf,
            salt: salt.to_vec(),
            nonce: nonce.to_vec(),
            ciphertext,
        };
        serde_json::to_string(&sealed).map_err(|e| VaultError::Kdf(e.to_string()))
    }
}

/// Binds the ciphertext to the vault's name and format, so an item copied under another name
/// does not open.
fn aad(name: &str) -> Vec<u8> {
    format!("vigil-vault/v{FORMAT_VERSION}/{name}").into_bytes()
}

fn open(name: &str, blob: &str, password: &Password) -> Result<VaultSecret, VaultError> {
    let corrupt = |reason: String| VaultError::Corrupt { name: name.to_owned(), reason };
    let sealed: SealedVault =
        serde_json::from_str(blob).map_err(|e| corrupt(format!("not a vault item ({e})")))?;
    if sealed.version != FORMAT_VERSION {
        return Err(corrupt(format!(
            "format version {} (this Vigil reads version {FORMAT_VERSION}); update Vigil",
            sealed.version
        )));
    }
    if sealed.nonce.len() != 24 || sealed.salt.len() != 16 {
        return Err(corrupt("nonce or salt has the wrong length".into()));
    }
    // The item is not trusted: absurd costs would exhaust memory instead of failing cleanly.
    let k = sealed.kdf;
    if !(8..=MAX_KDF_MEMORY_KIB).contains(&k.m_cost_kib)
        || !(1..=16).contains(&k.t_cost)
        || !(1..=8).contains(&k.p_cost)
    {
        return Err(corrupt(format!("implausible key derivation parameters {k:?}")));
    }
    let key = sealed.kdf.derive_key(password, &sealed.salt)?;
    let cipher = XChaCha20Poly1305::new((&*key).into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload { msg: &sealed.ciphertext, aad: &aad(name) },
            )
            // AEAD cannot tell a wrong key from tampering; a wrong password is by far the likelier.
            .map_err(|_| VaultError::WrongPassword(name.to_owned()))?,
    );
    // serde's message could quote the decrypted contents: report only that they are unreadable.
    serde_json::from_slice(&plaintext).map_err(|_| corrupt("unreadable contents".into()))
}

fn check_name(name: &str) -> Result<(), VaultError> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(()) } else { Err(VaultError::InvalidName(name.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUNK: &str = "test test test test test test test test test test test junk";

    fn vault() -> Vault<InMemoryKeychain> {
        Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST)
    }

    #[test]
    fn create_unlock_change_password_delete() {
        let v = vault();
        let m = Mnemonic::parse(JUNK).unwrap();
        v.create("main", &m, "", &Password::new("correct horse")).unwrap();
        assert_eq!(v.list().unwrap(), ["main"]);
        let u = v.unlock("main", &Password::new("correct horse")).unwrap();
        assert_eq!(*u.mnemonic().phrase(), JUNK);
        assert_eq!(u.seed().as_bytes(), m.to_seed("").as_bytes());

        assert!(matches!(
            v.unlock("main", &Password::new("wrong horse")),
            Err(VaultError::WrongPassword(n)) if n == "main"
        ));
        v.change_password(
            "main",
            &Password::new("correct horse"),
            &Password::new("battery staple"),
        )
        .unwrap();
        assert!(matches!(
            v.unlock("main", &Password::new("correct horse")),
            Err(VaultError::WrongPassword(_))
        ));
        v.unlock("main", &Password::new("battery staple")).unwrap();
        v.delete("main").unwrap();
        assert!(matches!(
            v.unlock("main", &Password::new("battery staple")),
            Err(VaultError::Keychain(KeychainError::NotFound(_)))
        ));
    }

    #[test]
    fn refuses_guessable_passwords_with_what_to_do() {
        let v = vault();
        let m = Mnemonic::parse(JUNK).unwrap();
        // Long enough, but common, repeated, a keyboard walk, or the vault's own name.
        for weak in ["password1", "hunter2hunter2", "qwertyuiop", "aaaaaaaaaaaa", "savings2024"] {
            let name = "savings";
            let e = v.create(name, &m, "", &Password::new(weak)).unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, VaultError::WeakPassword { .. }), "{weak}: {e:?}");
            assert!(text.starts_with("this password is too easy to guess"), "{text}");
            assert!(text.contains("Add another word"), "says what to do: {text}");
            assert!(!text.contains(weak), "never quotes the password: {text}");
            assert!(v.list().unwrap().is_empty(), "nothing stored for {weak}");
        }
        let e = v.create("a", &m, "", &Password::new("password1")).unwrap_err();
        assert!(e.to_string().contains("(this is a very common password)"), "{e}");
        // A new password on change is held to the same bar; the old one still opens the vault.
        v.create("a", &m, "", &Password::new("quiet meadow lantern 58")).unwrap();
        let old = Password::new("quiet meadow lantern 58");
        assert!(matches!(
            v.change_password("a", &old, &Password::new("iloveyou123")),
            Err(VaultError::WeakPassword { .. })
        ));
        v.unlock("a", &old).unwrap();
    }

    #[test]
    fn passphrase_changes_the_seed_and_is_kept() {
        let v = vault();
        let m = Mnemonic::parse(JUNK).unwrap();
        v.create("p", &m, "TREZOR", &Password::new("quiet meadow lantern 58")).unwrap();
        let u = v.unlock("p", &Password::new("quiet meadow lantern 58")).unwrap();
        assert_eq!(u.seed().as_bytes(), m.to_seed("TREZOR").as_bytes());
        assert_ne!(u.seed().as_bytes(), m.to_seed("").as_bytes());
    }

    #[test]
    fn refuses_overwrite_short_passwords_and_bad_names() {
        let v = vault();
        let m = Mnemonic::parse(JUNK).unwrap();
        assert!(matches!(
            v.create("a", &m, "", &Password::new("short")),
            Err(VaultError::PasswordTooShort)
        ));
        v.create("a", &m, "", &Password::new("long enough lantern")).unwrap();
        assert!(matches!(
            v.create("a", &m, "", &Password::new("long enough lantern")),
            Err(VaultError::AlreadyExists(_))
        ));
        for bad in ["", "a/b", "with space", &"x".repeat(65)] {
            assert!(matches!(
                v.create(bad, &m, "", &Password::new("long enough lantern")),
                Err(VaultError::InvalidName(_))
            ));
        }
    }

    #[test]
    fn keychain_holds_only_ciphertext() {
        let v = vault();
        v.create(
            "c",
            &Mnemonic::parse(JUNK).unwrap(),
            "pass-phrase",
            &Password::new("hunter2 orbit meadow"),
        )
        .unwrap();
        let blob = v.keychain().load("c").unwrap();
        for secret in ["test", "junk", "pass-phrase", "hunter2"] {
            assert!(!blob.contains(secret), "{secret} in {blob}");
            assert!(!blob.contains(&hex::encode(secret)), "hex of {secret} in {blob}");
        }
        let sealed: SealedVault = serde_json::from_str(&blob).unwrap();
        assert_eq!(sealed.kdf, KdfParams::INSECURE_FAST);
        // The ciphertext is the sealed plaintext plus the 16-byte tag, and not the plaintext.
        let plain = serde_json::to_vec(&VaultSecret {
            mnemonic: Zeroizing::new(JUNK.into()),
            passphrase: Zeroizing::new("pass-phrase".into()),
        })
        .unwrap();
        assert_eq!(sealed.ciphertext.len(), plain.len() + 16);
        assert!(!sealed.ciphertext.windows(4).any(|w| w == b"junk"));
    }

    #[test]
    fn tampering_and_moving_items_are_detected() {
        let v = vault();
        let pw = Password::new("long enough lantern");
        v.create("a", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        let blob = v.keychain().load("a").unwrap();
        // Moved under another name: the AAD no longer matches.
        v.keychain().store("b", &blob).unwrap();
        assert!(matches!(v.unlock("b", &pw), Err(VaultError::WrongPassword(_))));
        // Garbage and future versions are reported as damaged, not as a wrong password.
        v.keychain().store("b", "{not json").unwrap();
        assert!(matches!(v.unlock("b", &pw), Err(VaultError::Corrupt { .. })));
        let future = blob.replace("\"version\":1", "\"version\":9");
        v.keychain().store("b", &future).unwrap();
        let err = v.unlock("b", &pw).unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
        // An item asking for 4 TB of Argon2 memory is refused, not attempted.
        let greedy = blob.replace("\"m_cost_kib\":64", "\"m_cost_kib\":4000000000");
        assert_ne!(greedy, blob);
        v.keychain().store("a", &greedy).unwrap();
        assert!(matches!(v.unlock("a", &pw), Err(VaultError::Corrupt { .. })));
    }

    #[test]
    fn debug_output_is_redacted() {
        let v = vault();
        let pw = Password::new("hunter2 orbit meadow");
        v.create("d", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        let u = v.unlock("d", &pw).unwrap();
        let dbg = format!("{u:?} {pw:?}");
        assert!(!dbg.contains("test") && !dbg.contains("hunter2"), "{dbg}");
    }
}
