//! Keys and signatures for Vigil, and nothing else.
//!
//! This crate turns a BIP39 mnemonic into keys (BIP32 secp256k1 for EVM chains on
//! `m/44'/60'/0'/0/i`, SLIP-0010 ed25519 for Solana on `m/44'/501'/i'/0'`), signs with them,
//! and keeps the mnemonic in the OS keychain as ciphertext (the [`vault`]).
//!
//! Boundaries: it never talks to a chain and never writes a file. Everything that signs goes
//! through [`EvmSigner`] or [`SolanaSigner`], implemented here by the software signers and by
//! the Ledger signers ([`ledger`]), so nothing above this crate knows which one signs.
//! Secrets are zeroized on drop and print as `[redacted]` in `Debug` output.

pub mod evm;
pub mod ledger;
pub mod mnemonic;
pub mod path;
pub mod slip10;
pub mod solana;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
pub mod vault;

pub use evm::{EvmSigner, SoftwareEvmSigner, parse_evm_address};
pub use mnemonic::{Mnemonic, MnemonicError, Seed, WordCount};
pub use path::{DerivationPath, PathError};
pub use solana::{SoftwareSolanaSigner, SolanaAddress, SolanaSignature, SolanaSigner};
pub use vault::{KdfParams, Keychain, KeychainError, Password, UnlockedVault, Vault, VaultError};

/// Errors a signer can return while signing, whichever kind it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The key could not produce a signature (a broken key or an unsupported payload).
    #[error("could not sign: {0}")]
    Signing(String),
    /// The payload cannot be signed by this signer (for example an unsupported transaction type).
    #[error("this signer cannot sign that: {0}")]
    Unsupported(String),
    /// The Ledger refused or failed; the message says what to do.
    #[error(transparent)]
    Ledger(#[from] ledger::LedgerError),
}

/// Which chain family an address or account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Ethereum and every EVM chain (one key, one address on all of them).
    Ethereum,
    /// Solana.
    Solana,
}

impl Chain {
    /// The standard derivation path of account `index` on this chain.
    pub fn account_path(self, index: u32) -> DerivationPath {
        match self {
            Chain::Ethereum => DerivationPath::ethereum(index),
            Chain::Solana => DerivationPath::solana(index),
        }
    }

    /// Derives the address of the key at `path` from `seed`, as the user would type it.
    pub fn address(self, seed: &Seed, path: &DerivationPath) -> Result<String, DeriveError> {
        Ok(match self {
            Chain::Ethereum => {
                SoftwareEvmSigner::from_seed(seed, path)?.address().to_checksum(None)
            }
            Chain::Solana => SoftwareSolanaSigner::from_seed(seed, path)?.pubkey().to_string(),
        })
    }
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Chain::Ethereum => "ethereum",
            Chain::Solana => "solana",
        })
    }
}

impl std::str::FromStr for Chain {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ethereum" | "eth" | "evm" => Ok(Chain::Ethereum),
            "solana" | "sol" => Ok(Chain::Solana),
            other => Err(format!("unknown chain '{other}': use 'ethereum' or 'solana'")),
        }
    }
}

/// Errors deriving a key from a seed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeriveError {
    /// The path is not valid for this curve (SLIP-0010 ed25519 allows only hardened steps).
    #[error(transparent)]
    Path(#[from] PathError),
    /// BIP32 derivation failed (an invalid child key, with probability below 2^-127).
    #[error("BIP32 derivation failed: {0}")]
    Bip32(String),
}
