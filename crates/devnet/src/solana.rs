//! The local Solana validator: a real `solana-test-validator` (agave 3.1) built from
//! `tools/solana-validator` and installed by `scripts/setup.sh`, so its large dependency tree
//! stays out of Vigil's. Everything it serves is on 127.0.0.1: RPC, pubsub, gossip and the
//! faucet. Demo accounts start with SOL and two SPL tokens (one per token program).

use std::{
    net::{SocketAddr, TcpListener, UdpSocket},
    path::{Path, PathBuf},
    time::Duration,
};

use crate::{
    DevnetError,
    process::{StartFailure, Watched},
};

/// The installed validator's name.
pub const VALIDATOR_BINARY: &str = "vigil-solana-validator";
/// How long the validator may take to start (it waits for its fees to settle).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Ports the validator takes for gossip, TPU, repair and the like, above its RPC port.
const DYNAMIC_PORTS: u16 = 40;

/// The Solana accounts of the demo recovery phrase (`test test … junk`), m/44'/501'/i'/0'
/// for i = 0, 1, 2: the local validator funds them.
pub const DEMO_ACCOUNTS: [&str; 3] = [
    "oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96",
    "AqynRZwvVqUPRwRJXvm6odUb3t93fDjnWe3p6BeuUFxD",
    "CqMbRgMuEhQi9BUS8xP44Wk5nENm48FqJnfjEi4eNb1k",
];
/// The local validator's usual RPC port.
pub const DEFAULT_RPC_PORT: u16 = 8899;

/// A token the demo accounts hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMint {
    /// Its symbol.
    pub symbol: String,
    /// The mint's address.
    pub mint: String,
    /// The token program that owns it (SPL Token or Token-2022).
    pub program: String,
    /// Its decimals.
    pub decimals: u8,
}

/// The validator binary: `VIGIL_SOLANA_VALIDATOR`, the one `scripts/setup.sh` installs, or
/// one on the PATH.
pub fn validator_binary() -> Result<PathBuf, DevnetError> {
    if let Some(p) = std::env::var_os("VIGIL_SOLANA_VALIDATOR") {
        let p = PathBuf::from(p);
        return if p.exists() { Ok(p) } else { Err(DevnetError::SolanaValidatorMissing(p)) };
    }
    let installed = tools_dir().join("bin").join(VALIDATOR_BINARY);
    if installed.exists() {
        return Ok(installed);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(VALIDATOR_BINARY))
        .find(|p| p.exists())
        .ok_or(DevnetError::SolanaValidatorMissing(installed))
}

/// Whether the local validator can be started, for messages that say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidatorBuild {
    /// Installed.
    Ready,
    /// `scripts/build-validator.sh` is building it now.
    Building,
    /// Neither: `make setup` (or `make run`) builds it.
    Missing,
}

/// Where the local validator's build stands.
pub fn validator_build() -> ValidatorBuild {
    if validator_build_running(&tools_dir()) {
        ValidatorBuild::Building
    } else if validator_binary().is_ok() {
        ValidatorBuild::Ready
    } else {
        ValidatorBuild::Missing
    }
}

/// Whether `scripts/build-validator.sh` holds its lock in `tools_dir`: a build killed midway
/// releases the lock with its process, so a stale file never reads as a build in progress.
fn validator_build_running(tools_dir: &Path) -> bool {
    let Ok(lock) = std::fs::File::open(tools_dir.join(format!("{VALIDATOR_BINARY}.lock"))) else {
        return false;
    };
    matches!(lock.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock))
}

/// Where `scripts/setup.sh` installs tools: `VIGIL_TOOLS_DIR`, else `~/.cache/vigil/tools`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("VIGIL_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/vigil/tools")
    })
}

/// The first slot whose transactions pay the fee rate (see [`SolanaValidator::start`]).
const FIRST_SLOT_WITH_FEES: u64 = 3;

/// A running validator. Dropping it stops it.
#[derive(Debug)]
pub struct SolanaValidator {
    process: Watched,
    rpc_url: String,
    faucet: SocketAddr,
    mints: Vec<DemoMint>,
}

impl SolanaValidator {
    /// Starts a validator whose ledger lives in `ledger` (a fresh directory starts a fresh
    /// chain, an existing one carries on), funding each of `fund` (base58 public keys) on a
    /// fresh chain, on free loopback ports. It returns once the chain charges fees.
    pub fn start(ledger: &Path, fund: &[String]) -> Result<Self, DevnetError> {
        Self::start_on(ledger, fund, None)
    }

