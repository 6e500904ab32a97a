//! The app's dashboard over the services, on the devnet: one read of every visible account's
//! balances and positions, as the window asks for it on every block. p50, p95 and the RPC
//! requests each read sends beyond the watcher's own per-block read: first reading the chain
//! itself (no watcher running: the CLI, another network), then with the watcher taking the
//! dashboard's reads in its batch (the app).
//! Run: `cargo bench -p vigil-wallet --bench dashboard`.

use std::time::Instant;

use vigil_api::DashboardRequest;
use vigil_devnet::DevnetOptions;
use vigil_signer::{KdfParams, Password, Vault, vault::InMemoryKeychain};
use vigil_wallet::{Paths, Wallet, app::AppService};

const JUNK: &str = "test test test test test test test test test test test junk";

#[tokio::main]
async fn main() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let paths = Paths::under(home.path().into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let devnet = DevnetOptions { port, ..DevnetOptions::app(&paths.data_dir) };
    vigil_devnet::daemon::up(&devnet).await.unwrap_or_else(|e| panic!("{e}"));
    let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
    let service = AppService::new(Wallet::new(vault, paths)).unwrap_or_else(|e| panic!("{e}"));
    let phrase = zeroize::Zeroizing::new(JUNK.to_owned());
    service
        .import_wallet(phrase, &Password::new("quiet meadow lantern 58"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The local validator is not running here: its accounts show an error, read from loopback only.
    let request = DashboardRequest { network: "devnet".into(), solana_network: "localnet".into() };
    // The first read connects; the window's reads on later blocks reuse the client.
    service.dashboard(&request).await.unwrap_or_else(|e| panic!("{}", e.message));
    let (_, client) = service.evm("devnet").await.unwrap_or_else(|e| panic!("{}", e.message));
    let runs = 50;
    // One timed read, as the window makes it; the sample position must be in it.
    let read = async || {
        let t = Instant::now();
        let d = service.dashboard(&request).await.unwrap_or_else(|e| panic!("{}", e.message));
        assert!(!d.positions.is_empty(), "the sample position is read");
        t.elapsed()
    };
    let before = client.requests();
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(read().await);
    }
    let per_read = (client.requests() - before) as f64 / runs as f64;
    vigil_defi_adapters::testing::report(
        "dashboard read, alone (1 account, devnet)",
        times,
        per_read,
    );

    let watching = vigil_wallet::watch::start(
        service.wallet().paths(),
        vigil_wallet::watch::WatchRequest {
            networks: vec!["devnet".into()],
            rider: Some(service.dashboard_rider()),
            ..Default::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut events = watching.subscribe();
    let node = alloy::providers::ProviderBuilder::new()
        .connect_http(format!("http://127.0.0.1:{port}").parse().unwrap_or_else(|e| panic!("{e}")));
    let before = client.requests();
    let mut times = Vec::new();
    for _ in 0..runs {
        // A block, the watcher's read of it, then the window's reload.
        let _: String = alloy::providers::Provider::raw_request(&node, "evm_mine".into(), ())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        loop {
            match events.recv().await {
                Ok(vigil_notifier::MonitorEvent::Tick { .. }) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}"),
            }
        }
        times.push(read().await);
    }
    let per_read = (client.requests() - before) as f64 / runs as f64;
    vigil_defi_adapters::testing::report(
        "dashboard read, in the watcher's batch (1 account, devnet)",
        times,
        per_read,
    );
    watching.stop().await;
    let _ = vigil_devnet::daemon::down(&devnet).await;
}
