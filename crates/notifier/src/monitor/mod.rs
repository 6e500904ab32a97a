//! The monitor of one network: on every new block it reads every watched position at that
//! block in one batched call, evaluates the rules, and delivers what crossed a threshold.
//!
//! Faults are part of the design. A lost subscription falls back to polling; a failed read
//! leaves the data stale rather than guessed; after [`MonitorOptions::blind_after`] without
//! fresh data a "monitor blind" alert fires, and clears when data returns. Blocks missed in
//! between are not replayed: the latest state is what matters for a position, and crossings
//! are judged against the persisted alert state, so nothing is missed or repeated.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    aave::{self, LendError, Market},
    abi::IMulticall3,
    liquidity::{self, LiquidityError, LiquidityPosition, RangePool},
    multicall,
};

use crate::{
    alert::{Alert, LendingReading, MonitorEvent, Subject, unix_now},
    heads::{Head, Heads},
    rider::Rider,
    rules::{self, Decision, Level, Observation, RuleState, Thresholds},
    sink::Sink,
    store::{AlertStore, StoreError},
};

mod lending;
mod transactions;
mod words;

/// Errors of one read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Aave positions could not be read.
    #[error(transparent)]
    Lending(#[from] LendError),
    /// Liquidity positions could not be read.
    #[error(transparent)]
    Liquidity(#[from] LiquidityError),
    /// The alert state could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The node answered something unexpected.
    #[error("unexpected answer from the node: {0}")]
    Decode(String),
}

/// A block this many behind the last one read is a lagging node, not a reset chain; the
/// block a position was last checked at is also saved only this often.
const LAGGING_BLOCKS: u64 = 64;

/// How a monitor behaves.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    /// Thresholds for every position without its own.
    pub thresholds: Thresholds,
    /// Thresholds of particular accounts' lending positions.
    pub account_thresholds: HashMap<Address, Thresholds>,
    /// Without a new block for this long, poll the latest (and this often without WebSocket).
    pub poll_interval: Duration,
    /// Without fresh data for this long, the "monitor blind" alert fires.
    pub blind_after: Duration,
    /// Data from a block older than this is stale: alerts from it say so, and it does not count
    /// as fresh. `None` for chains that only make blocks on demand (the devnet).
    pub stale_after: Option<Duration>,
    /// Liquidity positions (which NFTs an owner holds) are re-read every this many blocks.
    pub rediscover_every: u64,
    /// A transaction unknown to the node for this long, with its nonce unused, is dropped.
    pub drop_after: Duration,
    /// The currency prices in alerts are written in.
    pub money: vigil_api::Money,
}

impl MonitorOptions {
    /// Defaults for `network`: blocks of real chains older than two minutes are stale.
    pub fn for_network(network: &Network) -> Self {
        let on_demand = network.is_local();
        Self {
            thresholds: Thresholds::default(),
            account_thresholds: HashMap::new(),
            poll_interval: if on_demand { Duration::from_secs(1) } else { Duration::from_secs(4) },
            blind_after: Duration::from_secs(60),
            stale_after: (!on_demand).then_some(Duration::from_secs(120)),
            rediscover_every: 50,
            drop_after: Duration::from_secs(30 * 60),
            money: vigil_api::Money::usd(),
        }
    }
}

/// A transaction of the wallet's own, followed to its final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedTx {
    /// Its hash.
    pub hash: B256,
    /// Its sender.
    pub from: Address,
    /// Its nonce.
    pub nonce: u64,
    /// When it was sent (unix seconds).
    pub sent_at: u64,
}

/// What to watch on one network.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    /// Accounts whose Aave V3 position is watched (the user's own and watch-only ones).
    pub lending: Vec<Address>,
    /// Accounts whose Uniswap V3 liquidity positions are watched.
    pub liquidity: Vec<Address>,
    /// Transactions to follow until they are final.
    pub transactions: Vec<TrackedTx>,
}

