//! Solana keys: base58 addresses, the [`SolanaSigner`] trait and the software signer.

use std::{fmt, str::FromStr};

use async_trait::async_trait;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::{DeriveError, SignerError, mnemonic::Seed, path::DerivationPath, slip10::ExtendedKey};

/// A Solana account address: a 32-byte public key, written in base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SolanaAddress(pub [u8; 32]);

/// Errors parsing a Solana address typed by a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SolanaAddressError {
    /// Not base58, or not 32 bytes once decoded.
    #[error("'{0}' is not a Solana address: expected 32 bytes in base58 (32 to 44 characters)")]
    Malformed(String),
}

impl SolanaAddress {
    /// Whether the address is a point on the ed25519 curve, i.e. can belong to a wallet.
    /// Program-derived addresses are off the curve and have no private key.
    pub fn is_on_curve(&self) -> bool {
        VerifyingKey::from_bytes(&self.0).is_ok()
    }

    /// Checks an ed25519 signature of `message` by this address.
    pub fn verify(&self, message: &[u8], signature: &SolanaSignature) -> bool {
        VerifyingKey::from_bytes(&self.0)
            .map(|k| k.verify(message, &ed25519_dalek::Signature::from_bytes(&signature.0)).is_ok())
            .unwrap_or(false)
    }
}

impl FromStr for SolanaAddress {
    type Err = SolanaAddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut out = [0u8; 32];
        match bs58::decode(s).onto(&mut out) {
            Ok(32) => Ok(Self(out)),
            _ => Err(SolanaAddressError::Malformed(s.to_owned())),
        }
    }
}

impl fmt::Display for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).into_string())
    }
}

impl fmt::Debug for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SolanaAddress({self})")
    }
}

/// A 64-byte ed25519 signature, written in base58 as Solana does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SolanaSignature(pub [u8; 64]);

impl fmt::Display for SolanaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).into_string())
    }
}

impl FromStr for SolanaSignature {
    type Err = SolanaAddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut out = [0u8; 64];
        match bs58::decode(s).onto(&mut out) {
            Ok(64) => Ok(Self(out)),
            _ => Err(SolanaAddressError::Malformed(s.to_owned())),
        }
    }
}

impl fmt::Debug for SolanaSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SolanaSignature({self})")
    }
}

/// Something that signs for one Solana account: the software signer or a Ledger.
#[async_trait]
pub trait SolanaSigner: Send + Sync + fmt::Debug {
    /// The account's public key.
    fn pubkey(&self) -> SolanaAddress;

    /// Signs a serialized transaction message (the bytes after the signatures).
    async fn sign_message(&self, message: &[u8]) -> Result<SolanaSignature, SignerError>;

    /// Signs `text` as an off-chain message: the signature covers
    /// [`offchain_message`]`(text, pubkey)`, header included, so it can never be a
    /// transaction's.
    async fn sign_offchain_message(&self, text: &str) -> Result<SolanaSignature, SignerError> {
        self.sign_message(&offchain_message(text, &self.pubkey())?).await
    }
}

/// The domain every off-chain message starts with; no transaction message can start so.
pub const OFFCHAIN_SIGNING_DOMAIN: &[u8; 16] = b"\xffsolana offchain";
/// The longest off-chain message text Vigil signs: what fits, with its 85-byte header, in
/// one 1,232-byte packet, which is what a Ledger takes.
pub const OFFCHAIN_MAX_LEN: usize = 1232 - 85;

/// Serializes `text` as a version-0 Solana off-chain message signed by `signer` alone: the
/// signing domain, version 0, an application domain of zeros, the format (0 printable
/// ASCII, 1 UTF-8), the number of signers and their keys, the length (2 bytes,
/// little-endian) and the text. This is the layout of the Solana SDK and of Ledger's app.
pub fn offchain_message(text: &str, signer: &SolanaAddress) -> Result<Vec<u8>, SignerError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(SignerError::Unsupported("an empty message cannot be signed".into()));
    }
    if bytes.len() > OFFCHAIN_MAX_LEN {
        return Err(SignerError::Unsupported(format!(
            "a message of {} bytes is too long to sign off-chain (at most {OFFCHAIN_MAX_LEN})",
            bytes.len()
        )));
    }
    let format = if bytes.iter().all(|b| (0x20..=0x7e).contains(b)) { 0 } else { 1 };
    let mut out = Vec::with_capacity(85 + bytes.len());
    out.extend_from_slice(OFFCHAIN_SIGNING_DOMAIN);
    out.push(0);
    out.extend_from_slice(&[0; 32]);
    out.extend_from_slice(&[format, 1]);
    out.extend_from_slice(&signer.0);
    // At most OFFCHAIN_MAX_LEN bytes: fits in a u16.
    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    out.extend_from_slice(bytes);
    Ok(out)
}

/// An ed25519 key held in memory, derived from the vault's mnemonic; zeroized on drop.
pub struct SoftwareSolanaSigner {
    key: SigningKey,
}

impl SoftwareSolanaSigner {
    /// Derives the SLIP-0010 ed25519 key at `path` from `seed`.
    pub fn from_seed(seed: &Seed, path: &DerivationPath) -> Result<Self, DeriveError> {
        let node = ExtendedKey::derive(seed.as_bytes(), path)?;
        Ok(Self { key: SigningKey::from_bytes(node.secret()) })
    }
}

impl fmt::Debug for SoftwareSolanaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareSolanaSigner").field("pubkey", &self.pubkey()).finish()
    }
}

#[async_trait]
impl SolanaSigner for SoftwareSolanaSigner {
    fn pubkey(&self) -> SolanaAddress {
        SolanaAddress(self.key.verifying_key().to_bytes())
    }

    async fn sign_message(&self, message: &[u8]) -> Result<SolanaSignature, SignerError> {
        Ok(SolanaSignature(self.key.sign(message).to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_round_trip_and_errors() {
        let s = "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV";
        let a: SolanaAddress = s.parse().unwrap();
        assert_eq!(a.to_string(), s);
        assert!(a.is_on_curve());
        for bad in ["", "0OIl", "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3Nyv", "abc"] {
            assert!(bad.parse::<SolanaAddress>().is_err(), "{bad}");
        }
    }
}
