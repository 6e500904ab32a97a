//! The commands the UI may call. Each converts IPC types, calls the wallet, maps errors.

use std::sync::{Arc, Mutex};

use rand_core::{OsRng, RngCore};
use tauri::State;
use tauri::{AppHandle, Emitter};
use vigil_api::{
    Account, ActivityItem, Alerts, AppStatus, CommandError, ConfirmRequest, ConfirmWalletRequest,
    Dashboard, ErrorKind, Executed, GenerateWalletRequest, GeneratedWallet, Home,
    ImportWalletRequest, LedgerAddRequest, LedgerStatus, LedgerVerifyRequest, LendForm, LockState,
    MarketRow, Preview, ReplaceForm, RpcTest, RpcTestRequest, SendForm, Settings, SolanaForm,
    SolanaStaking, SwapForm, SwapQuote, UnlockRequest, events,
};
use vigil_signer::{Mnemonic, MnemonicError, Password, WordCount, vault::OsKeychain};
use vigil_wallet::{
    Wallet, WalletError,
    app::{APP_VAULT as VAULT, AppService, wallet_error as error},
};
/// How many words the user types back to prove they wrote the phrase down.
const WORDS_TO_CHECK: usize = 3;

type CommandResult<T> = Result<T, CommandError>;

/// A generated phrase waiting for the user to confirm it.
struct Pending {
    mnemonic: Mnemonic,
    check_positions: Vec<usize>,
}

/// State shared by the commands.
pub(crate) struct AppState {
    pub(crate) service: Arc<AppService<OsKeychain>>,
    wallet: Arc<Wallet<OsKeychain>>,
    pending: Mutex<Option<Pending>>,
}

impl AppState {
    pub(crate) fn new(service: AppService<OsKeychain>) -> Self {
        let wallet = service.wallet().clone();
        Self { service: Arc::new(service), wallet, pending: Mutex::new(None) }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<Pending>> {
        // The guarded value is replaced whole, never left half-written: recover from poison.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError { kind: ErrorKind::InvalidInput, message: message.into() }
}

/// Runs blocking wallet work (Argon2, D-Bus) off the main thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| CommandError {
        kind: ErrorKind::Internal,
        message: format!("background task failed: {e}"),
    })?
}

fn home_of(wallet: &Wallet<OsKeychain>) -> CommandResult<Home> {
    let config = wallet.config().map_err(error)?;
    Ok(Home {
        accounts: config
            .accounts
            .into_iter()
            .map(|a| Account {
                name: a.name,
                chain: a.chain.to_string(),
                address: a.address,
                path: a.path.map(|p| p.to_string()),
            })
            .collect(),
    })
}

/// Whether a wallet exists yet.
#[tauri::command]
pub(crate) async fn app_status(state: State<'_, AppState>) -> CommandResult<AppStatus> {
    let wallet = state.wallet.clone();
    let has_wallet =
        blocking(move || Ok(!wallet.config().map_err(error)?.accounts.is_empty())).await?;
    Ok(AppStatus { has_wallet })
}

/// Generates a phrase to write down and picks the words to ask back.
#[tauri::command]
pub(crate) async fn generate_wallet(
    state: State<'_, AppState>,
    request: GenerateWalletRequest,
) -> CommandResult<GeneratedWallet> {
    let words = WordCount::try_from(usize::from(request.words))
        .map_err(|_| invalid("a new wallet has 12 or 24 words"))?;
    let mnemonic = state.wallet.generate(words).mnemonic;
    let check_positions = pick_positions(mnemonic.word_count(), WORDS_TO_CHECK);
    let shown = GeneratedWallet {
        words: mnemonic.words().into_iter().map(str::to_owned).collect(),
        check_positions: check_positions.clone(),
    };
    *state.pending() = Some(Pending { mnemonic, check_positions });
    Ok(shown)
}

/// `count` distinct 1-based positions in `1..=n`, in increasing order.
fn pick_positions(n: usize, count: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count.min(n) {
        // Modulo bias over u32 for n <= 24 is below 1e-8: irrelevant for a typing check.
        let p = (OsRng.next_u32() as usize % n) + 1;
        if !picked.contains(&p) {
            picked.push(p);
        }
    }
    picked.sort_unstable();
    picked
}

