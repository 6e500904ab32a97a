//! Reading a contract's events over a long stretch of blocks: bounded block ranges that halve
//! when a node refuses one as too large (every provider has its own limit), at most a set
//! number of requests per call, and a cursor to resume from.

use alloy::{
    providers::Provider,
    rpc::types::{Filter, Log},
};

use crate::{ChainClient, ClientError};

/// The widest range asked for at once; nodes that allow more are asked in these steps.
const MAX_SPAN: u64 = 1_000_000;

/// What a scan found and where the next one starts.
#[derive(Debug, Clone, Default)]
pub struct LogScan {
    /// The matching logs, oldest first.
    pub logs: Vec<Log>,
    /// The first block not scanned yet.
    pub next_block: u64,
    /// `eth_getLogs` requests made.
    pub requests: u32,
}

/// The logs matching `filter` (its block range is set here) from block `from` to `to`. A node
/// that refuses a range gets half of it, down to a single block; after `max_requests` the scan
/// stops and says where it got to.
pub async fn scan(
    client: &ChainClient,
    filter: &Filter,
    from: u64,
    to: u64,
    max_requests: u32,
) -> Result<LogScan, ClientError> {
    let mut scan = LogScan { logs: Vec::new(), next_block: from, requests: 0 };
    let mut span = MAX_SPAN;
    while scan.next_block <= to && scan.requests < max_requests {
        let end = to.min(scan.next_block.saturating_add(span - 1));
        let ranged = filter.clone().from_block(scan.next_block).to_block(end);
        scan.requests += 1;
        let answer = client
            .request(|p| {
                let ranged = ranged.clone();
                async move { p.get_logs(&ranged).await }
            })
            .await;
        match answer {
            Ok(logs) => {
                scan.logs.extend(logs);
                scan.next_block = end + 1;
                span = span.saturating_mul(2).min(MAX_SPAN);
            }
            Err(_) if span > 1 => span /= 2,
            Err(e) => return Err(e),
        }
    }
    Ok(scan)
}
