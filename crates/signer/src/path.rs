//! Derivation paths (`m/44'/60'/0'/0/0`) shared by the secp256k1 and ed25519 derivations.

use std::{fmt, str::FromStr};

/// The bit that marks a hardened child index.
pub const HARDENED: u32 = 0x8000_0000;

/// Errors parsing a derivation path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path does not start with `m`.
    #[error("a derivation path starts with 'm', as in m/44'/60'/0'/0/0")]
    MissingRoot,
    /// A step is not a number below 2^31, optionally followed by `'` or `h`.
    #[error(
        "step {position} of the path ('{step}') is not a number below 2^31 with an optional ' or h"
    )]
    BadStep {
        /// 1-based position of the step after `m`.
        position: usize,
        /// The text of the step.
        step: String,
    },
    /// ed25519 (SLIP-0010) can only derive hardened children.
    #[error("ed25519 keys can only be derived on hardened steps; step {position} is not hardened")]
    NotHardened {
        /// 1-based position of the step after `m`.
        position: usize,
    },
}

/// A BIP32 / SLIP-0010 derivation path: a list of child indices, hardened ones with the top bit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DerivationPath(Vec<u32>);

impl DerivationPath {
    /// The standard Ethereum path of account `index`: `m/44'/60'/0'/0/index`.
    pub fn ethereum(index: u32) -> Self {
        Self(vec![44 | HARDENED, 60 | HARDENED, HARDENED, 0, index & !HARDENED])
    }

    /// The standard Solana path of account `index`: `m/44'/501'/index'/0'`.
    pub fn solana(index: u32) -> Self {
        Self(vec![44 | HARDENED, 501 | HARDENED, index | HARDENED, HARDENED])
    }

    /// The child indices, hardened ones with the top bit set.
    pub fn indices(&self) -> &[u32] {
        &self.0
    }

    /// Fails unless every step is hardened (required for ed25519).
    pub fn require_hardened(&self) -> Result<(), PathError> {
        match self.0.iter().position(|i| i & HARDENED == 0) {
            Some(p) => Err(PathError::NotHardened { position: p + 1 }),
            None => Ok(()),
        }
    }
}

impl From<Vec<u32>> for DerivationPath {
    fn from(indices: Vec<u32>) -> Self {
        Self(indices)
    }
}

impl FromStr for DerivationPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut steps = s.trim().split('/');
        if steps.next().map(str::trim) != Some("m") {
            return Err(PathError::MissingRoot);
        }
        steps
            .enumerate()
            .map(|(i, step)| {
                let bad = || PathError::BadStep { position: i + 1, step: step.to_owned() };
                let (digits, hardened) = match step.strip_suffix(['\'', 'h', 'H']) {
                    Some(d) => (d, true),
                    None => (step, false),
                };
                let n: u32 = digits.parse().map_err(|_| bad())?;
                if n & HARDENED != 0 {
                    return Err(bad());
                }
                Ok(if hardened { n | HARDENED } else { n })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for i in &self.0 {
            if i & HARDENED != 0 {
                write!(f, "/{}'", i & !HARDENED)?;
            } else {
                write!(f, "/{i}")?;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for DerivationPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DerivationPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_paths_print_as_wallets_write_them() {
        assert_eq!(DerivationPath::ethereum(3).to_string(), "m/44'/60'/0'/0/3");
        assert_eq!(DerivationPath::solana(2).to_string(), "m/44'/501'/2'/0'");
    }

    #[test]
    fn parses_both_hardened_notations_and_round_trips() {
        let p: DerivationPath = "m/44h/60'/0'/0/7".parse().unwrap();
        assert_eq!(p, DerivationPath::ethereum(7));
        assert_eq!(p.to_string().parse::<DerivationPath>().unwrap(), p);
        assert_eq!("m".parse::<DerivationPath>().unwrap().indices(), &[] as &[u32]);
    }

    #[test]
    fn rejects_malformed_paths_with_the_step() {
        assert_eq!("44'/60'".parse::<DerivationPath>(), Err(PathError::MissingRoot));
        assert_eq!(
            "m/44'/x/0".parse::<DerivationPath>(),
            Err(PathError::BadStep { position: 2, step: "x".into() })
        );
        assert!(matches!(
            "m/2147483648".parse::<DerivationPath>(),
            Err(PathError::BadStep { position: 1, .. })
        ));
        assert_eq!(
            DerivationPath::ethereum(0).require_hardened(),
            Err(PathError::NotHardened { position: 4 })
        );
        assert!(DerivationPath::solana(0).require_hardened().is_ok());
    }
}
