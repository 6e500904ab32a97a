//! The unlocked wallet: the keys of vaults opened with their password, kept only while the
//! user is active. The session keeps each vault's BIP39 seed (what every account key is
//! derived from), never its recovery phrase: the phrase is dropped, and zeroized, as soon as
//! the seed is derived, so nothing in a running session can give the words away. After
//! `lock_after` without use (or on [`Session::lock`]) the seeds are dropped and zeroized;
//! signing needs the password again.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use vigil_signer::{Seed, UnlockedVault};

/// The default inactivity before locking.
pub const DEFAULT_LOCK_AFTER: Duration = Duration::from_secs(5 * 60);

/// The seeds of unlocked vaults and when they were last used.
#[derive(Debug)]
pub struct Session {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Vault name → seed. Not the mnemonic: see the module's doc.
    vaults: HashMap<String, Seed>,
    last_used: Instant,
    lock_after: Duration,
    /// Counts locks: what was prepared before a lock is not signed after it.
    generation: u64,
}

impl Inner {
    /// Drops every unlocked vault; a session that was unlocked starts a new generation.
    fn clear(&mut self) {
        if !self.vaults.is_empty() {
            self.generation += 1;
        }
        self.vaults.clear();
    }
}

impl Session {
    /// A locked session that locks again after `lock_after` without use.
    pub fn new(lock_after: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner {
                vaults: HashMap::new(),
                last_used: Instant::now(),
                lock_after,
                generation: 0,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map is valid after a panic elsewhere: entries are only inserted or removed whole.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inactivity before it locks.
    pub fn lock_after(&self) -> Duration {
        self.inner().lock_after
    }

    /// Changes the inactivity before it locks (the user changed the setting).
    pub fn set_lock_after(&self, lock_after: Duration) {
        self.inner().lock_after = lock_after;
    }

    /// Keeps `vault`'s seed (until the session locks) and drops the vault, which zeroizes
    /// its recovery phrase and passphrase.
    pub fn insert(&self, vault: UnlockedVault) {
        let (name, seed) = vault.into_seed();
        let mut inner = self.inner();
        inner.last_used = Instant::now();
        inner.vaults.insert(name, seed);
    }

    /// The seed of the unlocked vault `name`, counting as activity; `None` when it is locked
    /// (or the session timed out, which locks it now).
    pub fn seed(&self, name: &str) -> Option<Seed> {
        let mut inner = self.inner();
        if inner.last_used.elapsed() >= inner.lock_after {
            inner.clear();
            return None;
        }
        let seed = inner.vaults.get(name).cloned()?;
        inner.last_used = Instant::now();
        Some(seed)
    }

    /// Counts as activity (the user did something in the app).
    pub fn touch(&self) {
        let mut inner = self.inner();
        if inner.last_used.elapsed() < inner.lock_after {
            inner.last_used = Instant::now();
        }
    }

    /// Locks if the user has been inactive for `lock_after`; returns whether it is locked.
    /// The app calls it on a timer, so vaults do not outlive the timeout even unused.
    pub fn lock_if_idle(&self) -> bool {
        let mut inner = self.inner();
        if inner.last_used.elapsed() >= inner.lock_after {
            inner.clear();
        }
        inner.vaults.is_empty()
    }

    /// Drops every unlocked vault now.
    pub fn lock(&self) {
        let mut inner = self.inner();
        inner.clear();
        // An explicit lock always ends the generation, even of a locked session.
        inner.generation += 1;
    }

    /// How many times the session has locked: a preview made in one generation is not signed
    /// in a later one.
    pub fn generation(&self) -> u64 {
        self.inner().generation
    }

    /// Whether no vault is unlocked.
    pub fn is_locked(&self) -> bool {
        self.inner().vaults.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use vigil_signer::{KdfParams, Mnemonic, Password, Vault, vault::InMemoryKeychain};

    use super::*;

    const JUNK: &str = "test test test test test test test test test test test junk";

    fn unlocked_with(passphrase: &str) -> UnlockedVault {
        let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
        let m = Mnemonic::parse(JUNK).unwrap();
        let pw = Password::new("quiet meadow lantern 58");
        vault.create("default", &m, passphrase, &pw).unwrap();
        vault.unlock("default", &pw).unwrap()
    }

    fn unlocked() -> UnlockedVault {
        unlocked_with("")
    }

    #[test]
    fn keeps_the_seed_with_its_passphrase() {
        let session = Session::new(DEFAULT_LOCK_AFTER);
        session.insert(unlocked_with("TREZOR"));
        let m = Mnemonic::parse(JUNK).unwrap();
        let kept = session.seed("default").unwrap();
        assert_eq!(kept.as_bytes(), m.to_seed("TREZOR").as_bytes());
        assert_ne!(kept.as_bytes(), m.to_seed("").as_bytes());
    }

    #[test]
    fn use_keeps_it_unlocked_and_idleness_locks_it() {
        let session = Session::new(Duration::from_millis(300));
        assert!(session.is_locked());
        session.insert(unlocked());
        assert!(session.seed("default").is_some());
        assert!(session.seed("other").is_none(), "only the vaults unlocked");
        // Used within the timeout: still unlocked.
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(150));
            session.touch();
            assert!(!session.lock_if_idle());
        }
        // Idle past the timeout: locked, and the seed is gone.
        std::thread::sleep(Duration::from_millis(350));
        assert!(session.lock_if_idle());
        assert!(session.seed("default").is_none());
        // A touch after the timeout does not unlock again.
        session.touch();
        assert!(session.is_locked());
    }

    #[test]
    fn every_lock_starts_a_new_generation_but_idling_while_locked_does_not() {
        let session = Session::new(Duration::from_millis(100));
        let g0 = session.generation();
        std::thread::sleep(Duration::from_millis(150));
        assert!(session.lock_if_idle());
        assert_eq!(session.generation(), g0, "locked and idle: nothing to void");
        session.insert(unlocked());
        assert_eq!(session.generation(), g0, "unlocking keeps what was previewed while locked");
        std::thread::sleep(Duration::from_millis(150));
        assert!(session.lock_if_idle());
        assert_eq!(session.generation(), g0 + 1, "the idle lock voids earlier previews");
        session.lock();
        assert_eq!(session.generation(), g0 + 2, "so does an explicit lock");
    }

    #[test]
    fn lock_drops_the_vaults_at_once() {
        let session = Session::new(DEFAULT_LOCK_AFTER);
        session.insert(unlocked());
        session.lock();
        assert!(session.is_locked());
        assert!(session.seed("default").is_none());
    }
}
