//! The anvil process: found in the project's npm packages, bound to loopback, never orphaned.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::{
    DevnetError,
    process::{StartFailure, Watched},
};

/// The npm package that ships anvil for this platform.
const ANVIL_PACKAGE_BIN: &str = "@foundry-rs/anvil-linux-amd64/bin/anvil";
/// How long anvil may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the project's npm packages are: `VIGIL_NODE_MODULES`, or the checkout's `node_modules`.
pub fn node_modules() -> PathBuf {
    std::env::var_os("VIGIL_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules"))
}

/// The anvil binary: `VIGIL_ANVIL`, the pinned npm package, or `anvil` on the PATH.
pub fn anvil_binary() -> Result<PathBuf, DevnetError> {
    if let Some(p) = std::env::var_os("VIGIL_ANVIL") {
        let p = PathBuf::from(p);
        return if p.exists() { Ok(p) } else { Err(DevnetError::AnvilMissing { looked_in: p }) };
    }
    let packaged = node_modules().join(ANVIL_PACKAGE_BIN);
    if packaged.exists() {
        return Ok(packaged);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("anvil"))
        .find(|p| p.exists());
    on_path.ok_or(DevnetError::AnvilMissing { looked_in: packaged })
}

/// anvil's arguments: loopback only, the devnet's chain id, ten funded dev accounts.
fn anvil_args(port: u16, chain_id: u64) -> [String; 10] {
    [
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string(),
        "--chain-id".into(),
        chain_id.to_string(),
        "--accounts".into(),
        "10".into(),
        "--balance".into(),
        "10000".into(),
    ]
}

/// The error for an anvil that exited before listening, from what it printed.
fn exited(port: u16, output: &str) -> DevnetError {
    if output.contains("in use") || output.contains("AddrInUse") {
        DevnetError::PortInUse(port)
    } else {
        DevnetError::AnvilStart(format!("anvil exited: {}", output.trim()))
    }
}

/// Starts anvil detached from this process (its own session, output to `log`), for a devnet
/// that outlives the command that started it. Returns its process id once it answers on `port`.
/// `line` with what anvil's start-up banner says of its dev accounts' secrets blanked (the
/// mnemonic, and every 32-byte hex private key), at the same length: the devnet's log keeps no
/// key, even of the well-known test phrase, and a log anvil is still appending to can be
/// blanked in place.
pub(crate) fn blank_secrets(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("Mnemonic:") {
        return format!("Mnemonic:{}", "*".repeat(rest.chars().count()));
    }
    // The banner lists private keys as "(3) 0x<64 hex digits>", alone on their line
    // (transaction and block hashes, also 64 digits, are logged with a label and kept).
    let key = line.trim_start().strip_prefix('(').and_then(|r| {
        let (index, rest) = r.split_once(") 0x")?;
        (index.bytes().all(|b| b.is_ascii_digit())
            && rest.len() == 64
            && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(rest)
    });
    match key {
        Some(hex) => line.replace(hex, &"*".repeat(64)),
        None => line.to_owned(),
    }
}

/// Blanks the secrets in the log file anvil is writing, in place and at the same length.
fn blank_log_in_place(log: &Path) {
    use std::io::{Seek, Write};
    let Ok(text) = std::fs::read_to_string(log) else { return };
    let blanked: String = text
        .split_inclusive('\n')
        .map(|l| {
            blank_secrets(l.trim_end_matches('\n')) + if l.ends_with('\n') { "\n" } else { "" }
        })
        .collect();
    if blanked != text
        && let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(log)
    {
        let _ = f.seek(std::io::SeekFrom::Start(0)).and_then(|_| f.write_all(blanked.as_bytes()));
    }
}

pub(crate) fn spawn_detached(port: u16, chain_id: u64, log: &Path) -> Result<Child, DevnetError> {
    use std::os::unix::process::CommandExt;
    let anvil = anvil_binary()?;
    let out = std::fs::File::create(log)
        .map_err(|e| DevnetError::AnvilStart(format!("cannot write {}: {e}", log.display())))?;
    let err = out.try_clone().map_err(|e| DevnetError::AnvilStart(e.to_string()))?;
    let mut child = Command::new(&anvil)
        .args(anvil_args(port, chain_id))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| DevnetError::AnvilStart(format!("cannot run {}: {e}", anvil.display())))?;
    let deadline = std::time::Instant::now() + START_TIMEOUT;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("Listening on") {
            blank_log_in_place(log);
            return Ok(child);
        }
        if let Ok(Some(_)) = child.try_wait() {
            return Err(exited(port, &text));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DevnetError::AnvilStart(format!(
                "anvil did not start listening within {START_TIMEOUT:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running anvil. Dropping it stops anvil.
#[derive(Debug)]
pub struct AnvilProcess {
    process: Watched,
    port: u16,
}

impl AnvilProcess {
    /// Starts anvil on 127.0.0.1 (`port` 0 picks a free one) and waits until it listens.
    pub fn spawn(port: u16, chain_id: u64, log: Option<&Path>) -> Result<Self, DevnetError> {
        let anvil = anvil_binary()?;
        let log = match log {
            Some(path) => Some(std::fs::File::create(path).map_err(|e| {
                DevnetError::AnvilStart(format!("cannot write {}: {e}", path.display()))
            })?),
            None => None,
        };
        let listening = |line: &str| {
            let addr = line.strip_prefix("Listening on ")?;
            Some(addr.rsplit(':').next().and_then(|p| p.trim().parse::<u16>().ok()))
        };
        match Watched::spawn(&anvil, &anvil_args(port, chain_id), log, START_TIMEOUT, listening) {
            Ok((process, Some(port))) => Ok(Self { process, port }),
            Ok((_, None)) => Err(DevnetError::AnvilStart("anvil printed no port".into())),
            Err(StartFailure::Spawn(e)) => {
                Err(DevnetError::AnvilStart(format!("cannot run {}: {e}", anvil.display())))
            }
            Err(StartFailure::Exited(output)) => Err(exited(port, &output)),
            Err(StartFailure::Timeout) => Err(DevnetError::AnvilStart(format!(
                "anvil did not start listening within {START_TIMEOUT:?}"
            ))),
        }
    }

    /// The port anvil listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The HTTP RPC URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops anvil and waits for it (bounded: the watchdog escalates to KILL after 2 s).
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

#[cfg(test)]
mod blanking_tests {
    use super::blank_secrets;

    #[test]
    fn the_banners_keys_and_mnemonic_are_blanked_at_the_same_length() {
        let key = "(0) 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let blanked = blank_secrets(key);
        assert_eq!(blanked.len(), key.len());
        assert!(!blanked.contains("ac0974") && blanked.starts_with("(0) 0x****"), "{blanked}");
        let mnemonic =
            "Mnemonic:          test test test test test test test test test test test junk";
        assert_eq!(blank_secrets(mnemonic).len(), mnemonic.len());
        assert!(!blank_secrets(mnemonic).contains("junk"));
        // An address (20 bytes) and a transaction hash are kept as they are.
        let account = "(0) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (10000 ETH)";
        assert_eq!(blank_secrets(account), account);
        let tx =
            "    Transaction: 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        assert_eq!(blank_secrets(tx), tx);
        assert_eq!(blank_secrets("Listening on 127.0.0.1:8545"), "Listening on 127.0.0.1:8545");
    }
}
