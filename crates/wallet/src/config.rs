//! The config file: hand-editable TOML with no secrets in it.

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use vigil_signer::{Chain, DerivationPath};

/// Where Vigil keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Settings, accounts and alert rules (`config.toml`).
    pub config_dir: PathBuf,
    /// The database and other state.
    pub data_dir: PathBuf,
}

impl Paths {
    /// `$VIGIL_HOME/{config,data}` when `VIGIL_HOME` is set (tests, portable installs),
    /// otherwise the platform's directories (`~/.config/vigil`, `~/.local/share/vigil`).
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(home) = std::env::var_os("VIGIL_HOME") {
            return Ok(Self::under(PathBuf::from(home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "vigil").ok_or(ConfigError::NoHome)?;
        Ok(Self { config_dir: dirs.config_dir().into(), data_dir: dirs.data_dir().into() })
    }

    /// Everything below one directory.
    pub fn under(root: PathBuf) -> Self {
        Self { config_dir: root.join("config"), data_dir: root.join("data") }
    }

    /// The config file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

/// An exclusive advisory lock on `config.lock` beside the config, held until the returned file
/// is dropped: one read-change-write of the config at a time across processes.
pub(crate) fn lock_across_processes(paths: &Paths) -> Result<std::fs::File, ConfigError> {
    let path = paths.config_dir.join("config.lock");
    let io = |source| ConfigError::Io { path: path.clone(), source };
    crate::private::dir(&paths.config_dir).map_err(io)?;
    crate::private::touch(&path).map_err(io)?;
    let file = std::fs::OpenOptions::new().write(true).open(&path).map_err(io)?;
    file.lock().map_err(io)?;
    Ok(file)
}

/// Errors reading or writing the config.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No home directory to put the config in.
    #[error("cannot find a home directory for Vigil's files: set HOME or VIGIL_HOME")]
    NoHome,
    /// The file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The file is not valid TOML for Vigil (unknown keys included).
    #[error("{path} is not a valid Vigil config: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
}

/// How an account signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum SignerKind {
    /// Keys derived from the named vault's mnemonic.
    Software {
        /// The vault.
        vault: String,
    },
    /// A Ledger device.
    Ledger,
    /// Watch-only: no key at all.
    Watch,
}

/// One account: where it lives and how it signs. No secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The name shown to the user.
    pub name: String,
    /// The chain family.
    pub chain: Chain,
    /// The address, as written on that chain (EIP-55 or base58).
    pub address: String,
    /// The derivation path, for accounts with a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<DerivationPath>,
    /// How it signs.
    pub signer: SignerKind,
    /// Hidden from the dashboard and the account pickers (still in the wallet, still watched).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl AccountConfig {
    /// Whether this account's key is derived from `vault`.
    pub fn signs_with(&self, vault: &str) -> bool {
        matches!(&self.signer, SignerKind::Software { vault: v } if v == vault)
    }
}

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The accounts, in the order the user sees them.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
    /// Networks added by the user, or built-in ones with the user's own RPC URLs.
    #[serde(default, rename = "network", skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkConfig>,
    /// Token addresses the user pasted, checked on chain and remembered per network.
    #[serde(default, rename = "token", skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<RememberedToken>,
    /// Solana clusters added by the user, or built-in ones with the user's own RPC URLs.
    #[serde(default, rename = "solana_network", skip_serializing_if = "Vec::is_empty")]
    pub solana_networks: Vec<SolanaNetworkConfig>,
    /// Alert rules.
    #[serde(default, skip_serializing_if = "AlertConfig::is_default")]
    pub alerts: AlertConfig,
    /// How Ledger devices are reached.
    #[serde(default, skip_serializing_if = "LedgerConfig::is_default")]
    pub ledger: LedgerConfig,
    /// The user's preferences.
    #[serde(default, skip_serializing_if = "Preferences::is_default")]
    pub preferences: Preferences,
}

