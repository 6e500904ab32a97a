//! Watching positions: one notifier monitor per network, over the wallet's Ethereum accounts
//! (software, Ledger and watch-only) plus any extra addresses, with the alert rules of the
//! config and the alert state and history in the wallet's database. Used alike by the desktop
//! app (in the background, with the window closed) and by `vigil watch`.

use std::{sync::Arc, time::Duration};

use alloy::primitives::Address;
use tokio::{sync::broadcast, task::JoinHandle};
use vigil_defi_adapters::ChainClient;
use vigil_notifier::{
    AlertStore, DesktopSink, LogSink, Monitor, MonitorEvent, MonitorOptions, Sink, Watch,
    monitor::TrackedTx,
};
use vigil_signer::Chain;

use crate::{
    Config, Paths,
    db::{Database, DbError, HistorySink},
    portfolio::{self, PortfolioError},
};

/// Errors starting to watch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The config could not be read.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
    /// The alert rules in the config are invalid.
    #[error("invalid [alerts] in the config: {0}")]
    Rules(String),
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A network could not be found or reached.
    #[error("cannot watch {network}: {source}")]
    Network {
        /// The network.
        network: String,
        /// Why.
        source: PortfolioError,
    },
    /// Nothing to watch.
    #[error(
        "no Ethereum account to watch: import a wallet (vigil vault import) or pass --account ADDRESS"
    )]
    NothingToWatch,
}

/// What to watch beyond the config.
#[derive(Debug, Clone, Default)]
pub struct WatchRequest {
    /// Networks; empty: the config's `[alerts] networks`, or the network the user chose.
    pub networks: Vec<String>,
    /// Watch-only addresses besides the wallet's accounts.
    pub extra_accounts: Vec<Address>,
    /// Whether alerts go to the desktop's notification server.
    pub desktop: bool,
    /// Reads to take in every monitor's per-block read (the dashboard's).
    pub rider: Option<Arc<dyn vigil_notifier::Rider>>,
}

/// The running monitors. Dropping it stops them.
#[derive(Debug)]
pub struct Watching {
    events: broadcast::Sender<MonitorEvent>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    db: Arc<Database>,
    networks: Vec<String>,
    /// Each network's monitor takes new transactions to follow here.
    trackers: std::collections::HashMap<String, tokio::sync::mpsc::UnboundedSender<TrackedTx>>,
}

impl Watching {
    /// Follows a transaction just sent on `network` (when it is watched) until it is final,
    /// without waiting for a restart.
    pub fn track(&self, network: &str, hash: &str, account: &str, nonce: u64) -> bool {
        let Some(tracker) = self.trackers.get(network) else { return false };
        let (Ok(hash), Ok(from)) = (hash.parse(), account.parse()) else { return false };
        let tx = TrackedTx { hash, from, nonce, sent_at: crate::db::unix_now() };
        tracker.send(tx).is_ok()
    }

    /// Every alert, action and block read from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<MonitorEvent> {
        self.events.subscribe()
    }

    /// The database the alerts are recorded in.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    /// The networks being watched.
    pub fn networks(&self) -> &[String] {
        &self.networks
    }

    /// Stops every monitor and waits (at most 10 s) for them to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The wallet's Ethereum accounts (every signer kind), then `extra`, without repeats.
