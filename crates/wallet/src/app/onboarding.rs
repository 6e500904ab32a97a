//! Onboarding: a new recovery phrase shown once and confirmed by typing some of its words
//! back, or an existing one imported; either is stored under the user's password and leaves
//! the wallet unlocked.

use std::sync::Mutex;

use rand_core::{OsRng, RngCore};
use vigil_api::{Account, GeneratedWallet};
use vigil_signer::{Keychain, Mnemonic, Password, WordCount};
use zeroize::Zeroizing;

use super::{APP_VAULT, AppResult, AppService, invalid, wallet_error};
use crate::WalletError;

/// How many words the user types back to prove they wrote the phrase down.
const WORDS_TO_CHECK: usize = 3;

/// A generated phrase waiting for the user to confirm it.
struct Pending {
    mnemonic: Mnemonic,
    check_positions: Vec<usize>,
}

/// The phrase being confirmed, if any; dropped (and zeroized) on cancel, import or lock.
#[derive(Default)]
pub(crate) struct PendingWallet(Mutex<Option<Pending>>);

impl PendingWallet {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Pending>> {
        // The value is replaced whole, never left half-written: recover from poison.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the phrase waiting for confirmation.
    pub(crate) fn forget(&self) {
        self.slot().take();
    }
}

/// `count` distinct 1-based positions in `1..=n`, in increasing order.
fn pick_positions(n: usize, count: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count.min(n) {
        // Modulo bias over u32 for n <= 24 is below 1e-8: irrelevant for a typing check.
        let p = (OsRng.next_u32() as usize % n) + 1;
        if !picked.contains(&p) {
            picked.push(p);
        }
    }
    picked.sort_unstable();
    picked
}

fn check_answers(pending: &Pending, answers: &[String]) -> AppResult<()> {
    let words = pending.mnemonic.words();
    if answers.len() != pending.check_positions.len() {
        return Err(invalid("answer every word that is asked"));
    }
    for (answer, &position) in answers.iter().zip(&pending.check_positions) {
        if answer.trim().to_lowercase() != words[position - 1] {
            return Err(invalid(format!(
                "word {position} does not match what was shown: check what you wrote down"
            )));
        }
    }
    Ok(())
}

impl<K: Keychain + 'static> AppService<K> {
    /// Whether a wallet exists (otherwise the front-end onboards).
    pub fn has_wallet(&self) -> AppResult<bool> {
        Ok(!self.config()?.accounts.is_empty())
    }

    /// Generates a phrase to write down (12 or 24 words) and picks the words to ask back.
    /// Nothing is stored until [`Self::confirm_wallet`].
    pub fn generate_wallet(&self, words: u8) -> AppResult<GeneratedWallet> {
        let count = WordCount::try_from(usize::from(words))
            .map_err(|_| invalid("a new wallet has 12 or 24 words"))?;
        let mnemonic = self.wallet.generate(count).mnemonic;
        let check_positions = pick_positions(mnemonic.word_count(), WORDS_TO_CHECK);
        let shown = GeneratedWallet {
            words: mnemonic.words().into_iter().map(str::to_owned).collect(),
            check_positions: check_positions.clone(),
        };
        *self.pending.slot() = Some(Pending { mnemonic, check_positions });
        Ok(shown)
    }

    /// Checks the words typed back, then stores the generated phrase under `password`. On a
    /// wrong word or a failure to store, the phrase stays for another try.
    pub fn confirm_wallet(
        &self,
        answers: Zeroizing<Vec<String>>,
        password: &Password,
    ) -> AppResult<Vec<Account>> {
        // Taken out while it is stored, so a concurrent generate cannot be overwritten by this
        // confirmation; put back on any failure so the user can correct and retry.
        let pending = self
            .pending
            .slot()
            .take()
            .ok_or_else(|| invalid("no new wallet is waiting for confirmation: start again"))?;
        let stored = check_answers(&pending, &answers)
            .and_then(|()| self.store(&pending.mnemonic, password));
        if stored.is_err() {
            self.pending.slot().get_or_insert(pending);
        }
        stored
    }

    /// Forgets a generated phrase the user walked away from.
    pub fn cancel_wallet(&self) {
        self.pending.forget();
    }

    /// Imports an existing phrase under `password`.
    pub fn import_wallet(
        &self,
        phrase: Zeroizing<String>,
        password: &Password,
    ) -> AppResult<Vec<Account>> {
        let mnemonic =
            Mnemonic::parse(&phrase).map_err(|e| wallet_error(WalletError::Mnemonic(e)))?;
        // An unconfirmed generated phrase is abandoned by importing another one.
        self.pending.forget();
        self.store(&mnemonic, password)
    }

    /// Stores `mnemonic` under `password` and leaves the new wallet unlocked: the user has
    /// just typed the password.
    fn store(&self, mnemonic: &Mnemonic, password: &Password) -> AppResult<Vec<Account>> {
        self.wallet.import(APP_VAULT, mnemonic, "", password).map_err(wallet_error)?;
        self.unlock(password)?;
        self.config_changed(self.accounts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_distinct_sorted_and_in_range() {
        for _ in 0..200 {
            let p = pick_positions(12, 3);
            assert_eq!(p.len(), 3);
            assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
            assert!(p.iter().all(|&i| (1..=12).contains(&i)));
        }
        assert_eq!(pick_positions(2, 3), vec![1, 2]);
    }

    #[test]
    fn answers_are_checked_by_position_and_forgiving_of_case() {
        let pending = Pending {
            mnemonic: Mnemonic::parse(
                "test test test test test test test test test test test junk",
            )
            .unwrap(),
            check_positions: vec![2, 12],
        };
        assert!(check_answers(&pending, &[" Test".into(), "JUNK ".into()]).is_ok());
        let err = check_answers(&pending, &["test".into(), "test".into()]).unwrap_err();
        assert!(err.message.contains("word 12 does not match"), "{}", err.message);
        assert!(check_answers(&pending, &["test".into()]).is_err());
    }
}
