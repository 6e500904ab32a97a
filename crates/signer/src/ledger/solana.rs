//! Ledger's Solana app: public keys, transaction messages and off-chain messages, in the
//! app's documented APDUs (CLA 0xE0), and [`LedgerSolanaSigner`].

use async_trait::async_trait;

use super::{
    App, Ledger, LedgerError, Session, StatusError,
    apdu::{Apdu, MAX_DATA, path_bytes, sw},
};
use crate::{SignerError, SolanaAddress, SolanaSignature, SolanaSigner, path::DerivationPath};

/// GET_APP_CONFIGURATION.
pub const INS_APP_CONFIG: u8 = 0x04;
/// GET_PUBKEY.
pub const INS_GET_PUBKEY: u8 = 0x05;
/// SIGN_MESSAGE (a transaction message).
pub const INS_SIGN_MESSAGE: u8 = 0x06;
/// SIGN_OFFCHAIN_MESSAGE.
pub const INS_SIGN_OFFCHAIN: u8 = 0x07;
/// P1: ask the user to confirm on the device.
pub const P1_CONFIRM: u8 = 0x01;
/// P2: this chunk extends the previous one.
pub const P2_EXTEND: u8 = 0x01;
/// P2: more chunks follow.
pub const P2_MORE: u8 = 0x02;

/// The app's settings that matter to Vigil.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SolAppConfig {
    /// Whether "Blind signing" is enabled.
    pub blind_signing: bool,
    /// The app's version.
    pub version: String,
}

/// Reads the app's configuration.
pub fn app_config(s: &mut Session) -> Result<SolAppConfig, LedgerError> {
    s.require_app(App::Solana)?;
    read_config(s)
}

fn read_config(s: &mut Session) -> Result<SolAppConfig, LedgerError> {
    let what = "get the Solana app's configuration";
    let data = s
        .exchange(&Apdu::app(INS_APP_CONFIG, 0, 0, Vec::new()), None)
        .map_err(|e| e.for_app(App::Solana, what))?;
    // Blind signing enabled, public key display mode, then the version.
    let [blind, _display, major, minor, patch, ..] = data[..] else {
        return Err(LedgerError::UnexpectedAnswer(format!("{what}: {}", hex::encode(&data))));
    };
    Ok(SolAppConfig { blind_signing: blind != 0, version: format!("{major}.{minor}.{patch}") })
}

/// The public key at `path` (all steps hardened); with `show`, the device displays it and
/// the user must confirm that it matches.
pub fn get_pubkey(
    s: &mut Session,
    path: &DerivationPath,
    show: bool,
) -> Result<SolanaAddress, LedgerError> {
    let apdu = Apdu::app(INS_GET_PUBKEY, if show { P1_CONFIRM } else { 0 }, 0, path_bytes(path)?);
    let info = s.require_app(App::Solana)?;
    let confirm = show.then_some("check the address on your Ledger and approve it");
    let data = s.send_chunked(&info, vec![apdu], confirm, |_, status| {
        StatusError::Status(status).for_app(App::Solana, "get a public key")
    })?;
    let key: [u8; 32] = data[..].try_into().map_err(|_| {
        LedgerError::UnexpectedAnswer(format!("a public key of {} bytes", data.len()))
    })?;
    Ok(SolanaAddress(key))
}

/// The chunks of a signing command: one signer, its path, then the message, at most 255
/// bytes per APDU, each with its P2 flags (MORE while more follow, EXTEND after the first).
pub fn sign_chunks(
    path: &DerivationPath,
    message: &[u8],
) -> Result<Vec<(u8, Vec<u8>)>, LedgerError> {
    let mut head = vec![1u8];
    head.extend_from_slice(&path_bytes(path)?);
    let (first, rest) = message.split_at((MAX_DATA - head.len()).min(message.len()));
    let mut chunks = vec![(0u8, [head.as_slice(), first].concat())];
    chunks.extend(rest.chunks(MAX_DATA).map(|c| (P2_EXTEND, c.to_vec())));
    let last = chunks.len() - 1;
    for (flags, _) in &mut chunks[..last] {
        *flags |= P2_MORE;
    }
    Ok(chunks)
}

/// Signs a serialized transaction message with the key at `path`.
pub fn sign_message(
    s: &mut Session,
    path: &DerivationPath,
    message: &[u8],
) -> Result<SolanaSignature, LedgerError> {
    sign(
        s,
        INS_SIGN_MESSAGE,
        path,
        message,
        "a transaction",
        "review the transaction on your Ledger and approve it",
    )
}

/// Signs an off-chain message, already serialized with its header
/// ([`crate::solana::offchain_message`]); the app refuses non-ASCII text unless blind
/// signing is on.
pub fn sign_offchain_message(
    s: &mut Session,
    path: &DerivationPath,
    message: &[u8],
) -> Result<SolanaSignature, LedgerError> {
    sign(
        s,
        INS_SIGN_OFFCHAIN,
        path,
        message,
        "an off-chain message",
        "review the message on your Ledger and sign it",
    )
}