fn accounts(config: &Config, extra: &[Address]) -> Vec<Address> {
    let mut out: Vec<Address> = config
        .accounts
        .iter()
        .filter(|a| a.chain == Chain::Ethereum)
        .filter_map(|a| a.address.parse().ok())
        .collect();
    for a in extra {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out
}

/// Keeps every lending position's health factor per block in the database, for its chart.
async fn record_health(
    db: Arc<Database>,
    mut events: broadcast::Receiver<MonitorEvent>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let event = tokio::select! {
            _ = stopped.wait_for(|s| *s) => return,
            e = events.recv() => e,
        };
        match event {
            Ok(MonitorEvent::Tick { block, lending, .. }) => {
                let at = crate::db::unix_now();
                for r in lending {
                    if let Err(e) = db.record_health(&r.key, block, at, r.health_factor) {
                        tracing::warn!("cannot record the health factor of {}: {e}", r.key);
                    }
                }
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Starts a monitor per network.
pub async fn start(paths: &Paths, request: WatchRequest) -> Result<Watching, WatchError> {
    let config = Config::load(&paths.config_file())?;
    let thresholds = config.alerts.thresholds().map_err(WatchError::Rules)?;
    let per_account = config.alerts.per_account().map_err(WatchError::Rules)?;
    let accounts = accounts(&config, &request.extra_accounts);
    if accounts.is_empty() {
        return Err(WatchError::NothingToWatch);
    }
    let networks = if !request.networks.is_empty() {
        request.networks.clone()
    } else if !config.alerts.networks.is_empty() {
        config.alerts.networks.clone()
    } else {
        vec![config.preferences.network().to_owned()]
    };
    let db = Arc::new(Database::open(&Database::file(&paths.data_dir))?);
    let store: Arc<dyn AlertStore> = db.clone();
    let (events, _) = broadcast::channel(1024);
    let mut sinks: Vec<Arc<dyn Sink>> = vec![Arc::new(LogSink), Arc::new(HistorySink(db.clone()))];
    if request.desktop {
        let desktop = DesktopSink::new(store.clone(), events.clone())
            .with_min_level(config.alerts.notify.unwrap_or(vigil_notifier::Level::Ok));
        sinks.push(Arc::new(desktop));
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks =
        vec![tokio::spawn(record_health(db.clone(), events.subscribe(), stopped.clone()))];
    let mut trackers = std::collections::HashMap::new();
    for name in &networks {
        let fail = |source| WatchError::Network { network: name.clone(), source };
        let network = portfolio::network(name, paths).map_err(fail)?;
        let client = ChainClient::connect(&network).await.map_err(|e| fail(e.into()))?;
        let mut options = MonitorOptions::for_network(&network);
        options.thresholds = thresholds;
        options.account_thresholds = per_account.iter().copied().collect();
        if let Some(s) = config.alerts.blind_after_secs {
            options.blind_after = Duration::from_secs(s);
        }
        // Prices in alerts in the user's currency, at the rate when watching starts (it
        // restarts when settings change); without the feed they stay in USD.
        let currency = &config.preferences.currency;
        match vigil_defi_adapters::fiat::usd_per_unit(&client, &network, currency).await {
            Ok(usd_per_unit) => {
                options.money = vigil_api::Money { currency: currency.clone(), usd_per_unit };
            }
            Err(e) => tracing::warn!("alerts on {name} show USD: {e}"),
        }
        // Transactions journaled but not final are followed again until they are. Vigil may
        // have stopped after journaling one and before the node had it: that one is sent now.
        let unfinished = db.journal(Some(name), true, 1000)?;
        for entry in &unfinished {
            match crate::execute::resume(&client, entry).await {
                Ok(crate::execute::Resumed::Sent) => tracing::warn!(
                    "{} ({}) was signed but not yet sent when Vigil stopped: sent it now",
                    entry.hash,
                    entry.label
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot check {} on {name}: {e}", entry.hash),
            }
        }
        let transactions = unfinished
            .into_iter()
            .filter_map(|e| {
                Some(TrackedTx {
                    hash: e.hash.parse().ok()?,
                    from: e.account.parse().ok()?,
                    nonce: e.nonce,
                    sent_at: e.sent_at,
                })
            })
            .collect();
        let watch = Watch { lending: accounts.clone(), liquidity: accounts.clone(), transactions };
        let mut monitor = Monitor::new(
            network,
            Arc::new(client),
            watch,
            options,
            store.clone(),
            sinks.clone(),
            events.clone(),
        );
        if let Some(rider) = &request.rider {
            monitor = monitor.with_rider(rider.clone());
        }
        trackers.insert(name.clone(), monitor.tracker());
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(monitor.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    Ok(Watching { events, stop, tasks, db, networks, trackers })
}
