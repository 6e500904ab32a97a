//! The commands the UI may call: each takes its request, calls one service of the wallet's
//! `AppService`, and returns its answer (worded for the window by [`crate::view`] where the
//! core returns data). Blocking work (Argon2, the keychain, the database)
//! runs off the main thread. What follows from a command (the watcher restarting on a config
//! change, the window told of a lock) follows the core's events, in `main.rs`.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, State};
use vigil_api::{
    Account, ActivityItem, AddAccountRequest, AddTokenRequest, Alerts, AppStatus, CommandError,
    ConfirmRequest, ConfirmWalletRequest, DappAnswer, Dashboard, DashboardRequest,
    EditAccountRequest, ErrorKind, Executed, GenerateWalletRequest, GeneratedWallet, Home,
    ImportWalletRequest, LedgerAddRequest, LedgerStatus, LedgerVerifyRequest, LendForm,
    LiquidityForm, LiquidityPoolView, LiquidityPoolsRequest, LiquidityPositions, LiquidityRequest,
    LockState, MarketRow, NetworkRequest, Networks, Preview, ProtectForm, ProviderStatus,
    ReplaceForm, RevokeDappRequest, RpcTest, RpcTestRequest, SelectNetwork, SendForm, Settings,
    SolanaForm, SolanaStakesRequest, SolanaStaking, SwapForm, SwapQuote, TokenView, TokensRequest,
    UnlockRequest, WatchAccountRequest, events,
};
use vigil_signer::{Password, vault::OsKeychain};
use vigil_wallet::app::AppService;

use crate::{dapps::Dapps, view};

type CommandResult<T> = Result<T, CommandError>;

/// State shared by the commands.
pub(crate) struct AppState {
    pub(crate) service: Arc<AppService<OsKeychain>>,
}

impl AppState {
    pub(crate) fn new(service: AppService<OsKeychain>) -> Self {
        Self { service: Arc::new(service) }
    }
}

/// Runs blocking wallet work off the main thread.
async fn blocking<T: Send + 'static>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&AppService<OsKeychain>) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let service = state.service.clone();
    tauri::async_runtime::spawn_blocking(move || f(&service)).await.map_err(|e| CommandError {
        kind: ErrorKind::Internal,
        message: format!("background task failed: {e}"),
    })?
}

/// Whether a wallet exists yet.
#[tauri::command]
pub(crate) async fn app_status(state: State<'_, AppState>) -> CommandResult<AppStatus> {
    let has_wallet = blocking(&state, |s| s.has_wallet()).await?;
    Ok(AppStatus { has_wallet })
}

/// Generates a phrase to write down and picks the words to ask back.
#[tauri::command]
pub(crate) async fn generate_wallet(
    state: State<'_, AppState>,
    request: GenerateWalletRequest,
) -> CommandResult<GeneratedWallet> {
    state.service.generate_wallet(request.words)
}

/// Checks the words typed back, then stores the generated phrase under the password.
#[tauri::command]
pub(crate) async fn confirm_wallet(
    state: State<'_, AppState>,
    request: ConfirmWalletRequest,
) -> CommandResult<Home> {
    let answers = zeroize::Zeroizing::new(request.answers);
    let password = Password::new(request.password);
    let stored = blocking(&state, move |s| s.confirm_wallet(answers, &password)).await;
    stored.map(|accounts| Home { accounts })
}

/// Forgets a generated phrase the user walked away from.
#[tauri::command]
pub(crate) async fn cancel_wallet(state: State<'_, AppState>) -> CommandResult<()> {
    state.service.cancel_wallet();
    Ok(())
}

/// Imports an existing phrase under the password.
#[tauri::command]
pub(crate) async fn import_wallet(
    state: State<'_, AppState>,
    request: ImportWalletRequest,
) -> CommandResult<Home> {
    // The typed phrase is wiped from memory once parsed.
    let phrase = zeroize::Zeroizing::new(request.mnemonic);
    let password = Password::new(request.password);
    let stored = blocking(&state, move |s| s.import_wallet(phrase, &password)).await;
    stored.map(|accounts| Home { accounts })
}

/// Balances and positions on the chosen network and cluster.
#[tauri::command]
pub(crate) async fn dashboard(
    state: State<'_, AppState>,
    request: DashboardRequest,
) -> CommandResult<Dashboard> {
    state.service.dashboard(&request).await
}

/// Whether signing needs the password.
#[tauri::command]
pub(crate) async fn lock_state(state: State<'_, AppState>) -> CommandResult<LockState> {
    Ok(state.service.lock_state())
}

/// Unlocks the vault for signing until the session locks.
#[tauri::command]
pub(crate) async fn unlock(
    state: State<'_, AppState>,
    request: UnlockRequest,
) -> CommandResult<LockState> {
    let password = Password::new(request.password);
    blocking(&state, move |s| s.unlock(&password)).await
}

/// Locks now.
#[tauri::command]
pub(crate) async fn lock(state: State<'_, AppState>) -> CommandResult<LockState> {
    Ok(state.service.lock())
}

