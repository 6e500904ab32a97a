//! Everything in Vigil that talks to chains and protocols, and never holds a key.
//!
//! Job: RPC clients with fail-over, Multicall3 batching, token metadata and balances,
//! protocol adapters (AMMs, lending, Solana transfers and staking), the simulation that turns
//! a plan into a preview, risk checks, and broadcasting of transactions that were signed
//! elsewhere. Boundaries: no key material ever enters this crate; signing belongs to
//! `vigil-signer`, and joining the two belongs to `vigil-wallet`.
//!
//! The adapters arrive with the EVM and Solana issues; this crate is the place they live.
