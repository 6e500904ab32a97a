//! Everything in Vigil that talks to chains and protocols, and never holds a key.
//!
//! Job: RPC clients with fail-over ([`ChainClient`]), Multicall3 batching ([`multicall`]),
//! networks and their protocol addresses ([`Network`]); the protocol adapters, the simulation
//! that turns a plan into a preview, risk checks and broadcasting of transactions signed
//! elsewhere build on these. Boundaries: no key material ever enters this crate; signing
//! belongs to `vigil-signer`, and joining the two belongs to `vigil-wallet`.

pub mod aave;
pub mod abi;
pub mod amount;
mod client;
pub mod liquidity;
pub mod multicall;
mod network;
pub mod preview;
pub mod simulate;
pub mod solana;
pub mod submit;
pub mod swap;
pub mod testing;

pub use client::{ChainClient, ClientError, EndpointFailure};
pub use network::{KnownToken, Network, ProtocolAddresses, ws_of};