/// The user's preferences; every key is optional:
///
/// ```toml
/// [preferences]
/// currency = "USD"          # prices and totals: USD, EUR, GBP, CHF or JPY
/// slippage_percent = 0.5    # the swap slippage tolerance
/// lock_after_secs = 300     # lock the wallet after this long without use (30 s to 24 h)
/// network = "ethereum"      # the network the app and `vigil` act on (the picker sets it)
/// solana_network = "mainnet-beta"  # the Solana cluster they act on
/// provider_port = 1248      # where dapps and tools reach the app on 127.0.0.1 (0: off)
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// The currency prices are shown in.
    pub currency: String,
    /// The default slippage tolerance of swaps, in percent.
    pub slippage_percent: f64,
    /// Inactivity before the wallet locks, in seconds.
    pub lock_after_secs: u64,
    /// The network the user acts on; `None`: [`DEFAULT_NETWORK`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The Solana cluster the user acts on; `None`: [`DEFAULT_SOLANA_NETWORK`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solana_network: Option<String>,
    /// The port on 127.0.0.1 where the app serves dapps and tools as their wallet; 0: off.
    pub provider_port: u16,
}

/// Where the app serves dapps by default (Frame's port, which dapps and tools try).
pub const DEFAULT_PROVIDER_PORT: u16 = 1248;

/// The network a new install acts on: a real one, so that the app works with no devnet.
pub const DEFAULT_NETWORK: &str = "ethereum";
/// The Solana cluster a new install acts on.
pub const DEFAULT_SOLANA_NETWORK: &str = "mainnet-beta";

impl Default for Preferences {
    fn default() -> Self {
        Self {
            currency: "USD".into(),
            slippage_percent: 0.5,
            lock_after_secs: 300,
            network: None,
            solana_network: None,
            provider_port: DEFAULT_PROVIDER_PORT,
        }
    }
}

/// The shortest inactivity before the wallet locks, in seconds.
pub const MIN_LOCK_AFTER_SECS: u64 = 30;
/// The longest: an unlocked wallet left for longer is a wallet anyone at the desk can sign with.
pub const MAX_LOCK_AFTER_SECS: u64 = 3_600;

/// Currencies Vigil shows prices in.
pub const CURRENCIES: [&str; 5] = ["USD", "EUR", "GBP", "CHF", "JPY"];

impl Preferences {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }

    /// Checks every value, saying which is wrong and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if !CURRENCIES.contains(&self.currency.as_str()) {
            return Err(format!(
                "currency '{}' is not supported: use one of {}",
                self.currency,
                CURRENCIES.join(", ")
            ));
        }
        if !(self.slippage_percent > 0.0 && self.slippage_percent <= 50.0) {
            return Err(format!(
                "slippage_percent {} is out of range: use more than 0 and at most 50",
                self.slippage_percent
            ));
        }
        if !(MIN_LOCK_AFTER_SECS..=MAX_LOCK_AFTER_SECS).contains(&self.lock_after_secs) {
            return Err(format!(
                "lock_after_secs {} is out of range: use 30 (half a minute) to 3600 (an hour)",
                self.lock_after_secs
            ));
        }
        Ok(())
    }

    /// Inactivity before the wallet locks.
    pub fn lock_after(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.lock_after_secs)
    }

    /// The network the user acts on.
    pub fn network(&self) -> &str {
        self.network.as_deref().unwrap_or(DEFAULT_NETWORK)
    }

    /// The Solana cluster the user acts on.
    pub fn solana_network(&self) -> &str {
        self.solana_network.as_deref().unwrap_or(DEFAULT_SOLANA_NETWORK)
    }
}

/// How Ledger devices are reached:
///
/// ```toml
/// [ledger]
/// speculos = "127.0.0.1:9999"  # send every Ledger request to Speculos instead of USB
/// ```
///
/// The environment variable `VIGIL_SPECULOS` overrides it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    /// Speculos' APDU socket, `host:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speculos: Option<String>,
}

