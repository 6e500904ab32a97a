//! Cold start and idle memory of the release app, next to a bare Tauri window measured the
//! same way in the same run (the floor), and the .deb's size. Run it inside the private
//! desktop session after `make deb` and `cargo build --release -p vigil-desktop --example bare`:
//!
//! ```sh
//! scripts/desktop-session.sh cargo bench -p vigil-e2e --bench app
//! ```
//!
//! Start: from asking WebDriver for a session (which launches the app) until the first
//! rendered dashboard (`#total-value`, the devnet's sample Aave position of a watch-only
//! wallet: balances and positions read from the chain), or the bare window's heading.
//! Memory: 10 s later, the PSS of the app and every process under it (WebKit's web and network
//! processes), from `/proc/PID/smaps_rollup`.

// A measuring binary: failing loudly is what it should do.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// Its unit tests are compiled in a bench too, without their #[test] functions.
#[path = "../screen.rs"]
#[allow(dead_code, unused_imports)]
mod screen;
#[path = "../support.rs"]
#[allow(dead_code)]
mod support;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

const RUNS: usize = 5;

fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The PSS (kB) of `pid` and all its descendants, with each process's name and share.
fn pss_tree(pid: u32) -> (u64, Vec<(String, u64)>) {
    let mut total = 0;
    let mut each = vec![];
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) {
            let kb = text
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            each.push((name.trim().to_owned(), kb));
            total += kb;
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    (total, each)
}

/// The newest process whose executable is `binary`.
fn pid_of(binary: &Path) -> u32 {
    let want = std::fs::canonicalize(binary).unwrap();
    let mut found = vec![];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == want) {
            found.push(pid);
        }
    }
    found.into_iter().max().unwrap_or_else(|| panic!("{} is not running", binary.display()))
}

struct Measured {
    start_ms: Vec<u128>,
    pss_kb: u64,
    processes: Vec<(String, u64)>,
}

async fn measure(profile: &support::Profile, binary: &Path, ready: &str) -> Measured {
    let mut start_ms = vec![];
    let mut pss_kb = 0;
    let mut processes = vec![];
    for run in 0..RUNS {
        let started = Instant::now();
        let app = profile.launch_binary(binary).await;
        app.find(ready).await;
        start_ms.push(started.elapsed().as_millis());
        if run == RUNS - 1 {
            tokio::time::sleep(Duration::from_secs(10)).await;
            (pss_kb, processes) = pss_tree(pid_of(binary));
        }
        app.quit().await;
    }
    start_ms.sort_unstable();
    Measured { start_ms, pss_kb, processes }
}

/// From choosing a network in the top bar to the first account listed on that network's
/// dashboard, in the release app: the first switch to each network connects to it (a chain-id
/// check per endpoint), later ones reuse its client. Each run is a new app, so every "first
/// time" is one.
async fn switch_network(profile: &support::Profile, binary: &Path) -> (Vec<u128>, Vec<u128>) {
    let (mut first, mut again) = (vec![], vec![]);
    let shown = |network: &str| format!(".account[data-network='{network}']");
    for _ in 0..RUNS {
        let app = profile.launch_binary(binary).await;
        app.find(&shown("devnet")).await;
        let started = Instant::now();
        app.select("#network-picker", "testchain").await;
        app.find(&shown("testchain")).await;
        first.push(started.elapsed().as_millis());
        app.select("#network-picker", "devnet").await;
        app.find(&shown("devnet")).await;
        let started = Instant::now();
        app.select("#network-picker", "testchain").await;
        app.find(&shown("testchain")).await;
        again.push(started.elapsed().as_millis());
        // Back where the next run starts.
        app.select("#network-picker", "devnet").await;
        app.find(&shown("devnet")).await;
        app.quit().await;
    }
    first.sort_unstable();
    again.sort_unstable();
    (first, again)
}

#[tokio::main]
async fn main() {
    vigil_defi_adapters::install_tls_provider();
    let release = target().join("release");
    let vigil = release.join("vigil-desktop");
    let bare = release.join("examples").join("bare");
    for b in [&vigil, &bare] {
        assert!(
            b.exists(),
            "{} is missing: run make deb and cargo build --release -p vigil-desktop --example bare",
            b.display()
        );
    }
    // A watch-only wallet of the demo account, whose dashboard has balances and the sample
    // Aave position, on this profile's devnet.
    let profile = support::Profile::new("bench");
    let _devnet = profile.devnet().await;
    let _second = profile.second_chain("testchain", 4242).await;
    let paths = vigil_wallet::Paths::under(profile.dir().to_path_buf());
    // The profile's config (the devnet chosen, the second chain added), with the account.
    let mut config = vigil_wallet::Config::load(&paths.config_file()).unwrap();
    config.accounts.push(vigil_wallet::AccountConfig {
        name: "Demo".into(),
        chain: vigil_signer::Chain::Ethereum,
        address: vigil_devnet::DEMO_ACCOUNTS[0].to_checksum(None),
        path: None,
        signer: vigil_wallet::SignerKind::Watch,
        hidden: false,
    });
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    config.save(&paths.config_file()).unwrap();

    let floor = measure(&profile, &bare, "#ready").await;
    let app = measure(&profile, &vigil, "#total-value").await;
    let switches = switch_network(&profile, &vigil).await;
    let deb = std::fs::read_dir(release.join("bundle/deb"))
        .ok()
        .and_then(|d| d.flatten().find(|e| e.path().extension().is_some_and(|x| x == "deb")))
        .map(|e| e.metadata().unwrap().len());
    let median = |m: &Measured| m.start_ms[m.start_ms.len() / 2];
    println!("cold start to first render, median of {RUNS} (min..max):");
    println!(
        "  vigil  {} ms ({}..{})   bare tauri {} ms ({}..{})",
        median(&app),
        app.start_ms[0],
        app.start_ms[RUNS - 1],
        median(&floor),
        floor.start_ms[0],
        floor.start_ms[RUNS - 1]
    );
    println!(
        "idle PSS (app + WebKit processes): vigil {:.1} MB   bare tauri {:.1} MB",
        app.pss_kb as f64 / 1024.0,
        floor.pss_kb as f64 / 1024.0
    );
    for (who, m) in [("vigil", &app), ("bare tauri", &floor)] {
        let parts: Vec<String> =
            m.processes.iter().map(|(n, kb)| format!("{n} {:.1}", *kb as f64 / 1024.0)).collect();
        println!("  {who}: {} (MB)", parts.join(", "));
    }
    let show = |ms: &[u128]| format!("{} ms ({}..{})", ms[ms.len() / 2], ms[0], ms[ms.len() - 1]);
    println!(
        "switching network to the other network's first rendered dashboard, median of {RUNS}:"
    );
    println!("  first time on a network (connect) {}", show(&switches.0));
    println!("  back to one already used {}", show(&switches.1));
    match deb {
        Some(bytes) => println!(".deb: {:.2} MB", bytes as f64 / 1_048_576.0),
        None => println!(".deb: not built (make deb)"),
    }
}
