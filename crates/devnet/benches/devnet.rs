//! Cold deployment and warm start of the devnet (targets: cold under 15 s, warm under 1 s).
//! Run: `cargo bench -p vigil-devnet --bench devnet`.

use std::time::{Duration, Instant};

use vigil_devnet::{Devnet, DevnetOptions};

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<48} p50 {:>8.0} ms   max {:>8.0} ms   ({} runs)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

#[tokio::main]
async fn main() {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let options = DevnetOptions {
            snapshot_dir: dir.path().to_owned(),
            state_file: Some(dir.path().join("current.state")),
            port: 0,
            chain_id: vigil_devnet::CHAIN_ID,
        };
        let t = Instant::now();
        let devnet = Devnet::start(options.clone()).await.unwrap_or_else(|e| panic!("{e}"));
        cold.push(t.elapsed());
        devnet.stop().await.unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..5 {
            let t = Instant::now();
            let devnet = Devnet::start(options.clone()).await.unwrap_or_else(|e| panic!("{e}"));
            warm.push(t.elapsed());
            devnet.stop().await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
    report("cold: start anvil + deploy everything + snapshot", cold);
    report("warm: start anvil + load saved state + verify", warm);
}
