//! The typed contract between Vigil's UI (wasm) and its desktop shell.
//!
//! Job: the names of the shell's commands, their request and response types, and the error
//! shape every command returns. Both sides compile these same types, so a renamed field is a
//! compile error rather than a silent `undefined` in the UI; and [`group_thousands`], the one
//! way both sides write amounts. Boundaries: serde and pure functions only, nothing that does
//! not compile to wasm32.

use serde::{Deserialize, Serialize};

/// Command names, as registered by the shell and invoked by the UI.
pub mod commands {
    /// [`crate::AppStatus`] with no arguments.
    pub const APP_STATUS: &str = "app_status";
    /// [`crate::GenerateWalletRequest`] -> [`crate::GeneratedWallet`].
    pub const GENERATE_WALLET: &str = "generate_wallet";
    /// [`crate::ConfirmWalletRequest`] -> [`crate::Home`].
    pub const CONFIRM_WALLET: &str = "confirm_wallet";
    /// [`crate::ImportWalletRequest`] -> [`crate::Home`].
    pub const IMPORT_WALLET: &str = "import_wallet";
    /// No arguments: forget a generated phrase that was not confirmed.
    pub const CANCEL_WALLET: &str = "cancel_wallet";
    /// No arguments -> [`crate::Dashboard`].
    pub const DASHBOARD: &str = "dashboard";
    /// No arguments -> [`crate::LockState`].
    pub const LOCK_STATE: &str = "lock_state";
    /// [`crate::UnlockRequest`] -> [`crate::LockState`].
    pub const UNLOCK: &str = "unlock";
    /// No arguments -> [`crate::LockState`]: drops the unlocked vault now.
    pub const LOCK: &str = "lock";
    /// [`crate::SwapForm`] -> [`crate::SwapQuote`]: the best route as the user types; nothing
    /// is built or kept.
    pub const QUOTE_SWAP: &str = "quote_swap";
    /// [`crate::SwapForm`] -> [`crate::Preview`].
    pub const PREVIEW_SWAP: &str = "preview_swap";
    /// [`crate::LendForm`] -> [`crate::Preview`].
    pub const PREVIEW_LEND: &str = "preview_lend";
    /// [`crate::ReplaceForm`] -> [`crate::Preview`].
    pub const PREVIEW_REPLACE: &str = "preview_replace";
    /// [`crate::SendForm`] -> [`crate::Preview`].
    pub const PREVIEW_SEND: &str = "preview_send";
    /// [`crate::SolanaForm`] -> [`crate::Preview`].
    pub const PREVIEW_SOLANA: &str = "preview_solana";
    /// No arguments -> [`crate::SolanaStaking`].
    pub const SOLANA_STAKES: &str = "solana_stakes";
    /// [`crate::LedgerVerifyRequest`] -> `String` (the address the device showed and the user
    /// approved).
    pub const LEDGER_VERIFY: &str = "ledger_verify";
    /// [`crate::ConfirmRequest`] -> [`crate::Executed`]: signs and sends a preview the shell
    /// made, and nothing else.
    pub const CONFIRM: &str = "confirm";
    /// No arguments -> `Vec<`[`crate::MarketRow`]`>`.
    pub const MARKETS: &str = "markets";
    /// No arguments -> `Vec<`[`crate::ActivityItem`]`>`.
    pub const ACTIVITY: &str = "activity";
    /// No arguments -> [`crate::Alerts`].
    pub const ALERTS: &str = "alerts";
    /// [`crate::RuleForm`] -> [`crate::Alerts`]: sets (or removes) a rule; the watcher restarts.
    pub const SAVE_RULE: &str = "save_rule";
    /// No arguments -> [`crate::LedgerStatus`].
    pub const LEDGER_STATUS: &str = "ledger_status";
    /// [`crate::LedgerAddRequest`] -> [`crate::Account`]: the address is shown on the device.
    pub const LEDGER_ADD: &str = "ledger_add";
    /// No arguments -> [`crate::Settings`].
    pub const SETTINGS: &str = "settings";
    /// [`crate::Settings`] -> [`crate::Settings`].
    pub const SAVE_SETTINGS: &str = "save_settings";
    /// [`crate::RpcTestRequest`] -> [`crate::RpcTest`].
    pub const TEST_RPC: &str = "test_rpc";
    /// No arguments -> [`crate::Networks`]: every network and cluster, and the chosen ones.
    pub const NETWORKS: &str = "networks";
    /// [`crate::SelectNetwork`] -> [`crate::Networks`]: chooses (and remembers) a network.
    pub const SELECT_NETWORK: &str = "select_network";
    /// No arguments -> `Vec<`[`crate::Account`]`>`: every account, hidden ones included.
    pub const ACCOUNTS: &str = "accounts";
    /// [`crate::AddAccountRequest`] -> [`crate::Account`]: the next account of the wallet's
    /// recovery phrase (unlock first).
    pub const ADD_ACCOUNT: &str = "add_account";
    /// [`crate::WatchAccountRequest`] -> [`crate::Account`]: a watch-only address.
    pub const WATCH_ACCOUNT: &str = "watch_account";
    /// [`crate::EditAccountRequest`] -> [`crate::Account`]: renames, hides or shows one.
    pub const EDIT_ACCOUNT: &str = "edit_account";
    /// [`crate::TokensRequest`] -> `Vec<`[`crate::TokenView`]`>`: the tokens of a network
    /// with an account's balances, for the token pickers.
    pub const TOKENS: &str = "tokens";
    /// [`crate::AddTokenRequest`] -> [`crate::TokenView`]: checks a pasted token address on
    /// chain and remembers it for that network.
    pub const ADD_TOKEN: &str = "add_token";

