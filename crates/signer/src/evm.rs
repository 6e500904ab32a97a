//! EVM keys: EIP-55 addresses, the [`EvmSigner`] trait and the software signer.

use std::fmt;

use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TypedTransaction},
    dyn_abi::TypedData,
    primitives::{Address, B256, Signature},
    signers::{SignerSync, local::PrivateKeySigner},
};
use async_trait::async_trait;

use crate::{DeriveError, SignerError, mnemonic::Seed, path::DerivationPath};

/// Errors parsing an EVM address typed by a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not `0x` followed by 40 hexadecimal digits.
    #[error("'{0}' is not an Ethereum address: expected 0x followed by 40 hexadecimal characters")]
    Malformed(String),
    /// Mixed case that does not match the EIP-55 checksum: probably a typo.
    #[error(
        "'{0}' has a wrong EIP-55 checksum (its upper/lower case letters do not match): a character is probably mistyped; copy the address again"
    )]
    BadChecksum(String),
}

/// Parses an address. All-lowercase or all-uppercase input is accepted as unchecksummed;
/// mixed case must match EIP-55.
pub fn parse_evm_address(input: &str) -> Result<Address, AddressError> {
    let s = input.trim();
    let hex_part = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    if hex_part.len() != 40 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AddressError::Malformed(s.to_owned()));
    }
    let address: Address = hex_part.parse().map_err(|_| AddressError::Malformed(s.to_owned()))?;
    let has_lower = hex_part.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex_part.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && address.to_checksum(None)[2..] != *hex_part {
        return Err(AddressError::BadChecksum(s.to_owned()));
    }
    Ok(address)
}

/// Something that signs for one EVM account: the software signer or a Ledger.
///
/// Methods are async because a hardware signer waits for a person to confirm.
#[async_trait]
pub trait EvmSigner: Send + Sync + fmt::Debug {
    /// The account's address.
    fn address(&self) -> Address;

    /// Signs a legacy (EIP-155 when it has a chain id) or EIP-2718 typed transaction.
    async fn sign_transaction(&self, tx: &TypedTransaction) -> Result<Signature, SignerError>;

    /// Signs `message` with the EIP-191 `personal_sign` prefix.
    async fn sign_message(&self, message: &[u8]) -> Result<Signature, SignerError>;

    /// Signs EIP-712 typed data.
    async fn sign_typed_data(&self, data: &TypedData) -> Result<Signature, SignerError>;

    /// Signs `tx` and returns the envelope ready to broadcast.
    async fn sign_envelope(&self, tx: TypedTransaction) -> Result<TxEnvelope, SignerError> {
        let signature = self.sign_transaction(&tx).await?;
        Ok(envelope(tx, signature))
    }
}

/// Joins a transaction and its signature into the envelope that is broadcast.
pub fn envelope(tx: TypedTransaction, signature: Signature) -> TxEnvelope {
    match tx {
        TypedTransaction::Legacy(t) => t.into_signed(signature).into(),
        TypedTransaction::Eip2930(t) => t.into_signed(signature).into(),
        TypedTransaction::Eip1559(t) => t.into_signed(signature).into(),
        TypedTransaction::Eip4844(t) => t.into_signed(signature).into(),
        TypedTransaction::Eip7702(t) => t.into_signed(signature).into(),
    }
}

/// A key held in memory, derived from the vault's mnemonic. The key is zeroized on drop
/// (k256 zeroizes its scalars) and never printed.
#[derive(Clone)]
pub struct SoftwareEvmSigner {
    inner: PrivateKeySigner,
}

impl SoftwareEvmSigner {
    /// Derives the BIP32 (secp256k1) key at `path` from `seed`.
    pub fn from_seed(seed: &Seed, path: &DerivationPath) -> Result<Self, DeriveError> {
        let child = bip32_derive(seed.as_bytes(), path)?;
        let key: &coins_bip32::ecdsa::SigningKey = child.as_ref();
        let bytes = zeroize::Zeroizing::new(<[u8; 32]>::from(key.to_bytes()));
        Self::from_private_key(&bytes[..]).map_err(|e| DeriveError::Bip32(e.to_string()))
    }

    /// A signer for a raw 32-byte secp256k1 private key.
    pub fn from_private_key(key: &[u8]) -> Result<Self, SignerError> {
        PrivateKeySigner::from_slice(key)
            .map(|inner| Self { inner })
            .map_err(|_| SignerError::Signing("not a valid secp256k1 private key".into()))
    }

    fn sign_hash(&self, hash: &B256) -> Result<Signature, SignerError> {
        self.inner.sign_hash_sync(hash).map_err(|e| SignerError::Signing(e.to_string()))
    }
}

/// The BIP32 (secp256k1) extended private key at `path` below the master node of `seed`.
pub fn bip32_derive(
    seed: &[u8],
    path: &DerivationPath,
) -> Result<coins_bip32::xkeys::XPriv, DeriveError> {
    let root = coins_bip32::xkeys::XPriv::root_from_seed(
        seed,
        Some(coins_bip32::primitives::Hint::Legacy),
    )
    .map_err(|e| DeriveError::Bip32(e.to_string()))?;
    root.derive_path(path.to_string().as_str()).map_err(|e| DeriveError::Bip32(e.to_string()))
}

impl fmt::Debug for SoftwareEvmSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareEvmSigner").field("address", &self.inner.address()).finish()
    }
}

#[async_trait]
impl EvmSigner for SoftwareEvmSigner {
    fn address(&self) -> Address {
        self.inner.address()
    }

    async fn sign_transaction(&self, tx: &TypedTransaction) -> Result<Signature, SignerError> {
        self.sign_hash(&tx.signature_hash())
    }

    async fn sign_message(&self, message: &[u8]) -> Result<Signature, SignerError> {
        self.sign_hash(&alloy::primitives::eip191_hash_message(message))
    }

    async fn sign_typed_data(&self, data: &TypedData) -> Result<Signature, SignerError> {
        let hash = data
            .eip712_signing_hash()
            .map_err(|e| SignerError::Unsupported(format!("invalid EIP-712 data: {e}")))?;
        self.sign_hash(&hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_checksummed_and_single_case_addresses() {
        let want: Address = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse().unwrap();
        for s in [
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
            "  f39Fd6e51aad88F6F4ce6aB8827279cffFb92266 ",
        ] {
            assert_eq!(parse_evm_address(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn rejects_a_wrong_checksum_and_malformed_input() {
        // One letter's case flipped (F -> f at position 4).
        assert!(matches!(
            parse_evm_address("0xf39fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            Err(AddressError::BadChecksum(_))
        ));
        for bad in ["", "0x", "0x1234", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226g", "hello"] {
            assert!(matches!(parse_evm_address(bad), Err(AddressError::Malformed(_))), "{bad}");
        }
    }
}