/// Quotes a swap as the user types it.
#[tauri::command]
pub(crate) async fn quote_swap(
    state: State<'_, AppState>,
    request: SwapForm,
) -> CommandResult<SwapQuote> {
    state.service.quote_swap(&request).await.map(view::swap_quote)
}

/// Previews a swap.
#[tauri::command]
pub(crate) async fn preview_swap(
    state: State<'_, AppState>,
    request: SwapForm,
) -> CommandResult<Preview> {
    state.service.preview_swap(&request).await.map(view::preview)
}

/// Previews a lending action.
#[tauri::command]
pub(crate) async fn preview_lend(
    state: State<'_, AppState>,
    request: LendForm,
) -> CommandResult<Preview> {
    state.service.preview_lend(&request).await.map(view::preview)
}

/// An account's liquidity positions, valued.
#[tauri::command]
pub(crate) async fn liquidity_positions(
    state: State<'_, AppState>,
    request: LiquidityRequest,
) -> CommandResult<LiquidityPositions> {
    state.service.liquidity_positions(&request).await
}

/// The pools between two tokens.
#[tauri::command]
pub(crate) async fn liquidity_pools(
    state: State<'_, AppState>,
    request: LiquidityPoolsRequest,
) -> CommandResult<Vec<LiquidityPoolView>> {
    state.service.liquidity_pools(&request).await
}

/// Previews adding liquidity, removing it or collecting fees.
#[tauri::command]
pub(crate) async fn preview_liquidity(
    state: State<'_, AppState>,
    request: LiquidityForm,
) -> CommandResult<Preview> {
    state.service.preview_liquidity(&request).await.map(view::preview)
}

/// Previews "Reduce risk": the plan back to a target health factor.
#[tauri::command]
pub(crate) async fn preview_protect(
    state: State<'_, AppState>,
    request: ProtectForm,
) -> CommandResult<Preview> {
    state.service.preview_protect(&request).await.map(view::preview)
}

/// Previews a speed-up or cancel.
#[tauri::command]
pub(crate) async fn preview_replace(
    state: State<'_, AppState>,
    request: ReplaceForm,
) -> CommandResult<Preview> {
    state.service.preview_replace(&request).await.map(view::preview)
}

/// Previews a transfer.
#[tauri::command]
pub(crate) async fn preview_send(
    state: State<'_, AppState>,
    request: SendForm,
) -> CommandResult<Preview> {
    state.service.preview_send(&request).await.map(view::preview)
}

/// Previews a Solana transfer or staking action.
#[tauri::command]
pub(crate) async fn preview_solana(
    state: State<'_, AppState>,
    request: SolanaForm,
) -> CommandResult<Preview> {
    state.service.preview_solana(&request).await.map(view::preview)
}

/// A Solana account's stake accounts.
#[tauri::command]
pub(crate) async fn solana_stakes(
    state: State<'_, AppState>,
    request: SolanaStakesRequest,
) -> CommandResult<SolanaStaking> {
    state.service.solana_stakes(&request).await
}

/// The Ledger's state, the USB doctor and the Ledger accounts.
#[tauri::command]
pub(crate) async fn ledger_status(state: State<'_, AppState>) -> CommandResult<LedgerStatus> {
    state.service.ledger_status().await
}

/// Adds a Ledger account once its address is approved on the device.
#[tauri::command]
pub(crate) async fn ledger_add(
    state: State<'_, AppState>,
    request: LedgerAddRequest,
) -> CommandResult<Account> {
    state.service.ledger_add(request.chain, request.index).await
}

/// Shows a Ledger account's address on the device.
#[tauri::command]
pub(crate) async fn ledger_verify(
    state: State<'_, AppState>,
    request: LedgerVerifyRequest,
) -> CommandResult<String> {
    state.service.ledger_verify(&request.address).await
}

/// Signs and sends a preview the shell made; progress goes out as `tx-progress` events.
#[tauri::command]
pub(crate) async fn confirm(
    app: AppHandle,
    state: State<'_, AppState>,
    request: ConfirmRequest,
) -> CommandResult<Executed> {
    let emitter = app.clone();
    state
        .service
        .confirm(request.id, request.accept_risk, move |p| {
            let _ = emitter.emit(events::TX_PROGRESS, p);
        })
        .await
}

/// The Aave market of a network.
#[tauri::command]
pub(crate) async fn markets(
    state: State<'_, AppState>,
    request: NetworkRequest,
) -> CommandResult<Vec<MarketRow>> {
    state.service.markets(&request).await
}

/// The transaction journal.
#[tauri::command]
pub(crate) async fn activity(state: State<'_, AppState>) -> CommandResult<Vec<ActivityItem>> {
    blocking(&state, |s| s.activity()).await
}

/// Alert rules and history.
#[tauri::command]
pub(crate) async fn alerts(state: State<'_, AppState>) -> CommandResult<Alerts> {
    blocking(&state, |s| s.alerts()).await
}

