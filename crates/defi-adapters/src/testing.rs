//! Shared set-up for tests and benchmarks that run against the devnet (foundry-style test
//! utilities): a devnet from the shared snapshot, its network, and a connected client.

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
