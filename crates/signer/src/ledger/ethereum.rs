//! Ledger's Ethereum app: addresses, transactions, `personal_sign` and EIP-712 (hashed
//! mode), in the app's documented APDUs (CLA 0xE0), and [`LedgerEvmSigner`].

use alloy::{
    consensus::{SignableTransaction, TypedTransaction},
    dyn_abi::TypedData,
    primitives::{Address, B256, Signature, U256, eip191_hash_message, keccak256},
};
use async_trait::async_trait;

use super::{
    App, Ledger, LedgerError, Session, StatusError,
    apdu::{Apdu, path_bytes, sw},
};
use crate::{EvmSigner, SignerError, path::DerivationPath};

/// GET ETH PUBLIC ADDRESS.
pub const INS_GET_ADDRESS: u8 = 0x02;
/// SIGN ETH TRANSACTION.
pub const INS_SIGN_TRANSACTION: u8 = 0x04;
/// GET APP CONFIGURATION.
pub const INS_APP_CONFIG: u8 = 0x06;
/// SIGN ETH PERSONAL MESSAGE.
pub const INS_SIGN_PERSONAL: u8 = 0x08;
/// SIGN ETH EIP 712.
pub const INS_SIGN_EIP712: u8 = 0x0C;
/// P1 of the first chunk of a chunked command.
pub const P1_FIRST: u8 = 0x00;
/// P1 of every later chunk.
pub const P1_MORE: u8 = 0x80;
/// The chunk size Ledger's own client (hw-app-eth) uses.
pub const CHUNK: usize = 150;

/// The app's settings that matter to Vigil.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EthAppConfig {
    /// Whether "Blind signing" is enabled (the app signs data it cannot decode).
    pub blind_signing: bool,
    /// The app's version.
    pub version: String,
}

/// Reads the app's configuration.
pub fn app_config(s: &mut Session) -> Result<EthAppConfig, LedgerError> {
    s.require_app(App::Ethereum)?;
    read_config(s)
}

fn read_config(s: &mut Session) -> Result<EthAppConfig, LedgerError> {
    let what = "get the Ethereum app's configuration";
    let data = s
        .exchange(&Apdu::app(INS_APP_CONFIG, 0, 0, Vec::new()), None)
        .map_err(|e| e.for_app(App::Ethereum, what))?;
    let [flags, major, minor, patch, ..] = data[..] else {
        return Err(LedgerError::UnexpectedAnswer(format!("{what}: {}", hex::encode(&data))));
    };
    Ok(EthAppConfig {
        blind_signing: flags & 0x01 != 0,
        version: format!("{major}.{minor}.{patch}"),
    })
}

/// The address of the key at `path`; with `show`, the device displays it and the user must
/// confirm that it matches.
pub fn get_address(
    s: &mut Session,
    path: &DerivationPath,
    show: bool,
) -> Result<Address, LedgerError> {
    let apdu = Apdu::app(INS_GET_ADDRESS, u8::from(show), 0, path_bytes(path)?);
    let info = s.require_app(App::Ethereum)?;
    let confirm = show.then_some("check the address on your Ledger and approve it");
    let data = s.send_chunked(&info, vec![apdu], confirm, |_, status| {
        StatusError::Status(status).for_app(App::Ethereum, "get an address")
    })?;
    parse_address(&data)
}

/// Parses GET ETH PUBLIC ADDRESS's answer: the public key and the address (ASCII hex), each
/// preceded by its length.
fn parse_address(data: &[u8]) -> Result<Address, LedgerError> {
    let bad = || LedgerError::UnexpectedAnswer(format!("address answer {}", hex::encode(data)));
    let (&key_len, rest) = data.split_first().ok_or_else(bad)?;
    let rest = rest.get(usize::from(key_len)..).ok_or_else(bad)?;
    let (&addr_len, rest) = rest.split_first().ok_or_else(bad)?;
    let text = rest.get(..usize::from(addr_len)).ok_or_else(bad)?;
    let text = std::str::from_utf8(text).map_err(|_| bad())?;
    let address: Address = text.parse().map_err(|_| bad())?;
    // The public key (uncompressed, 0x04 || x || y) must hash to the address sent with it.
    match &data[1..1 + usize::from(key_len)] {
        [0x04, xy @ ..] if xy.len() == 64 && Address::from_raw_public_key(xy) == address => {
            Ok(address)
        }
        _ => Err(bad()),
    }
}

