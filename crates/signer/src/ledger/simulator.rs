//! A Ledger simulator for tests: the Ethereum and Solana apps' documented APDUs (chunking
//! and status words included), signing for real with keys from Speculos' default seed, and
//! served over Speculos' TCP protocol, so tests run Vigil's whole path (transport, APDUs,
//! parsing, signature assembly) exactly as against Speculos.
//!
//! It is a test double for a device that cannot exist on a CI machine. It follows the apps'
//! formats (LedgerHQ/app-ethereum `doc/ethapp.adoc`, LedgerHQ/app-solana `src/`), never a
//! variant of its own: a client that works against it works against the apps. Tests steer
//! it through [`Controls`]: lock it, switch apps, turn blind signing off, reject, or pull the
//! cable in the middle of a request.

use std::{
    io::{self, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};

use alloy::{
    primitives::{Address, B256, eip191_hash_message, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
};
use ed25519_dalek::Signer as _;

use super::{
    apdu::{Apdu, CLA_APP, CLA_BOLOS, parse_path, sw},
    ethereum, solana,
    transport::Endpoint,
};
use crate::{Mnemonic, evm::bip32_derive, path::DerivationPath, slip10::ExtendedKey};

/// The mnemonic Speculos uses when it is given none.
pub const SPECULOS_MNEMONIC: &str = "glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact monster seven myth punch hobby comfort wild raise skin";

/// What is open on the simulated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimApp {
    /// The dashboard: no app.
    Dashboard,
    /// The Ethereum app.
    Ethereum,
    /// The Solana app.
    Solana,
    /// Some other app, by name.
    Other(String),
}

/// How the simulated device behaves, and what it has seen.
#[derive(Debug, Clone)]
pub struct Controls {
    /// Locked: every command is answered 0x5515.
    pub locked: bool,
    /// The open app.
    pub app: SimApp,
    /// The apps' "Blind signing" setting (off by default, as on a new device).
    pub blind_signing: bool,
    /// The user presses "Reject" instead of "Approve".
    pub reject: bool,
    /// How long the user takes to confirm.
    pub confirm_delay: Duration,
    /// After answering this many more APDUs, the next one closes the connection unanswered
    /// (the cable pulled mid-request).
    pub disconnect_after: Option<usize>,
    /// What the device asked the user to confirm, in order.
    pub screens: Vec<String>,
    /// Every APDU received, as sent.
    pub apdus: Vec<Vec<u8>>,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            locked: false,
            app: SimApp::Ethereum,
            blind_signing: false,
            reject: false,
            confirm_delay: Duration::ZERO,
            disconnect_after: None,
            screens: Vec::new(),
            apdus: Vec::new(),
        }
    }
}

/// A running simulator, listening on 127.0.0.1. Stopped on drop.
pub struct Simulator {
    addr: SocketAddr,
    controls: Arc<Mutex<Controls>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").field("addr", &self.addr).finish()
    }
}

impl Simulator {
    /// Starts a simulator with Speculos' default seed and the Ethereum app open.
    pub fn start() -> io::Result<Self> {
        Self::with_mnemonic(SPECULOS_MNEMONIC)
    }