/// What one read found.
#[derive(Debug, Clone, Default)]
pub struct TickReport {
    /// The block read (`None`: the chain had not moved since the last read).
    pub block: Option<u64>,
    /// The alerts it raised.
    pub alerts: Vec<Alert>,
    /// The positions evaluated.
    pub positions: usize,
    /// The JSON-RPC requests it took.
    pub requests: u64,
}

/// One position seen at one block.
struct Seen {
    key: String,
    subject: Subject,
    observation: Observation,
    thresholds: Thresholds,
    /// Extra words for the alert (the distance, the range).
    detail: String,
}

/// The monitor of one network.
pub struct Monitor {
    network: Network,
    client: Arc<ChainClient>,
    watch: Watch,
    options: MonitorOptions,
    store: Arc<dyn AlertStore>,
    sinks: Vec<Arc<dyn Sink>>,
    events: broadcast::Sender<MonitorEvent>,
    track_tx: mpsc::UnboundedSender<TrackedTx>,
    new_txs: mpsc::UnboundedReceiver<TrackedTx>,
    market: Option<Market>,
    /// Each feed's realized volatility, read again only when the feed posts a round.
    volatility: aave::VolatilityCache,
    /// Since when (block time) each asset's oracle has been far from the DEX.
    deviated_since: HashMap<Address, u64>,
    liquidity: Vec<LiquidityPosition>,
    liquidity_read_at: Option<u64>,
    /// Each owner's V4 position ids found so far, and the first block not searched yet.
    v4_scans: HashMap<Address, (Vec<U256>, u64)>,
    last_block: Option<u64>,
    last_block_time: u64,
    last_fresh: Instant,
    blind: bool,
    started: bool,
    riders: Vec<Arc<dyn Rider>>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("network", &self.network.name)
            .field("last_block", &self.last_block)
            .field("blind", &self.blind)
            .finish_non_exhaustive()
    }
}

impl Monitor {
    /// A monitor of `network` (read through `client`) delivering to `sinks` and `events`.
    pub fn new(
        network: Network,
        client: Arc<ChainClient>,
        watch: Watch,
        options: MonitorOptions,
        store: Arc<dyn AlertStore>,
        sinks: Vec<Arc<dyn Sink>>,
        events: broadcast::Sender<MonitorEvent>,
    ) -> Self {
        let (track_tx, new_txs) = mpsc::unbounded_channel();
        Self {
            network,
            client,
            watch,
            options,
            store,
            sinks,
            events,
            track_tx,
            new_txs,
            market: None,
            volatility: aave::VolatilityCache::default(),
            deviated_since: HashMap::new(),
            liquidity: Vec::new(),
            liquidity_read_at: None,
            v4_scans: HashMap::new(),
            last_block: None,
            last_block_time: 0,
            last_fresh: Instant::now(),
            blind: false,
            started: false,
            riders: Vec::new(),
        }
    }

    /// Adds `rider`'s reads to this monitor's read of every block.
    #[must_use]
    pub fn with_rider(mut self, rider: Arc<dyn Rider>) -> Self {
        self.riders.push(rider);
        self
    }

    /// A handle that adds transactions to follow while the monitor runs.
    pub fn tracker(&self) -> mpsc::UnboundedSender<TrackedTx> {
        self.track_tx.clone()
    }

