//! The monitor against the devnet's real Aave V3 and Uniswap V3, delivering to the real
//! notification server of the test session (dunst on a private bus): what the server received is
//! read off the bus, not taken from our own sink.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use tokio::sync::{broadcast, oneshot};
use vigil_defi_adapters::{ChainClient, Network};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet, DevnetOptions};
use vigil_notifier::{
    Alert, AlertStore, DesktopSink, Level, LogSink, MemoryStore, Monitor, MonitorEvent,
    MonitorOptions, Sink, Subject, Thresholds, TrackedTx, TxOutcome, UserAction, Watch,
    testing::{NotificationCapture, choose_action, close_all},
};

fn require_session() {
    assert!(
        std::env::var_os("VIGIL_TEST_SESSION").is_some(),
        "run the tests in scripts/desktop-session.sh (make test does): they need its notification server"
    );
}

fn dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// Options for tests: quick polls, no cool-down (so re-arming is visible at once), and the
/// 24-hour chance rule off: these tests swing WETH by tens of percent within seconds, which the
/// feed's volatility rightly reads as a likely liquidation that would hold a warning (that
/// rule has its own test, `rules::tests`, and the model its own on the devnet).
fn options(network: &Network) -> MonitorOptions {
    MonitorOptions {
        thresholds: Thresholds {
            cooldown_secs: 0,
            max_liquidation_probability: 1.0,
            ..Thresholds::default()
        },
        poll_interval: Duration::from_millis(250),
        blind_after: Duration::from_secs(30),
        ..MonitorOptions::for_network(network)
    }
}

/// The sample position (5 WETH supplied, 6,000 USDC owed, threshold 82.5%) has a health factor
/// of price / 1454.5: this is the WETH price that gives `hf`.
fn weth_price_for(hf: f64) -> f64 {
    hf * 6000.0 / (5.0 * 0.825)
}

struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    events: broadcast::Receiver<MonitorEvent>,
    tracker: tokio::sync::mpsc::UnboundedSender<TrackedTx>,
}

impl Running {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task).await.unwrap().unwrap();
    }

    /// The alerts raised up to and including the read of `block` (or later).
    async fn alerts_until(&mut self, block: u64) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Ok(MonitorEvent::Alert(a))) => alerts.push(*a),
                Ok(Ok(MonitorEvent::Tick { block: b, .. })) if b >= block => return alerts,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => panic!("event stream: {e}"),
                Err(_) => panic!("no read of block {block} within 20 s; alerts so far {alerts:?}"),
            }
        }
    }

    /// The next event matching `f`, within `secs`.
    async fn wait_event(&mut self, secs: u64, f: impl Fn(&MonitorEvent) -> bool) -> MonitorEvent {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Ok(e)) if f(&e) => return e,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => panic!("event stream: {e}"),
                Err(_) => panic!("no such event within {secs} s"),
            }
        }
    }
}

async fn start(
    network: &Network,
    watch: Watch,
    options: MonitorOptions,
    store: Arc<dyn AlertStore>,
    desktop: bool,
) -> Running {
    let client = Arc::new(ChainClient::connect(network).await.unwrap());
    let (events_tx, events) = broadcast::channel(256);
    let mut sinks: Vec<Arc<dyn Sink>> = vec![Arc::new(LogSink)];
    if desktop {
        sinks.push(Arc::new(DesktopSink::new(store.clone(), events_tx.clone())));
    }
    let monitor = Monitor::new(network.clone(), client, watch, options, store, sinks, events_tx);
    let tracker = monitor.tracker();
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(monitor.run(async move {
        let _ = stop_rx.await;
    }));
    Running { stop: Some(stop_tx), task, events, tracker }
}

async fn set_weth(devnet: &Devnet, usd: f64) -> u64 {
    devnet.set_price("WETH", usd, false).await.unwrap();
    devnet.provider().get_block_number().await.unwrap()
}

