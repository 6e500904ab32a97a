//! The desktop app's service: what each screen shows and the one way anything gets signed.
//!
//! Every signing path is preview first, then confirm: [`AppService::preview_swap`],
//! [`AppService::preview_lend`] and [`AppService::preview_replace`] simulate and keep what they
//! showed under an id, and [`AppService::confirm`] signs exactly that and nothing else. A
//! software account signs only while the [`Session`] is unlocked; a Ledger account on the
//! device. Returns `vigil-api` types, so the shell's commands are one line each.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use vigil_api::{
    AccountBalances, ActivityItem, AlertView, Alerts, CommandError, Dashboard, ErrorKind, Executed,
    FindingView, HealthPointView, HoldingView, LedgerStatus, LendForm, LockState, MarketRow, Money,
    PositionAssetView, PositionView, Preview, ReplaceForm, RuleView, SendForm, Settings, Severity,
    SignerKind as ApiSigner, SwapForm, SwapQuote, TxProgress, group_thousands,
};
use vigil_defi_adapters::{
    ChainClient, Network,
    aave::{self, LendAction},
    fiat,
    preview::{self, PlanReview},
    solana::{SolanaClient, SolanaNetwork, fetch_balances},
};
use vigil_signer::{Chain, EvmSigner, Keychain, Password};

use crate::{
    Config, SignerKind, Wallet, WalletError,
    actions::{self, ActionError},
    db::{Database, TxStatus},
    execute::{self, TxEvent},
    portfolio,
    replace::{self, Replacement},
    session::Session,
};

/// The vault the desktop app keeps its software accounts in.
pub const APP_VAULT: &str = "default";
/// How long a preview may be confirmed: prices and the chain move on.
const PREVIEW_TTL: Duration = Duration::from_secs(5 * 60);
/// Points of health-factor history per position on the dashboard.
const HISTORY_POINTS: usize = 240;

type AppResult<T> = Result<T, CommandError>;

mod solana;

/// What a preview will sign when confirmed.
enum Signable {
    /// A simulated Solana transaction, and why the simulation says it would fail.
    Solana { plan: Box<vigil_defi_adapters::solana::plan::SolPlan>, would_fail: Option<String> },
    /// Ethereum transactions.
    Evm(EvmSignable),
}

/// What an Ethereum preview will sign.
enum EvmSignable {
    /// A simulated plan.
    Plan { network: String, review: Box<PlanReview> },
    /// A speed-up or cancel of a journaled transaction.
    Replace { network: String, hash: String, kind: Replacement },
}

/// What an action says about itself, beside its review.
struct Described {
    title: String,
    details: Vec<(String, String)>,
    health_factor: Option<(Option<f64>, Option<f64>)>,
}

struct Kept {
    /// The signing account, as written on its chain.
    account: String,
    /// The session's generation when it was made: a lock since then voids it.
    generation: u64,
    signable: Signable,
    made: Instant,
}

/// Every value of a dashboard read in USD, in `money`'s currency.
fn convert(money: &Money, d: &mut Dashboard) {
    d.currency.clone_from(&money.currency);
    for b in &mut d.balances {
        b.value = b.value.map(|v| money.of(v));
        for h in &mut b.holdings {
            h.value = h.value.map(|v| money.of(v));
        }
    }
    for p in &mut d.positions {
        (p.collateral, p.debt, p.available) =
            (money.of(p.collateral), money.of(p.debt), money.of(p.available));
        for a in &mut p.assets {
            a.price = money.of(a.price);
            a.liquidation_price = a.liquidation_price.map(|v| money.of(v));
        }
    }
}

/// The app's state between commands.
pub struct AppService<K> {
    wallet: Arc<Wallet<K>>,
    session: Session,
    db: Arc<Database>,
    previews: Mutex<HashMap<u64, Kept>>,
    next_id: AtomicU64,
}

impl<K> std::fmt::Debug for AppService<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppService").field("locked", &self.session.is_locked()).finish()
    }
}

fn err(kind: ErrorKind, message: impl std::fmt::Display) -> CommandError {
    CommandError { kind, message: message.to_string() }
}

