//! SLIP-0010 key derivation for ed25519 (Solana), hardened steps only.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::path::{DerivationPath, PathError};

/// An ed25519 private key and chain code at some node of the SLIP-0010 tree. Zeroized on drop.
pub struct ExtendedKey {
    key: Zeroizing<[u8; 32]>,
    chain_code: [u8; 32],
}

impl ExtendedKey {
    /// The master node of `seed`.
    pub fn master(seed: &[u8]) -> Self {
        Self::from_hmac(b"ed25519 seed", &[seed])
    }

    /// The node at `path` below the master node of `seed`. Every step must be hardened.
    pub fn derive(seed: &[u8], path: &DerivationPath) -> Result<Self, PathError> {
        path.require_hardened()?;
        Ok(path.indices().iter().fold(Self::master(seed), |node, &index| node.child(index)))
    }

    /// The hardened child `index` (the hardened bit must already be set).
    fn child(&self, index: u32) -> Self {
        Self::from_hmac(&self.chain_code, &[&[0u8], &self.key[..], &index.to_be_bytes()])
    }

    fn from_hmac(key: &[u8], data: &[&[u8]]) -> Self {
        // Invariant: HMAC accepts keys of any length.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes any key length");
        for d in data {
            mac.update(d);
        }
        let out = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
        let mut node = Self { key: Zeroizing::new([0; 32]), chain_code: [0; 32] };
        node.key.copy_from_slice(&out[..32]);
        node.chain_code.copy_from_slice(&out[32..]);
        node
    }

    /// The 32-byte private key (the ed25519 secret seed).
    pub fn secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// The chain code.
    pub fn chain_code(&self) -> &[u8; 32] {
        &self.chain_code
    }

    /// The 32-byte ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        ed25519_dalek::SigningKey::from_bytes(&self.key).verifying_key().to_bytes()
    }
}

impl fmt::Debug for ExtendedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExtendedKey([redacted])")
    }
}