/// How the app encodes the parity in the first byte of a transaction's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VEncoding {
    /// 0 or 1 (typed transactions).
    Parity,
    /// 27 or 28 (messages, legacy transactions without a chain id).
    Legacy,
    /// The low byte of `chain_id * 2 + 35 + parity` (EIP-155).
    Eip155(u64),
}

fn parse_signature(data: &[u8], v: VEncoding) -> Result<Signature, LedgerError> {
    let bad = || LedgerError::UnexpectedAnswer(format!("signature of {} bytes", data.len()));
    let [v_byte, rest @ ..] = data else { return Err(bad()) };
    if rest.len() != 64 {
        return Err(bad());
    }
    let parity = match v {
        VEncoding::Parity if *v_byte < 2 => *v_byte,
        VEncoding::Parity | VEncoding::Legacy => v_byte.wrapping_sub(27),
        VEncoding::Eip155(chain_id) => {
            // The app keeps one byte of v; chain ids beyond 32 bits are truncated by it
            // too, so the subtraction is done modulo 256 as well.
            let base = (u128::from(chain_id) * 2 + 35) as u8;
            v_byte.wrapping_sub(base)
        }
    };
    if parity > 1 {
        return Err(LedgerError::UnexpectedAnswer(format!("signature with v = {v_byte}")));
    }
    Ok(Signature::new(
        U256::from_be_slice(&rest[..32]),
        U256::from_be_slice(&rest[32..]),
        parity == 1,
    ))
}

/// The chunks of a SIGN ETH TRANSACTION: the path and the payload, 150 bytes at a time,
/// the first chunk's room shortened by the path. As in hw-app-eth, a legacy transaction's
/// EIP-155 trailer (`chain_id, 0, 0`, the last `trailer` bytes) is never split from the
/// chunk before it: the app would take a chunk ending before it as the end of a
/// pre-EIP-155 transaction.
pub fn transaction_chunks(
    path: &DerivationPath,
    payload: &[u8],
    trailer: usize,
) -> Result<Vec<Vec<u8>>, LedgerError> {
    let path = path_bytes(path)?;
    let trailer_start = if trailer == 0 { None } else { Some(payload.len() - trailer) };
    let mut chunks = Vec::new();
    let mut offset = 0;
    while offset < payload.len() || chunks.is_empty() {
        let first = offset == 0;
        let room = if first { CHUNK - path.len() } else { CHUNK };
        let mut size = room.min(payload.len() - offset);
        if trailer_start.is_some_and(|start| offset + size >= start) {
            size = payload.len() - offset;
        }
        let mut chunk = if first { path.clone() } else { Vec::new() };
        chunk.extend_from_slice(&payload[offset..offset + size]);
        chunks.push(chunk);
        offset += size;
    }
    Ok(chunks)
}

/// The APDUs of a chunked command: P1 0x00 on the first chunk, 0x80 on the others.
fn chunked(ins: u8, chunks: Vec<Vec<u8>>) -> Vec<Apdu> {
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| Apdu::app(ins, if i == 0 { P1_FIRST } else { P1_MORE }, 0, c))
        .collect()
}

/// Signs `tx` with the key at `path`. The user confirms on the device.
pub fn sign_transaction(
    s: &mut Session,
    path: &DerivationPath,
    tx: &TypedTransaction,
) -> Result<Signature, LedgerError> {
    let (v, trailer) = match tx {
        TypedTransaction::Legacy(t) => match t.chain_id {
            Some(id) => (VEncoding::Eip155(id), alloy::rlp::Encodable::length(&id) + 2),
            None => (VEncoding::Legacy, 0),
        },
        TypedTransaction::Eip2930(_) | TypedTransaction::Eip1559(_) => (VEncoding::Parity, 0),
        TypedTransaction::Eip4844(_) | TypedTransaction::Eip7702(_) => {
            return Err(LedgerError::InvalidData {
                app: App::Ethereum,
                what: format!(
                    "a type {} transaction, which Vigil does not sign on a Ledger",
                    tx.tx_type() as u8
                ),
            });
        }
    };
    // What is signed: type || rlp for typed transactions, rlp(..., chain_id, 0, 0) for legacy.
    let mut payload = Vec::with_capacity(tx.payload_len_for_signature());
    tx.encode_for_signing(&mut payload);
    let chunks = chunked(INS_SIGN_TRANSACTION, transaction_chunks(path, &payload, trailer)?);
    let has_data = !alloy::consensus::Transaction::input(tx).is_empty();
    let data = send_chunks(
        s,
        chunks,
        "review the transaction on your Ledger and approve it",
        |s, status| blind_or_invalid(s, status, has_data, "a transaction"),
    )?;
    parse_signature(&data, v)
}