/// The error the UI gets for a wallet error.
pub fn wallet_error(e: WalletError) -> CommandError {
    use vigil_signer::{KeychainError, VaultError};
    let kind = match &e {
        WalletError::Mnemonic(_) => ErrorKind::InvalidInput,
        WalletError::Vault(VaultError::WrongPassword(_)) => ErrorKind::WrongPassword,
        WalletError::Vault(
            VaultError::PasswordTooShort
            | VaultError::InvalidName(_)
            | VaultError::AlreadyExists(_),
        ) => ErrorKind::InvalidInput,
        WalletError::Vault(VaultError::Keychain(KeychainError::NotFound(_))) => ErrorKind::Internal,
        WalletError::Vault(VaultError::Keychain(_)) => ErrorKind::Keychain,
        WalletError::Ledger(_) => ErrorKind::Ledger,
        WalletError::NoSuchAccount(_) | WalletError::WatchOnly(_) => ErrorKind::InvalidInput,
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

fn action_error(e: ActionError) -> CommandError {
    match e {
        ActionError::Client(c) => network_error(c),
        other => err(ErrorKind::InvalidInput, other),
    }
}

/// A node that cannot be reached is a network problem; the rest is what the user asked for.
fn preview_error(e: preview::PreviewError) -> CommandError {
    match e {
        preview::PreviewError::Client(c)
        | preview::PreviewError::Swap(vigil_defi_adapters::swap::SwapError::Client(c)) => {
            network_error(c)
        }
        other => err(ErrorKind::InvalidInput, other),
    }
}

/// The name serde gives an enum value ("critical", "pending", "activating"): what the UI
/// shows and matches on.
pub(crate) fn serde_name(value: impl serde::Serialize + std::fmt::Debug) -> String {
    serde_json::to_value(&value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{value:?}").to_lowercase())
}

fn findings(review: &PlanReview) -> Vec<FindingView> {
    review
        .findings
        .iter()
        .map(|f| FindingView {
            severity: match f.severity {
                preview::Severity::Info => Severity::Info,
                preview::Severity::Warning => Severity::Warning,
                preview::Severity::Danger => Severity::Danger,
            },
            message: f.message.clone(),
        })
        .collect()
}

fn hf_text(hf: Option<f64>) -> String {
    hf.map_or_else(|| "∞ (no debt)".to_owned(), |h| format!("{h:.2}"))
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
        })
    }

    /// The wallet.
    pub fn wallet(&self) -> &Arc<Wallet<K>> {
        &self.wallet
    }

    /// The session (the shell locks it on a timer and from the tray).
    pub fn session(&self) -> &Session {
        &self.session
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
        let vault = self.wallet.unlock(APP_VAULT, password).map_err(wallet_error)?;
        self.session.insert(vault);
        Ok(self.lock_state())
    }

    /// Drops the unlocked vault now, and every preview with it.
    pub fn lock(&self) -> LockState {
        self.session.lock();
        self.previews().clear();
        self.lock_state()
    }

    /// The networks the dashboard and the watcher show: `[alerts] networks`, or the devnet.
    fn evm_networks(config: &Config) -> Vec<String> {
        if config.alerts.networks.is_empty() {
            vec!["devnet".to_owned()]
        } else {
            config.alerts.networks.clone()
        }
    }

    fn account_view(a: &crate::AccountConfig) -> vigil_api::Account {
        vigil_api::Account {
            name: a.name.clone(),
            chain: a.chain.to_string(),
            address: a.address.clone(),
            path: a.path.as_ref().map(ToString::to_string),
        }
    }

    /// Balances of every account and every lending position, with values in the user's
    /// currency (USD, with the reason among the errors, when no network has its feed).
    pub async fn dashboard(&self) -> AppResult<Dashboard> {
        // Not activity: the window reloads it on every block, also unattended in the tray.
        let config = self.config()?;
        let thresholds = config.alerts.thresholds().map_err(|e| err(ErrorKind::InvalidInput, e))?;
        let mut money = Err(None);
        let mut out = Dashboard {
            currency: "USD".into(),
            total_value: None,
            balances: vec![],
            positions: vec![],
            errors: vec![],
        };
        let evm: Vec<_> = config.accounts.iter().filter(|a| a.chain == Chain::Ethereum).collect();
        if !evm.is_empty() {
            for name in Self::evm_networks(&config) {
                let read = self.evm_dashboard(&name, &evm, &thresholds, &mut money, &mut out);
                if let Err(e) = read.await {
                    for a in &evm {
                        out.balances.push(AccountBalances {
                            account: Self::account_view(a),
                            network: name.clone(),
                            holdings: vec![],
                            value: None,
                            error: Some(e.message.clone()),
                        });
                    }
                    out.errors.push(format!("{name}: {}", e.message));
                }
            }
        }
        let sol: Vec<_> = config.accounts.iter().filter(|a| a.chain == Chain::Solana).collect();
        if !sol.is_empty() {
            self.solana_dashboard(&sol, &mut out).await;
        }
        match money {
            Ok(m) => convert(&m, &mut out),
            Err(problem) => out.errors.extend(problem),
        }
        let values: Vec<f64> = out
            .balances
            .iter()
            .filter_map(|b| b.value)
            .chain(out.positions.iter().map(|p| p.collateral - p.debt))
            .collect();
        out.total_value = (!values.is_empty()).then(|| values.iter().sum());
        Ok(out)
    }

    async fn evm_dashboard(
        &self,
        name: &str,
        accounts: &[&crate::AccountConfig],
        thresholds: &vigil_notifier::Thresholds,
        money: &mut Result<Money, Option<String>>,
        out: &mut Dashboard,
    ) -> AppResult<()> {
        let (network, client) = self.connect(name).await?;
        // One currency for the whole dashboard: the rate is read on the first network that has
        // the currency's feed (an exchange rate is the same on every chain). Values stay in
        // USD here and are converted once, in `dashboard`.
        if money.is_err() {
            *money = match self.money(&client, &network).await {
                (m, None) => Ok(m),
                (_, problem) => Err(problem),
            };
        }
        let addresses: Vec<Address> =
            accounts.iter().filter_map(|a| a.address.parse().ok()).collect();
        let table =
            portfolio::balances(&client, &network, &addresses).await.map_err(network_error)?;
        // Prices and positions come from the Aave market where there is one.
        let market = aave::fetch_market(&client, &network).await.ok();
        let price = |token: Option<Address>| -> Option<f64> {
            let token = token.unwrap_or(network.protocols.weth);
            market.as_ref()?.reserves.iter().find(|r| r.asset == token).map(|r| r.price_usd)
        };
        for (account, row) in accounts.iter().zip(&table) {
            let holdings: Vec<HoldingView> = row
                .holdings
                .iter()
                .map(|h| HoldingView {
                    symbol: h.symbol.clone(),
                    amount: h.amount.clone(),
                    value: price(h.token).and_then(|p| h.amount.parse::<f64>().ok().map(|a| a * p)),
                })
                .collect();
            let priced: Vec<f64> = holdings.iter().filter_map(|h| h.value).collect();
            out.balances.push(AccountBalances {
                account: Self::account_view(account),
                network: network.name.clone(),
                value: (!priced.is_empty()).then(|| priced.iter().sum()),
                holdings,
                error: None,
            });
        }
        let Some(market) = market else { return Ok(()) };
        let states = aave::fetch_accounts(
            &client,
            &network,
            &market,
            &addresses,
            alloy::eips::BlockId::latest(),
        )
        .await
        .map_err(network_error)?;
        for state in states {
            let p = state.position();
            if p.total_collateral_usd <= 0.0 && p.total_debt_usd <= 0.0 {
                continue;
            }
            // The same key the monitor gives the position.
            let key = format!("{}/aave/{:#x}", network.name, p.account);
            let observation = vigil_notifier::rules::Observation::Lending {
                health_factor: p.health_factor,
                distance: p.distance_to_liquidation,
            };
            let history = self
                .db
                .health_history(&key, HISTORY_POINTS)
                .map_err(|e| err(ErrorKind::Internal, e))?
                .into_iter()
                .map(|h| HealthPointView {
                    block: h.block,
                    at: h.at,
                    health_factor: h.health_factor,
                })
                .collect();
            out.positions.push(PositionView {
                key,
                protocol: "Aave V3".into(),
                network: network.name.clone(),
                account: p.account.to_checksum(None),
                health_factor: p.health_factor,
                level: serde_name(thresholds.level(&observation, 0.0)),
                collateral: p.total_collateral_usd,
                debt: p.total_debt_usd,
                available: p.available_borrows_usd,
                distance_to_liquidation: p.distance_to_liquidation,
                assets: p
                    .assets
                    .iter()
                    .map(|a| PositionAssetView {
                        symbol: a.symbol.clone(),
                        supplied: a.supplied.clone(),
                        debt: a.debt.clone(),
                        collateral: a.collateral,
                        price: a.price_usd,
                        liquidation_price: a.liquidation_price_usd,
                    })
                    .collect(),
                history,
            });
        }
        Ok(())
    }

    async fn solana_dashboard(&self, accounts: &[&crate::AccountConfig], out: &mut Dashboard) {
        let network = SolanaNetwork::named("localnet", vec![]);
        let client = match network {
            Some(n) => SolanaClient::connect(&n).await.map_err(|e| e.to_string()),
            None => Err("no local Solana network".to_owned()),
        };
        for account in accounts {
            let read = async {
                let client = client.as_ref().map_err(Clone::clone)?;
                let owner = account
                    .address
                    .parse()
                    .map_err(|_| format!("{} is not a Solana address", account.address))?;
                fetch_balances(client, &owner, &client.network().tokens)
                    .await
                    .map_err(|e| e.to_string())
            };
            let (holdings, error) = match read.await {
                Ok(b) => {
                    let mut h =
                        vec![HoldingView { symbol: "SOL".into(), amount: b.sol, value: None }];
                    h.extend(b.tokens.into_iter().map(|t| HoldingView {
                        symbol: t.symbol.unwrap_or(t.mint),
                        amount: t.amount,
                        value: None,
                    }));
                    (h, None)
                }
                Err(e) => (
                    vec![],
                    Some(format!(
                        "{e} (the local Solana validator runs with 'vigil devnet solana')"
                    )),
                ),
            };
            out.balances.push(AccountBalances {
                account: Self::account_view(account),
                network: "solana localnet".into(),
                holdings,
                value: None,
                error,
            });
        }
    }

    /// The acting Ethereum account: `given`, or the first one.
    /// The account a signing path acts for; the user is active, so the idle timer restarts.
    fn acting(&self, given: Option<&str>) -> AppResult<(Address, crate::AccountConfig)> {
        self.session.touch();
        self.account_for(given)
    }

    /// The account `given` names, or the first Ethereum account. Not activity: read-only
    /// paths that repeat on every block (the live quote) must not keep the wallet unlocked.
    fn account_for(&self, given: Option<&str>) -> AppResult<(Address, crate::AccountConfig)> {
        let config = self.config()?;
        let account = match given.map(str::trim).filter(|g| !g.is_empty()) {
            Some(g) => self.wallet.account(Chain::Ethereum, g).map_err(wallet_error)?,
            None => config.accounts.into_iter().find(|a| a.chain == Chain::Ethereum).ok_or_else(
                || err(ErrorKind::InvalidInput, "no Ethereum account: import a wallet first"),
            )?,
        };
        let address = account
            .address
            .parse()
            .map_err(|_| err(ErrorKind::Internal, format!("bad address {}", account.address)))?;
        Ok((address, account))
    }

    fn signer_kind(account: &crate::AccountConfig) -> ApiSigner {
        match account.signer {
            SignerKind::Software { .. } => ApiSigner::Software,
            SignerKind::Ledger => ApiSigner::Ledger,
            SignerKind::Watch => ApiSigner::Watch,
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

    /// The user's currency and its rate on `network`; USD, with the reason, when the rate
    /// cannot be read there.
    async fn money(&self, client: &ChainClient, network: &Network) -> (Money, Option<String>) {
        let currency = match self.config() {
            Ok(c) => c.preferences.currency,
            Err(e) => return (Money::usd(), Some(e.message)),
        };
        match fiat::usd_per_unit(client, network, &currency).await {
            Ok(usd_per_unit) => (Money { currency, usd_per_unit }, None),
            Err(e) => (Money::usd(), Some(e.to_string())),
        }
    }

    async fn connect(&self, name: &str) -> AppResult<(Network, ChainClient)> {
        let network = portfolio::network(name, self.wallet.paths()).map_err(network_error)?;
        let client = ChainClient::connect(&network).await.map_err(network_error)?;
        Ok((network, client))
    }

    fn plan_preview(
        &self,
        described: Described,
        network: &Network,
        account: &crate::AccountConfig,
        address: Address,
        review: PlanReview,
        money: &Money,
    ) -> Preview {
        let Described { title, details, health_factor } = described;
        let fee = match review.fee_usd {
            Some(usd) => {
                format!("{} {} ({})", review.fee_native, network.native_symbol, money.show(usd))
            }
            None => format!("{} {}", review.fee_native, network.native_symbol),
        };
        let mut changes: Vec<String> = review
            .changes
            .iter()
            .map(|c| format!("{} {}", group_thousands(&c.amount), c.symbol))
            .collect();
        changes.extend(
            review.approvals.iter().map(|(symbol, spender, amount)| {
                format!("approves {amount} {symbol} to {spender}")
            }),
        );
        let preview = Preview {
            id: 0,
            title,
            network: network.name.clone(),
            account: address.to_checksum(None),
            signer: Self::signer_kind(account),
            details,
            changes,
            steps: review.plan.steps.iter().map(|s| s.label.clone()).collect(),
            fee,
            health_factor,
            findings: findings(&review),
            needs_override: review.needs_override(),
            would_fail: review.simulation.revert_reason().map(str::to_owned),
        };
        let id = self.keep(
            address.to_checksum(None),
            Signable::Evm(EvmSignable::Plan {
                network: network.name.clone(),
                review: Box::new(review),
            }),
        );
        Preview { id, ..preview }
    }

    /// The adapters' request for a swap form, and the slippage it uses (the form's, or the
    /// preference).
    async fn swap_request(
        &self,
        client: &ChainClient,
        network: &Network,
        address: Address,
        form: &SwapForm,
    ) -> AppResult<(preview::SwapRequest, f64)> {
        let slippage = match form.slippage_percent {
            Some(s) => s,
            None => self.config()?.preferences.slippage_percent,
        };
        let parsed = actions::SwapForm {
            from: form.from.clone(),
            to: form.to.clone(),
            amount: form.amount.clone(),
            exact_out: false,
            slippage_percent: slippage,
            unlimited_approval: false,
        };
        let request =
            actions::swap_request(client, network, address, &parsed).await.map_err(action_error)?;
        Ok((request, slippage))
    }

    /// Quotes a swap as the user types: the best route, what it gives and the rate, from one
    /// Multicall3 batch. Nothing is simulated or kept; the preview does that.
    pub async fn quote_swap(&self, form: &SwapForm) -> AppResult<SwapQuote> {
        let (address, _) = self.account_for(form.account.as_deref())?;
        let (network, client) = self.connect("devnet").await?;
        let (request, _) = self.swap_request(&client, &network, address, form).await?;
        let q = match preview::wrap_of(&network, &request) {
            Some(wrap) => preview::quote_wrap(&network, &request, wrap),
            None => {
                preview::quote_swap(&client, &network, &request).await.map_err(preview_error)?
            }
        };
        Ok(SwapQuote {
            receive: format!("{} {}", group_thousands(&q.amount_out), q.symbol_out),
            rate: format!("1 {} = {} {}", q.symbol_in, group_thousands(&q.rate), q.symbol_out),
            route: q.venue,
            runner_up: q.runner_up,
            min_receive: format!("{} {}", group_thousands(&q.min_out), q.symbol_out),
            price_impact: q.price_impact_bps.map(|bps| format!("{:.2}%", f64::from(bps) / 100.0)),
            shortfall: q.shortfall,
        })
    }

    /// Quotes, simulates and previews a swap on the devnet (the app's network).
    pub async fn preview_swap(&self, form: &SwapForm) -> AppResult<Preview> {
        let (address, account) = self.acting(form.account.as_deref())?;
        let (network, client) = self.connect("devnet").await?;
        let (request, slippage) = self.swap_request(&client, &network, address, form).await?;
        let (money, _) = self.money(&client, &network).await;
        if let Some(wrap) = preview::wrap_of(&network, &request) {
            // ETH and WETH convert 1:1 through the WETH contract: no pool, no slippage.
            let review = preview::preview_wrap(&client, &network, &request, wrap)
                .await
                .map_err(preview_error)?;
            let q = preview::quote_wrap(&network, &request, wrap);
            let described = Described {
                title: review.plan.steps.first().map(|s| s.label.clone()).unwrap_or_default(),
                details: vec![("Route".into(), q.venue)],
                health_factor: None,
            };
            return Ok(self.plan_preview(described, &network, &account, address, review, &money));
        }
        let p = preview::preview_swap(&client, &network, &request).await.map_err(preview_error)?;
        let mut details = vec![("Route".to_owned(), p.route.clone())];
        if let Some(r) = &p.runner_up {
            details.push(("Runner-up".into(), r.clone()));
        }
        details.push(("You receive at least".into(), group_thousands(&p.min_out)));
        details.push(("Slippage tolerance".into(), format!("{slippage}%")));
        if let Some(bps) = p.quote.price_impact_bps {
            details.push(("Price impact".into(), format!("{:.2}%", f64::from(bps) / 100.0)));
        }
        let title = format!(
            "Swap {} {} for {}",
            group_thousands(form.amount.trim()),
            form.from.trim(),
            form.to.trim()
        );
        let described = Described { title, details, health_factor: None };
        Ok(self.plan_preview(described, &network, &account, address, p.review, &money))
    }

    /// Simulates and previews a transfer.
    pub async fn preview_send(&self, form: &SendForm) -> AppResult<Preview> {
        let (address, account) = self.acting(form.account.as_deref())?;
        let (network, client) = self.connect("devnet").await?;
        let (request, symbol) = actions::transfer_request(
            &client,
            &network,
            address,
            &form.to,
            &form.asset,
            &form.amount,
        )
        .await
        .map_err(action_error)?;
        let review =
            preview::preview_transfer(&client, &network, &request).await.map_err(preview_error)?;
        let amount = group_thousands(form.amount.trim());
        let described = Described {
            title: format!("Send {amount} {symbol}"),
            details: vec![
                ("To".into(), request.to.to_checksum(None)),
                ("Amount".into(), format!("{amount} {symbol}")),
            ],
            health_factor: None,
        };
        let (money, _) = self.money(&client, &network).await;
        Ok(self.plan_preview(described, &network, &account, address, review, &money))
    }

    /// The Ledger: its state (asked now), the USB doctor's findings and the wallet's Ledger
    /// accounts.
    pub async fn ledger_status(&self) -> AppResult<LedgerStatus> {
        use vigil_signer::ledger::{DeviceState, doctor, transport::Endpoint};
        let ledger = self.wallet.ledger().map_err(wallet_error)?;
        let state = ledger.refresh().await;
        let (endpoint, doctor) = match ledger.endpoint() {
            Endpoint::Speculos { addr } => (format!("Speculos at {addr}"), vec![]),
            other => {
                let report = tokio::task::spawn_blocking(|| doctor::Doctor::system().run())
                    .await
                    .map_err(|e| err(ErrorKind::Internal, e))?;
                let findings = report
                    .findings
                    .into_iter()
                    .map(|f| {
                        let outcome = match f.outcome {
                            doctor::Outcome::Ok => "ok",
                            doctor::Outcome::Note => "note",
                            doctor::Outcome::Problem => "problem",
                        };
                        (outcome.to_owned(), f.message)
                    })
                    .collect();
                (
                    if matches!(other, Endpoint::Usb) {
                        "USB".to_owned()
                    } else {
                        format!("{other:?}")
                    },
                    findings,
                )
            }
        };
        let accounts = self
            .config()?
            .accounts
            .iter()
            .filter(|a| a.signer == SignerKind::Ledger)
            .map(Self::account_view)
            .collect();
        Ok(LedgerStatus {
            ready: matches!(state, DeviceState::Ready { .. }),
            state: state.to_string(),
            endpoint,
            doctor,
            accounts,
        })
    }

    /// Adds the Ledger account `index` of `chain` (Ledger Live's paths), after the user
    /// approves its address on the device.
    pub async fn ledger_add(&self, chain: &str, index: u32) -> AppResult<vigil_api::Account> {
        let chain = match chain {
            "ethereum" => Chain::Ethereum,
            "solana" => Chain::Solana,
            other => {
                return Err(err(
                    ErrorKind::InvalidInput,
                    format!("unknown chain '{other}': ethereum or solana"),
                ));
            }
        };
        let path = vigil_signer::ledger::PathStyle::LedgerLive.path(chain, index);
        let account =
            self.wallet.add_ledger_account(chain, path, None).await.map_err(wallet_error)?;
        Ok(Self::account_view(&account))
    }

    /// Shows a Ledger account's address on the device; the device must show (and the user
    /// approve) the address the wallet has.
    pub async fn ledger_verify(&self, address: &str) -> AppResult<String> {
        let chain = if address.trim().starts_with("0x") { Chain::Ethereum } else { Chain::Solana };
        let account = self.wallet.account(chain, address).map_err(wallet_error)?;
        let (SignerKind::Ledger, Some(path)) = (&account.signer, &account.path) else {
            return Err(wallet_error(WalletError::NotLedgerAccount(account.address)));
        };
        let ledger = self.wallet.ledger().map_err(wallet_error)?;
        let shown =
            ledger.address(chain, path.clone(), true).await.map_err(|e| wallet_error(e.into()))?;
        if !shown.eq_ignore_ascii_case(&account.address) {
            return Err(err(
                ErrorKind::Ledger,
                format!(
                    "the device shows {shown}, not {}: it holds another key (another seed or passphrase)",
                    account.address
                ),
            ));
        }
        Ok(shown)
    }

    /// The devnet's Aave market.
    pub async fn markets(&self) -> AppResult<Vec<MarketRow>> {
        let (network, client) = self.connect("devnet").await?;
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let (money, _) = self.money(&client, &network).await;
        Ok(market
            .reserves
            .iter()
            .map(|r| MarketRow {
                symbol: r.symbol.clone(),
                supply_apy: r.supply_apy,
                borrow_apy: r.borrow_apy,
                price: money.of(r.price_usd),
                currency: money.currency.clone(),
                collateral: r.can_be_collateral(),
                borrowable: r.config.borrowing_enabled,
            })
            .collect())
    }

    /// Previews a lending action, with the health factor before and after.
    pub async fn preview_lend(&self, form: &LendForm) -> AppResult<Preview> {
        let action = match form.action.trim().to_lowercase().as_str() {
            "supply" => LendAction::Supply,
            "withdraw" => LendAction::Withdraw,
            "borrow" => LendAction::Borrow,
            "repay" => LendAction::Repay,
            other => {
                return Err(err(
                    ErrorKind::InvalidInput,
                    format!("'{other}' is not a lending action: supply, withdraw, borrow or repay"),
                ));
            }
        };
        let (address, account) = self.acting(form.account.as_deref())?;
        let (network, client) = self.connect("devnet").await?;
        let market = aave::fetch_market(&client, &network).await.map_err(network_error)?;
        let request =
            actions::lend_request(&market, address, action, &form.asset, Some(&form.amount))
                .map_err(action_error)?;
        let p = aave::preview(&client, &network, &market, &request)
            .await
            .map_err(|e| err(ErrorKind::InvalidInput, e))?;
        let mut details = vec![(
            "Health factor".to_owned(),
            format!("{} → {}", hf_text(p.health_factor_before), hf_text(p.health_factor_after)),
        )];
        for (what, (before, after)) in [("Supplied", &p.supplied), ("Owed", &p.debt)] {
            if before != "0" || after != "0" {
                details.push((
                    what.to_owned(),
                    format!(
                        "{} → {} {}",
                        group_thousands(before),
                        group_thousands(after),
                        p.symbol
                    ),
                ));
            }
        }
        for l in &p.liquidation_prices {
            let usd = |v: Option<f64>| v.map_or("none".to_owned(), |v| format!("${v:.2}"));
            details.push((
                format!("{} liquidation price", l.symbol),
                format!("{} → {} (now ${:.2})", usd(l.before), usd(l.after), l.price_usd),
            ));
        }
        let verb = match action {
            LendAction::Supply => "Supply",
            LendAction::Withdraw => "Withdraw",
            LendAction::Borrow => "Borrow",
            LendAction::Repay => "Repay",
            LendAction::Collateral { .. } => "Collateral",
        };
        let title = format!("{verb} {} {} on Aave", group_thousands(&p.amount), p.symbol);
        let health_factor = Some((p.health_factor_before, p.health_factor_after));
        let described = Described { title, details, health_factor };
        let (money, _) = self.money(&client, &network).await;
        Ok(self.plan_preview(described, &network, &account, address, p.review, &money))
    }

    /// Previews speeding up or cancelling a pending transaction.
    pub fn preview_replace(&self, form: &ReplaceForm) -> AppResult<Preview> {
        let entry = self
            .db
            .journal_entry(&form.hash)
            .map_err(|e| err(ErrorKind::Internal, e))?
            .ok_or_else(|| {
                err(
                    ErrorKind::InvalidInput,
                    format!("{} is not one of this wallet's transactions", form.hash),
                )
            })?;
        if entry.status != TxStatus::Pending {
            return Err(err(
                ErrorKind::InvalidInput,
                format!(
                    "{} is already {:?}: only pending transactions can be replaced",
                    entry.hash, entry.status
                )
                .to_lowercase(),
            ));
        }
        let account = self.wallet.account(Chain::Ethereum, &entry.account).map_err(wallet_error)?;
        let address: Address = entry
            .account
            .parse()
            .map_err(|_| err(ErrorKind::Internal, format!("bad address {}", entry.account)))?;
        let (kind, title, what) = if form.cancel {
            (
                Replacement::Cancel,
                format!("Cancel: {}", entry.label),
                "A zero-value transfer to yourself with the same nonce takes its place. It still costs a network fee.",
            )
        } else {
            (
                Replacement::SpeedUp,
                format!("Speed up: {}", entry.label),
                "The same transaction again with fees at least 10% higher (or what the network asks now).",
            )
        };
        let preview = Preview {
            id: 0,
            title,
            network: entry.network.clone(),
            account: entry.account.clone(),
            signer: Self::signer_kind(&account),
            details: vec![
                ("Transaction".into(), entry.hash.clone()),
                ("Nonce".into(), entry.nonce.to_string()),
                ("What happens".into(), what.into()),
            ],
            changes: vec![],
            steps: vec![],
            fee: "at least 10% above the original's".into(),
            health_factor: None,
            findings: vec![],
            needs_override: false,
            would_fail: None,
        };
        let replace = EvmSignable::Replace { network: entry.network, hash: entry.hash, kind };
        let id = self.keep(address.to_checksum(None), Signable::Evm(replace));
        Ok(Preview { id, ..preview })
    }

    /// The seed of `vault` while the session is unlocked.
    fn unlocked_seed(&self, vault: &str) -> AppResult<vigil_signer::Seed> {
        self.session.seed(vault).ok_or_else(|| {
            err(ErrorKind::Locked, "the wallet is locked: enter your password to sign")
        })
    }

    /// The signer of `address`: its Ledger, or its vault while the session is unlocked.
    async fn signer(&self, address: &str) -> AppResult<Box<dyn EvmSigner>> {
        let checksum = address.to_owned();
        let account = self.wallet.account(Chain::Ethereum, &checksum).map_err(wallet_error)?;
        match (&account.signer, &account.path) {
            (SignerKind::Ledger, _) => {
                Ok(Box::new(self.wallet.ledger_evm_signer(&checksum).await.map_err(wallet_error)?))
            }
            (SignerKind::Software { vault }, Some(path)) => {
                let seed = self.unlocked_seed(vault)?;
                let signer = vigil_signer::SoftwareEvmSigner::from_seed(&seed, path)
                    .map_err(|e| wallet_error(e.into()))?;
                Ok(Box::new(signer))
            }
            _ => Err(wallet_error(WalletError::WatchOnly(checksum))),
        }
    }

    /// Signs and sends preview `id` exactly as previewed, reporting progress, and waits until
    /// every transaction is final. A preview is used once.
    pub async fn confirm(
        &self,
        id: u64,
        accept_risk: bool,
        progress: impl Fn(TxProgress) + Send + Sync,
    ) -> AppResult<Executed> {
        let kept = self.previews().remove(&id).ok_or_else(|| {
            err(
                ErrorKind::InvalidInput,
                "this preview has expired or was already used: preview again",
            )
        })?;
        if kept.made.elapsed() >= PREVIEW_TTL {
            return Err(err(
                ErrorKind::InvalidInput,
                "this preview is over 5 minutes old: preview again, prices move",
            ));
        }
        if kept.generation != self.session.generation() {
            return Err(err(
                ErrorKind::InvalidInput,
                "the wallet locked since this preview: preview again",
            ));
        }
        let Kept { account, generation, signable, made } = kept;
        let evm = match signable {
            Signable::Solana { plan, would_fail } => {
                if let Some(reason) = would_fail {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        format!("not signed: the simulation says it would fail ({reason})"),
                    ));
                }
                return match self.solana_signer(&account).await {
                    Ok(signer) => self.send_solana(id, &plan, signer.as_ref(), &progress).await,
                    Err(e) => {
                        // Locked: kept for the confirm that follows the unlock.
                        let kept = Kept {
                            account,
                            generation,
                            signable: Signable::Solana { plan, would_fail },
                            made,
                        };
                        self.previews().insert(id, kept);
                        Err(e)
                    }
                };
            }
            Signable::Evm(evm) => evm,
        };
        let signer = match self.signer(&account).await {
            Ok(s) => s,
            Err(e) => {
                let kept = Kept { account, generation, signable: Signable::Evm(evm), made };
                self.previews().insert(id, kept);
                return Err(e);
            }
        };
        match evm {
            EvmSignable::Plan { network, review } => {
                if let Some(reason) = review.simulation.revert_reason() {
                    return Err(err(
                        ErrorKind::InvalidInput,
                        format!("not signed: the simulation says it would fail ({reason})"),
                    ));
                }
                if review.needs_override() && !accept_risk {
                    let signable = Signable::Evm(EvmSignable::Plan { network, review });
                    let kept = Kept { account, generation, signable, made };
                    self.previews().insert(id, kept);
                    return Err(err(
                        ErrorKind::InvalidInput,
                        "not signed: tick \"I understand the risk\" to sign a preview with a danger finding",
                    ));
                }
                let (_, client) = self.connect(&network).await?;
                let labels: Vec<String> =
                    review.plan.steps.iter().map(|s| s.label.clone()).collect();
                let mut report = |e: TxEvent| {
                    let (step, stage, hash) = match e {
                        TxEvent::Sent { step, hash } => (step, "sent", hash),
                        TxEvent::Confirmed { step, hash, .. } => (step, "confirmed", hash),
                    };
                    progress(TxProgress {
                        id,
                        step: labels.get(step).cloned().unwrap_or_default(),
                        stage: stage.into(),
                        hash: Some(hash.to_string()),
                    });
                };
                let journal = execute::Journal { db: &self.db, network: &network };
                let receipts = execute::execute_journaled(
                    &client,
                    &review.plan,
                    &review.simulation,
                    signer.as_ref(),
                    journal,
                    &mut report,
                )
                .await
                .map_err(|e| match e {
                    execute::ExecuteError::Client(c) => network_error(c),
                    execute::ExecuteError::Signer(s) => err(ErrorKind::Ledger, s),
                    other => err(ErrorKind::Internal, other),
                })?;
                Ok(Executed {
                    hashes: receipts.iter().map(|r| r.transaction_hash.to_string()).collect(),
                })
            }
            EvmSignable::Replace { network, hash, kind } => {
                let (_, client) = self.connect(&network).await?;
                progress(TxProgress {
                    id,
                    step: "Replacement".into(),
                    stage: "signing".into(),
                    hash: None,
                });
                let new_hash =
                    replace::replace(&client, &self.db, &network, &hash, signer.as_ref(), kind)
                        .await
                        .map_err(|e| err(ErrorKind::InvalidInput, e))?;
                progress(TxProgress {
                    id,
                    step: "Replacement".into(),
                    stage: "confirmed".into(),
                    hash: Some(new_hash.to_string()),
                });
                Ok(Executed { hashes: vec![new_hash.to_string()] })
            }
        }
    }

    /// The transaction journal, newest first.
    pub fn activity(&self) -> AppResult<Vec<ActivityItem>> {
        let entries = self.db.journal(None, false, 500).map_err(|e| err(ErrorKind::Internal, e))?;
        Ok(entries
            .into_iter()
            .map(|e| ActivityItem {
                status: serde_name(e.status),
                hash: e.hash,
                network: e.network,
                account: e.account,
                nonce: e.nonce,
                label: e.label,
                replaces: e.replaces,
                block: e.block,
                sent_at: e.sent_at,
            })
            .collect())
    }

    /// The alert rules and the newest alerts.
    pub fn alerts(&self) -> AppResult<Alerts> {
        let config = self.config()?;
        let base = config.alerts.thresholds().map_err(|e| err(ErrorKind::InvalidInput, e))?;
        let mut rules = vec![RuleView {
            scope: "Every position".into(),
            account: None,
            warning: base.warning,
            critical: base.critical,
        }];
        for (account, t) in
            config.alerts.per_account().map_err(|e| err(ErrorKind::InvalidInput, e))?
        {
            rules.push(RuleView {
                scope: account.to_checksum(None),
                account: Some(account.to_checksum(None)),
                warning: t.warning,
                critical: t.critical,
            });
        }
        let history = self
            .db
            .alert_history(200)
            .map_err(|e| err(ErrorKind::Internal, e))?
            .into_iter()
            .map(|a| AlertView {
                key: a.key,
                level: serde_name(a.level),
                title: a.title,
                body: a.body,
                at: a.at,
            })
            .collect();
        let accounts = config
            .accounts
            .iter()
            .filter(|a| a.chain == Chain::Ethereum)
            .map(|a| a.address.clone())
            .collect();
        Ok(Alerts { rules, accounts, history })
    }

    /// Sets the thresholds of every position, or of one account (or removes the account's
    /// own), checked against the other levels before anything is written. The caller restarts
    /// the watcher.
    pub fn save_rule(&self, form: &vigil_api::RuleForm) -> AppResult<Alerts> {
        let levels = crate::config::LevelConfig {
            warning: Some(form.warning),
            critical: Some(form.critical),
            ..Default::default()
        };
        self.wallet.update_config(|config| {
            match form.account.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                None => {
                    config.alerts.levels.warning = levels.warning;
                    config.alerts.levels.critical = levels.critical;
                }
                Some(account) => {
                    let address: Address = vigil_signer::parse_evm_address(account)
                        .map_err(|e| err(ErrorKind::InvalidInput, e))?;
                    let same = |a: &crate::config::PositionAlertConfig| {
                        a.account.parse::<Address>().is_ok_and(|x| x == address)
                    };
                    config.alerts.positions.retain(|p| !same(p));
                    if !form.remove {
                        config.alerts.positions.push(crate::config::PositionAlertConfig {
                            account: address.to_checksum(None),
                            levels,
                        });
                    }
                }
            }
            // The same checks the watcher applies on start, before the file is written.
            config.alerts.per_account().map_err(|e| err(ErrorKind::InvalidInput, e))?;
            Ok::<(), CommandError>(())
        })?;
        self.alerts()
    }

    /// Checks and saves the settings; the session takes the new lock timeout at once. The
    /// caller restarts the watcher (RPC URLs may have changed).
    pub fn save_settings(&self, settings: &Settings) -> AppResult<Settings> {
        let invalid = |m: String| err(ErrorKind::InvalidInput, m);
        let lock_after = self.wallet.update_config(|config| {
            let preferences = crate::Preferences {
                currency: settings.currency.trim().to_uppercase(),
                slippage_percent: settings.slippage_percent,
                lock_after_secs: settings.lock_after_secs,
            };
            preferences.validate().map_err(invalid)?;
            let mut networks = Vec::with_capacity(settings.networks.len());
            for n in &settings.networks {
                let name = n.name.trim();
                if name.is_empty() || name.eq_ignore_ascii_case("devnet") {
                    return Err(invalid(format!(
                        "'{name}' cannot name a network: choose a name other than the devnet's"
                    )));
                }
                if n.chain_id == 0 {
                    return Err(invalid(format!("{name}: the chain id must be a positive number")));
                }
                let mut rpc_urls = Vec::new();
                for u in n.rpc_urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
                    let url = url::Url::parse(u)
                        .ok()
                        .filter(|url| matches!(url.scheme(), "http" | "https"))
                        .ok_or_else(|| invalid(format!("{name}: '{u}' is not an http(s) URL")))?;
                    rpc_urls.push(url);
                }
                if rpc_urls.is_empty() {
                    return Err(invalid(format!("{name}: give at least one RPC URL")));
                }
                // What the form does not show (WebSocket, explorer, symbol) is kept.
                let kept = config.networks.iter().find(|c| c.name.eq_ignore_ascii_case(name));
                networks.push(crate::NetworkConfig {
                    name: name.to_owned(),
                    chain_id: n.chain_id,
                    rpc_urls,
                    ws_url: kept.and_then(|k| k.ws_url.clone()),
                    explorer: kept.and_then(|k| k.explorer.clone()),
                    native_symbol: kept.and_then(|k| k.native_symbol.clone()),
                });
            }
            let notify: vigil_notifier::Level =
                serde_json::from_value(serde_json::Value::String(settings.notify_level.clone()))
                    .map_err(|_| {
                        invalid(format!(
                            "'{}' is not an alert level: ok, warning, critical or liquidatable",
                            settings.notify_level
                        ))
                    })?;
            config.preferences = preferences;
            config.networks = networks;
            // "ok" is the default: not written.
            config.alerts.notify = (notify != vigil_notifier::Level::Ok).then_some(notify);
            Ok::<_, CommandError>(config.preferences.lock_after())
        })?;
        self.session.set_lock_after(lock_after);
        self.settings()
    }

    /// Asks `url` for its chain id and latest block (5 s at most); it must serve `chain_id`.
    pub async fn test_rpc(&self, url: &str, chain_id: u64) -> AppResult<vigil_api::RpcTest> {
        use alloy::providers::{Provider, ProviderBuilder};
        let parsed = url::Url::parse(url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                err(ErrorKind::InvalidInput, format!("'{url}' is not an http(s) URL"))
            })?;
        let provider = ProviderBuilder::new().connect_http(parsed);
        let started = Instant::now();
        let asked =
            async { tokio::try_join!(provider.get_chain_id(), provider.get_block_number()) };
        let (served, block) = tokio::time::timeout(Duration::from_secs(5), asked)
            .await
            .map_err(|_| network_error(format!("{url} did not answer within 5 s")))?
            .map_err(|e| network_error(format!("cannot reach {url}: {e}")))?;
        if served != chain_id {
            return Err(err(
                ErrorKind::InvalidInput,
                format!(
                    "{url} serves chain {served}, not {chain_id}: check the URL or the chain id"
                ),
            ));
        }
        Ok(vigil_api::RpcTest {
            chain_id: served,
            block,
            latency_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// The settings as the config has them.
    pub fn settings(&self) -> AppResult<Settings> {
        let config = self.config()?;
        Ok(Settings {
            networks: config
                .networks
                .iter()
                .map(|n| vigil_api::NetworkSetting {
                    name: n.name.clone(),
                    chain_id: n.chain_id,
                    rpc_urls: n.rpc_urls.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            lock_after_secs: config.preferences.lock_after_secs,
            currency: config.preferences.currency.clone(),
            slippage_percent: config.preferences.slippage_percent,
            notify_level: serde_name(config.alerts.notify.unwrap_or(vigil_notifier::Level::Ok)),
        })
    }
}

#[cfg(test)]
mod tests {
    use vigil_signer::{KdfParams, Mnemonic, Vault, vault::InMemoryKeychain};

    use super::*;
    use crate::{Paths, db::JournalEntry};

    const JUNK: &str = "test test test test test test test test test test test junk";
    const DEMO: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    fn service(dir: &std::path::Path) -> AppService<InMemoryKeychain> {
        let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
        let wallet = Wallet::new(vault, Paths::under(dir.into()));
        let pw = Password::new("password1");
        wallet.import(APP_VAULT, &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        AppService::new(wallet).unwrap()
    }

    fn pending(service: &AppService<InMemoryKeychain>) -> String {
        let hash = format!("0x{}", "ab".repeat(32));
        service
            .db
            .journal_signed(&JournalEntry {
                hash: hash.clone(),
                network: "devnet".into(),
                chain_id: 31337,
                account: DEMO.into(),
                nonce: 3,
                label: "Swap".into(),
                raw: vec![2],
                status: TxStatus::Pending,
                replaces: None,
                block: None,
                sent_at: 1,
            })
            .unwrap();
        hash
    }

    #[tokio::test]
    async fn a_live_quote_is_not_activity_but_a_preview_is() {
        let dir = tempfile::tempdir().unwrap();
        let s = service(dir.path());
        s.session().set_lock_after(Duration::from_millis(300));
        let form = SwapForm {
            account: None,
            from: "ETH".into(),
            to: "USDC".into(),
            amount: "1".into(),
            slippage_percent: None,
        };
        // The same timeline for both: unlock, a call after 2/3 of the timeout, then past the
        // timeout since the unlock but not since the call. No devnet runs here, so both calls
        // fail to connect; what counts is whether they touched the session first.
        let pause = Duration::from_millis(200);
        s.unlock(&Password::new("password1")).unwrap();
        tokio::time::sleep(pause).await;
        assert!(s.quote_swap(&form).await.is_err());
        tokio::time::sleep(pause).await;
        assert!(s.session().lock_if_idle(), "the quote repeats every block: it is not activity");

        s.unlock(&Password::new("password1")).unwrap();
        tokio::time::sleep(pause).await;
        assert!(s.preview_swap(&form).await.is_err());
        tokio::time::sleep(pause).await;
        assert!(!s.session().lock_if_idle(), "asking for a preview is the user at work");
    }

    #[test]
    fn a_dashboard_is_converted_value_by_value_and_its_total_follows() {
        let position = PositionView {
            key: "devnet/aave/0x1".into(),
            protocol: "Aave V3".into(),
            network: "devnet".into(),
            account: DEMO.into(),
            health_factor: Some(1.5),
            level: "ok".into(),
            collateral: 300.0,
            debt: 100.0,
            available: 50.0,
            distance_to_liquidation: Some(0.3),
            assets: vec![PositionAssetView {
                symbol: "WETH".into(),
                supplied: "1".into(),
                debt: "0".into(),
                collateral: true,
                price: 2000.0,
                liquidation_price: Some(1500.0),
            }],
            history: vec![],
        };
        let mut d = Dashboard {
            currency: "USD".into(),
            total_value: None,
            balances: vec![AccountBalances {
                account: vigil_api::Account {
                    name: "a".into(),
                    chain: "ethereum".into(),
                    address: DEMO.into(),
                    path: None,
                },
                network: "devnet".into(),
                holdings: vec![HoldingView {
                    symbol: "ETH".into(),
                    amount: "1".into(),
                    value: Some(2000.0),
                }],
                value: Some(2000.0),
                error: None,
            }],
            positions: vec![position],
            errors: vec![],
        };
        convert(&Money { currency: "EUR".into(), usd_per_unit: 2.0 }, &mut d);
        assert_eq!(d.currency, "EUR");
        assert_eq!(d.balances[0].value, Some(1000.0));
        assert_eq!(d.balances[0].holdings[0].value, Some(1000.0));
        let p = &d.positions[0];
        assert_eq!((p.collateral, p.debt, p.available), (150.0, 50.0, 25.0));
        assert_eq!((p.assets[0].price, p.assets[0].liquidation_price), (1000.0, Some(750.0)));
        assert_eq!(p.health_factor, Some(1.5), "ratios do not change with the currency");
    }

    #[tokio::test]
    async fn a_preview_is_signed_only_in_the_session_generation_it_was_made_in() {
        let dir = tempfile::tempdir().unwrap();
        let s = service(dir.path());
        let hash = pending(&s);
        let form = ReplaceForm { hash, cancel: false };
        let preview = s.preview_replace(&form).unwrap();
        assert_eq!(preview.signer, ApiSigner::Software);
        assert!(preview.title.starts_with("Speed up: Swap"), "{}", preview.title);
        // The session locked since the preview (the idle timer, or a lock while a confirm was
        // in flight): it is void, even once unlocked again.
        s.session().lock();
        s.unlock(&Password::new("password1")).unwrap();
        let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
        assert!(e.message.contains("locked since this preview"), "{}", e.message);
        // And it was used up: a second confirm finds nothing.
        let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
        assert!(e.message.contains("expired or was already used"), "{}", e.message);
        // The app's own lock drops every preview at once.
        let form = ReplaceForm { hash: form.hash.clone(), cancel: true };
        let preview = s.preview_replace(&form).unwrap();
        s.lock();
        let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
        assert!(e.message.contains("expired or was already used"), "{}", e.message);
    }

    #[tokio::test]
    async fn a_locked_wallet_keeps_the_preview_for_the_confirm_after_unlocking() {
        let dir = tempfile::tempdir().unwrap();
        let s = service(dir.path());
        s.lock();
        assert!(s.lock_state().locked);
        let preview = s.preview_replace(&ReplaceForm { hash: pending(&s), cancel: true }).unwrap();
        let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Locked, "{}", e.message);
        // Still there: confirming again reaches the same point, not "already used".
        let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Locked, "{}", e.message);
    }
}