/// [`set_weth`] with the pools trading to the new price too, as arbitrage would.
async fn set_weth_and_pools(devnet: &Devnet, usd: f64) -> u64 {
    devnet.set_price("WETH", usd, true).await.unwrap();
    devnet.provider().get_block_number().await.unwrap()
}

fn levels(alerts: &[Alert]) -> Vec<Level> {
    alerts.iter().map(|a| a.level).collect()
}

/// The sample position's account, and a demo account without a position (not news).
fn sample_watch() -> Watch {
    Watch { lending: vec![DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[3]], ..Watch::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn price_steps_fire_one_notification_per_crossing_with_the_right_urgency() {
    require_session();
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let capture = NotificationCapture::start().unwrap();
    let first = set_weth(&devnet, weth_price_for(1.65)).await;
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    // Prices in alerts are in the user's currency.
    let euros = vigil_api::Money { currency: "EUR".into(), usd_per_unit: 1.25 };
    let options = MonitorOptions { money: euros, ..options(&network) };
    let mut m = start(&network, sample_watch(), options, store, true).await;
    assert!(m.alerts_until(first).await.is_empty(), "a healthy position raises nothing");

    // (health factor, the alert expected from that block)
    let steps = [
        (1.45, Some(Level::Warning)),
        (1.40, None), // still a warning: no second alert
        (1.52, None), // back above 1.5 but within the re-arm margin: nothing
        (1.45, None), // so crossing again is not news
        (1.15, Some(Level::Critical)),
        (0.96, Some(Level::Liquidatable)),
        (1.75, None), // recovered past every threshold plus the margin: re-armed
        (1.45, Some(Level::Warning)),
    ];
    for (hf, expected) in steps {
        let block = set_weth(&devnet, weth_price_for(hf)).await;
        let alerts = m.alerts_until(block).await;
        assert_eq!(
            levels(&alerts),
            expected.into_iter().collect::<Vec<_>>(),
            "at health factor {hf}"
        );
        for a in &alerts {
            let Some(vigil_notifier::rules::Observation::Lending {
                health_factor: Some(h), ..
            }) = a.observation
            else {
                panic!("{a:?}")
            };
            assert!((h - hf).abs() < 0.01, "observed {h}, set {hf}");
            assert_eq!(a.block, Some(block));
            assert!(a.key.ends_with(&format!("{:#x}", DEMO_ACCOUNTS[0])), "{}", a.key);
        }
    }
    m.stop().await;

    // Vigil's notifications only: the session bus is shared with whatever else runs there.
    let vigil = |all: Vec<vigil_notifier::testing::Notified>| {
        all.into_iter().filter(|n| n.app == "Vigil").collect::<Vec<_>>()
    };
    capture.wait_for(4, Duration::from_secs(5));
    // Nothing else trickles in afterwards.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = vigil(capture.notified());
    assert_eq!(got.len(), 4, "{got:#?}");
    let summary: Vec<(u8, &str)> =
        got.iter().map(|n| (n.urgency.unwrap(), n.summary.as_str())).collect();
    assert_eq!(
        summary,
        [
            (1, "Aave position at risk (health factor 1.45)"),
            (2, "Aave position critical (health factor 1.15)"),
            (2, "Aave position can be liquidated (health factor 0.96)"),
            (1, "Aave position at risk (health factor 1.45)"),
        ]
    );
    for n in &got {
        assert_eq!(n.app, "Vigil");
        assert_eq!(
            n.actions,
            ["default", "Open position", "protect", "Reduce risk", "snooze", "Snooze 1 h"]
        );
        assert!(n.body.contains("Aave account 0xf39F…2266 on devnet"), "{}", n.body);
    }
    assert!(
        got[1].body.contains("below 1.2")
            && got[1].body.contains("move against it (collateral down, debt up)")
    );
    // The liquidation price is about 1454.55 USD (see weth_price_for): 1163.64 EUR at 1.25.
    let eur = got[1]
        .body
        .split_once("WETH falling to ")
        .and_then(|(_, rest)| rest.split_once(" EUR liquidates it (now "))
        .map(|(price, _)| price.replace(',', "").parse::<f64>().unwrap())
        .unwrap_or_else(|| panic!("no price in euros: {}", got[1].body));
    assert!((eur - 1454.545 / 1.25).abs() < 0.5, "{}", got[1].body);
    assert!(got[2].body.contains("Anyone can liquidate it now"), "{}", got[2].body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_neither_repeats_nor_misses_a_crossing() {
    require_session();
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let capture = NotificationCapture::start().unwrap();
    // One store across runs stands for the wallet's database (its SQLite store is tested there).
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let watch = sample_watch();

    let block = set_weth(&devnet, weth_price_for(1.45)).await;
    let mut m = start(&network, watch.clone(), options(&network), store.clone(), true).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Warning]);
    m.stop().await;

    // Restarted with nothing new: the warning is not repeated.
    let mut m = start(&network, watch.clone(), options(&network), store.clone(), true).await;
    let block = devnet.provider().get_block_number().await.unwrap();
    assert!(m.alerts_until(block).await.is_empty());
    m.stop().await;

    // Critical while stopped: reported on start, saying so.
    let block = set_weth(&devnet, weth_price_for(1.15)).await;
    let mut m = start(&network, watch, options(&network), store, true).await;
    let alerts = m.alerts_until(block).await;
    assert_eq!(levels(&alerts), [Level::Critical]);
    assert!(alerts[0].body.contains("while Vigil was not watching"), "{}", alerts[0].body);
    let block = set_weth(&devnet, weth_price_for(1.12)).await;
    assert!(m.alerts_until(block).await.is_empty(), "same level, no repeat");
    m.stop().await;

    let got = capture.wait_for(2, Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(capture.notified().len(), 2, "{got:#?}");
    assert_eq!(got.iter().map(|n| n.urgency).collect::<Vec<_>>(), [Some(1), Some(2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_node_makes_the_monitor_blind_and_it_recovers_when_the_node_returns() {
    require_session();
    let tmp = tempfile::tempdir().unwrap();
    let opts = DevnetOptions {
        state_file: Some(tmp.path().join("state.json")),
        ..DevnetOptions::shared(dir())
    };
    let devnet = Devnet::start(opts.clone()).await.unwrap();
    let url: url::Url = devnet.url().parse().unwrap();
    let network = Network::devnet(devnet.manifest(), url.clone());
    let capture = NotificationCapture::start().unwrap();
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let options = MonitorOptions { blind_after: Duration::from_secs(2), ..options(&network) };
    let mut m = start(&network, sample_watch(), options, store, true).await;
    let block = set_weth(&devnet, weth_price_for(1.65)).await;
    assert!(m.alerts_until(block).await.is_empty());

    devnet.stop().await.unwrap();
    let blind = m.wait_event(15, |e| matches!(e, MonitorEvent::Alert(_))).await;
    let MonitorEvent::Alert(blind) = blind else { unreachable!() };
    assert_eq!(blind.subject, Subject::Monitor { blind: true });
    assert_eq!(blind.level, Level::Critical);

    // The node comes back on the same port with its state.
    let devnet = Devnet::start(DevnetOptions { port: url.port().unwrap(), ..opts }).await.unwrap();
    let back = m.wait_event(20, |e| matches!(e, MonitorEvent::Alert(_))).await;
    let MonitorEvent::Alert(back) = back else { unreachable!() };
    assert_eq!(back.subject, Subject::Monitor { blind: false });
    assert_eq!(back.level, Level::Ok);

    // And it watches again: a crossing after the restart is caught.
    let block = set_weth(&devnet, weth_price_for(1.45)).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Warning]);
    m.stop().await;

    let got = capture.wait_for(3, Duration::from_secs(5));
    let summary: Vec<(Option<u8>, &str)> =
        got.iter().map(|n| (n.urgency, n.summary.as_str())).collect();
    assert_eq!(
        summary,
        [
            (Some(2), "Vigil cannot see devnet"),
            (Some(0), "Vigil sees devnet again"),
            (Some(1), "Aave position at risk (health factor 1.45)"),
        ]
    );
    assert!(got[0].body.contains("No fresh data from devnet for 2 s"), "{}", got[0].body);
}

#[tokio::test(flavor = "multi_thread")]
async fn open_reduce_risk_and_snooze_chosen_in_the_notification_reach_the_app() {
    require_session();
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let capture = NotificationCapture::start().unwrap();
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    close_all().unwrap();
    let mut m = start(&network, sample_watch(), options(&network), store.clone(), true).await;
    let key = format!("devnet/aave/{:#x}", DEMO_ACCOUNTS[0]);

    let block = set_weth(&devnet, weth_price_for(1.45)).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Warning]);
    capture.wait_for(1, Duration::from_secs(5));
    choose_action("Open").unwrap();
    let open = m.wait_event(10, |e| matches!(e, MonitorEvent::Action { .. })).await;
    assert_eq!(open, MonitorEvent::Action { key: key.clone(), action: UserAction::Open });

    // Recovered and crossed again: "Reduce risk" asks the app for the plan back to safety.
    let block = set_weth(&devnet, weth_price_for(1.75)).await;
    m.alerts_until(block).await;
    let block = set_weth(&devnet, weth_price_for(1.45)).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Warning]);
    capture.wait_for(2, Duration::from_secs(5));
    choose_action("Reduce risk").unwrap();
    let protect = m.wait_event(10, |e| matches!(e, MonitorEvent::Action { .. })).await;
    assert_eq!(protect, MonitorEvent::Action { key: key.clone(), action: UserAction::Protect });

    let block = set_weth(&devnet, weth_price_for(1.75)).await;
    m.alerts_until(block).await;
    let block = set_weth(&devnet, weth_price_for(1.45)).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Warning]);
    capture.wait_for(3, Duration::from_secs(5));
    choose_action("Snooze").unwrap();
    let snooze = m.wait_event(10, |e| matches!(e, MonitorEvent::Action { .. })).await;
    assert_eq!(snooze, MonitorEvent::Action { key: key.clone(), action: UserAction::Snooze });
    let until = store.load(&key).unwrap().snoozed_until.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!((3_590..=3_610).contains(&(until - now)), "snoozed for {} s", until - now);

    // Snoozed: critical is held back, liquidatable still comes through.
    let block = set_weth(&devnet, weth_price_for(1.15)).await;
    assert!(m.alerts_until(block).await.is_empty(), "snoozed");
    let block = set_weth(&devnet, weth_price_for(0.96)).await;
    assert_eq!(levels(&m.alerts_until(block).await), [Level::Liquidatable]);
    m.stop().await;
    let got = capture.wait_for(4, Duration::from_secs(5));
    assert_eq!(got.len(), 4, "{got:#?}");
}

