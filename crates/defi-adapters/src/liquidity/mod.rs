//! Liquidity provision: the pools between two tokens on every venue ([`find_pools`]), an
//! account's positions with what they hold, their range and uncollected fees
//! ([`fetch_positions`]), and the plans that add, remove and collect ([`plan`]), previewed like
//! every other action. The notifier's per-block range checks are in [`range`].
//!
//! Boundaries: amounts and prices here are raw token units; pricing in the user's currency and
//! wording belong to the wallet and the front-ends.

pub mod bindings;
pub mod math;
mod plan;
mod pools;
mod positions;
pub mod range;
mod scan;
mod value;

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes},
    sol_types::SolCall,
};

pub use plan::{
    LiquidityAction, LiquidityPlan, LiquidityRequest, RangeChoice, plan, preview_liquidity,
};
pub use pools::{Pool, PoolRef, Protocol, find_pools, v3_tick_spacing, v4_pool_id};
pub use positions::{Position, fetch_positions as fetch_all, pair_candidates};
pub use range::{
    LiquidityPosition, RangePool, decode_ticks, fetch_positions, fetch_v4_positions, tick_calls,
};
pub use scan::{LogScan, owned_v4_ids};
pub use value::{price_through_pools, usd_prices, value_of};

use crate::{ChainClient, ClientError, multicall};

/// Errors reading liquidity positions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiquidityError {
    /// The network has no deployment of the protocol.
    #[error(
        "{network} has no {protocol} deployment known to Vigil: add its addresses to the network"
    )]
    NotDeployed {
        /// The network.
        network: String,
        /// The protocol.
        protocol: &'static str,
    },
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A contract answered something that does not decode.
    #[error("unexpected answer from {0}")]
    Decode(String),
    /// The request cannot be planned as given.
    #[error("{0}")]
    Invalid(String),
}

/// Calls gathered for one Multicall3 round trip, each remembered by its index.
#[derive(Default)]
pub(crate) struct Batch {
    calls: Vec<(Address, Bytes)>,
}

/// Calls per `aggregate3`, under the gas cap nodes put on an `eth_call`.
const CALLS_PER_AGGREGATE: usize = 150;

impl Batch {
    /// Adds `call` to `to`; its answer is at the returned index.
    pub(crate) fn push<C: SolCall>(&mut self, to: Address, call: &C) -> usize {
        self.calls.push((to, Bytes::from(call.abi_encode())));
        self.calls.len() - 1
    }

    /// Sends every call at `block` in one JSON-RPC batch of `aggregate3` calls.
    pub(crate) async fn send(
        self,
        client: &ChainClient,
        multicall3: Address,
        block: BlockId,
    ) -> Result<Answers, ClientError> {
        if self.calls.is_empty() {
            return Ok(Answers(Vec::new()));
        }
        let chunks: Vec<Vec<(Address, Bytes)>> =
            self.calls.chunks(CALLS_PER_AGGREGATE).map(<[_]>::to_vec).collect();
        let answers = multicall::aggregate_batch(client, multicall3, chunks, block).await?;
        Ok(Answers(answers.into_iter().flatten().collect()))
    }
}

/// The answers to a [`Batch`], by index.
pub(crate) struct Answers(Vec<Option<Bytes>>);

impl Answers {
    /// The decoded answer at `i`, or `None` where the call reverted or does not decode.
    pub(crate) fn get<C: SolCall>(&self, i: usize) -> Option<C::Return> {
        self.0.get(i)?.as_ref().and_then(|d| C::abi_decode_returns(d).ok())
    }
}
