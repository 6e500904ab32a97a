//! The application's services: what each screen of the app (and each `vigil` command) asks
//! for, and the one way anything gets signed.
//!
//! One service per feature, each a file: [`onboarding`], [`accounts`], [`networks`],
//! [`dashboard`], [`swap`], [`lend`], [`liquidity`], [`send`], [`solana`], [`activity`], [`alerts`],
//! [`settings`], [`ledger`], and [`confirm`], the one confirm path. The network and the account
//! are parameters of every action; nothing here assumes the devnet.
//!
//! Every signing path is preview first, then confirm: a preview simulates and keeps what it
//! showed under an id, and [`AppService::confirm`] signs exactly that and nothing else. A
//! software account signs only while the [`Session`] is unlocked; a Ledger account on the
//! device; a watch-only account never.
//!
//! The services return data, not wording: a preview is an [`ActionPreview`], a quote the
//! adapters' [`vigil_defi_adapters::preview::SwapQuote`]. Each front-end writes them its own
//! way (the app's shell in its mapping to `vigil-api`, the command line as it prints).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use vigil_api::{CommandError, ErrorKind, LockState, Money, SignerKind as ApiSigner};
use vigil_defi_adapters::{
    Network,
    preview::{self, PlanReview},
};
use vigil_signer::{Keychain, Password};

use crate::{
    Config, SignerKind, Wallet, WalletError, actions::ActionError, db::Database, session::Session,
};

pub mod accounts;
mod action;
pub mod activity;
pub mod alerts;
pub mod approvals;
pub mod confirm;
pub mod dapps;
pub mod dashboard;
pub mod ledger;
pub mod lend;
pub mod liquidity;
pub mod networks;
pub mod onboarding;
pub mod readings;
pub mod send;
pub mod settings;
pub mod solana;
pub mod swap;

/// The vault the desktop app keeps its software accounts in.
pub const APP_VAULT: &str = "default";
/// How long a preview may be confirmed: prices and the chain move on.
const PREVIEW_TTL: Duration = Duration::from_secs(5 * 60);

/// What every service returns: a value, or an error with its kind and what to do.
pub type AppResult<T> = Result<T, CommandError>;

pub use action::{
    Action, ActionPreview, Approval, AssetChange, Fee, LendSummary, LiquiditySummary,
    ProtectSummary, SwapSummary,
};

/// What the core tells whoever follows it (the app's watcher, tray and window): published
/// by the services, so no front-end has to remember to pass the news on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoreEvent {
    /// The config changed (accounts, networks, the chosen network, rules, settings): what is
    /// watched may have changed.
    ConfigChanged,
    /// The wallet locked (by the user, or after the idle timeout).
    Locked,
    /// A transaction was signed, journaled and broadcast: follow it now.
    TransactionSent {
        /// The network it went to.
        network: String,
        /// Its hash.
        hash: String,
        /// The account that sent it.
        account: String,
        /// Its nonce.
        nonce: u64,
    },
}

/// How many events a slow follower may fall behind before it skips some.
const EVENT_BACKLOG: usize = 64;

/// What a preview will sign when confirmed.
enum Signable {
    /// A simulated Solana transaction, sent through the client it was simulated with, and
    /// why the simulation says it would fail.
    Solana {
        client: Arc<vigil_defi_adapters::solana::SolanaClient>,
        plan: Box<vigil_defi_adapters::solana::plan::SolPlan>,
        would_fail: Option<String>,
    },
    /// Ethereum transactions.
    Evm(EvmSignable),
}

/// What an Ethereum preview will sign.
enum EvmSignable {
    /// A simulated plan, and what the wallet remembers once it is mined.
    Plan { network: String, review: Box<PlanReview>, after: Option<liquidity::Remember> },
    /// A speed-up or cancel of a journaled transaction, previewed.
    Replace { network: String, preview: Box<crate::replace::ReplacementPreview> },
}

struct Kept {
    /// The signing account, as written on its chain.
    account: String,
    /// The session's generation when it was made: a lock since then voids it.
    generation: u64,
    signable: Signable,
    made: Instant,
}

/// The application's state between calls: the wallet, the unlocked session, the database,
/// the previews waiting for confirmation and a client per network.
pub struct AppService<K> {
    wallet: Arc<Wallet<K>>,
    session: Session,
    db: Arc<Database>,
    previews: Mutex<HashMap<u64, Kept>>,
    next_id: AtomicU64,
    clients: networks::Clients,
    pending: onboarding::PendingWallet,
    events: tokio::sync::broadcast::Sender<CoreEvent>,
    dashboard_reads: Arc<readings::DashboardReads>,
    /// Each feed's volatility, read again only when it posts a round.
    volatility: vigil_defi_adapters::aave::VolatilityCache,
}