    /// Every command, in one list: the shell registers, declares and grants exactly these.
    pub const ALL: [&str; 35] = [
        APP_STATUS,
        GENERATE_WALLET,
        CONFIRM_WALLET,
        IMPORT_WALLET,
        CANCEL_WALLET,
        DASHBOARD,
        LOCK_STATE,
        UNLOCK,
        LOCK,
        QUOTE_SWAP,
        PREVIEW_SWAP,
        PREVIEW_LEND,
        PREVIEW_REPLACE,
        PREVIEW_SEND,
        PREVIEW_SOLANA,
        SOLANA_STAKES,
        LEDGER_VERIFY,
        CONFIRM,
        MARKETS,
        ACTIVITY,
        ALERTS,
        SAVE_RULE,
        LEDGER_STATUS,
        LEDGER_ADD,
        SETTINGS,
        SAVE_SETTINGS,
        TEST_RPC,
        NETWORKS,
        SELECT_NETWORK,
        ACCOUNTS,
        ADD_ACCOUNT,
        WATCH_ACCOUNT,
        EDIT_ACCOUNT,
        TOKENS,
        ADD_TOKEN,
    ];
}

/// Events the shell sends to the window.
pub mod events {
    /// A monitor event (alerts, blocks), as the notifier serializes it.
    pub const MONITOR: &str = "monitor";
    /// "Open position" was chosen on a notification: the position's key.
    pub const OPEN_POSITION: &str = "open-position";
    /// A signed transaction's progress: [`crate::TxProgress`].
    pub const TX_PROGRESS: &str = "tx-progress";
    /// The wallet locked (timeout or tray): [`crate::LockState`].
    pub const LOCKED: &str = "locked";
}

/// "1234567.891" -> "1,234,567.891": separators in the whole part only, the digits after the
/// point kept exactly (amounts are never rounded by writing them).
pub fn group_thousands(amount: &str) -> String {
    let (sign, rest) = match amount.strip_prefix(['-', '+']) {
        Some(r) => (&amount[..1], r),
        None => ("", amount),
    };
    let (whole, frac) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 8);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A value in `currency` with separators, in the currency's minor unit (none for the yen):
/// "$1,234.56", "1,234.56 EUR", "183,452 JPY".
pub fn money(value: f64, currency: &str) -> String {
    let decimals = if currency == "JPY" { 0 } else { 2 };
    let rounded = format!("{:.decimals$}", value.abs());
    // No "-$0.00": a value that rounds to zero has no sign.
    let sign =
        if value < 0.0 && rounded.bytes().any(|b| matches!(b, b'1'..=b'9')) { "-" } else { "" };
    let text = group_thousands(&rounded);
    match currency {
        "USD" => format!("{sign}${text}"),
        other => format!("{sign}{text} {other}"),
    }
}

/// The user's currency: prices arrive in USD (the lending market's oracle) and are divided by
/// the currency's USD rate (a Chainlink fiat feed).
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    /// The currency code ("EUR").
    pub currency: String,
    /// US dollars per unit of it.
    pub usd_per_unit: f64,
}