/// Captures log output, for asserting what the log says.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_notification_server_the_log_says_so_and_the_app_still_gets_the_alert() {
    // No session bus at all (each test runs in its own process under nextest).
    // SAFETY-free: set before any thread of this test reads the environment.
    unsafe_env_free_bus();
    let log = LogBuffer::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // Global: the sinks run on a blocking thread.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let client = Arc::new(ChainClient::connect(&network).await.unwrap());
    let (events_tx, mut events) = broadcast::channel(16);
    let sinks: Vec<Arc<dyn Sink>> =
        vec![Arc::new(LogSink), Arc::new(DesktopSink::new(store.clone(), events_tx.clone()))];
    let mut monitor = Monitor::new(
        network.clone(),
        client,
        sample_watch(),
        options(&network),
        store,
        sinks,
        events_tx,
    );
    set_weth(&devnet, weth_price_for(1.45)).await;
    let report = monitor.tick(None).await.unwrap();
    assert_eq!(levels(&report.alerts), [Level::Warning]);
    let MonitorEvent::Alert(a) = events.recv().await.unwrap() else { panic!("alert first") };
    assert_eq!(a.level, Level::Warning);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("sink=\"desktop\"")
            && text.contains("no desktop notification server answered"),
        "{text}"
    );
    assert!(text.contains("Aave position at risk (health factor 1.45)"), "the log line: {text}");
}

