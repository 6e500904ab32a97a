//! Vigil's application core: the one service API used by the desktop shell and the CLI.
//!
//! Job: where data lives (config in the user's config directory, later the SQLite journal in
//! the data directory), which accounts exist and how they sign, and the flows that join the
//! signer to the chain adapters. Boundaries: key material stays inside `vigil-signer` types
//! (zeroized, redacted) and is never written here; chain access belongs to
//! `vigil-defi-adapters`; presentation belongs to the shell, the UI and the CLI.

pub mod actions;
pub mod app;
pub mod config;
pub mod crash;
pub mod db;
pub mod execute;
pub mod liquidity;
pub mod portfolio;
mod private;
pub mod replace;
mod service;
pub mod session;
pub mod watch;

pub use config::{
    AccountConfig, Config, ConfigError, LedgerConfig, NetworkConfig, Paths, Preferences,
    SignerKind, SolanaNetworkConfig,
};
pub use service::{NewWallet, Wallet, WalletError};