    /// Starts a simulator whose keys come from `mnemonic`.
    pub fn with_mnemonic(mnemonic: &str) -> io::Result<Self> {
        let seed = Mnemonic::parse(mnemonic)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?
            .to_seed("");
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let controls = Arc::new(Mutex::new(Controls::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let device = Device { seed: seed.as_bytes().to_vec(), pending: None };
        let thread = {
            let (controls, stop) = (controls.clone(), stop.clone());
            std::thread::spawn(move || serve(listener, device, &controls, &stop))
        };
        Ok(Self { addr, controls, stop, thread: Some(thread) })
    }

    /// Its `host:port`, as `VIGIL_SPECULOS` takes it.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// The endpoint that reaches it.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::Speculos { addr: self.addr() }
    }

    /// Changes how it behaves.
    pub fn set(&self, change: impl FnOnce(&mut Controls)) {
        change(&mut lock(&self.controls));
    }

    /// A copy of its controls and what it has seen.
    pub fn controls(&self) -> Controls {
        lock(&self.controls).clone()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(controls: &Mutex<Controls>) -> std::sync::MutexGuard<'_, Controls> {
    controls.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serves one client at a time, as Speculos does.
fn serve(listener: TcpListener, mut device: Device, controls: &Mutex<Controls>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else { continue };
        // Short reads, so a stop is noticed within 100 ms.
        let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
        device.pending = None;
        while !stop.load(Ordering::SeqCst) {
            let request = match read_request(&mut stream, stop) {
                Ok(Some(r)) => r,
                Ok(None) | Err(_) => break,
            };
            let answer = {
                let mut c = lock(controls);
                c.apdus.push(request.clone());
                match c.disconnect_after {
                    Some(0) => {
                        c.disconnect_after = None;
                        None
                    }
                    n => {
                        c.disconnect_after = n.map(|n| n - 1);
                        Some(device.handle(&request, &mut c))
                    }
                }
            };
            let Some((data, status, delay)) = answer else {
                // The cable is pulled: the request is lost and so is the app's state.
                device.pending = None;
                break;
            };
            std::thread::sleep(delay);
            let mut out = Vec::with_capacity(6 + data.len());
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(&data);
            out.extend_from_slice(&status.to_be_bytes());
            if stream.write_all(&out).is_err() {
                break;
            }
        }
    }
}

/// Reads one length-prefixed APDU; `None` when the client closed the connection.
fn read_request(stream: &mut TcpStream, stop: &AtomicBool) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    if !read_full(stream, &mut len, stop)? {
        return Ok(None);
    }
    let mut apdu = vec![0u8; u32::from_be_bytes(len) as usize];
    Ok(read_full(stream, &mut apdu, stop)?.then_some(apdu))
}

fn read_full(stream: &mut TcpStream, buf: &mut [u8], stop: &AtomicBool) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Ok(false),
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// A chunked command being received.
struct Pending {
    ins: u8,
    path: DerivationPath,
    data: Vec<u8>,
    /// For personal_sign: the announced message length.
    expected: Option<usize>,
}

struct Device {
    seed: Vec<u8>,
    pending: Option<Pending>,
}

type Answer = (Vec<u8>, u16, Duration);

fn status(sw: u16) -> Answer {
    (Vec::new(), sw, Duration::ZERO)
}

impl Device {
    fn handle(&mut self, bytes: &[u8], c: &mut Controls) -> Answer {
        let Some(apdu) = Apdu::from_bytes(bytes) else { return status(0x6700) };
        if c.locked {
            return status(sw::LOCKED);
        }
        match (apdu.cla, &c.app) {
            (CLA_BOLOS, _) if apdu.ins == 0x01 => {
                let (name, version) = match &c.app {
                    SimApp::Dashboard => ("BOLOS".to_owned(), "1.1.2".to_owned()),
                    SimApp::Ethereum => ("Ethereum".to_owned(), "1.13.0".to_owned()),
                    SimApp::Solana => ("Solana".to_owned(), "1.6.1".to_owned()),
                    SimApp::Other(name) => (name.clone(), "2.2.3".to_owned()),
                };
                let mut data = vec![1, name.len() as u8];
                data.extend_from_slice(name.as_bytes());
                data.push(version.len() as u8);
                data.extend_from_slice(version.as_bytes());
                data.extend_from_slice(&[1, 0]);
                (data, sw::OK, Duration::ZERO)
            }
            (CLA_APP, SimApp::Ethereum) => self.ethereum(apdu, c),
            (CLA_APP, SimApp::Solana) => self.solana(apdu, c),
            (CLA_APP, SimApp::Dashboard) => status(sw::APP_NOT_OPEN),
            (CLA_APP, SimApp::Other(_)) => status(sw::INS_NOT_SUPPORTED),
            _ => status(sw::CLA_NOT_SUPPORTED),
        }
    }

    fn confirm(&self, c: &mut Controls, screen: String, data: Vec<u8>) -> Answer {
        c.screens.push(screen);
        if c.reject {
            (Vec::new(), sw::REJECTED, c.confirm_delay)
        } else {
            (data, sw::OK, c.confirm_delay)
        }
    }

    fn evm_key(&self, path: &DerivationPath) -> Option<PrivateKeySigner> {
        let xpriv = bip32_derive(&self.seed, path).ok()?;
        let key: &coins_bip32::ecdsa::SigningKey = xpriv.as_ref();
        PrivateKeySigner::from_slice(&key.to_bytes()).ok()
    }

