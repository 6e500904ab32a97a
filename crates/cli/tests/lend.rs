//! `vigil lend` as a user runs it, against the devnet's real Aave V3: the market, the position
//! with its stress table, and previewed actions signed with the vault.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Env, err, out};

const SAMPLE: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", err(o));
    serde_json::from_str(&out(o)).unwrap()
}

#[test]
fn markets_position_and_previews_without_a_vault() {
    let env = Env::new("lend-read");
    assert!(env.vigil(&["devnet", "up"]).status.success());

    let o = env.vigil(&["lend", "markets"]);
    assert!(o.status.success(), "{}", err(&o));
    let table = out(&o);
    let weth = table.lines().find(|l| l.trim_start().starts_with("WETH")).unwrap();
    for cell in ["$2000.00", "80.0%", "82.5%", "5.0%", "active"] {
        assert!(weth.contains(cell), "{cell} in {weth}");
    }
    let m = json(&env.vigil(&["lend", "markets", "--json"]));
    assert_eq!(m["reserves"][3]["symbol"], "WBTC");
    assert_eq!(m["reserves"][3]["liquidation_threshold_bps"], 7800);

    let p = json(&env.vigil(&["lend", "position", "--account", SAMPLE, "--json"]));
    assert!((p["health_factor"].as_f64().unwrap() - 1.375).abs() < 1e-3, "{p}");
    assert_eq!(p["health_factor_wad"].as_str().unwrap().len(), 19, "{p}");
    assert_eq!(p["matches_pool"], true, "Vigil's figure is the pool's: {p}");
    assert_eq!(p["pool_health_factor"], p["health_factor"]);
    let distance = p["distance_to_liquidation"].as_f64().unwrap();
    // WETH down and USDC up by x: 1.375 (1 - x) = 1 + x.
    assert!((distance - 0.375 / 2.375).abs() < 1e-3, "{distance}");
    let weth = p["assets"].as_array().unwrap().iter().find(|a| a["symbol"] == "WETH").unwrap();
    assert!((weth["liquidation_price_usd"].as_f64().unwrap() - 6000.0 / 4.125).abs() < 0.1);
    let stress = &p["stress"][0];
    assert_eq!(stress["asset"], "WETH");
    assert_eq!((&stress["kind"], stress["points"].as_array().unwrap().len()), (&"fall".into(), 4));
    assert!((stress["points"][1]["health_factor"].as_f64().unwrap() - 1.1).abs() < 1e-3);
    let usdc_rise = &p["stress"][1];
    assert_eq!((&usdc_rise["asset"], &usdc_rise["kind"]), (&"USDC".into(), &"rise".into()));
    // USDC 10% up: 1.375 / 1.1.
    assert!((usdc_rise["points"][0]["health_factor"].as_f64().unwrap() - 1.25).abs() < 1e-3);

    let o = env.vigil(&["lend", "position", "--account", SAMPLE]);
    assert!(
        out(&o).contains("liquidated if collateral falls and debt rises 15.79%"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("stress test"), "{}", out(&o));
    assert!(out(&o).contains("USDC depegs: $1.10 → 1.250"), "{}", out(&o));
    // The feeds behind it, their age and how much each moves, and the day's chance.
    let weth_feed = format!("WETH   priced by feed {}", p["feeds"][0]["feed"].as_str().unwrap());
    assert!(out(&o).to_lowercase().contains(&weth_feed.to_lowercase()), "{}", out(&o));
    assert!(out(&o).contains("posts at least every 60 minutes): fresh"), "{}", out(&o));
    assert!(
        out(&o).contains("chance of liquidation within 24 hours at today's volatility: under 0.1%"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("a day"), "volatility per asset: {}", out(&o));
    let chance = p["liquidation_probability_24h"].as_f64().unwrap();
    assert!((0.0..0.001).contains(&chance), "{p}");
    assert_eq!(p["feeds"][0]["heartbeat_secs"], 3600, "{p}");

    // A preview stops before the vault; the danger finding is shown.
    let borrow = ["lend", "borrow", "--asset", "USDC", "--amount", "1857", "--account", SAMPLE];
    let o = env.vigil(&[&borrow[..], &["--preview-only"]].concat());
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("health factor   1.375 → 1.050"), "{}", out(&o));
    assert!(out(&o).contains("[Danger] Health factor 1.050"), "{}", out(&o));
    let o = env.vigil(&[&borrow[..], &["--yes"]].concat());
    assert!(err(&o).contains("--accept-risk"), "{}", err(&o));

    // Bad input: clear errors, exit non-zero.
    for (args, message) in [
        (
            vec!["lend", "supply", "--asset", "UNI", "--amount", "1"],
            "UNI is not in the Aave market on devnet; it lists WETH, USDC, DAI, WBTC",
        ),
        (vec!["lend", "repay", "--asset", "USDC", "--amount", "7000"], "the account owes 6000"),
        (
            vec!["lend", "withdraw", "--asset", "WETH", "--amount", "3"],
            "refused: withdraw 3 WETH would leave the health factor at 0.550",
        ),
        (
            vec!["lend", "borrow", "--asset", "USDC", "--amount", "-5"],
            "the amount must be positive",
        ),
        (vec!["lend", "borrow", "--asset", "USDC", "--amount", "lots"], "lots"),
        (
            vec!["lend", "collateral", "--asset", "WETH", "--disable", "--enable"],
            "cannot be used with",
        ),
        (vec!["lend", "position", "--network", "nowhere"], "nowhere"),
    ] {
        let o = env.vigil(&[&args[..], &["--account", SAMPLE]].concat());
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err(&o).contains(message), "{args:?}: {}", err(&o));
    }
}

