//! What the monitor's alerts say: titles, bodies and the detail of each kind of alert.

use vigil_defi_adapters::aave::{self, Market};

use super::Seen;
use crate::{
    alert::{Subject, short},
    rules::{Level, Observation},
};

/// The notification's text: the position, the level's advice and the detail.
pub(super) fn describe(s: &Seen, level: Level, network: &str) -> String {
    let t = &s.thresholds;
    let mut body = match (&s.subject, s.observation) {
        (Subject::Lending { account }, Observation::Lending { health_factor, .. }) => {
            let hf = health_factor.map_or_else(|| "∞".to_owned(), |h| format!("{h:.3}"));
            let (limit, advice) = match level {
                Level::Liquidatable => (
                    t.liquidatable,
                    "Anyone can liquidate it now: repay debt or add collateral at once.",
                ),
                Level::Critical => (t.critical, "Act soon: repay debt or add collateral."),
                _ => (t.warning, "Consider repaying debt or adding collateral."),
            };
            let below = if health_factor.is_some_and(|h| h < limit) {
                format!(", below {limit}")
            } else {
                String::new()
            };
            format!(
                "Aave account {} on {}: health factor {hf}{below}. {advice}",
                short(account),
                network
            )
        }
        (Subject::Lending { account }, Observation::Feeds { .. }) => format!(
            "Aave account {} on {} is priced by an oracle that may be wrong: its health \
             factor, and when it can be liquidated, may not be what Vigil shows.",
            short(account),
            network
        ),
        (Subject::Liquidity { token_id, protocol, .. }, _) => format!(
            "{protocol} position #{token_id} on {network} is out of range: it earns no fees and holds only one token."
        ),
        _ => String::new(),
    };
    if !s.detail.is_empty() {
        body.push(' ');
        body.push_str(&s.detail);
    }
    body
}

/// The notification's title.
pub(super) fn title(s: &Seen, level: Level) -> String {
    match (&s.subject, s.observation) {
        (Subject::Lending { .. }, Observation::Lending { health_factor, .. }) => {
            let hf = health_factor.map_or_else(|| "∞".to_owned(), |h| format!("{h:.2}"));
            match level {
                Level::Liquidatable => {
                    format!("Aave position can be liquidated (health factor {hf})")
                }
                Level::Critical => format!("Aave position critical (health factor {hf})"),
                _ => format!("Aave position at risk (health factor {hf})"),
            }
        }
        (Subject::Lending { .. }, Observation::Feeds { stale, .. }) => if stale {
            "Aave position priced by a stale feed"
        } else {
            "Aave position's oracle far from the market"
        }
        .to_owned(),
        (Subject::Liquidity { token_id, .. }, _) => {
            format!("Uniswap position #{token_id} out of range")
        }
        _ => String::new(),
    }
}

/// Which feeds are stale, and for how long: "Your position is priced by a feed that has not
/// updated for 3 hours (WETH; it posts at least every 60 minutes)."
pub(super) fn stale_detail(stale: &[&aave::FeedStatus]) -> String {
    stale
        .iter()
        .map(|f| {
            format!(
                "Your position is priced by a feed that {} ({} at {}; it posts at least every {}).",
                f.describe_age(),
                f.symbol,
                short(&f.feed.to_checksum(None)),
                aave::duration(f.heartbeat_secs)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which oracle prices are far from what a DEX pays: "Aave's price for WETH ($1,500.00) is
/// 33% below what a DEX pays ($2,000.00)."
pub(super) fn deviation_detail(
    market: &Market,
    apart: &[(&aave::FeedStatus, f64)],
    money: &vigil_api::Money,
) -> String {
    apart
        .iter()
        .filter_map(|(f, d)| {
            let oracle = market.reserve(f.asset)?.price_usd;
            Some(format!(
                "Aave's price for {} ({}) is {:.0}% {} what a DEX pays ({}): the oracle may lag the market or be manipulated.",
                f.symbol,
                money.show(oracle),
                d.abs() * 100.0,
                if *d > 0.0 { "below" } else { "above" },
                money.show(oracle * (1.0 + d)),
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The distance to liquidation and the liquidation price nearest to today's, whichever side
/// it is on (a collateral's fall or a debt's rise).
pub(super) fn lending_detail(state: &aave::AccountState, money: &vigil_api::Money) -> String {
    if !state.is_modelled() {
        return format!("Careful: {}.", aave::UNMODELLED);
    }
    let mut out = Vec::new();
    if let Some(d) = state.distance_to_liquidation() {
        out.push(format!(
            "A {:.1}% move against it (collateral down, debt up) liquidates it.",
            d * 100.0
        ));
    }
    let position = state.position();
    let nearest = position
        .assets
        .iter()
        .filter_map(|a| Some((a, a.liquidation_price_usd?, a.liquidates_on?)))
        .filter(|(a, _, _)| a.price_usd > 0.0)
        .min_by(|(a, x, _), (b, y, _)| {
            (x / a.price_usd - 1.0).abs().total_cmp(&(y / b.price_usd - 1.0).abs())
        });
    if let Some((a, price, on)) = nearest {
        let how = if on == aave::PriceMove::Rise { "rising" } else { "falling" };
        out.push(format!(
            "{} {how} to {} liquidates it (now {}).",
            a.symbol,
            money.show(price),
            money.show(a.price_usd)
        ));
    }
    if let Some(p) = position.liquidation_probability_24h {
        out.push(format!(
            "At today's volatility the chance of liquidation within 24 hours is {}.",
            vigil_api::describe_chance(p)
        ));
    }
    out.join(" ")
}