    /// [`SolanaValidator::start`] with the RPC on `rpc_port` (the faucet on the port after
    /// the pubsub one, the other ports above), when given.
    pub fn start_on(
        ledger: &Path,
        fund: &[String],
        rpc_port: Option<u16>,
    ) -> Result<Self, DevnetError> {
        let binary = validator_binary()?;
        let log = std::fs::File::create(ledger.with_extension("log")).ok();
        // Another process may take a port between the check and the start: try a few ranges.
        let mut last = String::new();
        let attempts = if rpc_port.is_some() { 1 } else { 5u16 };
        for attempt in 0..attempts {
            let base = match rpc_port {
                Some(port) if range_free(port) => port,
                Some(port) => return Err(DevnetError::PortInUse(port)),
                None => match free_range(attempt) {
                    Some(base) => base,
                    None => continue,
                },
            };
            let mut args = vec![
                "--ledger".to_owned(),
                ledger.display().to_string(),
                "--rpc-port".into(),
                base.to_string(),
                "--faucet-port".into(),
                (base + 2).to_string(),
                "--dynamic-ports".into(),
                format!("{}-{}", base + 3, base + 3 + DYNAMIC_PORTS),
            ];
            for key in fund {
                args.extend(["--fund".to_owned(), key.clone()]);
            }
            let mut mints = Vec::new();
            let ready = move |line: &str| -> Option<(String, String, Vec<DemoMint>)> {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    ["token", symbol, mint, program, decimals] => {
                        mints.push(DemoMint {
                            symbol: (*symbol).to_owned(),
                            mint: (*mint).to_owned(),
                            program: (*program).to_owned(),
                            decimals: decimals.parse().unwrap_or(0),
                        });
                        None
                    }
                    ["ready", url, faucet] => {
                        Some(((*url).to_owned(), (*faucet).to_owned(), std::mem::take(&mut mints)))
                    }
                    _ => None,
                }
            };
            let log = log.as_ref().and_then(|f| f.try_clone().ok());
            match Watched::spawn(&binary, &args, log, START_TIMEOUT, ready) {
                Ok((process, (rpc_url, faucet, mints))) => {
                    let faucet = faucet.parse().map_err(|_| {
                        DevnetError::SolanaValidatorStart(format!("bad faucet address {faucet}"))
                    })?;
                    let validator = Self { process, rpc_url, faucet, mints };
                    validator.wait_for_fees();
                    return Ok(validator);
                }
                Err(StartFailure::Exited(output)) if output.contains("in use") => last = output,
                Err(StartFailure::Exited(output)) => {
                    return Err(DevnetError::SolanaValidatorStart(output));
                }
                Err(StartFailure::Spawn(e)) => {
                    return Err(DevnetError::SolanaValidatorStart(format!(
                        "cannot run {}: {e}",
                        binary.display()
                    )));
                }
                Err(StartFailure::Timeout) => {
                    return Err(DevnetError::SolanaValidatorStart(format!(
                        "not ready within {START_TIMEOUT:?}"
                    )));
                }
            }
        }
        Err(DevnetError::SolanaValidatorStart(format!("no free ports: {last}")))
    }

    /// Waits (at most 10 s) until the chain is past its first slots: a new chain charges no
    /// fee until its fee rate is derived from slot 1 on, so a fee previewed earlier would be 0
    /// and the fee paid would not. A real cluster never is in that state; a test must not be.
    fn wait_for_fees(&self) {
        for _ in 0..40 {
            if self.slot().is_some_and(|s| s >= FIRST_SLOT_WITH_FEES) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        tracing::warn!("the local validator is not past slot {FIRST_SLOT_WITH_FEES} after 10 s");
    }

    /// The current slot, by a plain JSON-RPC call over loopback (no async runtime here).
    fn slot(&self) -> Option<u64> {
        use std::io::{Read, Write};
        let authority = self.rpc_url.strip_prefix("http://")?.trim_end_matches('/');
        // The processed slot: the finalized one stays 0 for the chain's first 30-odd slots.
        let body =
            r#"{"jsonrpc":"2.0","id":1,"method":"getSlot","params":[{"commitment":"processed"}]}"#;
        let mut stream = std::net::TcpStream::connect(authority).ok()?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(2))).ok()?;
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let json: serde_json::Value =
            serde_json::from_str(answer.split("\r\n\r\n").nth(1)?).ok()?;
        json["result"].as_u64()
    }

    /// The JSON-RPC URL (on 127.0.0.1).
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The faucet's address (on 127.0.0.1); RPC `requestAirdrop` uses it.
    pub fn faucet(&self) -> SocketAddr {
        self.faucet
    }

    /// The tokens every funded account holds.
    pub fn mints(&self) -> &[DemoMint] {
        &self.mints
    }

    /// Stops the validator and waits for it.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

/// A base port whose range (RPC, pubsub, faucet, then the dynamic ports) is free on
/// loopback for both TCP and UDP right now.
fn free_range(attempt: u16) -> Option<u16> {
    // Spread processes over 20000-59999 by process id, then step on each attempt.
    let span = 3 + DYNAMIC_PORTS + 1;
    let slots = 40_000 / span;
    let slot = (std::process::id() as u16).wrapping_add(attempt.wrapping_mul(7919)) % slots;
    let base = 20_000 + slot * span;
    range_free(base).then_some(base)
}

/// Whether the ports from `base` (RPC, pubsub, faucet, then the dynamic ones) are free on
/// loopback, for TCP and UDP.
fn range_free(base: u16) -> bool {
    let span = 3 + DYNAMIC_PORTS + 1;
    (base..base.saturating_add(span)).all(|port| {
        TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_is_running_only_while_its_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!validator_build_running(dir.path()), "no lock file: no build");
        let path = dir.path().join(format!("{VALIDATOR_BINARY}.lock"));
        let build = std::fs::File::create(&path).unwrap();
        assert!(!validator_build_running(dir.path()), "a lock file left by a finished build");
        build.lock().unwrap();
        assert!(validator_build_running(dir.path()), "the build holds the lock");
        drop(build);
        assert!(!validator_build_running(dir.path()), "the build ended");
    }
}