impl Money {
    /// US dollars, as they come.
    pub fn usd() -> Self {
        Self { currency: "USD".into(), usd_per_unit: 1.0 }
    }

    /// `usd` in this currency.
    pub fn of(&self, usd: f64) -> f64 {
        usd / self.usd_per_unit
    }

    /// `usd` in this currency, written out: "1,234.56 EUR".
    pub fn show(&self, usd: f64) -> String {
        money(self.of(usd), &self.currency)
    }
}

/// What the UI shows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// Whether a wallet exists (otherwise onboarding is shown).
    pub has_wallet: bool,
}

/// Ask the shell for a new recovery phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateWalletRequest {
    /// 12 or 24.
    pub words: u8,
}

/// The shortest vault password the shell accepts (the UI checks it early, the vault enforces it).
pub const MIN_PASSWORD_LEN: usize = 8;

/// Implements `Debug` without the secret fields.
macro_rules! redacted_debug {
    ($ty:ident) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { [redacted] }"))
            }
        }
    };
}

/// A new recovery phrase to write down; the shell keeps it until it is confirmed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedWallet {
    /// The words, in order.
    pub words: Vec<String>,
    /// 1-based positions of the words the user must type back.
    pub check_positions: Vec<usize>,
}

redacted_debug!(GeneratedWallet);

/// The words typed back at the asked positions, and the new password.
#[derive(Serialize, Deserialize)]
pub struct ConfirmWalletRequest {
    /// The words, in the order of `check_positions`.
    pub answers: Vec<String>,
    /// The vault password.
    pub password: String,
}

redacted_debug!(ConfirmWalletRequest);

/// An existing recovery phrase and the new password.
#[derive(Serialize, Deserialize)]
pub struct ImportWalletRequest {
    /// The recovery phrase.
    pub mnemonic: String,
    /// The vault password.
    pub password: String,
}

redacted_debug!(ImportWalletRequest);

/// A chain family: what kind of address and key an account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    /// Ethereum and every EVM network.
    Ethereum,
    /// Solana.
    Solana,
}

impl Chain {
    /// The name serde gives it ("ethereum"), for CSS classes and ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ethereum => "ethereum",
            Self::Solana => "solana",
        }
    }
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account as shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The name shown.
    pub name: String,
    /// Its chain family.
    pub chain: Chain,
    /// The address as written on its chain.
    pub address: String,
    /// The derivation path.
    pub path: Option<String>,
    /// How it signs (a watch-only account cannot).
    pub signer: SignerKind,
    /// Hidden from the dashboard and the pickers.
    pub hidden: bool,
}

/// Add the next account of the wallet's recovery phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// Its name; `None`: "Ethereum 2" and so on.
    pub name: Option<String>,
}

/// Watch an address without a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The address.
    pub address: String,
    /// Its name; `None`: "Watched N".
    pub name: Option<String>,
}

/// Rename, hide or show an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The account.
    pub address: String,
    /// A new name.
    pub name: Option<String>,
    /// Hide (`true`) or show (`false`) it.
    pub hidden: Option<bool>,
}

/// One network in the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkView {
    /// Its name.
    pub name: String,
    /// Its chain id (EVM networks), when known without asking a node.
    pub chain_id: Option<u64>,
    /// A network on this computer (the devnet, the local validator).
    pub local: bool,
}

/// Every network and cluster the user can act on, and the chosen ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Networks {
    /// EVM networks.
    pub evm: Vec<NetworkView>,
    /// Solana clusters.
    pub solana: Vec<NetworkView>,
    /// The chosen EVM network.
    pub network: String,
    /// The chosen Solana cluster.
    pub solana_network: String,
}

/// Choose the network (or cluster) to act on; remembered across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectNetwork {
    /// The EVM network, if it changes.
    pub network: Option<String>,
    /// The Solana cluster, if it changes.
    pub solana_network: Option<String>,
}

/// What the dashboard shows: one EVM network and one Solana cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRequest {
    /// The EVM network.
    pub network: String,
    /// The Solana cluster.
    pub solana_network: String,
}

/// A request about one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkRequest {
    /// The network.
    pub network: String,
}

/// The tokens a picker offers, with an account's balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensRequest {
    /// The network.
    pub network: String,
    /// The account whose balances are shown; `None`: the first one.
    pub account: Option<String>,
}