    fn ethereum(&mut self, apdu: Apdu, c: &mut Controls) -> Answer {
        match apdu.ins {
            ethereum::INS_APP_CONFIG => {
                (vec![u8::from(c.blind_signing), 1, 13, 0], sw::OK, Duration::ZERO)
            }
            ethereum::INS_GET_ADDRESS => {
                let Some((path, [])) = parse_path(&apdu.data) else {
                    return status(sw::INVALID_DATA);
                };
                let Some(key) = self.evm_key(&path) else { return status(sw::INVALID_DATA) };
                let public = key.credential().verifying_key().to_encoded_point(false);
                let address = key.address().to_checksum(None);
                let mut data = vec![65];
                data.extend_from_slice(public.as_bytes());
                data.push(40);
                data.extend_from_slice(&address.as_bytes()[2..]);
                if apdu.p1 == 1 {
                    self.confirm(c, format!("Verify address {address}"), data)
                } else {
                    (data, sw::OK, Duration::ZERO)
                }
            }
            ethereum::INS_SIGN_TRANSACTION => self.eth_transaction(apdu, c),
            ethereum::INS_SIGN_PERSONAL => self.eth_personal(apdu, c),
            ethereum::INS_SIGN_EIP712 => {
                // Only the hashed mode (P2 0) is simulated; the full mode is not used by Vigil.
                let Some((path, rest)) = parse_path(&apdu.data) else {
                    return status(sw::INVALID_DATA);
                };
                if apdu.p1 != 0 || apdu.p2 != 0 || rest.len() != 64 {
                    return status(sw::INVALID_DATA);
                }
                if !c.blind_signing {
                    return status(sw::INVALID_DATA);
                }
                let Some(key) = self.evm_key(&path) else { return status(sw::INVALID_DATA) };
                let hash = keccak256([&[0x19, 0x01][..], rest].concat());
                let screen = format!(
                    "Sign typed data: domain {} message {}",
                    hex::encode(&rest[..32]),
                    hex::encode(&rest[32..])
                );
                self.confirm(c, screen, sign_evm(&key, &hash, |parity| 27 + parity))
            }
            _ => status(sw::INS_NOT_SUPPORTED),
        }
    }

    /// Takes the next chunk of a chunked command (P1 0x00 first, 0x80 more) and returns the
    /// data so far, or the status to answer with.
    fn eth_chunk(&mut self, apdu: &Apdu) -> Result<&mut Pending, u16> {
        match apdu.p1 {
            ethereum::P1_FIRST => {
                let (path, rest) = parse_path(&apdu.data).ok_or(sw::INVALID_DATA)?;
                let (expected, rest) = if apdu.ins == ethereum::INS_SIGN_PERSONAL {
                    let (len, rest) = rest.split_first_chunk::<4>().ok_or(sw::INVALID_DATA)?;
                    (Some(u32::from_be_bytes(*len) as usize), rest)
                } else {
                    (None, rest)
                };
                Ok(self.pending.insert(Pending {
                    ins: apdu.ins,
                    path,
                    data: rest.to_vec(),
                    expected,
                }))
            }
            ethereum::P1_MORE => match &mut self.pending {
                Some(p) if p.ins == apdu.ins => {
                    p.data.extend_from_slice(&apdu.data);
                    Ok(p)
                }
                _ => Err(sw::INVALID_DATA),
            },
            _ => Err(sw::INVALID_DATA),
        }
    }

