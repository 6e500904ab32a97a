//! APDUs: the commands Ledger apps take and the status words they answer with.

use std::fmt;

use crate::path::DerivationPath;

/// The class byte of the Ethereum and Solana apps' commands.
pub const CLA_APP: u8 = 0xE0;
/// The class byte of the commands the device answers whatever app is open (BOLOS).
pub const CLA_BOLOS: u8 = 0xB0;
/// The most data one APDU can carry.
pub const MAX_DATA: usize = 255;

/// One command to the device.
#[derive(Clone, PartialEq, Eq)]
pub struct Apdu {
    /// Class.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// First parameter.
    pub p1: u8,
    /// Second parameter.
    pub p2: u8,
    /// Data, at most [`MAX_DATA`] bytes.
    pub data: Vec<u8>,
}

impl Apdu {
    /// A command of the open app.
    pub fn app(ins: u8, p1: u8, p2: u8, data: Vec<u8>) -> Self {
        Self { cla: CLA_APP, ins, p1, p2, data }
    }

    /// The bytes sent: CLA INS P1 P2 Lc data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.data.len());
        // Callers build data of at most MAX_DATA bytes (chunking guarantees it), so the
        // length fits the one-byte Lc.
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2, self.data.len() as u8]);
        out.extend_from_slice(&self.data);
        out
    }

    /// Parses bytes sent by a client (for the device simulator).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&[cla, ins, p1, p2, lc], data) = bytes.split_first_chunk::<5>()?;
        (data.len() == usize::from(lc)).then(|| Self { cla, ins, p1, p2, data: data.to_vec() })
    }
}

// Data can include a message being signed: print its size, not its bytes.
impl fmt::Debug for Apdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Apdu({:02X} {:02X} {:02X} {:02X}, {} bytes)",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len()
        )
    }
}

/// Well-known status words.
pub mod sw {
    /// Success.
    pub const OK: u16 = 0x9000;
    /// The user refused on the device ("conditions of use not satisfied").
    pub const REJECTED: u16 = 0x6985;
    /// The device is locked (current firmware).
    pub const LOCKED: u16 = 0x5515;
    /// The device is locked (older firmware).
    pub const LOCKED_LEGACY: u16 = 0x6B0C;
    /// "Security status not satisfied": older apps' answer on a locked device.
    pub const LOCKED_OLD_APPS: u16 = 0x6982;
    /// Invalid data; the Ethereum app also answers this when blind signing is off.
    pub const INVALID_DATA: u16 = 0x6A80;
    /// Instruction not supported: another app (or none) is open.
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    /// Class not supported: another app (or none) is open.
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    /// The dashboard's answer to an app command.
    pub const APP_NOT_OPEN: u16 = 0x6511;
    /// Another answer of some firmware to an app command on the dashboard.
    pub const APP_NOT_OPEN_ALT: u16 = 0x650F;
    /// The Solana app's answer when a message needs blind signing and it is off.
    pub const SOLANA_NOT_SUPPORTED: u16 = 0x6808;
}

/// The most steps a path may have on a Ledger.
pub const MAX_PATH_STEPS: usize = 10;

/// Serializes a derivation path as both apps take it: the number of steps, then each step
/// as 4 big-endian bytes. Paths of 1 to [`MAX_PATH_STEPS`] steps only.
pub fn path_bytes(path: &DerivationPath) -> Result<Vec<u8>, PathTooLong> {
    let indices = path.indices();
    if indices.is_empty() || indices.len() > MAX_PATH_STEPS {
        return Err(PathTooLong(indices.len()));
    }
    let mut out = Vec::with_capacity(1 + 4 * indices.len());
    out.push(indices.len() as u8); // At most 10: checked above.
    for i in indices {
        out.extend_from_slice(&i.to_be_bytes());
    }
    Ok(out)
}

/// A path a Ledger does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a Ledger takes derivation paths of 1 to {MAX_PATH_STEPS} steps, not {0}")]
pub struct PathTooLong(pub usize);

/// Parses [`path_bytes`] from the front of `data`; returns the path and the rest.
pub fn parse_path(data: &[u8]) -> Option<(DerivationPath, &[u8])> {
    let (&count, rest) = data.split_first()?;
    let len = 4 * usize::from(count);
    if rest.len() < len {
        return None;
    }
    let indices = rest[..len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect::<Vec<_>>();
    Some((DerivationPath::from(indices), &rest[len..]))
}

/// Splits an answer into its data and status word.
pub fn split_status(answer: &[u8]) -> Option<(&[u8], u16)> {
    let (data, sw) = answer.split_last_chunk::<2>()?;
    Some((data, u16::from_be_bytes(*sw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_serialize_as_the_apps_expect() {
        let path: DerivationPath = "m/44'/60'/0'/0/1".parse().unwrap();
        let bytes = path_bytes(&path).unwrap();
        assert!(path_bytes(&DerivationPath::from(vec![0; 11])).is_err());
        assert!(path_bytes(&DerivationPath::default()).is_err());
        assert_eq!(
            hex::encode(&bytes),
            "058000002c8000003c800000000000000000000001",
            "count, then each index big-endian with the hardened bit"
        );
        let with_tail = [bytes.as_slice(), b"tail"].concat();
        let (back, rest) = parse_path(&with_tail).unwrap();
        assert_eq!((back, rest), (path, &b"tail"[..]));
        assert!(parse_path(&[3, 0, 0, 0]).is_none());
    }

    #[test]
    fn apdus_round_trip_and_hide_their_data_in_debug() {
        let apdu = Apdu::app(0x08, 0x00, 0x00, b"secret message".to_vec());
        let bytes = apdu.to_bytes();
        assert_eq!(&bytes[..5], &[0xE0, 0x08, 0x00, 0x00, 14]);
        assert_eq!(Apdu::from_bytes(&bytes), Some(apdu.clone()));
        assert!(Apdu::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(!format!("{apdu:?}").contains("secret"));
        assert_eq!(split_status(&[1, 2, 0x90, 0x00]), Some((&[1u8, 2][..], 0x9000)));
        assert_eq!(split_status(&[0x90]), None);
    }
}