    /// Runs until `stop` completes: a read per new block (or per poll), the blind alert when
    /// data stops, and new transactions to follow as they are sent.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) {
        let mut heads = Heads::new(
            self.network.ws_url.clone(),
            self.network.chain_id,
            self.options.poll_interval,
        );
        tokio::pin!(stop);
        tracing::info!(network = %self.network.name, "watching {} lending account(s), {} liquidity owner(s), {} transaction(s)",
            self.watch.lending.len(), self.watch.liquidity.len(), self.watch.transactions.len());
        loop {
            let blind_at =
                tokio::time::Instant::from_std(self.last_fresh + self.options.blind_after);
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep_until(blind_at), if !self.blind => self.go_blind().await,
                Some(tx) = self.new_txs.recv() => self.watch.transactions.push(tx),
                head = heads.next() => {
                    let block = match head { Head::New(n) => Some(n), Head::Poll => None };
                    if let Err(e) = self.tick(block).await {
                        tracing::warn!(network = %self.network.name, subscribed = heads.subscribed(), "cannot read positions: {e}");
                    }
                }
            }
        }
        for rider in &self.riders {
            rider.stopped(&self.network.name);
        }
    }

    /// Reads every watched position at `block` (the latest if `None`), evaluates the rules and
    /// delivers the alerts. One JSON-RPC batch for all positions, one more for the detail of
    /// lending positions near a threshold, one for pending transactions.
    pub async fn tick(&mut self, block: Option<u64>) -> Result<TickReport, MonitorError> {
        let requests_before = self.client.requests();
        let number = match block {
            Some(n) => n,
            None => {
                self.client
                    .request(
                        |p| async move { alloy::providers::Provider::get_block_number(&p).await },
                    )
                    .await?
            }
        };
        let unchanged =
            TickReport { requests: self.client.requests() - requests_before, ..Default::default() };
        if self.last_block == Some(number) {
            // A quiet chain: the state read last is still the latest, as fresh as its block.
            let age = unix_now().saturating_sub(self.last_block_time);
            if self.options.stale_after.is_none_or(|s| age <= s.as_secs()) {
                self.fresh(number).await;
            }
            for rider in &self.riders {
                rider.unchanged(&self.network.name, number);
            }
            return Ok(unchanged);
        }
        if let Some(last) = self.last_block
            && number < last
            && last - number <= LAGGING_BLOCKS
        {
            // A node behind the one read last (fail-over, or a lagging WebSocket node): its
            // older state would undo what was seen. A bigger step back is a reset chain, read.
            tracing::debug!(network = %self.network.name, "ignoring block {number}, behind {last}");
            return Ok(unchanged);
        }
        let at = BlockId::Number(BlockNumberOrTag::Number(number));
        let (seen, block_time) = self.read_positions(number, at).await?;
        let now = unix_now();
        let age = now.saturating_sub(block_time);
        let stale = self.options.stale_after.is_some_and(|s| age > s.as_secs());
        let mut alerts = Vec::new();
        let mut changed = Vec::new();
        for s in &seen {
            let (alert, state) = self.evaluate(s, number, age, stale, now)?;
            alerts.extend(alert);
            changed.extend(state.map(|st| (s.key.as_str(), st)));
        }
        match self.check_transactions(number, at, now).await {
            Ok(tx_alerts) => alerts.extend(tx_alerts),
            // Tried again on the next block; positions must not wait for it.
            Err(e) => {
                tracing::warn!(network = %self.network.name, "cannot check transactions: {e}")
            }
        }
        let worst = seen
            .iter()
            .filter_map(|s| match s.observation {
                Observation::Lending { health_factor, .. } => health_factor,
                Observation::Liquidity { .. } | Observation::Feeds { .. } => None,
            })
            .min_by(f64::total_cmp);
        let lending = seen
            .iter()
            .filter_map(|s| match s.observation {
                Observation::Lending { health_factor, .. } => {
                    Some(LendingReading { key: s.key.clone(), health_factor })
                }
                Observation::Liquidity { .. } | Observation::Feeds { .. } => None,
            })
            .collect();
        // A position's feed rule rides along with it; it is not a position of its own.
        let positions =
            seen.iter().filter(|s| !matches!(s.observation, Observation::Feeds { .. })).count();
        self.deliver(&alerts).await;
        // Saved only once delivered: a read that fails halfway is judged again, not lost.
        for (key, state) in changed {
            self.save(key, state)?;
        }
        let _ = self.events.send(MonitorEvent::Tick {
            network: self.network.name.clone(),
            block: number,
            positions,
            worst_health_factor: worst,
            lending,
        });
        self.last_block = Some(number);
        self.last_block_time = block_time;
        self.started = true;
        if stale {
            tracing::warn!(network = %self.network.name, "block {number} is {age} s old: the node may be behind");
        } else {
            self.fresh(number).await;
        }
        Ok(TickReport {
            block: Some(number),
            alerts,
            positions,
            requests: self.client.requests() - requests_before,
        })
    }

    /// Every watched position at `number`, and that block's timestamp.
    async fn read_positions(
        &mut self,
        number: u64,
        at: BlockId,
    ) -> Result<(Vec<Seen>, u64), MonitorError> {
        let lending =
            !self.watch.lending.is_empty() && self.network.protocols.aave_v3_pool.is_some();
        if lending && self.market.is_none() {
            self.market = Some(aave::fetch_market(&self.client, &self.network).await?);
        }
        let rediscover = self
            .liquidity_read_at
            .is_none_or(|b| number.abs_diff(b) >= self.options.rediscover_every);
        if !self.watch.liquidity.is_empty() && rediscover {
            self.liquidity = self.read_range_positions(number, at).await?;
            self.liquidity_read_at = Some(number);
        }
        let pools: Vec<RangePool> = {
            let mut p: Vec<RangePool> = self.liquidity.iter().map(|l| l.pool).collect();
            p.sort();
            p.dedup();
            p
        };
        // One batch: the block's time and every pool's tick, then the accounts' health.
        let mut first = vec![(
            self.network.protocols.multicall3,
            Bytes::from(IMulticall3::getCurrentBlockTimestampCall {}.abi_encode()),
        )];
        first.extend(liquidity::tick_calls(&pools, self.network.protocols.uniswap_v4_state_view));
        // The feeds behind the market's prices: their age and, when one posts, its history.
        let feed_calls = match (lending, &self.market) {
            (true, Some(market)) => aave::feed_round_calls(market),
            _ => Vec::new(),
        };
        let n_feeds = feed_calls.len();
        first.extend(feed_calls);
        let mut batches = vec![first];
        if let (true, Some(market)) = (lending, &self.market) {
            batches.extend(aave::account_data_calls(market, &self.watch.lending));
        }
        let results = self.read_with_riders(batches, number, at).await?;
        let Some((first, health)) = results.split_first() else {
            return Err(MonitorError::Decode("an empty answer to the position batch".into()));
        };
        let block_time = first
            .first()
            .and_then(|a| a.as_ref())
            .and_then(|d| IMulticall3::getCurrentBlockTimestampCall::abi_decode_returns(d).ok())
            .map(|t: U256| t.saturating_to::<u64>())
            .ok_or_else(|| MonitorError::Decode("the block's timestamp".into()))?;
        let n_ticks = first.len().saturating_sub(1 + n_feeds);
        let ticks = liquidity::decode_ticks(&first[1..1 + n_ticks], &pools)?;
        let mut seen = Vec::new();
        if let (true, Some(market)) = (lending, &mut self.market) {
            aave::apply_feed_rounds(market, &first[1 + n_ticks..], block_time);
        }
        if lending {
            seen.extend(self.read_lending(health, block_time, at).await?);
        }
        let tick_of: BTreeMap<RangePool, i32> = pools.iter().copied().zip(ticks).collect();
        for p in &self.liquidity {
            let Some(&tick) = tick_of.get(&p.pool) else { continue };
            seen.push(Seen {
                key: match p.pool {
                    RangePool::V3(_) => format!("{}/uniswap-v3/{}", self.network.name, p.token_id),
                    RangePool::V4(_) => format!("{}/uniswap-v4/{}", self.network.name, p.token_id),
                },
                subject: Subject::Liquidity {
                    owner: p.owner.to_checksum(None),
                    token_id: p.token_id.to_string(),
                    pool: p.pool.to_string(),
                    protocol: p.protocol().name().to_owned(),
                },
                observation: Observation::Liquidity { in_range: p.in_range(tick) },
                thresholds: self.options.thresholds,
                detail: format!(
                    "The pool is at tick {tick}; the range is {} to {}.",
                    p.tick_lower, p.tick_upper
                ),
            });
        }
        Ok((seen, block_time))
    }

    /// The watched owners' Uniswap V3 and V4 range positions at `number`. V4's ids come from
    /// the PositionManager's Transfer events, searched from where the last search stopped.
    async fn read_range_positions(
        &mut self,
        number: u64,
        at: BlockId,
    ) -> Result<Vec<LiquidityPosition>, MonitorError> {
        let p = &self.network.protocols;
        let mut found = Vec::new();
        if p.uniswap_v3_position_manager.is_some() && p.uniswap_v3_factory.is_some() {
            found =
                liquidity::fetch_positions(&self.client, &self.network, &self.watch.liquidity, at)
                    .await?;
        }
        if p.uniswap_v4_position_manager.is_some() && p.uniswap_v4_state_view.is_some() {
            let start = p.uniswap_v4_position_manager_block.unwrap_or(0);
            for &owner in &self.watch.liquidity {
                let (ids, next) = self.v4_scans.entry(owner).or_insert((Vec::new(), start));
                if *next <= number {
                    let scan =
                        liquidity::owned_v4_ids(&self.client, &self.network, owner, *next, number)
                            .await?;
                    for id in scan.ids {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    *next = scan.next_block;
                }
                let ids = ids.clone();
                found.extend(
                    liquidity::fetch_v4_positions(&self.client, &self.network, owner, &ids, at)
                        .await?,
                );
            }
        }
        // A position with nothing in it cannot leave its range.
        found.retain(|l| l.liquidity > 0);
        Ok(found)
    }

    /// Sends the monitor's `own` batches with the riders' in one round trip, hands the riders
    /// their answers and returns the monitor's. If the whole read fails with the riders' calls
    /// in it, the monitor's own are read again alone: a rider never blinds the monitor.
    async fn read_with_riders(
        &self,
        own: Vec<Vec<(Address, Bytes)>>,
        number: u64,
        at: BlockId,
    ) -> Result<Vec<Vec<Option<Bytes>>>, MonitorError> {
        let multicall3 = self.network.protocols.multicall3;
        let riding: Vec<_> = self.riders.iter().map(|r| r.calls(&self.network.name)).collect();
        if riding.iter().all(Vec::is_empty) {
            return Ok(multicall::aggregate_batch(&self.client, multicall3, own, at).await?);
        }
        let split = own.len();
        let sizes: Vec<usize> = riding.iter().map(Vec::len).collect();
        let mut batches = own.clone();
        batches.extend(riding.into_iter().flatten());
        match multicall::aggregate_batch(&self.client, multicall3, batches, at).await {
            Ok(mut results) => {
                let mut theirs = results.split_off(split.min(results.len()));
                for (rider, n) in self.riders.iter().zip(sizes) {
                    let rest = theirs.split_off(n.min(theirs.len()));
                    if n > 0 {
                        rider.answers(&self.network.name, number, theirs);
                    }
                    theirs = rest;
                }
                Ok(results)
            }
            Err(e) => {
                tracing::debug!(network = %self.network.name, "a read with the riders' calls failed ({e}); reading alone");
                Ok(multicall::aggregate_batch(&self.client, multicall3, own, at).await?)
            }
        }
    }

    fn thresholds_of(&self, account: &Address) -> Thresholds {
        self.options.account_thresholds.get(account).copied().unwrap_or(self.options.thresholds)
    }

    /// Saves a position's new alert state. The snooze is taken from the store as it is now: the
    /// user may have chosen "Snooze 1 h" since the state was read.
    fn save(&self, key: &str, mut state: RuleState) -> Result<(), MonitorError> {
        let current = self.store.load(key)?;
        state.snoozed_until = state.snoozed_until.max(current.snoozed_until);
        self.store.save(key, &state)?;
        Ok(())
    }

    /// Runs the rules on one position: the alert, and the state to save if it changed (the
    /// block it was checked at only every [`LAGGING_BLOCKS`] blocks, not on every block).
    fn evaluate(
        &self,
        s: &Seen,
        block: u64,
        age: u64,
        stale: bool,
        now: u64,
    ) -> Result<(Option<Alert>, Option<RuleState>), MonitorError> {
        let state = self.store.load(&s.key)?;
        let (decision, mut next) = rules::evaluate(&s.thresholds, &state, &s.observation, now);
        let checked_long_ago = state.last_block.is_none_or(|b| block.abs_diff(b) >= LAGGING_BLOCKS);
        if next != state || checked_long_ago {
            next.last_block = Some(block);
        }
        let alert = match decision {
            Decision::Notify(level) => {
                let mut body = words::describe(s, level, &self.network.name);
                // A crossing found on the first read after a start happened while not watching.
                if !self.started
                    && let Some(b) = state.last_block
                {
                    body.push_str(&format!(
                        " This happened while Vigil was not watching (last checked at block {b})."
                    ));
                }
                if stale {
                    body.push_str(&format!(" Careful: these figures come from block {block}, {age} s old; the node may be behind."));
                }
                Some(Alert {
                    key: s.key.clone(),
                    network: self.network.name.clone(),
                    subject: s.subject.clone(),
                    level,
                    title: words::title(s, level),
                    body,
                    block: Some(block),
                    data_age_secs: Some(age),
                    stale,
                    observation: Some(s.observation),
                    at: now,
                })
            }
            Decision::Suppressed(level) => {
                tracing::debug!(key = %s.key, ?level, "held back by the cool-down or a snooze");
                None
            }
            Decision::Quiet => None,
        };
        Ok((alert, (next != state).then_some(next)))
    }

    /// Sends alerts to the event stream first (it never fails), then to every sink off the
    /// async runtime; a failing sink is logged and does not stop the others.
    async fn deliver(&self, alerts: &[Alert]) {
        if alerts.is_empty() {
            return;
        }
        for a in alerts {
            let _ = self.events.send(MonitorEvent::Alert(Box::new(a.clone())));
        }
        let sinks = self.sinks.clone();
        let alerts = alerts.to_vec();
        let delivered = tokio::task::spawn_blocking(move || {
            for a in &alerts {
                for s in &sinks {
                    if let Err(e) = s.deliver(a) {
                        tracing::error!(sink = s.name(), key = %a.key, "alert not delivered: {e}");
                    }
                }
            }
        })
        .await;
        if let Err(e) = delivered {
            tracing::error!("alert delivery panicked: {e}");
        }
    }

    async fn go_blind(&mut self) {
        self.blind = true;
        let secs = self.options.blind_after.as_secs();
        let since = self
            .last_block
            .map_or_else(|| "no block read yet".to_owned(), |b| format!("last good block {b}"));
        let body = format!(
            "No fresh data from {} for {secs} s ({since}): positions are not being watched. Check the connection or the RPC URLs in the settings.",
            self.network.name
        );
        let title = format!("Vigil cannot see {}", self.network.name);
        self.deliver(&[self.monitor_alert(true, title, body, self.last_block)]).await;
    }

    async fn fresh(&mut self, block: u64) {
        let was_blind_for = self.last_fresh.elapsed();
        self.last_fresh = Instant::now();
        if !self.blind {
            return;
        }
        self.blind = false;
        let body = format!(
            "Data is back at block {block} after {} s without it; every position was read again.",
            was_blind_for.as_secs()
        );
        let title = format!("Vigil sees {} again", self.network.name);
        self.deliver(&[self.monitor_alert(false, title, body, Some(block))]).await;
    }

    /// The monitor's own alert: blind (critical) or seeing again (ok).
    fn monitor_alert(&self, blind: bool, title: String, body: String, block: Option<u64>) -> Alert {
        Alert {
            key: format!("{}/monitor", self.network.name),
            network: self.network.name.clone(),
            subject: Subject::Monitor { blind },
            level: if blind { Level::Critical } else { Level::Ok },
            title,
            body,
            block,
            data_age_secs: None,
            stale: blind,
            observation: None,
            at: unix_now(),
        }
    }
}