    fn eth_transaction(&mut self, apdu: Apdu, c: &mut Controls) -> Answer {
        let chunk_len = apdu.data.len();
        let (path, payload) = match self.eth_chunk(&apdu) {
            Ok(p) => (p.path.clone(), p.data.clone()),
            Err(sw) => return status(sw),
        };
        let Some(tx) = ParsedTx::parse(&payload) else {
            self.pending = None;
            return status(sw::INVALID_DATA);
        };
        let Some(total) = tx.total else {
            return status(sw::OK); // More chunks to come.
        };
        if payload.len() < total {
            // The app stops at a chunk that ends just before the EIP-155 trailer and would
            // sign a pre-EIP-155 transaction: a client must not split it there.
            if tx.legacy && tx.fields_end == Some(payload.len()) && chunk_len > 0 {
                self.pending = None;
                return status(sw::INVALID_DATA);
            }
            return status(sw::OK);
        }
        self.pending = None;
        if payload.len() > total {
            return status(sw::INVALID_DATA);
        }
        if tx.has_data && !c.blind_signing {
            return status(sw::INVALID_DATA);
        }
        let Some(key) = self.evm_key(&path) else { return status(sw::INVALID_DATA) };
        let hash = keccak256(&payload);
        let chain_id = tx.chain_id;
        let legacy = tx.legacy;
        let signature = sign_evm(&key, &hash, |parity| match (legacy, chain_id) {
            (false, _) => parity,
            (true, Some(id)) => {
                ((id as u32).wrapping_mul(2).wrapping_add(35) as u8).wrapping_add(parity)
            }
            (true, None) => 27 + parity,
        });
        // As the Ethereum app: a contract call is blind-signed, and all the device can show of
        // it is the hash it signs.
        let screen = if tx.has_data {
            format!(
                "Review transaction: to {}, {} bytes of data. Blind signing: transaction hash 0x{}",
                tx.to,
                tx.data_len,
                hex::encode(hash)
            )
        } else {
            format!("Review transaction: to {}, {} bytes of data", tx.to, tx.data_len)
        };
        self.confirm(c, screen, signature)
    }

    fn eth_personal(&mut self, apdu: Apdu, c: &mut Controls) -> Answer {
        let (path, message, expected) = match self.eth_chunk(&apdu) {
            Ok(p) => (p.path.clone(), p.data.clone(), p.expected.unwrap_or(0)),
            Err(sw) => return status(sw),
        };
        if message.len() < expected {
            return status(sw::OK);
        }
        self.pending = None;
        if message.len() > expected {
            return status(sw::INVALID_DATA);
        }
        let Some(key) = self.evm_key(&path) else { return status(sw::INVALID_DATA) };
        let signature = sign_evm(&key, &eip191_hash_message(&message), |parity| 27 + parity);
        let screen = format!("Sign message: {}", String::from_utf8_lossy(&message));
        self.confirm(c, screen, signature)
    }

    fn solana(&mut self, apdu: Apdu, c: &mut Controls) -> Answer {
        match apdu.ins {
            solana::INS_APP_CONFIG => {
                (vec![u8::from(c.blind_signing), 0, 1, 6, 1], sw::OK, Duration::ZERO)
            }
            solana::INS_GET_PUBKEY => {
                let Some((path, [])) = parse_path(&apdu.data) else {
                    return status(sw::INVALID_DATA);
                };
                let Some(key) = self.solana_key(&path) else { return status(0x6A84) };
                let pubkey = key.verifying_key().to_bytes().to_vec();
                if apdu.p1 == solana::P1_CONFIRM {
                    let address = crate::SolanaAddress(key.verifying_key().to_bytes());
                    self.confirm(c, format!("Verify address {address}"), pubkey)
                } else {
                    (pubkey, sw::OK, Duration::ZERO)
                }
            }
            solana::INS_SIGN_MESSAGE | solana::INS_SIGN_OFFCHAIN => self.solana_sign(apdu, c),
            _ => status(sw::INS_NOT_SUPPORTED),
        }
    }

    /// Keys only on m/44'/501'/..., all hardened, as the app requires.
    fn solana_key(&self, path: &DerivationPath) -> Option<ed25519_dalek::SigningKey> {
        let i = path.indices();
        if i.len() < 2 || i[0] != 44 | crate::path::HARDENED || i[1] != 501 | crate::path::HARDENED
        {
            return None;
        }
        let node = ExtendedKey::derive(&self.seed, path).ok()?;
        Some(ed25519_dalek::SigningKey::from_bytes(node.secret()))
    }

