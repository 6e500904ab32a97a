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