/// Points the session bus at nothing.
fn unsafe_env_free_bus() {
    let nowhere = tempfile::tempdir().unwrap().path().join("no-bus");
    // The test owns its process (nextest), and no other thread is running yet.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", nowhere.display()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn liquidity_out_of_range_and_transaction_outcomes() {
    use vigil_devnet::contracts::{IERC20, IUniswapV3Pool, IWETH9, NonfungiblePositionManager};
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let m = devnet.manifest().clone();
    let lp = DEMO_ACCOUNTS[1];
    let pool = m.uniswap_v3.pools.iter().find(|p| p.fee == 500).unwrap().address;
    let tick =
        IUniswapV3Pool::new(pool, devnet.provider()).slot0().call().await.unwrap().tick.as_i32();
    let (weth, usdc) = (m.weth, m.tokens["USDC"].address);
    let (t0, t1) = if weth < usdc { (weth, usdc) } else { (usdc, weth) };
    let npm = m.uniswap_v3.position_manager;
    for t in [t0, t1] {
        let approve = IERC20::approveCall { spender: npm, amount: U256::MAX };
        let tx = TransactionRequest::default().from(lp).to(t).with_input(approve.abi_encode());
        assert!(devnet.send_unlocked(tx).await.unwrap().status());
    }
    // A narrow range around the current tick (spacing 10): any real move takes it out.
    let lower = tick.div_euclid(10) * 10 - 10;
    let mint = NonfungiblePositionManager::mintCall {
        params: NonfungiblePositionManager::MintParams {
            token0: t0,
            token1: t1,
            fee: alloy::primitives::Uint::from(500),
            tickLower: alloy::primitives::aliases::I24::try_from(lower).unwrap(),
            tickUpper: alloy::primitives::aliases::I24::try_from(lower + 30).unwrap(),
            amount0Desired: U256::from(10u64).pow(U256::from(18)),
            amount1Desired: U256::from(10u64).pow(U256::from(18)),
            amount0Min: U256::ZERO,
            amount1Min: U256::ZERO,
            recipient: lp,
            deadline: U256::MAX,
        },
    };
    let tx = TransactionRequest::default().from(lp).to(npm).with_input(mint.abi_encode());
    assert!(devnet.send_unlocked(tx).await.unwrap().status(), "mint");
    // And a narrow V4 position in the native-ether pool, opened as the wallet opens one.
    {
        use vigil_defi_adapters::liquidity::{
            self, LiquidityAction, LiquidityRequest, Protocol, RangeChoice,
        };
        let client = vigil_defi_adapters::ChainClient::connect(&network).await.unwrap();
        let pools = liquidity::find_pools(&client, &network, weth, usdc).await.unwrap();
        let v4 = pools
            .iter()
            .find(|p| p.protocol == Protocol::UniswapV4 && p.fee() == Some(3000))
            .unwrap()
            .clone();
        let tick = v4.tick.unwrap();
        let action = LiquidityAction::Add {
            pool: v4,
            token_index: 0,
            amount: U256::from(10u64).pow(U256::from(17)),
            range: Some(RangeChoice::Ticks(tick - 60, tick + 60)),
        };
        let request = LiquidityRequest {
            account: lp,
            action,
            slippage_bps: 100,
            deadline: 4_000_000_000,
            native: true,
        };
        let (_, review) = liquidity::preview_liquidity(&client, &network, &request).await.unwrap();
        for step in &review.plan.steps {
            assert!(
                devnet.send_unlocked(step.request.clone().from(lp)).await.unwrap().status(),
                "{}",
                step.label
            );
        }
    }

    // Transactions: one that succeeds, one that reverts, one whose nonce another one took.
    let sender = DEMO_ACCOUNTS[2];
    let ok = devnet
        .send_unlocked(
            TransactionRequest::default().from(sender).to(DEMO_ACCOUNTS[3]).value(U256::from(1)),
        )
        .await
        .unwrap();
    let too_much = IWETH9::withdrawCall { amount: U256::MAX };
    let failed = devnet
        .send_unlocked(
            TransactionRequest::default()
                .from(sender)
                .to(weth)
                .with_input(too_much.abi_encode())
                .with_gas_limit(100_000),
        )
        .await
        .unwrap();
    assert!(!failed.status());
    let nonce = devnet.provider().get_transaction_count(sender).await.unwrap();
    let replaced = TrackedTx { hash: B256::repeat_byte(0xab), from: sender, nonce, sent_at: 0 };
    let sent_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let tracked = |hash, nonce| TrackedTx { hash, from: sender, nonce, sent_at };
    let watch = Watch {
        liquidity: vec![lp],
        transactions: vec![
            tracked(ok.transaction_hash, nonce - 2),
            tracked(failed.transaction_hash, nonce - 1),
        ],
        ..Watch::default()
    };
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let mut run = start(&network, watch, options(&network), store, false).await;
    let block = devnet.provider().get_block_number().await.unwrap();
    let alerts = run.alerts_until(block).await;
    let outcomes: Vec<_> = alerts
        .iter()
        .map(|a| match &a.subject {
            Subject::Transaction { outcome, .. } => (*outcome, a.level),
            other => panic!("only the transactions are news: {other:?}"),
        })
        .collect();
    assert_eq!(outcomes, [(TxOutcome::Confirmed, Level::Ok), (TxOutcome::Failed, Level::Warning)]);

    // A transaction sent while watching, then replaced by another with the same nonce.
    run.tracker.send(replaced).unwrap();
    let other = devnet
        .send_unlocked(
            TransactionRequest::default().from(sender).to(DEMO_ACCOUNTS[4]).value(U256::from(1)),
        )
        .await
        .unwrap();
    let alerts = run.alerts_until(other.block_number.unwrap()).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(matches!(alerts[0].subject, Subject::Transaction { outcome: TxOutcome::Dropped, .. }));
    assert!(
        alerts[0].body.contains(&format!("its nonce {nonce} was used by another transaction")),
        "{}",
        alerts[0].body
    );

    // The same, with the replacement followed too (the wallet's own speed-up or cancel): the
    // first is replaced, not dropped, and the replacement confirmed.
    let nonce = devnet.provider().get_transaction_count(sender).await.unwrap();
    let sped_up = TrackedTx { hash: B256::repeat_byte(0xcd), from: sender, nonce, sent_at };
    run.tracker.send(sped_up).unwrap();
    // Followed from the moment it is broadcast, before any block holds it.
    let provider = devnet.provider();
    let _: serde_json::Value =
        provider.raw_request("evm_setAutomine".into(), [false]).await.unwrap();
    let pending = provider
        .send_transaction(
            TransactionRequest::default().from(sender).to(DEMO_ACCOUNTS[4]).value(U256::from(2)),
        )
        .await
        .unwrap();
    run.tracker.send(tracked(*pending.tx_hash(), nonce)).unwrap();
    let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await.unwrap();
    let _: serde_json::Value =
        provider.raw_request("evm_setAutomine".into(), [true]).await.unwrap();
    let alerts = run.alerts_until(provider.get_block_number().await.unwrap()).await;
    let mut outcomes: Vec<_> = alerts
        .iter()
        .filter_map(|a| match &a.subject {
            Subject::Transaction { outcome, .. } => Some((*outcome, a.level)),
            _ => None,
        })
        .collect();
    outcomes.sort_by_key(|(o, _)| format!("{o:?}"));
    assert_eq!(outcomes, [(TxOutcome::Confirmed, Level::Ok), (TxOutcome::Replaced, Level::Ok)]);

    // Arbitrage to a new WETH price moves the pool out of the narrow range: one alert.
    devnet.set_price("WETH", 2300.0, true).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    let alerts = run.alerts_until(block).await;
    assert_eq!(levels(&alerts), [Level::Warning, Level::Warning], "{alerts:?}");
    let mut protocols = Vec::new();
    for alert in &alerts {
        let Subject::Liquidity { owner, protocol, .. } = &alert.subject else {
            panic!("{alerts:?}")
        };
        assert_eq!(owner.parse::<Address>().unwrap(), lp);
        assert!(alert.title.contains("out of range"));
        assert!(alert.body.starts_with(protocol.as_str()), "{}", alert.body);
        protocols.push(protocol.clone());
    }
    protocols.sort();
    assert_eq!(protocols, ["Uniswap V3", "Uniswap V4"], "both positions left their range");
    devnet.set_price("WETH", 2350.0, true).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    assert!(run.alerts_until(block).await.is_empty(), "still out of range: no repeat");
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_below_the_chosen_level_stay_off_the_desktop() {
    require_session();
    let capture = NotificationCapture::start().unwrap();
    let (events, _) = broadcast::channel(16);
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let sink = DesktopSink::new(store, events).with_min_level(Level::Critical);
    let alert = |level: Level, title: &str| Alert {
        key: format!("devnet/aave/{title}"),
        network: "devnet".into(),
        subject: Subject::Lending { account: DEMO_ACCOUNTS[0].to_checksum(None) },
        level,
        title: title.into(),
        body: "body".into(),
        block: Some(1),
        data_age_secs: Some(0),
        stale: false,
        observation: None,
        at: 0,
    };
    sink.deliver(&alert(Level::Ok, "ok level")).unwrap();
    sink.deliver(&alert(Level::Warning, "warning level")).unwrap();
    sink.deliver(&alert(Level::Critical, "critical level")).unwrap();
    sink.deliver(&alert(Level::Liquidatable, "liquidatable level")).unwrap();
    capture.wait_for(2, Duration::from_secs(5));
    // Whatever was going to arrive has arrived.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let titles: Vec<String> =
        capture.notified().into_iter().filter(|n| n.app == "Vigil").map(|n| n.summary).collect();
    assert_eq!(titles, ["critical level", "liquidatable level"]);
    close_all().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_feed_or_an_oracle_far_from_the_dex_raises_its_own_alert_at_the_notification_server()
 {
    require_session();
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let capture = NotificationCapture::start().unwrap();
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    // Health factor 1.65, the pools at the oracle's price: nothing to say.
    let block = set_weth_and_pools(&devnet, weth_price_for(1.65)).await;
    let mut m = start(&network, sample_watch(), options(&network), store, true).await;
    let first = m.alerts_until(block).await;
    assert!(first.is_empty(), "fresh feeds and a healthy position: {first:#?}");

    // Three hours without a round: WETH's feed beats hourly (stale), USDC's daily (not).
    use alloy::providers::ext::AnvilApi;
    devnet.provider().anvil_increase_time(3 * 3600 + 60).await.unwrap();
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    let alerts = m.alerts_until(block).await;
    assert_eq!(levels(&alerts), [Level::Warning], "{alerts:#?}");
    let stale = &alerts[0];
    assert!(stale.key.ends_with(&format!("{:#x}/feeds", DEMO_ACCOUNTS[0])), "{}", stale.key);
    assert!(
        stale.body.contains("priced by a feed that has not updated for 3 hours (WETH at "),
        "{}",
        stale.body
    );
    assert!(stale.body.contains("it posts at least every 60 minutes"), "{}", stale.body);
    assert!(!stale.body.contains("USDC"), "USDC's feed is within its day: {}", stale.body);
    // Still stale on the next block: not told twice.
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    assert!(m.alerts_until(block).await.is_empty());

    // The feed posts again: the rule re-arms quietly; a second silence is news again.
    let block = set_weth_and_pools(&devnet, weth_price_for(1.65)).await;
    assert!(m.alerts_until(block).await.is_empty());
    devnet.provider().anvil_increase_time(2 * 3600).await.unwrap();
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    let again = m.alerts_until(block).await;
    assert_eq!(levels(&again), [Level::Warning], "{again:#?}");
    assert!(again[0].body.contains("has not updated for 2 hours"), "{}", again[0].body);

    // Fresh again; then the oracle moves and the pools do not (health factor 1.52: near the
    // warning, read in detail): the oracle is 8% under what the DEX pays. USDC, priced in DAI,
    // is where it should be.
    let block = set_weth_and_pools(&devnet, weth_price_for(1.65)).await;
    assert!(m.alerts_until(block).await.is_empty());
    let block = set_weth(&devnet, weth_price_for(1.52)).await;
    assert!(m.alerts_until(block).await.is_empty(), "a gap of a moment is not news");
    // A minute later it still is: that is.
    devnet.provider().anvil_increase_time(61).await.unwrap();
    devnet.provider().anvil_mine(Some(1), None).await.unwrap();
    let block = devnet.provider().get_block_number().await.unwrap();
    let apart = m.alerts_until(block).await;
    assert_eq!(levels(&apart), [Level::Warning], "{apart:#?}");
    assert_eq!(apart[0].title, "Aave position's oracle far from the market");
    assert!(
        apart[0].body.contains("Aave's price for WETH ($2,210.91) is 8% below what a DEX pays"),
        "{}",
        apart[0].body
    );
    assert!(!apart[0].body.contains("price for USDC"), "{}", apart[0].body);
    m.stop().await;

    let got: Vec<_> = capture
        .wait_for(3, Duration::from_secs(5))
        .into_iter()
        .filter(|n| n.app == "Vigil")
        .collect();
    assert_eq!(got.len(), 3, "{got:#?}");
    for n in &got[..2] {
        assert_eq!(n.summary, "Aave position priced by a stale feed");
        assert_eq!(n.urgency, Some(1));
        assert!(n.body.contains("Aave account 0xf39F…2266 on devnet"), "{}", n.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_likely_liquidation_within_a_day_warns_at_the_notification_server() {
    require_session();
    let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir()).await.unwrap();
    let capture = NotificationCapture::start().unwrap();
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    // The chance rule on, at its default 5%.
    let options = MonitorOptions {
        thresholds: Thresholds { cooldown_secs: 0, ..Thresholds::default() },
        ..options(&network)
    };
    let block = set_weth_and_pools(&devnet, weth_price_for(3.0)).await;
    let mut m = start(&network, sample_watch(), options, store, true).await;
    let calm = m.alerts_until(block).await;
    assert!(calm.is_empty(), "health factor 3 after one jump: {calm:#?}");

    // WETH falls 47% in one round: its realized volatility jumps, and at a health factor of
    // 1.6 (above every health factor threshold) liquidation within a day is likely.
    let block = set_weth_and_pools(&devnet, weth_price_for(1.6)).await;
    let alerts = m.alerts_until(block).await;
    assert_eq!(levels(&alerts), [Level::Warning], "{alerts:#?}");
    let Some(vigil_notifier::rules::Observation::Lending {
        health_factor: Some(hf),
        probability: Some(p),
        ..
    }) = alerts[0].observation
    else {
        panic!("{alerts:#?}")
    };
    assert!(hf > 1.5 && p > 0.05, "health factor {hf}, chance {p}");
    assert!(
        alerts[0]
            .body
            .contains("At today's volatility the chance of liquidation within 24 hours is"),
        "{}",
        alerts[0].body
    );
    m.stop().await;
    let got: Vec<_> = capture
        .wait_for(1, Duration::from_secs(5))
        .into_iter()
        .filter(|n| n.app == "Vigil")
        .collect();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        (got[0].urgency, got[0].summary.as_str()),
        (Some(1), "Aave position at risk (health factor 1.60)")
    );
}
