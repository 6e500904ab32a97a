//! A local Ethereum devnet with the real Uniswap and Aave contracts, for tests and demos.
//!
//! Job: start anvil (from the project's pinned npm package) on loopback, deploy the
//! protocols' own bytecode from their npm packages, fund demo accounts, save and load a
//! state snapshot, and move oracle prices on demand. Boundaries: it is never used against a
//! public network, and nothing in the shipped wallet depends on it except as the default
//! network the user can switch away from.
//!
//! The deployment arrives with the devnet issue; this crate is the place it lives.
