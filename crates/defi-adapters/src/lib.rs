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
pub mod approvals;
mod client;
pub mod fiat;
pub mod liquidity;
pub mod logs;
pub mod multicall;
mod network;
pub mod permit2;
pub mod preview;
pub mod simulate;
pub mod solana;
pub mod submit;
pub mod swap;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
pub mod witness;

pub use client::{ChainClient, ClientError, EndpointFailure};
pub use network::{
    BALANCER_VAULT, BalancerPoolRef, DEFAULT_MAX_FEE_GWEI, FLASHBOTS_PROTECT, InsecureTransport,
    KnownToken, Network, PERMIT2, ProtocolAddresses, V3RouterKind, check_transport,
    default_max_fee_gwei, is_loopback, ws_of,
};

/// Names the process's TLS crypto provider (aws-lc-rs). The graph enables two (alloy's HTTP
/// client uses aws-lc-rs, solana's ring), and then rustls cannot pick one by itself: TLS
/// clients that rely on the process default (WebSocket, WebDriver) would panic. Binaries call
/// this first; calling it again does nothing.
pub fn install_tls_provider() {
    // Err means a provider is installed already, which is all that is needed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