impl<K> std::fmt::Debug for AppService<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppService").field("locked", &self.session.is_locked()).finish()
    }
}

pub(crate) fn err(kind: ErrorKind, message: impl std::fmt::Display) -> CommandError {
    CommandError { kind, message: message.to_string() }
}

/// The error a front-end gets for a wallet error.
pub fn wallet_error(e: WalletError) -> CommandError {
    use vigil_signer::{KeychainError, VaultError};
    let kind = match &e {
        WalletError::Mnemonic(_) => ErrorKind::InvalidInput,
        WalletError::Vault(VaultError::WrongPassword(_)) | WalletError::Unfinished(_) => {
            ErrorKind::WrongPassword
        }
        WalletError::Vault(
            VaultError::PasswordTooShort
            | VaultError::WeakPassword { .. }
            | VaultError::InvalidName(_)
            | VaultError::AlreadyExists(_),
        ) => ErrorKind::InvalidInput,
        WalletError::Vault(VaultError::Keychain(KeychainError::NotFound(_))) => ErrorKind::Internal,
        WalletError::Vault(VaultError::Keychain(_)) => ErrorKind::Keychain,
        WalletError::Ledger(_) => ErrorKind::Ledger,
        WalletError::NoSuchAccount(_)
        | WalletError::WatchOnly(_)
        | WalletError::AlreadyAdded { .. } => ErrorKind::InvalidInput,
        _ => ErrorKind::Internal,
    };
    err(kind, e)
}

impl From<WalletError> for CommandError {
    fn from(e: WalletError) -> Self {
        wallet_error(e)
    }
}

fn network_error(e: impl std::fmt::Display) -> CommandError {
    err(ErrorKind::Network, e)
}

fn invalid(e: impl std::fmt::Display) -> CommandError {
    err(ErrorKind::InvalidInput, e)
}

fn internal(e: impl std::fmt::Display) -> CommandError {
    err(ErrorKind::Internal, e)
}

fn action_error(e: ActionError) -> CommandError {
    match e {
        ActionError::Client(c) => network_error(c),
        other => invalid(other),
    }
}

/// A node that cannot be reached is a network problem; the rest is what the user asked for.
fn preview_error(e: preview::PreviewError) -> CommandError {
    match e {
        preview::PreviewError::Client(c)
        | preview::PreviewError::Swap(vigil_defi_adapters::swap::SwapError::Client(c)) => {
            network_error(c)
        }
        other => invalid(other),
    }
}

