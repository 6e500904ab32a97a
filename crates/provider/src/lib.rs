//! Vigil as the Ethereum wallet of every dapp and tool on the machine: an EIP-1193 provider
//! that speaks JSON-RPC over HTTP and WebSocket on 127.0.0.1 (port 1248 by default), for the
//! desktop app and for `vigil provider` without a window.
//!
//! Boundaries: this crate knows the wire (`server`), the protocol (`rpc`) and the methods
//! (`provider`): who is asking, what each caller may see, and reads forwarded to the network
//! with fail-over. What the user approves, and the accounts the wallet has, come from the
//! front-end through [`Approver`] and [`Accounts`]; the connections it granted are kept behind
//! [`Permissions`] (the wallet's database in the app, memory in tests).

mod calls;
mod chains;
pub mod front;
pub mod provider;
pub mod rpc;
pub mod server;
mod signing;
pub mod typed;
pub mod wallet;

pub use calls::MAX_CALLS;
pub use front::{
    Accounts, Approver, Caller, ChainProposal, Chains, MemoryChains, MemoryPermissions,
    Permissions, Signer,
};
pub use provider::{Provider, ProviderEvent, RELAY_PREFIX};
pub use rpc::RpcError;
pub use server::{Bound, DEFAULT_PORT, MAX_BATCH, MAX_REQUEST_BYTES, ServerError};
pub use typed::{Grant, Order, OrderItem, TypedView};
