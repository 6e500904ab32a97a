//! Command names, as registered by the shell and invoked by the UI.

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
/// [`crate::ProtectForm`] -> [`crate::Preview`]: the plan back to a target health factor.
pub const PREVIEW_PROTECT: &str = "preview_protect";
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
/// [`crate::DappAnswer`]: the user's answer to a [`crate::DappRequest`].
pub const ANSWER_DAPP: &str = "answer_dapp";
/// No arguments -> [`crate::ProviderStatus`]: where dapps reach Vigil, and who is connected.
pub const PROVIDER_STATUS: &str = "provider_status";
/// [`crate::RevokeDappRequest`] -> [`crate::ProviderStatus`]: disconnects a dapp.
pub const REVOKE_DAPP: &str = "revoke_dapp";
/// [`crate::LiquidityRequest`] -> [`crate::LiquidityPositions`].
pub const LIQUIDITY_POSITIONS: &str = "liquidity_positions";
/// [`crate::LiquidityPoolsRequest`] -> `Vec<`[`crate::LiquidityPoolView`]`>`: the pools
/// between two tokens on every venue.
pub const LIQUIDITY_POOLS: &str = "liquidity_pools";
/// [`crate::LiquidityForm`] -> [`crate::Preview`].
pub const PREVIEW_LIQUIDITY: &str = "preview_liquidity";

/// Every command, in one list: the shell registers, declares and grants exactly these.
pub const ALL: [&str; 42] = [
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
    PREVIEW_PROTECT,
    LIQUIDITY_POSITIONS,
    LIQUIDITY_POOLS,
    PREVIEW_LIQUIDITY,
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
    ANSWER_DAPP,
    PROVIDER_STATUS,
    REVOKE_DAPP,
];