/// Signs `message` with the `personal_sign` (EIP-191) prefix.
pub fn sign_personal_message(
    s: &mut Session,
    path: &DerivationPath,
    message: &[u8],
) -> Result<Signature, LedgerError> {
    let length = u32::try_from(message.len()).map_err(|_| LedgerError::InvalidData {
        app: App::Ethereum,
        what: "a message longer than 4 GiB".into(),
    })?;
    let mut head = path_bytes(path)?;
    head.extend_from_slice(&length.to_be_bytes());
    let first_room = CHUNK - head.len();
    let (first, rest) = message.split_at(first_room.min(message.len()));
    let mut chunks = vec![[head.as_slice(), first].concat()];
    chunks.extend(rest.chunks(CHUNK).map(<[u8]>::to_vec));
    let data = send_chunks(
        s,
        chunked(INS_SIGN_PERSONAL, chunks),
        "review the message on your Ledger and sign it",
        |_, status| StatusError::Status(status).for_app(App::Ethereum, "sign a message"),
    )?;
    parse_signature(&data, VEncoding::Legacy)
}

/// Signs EIP-712 data in the app's hashed mode: the domain separator and the hash of the
/// message struct. The app shows only the two hashes, so it refuses unless blind signing is
/// enabled.
pub fn sign_eip712_hashed(
    s: &mut Session,
    path: &DerivationPath,
    domain_separator: B256,
    struct_hash: B256,
) -> Result<Signature, LedgerError> {
    let mut data = path_bytes(path)?;
    data.extend_from_slice(domain_separator.as_slice());
    data.extend_from_slice(struct_hash.as_slice());
    let answer = send_chunks(
        s,
        chunked(INS_SIGN_EIP712, vec![data]),
        "review the typed data's hashes on your Ledger and sign them",
        |s, status| blind_or_invalid(s, status, true, "EIP-712 data in hashed mode"),
    )?;
    parse_signature(&answer, VEncoding::Legacy)
}

/// Sends a chunked signing command to the Ethereum app.
fn send_chunks(
    s: &mut Session,
    chunks: Vec<Apdu>,
    confirm: &str,
    on_status: impl FnOnce(&mut Session, u16) -> LedgerError,
) -> Result<Vec<u8>, LedgerError> {
    let info = s.require_app(App::Ethereum)?;
    s.send_chunked(&info, chunks, Some(confirm), on_status)
}

/// 0x6A80 means "blind signing is off" when the request needs it and the app's settings
/// say it is off; otherwise the request was invalid.
fn blind_or_invalid(s: &mut Session, status: u16, needs_blind: bool, what: &str) -> LedgerError {
    if status != sw::INVALID_DATA {
        return StatusError::Status(status).for_app(App::Ethereum, what);
    }
    match read_config(s) {
        Ok(config) if needs_blind && !config.blind_signing => {
            LedgerError::BlindSigningDisabled(App::Ethereum)
        }
        _ => LedgerError::InvalidData { app: App::Ethereum, what: what.to_owned() },
    }
}

/// An EVM account on a Ledger: every signature is made and confirmed on the device.
#[derive(Debug, Clone)]
pub struct LedgerEvmSigner {
    ledger: Ledger,
    path: DerivationPath,
    address: Address,
}

impl LedgerEvmSigner {
    /// The account at `path`, reading its address from the device.
    pub async fn connect(ledger: Ledger, path: DerivationPath) -> Result<Self, LedgerError> {
        let p = path.clone();
        let address = ledger.run(move |s| get_address(s, &p, false)).await?;
        Ok(Self { ledger, path, address })
    }

    /// The account `expected` at `path`: fails if the device's key there is another one
    /// (another Ledger, or another passphrase).
    pub async fn for_account(
        ledger: Ledger,
        path: DerivationPath,
        expected: Address,
    ) -> Result<Self, LedgerError> {
        let signer = Self::connect(ledger, path).await?;
        if signer.address != expected {
            return Err(LedgerError::WrongKey {
                path: signer.path.to_string(),
                expected: expected.to_checksum(None),
                found: signer.address.to_checksum(None),
            });
        }
        Ok(signer)
    }

