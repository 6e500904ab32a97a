//! Crash points: named places in a send and in vault creation where the reliability tests
//! kill the process (`kill -9`, no clean-up) to check that a restart loses nothing and sends
//! nothing twice. Compiled in only with the `crash-points` feature, which only the tests turn
//! on; there, `VIGIL_CRASH_AT=<point>` picks the point. Everywhere else a point is a no-op.

/// After a transaction is signed, before it is journaled.
pub(crate) const SIGNED: &str = "send:signed";
/// After it is journaled, before it is broadcast.
pub(crate) const JOURNALED: &str = "send:journaled";
/// After the node accepted it, before Vigil reports it sent.
pub(crate) const BROADCAST: &str = "send:broadcast";
/// After its receipt arrived, before the journal records it final.
pub(crate) const MINED: &str = "send:mined";
/// After a new vault is in the keychain, before the config lists its accounts.
pub(crate) const VAULT_STORED: &str = "vault:stored";

/// Every crash point, for the tests that go through them all.
pub const POINTS: [&str; 5] = [SIGNED, JOURNALED, BROADCAST, MINED, VAULT_STORED];

/// Dies here, as by `kill -9`, when the tests asked for this point.
#[cfg(feature = "crash-points")]
pub(crate) fn point(name: &str) {
    if std::env::var("VIGIL_CRASH_AT").is_ok_and(|at| at == name) {
        tracing::warn!("crash point {name}: killing this process");
        let pid = std::process::id().to_string();
        // SIGKILL to ourselves: nothing runs after it, exactly as when the system kills us.
        let _ = std::process::Command::new("kill").args(["-KILL", &pid]).status();
        std::process::abort();
    }
}

/// A no-op outside the tests.
#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub(crate) fn point(_name: &str) {}