/// Sets an alert rule.
#[tauri::command]
pub(crate) async fn save_rule(
    state: State<'_, AppState>,
    request: vigil_api::RuleForm,
) -> CommandResult<Alerts> {
    blocking(&state, move |s| s.save_rule(&request)).await
}

/// The settings.
#[tauri::command]
pub(crate) async fn settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    blocking(&state, |s| s.settings()).await
}

/// Saves the settings.
#[tauri::command]
pub(crate) async fn save_settings(
    state: State<'_, AppState>,
    request: Settings,
) -> CommandResult<Settings> {
    blocking(&state, move |s| s.save_settings(&request)).await
}

/// Tests an RPC URL.
#[tauri::command]
pub(crate) async fn test_rpc(
    state: State<'_, AppState>,
    request: RpcTestRequest,
) -> CommandResult<RpcTest> {
    state.service.test_rpc(&request.url, request.chain_id).await
}

/// Every network and cluster, and the chosen ones.
#[tauri::command]
pub(crate) async fn networks(state: State<'_, AppState>) -> CommandResult<Networks> {
    blocking(&state, |s| s.networks()).await
}

/// Chooses the network (or cluster) to act on; the watcher follows it.
#[tauri::command]
pub(crate) async fn select_network(
    state: State<'_, AppState>,
    dapps: State<'_, Dapps>,
    request: SelectNetwork,
) -> CommandResult<Networks> {
    let networks = blocking(&state, move |s| s.select_network(&request)).await?;
    // Dapps that follow the selection hear the new chain.
    let chain_id =
        networks.evm.iter().find(|n| n.name == networks.network).and_then(|n| n.chain_id);
    dapps.selection_changed(chain_id);
    Ok(networks)
}

/// Every account.
#[tauri::command]
pub(crate) async fn accounts(state: State<'_, AppState>) -> CommandResult<Vec<Account>> {
    blocking(&state, |s| s.accounts()).await
}

/// Adds the next account of the recovery phrase.
#[tauri::command]
pub(crate) async fn add_account(
    state: State<'_, AppState>,
    request: AddAccountRequest,
) -> CommandResult<Account> {
    blocking(&state, move |s| s.add_account(&request)).await
}

/// Adds a watch-only address.
#[tauri::command]
pub(crate) async fn watch_account(
    state: State<'_, AppState>,
    request: WatchAccountRequest,
) -> CommandResult<Account> {
    blocking(&state, move |s| s.watch_account(&request)).await
}

/// Renames, hides or shows an account.
#[tauri::command]
pub(crate) async fn edit_account(
    state: State<'_, AppState>,
    request: EditAccountRequest,
) -> CommandResult<Account> {
    blocking(&state, move |s| s.edit_account(&request)).await
}

/// A network's tokens with an account's balances.
#[tauri::command]
pub(crate) async fn tokens(
    state: State<'_, AppState>,
    request: TokensRequest,
) -> CommandResult<Vec<TokenView>> {
    state.service.tokens(&request).await
}

/// Checks a pasted token address and remembers it.
#[tauri::command]
pub(crate) async fn add_token(
    state: State<'_, AppState>,
    request: AddTokenRequest,
) -> CommandResult<TokenView> {
    state.service.add_token(&request).await
}

/// The user's answer to a dapp's request.
#[tauri::command]
pub(crate) async fn answer_dapp(dapps: State<'_, Dapps>, request: DappAnswer) -> CommandResult<()> {
    if dapps.answer(request) {
        Ok(())
    } else {
        Err(CommandError {
            kind: ErrorKind::InvalidInput,
            message: "this request is no longer waiting: the dapp gave up or it timed out".into(),
        })
    }
}

/// Where dapps reach Vigil, who is connected, and what waits for the user.
#[tauri::command]
pub(crate) async fn provider_status(
    state: State<'_, AppState>,
    dapps: State<'_, Dapps>,
) -> CommandResult<ProviderStatus> {
    dapps.status(&state.service)
}

/// Disconnects a dapp.
#[tauri::command]
pub(crate) async fn revoke_dapp(
    state: State<'_, AppState>,
    dapps: State<'_, Dapps>,
    request: RevokeDappRequest,
) -> CommandResult<ProviderStatus> {
    dapps.revoke(&request.caller);
    dapps.status(&state.service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ui_checks_the_same_password_length_as_the_vault() {
        assert_eq!(vigil_api::MIN_PASSWORD_LEN, vigil_signer::vault::MIN_PASSWORD_LEN);
    }

    /// The window is granted exactly the commands the API names: no more, none missing.
    #[test]
    fn the_capabilities_grant_every_command_and_nothing_else() {
        let text = include_str!("../capabilities/main.json");
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut granted: Vec<String> = json["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_owned))
            .collect();
        let mut wanted: Vec<String> =
            vigil_api::commands::ALL.iter().map(|c| c.replace('_', "-")).collect();
        granted.sort();
        wanted.sort();
        assert_eq!(granted, wanted);
        let mut unique = vigil_api::commands::ALL.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), vigil_api::commands::ALL.len(), "a command listed twice");
    }
}
