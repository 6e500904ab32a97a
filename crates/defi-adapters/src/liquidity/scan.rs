//! Finding an owner's Uniswap V4 position NFTs from the PositionManager's Transfer events:
//! V4's PositionManager cannot list them. The scan runs over bounded block ranges that halve
//! when a node refuses a range as too large, and resumes where it stopped.

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
};

use super::{LiquidityError, bindings::IV4PositionManager};
use crate::{ChainClient, Network};

/// Requests one scan may make before it stops and reports how far it got.
const MAX_REQUESTS: u32 = 2_000;
/// The widest range asked for at once; nodes that allow more are asked in these steps.
const MAX_SPAN: u64 = 1_000_000;

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
/// `to`. A node that refuses a range gets half of it, down to a single block; a scan that
/// reaches [`MAX_REQUESTS`] stops early and says where it got to.
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
    let mut scan = LogScan { ids: Vec::new(), next_block: from, requests: 0 };
    let mut span = MAX_SPAN;
    while scan.next_block <= to && scan.requests < MAX_REQUESTS {
        let end = to.min(scan.next_block.saturating_add(span - 1));
        let filter = Filter::new()
            .address(posm)
            .event_signature(
                <IV4PositionManager::Transfer as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
            )
            .topic2(B256::left_padding_from(owner.as_slice()))
            .from_block(scan.next_block)
            .to_block(end);
        scan.requests += 1;
        match client
            .request(|p| {
                let filter = filter.clone();
                async move { p.get_logs(&filter).await }
            })
            .await
        {
            Ok(logs) => {
                for log in logs {
                    if let Some(id) = log.topics().get(3) {
                        let id = U256::from_be_bytes(id.0);
                        if !scan.ids.contains(&id) {
                            scan.ids.push(id);
                        }
                    }
                }
                scan.next_block = end + 1;
                span = span.saturating_mul(2).min(MAX_SPAN);
            }
            Err(_) if span > 1 => span /= 2,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(scan)
}