/// Checks the words typed back, then stores the generated phrase under the password.
#[tauri::command]
pub(crate) async fn confirm_wallet(
    app: AppHandle,
    state: State<'_, AppState>,
    request: ConfirmWalletRequest,
) -> CommandResult<Home> {
    let answers = zeroize::Zeroizing::new(request.answers);
    let password = Password::new(request.password);
    // Taken out while it is being stored, so a concurrent generate cannot be overwritten by
    // this confirmation; put back on any failure so the user can correct and retry.
    let pending = state
        .pending()
        .take()
        .ok_or_else(|| invalid("no new wallet is waiting for confirmation: start again"))?;
    if let Err(e) = check_answers(&pending, &answers) {
        state.pending().get_or_insert(pending);
        return Err(e);
    }
    let service = state.service.clone();
    let mnemonic = pending.mnemonic.clone();
    let stored = blocking(move || store(&service, &mnemonic, &password)).await;
    if stored.is_err() {
        state.pending().get_or_insert(pending);
    } else {
        crate::watcher::restart(&app);
    }
    stored
}

/// Stores `mnemonic` under `password` and leaves the new wallet unlocked: the user has just
/// typed the password.
fn store(
    service: &AppService<OsKeychain>,
    mnemonic: &Mnemonic,
    password: &Password,
) -> CommandResult<Home> {
    let wallet = service.wallet();
    wallet.import(VAULT, mnemonic, "", password).map_err(error)?;
    service.unlock(password)?;
    home_of(wallet)
}

fn check_answers(pending: &Pending, answers: &[String]) -> CommandResult<()> {
    let words = pending.mnemonic.words();
    if answers.len() != pending.check_positions.len() {
        return Err(invalid("answer every word that is asked"));
    }
    for (answer, &position) in answers.iter().zip(&pending.check_positions) {
        if answer.trim().to_lowercase() != words[position - 1] {
            return Err(invalid(format!(
                "word {position} does not match what was shown: check what you wrote down"
            )));
        }
    }
    Ok(())
}

/// Forgets a generated phrase the user walked away from.
#[tauri::command]
pub(crate) async fn cancel_wallet(state: State<'_, AppState>) -> CommandResult<()> {
    state.pending().take();
    Ok(())
}

/// Imports an existing phrase under the password.
#[tauri::command]
pub(crate) async fn import_wallet(
    app: AppHandle,
    state: State<'_, AppState>,
    request: ImportWalletRequest,
) -> CommandResult<Home> {
    // The typed phrase is wiped from memory once parsed.
    let phrase = zeroize::Zeroizing::new(request.mnemonic);
    let mnemonic =
        Mnemonic::parse(&phrase).map_err(|e: MnemonicError| error(WalletError::Mnemonic(e)))?;
    let service = state.service.clone();
    let password = Password::new(request.password);
    // An unconfirmed generated phrase is abandoned by importing another one.
    state.pending().take();
    let home = blocking(move || store(&service, &mnemonic, &password)).await?;
    crate::watcher::restart(&app);
    Ok(home)
}

/// Balances and positions.
#[tauri::command]
pub(crate) async fn dashboard(state: State<'_, AppState>) -> CommandResult<Dashboard> {
    state.service.dashboard().await
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
    let service = state.service.clone();
    blocking(move || service.unlock(&password)).await
}

/// Locks now.
#[tauri::command]
pub(crate) async fn lock(app: AppHandle, state: State<'_, AppState>) -> CommandResult<LockState> {
    let locked = state.service.lock();
    let _ = app.emit(events::LOCKED, locked);
    Ok(locked)
}

/// Quotes a swap as the user types it.
#[tauri::command]
pub(crate) async fn quote_swap(
    state: State<'_, AppState>,
    request: SwapForm,
) -> CommandResult<SwapQuote> {
    state.service.quote_swap(&request).await
}

/// Previews a swap.
#[tauri::command]
pub(crate) async fn preview_swap(
    state: State<'_, AppState>,
    request: SwapForm,
) -> CommandResult<Preview> {
    state.service.preview_swap(&request).await
}

/// Previews a lending action.
#[tauri::command]
pub(crate) async fn preview_lend(
    state: State<'_, AppState>,
    request: LendForm,
) -> CommandResult<Preview> {
    state.service.preview_lend(&request).await
}

/// Previews a speed-up or cancel.
#[tauri::command]
pub(crate) async fn preview_replace(
    state: State<'_, AppState>,
    request: ReplaceForm,
) -> CommandResult<Preview> {
    state.service.preview_replace(&request)
}

