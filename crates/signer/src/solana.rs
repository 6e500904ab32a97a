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