/// A token to check on chain and remember for a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddTokenRequest {
    /// The network.
    pub network: String,
    /// The token contract.
    pub address: String,
}

/// A token in a picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Its symbol (what forms send).
    pub symbol: String,
    /// Its contract; `None` for the native coin.
    pub address: Option<String>,
    /// Its decimals.
    pub decimals: u8,
    /// The account's balance in whole units, when it could be read.
    pub balance: Option<String>,
}

/// The stake accounts of one Solana account on one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaStakesRequest {
    /// The cluster.
    pub network: String,
    /// The account; `None`: the first Solana account.
    pub account: Option<String>,
}

/// The home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    /// The accounts.
    pub accounts: Vec<Account>,
}

/// One asset held, as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingView {
    /// The symbol.
    pub symbol: String,
    /// The amount in whole units, exact.
    pub amount: String,
    /// Its value in the user's currency, when a price is known.
    pub value: Option<f64>,
}

/// One account's balances on one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBalances {
    /// The account.
    pub account: Account,
    /// The network.
    pub network: String,
    /// What it holds (empty when `error` is set).
    pub holdings: Vec<HoldingView>,
    /// The total value of the holdings that have a price.
    pub value: Option<f64>,
    /// Why the balances could not be read, and what to do.
    pub error: Option<String>,
}

/// One asset of a lending position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionAssetView {
    /// The symbol.
    pub symbol: String,
    /// Supplied, whole units.
    pub supplied: String,
    /// Owed, whole units.
    pub debt: String,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// The oracle price, in the dashboard's currency.
    pub price: f64,
    /// The price at which this collateral alone liquidates the position, in the dashboard's
    /// currency.
    pub liquidation_price: Option<f64>,
}

/// A health-factor reading for the history chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthPointView {
    /// The block.
    pub block: u64,
    /// When (unix seconds).
    pub at: u64,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
}

/// How close a position is to liquidation, by the alert rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Healthy.
    Ok,
    /// Below the warning threshold.
    Warning,
    /// Below the critical threshold, or close to liquidation.
    Critical,
    /// Anyone can liquidate it now.
    Liquidatable,
}

impl Level {
    /// The name serde gives it ("critical"), for CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Critical => "critical",
            Self::Liquidatable => "liquidatable",
        }
    }
}

/// Where a journaled transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Sent, not yet final.
    Pending,
    /// Final and successful.
    Confirmed,
    /// Final and reverted.
    Failed,
    /// Gone from the network without a replacement.
    Dropped,
    /// Another transaction with its nonce took its place.
    Replaced,
}

impl TxStatus {
    /// The name serde gives it ("pending"), for CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
            Self::Replaced => "replaced",
        }
    }
}

/// A lending position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    /// The key alerts use (`network/aave/0x…`): what "Open position" opens.
    pub key: String,
    /// The protocol ("Aave V3").
    pub protocol: String,
    /// The network.
    pub network: String,
    /// The account.
    pub account: String,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
    /// Its level by the alert rules (the account's own, with the watcher's hysteresis).
    pub level: Level,
    /// Collateral, in the dashboard's currency.
    pub collateral: f64,
    /// Debt, in the dashboard's currency.
    pub debt: f64,
    /// What may still be borrowed, in the dashboard's currency.
    pub available: f64,
    /// The fall of all collateral that liquidates (0.25: 25%).
    pub distance_to_liquidation: Option<f64>,
    /// The assets supplied or borrowed.
    pub assets: Vec<PositionAssetView>,
    /// Health factor per block, oldest first.
    pub history: Vec<HealthPointView>,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The user's currency (values are in it).
    pub currency: String,
    /// The total value of every priced holding and position (collateral minus debt).
    pub total_value: Option<f64>,
    /// Balances per account and network.
    pub balances: Vec<AccountBalances>,
    /// Lending positions.
    pub positions: Vec<PositionView>,
    /// Networks that could not be read, and why.
    pub errors: Vec<String>,
}

/// Whether signing needs the password first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Whether the vault is locked.
    pub locked: bool,
    /// Inactivity before it locks again, seconds.
    pub lock_after_secs: u64,
}

/// Unlock the vault for signing.
#[derive(Serialize, Deserialize)]
pub struct UnlockRequest {
    /// The vault password.
    pub password: String,
}