/// Previews a transfer.
#[tauri::command]
pub(crate) async fn preview_send(
    state: State<'_, AppState>,
    request: SendForm,
) -> CommandResult<Preview> {
    state.service.preview_send(&request).await
}

/// Previews a Solana transfer or staking action.
#[tauri::command]
pub(crate) async fn preview_solana(
    state: State<'_, AppState>,
    request: SolanaForm,
) -> CommandResult<Preview> {
    state.service.preview_solana(&request).await
}

/// The Solana account's stake accounts.
#[tauri::command]
pub(crate) async fn solana_stakes(state: State<'_, AppState>) -> CommandResult<SolanaStaking> {
    state.service.solana_stakes().await
}

/// The Ledger's state, the USB doctor and the Ledger accounts.
#[tauri::command]
pub(crate) async fn ledger_status(state: State<'_, AppState>) -> CommandResult<LedgerStatus> {
    state.service.ledger_status().await
}

/// Adds a Ledger account once its address is approved on the device; the watcher restarts
/// to include it.
#[tauri::command]
pub(crate) async fn ledger_add(
    app: AppHandle,
    state: State<'_, AppState>,
    request: LedgerAddRequest,
) -> CommandResult<Account> {
    let account = state.service.ledger_add(&request.chain, request.index).await?;
    crate::watcher::restart(&app);
    Ok(account)
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

/// The Aave market.
#[tauri::command]
pub(crate) async fn markets(state: State<'_, AppState>) -> CommandResult<Vec<MarketRow>> {
    state.service.markets().await
}

/// The transaction journal.
#[tauri::command]
pub(crate) async fn activity(state: State<'_, AppState>) -> CommandResult<Vec<ActivityItem>> {
    let service = state.service.clone();
    blocking(move || service.activity()).await
}

/// Alert rules and history.
#[tauri::command]
pub(crate) async fn alerts(state: State<'_, AppState>) -> CommandResult<Alerts> {
    let service = state.service.clone();
    blocking(move || service.alerts()).await
}

/// Sets an alert rule and restarts the watcher on it.
#[tauri::command]
pub(crate) async fn save_rule(
    app: AppHandle,
    state: State<'_, AppState>,
    request: vigil_api::RuleForm,
) -> CommandResult<Alerts> {
    let service = state.service.clone();
    let alerts = blocking(move || service.save_rule(&request)).await?;
    crate::watcher::restart(&app);
    Ok(alerts)
}

/// The settings.
#[tauri::command]
pub(crate) async fn settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    let service = state.service.clone();
    blocking(move || service.settings()).await
}

/// Saves the settings and restarts the watcher on them.
#[tauri::command]
pub(crate) async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Settings,
) -> CommandResult<Settings> {
    let service = state.service.clone();
    let saved = blocking(move || service.save_settings(&request)).await?;
    crate::watcher::restart(&app);
    Ok(saved)
}

/// Tests an RPC URL.
#[tauri::command]
pub(crate) async fn test_rpc(
    state: State<'_, AppState>,
    request: RpcTestRequest,
) -> CommandResult<RpcTest> {
    state.service.test_rpc(&request.url, request.chain_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_distinct_sorted_and_in_range() {
        for _ in 0..200 {
            let p = pick_positions(12, 3);
            assert_eq!(p.len(), 3);
            assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
            assert!(p.iter().all(|&i| (1..=12).contains(&i)));
        }
        assert_eq!(pick_positions(2, 3), vec![1, 2]);
    }

    #[test]
    fn the_ui_checks_the_same_password_length_as_the_vault() {
        assert_eq!(vigil_api::MIN_PASSWORD_LEN, vigil_signer::vault::MIN_PASSWORD_LEN);
    }

    #[test]
    fn answers_are_checked_by_position_and_forgiving_of_case() {
        let pending = Pending {
            mnemonic: Mnemonic::parse(
                "test test test test test test test test test test test junk",
            )
            .unwrap(),
            check_positions: vec![2, 12],
        };
        assert!(check_answers(&pending, &[" Test".into(), "JUNK ".into()]).is_ok());
        let err = check_answers(&pending, &["test".into(), "test".into()]).unwrap_err();
        assert!(err.message.contains("word 12 does not match"), "{}", err.message);
        assert!(check_answers(&pending, &["test".into()]).is_err());
    }
}
