//! The anvil process: found in the project's npm packages, bound to loopback, never orphaned.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::DevnetError;

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
    child: Child,
    /// The write end of the watchdog pipe: when it closes (on drop, or when this process dies
    /// for any reason), the wrapper shell kills anvil.
    watchdog: Option<ChildStdin>,
    port: u16,
}

impl AnvilProcess {
    /// Starts anvil on 127.0.0.1 (`port` 0 picks a free one) and waits until it listens.
    pub fn spawn(port: u16, chain_id: u64, log: Option<&Path>) -> Result<Self, DevnetError> {
        let anvil = anvil_binary()?;
        // `sh` runs anvil, and beside it a watchdog that reads our pipe (its fd 3) and kills
        // anvil when the pipe closes: on drop, or when this process dies however it dies. The
        // shell exits with anvil, so a failed start is seen at once.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(concat!(
                r#"anvil="$1"; shift; exec 3<&0; "$anvil" "$@" </dev/null 2>&1 & pid=$!; "#,
                // The watchdog: TERM when the pipe closes, KILL if anvil ignores it.
                r#"( while read -r _ <&3; do :; done; kill $pid 2>/dev/null; sleep 2; "#,
                r#"kill -9 $pid 2>/dev/null ) >/dev/null 2>&1 & wd=$!; "#,
                // When anvil exits by itself, the watchdog goes too (no stale pid to signal).
                r#"exec 3<&-; wait $pid; status=$?; kill $wd 2>/dev/null; exit $status"#
            ))
            .arg("vigil-anvil")
            .arg(&anvil)
            .args(anvil_args(port, chain_id))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let log = match log {
            Some(path) => Some(std::fs::File::create(path).map_err(|e| {
                DevnetError::AnvilStart(format!("cannot write {}: {e}", path.display()))
            })?),
            None => None,
        };
        let mut child = command
            .spawn()
            .map_err(|e| DevnetError::AnvilStart(format!("cannot run {}: {e}", anvil.display())))?;
        let watchdog = child.stdin.take();
        let stdout = child.stdout.take();
        let mut process = Self { child, watchdog, port };
        process.port = process.wait_for_listen(stdout, port, log)?;
        Ok(process)
    }

    /// Reads anvil's output until it says where it listens (or exits, or time runs out).
    fn wait_for_listen(
        &mut self,
        stdout: Option<std::process::ChildStdout>,
        asked: u16,
        mut log: Option<std::fs::File>,
    ) -> Result<u16, DevnetError> {
        let stdout = stdout.ok_or_else(|| DevnetError::AnvilStart("no stdout".into()))?;
        let (tx, rx) = mpsc::channel();
        // Reads every line anvil prints (it must keep draining, or anvil blocks on a full pipe).
        std::thread::spawn(move || {
            let mut tail = Vec::new();
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    use std::io::Write as _;
                    let _ = writeln!(f, "{line}");
                }
                if !sent {
                    if let Some(addr) = line.strip_prefix("Listening on ") {
                        let port =
                            addr.rsplit(':').next().and_then(|p| p.trim().parse::<u16>().ok());
                        let _ = tx.send(port.ok_or_else(|| line.clone()));
                        sent = true;
                    } else {
                        tail.push(line);
                        if tail.len() > 20 {
                            tail.remove(0);
                        }
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(tail.join("\n")));
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(port)) => Ok(port),
            Ok(Err(output)) => {
                let _ = self.child.wait();
                Err(exited(asked, &output))
            }
            Err(_) => Err(DevnetError::AnvilStart(format!(
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
        self.watchdog.take();
        for _ in 0..250 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AnvilProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