redacted_debug!(UnlockRequest);

/// A swap as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapForm {
    /// The network it happens on.
    pub network: String,
    /// The account that swaps (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// Sold: a symbol or a token address.
    pub from: String,
    /// Bought.
    pub to: String,
    /// The amount sold, whole units.
    pub amount: String,
    /// Slippage tolerance, percent; `None`: the preference.
    pub slippage_percent: Option<f64>,
}

/// A swap's live quote, shown under the form before any preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapQuote {
    /// What is bought, with separators and the symbol: "2,002.560707 USDC".
    pub receive: String,
    /// The rate: "1 ETH = 2,002.56 USDC".
    pub rate: String,
    /// The route: "Uniswap V3 0.05%".
    pub route: String,
    /// The runner-up route with its amount: "Uniswap V2 (1990.03 USDC)".
    pub runner_up: Option<String>,
    /// The least that arrives at the slippage tolerance.
    pub min_receive: String,
    /// Price impact: "0.02%".
    pub price_impact: Option<String>,
    /// Set when the account holds too little: "holds 0.5 ETH, needs 1".
    pub shortfall: Option<String>,
}

/// A lending action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LendAction {
    /// Supply an asset (it earns interest and can be collateral).
    Supply,
    /// Withdraw what was supplied.
    Withdraw,
    /// Borrow against collateral.
    Borrow,
    /// Repay a debt.
    Repay,
}

impl LendAction {
    /// Every action, in the order a form offers them.
    pub const ALL: [LendAction; 4] = [Self::Supply, Self::Withdraw, Self::Borrow, Self::Repay];

    /// The name serde gives it ("supply").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supply => "supply",
            Self::Withdraw => "withdraw",
            Self::Borrow => "borrow",
            Self::Repay => "repay",
        }
    }
}

/// A lending action as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LendForm {
    /// The network it happens on.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// What to do.
    pub action: LendAction,
    /// The reserve's symbol.
    pub asset: String,
    /// Whole units, or "max".
    pub amount: String,
}

/// A transfer as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendForm {
    /// The network it happens on.
    pub network: String,
    /// The sender (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// The recipient (0x…).
    pub to: String,
    /// The native symbol, a known token's symbol, or a token address.
    pub asset: String,
    /// Whole units.
    pub amount: String,
}

/// A Solana action as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaForm {
    /// The cluster it happens on.
    pub network: String,
    /// The account (base58); `None`: the first Solana account.
    pub account: Option<String>,
    /// "send", "stake", "unstake" or "withdraw".
    pub action: String,
    /// The recipient (send), the validator's vote account (stake) or the stake account.
    pub target: String,
    /// "SOL", a known token's symbol or a mint (send).
    pub asset: String,
    /// Whole units; empty withdraws everything.
    pub amount: String,
}

/// A stake account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeView {
    /// Its address.
    pub address: String,
    /// Its balance, SOL.
    pub sol: String,
    /// "activating", "active", "deactivating" or "inactive".
    pub state: String,
    /// The validator's vote account.
    pub validator: Option<String>,
}

/// The staking screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaStaking {
    /// The account's stake accounts.
    pub stakes: Vec<StakeView>,
    /// Vote accounts of the validators voting now, to delegate to.
    pub validators: Vec<String>,
}

/// Show a Ledger account's address on the device to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerVerifyRequest {
    /// The account's address.
    pub address: String,
}

/// Speed up or cancel a pending transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceForm {
    /// The pending transaction.
    pub hash: String,
    /// Cancel it (a zero-value transfer to oneself) rather than speed it up.
    pub cancel: bool,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Read before signing.
    Warning,
    /// Needs an explicit tick to sign.
    Danger,
}

/// One finding of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingView {
    /// How serious.
    pub severity: Severity,
    /// What it means.
    pub message: String,
}

/// How the account signs, so the UI can ask for the password or point at the Ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerKind {
    /// The vault in the keychain (unlock first).
    Software,
    /// A Ledger (confirm on the device).
    Ledger,
    /// Watch-only: cannot sign.
    Watch,
}

