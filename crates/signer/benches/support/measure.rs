//! The timing loop the signer's bench binaries share.

use std::time::{Duration, Instant};

/// Runs `f` once to warm up, then `runs` times, and prints the median and the slowest run.
pub(crate) fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let (p50, max) = (times[runs / 2], times[runs - 1]);
    println!("{name:<52} p50 {:>12}   max {:>12}   ({runs} runs)", shown(p50), shown(max));
}

/// Microseconds below a millisecond, milliseconds above.
fn shown(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.3} ms", d.as_secs_f64() * 1e3)
    }
}
