//! Latency from the block that moves a price to the `Notify` call reaching the notification
//! server, read off the session bus by `dbus-monitor`. Needs the test session:
//!
//! `scripts/desktop-session.sh cargo bench -p vigil-notifier --bench alert_latency`
//!
//! Each round sets the WETH oracle price so that the devnet's sample position crosses the
//! warning threshold (the devnet mines the block), then waits for the notification; a second
//! block recovers the position, which re-arms the rule. The clock starts before the price is
//! set, so the figure includes that RPC round trip (about a millisecond) too.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::providers::Provider;
use tokio::sync::broadcast;
use vigil_defi_adapters::{ChainClient, Network};
use vigil_devnet::DEMO_ACCOUNTS;
use vigil_notifier::{
    AlertStore, DesktopSink, MemoryStore, Monitor, MonitorEvent, MonitorOptions, Sink, Thresholds,
    Watch, testing::NotificationCapture,
};

const ROUNDS: usize = 25;

fn price_for(hf: f64) -> f64 {
    hf * 6000.0 / 4.125
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

async fn measure(devnet: &vigil_devnet::Devnet, network: Network, label: &str) {
    let capture = NotificationCapture::start().expect("run under scripts/desktop-session.sh");
    let store: Arc<dyn AlertStore> = Arc::new(MemoryStore::default());
    let (events_tx, mut events) = broadcast::channel(256);
    let sinks: Vec<Arc<dyn Sink>> =
        vec![Arc::new(DesktopSink::new(store.clone(), events_tx.clone()))];
    let options = MonitorOptions {
        // The rounds swing WETH by 17% every second, which the feed's realized volatility
        // rightly reads as a likely liquidation: the chance rule would hold the warning. This
        // bench measures the health factor's crossing, so that rule is off.
        thresholds: Thresholds {
            cooldown_secs: 0,
            max_liquidation_probability: 1.0,
            ..Thresholds::default()
        },
        poll_interval: Duration::from_millis(250),
        ..MonitorOptions::for_network(&network)
    };
    let client = Arc::new(ChainClient::connect(&network).await.unwrap());
    let watch = Watch { lending: vec![DEMO_ACCOUNTS[0]], ..Watch::default() };
    let monitor = Monitor::new(network, client, watch, options, store, sinks, events_tx);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(monitor.run(async move {
        let _ = stop_rx.await;
    }));
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        devnet.set_price("WETH", price_for(1.7), false).await.unwrap();
        let healthy = devnet.provider().get_block_number().await.unwrap();
        loop {
            if let Ok(MonitorEvent::Tick { block, .. }) = events.recv().await
                && block >= healthy
            {
                break;
            }
        }
        let before = capture.notified().len();
        let t0 = now();
        devnet.set_price("WETH", price_for(1.45), false).await.unwrap();
        let got = capture.wait_for(before + 1, Duration::from_secs(10));
        let n = got.get(before).expect("a notification");
        times.push(Duration::from_secs_f64((n.at - t0).max(0.0)));
    }
    let _ = stop_tx.send(());
    let _ = task.await;
    vigil_defi_adapters::testing::report(label, times, 0.0);
}

/// One block's read and evaluation of 1,000 watched accounts through `Monitor::tick`.
async fn thousand_accounts(devnet: &vigil_devnet::Devnet, network: Network) {
    let mut lending: Vec<alloy::primitives::Address> = DEMO_ACCOUNTS.to_vec();
    // Accounts without a position cost the same read as ones with.
    lending.extend((lending.len()..1_000).map(|i| {
        let mut b = [0u8; 20];
        b[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
        alloy::primitives::Address::from(b)
    }));
    let client = Arc::new(ChainClient::connect(&network).await.unwrap());
    let (events_tx, _events) = broadcast::channel(16);
    let watch = Watch { lending, ..Watch::default() };
    let options = MonitorOptions::for_network(&network);
    let mut monitor = Monitor::new(
        network,
        client,
        watch,
        options,
        Arc::new(MemoryStore::default()),
        vec![],
        events_tx,
    );
    monitor.tick(None).await.unwrap(); // the market, read once
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..20 {
        devnet.provider().raw_request::<_, serde_json::Value>("evm_mine".into(), ()).await.unwrap();
        let block = devnet.provider().get_block_number().await.unwrap();
        let t = std::time::Instant::now();
        let report = monitor.tick(Some(block)).await.unwrap();
        times.push(t.elapsed());
        assert_eq!(report.positions, 1, "only the sample account has a position");
        requests = report.requests;
    }
    vigil_defi_adapters::testing::report(
        "1,000 accounts, one block (Monitor::tick)",
        times,
        requests as f64,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let (devnet, network, _client) = vigil_defi_adapters::testing::devnet(dir).await.unwrap();
        measure(&devnet, network.clone(), "block → Notify (WebSocket newHeads)").await;
        let polling = Network { ws_url: None, ..network.clone() };
        measure(&devnet, polling, "block → Notify (HTTP polling, 250 ms)").await;
        thousand_accounts(&devnet, network).await;
    });
}