/// A previewed action, kept by the shell until it is confirmed or replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// What `confirm` is called with.
    pub id: u64,
    /// One line ("Swap 1 ETH for USDC").
    pub title: String,
    /// The network.
    pub network: String,
    /// The account.
    pub account: String,
    /// How it signs.
    pub signer: SignerKind,
    /// Facts about the action (route, minimum received, health factor, …) as label and value.
    pub details: Vec<(String, String)>,
    /// The account's balance changes ("-1 ETH", "+2,480.12 USDC").
    pub changes: Vec<String>,
    /// The transactions, in order.
    pub steps: Vec<String>,
    /// The network fee.
    pub fee: String,
    /// The health factor before and after, for lending.
    pub health_factor: Option<(Option<f64>, Option<f64>)>,
    /// Risk findings, most serious first.
    pub findings: Vec<FindingView>,
    /// Whether a danger finding must be ticked before signing.
    pub needs_override: bool,
    /// Why it would fail, when the simulation says so (it cannot be signed).
    pub would_fail: Option<String>,
}

/// Sign and send preview `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmRequest {
    /// The preview.
    pub id: u64,
    /// The user ticked "I understand the risk" for a danger finding.
    pub accept_risk: bool,
}

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executed {
    /// The transactions, in order, final.
    pub hashes: Vec<String>,
}

/// Progress of a confirmed preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxProgress {
    /// The preview.
    pub id: u64,
    /// The step's label.
    pub step: String,
    /// "signing", "sent" or "confirmed".
    pub stage: String,
    /// The transaction, once sent.
    pub hash: Option<String>,
}

/// An Aave reserve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketRow {
    /// The symbol.
    pub symbol: String,
    /// Supply APY (0.03: 3%).
    pub supply_apy: f64,
    /// Borrow APY.
    pub borrow_apy: f64,
    /// The oracle price, in `currency`.
    pub price: f64,
    /// The user's currency.
    pub currency: String,
    /// Whether it can be collateral.
    pub collateral: bool,
    /// Whether it can be borrowed.
    pub borrowable: bool,
}

/// One transaction of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    /// Its hash.
    pub hash: String,
    /// The network.
    pub network: String,
    /// The sender.
    pub account: String,
    /// Its nonce.
    pub nonce: u64,
    /// What it does.
    pub label: String,
    /// Where it stands.
    pub status: TxStatus,
    /// The transaction it replaces.
    pub replaces: Option<String>,
    /// The block.
    pub block: Option<u64>,
    /// When it was signed (unix seconds).
    pub sent_at: u64,
}

/// An alert of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    /// The position's key.
    pub key: String,
    /// The level it reported.
    pub level: Level,
    /// One line.
    pub title: String,
    /// The detail.
    pub body: String,
    /// When (unix seconds).
    pub at: u64,
}

/// Health-factor thresholds of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    /// Whom it applies to: "Every position" or an account.
    pub scope: String,
    /// The account, for an account's own rule.
    pub account: Option<String>,
    /// Warning below this health factor.
    pub warning: f64,
    /// Critical below this.
    pub critical: f64,
}

/// Set the thresholds of every position, or of one account's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleForm {
    /// The account (0x…); `None`: every position.
    pub account: Option<String>,
    /// Warning below this health factor.
    pub warning: f64,
    /// Critical below this.
    pub critical: f64,
    /// Remove the account's own rule (it then follows every position's).
    pub remove: bool,
}

/// The alerts screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alerts {
    /// The rules.
    pub rules: Vec<RuleView>,
    /// The wallet's Ethereum accounts, which can have rules of their own.
    pub accounts: Vec<String>,
    /// The newest alerts first.
    pub history: Vec<AlertView>,
}

/// The Ledger as the app sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerStatus {
    /// The device state, for people ("Ready: Ethereum 1.10.4", "Locked: enter your PIN").
    pub state: String,
    /// Whether an app is open and answering.
    pub ready: bool,
    /// Where it is reached ("USB" or a Speculos address).
    pub endpoint: String,
    /// The doctor's findings about USB access on this machine, each with "ok", "note" or
    /// "problem".
    pub doctor: Vec<(String, String)>,
    /// The wallet's Ledger accounts.
    pub accounts: Vec<Account>,
}

/// Add a Ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAddRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The account index (0 is the first).
    pub index: u32,
}

/// A network's RPC endpoints, and the protocol contracts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSetting {
    /// Its name.
    pub name: String,
    /// Its chain id.
    pub chain_id: u64,
    /// RPC URLs, tried in order.
    pub rpc_urls: Vec<String>,
    /// Protocol contracts by [`PROTOCOL_KEYS`] key, for a chain Vigil has no built-in
    /// addresses for (empty: the built-in ones of its chain id). `weth` and `multicall3` are
    /// required when any is given.
    pub protocols: Vec<(String, String)>,
}