    /// The derivation path on the device.
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    /// Checks that `signature` of `hash` is by this account: the device might hold another
    /// seed than the one the account came from.
    fn verify(&self, hash: &B256, signature: Signature) -> Result<Signature, SignerError> {
        match signature.recover_address_from_prehash(hash) {
            Ok(a) if a == self.address => Ok(signature),
            Ok(a) => Err(LedgerError::WrongKey {
                path: self.path.to_string(),
                expected: self.address.to_checksum(None),
                found: a.to_checksum(None),
            }
            .into()),
            Err(e) => Err(SignerError::Signing(format!("the Ledger's signature is invalid: {e}"))),
        }
    }
}

#[async_trait]
impl EvmSigner for LedgerEvmSigner {
    fn address(&self) -> Address {
        self.address
    }

    async fn sign_transaction(&self, tx: &TypedTransaction) -> Result<Signature, SignerError> {
        let (path, owned) = (self.path.clone(), tx.clone());
        let signature = self.ledger.run(move |s| sign_transaction(s, &path, &owned)).await?;
        self.verify(&tx.signature_hash(), signature)
    }

    async fn sign_message(&self, message: &[u8]) -> Result<Signature, SignerError> {
        let (path, owned) = (self.path.clone(), message.to_vec());
        let signature = self.ledger.run(move |s| sign_personal_message(s, &path, &owned)).await?;
        self.verify(&eip191_hash_message(message), signature)
    }

    async fn sign_typed_data(&self, data: &TypedData) -> Result<Signature, SignerError> {
        let invalid = |e: alloy::dyn_abi::Error| {
            SignerError::Unsupported(format!("invalid EIP-712 data: {e}"))
        };
        if data.primary_type == "EIP712Domain" {
            return Err(SignerError::Unsupported(
                "EIP-712 data whose primary type is the domain itself cannot be signed on a Ledger"
                    .into(),
            ));
        }
        let domain = data.domain.separator();
        let message = data.hash_struct().map_err(invalid)?;
        let path = self.path.clone();
        let signature =
            self.ledger.run(move |s| sign_eip712_hashed(s, &path, domain, message)).await?;
        let hash = keccak256([&[0x19, 0x01][..], domain.as_slice(), message.as_slice()].concat());
        self.verify(&hash, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_the_eip155_trailer_with_the_chunk_before_it() {
        let path = DerivationPath::ethereum(0);
        // 21 bytes of path; the first chunk holds 129 bytes of payload, the next ones 150.
        let payload: Vec<u8> = (0..=255u8).cycle().take(129 + 150 + 10).collect();
        let plain = transaction_chunks(&path, &payload, 0).unwrap();
        assert_eq!(plain.iter().map(Vec::len).collect::<Vec<_>>(), vec![150, 150, 10]);
        // A 12-byte trailer would start inside the last chunk of 10: that chunk and the one
        // before it are sent as one.
        let kept = transaction_chunks(&path, &payload, 12).unwrap();
        assert_eq!(kept.iter().map(Vec::len).collect::<Vec<_>>(), vec![150, 160]);
        assert_eq!(kept.concat()[21..], payload[..]);
        // Short payloads are one chunk.
        assert_eq!(
            transaction_chunks(&path, &[1, 2, 3], 3).unwrap(),
            vec![[path_bytes(&path).unwrap(), vec![1, 2, 3]].concat()]
        );
    }

    #[test]
    fn v_bytes_decode_to_parity_per_encoding() {
        let mut data = vec![0u8; 65];
        data[32] = 1;
        data[64] = 1;
        for (v, encoding, odd) in [
            (0u8, VEncoding::Parity, false),
            (1, VEncoding::Parity, true),
            (28, VEncoding::Legacy, true),
            (37, VEncoding::Eip155(1), false),
            (38, VEncoding::Eip155(1), true),
            // 31337 * 2 + 35 = 62709 = 0xF4F5: the app returns the low byte (+ parity).
            (0xF6, VEncoding::Eip155(31337), true),
        ] {
            data[0] = v;
            assert_eq!(parse_signature(&data, encoding).unwrap().v(), odd, "v = {v}");
        }
        data[0] = 40;
        assert!(parse_signature(&data, VEncoding::Eip155(1)).is_err());
        assert!(parse_signature(&data[..64], VEncoding::Legacy).is_err());
    }
}