#[test]
fn supply_borrow_repay_and_withdraw_signed_with_the_vault() {
    let env = Env::new("lend-sign");
    env.import_junk("hunter2 orbit meadow");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    // The wallet's first account holds the sample position: 5 WETH, 6,000 USDC owed.
    let act = |args: &[&str]| {
        let o = env.vigil_stdin(
            &[args, &["--yes", "--password-stdin"]].concat(),
            "hunter2 orbit meadow\n",
        );
        assert!(o.status.success(), "{args:?}: {}", err(&o));
        o
    };
    let position = || json(&env.vigil(&["lend", "position", "--json"]));

    let o = act(&["lend", "supply", "--asset", "DAI", "--amount", "2000"]);
    let hashes = out(&o).lines().filter(|l| l.starts_with("0x") && l.len() == 66).count();
    assert_eq!(hashes, 2, "approve and supply: {}", out(&o));
    assert!(err(&o).contains("mined   Supply 2000 DAI to Aave"), "{}", err(&o));
    act(&["lend", "borrow", "--asset", "USDC", "--amount", "1000"]);
    let p = position();
    // (5 × 2,000 × 0.825 + 2,000 × 0.8) / 7,000.
    assert!((p["health_factor"].as_f64().unwrap() - 9850.0 / 7000.0).abs() < 1e-3, "{p}");
    act(&["lend", "repay", "--asset", "USDC", "--amount", "max"]);
    assert!(position()["health_factor"].is_null(), "no debt left");
    act(&["lend", "withdraw", "--asset", "DAI", "--amount", "max"]);
    let assets = position()["assets"].clone();
    let symbols: Vec<&str> =
        assets.as_array().unwrap().iter().map(|a| a["symbol"].as_str().unwrap()).collect();
    assert_eq!(symbols, ["WETH"], "the DAI is all withdrawn and the USDC debt repaid");
}

#[test]
fn protect_brings_the_sample_position_back_to_the_target_after_a_price_cut() {
    let env = Env::new("lend-protect");
    env.import_junk("hunter2 orbit meadow");
    assert!(env.vigil(&["devnet", "up"]).status.success());
    let o = env.vigil(&["devnet", "price", "WETH", "1600", "--oracle-only"]);
    assert!(o.status.success(), "{}", err(&o));
    let hf =
        || json(&env.vigil(&["lend", "position", "--json"]))["health_factor"].as_f64().unwrap();
    assert!(hf() < 1.2);

    // Previewed first: the path, every step with the health factor after it.
    let o = env.vigil(&["lend", "protect", "--preview-only"]);
    assert!(o.status.success(), "{}", err(&o));
    let shown = out(&o);
    assert!(shown.contains("Protect: Repay"), "{shown}");
    assert!(shown.contains("USDC from the wallet") && shown.contains("(target 1.6)"), "{shown}");
    assert!(shown.contains("Repay") && shown.contains("health factor 1.60"), "{shown}");

    let o = env.vigil_stdin(
        &["lend", "protect", "--target", "1.6", "--yes", "--password-stdin"],
        "hunter2 orbit meadow\n",
    );
    assert!(o.status.success(), "{}", err(&o));
    let now = hf();
    assert!((1.6..1.61).contains(&now), "{now}");

    // Already there: says so; a silly target says what would do.
    let o = env.vigil(&["lend", "protect", "--preview-only"]);
    assert!(err(&o).contains("at or above the target 1.6: nothing to do"), "{}", err(&o));
    let o = env.vigil(&["lend", "protect", "--target", "0.5", "--preview-only"]);
    assert!(err(&o).contains("pick one between 1.1 and 10"), "{}", err(&o));
}
