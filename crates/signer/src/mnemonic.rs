//! BIP39 mnemonics: generation from the OS RNG, validation with specific errors, and seeds.

use std::fmt;

use rand_core::{OsRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// How many words a new mnemonic has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum WordCount {
    /// 12 words, 128 bits of entropy.
    #[default]
    Twelve,
    /// 24 words, 256 bits of entropy.
    TwentyFour,
}

impl WordCount {
    /// The number of words.
    pub fn words(self) -> usize {
        match self {
            WordCount::Twelve => 12,
            WordCount::TwentyFour => 24,
        }
    }

    fn entropy_bytes(self) -> usize {
        self.words() / 3 * 4
    }
}

impl TryFrom<usize> for WordCount {
    type Error = MnemonicError;
    fn try_from(n: usize) -> Result<Self, Self::Error> {
        match n {
            12 => Ok(WordCount::Twelve),
            24 => Ok(WordCount::TwentyFour),
            found => Err(MnemonicError::WrongWordCount { found }),
        }
    }
}

/// Why a mnemonic was refused. The messages never contain the words themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MnemonicError {
    /// Nothing was entered.
    #[error("the recovery phrase is empty: enter your 12 or 24 words separated by spaces")]
    Empty,
    /// The phrase does not have 12, 15, 18, 21 or 24 words.
    #[error(
        "the recovery phrase has {found} words; it must have 12, 15, 18, 21 or 24: check for a missing or extra word"
    )]
    WrongWordCount {
        /// How many words were found.
        found: usize,
    },
    /// A word is not in the BIP39 English list.
    #[error(
        "word {position} is not in the BIP39 English word list: check its spelling on your backup"
    )]
    UnknownWord {
        /// 1-based position of the unknown word.
        position: usize,
    },
    /// All words are valid but the checksum does not match: a word is wrong or out of order.
    #[error(
        "the recovery phrase fails its checksum: a word is wrong or two are swapped; compare it with your backup"
    )]
    BadChecksum,
}

/// A valid BIP39 English mnemonic. Zeroized on drop; `Debug` never shows the words.
pub struct Mnemonic(bip39::Mnemonic);

impl Mnemonic {
    /// Generates a new mnemonic from the operating system's random number generator.
    pub fn generate(count: WordCount) -> Self {
        let mut entropy = Zeroizing::new([0u8; 32]);
        let entropy = &mut entropy[..count.entropy_bytes()];
        OsRng.fill_bytes(entropy);
        // Invariant: 16 and 32 bytes are valid BIP39 entropy lengths.
        #[allow(clippy::expect_used)]
        let m = bip39::Mnemonic::from_entropy_in(bip39::Language::English, entropy)
            .expect("16 or 32 bytes of entropy always make a mnemonic");
        Self(m)
    }

    /// The mnemonic encoding `entropy` (16, 20, 24, 28 or 32 bytes).
    pub fn from_entropy(entropy: &[u8]) -> Result<Self, MnemonicError> {
        bip39::Mnemonic::from_entropy_in(bip39::Language::English, entropy)
            .map(Self)
            .map_err(|_| MnemonicError::WrongWordCount { found: entropy.len() * 3 / 4 })
    }

    /// Parses and validates a phrase typed by a person: case and extra spaces are forgiven.
    pub fn parse(phrase: &str) -> Result<Self, MnemonicError> {
        // Every intermediate copy of the words is zeroized: sized up front, then wiped on drop.
        let mut normalized = Zeroizing::new(String::with_capacity(phrase.len()));
        for word in phrase.split_whitespace() {
            if !normalized.is_empty() {
                normalized.push(' ');
            }
            normalized.extend(word.chars().flat_map(char::to_lowercase));
        }
        if normalized.is_empty() {
            return Err(MnemonicError::Empty);
        }
        bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalized)
            .map(Self)
            .map_err(|e| match e {
                bip39::Error::BadWordCount(found) => MnemonicError::WrongWordCount { found },
                bip39::Error::UnknownWord(index) => {
                    MnemonicError::UnknownWord { position: index + 1 }
                }
                _ => MnemonicError::BadChecksum,
            })
    }

    /// The phrase, words separated by single spaces. Zeroized when the returned value drops.
    pub fn phrase(&self) -> Zeroizing<String> {
        // Sized up front so the buffer never reallocates (which would leave copies behind).
        let mut phrase = Zeroizing::new(String::with_capacity(24 * 9));
        for (i, word) in self.0.words().enumerate() {
            if i > 0 {
                phrase.push(' ');
            }
            phrase.push_str(word);
        }
        phrase
    }

    /// The words one by one, for showing them to be written down.
    pub fn words(&self) -> Vec<&'static str> {
        self.0.words().collect()
    }

    /// The number of words.
    pub fn word_count(&self) -> usize {
        self.0.word_count()
    }

    /// The 64-byte BIP39 seed, with an optional passphrase ("25th word"; empty if none).
    pub fn to_seed(&self, passphrase: &str) -> Seed {
        Seed(Zeroizing::new(self.0.to_seed_normalized(passphrase)))
    }
}

impl Drop for Mnemonic {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Clone for Mnemonic {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mnemonic([redacted; {} words])", self.word_count())
    }
}

/// A 64-byte BIP39 seed (or any master seed for BIP32/SLIP-0010). Zeroized on drop.
#[derive(Clone)]
pub struct Seed(Zeroizing<[u8; 64]>);

impl Seed {
    /// The seed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..]
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUNK: &str = "test test test test test test test test test test test junk";

    #[test]
    fn generates_valid_phrases_of_both_lengths() {
        for count in [WordCount::Twelve, WordCount::TwentyFour] {
            let m = Mnemonic::generate(count);
            assert_eq!(m.word_count(), count.words());
            let again = Mnemonic::parse(&m.phrase()).unwrap();
            assert_eq!(again.phrase(), m.phrase());
        }
        // Two draws from the OS RNG must differ.
        assert_ne!(
            Mnemonic::generate(WordCount::Twelve).phrase(),
            Mnemonic::generate(WordCount::Twelve).phrase()
        );
    }

    #[test]
    fn forgives_case_and_spacing() {
        let m =
            Mnemonic::parse("  Test test\ttest test test test test test test test test JUNK \n")
                .unwrap();
        assert_eq!(*m.phrase(), JUNK);
    }

    #[test]
    fn specific_errors() {
        assert_eq!(Mnemonic::parse("   ").unwrap_err(), MnemonicError::Empty);
        assert_eq!(
            Mnemonic::parse("test test test").unwrap_err(),
            MnemonicError::WrongWordCount { found: 3 }
        );
        assert_eq!(
            Mnemonic::parse("test test test test testt test test test test test test junk")
                .unwrap_err(),
            MnemonicError::UnknownWord { position: 5 }
        );
        assert_eq!(
            Mnemonic::parse("test test test test test test test test test test test test")
                .unwrap_err(),
            MnemonicError::BadChecksum
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_errors() {
        let m = Mnemonic::parse(JUNK).unwrap();
        let dbg = format!("{m:?} {:?}", m.to_seed(""));
        assert!(!dbg.contains("test") && !dbg.contains("junk"), "{dbg}");
        let err =
            Mnemonic::parse("test test test test secretword test test test test test test junk")
                .unwrap_err();
        assert!(!err.to_string().contains("secretword"));
        assert!(!format!("{err:?}").contains("secretword"));
    }
}
