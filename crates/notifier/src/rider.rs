//! Reads that ride along with a monitor's own per-block read.
//!
//! The monitor already makes one JSON-RPC batch per block. Another part of the app that wants
//! the chain's state on every block (the dashboard, while the window shows it) adds its
//! Multicall3 batches to that one instead of sending its own, and takes the answers the
//! monitor got: the same block, no round trip of its own. A rider never makes the monitor
//! fail: when a batch with the riders' calls fails, the monitor reads its own again alone.

use alloy::primitives::{Address, Bytes};

/// Multicall3 batches: `(target, calldata)` per call, one `aggregate3` per inner list.
pub type Batches = Vec<Vec<(Address, Bytes)>>;

/// Something that reads in the monitor's batch.
pub trait Rider: Send + Sync + std::fmt::Debug {
    /// The batches to add to the read of the next block on `network` (empty: none now).
    fn calls(&self, network: &str) -> Batches;

    /// The answers to the batches `calls` returned, read at `block`, in the same order
    /// (`None` where a call reverted).
    fn answers(&self, network: &str, block: u64, answers: Vec<Vec<Option<Bytes>>>);

    /// The monitor looked again and `block` is still the latest: the answers read at it are
    /// still the chain's state.
    fn unchanged(&self, network: &str, block: u64);

    /// The monitor of `network` stopped: nothing it read is followed any more.
    fn stopped(&self, network: &str);
}