    fn solana_sign(&mut self, apdu: Apdu, c: &mut Controls) -> Answer {
        if apdu.p1 != solana::P1_CONFIRM {
            return status(sw::SOLANA_NOT_SUPPORTED);
        }
        if apdu.p2 & solana::P2_EXTEND == 0 {
            let Some((&1, rest)) = apdu.data.split_first() else { return status(sw::INVALID_DATA) };
            let Some((path, message)) = parse_path(rest) else { return status(sw::INVALID_DATA) };
            self.pending =
                Some(Pending { ins: apdu.ins, path, data: message.to_vec(), expected: None });
        } else {
            match &mut self.pending {
                Some(p) if p.ins == apdu.ins => p.data.extend_from_slice(&apdu.data),
                _ => return status(sw::INVALID_DATA),
            }
        }
        if apdu.p2 & solana::P2_MORE != 0 {
            return status(sw::OK);
        }
        let Some(Pending { path, data: message, .. }) = self.pending.take() else {
            return status(sw::INVALID_DATA);
        };
        let Some(key) = self.solana_key(&path) else { return status(0x6A84) };
        let screen = if apdu.ins == solana::INS_SIGN_MESSAGE {
            let Some(programs) = message_programs(&message) else {
                return status(sw::INVALID_DATA);
            };
            let known = programs.iter().all(|p| KNOWN_PROGRAMS.iter().any(|k| bs58_eq(k, p)));
            if !known && !c.blind_signing {
                return status(sw::SOLANA_NOT_SUPPORTED);
            }
            format!("Review transaction: {} instruction(s)", programs.len())
        } else {
            let Some(text) = offchain_text(&message, &key.verifying_key().to_bytes()) else {
                return status(0x6A81);
            };
            if !text.is_ascii() && !c.blind_signing {
                return status(sw::SOLANA_NOT_SUPPORTED);
            }
            format!("Sign message: {text}")
        };
        let signature = key.sign(&message).to_bytes().to_vec();
        self.confirm(c, screen, signature)
    }
}

fn sign_evm(key: &PrivateKeySigner, hash: &B256, v: impl Fn(u8) -> u8) -> Vec<u8> {
    // The key was derived a moment ago and the hash is 32 bytes: signing cannot fail.
    let Ok(signature) = key.sign_hash_sync(hash) else { return Vec::new() };
    let mut out = vec![v(u8::from(signature.v()))];
    out.extend_from_slice(&signature.r().to_be_bytes::<32>());
    out.extend_from_slice(&signature.s().to_be_bytes::<32>());
    out
}

/// What the simulator needs of a transaction being received (type || rlp, or rlp).
struct ParsedTx {
    /// The payload's full length, once its header is in.
    total: Option<usize>,
    legacy: bool,
    chain_id: Option<u64>,
    has_data: bool,
    data_len: usize,
    to: String,
    /// For legacy transactions: where the EIP-155 trailer starts.
    fields_end: Option<usize>,
}

impl ParsedTx {
    /// `None` if the bytes cannot be a transaction.
    fn parse(payload: &[u8]) -> Option<Self> {
        let Some(&first) = payload.first() else {
            return Some(Self::incomplete());
        };
        let (legacy, body_start, data_index) = match first {
            0x01 => (false, 1, 6),
            0x02 => (false, 1, 7),
            b if b >= 0xC0 => (true, 0, 5),
            _ => return None,
        };
        let mut rest = &payload[body_start..];
        if rest.len() < 9 {
            // Not even the list header yet.
            return Some(Self::incomplete());
        }
        let (list, head_len, payload_length) = rlp_header(rest)?;
        if !list {
            return None;
        }
        rest = &rest[head_len..];
        let total = payload.len() - rest.len() + payload_length;
        let mut parsed = Self { total: Some(total), legacy, ..Self::incomplete() };
        if payload.len() < total {
            // Fields end where the last complete field so far ends (for the trailer check).
            let mut cursor = rest;
            let mut index = 0;
            while let Some(end) = field_end(cursor) {
                cursor = &cursor[end..];
                index += 1;
                if legacy && index == 6 {
                    parsed.fields_end = Some(payload.len() - cursor.len());
                }
            }
            return Some(parsed);
        }
        let mut fields = Vec::new();
        let mut cursor = &rest[..payload_length];
        while !cursor.is_empty() {
            let end = field_end(cursor)?;
            fields.push(field_content(&cursor[..end])?);
            cursor = &cursor[end..];
        }
        let data = fields.get(data_index)?;
        parsed.has_data = !data.is_empty();
        parsed.data_len = data.len();
        parsed.to = fields.get(data_index - 2).map(|t| {
            Address::try_from(*t).map_or("a new contract".into(), |a| a.to_checksum(None))
        })?;
        let chain_bytes = if legacy { fields.get(6).copied() } else { fields.first().copied() };
        parsed.chain_id = chain_bytes
            .filter(|b| !b.is_empty())
            .map(|b| b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)));
        Some(parsed)
    }

    fn incomplete() -> Self {
        Self {
            total: None,
            legacy: false,
            chain_id: None,
            has_data: false,
            data_len: 0,
            to: String::new(),
            fields_end: None,
        }
    }
}

