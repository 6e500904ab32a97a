//! Finding an owner's Uniswap V4 position NFTs from the PositionManager's Transfer events:
//! V4's PositionManager cannot list them. The scan is resumable ([`crate::logs`]).

use alloy::{
    primitives::{Address, B256, U256},
    rpc::types::Filter,
};

use super::{LiquidityError, bindings::IV4PositionManager};
use crate::{ChainClient, Network, logs};

/// Requests one scan may make before it stops and reports how far it got.
const MAX_REQUESTS: u32 = 2_000;

/// What a scan found and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogScan {
    /// Position ids transferred to the owner in the scanned blocks.
    pub ids: Vec<U256>,
    /// The first block not scanned yet.
    pub next_block: u64,
    /// `eth_getLogs` requests made.
    pub requests: u32,
}

/// The ids of V4 positions transferred to `owner` (minted or received) from block `from` to
/// `to`.
pub async fn owned_v4_ids(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    from: u64,
    to: u64,
) -> Result<LogScan, LiquidityError> {
    let Some(posm) = network.protocols.uniswap_v4_position_manager else {
        return Err(LiquidityError::NotDeployed {
            network: network.name.clone(),
            protocol: "Uniswap V4",
        });
    };
    let filter = Filter::new()
        .address(posm)
        .event_signature(
            <IV4PositionManager::Transfer as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
        )
        .topic2(B256::left_padding_from(owner.as_slice()));
    let found = logs::scan(client, &filter, from, to, MAX_REQUESTS).await?;
    let mut ids = Vec::new();
    for log in &found.logs {
        if let Some(id) = log.topics().get(3) {
            let id = U256::from_be_bytes(id.0);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(LogScan { ids, next_block: found.next_block, requests: found.requests })
}