impl LedgerConfig {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }

    /// Where Ledger requests go: `VIGIL_SPECULOS`, else this setting, else USB.
    pub fn endpoint(&self) -> vigil_signer::ledger::transport::Endpoint {
        vigil_signer::ledger::transport::Endpoint::from_env(self.speculos.as_deref())
    }
}

/// Alert rules; every key is optional:
///
/// ```toml
/// [alerts]
/// networks = ["devnet", "ethereum"]  # watched by the app and `vigil watch` (default: the chosen network)
/// warning = 1.5                      # health factor thresholds
/// critical = 1.2
/// liquidatable = 1.0
/// min_distance = 0.10                # a 10% move against it (collateral down, debt up) liquidates: critical
/// liquidation_probability = 0.05     # a 5% chance of liquidation within 24 hours: warning
/// cooldown_secs = 900                # at most one alert per position per 15 min, escalations aside
/// blind_after_secs = 60              # "monitor blind" after a minute without fresh data
///
/// [[alerts.position]]                # one account's own thresholds
/// account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
/// warning = 1.8
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// The networks to watch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// Thresholds for every position.
    #[serde(flatten)]
    pub levels: LevelConfig,
    /// At most one alert per position in this many seconds, escalations aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_secs: Option<u64>,
    /// Seconds without fresh data before the "monitor blind" alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blind_after_secs: Option<u64>,
    /// Accounts with thresholds of their own.
    #[serde(default, rename = "position", skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<PositionAlertConfig>,
    /// The lowest level that raises a desktop notification (`ok`, `warning`, `critical`,
    /// `liquidatable`); lower alerts stay in the app and its history. Default: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<vigil_notifier::Level>,
}

/// Health-factor thresholds, each optional (the default applies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelConfig {
    /// Below this health factor: warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<f64>,
    /// Below this: critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<f64>,
    /// Below this: liquidatable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidatable: Option<f64>,
    /// A move against the position (collateral down, debt up) smaller than this fraction
    /// liquidates: critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_distance: Option<f64>,
    /// A chance of liquidation within 24 hours above this fraction (0.05: 5%), at the assets'
    /// realized volatility: warning (1: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_probability: Option<f64>,
}

/// One account's own thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionAlertConfig {
    /// The account (EIP-55 or lowercase hex).
    pub account: String,
    /// Its thresholds.
    #[serde(flatten)]
    pub levels: LevelConfig,
}

impl AlertConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The thresholds for every position, checked: `liquidatable < critical < warning`.
    pub fn thresholds(&self) -> Result<vigil_notifier::Thresholds, String> {
        let mut t = self.levels.apply(vigil_notifier::Thresholds::default())?;
        if let Some(c) = self.cooldown_secs {
            t.cooldown_secs = c;
        }
        Ok(t)
    }

    /// The thresholds of each account that has its own.
    pub fn per_account(
        &self,
    ) -> Result<Vec<(alloy::primitives::Address, vigil_notifier::Thresholds)>, String> {
        let base = self.thresholds()?;
        self.positions
            .iter()
            .map(|p| {
                let account = p.account.parse().map_err(|_| {
                    format!("alerts.position account '{}' is not an Ethereum address", p.account)
                })?;
                Ok((account, p.levels.apply(base)?))
            })
            .collect()
    }
}

