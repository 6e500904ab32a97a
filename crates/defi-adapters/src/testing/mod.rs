//! Shared set-up for tests and benchmarks that run against the devnet (foundry-style test
//! utilities): a devnet from the shared snapshot, its network, and a connected client; and a
//! [`HostileNode`] to put in front of it.

mod hostile;

pub use hostile::{Fault, HostileNode};

use std::path::Path;

use vigil_devnet::{Devnet, DevnetError, DevnetOptions};

use crate::{ChainClient, ClientError, Network};

/// Errors setting up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The devnet did not start.
    #[error(transparent)]
    Devnet(#[from] DevnetError),
    /// The client did not connect.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A devnet started from the snapshot shared under `dir`, its network and a client.
pub async fn devnet(dir: &Path) -> Result<(Devnet, Network, ChainClient), SetupError> {
    let devnet = Devnet::start(DevnetOptions::shared(dir)).await?;
    let url = devnet
        .url()
        .parse()
        .map_err(|e| DevnetError::Rpc(format!("devnet URL {}: {e}", devnet.url())))?;
    let network = Network::devnet(devnet.manifest(), url);
    let client = ChainClient::connect(&network).await?;
    Ok((devnet, network, client))
}

/// Prints a benchmark's p50 and p95 of `times` and its RPC requests per run.
pub fn report(name: &str, mut times: Vec<std::time::Duration>, requests: f64) {
    if times.is_empty() {
        return;
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<40} p50 {:>7.3} ms   p95 {:>7.3} ms   {requests:.0} requests   ({} runs)",
        ms(p(0.5)),
        ms(p(0.95)),
        times.len()
    );
}
