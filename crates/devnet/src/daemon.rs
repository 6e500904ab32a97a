//! The devnet as a background service that outlives the command that starts it
//! (`vigil devnet up` / `down` / `reset` / `status`), tracked by a pid file.

use std::{fs, path::PathBuf, process::Command, time::Duration};

use alloy::providers::{DynProvider, Provider, ext::AnvilApi};
use serde::Serialize;

use crate::{
    DevnetError, DevnetOptions, Manifest, anvil::spawn_detached, bring_up, provider, read_manifest,
    state_err, write_atomic,
};

/// What `up` and `status` report.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The HTTP RPC URL.
    pub rpc_url: String,
    /// The chain id.
    pub chain_id: u64,
    /// The latest block.
    pub block: u64,
    /// anvil's process id.
    pub pid: u32,
    /// The deployment.
    pub manifest: Manifest,
}

fn pid_file(options: &DevnetOptions) -> PathBuf {
    options.snapshot_dir.join("anvil.pid")
}

/// The running devnet's pid and port, if its pid file points at a live anvil.
fn running(options: &DevnetOptions) -> Option<(u32, u16)> {
    let text = fs::read_to_string(pid_file(options)).ok()?;
    let mut parts = text.split_whitespace();
    let pid: u32 = parts.next()?.parse().ok()?;
    let port: u16 = parts.next()?.parse().ok()?;
    // A recycled pid must not be mistaken for ours: the command line must be our anvil's.
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    let ours = args.first().is_some_and(|a| a.ends_with(b"anvil"))
        && args.windows(2).any(|w| w[0] == b"--port" && w[1] == port.to_string().as_bytes())
        && args
            .windows(2)
            .any(|w| w[0] == b"--chain-id" && w[1] == options.chain_id.to_string().as_bytes());
    ours.then_some((pid, port))
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn manifest(options: &DevnetOptions) -> Result<Manifest, DevnetError> {
    read_manifest(options).ok_or_else(|| {
        state_err(
            &options.manifest_file(),
            "missing or from another version: run 'vigil devnet reset'",
        )
    })
}

async fn status_of(pid: u32, port: u16, options: &DevnetOptions) -> Result<Status, DevnetError> {
    let p = provider(&url(port))?;
    let chain_id = p.get_chain_id().await.map_err(|e| DevnetError::Rpc(e.to_string()))?;
    let block = p.get_block_number().await.map_err(|e| DevnetError::Rpc(e.to_string()))?;
    Ok(Status { rpc_url: url(port), chain_id, block, pid, manifest: manifest(options)? })
}

/// Starts the devnet in the background (or finds it running) and reports it.
pub async fn up(options: &DevnetOptions) -> Result<Status, DevnetError> {
    if let Some((pid, port)) = running(options) {
        return status_of(pid, port, options).await;
    }
    fs::create_dir_all(&options.snapshot_dir).map_err(|e| state_err(&options.snapshot_dir, e))?;
    let mut child =
        spawn_detached(options.port, options.chain_id, &options.snapshot_dir.join("anvil.log"))?;
    let pid = child.id();
    // Recorded at once, so that an interrupted first deployment can still be stopped by `down`.
    let brought_up = async {
        write_atomic(&pid_file(options), format!("{pid} {}\n", options.port).as_bytes())?;
        let p = provider(&url(options.port))?;
        bring_up(&p, options).await?;
        status_of(pid, options.port, options).await
    }
    .await;
    if brought_up.is_err() {
        // Never leave a half-deployed chain running as if it were ready.
        let _ = child.kill();
        let _ = child.wait();
        let _ = fs::remove_file(pid_file(options));
    }
    brought_up
}

/// Saves the state and stops the background devnet. `Ok(false)` if it was not running.
pub async fn down(options: &DevnetOptions) -> Result<bool, DevnetError> {
    let Some((pid, port)) = running(options) else {
        let _ = fs::remove_file(pid_file(options));
        return Ok(false);
    };
    let p: DynProvider = provider(&url(port))?;
    let saved = match &options.state_file {
        Some(state_file) => match p.anvil_dump_state().await {
            Ok(state) => crate::without_history(&state).and_then(|s| write_atomic(state_file, &s)),
            Err(e) => Err(DevnetError::Rpc(format!("could not save the devnet state: {e}"))),
        },
        None => Ok(()),
    };
    // Stopped whether or not the state could be saved; the save error is still reported.
    kill(pid)?;
    let _ = fs::remove_file(pid_file(options));
    saved.map(|()| true)
}

/// Stops the devnet without saving, forgets its state and starts it from the pristine snapshot.
pub async fn reset(options: &DevnetOptions) -> Result<Status, DevnetError> {
    if let Some((pid, _)) = running(options) {
        kill(pid)?;
        let _ = fs::remove_file(pid_file(options));
    }
    if let Some(state_file) = &options.state_file {
        let _ = fs::remove_file(state_file);
    }
    up(options).await
}

/// The running devnet, or [`DevnetError::NotRunning`].
pub async fn status(options: &DevnetOptions) -> Result<Status, DevnetError> {
    let (pid, port) = running(options).ok_or(DevnetError::NotRunning)?;
    status_of(pid, port, options).await
}

/// The running devnet's manifest and RPC URL.
pub fn connect_info(options: &DevnetOptions) -> Result<(Manifest, String), DevnetError> {
    let (_, port) = running(options).ok_or(DevnetError::NotRunning)?;
    Ok((manifest(options)?, url(port)))
}

/// A provider and manifest for the running devnet.
pub fn connect(options: &DevnetOptions) -> Result<(DynProvider, Manifest), DevnetError> {
    let (_, port) = running(options).ok_or(DevnetError::NotRunning)?;
    Ok((provider(&url(port))?, manifest(options)?))
}

/// Stops a process that is not our child: TERM, then KILL after 5 s.
fn kill(pid: u32) -> Result<(), DevnetError> {
    let gone = || !PathBuf::from(format!("/proc/{pid}")).exists();
    let signal = |args: &[&str]| {
        Command::new("kill").args(args).status().map_err(|e| {
            DevnetError::AnvilStart(format!(
                "cannot run 'kill' to stop anvil ({e}): install procps"
            ))
        })
    };
    signal(&[&pid.to_string()])?;
    for _ in 0..100 {
        if gone() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&["-9", &pid.to_string()])?;
    Ok(())
}