/// The protocol contracts a network can name, as (key, label).
pub const PROTOCOL_KEYS: [(&str, &str); 11] = [
    ("weth", "Wrapped native token (WETH)"),
    ("multicall3", "Multicall3"),
    ("uniswap_v2_router", "Uniswap V2 Router02"),
    ("uniswap_v2_factory", "Uniswap V2 factory"),
    ("uniswap_v3_factory", "Uniswap V3 factory"),
    ("uniswap_v3_quoter_v2", "Uniswap V3 QuoterV2"),
    ("uniswap_v3_swap_router", "Uniswap V3 SwapRouter"),
    ("uniswap_v3_position_manager", "Uniswap V3 position manager"),
    ("aave_v3_addresses_provider", "Aave V3 PoolAddressesProvider"),
    ("aave_v3_pool", "Aave V3 Pool"),
    ("aave_v3_oracle", "Aave V3 oracle"),
];

/// The settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Networks with the user's RPC URLs.
    pub networks: Vec<NetworkSetting>,
    /// Inactivity before locking, seconds.
    pub lock_after_secs: u64,
    /// The currency.
    pub currency: String,
    /// Default swap slippage, percent.
    pub slippage_percent: f64,
    /// The lowest alert level that raises a desktop notification (`Ok`: all).
    pub notify_level: Level,
}

/// Test an RPC URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcTestRequest {
    /// The URL.
    pub url: String,
    /// The chain id it must serve.
    pub chain_id: u64,
}

/// An RPC URL's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcTest {
    /// The chain id it serves.
    pub chain_id: u64,
    /// Its latest block.
    pub block: u64,
    /// How long the answer took, ms.
    pub latency_ms: u64,
}

/// Every command's error: a category the UI can branch on and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened and what to do, for the user.
    pub message: String,
}

/// Categories of [`CommandError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The user's input is invalid (a bad recovery phrase, a short password).
    InvalidInput,
    /// The password is wrong.
    WrongPassword,
    /// The OS keychain is unavailable or locked.
    Keychain,
    /// The vault is locked: unlock it, then try again.
    Locked,
    /// A network could not be reached.
    Network,
    /// The Ledger needs attention (locked, wrong app, rejected).
    Ledger,
    /// Anything else.
    Internal,
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_secrets_never_print_them() {
        let r = ImportWalletRequest { mnemonic: "test junk".into(), password: "hunter2".into() };
        let c = ConfirmWalletRequest { answers: vec!["junk".into()], password: "hunter2".into() };
        let g = GeneratedWallet { words: vec!["junk".into()], check_positions: vec![1] };
        let printed = format!("{r:?} {c:?} {g:?}");
        assert!(!printed.contains("junk") && !printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("ImportWalletRequest"));
    }

    #[test]
    fn thousands_are_grouped_in_the_whole_part_only() {
        assert_eq!(group_thousands("1234567.891234"), "1,234,567.891234");
        assert_eq!(group_thousands("-2480.5"), "-2,480.5");
        assert_eq!(group_thousands("+100"), "+100");
        assert_eq!(group_thousands("1000"), "1,000");
        assert_eq!(group_thousands("100"), "100");
        assert_eq!(group_thousands("0.000001"), "0.000001");
    }

    #[test]
    fn money_has_two_decimals_separators_and_its_currency() {
        assert_eq!(money(1234.5, "USD"), "$1,234.50");
        assert_eq!(money(-3.0, "EUR"), "-3.00 EUR");
        assert_eq!(money(1_234_567.891, "JPY"), "1,234,568 JPY");
        assert_eq!(money(-0.001, "USD"), "$0.00");
        let eur = Money { currency: "EUR".into(), usd_per_unit: 1.25 };
        assert_eq!(eur.show(2500.0), "2,000.00 EUR");
        assert_eq!(Money::usd().show(2500.0), "$2,500.00");
    }

    #[test]
    fn errors_serialize_in_the_shape_the_ui_reads() {
        let e = CommandError { kind: ErrorKind::WrongPassword, message: "wrong".into() };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"wrong_password","message":"wrong"}"#
        );
    }
}
