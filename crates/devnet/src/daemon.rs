//! The devnet as a background service that outlives the command that starts it
//! (`vigil devnet up` / `down` / `reset` / `status`), tracked by a pid file.

use std::{fs, path::PathBuf, process::Command, time::Duration};

use alloy::providers::{DynProvider, Provider, ext::AnvilApi};
use serde::Serialize;

use crate::{
    CHAIN_ID, DevnetError, DevnetOptions, Manifest, anvil::spawn_detached, bring_up, provider,
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
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    String::from_utf8_lossy(&cmdline).contains("anvil").then_some((pid, port))
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn manifest(options: &DevnetOptions) -> Result<Manifest, DevnetError> {
    let path = options.snapshot_dir.join("manifest.json");
    let text = fs::read(&path).map_err(|e| state_err(&path, e))?;
    serde_json::from_slice(&text).map_err(|e| state_err(&path, e))
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
    let pid = spawn_detached(options.port, CHAIN_ID, &options.snapshot_dir.join("anvil.log"))?;
    let brought_up = async {
        let p = provider(&url(options.port))?;
        bring_up(&p, options).await?;
        write_atomic(&pid_file(options), format!("{pid} {}\n", options.port).as_bytes())?;
        status_of(pid, options.port, options).await
    }
    .await;
    if brought_up.is_err() {
        // Never leave a half-deployed chain running as if it were ready.
        kill(pid);
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
    if let Some(state_file) = &options.state_file {
        let state = p.anvil_dump_state().await.map_err(|e| DevnetError::Rpc(e.to_string()))?;
        write_atomic(state_file, &state)?;
    }
    kill(pid);
    let _ = fs::remove_file(pid_file(options));
    Ok(true)
}

/// Stops the devnet without saving, forgets its state and starts it from the pristine snapshot.
pub async fn reset(options: &DevnetOptions) -> Result<Status, DevnetError> {
    if let Some((pid, _)) = running(options) {
        kill(pid);
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

/// A provider and manifest for the running devnet.
pub fn connect(options: &DevnetOptions) -> Result<(DynProvider, Manifest), DevnetError> {
    let (_, port) = running(options).ok_or(DevnetError::NotRunning)?;
    Ok((provider(&url(port))?, manifest(options)?))
}

/// Stops a process: TERM, then KILL after 5 s.
fn kill(pid: u32) {
    let _ = Command::new("kill").arg(pid.to_string()).status();
    for _ in 0..100 {
        if !PathBuf::from(format!("/proc/{pid}")).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}