fn sign(
    s: &mut Session,
    ins: u8,
    path: &DerivationPath,
    message: &[u8],
    what: &str,
    confirm: &str,
) -> Result<SolanaSignature, LedgerError> {
    let chunks = sign_chunks(path, message)?
        .into_iter()
        .map(|(p2, data)| Apdu::app(ins, P1_CONFIRM, p2, data))
        .collect();
    let info = s.require_app(App::Solana)?;
    let answer = s.send_chunked(&info, chunks, Some(confirm), |s, status| match status {
        sw::SOLANA_NOT_SUPPORTED => match read_config(s) {
            Ok(c) if !c.blind_signing => LedgerError::BlindSigningDisabled(App::Solana),
            _ => LedgerError::InvalidData { app: App::Solana, what: what.to_owned() },
        },
        // Invalid message, header, format, size or path.
        sw::INVALID_DATA..=0x6A84 => {
            LedgerError::InvalidData { app: App::Solana, what: what.to_owned() }
        }
        _ => StatusError::Status(status).for_app(App::Solana, what),
    })?;
    let signature: [u8; 64] = answer[..].try_into().map_err(|_| {
        LedgerError::UnexpectedAnswer(format!("a signature of {} bytes", answer.len()))
    })?;
    Ok(SolanaSignature(signature))
}

/// A Solana account on a Ledger: every signature is made and confirmed on the device.
#[derive(Debug, Clone)]
pub struct LedgerSolanaSigner {
    ledger: Ledger,
    path: DerivationPath,
    pubkey: SolanaAddress,
}

impl LedgerSolanaSigner {
    /// The account at `path`, reading its public key from the device.
    pub async fn connect(ledger: Ledger, path: DerivationPath) -> Result<Self, LedgerError> {
        let p = path.clone();
        let pubkey = ledger.run(move |s| get_pubkey(s, &p, false)).await?;
        Ok(Self { ledger, path, pubkey })
    }

    /// The account `expected` at `path`: fails if the device's key there is another one.
    pub async fn for_account(
        ledger: Ledger,
        path: DerivationPath,
        expected: SolanaAddress,
    ) -> Result<Self, LedgerError> {
        let signer = Self::connect(ledger, path).await?;
        if signer.pubkey != expected {
            return Err(LedgerError::WrongKey {
                path: signer.path.to_string(),
                expected: expected.to_string(),
                found: signer.pubkey.to_string(),
            });
        }
        Ok(signer)
    }

    /// The derivation path on the device.
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    fn verify(
        &self,
        message: &[u8],
        signature: SolanaSignature,
    ) -> Result<SolanaSignature, SignerError> {
        if self.pubkey.verify(message, &signature) {
            Ok(signature)
        } else {
            Err(SignerError::Signing(format!(
                "the Ledger's signature does not verify for {}: is this the right Ledger (and passphrase)?",
                self.pubkey
            )))
        }
    }
}

#[async_trait]
impl SolanaSigner for LedgerSolanaSigner {
    fn pubkey(&self) -> SolanaAddress {
        self.pubkey
    }

    async fn sign_message(&self, message: &[u8]) -> Result<SolanaSignature, SignerError> {
        let (path, owned) = (self.path.clone(), message.to_vec());
        let signature = self.ledger.run(move |s| sign_message(s, &path, &owned)).await?;
        self.verify(message, signature)
    }

    async fn sign_offchain_message(&self, text: &str) -> Result<SolanaSignature, SignerError> {
        let message = crate::solana::offchain_message(text, &self.pubkey)?;
        let (path, owned) = (self.path.clone(), message.clone());
        let signature = self.ledger.run(move |s| sign_offchain_message(s, &path, &owned)).await?;
        self.verify(&message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_carry_one_signer_and_the_flags() {
        let path = DerivationPath::solana(0);
        // 1 + 17 bytes of head: the first chunk takes 237 bytes of message.
        let message: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let chunks = sign_chunks(&path, &message).unwrap();
        let flags: Vec<u8> = chunks.iter().map(|(f, _)| *f).collect();
        assert_eq!(flags, vec![P2_MORE, P2_EXTEND | P2_MORE, P2_EXTEND]);
        assert_eq!(chunks.iter().map(|(_, c)| c.len()).collect::<Vec<_>>(), vec![255, 255, 108]);
        let head = [&[1u8][..], &path_bytes(&path).unwrap()].concat();
        assert_eq!(chunks[0].1[..18], head[..]);
        let joined: Vec<u8> = chunks.iter().flat_map(|(_, c)| c.clone()).collect();
        assert_eq!(joined[18..], message[..]);
        assert_eq!(
            sign_chunks(&path, b"short").unwrap(),
            vec![(0, [&head[..], b"short"].concat())]
        );
    }
}