impl LevelConfig {
    fn apply(
        &self,
        mut t: vigil_notifier::Thresholds,
    ) -> Result<vigil_notifier::Thresholds, String> {
        t.warning = self.warning.unwrap_or(t.warning);
        t.critical = self.critical.unwrap_or(t.critical);
        t.liquidatable = self.liquidatable.unwrap_or(t.liquidatable);
        t.min_distance = self.min_distance.unwrap_or(t.min_distance);
        t.max_liquidation_probability =
            self.liquidation_probability.unwrap_or(t.max_liquidation_probability);
        let ordered = 0.0 < t.liquidatable && t.liquidatable < t.critical && t.critical < t.warning;
        if !ordered || !t.warning.is_finite() {
            return Err(format!(
                "alert thresholds must satisfy 0 < liquidatable < critical < warning; got {} < {} < {}",
                t.liquidatable, t.critical, t.warning
            ));
        }
        if !(0.0..1.0).contains(&t.min_distance) {
            return Err(format!(
                "min_distance must be a fraction below 1 (0.10 is 10%), not {}",
                t.min_distance
            ));
        }
        if !(t.max_liquidation_probability > 0.0 && t.max_liquidation_probability <= 1.0) {
            return Err(format!(
                "liquidation_probability must be a fraction above 0 and at most 1 (0.05 is 5%; 1 turns the rule off), not {}",
                t.max_liquidation_probability
            ));
        }
        Ok(t)
    }
}

/// A network in the config file. A built-in chain id keeps that chain's protocol addresses
/// and tokens unless the entry gives its own; any other chain (a fork, a new L2) gives them
/// here:
///
/// ```toml
/// [[network]]
/// name = "ethereum"
/// chain_id = 1
/// rpc_urls = ["https://my-node.example/rpc", "https://ethereum-rpc.publicnode.com"]
///
/// [[network]]
/// name = "my-chain"
/// chain_id = 4242
/// rpc_urls = ["https://rpc.my-chain.example"]
/// [network.protocols]             # whichever are deployed there
/// weth = "0x…"
/// multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
/// uniswap_v3_factory = "0x…"
/// aave_v3_pool = "0x…"
/// [[network.token]]
/// symbol = "USDC"
/// address = "0x…"
/// decimals = 6
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The name used with `--network`.
    pub name: String,
    /// Its chain id; every RPC URL must serve it.
    pub chain_id: u64,
    /// RPC endpoints, in order of preference.
    pub rpc_urls: Vec<url::Url>,
    /// A WebSocket endpoint, for new blocks as they come (the monitor polls without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_url: Option<url::Url>,
    /// Block explorer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explorer: Option<url::Url>,
    /// The native coin's symbol (default ETH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_symbol: Option<String>,
    /// The protocol contracts on this chain; `None`: the built-in ones for its chain id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols: Option<vigil_defi_adapters::ProtocolAddresses>,
    /// Tokens shown and offered on this network, besides the built-in ones (pasted token
    /// addresses are remembered here once checked).
    #[serde(default, rename = "token", skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<vigil_defi_adapters::KnownToken>,
    /// The most Vigil signs per gas here, in gwei; `None`: the built-in ceiling for the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_gwei: Option<u64>,
    /// Whether signed transactions go to a private submission endpoint rather than the public
    /// mempool; `None`: the built-in choice (Flashbots Protect on Ethereum, none elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_tx: Option<bool>,
    /// The private submission endpoint to use instead of the built-in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_tx_url: Option<url::Url>,
    /// Price feeds' heartbeats in seconds, by the token they price (`"0x…" = 3600`): a feed
    /// silent for longer is stale. Unnamed ones: a day, or the built-in network's figure.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub feed_heartbeats: std::collections::BTreeMap<alloy::primitives::Address, u64>,
}

impl NetworkConfig {
    /// The private submission endpoint this entry chooses, given the built-in one.
    pub fn private_tx_url(&self, builtin: Option<&url::Url>) -> Option<url::Url> {
        match (self.private_tx, &self.private_tx_url) {
            (Some(false), _) => None,
            (_, Some(url)) => Some(url.clone()),
            _ => builtin.cloned(),
        }
    }
}

/// A token the user added on a network (any network, the built-in ones and the devnet
/// included), after Vigil checked its contract:
///
/// ```toml
/// [[token]]
/// network = "ethereum"
/// symbol = "UNI"
/// address = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
/// decimals = 18
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RememberedToken {
    /// The network it is on.
    pub network: String,
    /// Its symbol.
    pub symbol: String,
    /// Its contract.
    pub address: alloy::primitives::Address,
    /// Its decimals.
    pub decimals: u8,
}