/// The name serde gives an enum value ("activating"): what the UI shows and matches on.
pub(crate) fn serde_name(value: impl serde::Serialize + std::fmt::Debug) -> String {
    serde_json::to_value(&value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{value:?}").to_lowercase())
}

/// The API's level for the notifier's.
pub fn level_view(level: vigil_notifier::Level) -> vigil_api::Level {
    use vigil_notifier::Level as L;
    match level {
        L::Ok => vigil_api::Level::Ok,
        L::Warning => vigil_api::Level::Warning,
        L::Critical => vigil_api::Level::Critical,
        L::Liquidatable => vigil_api::Level::Liquidatable,
    }
}

fn signer_kind(account: &crate::AccountConfig) -> ApiSigner {
    match account.signer {
        SignerKind::Software { .. } => ApiSigner::Software,
        SignerKind::Ledger => ApiSigner::Ledger,
        SignerKind::Watch => ApiSigner::Watch,
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// The service over `wallet`, locking after the preference's timeout.
    pub fn new(wallet: Wallet<K>) -> Result<Self, WalletError> {
        let lock_after = Duration::from_secs(wallet.config()?.preferences.lock_after_secs);
        let db = Database::open(&Database::file(&wallet.paths().data_dir))?;
        Ok(Self {
            wallet: Arc::new(wallet),
            session: Session::new(lock_after),
            db: Arc::new(db),
            previews: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            clients: networks::Clients::default(),
            pending: onboarding::PendingWallet::default(),
            events: tokio::sync::broadcast::channel(EVENT_BACKLOG).0,
            dashboard_reads: Arc::default(),
            volatility: vigil_defi_adapters::aave::VolatilityCache::default(),
        })
    }

    /// The dashboard's reads, for the watcher's monitors to take in their own per-block read
    /// ([`crate::watch::WatchRequest::rider`]).
    pub fn dashboard_rider(&self) -> Arc<dyn vigil_notifier::Rider> {
        self.dashboard_reads.clone()
    }

    /// Every [`CoreEvent`] from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    fn publish(&self, event: CoreEvent) {
        // Nobody following (the CLI) is not an error.
        let _ = self.events.send(event);
    }

    /// Publishes [`CoreEvent::ConfigChanged`] when `result` is a success.
    fn config_changed<T>(&self, result: AppResult<T>) -> AppResult<T> {
        if result.is_ok() {
            // What the dashboard asked the watcher to read may name other accounts, tokens
            // or currency now: it asks again on its next read.
            self.dashboard_reads.clear();
            self.publish(CoreEvent::ConfigChanged);
        }
        result
    }

    /// The wallet.
    pub fn wallet(&self) -> &Arc<Wallet<K>> {
        &self.wallet
    }

    /// The session (the shell locks it on a timer and from the tray).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The database: the journal, alert state and history.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    fn config(&self) -> AppResult<Config> {
        self.wallet.config().map_err(wallet_error)
    }

    fn previews(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Kept>> {
        // Entries are inserted and removed whole: the map is valid after a panic elsewhere.
        self.previews.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether signing needs the password: the wallet has software accounts and the session
    /// is locked (Ledger and watch-only accounts need no password).
    pub fn lock_state(&self) -> LockState {
        // Checking is not activity: an idle session locks here too.
        let idle_locked = self.session.lock_if_idle();
        let has_vault = self.wallet.config().is_ok_and(|c| {
            c.accounts.iter().any(|a| matches!(a.signer, SignerKind::Software { .. }))
        });
        LockState {
            locked: has_vault && idle_locked,
            lock_after_secs: self.session.lock_after().as_secs(),
        }
    }

    /// Opens the app's vault with `password` until the session locks.
    pub fn unlock(&self, password: &Password) -> AppResult<LockState> {
        self.unlock_vault(APP_VAULT, password)
    }

    /// Unlocks the vault named `vault` (the command line keeps several) for this session.
    pub fn unlock_vault(&self, vault: &str, password: &Password) -> AppResult<LockState> {
        let vault = self.wallet.unlock(vault, password).map_err(wallet_error)?;
        self.session.insert(vault);
        Ok(self.lock_state())
    }

    /// Keeps a plan a front-end previewed with the adapters itself (the command line, which
    /// prints their full detail) for [`Self::confirm`]: the same signer choice, gating and
    /// journal as every preview of the app's own.
    pub async fn keep_plan(
        &self,
        network: &str,
        account: Address,
        title: String,
        review: PlanReview,
    ) -> AppResult<ActionPreview> {
        let (_, config) = self.acting_evm(Some(&account.to_checksum(None)))?;
        let (network, client) = self.evm(network).await?;
        let (money, _) = self.money(&client, &network).await;
        Ok(self.plan_preview(Action::Plan { title }, &network, &config, account, review, money))
    }

    /// Drops the unlocked vault now, every preview, and a generated phrase not yet confirmed.
    pub fn lock(&self) -> LockState {
        self.session.lock();
        self.previews().clear();
        self.pending.forget();
        self.publish(CoreEvent::Locked);
        self.lock_state()
    }

    /// Locks if the wallet has been idle for the lock timeout (the app calls it on a timer);
    /// a lock that happens now is published.
    pub fn lock_if_idle(&self) {
        let was_unlocked = !self.session.is_locked();
        if self.session.lock_if_idle() && was_unlocked {
            self.previews().clear();
            self.pending.forget();
            self.publish(CoreEvent::Locked);
        }
    }

    fn keep(&self, account: String, signable: Signable) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut previews = self.previews();
        previews.retain(|_, k| k.made.elapsed() < PREVIEW_TTL);
        let generation = self.session.generation();
        previews.insert(id, Kept { account, generation, signable, made: Instant::now() });
        id
    }

    /// The preview of an EVM plan, kept for [`AppService::confirm`].
    fn plan_preview(
        &self,
        action: Action,
        network: &Network,
        account: &crate::AccountConfig,
        address: Address,
        review: PlanReview,
        money: Money,
    ) -> ActionPreview {
        self.plan_preview_then(action, network, account, address, review, money, None)
    }

    /// [`Self::plan_preview`], with what to remember once the plan is mined.
    #[allow(clippy::too_many_arguments)]
    fn plan_preview_then(
        &self,
        action: Action,
        network: &Network,
        account: &crate::AccountConfig,
        address: Address,
        review: PlanReview,
        money: Money,
        after: Option<liquidity::Remember>,
    ) -> ActionPreview {
        let preview =
            ActionPreview::of_plan(action, network, address, signer_kind(account), &review, money);
        let id = self.keep(
            address.to_checksum(None),
            Signable::Evm(EvmSignable::Plan {
                network: network.name.clone(),
                review: Box::new(review),
                after,
            }),
        );
        ActionPreview { id, ..preview }
    }
}

#[cfg(test)]
mod tests;