/// An RLP header at the front of `bytes`: (is a list, header length, payload length). The
/// payload need not be all there yet (alloy's decoder insists that it is).
fn rlp_header(bytes: &[u8]) -> Option<(bool, usize, usize)> {
    let &first = bytes.first()?;
    let long = |base: u8| -> Option<(usize, usize)> {
        let n = usize::from(first - base);
        let len = bytes.get(1..1 + n)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        Some((1 + n, len))
    };
    Some(match first {
        0x00..=0x7F => (false, 0, 1),
        0x80..=0xB7 => (false, 1, usize::from(first - 0x80)),
        0xB8..=0xBF => {
            let (h, l) = long(0xB7)?;
            (false, h, l)
        }
        0xC0..=0xF7 => (true, 1, usize::from(first - 0xC0)),
        0xF8..=0xFF => {
            let (h, l) = long(0xF7)?;
            (true, h, l)
        }
    })
}

/// The content of one whole RLP item (a single byte below 0x80 is its own content).
fn field_content(item: &[u8]) -> Option<&[u8]> {
    let (_, head, len) = rlp_header(item)?;
    item.get(head..head + len)
}

/// The length of the first RLP item in `bytes`, if it is all there.
fn field_end(bytes: &[u8]) -> Option<usize> {
    let (_, head, len) = rlp_header(bytes)?;
    (head + len <= bytes.len()).then_some(head + len)
}

const KNOWN_PROGRAMS: [&str; 7] = [
    "11111111111111111111111111111111",
    "Stake11111111111111111111111111111111111111",
    "ComputeBudget111111111111111111111111111111",
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
    "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
    "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
];

fn bs58_eq(text: &str, key: &[u8; 32]) -> bool {
    bs58::decode(text).into_vec().is_ok_and(|k| k == key)
}

/// The program ids a (legacy or v0) transaction message calls.
fn message_programs(message: &[u8]) -> Option<Vec<[u8; 32]>> {
    let mut m = message;
    if m.first()? & 0x80 != 0 {
        m = &m[1..]; // Versioned message prefix.
    }
    m = m.get(3..)?; // The header: signature and read-only counts.
    let (keys, rest) = compact_u16(m)?;
    let key_bytes = rest.get(..32 * keys)?;
    let accounts: Vec<[u8; 32]> =
        key_bytes.chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
    m = rest.get(32 * keys + 32..)?; // Keys, then the recent blockhash.
    let (count, mut rest) = compact_u16(m)?;
    let mut programs = Vec::with_capacity(count);
    for _ in 0..count {
        let (&program, r) = rest.split_first()?;
        programs.push(*accounts.get(usize::from(program))?);
        let (n, r) = compact_u16(r)?;
        let r = r.get(n..)?;
        let (n, r) = compact_u16(r)?;
        rest = r.get(n..)?;
    }
    Some(programs)
}

fn compact_u16(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value = 0usize;
    for (i, &b) in bytes.iter().take(3).enumerate() {
        value |= usize::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// The text of a version-0 off-chain message signed by `signer`, if the header is right.
fn offchain_text(message: &[u8], signer: &[u8; 32]) -> Option<String> {
    let rest = message.strip_prefix(crate::solana::OFFCHAIN_SIGNING_DOMAIN)?;
    let (&[version], rest) = rest.split_first_chunk::<1>()?;
    let rest = rest.get(32..)?; // Application domain.
    let (&[format, signers], rest) = rest.split_first_chunk::<2>()?;
    if version != 0 || format > 1 || signers == 0 {
        return None;
    }
    let keys = rest.get(..32 * usize::from(signers))?;
    if !keys.chunks_exact(32).any(|k| k == signer) {
        return None;
    }
    let (len, body) = rest[32 * usize::from(signers)..].split_first_chunk::<2>()?;
    if usize::from(u16::from_le_bytes(*len)) != body.len() || body.is_empty() {
        return None;
    }
    let text = String::from_utf8(body.to_vec()).ok()?;
    (format == 1 || text.bytes().all(|b| (0x20..=0x7e).contains(&b))).then_some(text)
}