impl RememberedToken {
    /// The token as the adapters know tokens.
    pub fn known(&self) -> vigil_defi_adapters::KnownToken {
        vigil_defi_adapters::KnownToken::new(&self.symbol, self.address, self.decimals)
    }
}

/// A Solana cluster in the config file: a built-in name (`mainnet-beta`, `devnet`, `testnet`,
/// `localnet`) with the user's RPC URLs, tried in order.
///
/// ```toml
/// [[solana_network]]
/// name = "mainnet-beta"
/// rpc_urls = ["https://my-solana-node.example", "https://api.mainnet-beta.solana.com"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolanaNetworkConfig {
    /// The cluster.
    pub name: String,
    /// RPC endpoints, in order of preference.
    pub rpc_urls: Vec<url::Url>,
}

impl Config {
    /// Reads the config; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(ConfigError::Io { path: path.into(), source }),
        };
        let mut config: Self = toml::from_str(&text)
            .map_err(|e| ConfigError::Invalid { path: path.into(), message: e.to_string() })?;
        // Earlier versions allowed up to a day: such a config still opens, locking after the
        // longest time allowed now.
        if config.preferences.lock_after_secs > MAX_LOCK_AFTER_SECS {
            tracing::warn!(
                "lock_after_secs {} is above the {MAX_LOCK_AFTER_SECS} allowed: the wallet locks after an hour",
                config.preferences.lock_after_secs
            );
            config.preferences.lock_after_secs = MAX_LOCK_AFTER_SECS;
        }
        config.preferences.validate().map_err(|message| ConfigError::Invalid {
            path: path.into(),
            message: format!("[preferences] {message}"),
        })?;
        Ok(config)
    }

    /// Writes the config atomically (a crash leaves the old file or the new one, never half).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let io_err = |source| ConfigError::Io { path: path.into(), source };
        if let Some(dir) = path.parent() {
            crate::private::dir(dir).map_err(io_err)?;
        }
        let text = toml::to_string_pretty(self)
            .map_err(|e| ConfigError::Invalid { path: path.into(), message: e.to_string() })?;
        // A unique temporary name (two writers never share one), flushed to disk before the
        // rename, so a crash leaves the old file or the new one, never an empty one.
        let tmp = path.with_extension(format!("toml.{}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            // The user's alone: the rename keeps the mode.
            let mut file = crate::private::create(&tmp)?;
            io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        };
        write().map_err(|source| {
            let _ = fs::remove_file(&tmp);
            ConfigError::Io { path: path.into(), source }
        })
    }

    /// The accounts whose keys come from `vault`.
    pub fn vault_accounts<'a>(&'a self, vault: &'a str) -> impl Iterator<Item = &'a AccountConfig> {
        self.accounts.iter().filter(move |a| a.signs_with(vault))
    }

    /// Removes the accounts whose keys come from `vault`.
    pub fn remove_vault_accounts(&mut self, vault: &str) {
        self.accounts.retain(|a| !a.signs_with(vault));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_and_the_database_are_the_users_alone_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let (config_dir, data_dir) = (dir.path().join("config"), dir.path().join("data"));
        // An earlier version's files, readable by everyone.
        fs::create_dir_all(&config_dir).unwrap();
        let file = config_dir.join("config.toml");
        fs::write(&file, "").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(&config_dir, fs::Permissions::from_mode(0o755)).unwrap();

        Config::default().save(&file).unwrap();
        let db_file = data_dir.join("vigil.db");
        let db = crate::db::Database::open(&db_file).unwrap();
        db.journal(None, false, 1).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&config_dir), 0o700);
        assert_eq!(mode(&db_file), 0o600);
        assert_eq!(mode(&data_dir), 0o700);
        for side in ["vigil.db-wal", "vigil.db-shm"] {
            let side = data_dir.join(side);
            if side.exists() {
                assert_eq!(mode(&side), 0o600, "{}", side.display());
            }
        }
    }

    #[test]
    fn alert_rules_parse_validate_and_report_unknown_keys() {
        let c: Config = toml::from_str(
            "[alerts]\nnetworks = [\"devnet\"]\nwarning = 1.8\ncooldown_secs = 60\n\n[[alerts.position]]\naccount = \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"\ncritical = 1.3\n",
        )
        .unwrap();
        let t = c.alerts.thresholds().unwrap();
        assert_eq!((t.warning, t.critical, t.cooldown_secs), (1.8, 1.2, 60));
        let per = c.alerts.per_account().unwrap();
        assert_eq!((per[0].1.warning, per[0].1.critical), (1.8, 1.3));

        let typo = toml::from_str::<Config>("[alerts]\nwarnig = 1.4\n").unwrap_err().to_string();
        assert!(typo.contains("warnig"), "{typo}");
        let typo =
            toml::from_str::<Config>("[[alerts.position]]\naccount = \"0x1\"\ncritcal = 1\n");
        assert!(typo.is_err(), "an unknown key in a position is reported");

        let bad: Config = toml::from_str("[alerts]\ncritical = 1.6\n").unwrap();
        let e = bad.alerts.thresholds().unwrap_err();
        assert!(e.contains("liquidatable < critical < warning"), "{e}");
    }

    #[test]
    fn round_trips_and_reads_a_missing_file_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/config.toml");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let config = Config {
            networks: vec![],
            tokens: vec![],
            solana_networks: vec![],
            accounts: vec![AccountConfig {
                name: "Main".into(),
                chain: Chain::Ethereum,
                address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
                path: Some(DerivationPath::ethereum(0)),
                signer: SignerKind::Software { vault: "default".into() },
                hidden: false,
            }],
            alerts: AlertConfig::default(),
            ledger: LedgerConfig { speculos: Some("127.0.0.1:9999".into()) },
            preferences: Preferences { currency: "EUR".into(), ..Preferences::default() },
        };
        config.save(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("path = \"m/44'/60'/0'/0/0\""), "{text}");
        assert!(text.contains("[ledger]\nspeculos = \"127.0.0.1:9999\""), "{text}");
        assert_eq!(Config::load(&path).unwrap(), config);
    }

    #[test]
    fn preferences_default_and_are_validated_with_what_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "[preferences]\nslippage_percent = 1.0\n").unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.preferences.slippage_percent, 1.0);
        assert_eq!(config.preferences.currency, "USD", "the rest default");
        assert_eq!(config.preferences.lock_after(), std::time::Duration::from_secs(300));
        for (text, want) in [
            ("currency = \"BTC\"", "use one of USD, EUR, GBP, CHF, JPY"),
            ("slippage_percent = 0", "more than 0 and at most 50"),
            ("lock_after_secs = 5", "30 (half a minute) to 3600 (an hour)"),
            ("theme = \"dark\"", "theme"),
        ] {
            fs::write(&path, format!("[preferences]\n{text}\n")).unwrap();
            let err = Config::load(&path).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("config.toml"), "{text}: {err}");
        }
        // A day, as an earlier version allowed: opens, locking after an hour at most.
        fs::write(&path, "[preferences]\nlock_after_secs = 86400\n").unwrap();
        assert_eq!(Config::load(&path).unwrap().preferences.lock_after_secs, 3600);
        let day = Preferences { lock_after_secs: 7200, ..Preferences::default() };
        assert!(day.validate().unwrap_err().contains("3600 (an hour)"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "[[account]]\nname = \"x\"\nchain = \"ethereum\"\naddress = \"0x\"\nsigner = { kind = \"watch\" }\ncolour = \"red\"\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("config.toml") && err.contains("colour"), "{err}");
        fs::write(&path, "[[account]]\nname = \"x\"\nchain = \"bitcoin\"\naddress = \"1\"\nsigner = { kind = \"watch\" }\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("bitcoin"), "{err}");
    }
}
