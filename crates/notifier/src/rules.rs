//! Alert rules: a position's observation becomes a level, and a level becomes a notification
//! only when it is crossed. Levels are sticky (hysteresis): one fired stays fired until the
//! position recovers past its threshold plus a margin, so a health factor wobbling around a
//! threshold alerts once. An escalation, or a crossing after a recovery past the margin, fires
//! at once; the cool-down only holds back repeats of a level the position never left; nothing
//! below liquidation is told while the user has snoozed the position.

use serde::{Deserialize, Serialize};

/// How bad a position is, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing to say.
    Ok,
    /// Worth a look (health factor below 1.5, a liquidity position out of range).
    Warning,
    /// Act soon (health factor below 1.2, within 10% of liquidation).
    Critical,
    /// Anyone can liquidate it now (health factor below 1.0).
    Liquidatable,
}

/// The thresholds of one position (defaults from [`Thresholds::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Health factor below which a lending position is a warning.
    pub warning: f64,
    /// Below which it is critical.
    pub critical: f64,
    /// Below which it is liquidatable.
    pub liquidatable: f64,
    /// A move against the position smaller than this (0.10: 10%: every collateral down and
    /// every debt up by 10%) liquidates: critical.
    pub min_distance: f64,
    /// How far past a threshold a position must recover before that level fires again
    /// (health factor units; for the distance, the same fraction).
    pub rearm_margin: f64,
    /// At most one notification per position in this many seconds, escalations aside.
    pub cooldown_secs: u64,
    /// A chance of liquidation within 24 hours above this (0.05: 5%), at the assets' realized
    /// volatility, is a warning; 1.0 turns the rule off.
    #[serde(default = "default_max_liquidation_probability")]
    pub max_liquidation_probability: f64,
}

fn default_max_liquidation_probability() -> f64 {
    0.05
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            warning: 1.5,
            critical: 1.2,
            liquidatable: 1.0,
            min_distance: 0.10,
            rearm_margin: 0.05,
            cooldown_secs: 15 * 60,
            max_liquidation_probability: default_max_liquidation_probability(),
        }
    }
}

/// What the monitor saw of a position at one block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    /// A lending position.
    Lending {
        /// Health factor (`None`: no debt).
        health_factor: Option<f64>,
        /// The combined adverse move that liquidates (`None`: no debt).
        distance: Option<f64>,
        /// The chance of liquidation within 24 hours (`None`: not known).
        #[serde(default)]
        probability: Option<f64>,
    },
    /// The price feeds a lending position depends on.
    Feeds {
        /// Whether one of them is stale (silent past its heartbeat).
        stale: bool,
        /// Whether one of them is far from what a DEX pays (see the adapters'
        /// `DEX_DEVIATION_THRESHOLD`).
        #[serde(default)]
        deviated: bool,
    },
    /// A concentrated-liquidity position.
    Liquidity {
        /// Whether the pool's price is inside the position's range.
        in_range: bool,
    },
}

impl Thresholds {
    /// The level an observation is at, with each threshold raised by `margin` (zero for the
    /// level now; the re-arm margin for whether a fired level still holds).
    pub fn level(&self, obs: &Observation, margin: f64) -> Level {
        match *obs {
            Observation::Lending { health_factor, distance, probability } => {
                let by_hf = match health_factor {
                    None => Level::Ok,
                    Some(h) if h < self.liquidatable + margin => Level::Liquidatable,
                    Some(h) if h < self.critical + margin => Level::Critical,
                    Some(h) if h < self.warning + margin => Level::Warning,
                    Some(_) => Level::Ok,
                };
                let by_distance = match distance {
                    Some(d) if d < self.min_distance + margin => Level::Critical,
                    _ => Level::Ok,
                };
                // A fired probability warning holds until the chance halves (the margin is in
                // health factor units, not a probability's).
                let bar = if margin > 0.0 {
                    self.max_liquidation_probability / 2.0
                } else {
                    self.max_liquidation_probability
                };
                let by_probability = match probability {
                    Some(p) if self.max_liquidation_probability < 1.0 && p > bar => Level::Warning,
                    _ => Level::Ok,
                };
                by_hf.max(by_distance).max(by_probability)
            }
            Observation::Feeds { stale, deviated } => {
                if stale || deviated {
                    Level::Warning
                } else {
                    Level::Ok
                }
            }
            Observation::Liquidity { in_range } => {
                if in_range {
                    Level::Ok
                } else {
                    Level::Warning
                }
            }
        }
    }
}

/// A position's alert state: what has fired, and when the user was last told. Persisted, so a
/// restart neither repeats an alert nor forgets one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RuleState {
    /// The highest level fired and not yet re-armed.
    pub fired: Option<Level>,
    /// When the last notification went out (unix seconds).
    pub last_notified: Option<u64>,
    /// The level of that notification.
    pub last_level: Option<Level>,
    /// No notifications below [`Level::Liquidatable`] until then (unix seconds).
    pub snoozed_until: Option<u64>,
    /// The last block the position was evaluated at (to tell the user what happened while
    /// Vigil was not watching).
    #[serde(default)]
    pub last_block: Option<u64>,
}

/// What to do about an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Notify at this level.
    Notify(Level),
    /// The level was crossed, but the cool-down or a snooze holds the notification back.
    Suppressed(Level),
    /// Nothing crossed.
    Quiet,
}

/// The level a position is at for the user: its level now, or a higher one that fired and that
/// it has not recovered from past the re-arm margin. The dashboard and the alerts both show
/// this, so they never disagree.
pub fn current_level(thresholds: &Thresholds, state: &RuleState, obs: &Observation) -> Level {
    thresholds.level(obs, 0.0).max(held_level(thresholds, state, obs))
}

/// The fired level that still holds (hysteresis).
fn held_level(thresholds: &Thresholds, state: &RuleState, obs: &Observation) -> Level {
    state.fired.unwrap_or(Level::Ok).min(thresholds.level(obs, thresholds.rearm_margin))
}

/// Evaluates an observation at `now` against the state; returns the decision and the new state.
pub fn evaluate(
    thresholds: &Thresholds,
    state: &RuleState,
    obs: &Observation,
    now: u64,
) -> (Decision, RuleState) {
    let mut next = *state;
    let level = thresholds.level(obs, 0.0);
    // A fired level holds until the position is past its threshold plus the margin.
    let fired = held_level(thresholds, state, obs);
    next.fired = (fired > Level::Ok).then_some(fired);
    // A recovery past the margin is recorded as one (also when it is first seen on a start):
    // crossing back is a new event, not a repeat for the cool-down to hold back.
    if fired < state.fired.unwrap_or(Level::Ok) {
        next.last_level = next.last_level.min(next.fired);
    }
    if level <= fired {
        return (Decision::Quiet, next);
    }
    // Higher than anything told since the last recovery, or the cool-down has passed.
    let may_notify = next.last_level.is_none_or(|l| level > l)
        || state.last_notified.is_none_or(|t| now >= t + thresholds.cooldown_secs);
    let snoozed = state.snoozed_until.is_some_and(|until| now < until);
    // Liquidation always gets through; hysteresis alone keeps it from repeating.
    let urgent = level == Level::Liquidatable;
    if (may_notify && !snoozed) || urgent {
        next.fired = Some(level);
        next.last_notified = Some(now);
        next.last_level = Some(level);
        (Decision::Notify(level), next)
    } else {
        // Not marked fired: once the snooze or cool-down ends, a level still crossed is told.
        (Decision::Suppressed(level), next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hf(h: f64) -> Observation {
        Observation::Lending { health_factor: Some(h), distance: None, probability: None }
    }

    /// Feeds health factors a minute apart; returns the decisions that notify.
    fn run(values: &[f64]) -> Vec<(usize, Level)> {
        let t = Thresholds::default();
        let mut state = RuleState::default();
        let mut out = Vec::new();
        for (i, &v) in values.iter().enumerate() {
            let (d, s) = evaluate(&t, &state, &hf(v), 1_000 + 60 * i as u64);
            state = s;
            if let Decision::Notify(l) = d {
                out.push((i, l));
            }
        }
        out
    }

    #[test]
    fn each_crossing_fires_once_and_escalations_at_once() {
        assert_eq!(
            run(&[1.6, 1.45, 1.44, 1.3, 1.19, 1.1, 0.99, 0.95]),
            [(1, Level::Warning), (4, Level::Critical), (6, Level::Liquidatable)]
        );
    }

    #[test]
    fn the_level_shown_holds_a_fired_level_within_the_margin() {
        let t = Thresholds::default();
        let fired = RuleState { fired: Some(Level::Warning), ..RuleState::default() };
        // 1.52 is above the warning threshold (1.5) but within its margin: still a warning.
        assert_eq!(current_level(&t, &fired, &hf(1.52)), Level::Warning);
        assert_eq!(current_level(&t, &RuleState::default(), &hf(1.52)), Level::Ok);
        assert_eq!(current_level(&t, &fired, &hf(1.6)), Level::Ok, "recovered past the margin");
        assert_eq!(current_level(&t, &fired, &hf(1.1)), Level::Critical, "worse shows at once");
    }

    #[test]
    fn wobbling_around_a_threshold_alerts_once_until_recovered_past_the_margin() {
        // 1.49 → 1.51 → 1.49: still within the 0.05 margin, no second alert.
        assert_eq!(run(&[1.49, 1.51, 1.49, 1.53, 1.48]), [(0, Level::Warning)]);
        // Recovered past 1.55: the next crossing is a new event, told at once.
        assert_eq!(run(&[1.49, 1.6, 1.49]), [(0, Level::Warning), (2, Level::Warning)]);
        // Within the critical margin (1.25) the critical level is never left: told once.
        assert_eq!(
            run(&[1.3, 1.1, 1.22, 1.15, 1.24, 1.1]),
            [(0, Level::Warning), (1, Level::Critical)]
        );
    }

    #[test]
    fn a_critical_crossing_after_a_recovery_seen_on_a_start_is_told_again() {
        // Critical at 1.03, then (Vigil stopped) the price recovered to 1.375: past the
        // critical threshold and its margin, still a warning. Seen on the next start, that is
        // a recovery; the fall back to critical minutes later is a new event.
        let t = Thresholds::default();
        let (d, s) = evaluate(&t, &RuleState::default(), &hf(1.03), 0);
        assert_eq!(d, Decision::Notify(Level::Critical));
        let (d, s) = evaluate(&t, &s, &hf(1.375), 120);
        assert_eq!(d, Decision::Quiet, "a warning it was already past is not told");
        assert_eq!((s.fired, s.last_level), (Some(Level::Warning), Some(Level::Warning)));
        let (d, _) = evaluate(&t, &s, &hf(1.1), 240);
        assert_eq!(d, Decision::Notify(Level::Critical), "well within the cool-down");
    }

    #[test]
    fn the_cool_down_holds_back_a_level_told_without_a_recovery_recorded() {
        // A state saved by an earlier Vigil: told a warning, fired cleared, no recovery
        // recorded. Nothing says the level was left, so its repeat waits for the cool-down.
        let t = Thresholds::default();
        let (d, s) = evaluate(&t, &RuleState::default(), &hf(1.4), 0);
        assert_eq!(d, Decision::Notify(Level::Warning));
        let told = RuleState { fired: None, ..s };
        let (d, _) = evaluate(&t, &told, &hf(1.4), 60);
        assert_eq!(d, Decision::Suppressed(Level::Warning), "within the cool-down");
        let (d, _) = evaluate(&t, &told, &hf(1.4), t.cooldown_secs + 10);
        assert_eq!(d, Decision::Notify(Level::Warning), "after it");
    }

    #[test]
    fn a_likely_liquidation_warns_until_the_chance_halves_and_a_stale_feed_warns() {
        let t = Thresholds::default();
        let chance = |p: f64| Observation::Lending {
            health_factor: Some(1.8),
            distance: Some(0.3),
            probability: Some(p),
        };
        assert_eq!(t.level(&chance(0.04), 0.0), Level::Ok);
        assert_eq!(t.level(&chance(0.06), 0.0), Level::Warning);
        let (d, s) = evaluate(&t, &RuleState::default(), &chance(0.06), 10);
        assert_eq!(d, Decision::Notify(Level::Warning));
        // 4%: under the bar, not yet half of it: the warning holds, nothing new is told.
        let (d, s) = evaluate(&t, &s, &chance(0.04), 20);
        assert_eq!(d, Decision::Quiet);
        assert_eq!(s.fired, Some(Level::Warning));
        let (_, s) = evaluate(&t, &s, &chance(0.02), 30);
        assert_eq!(s.fired, None, "re-armed once the chance halved");
        let custom = Thresholds { max_liquidation_probability: 0.01, ..t };
        assert_eq!(custom.level(&chance(0.02), 0.0), Level::Warning);
        let off = Thresholds { max_liquidation_probability: 1.0, ..t };
        assert_eq!(off.level(&chance(1.0), 0.05), Level::Ok);
        let feeds = |stale, deviated| Observation::Feeds { stale, deviated };
        assert_eq!(t.level(&feeds(true, false), 0.0), Level::Warning);
        assert_eq!(t.level(&feeds(false, true), 0.0), Level::Warning);
        assert_eq!(t.level(&feeds(false, false), 0.0), Level::Ok);
    }

    #[test]
    fn snooze_holds_back_all_but_liquidation() {
        let t = Thresholds::default();
        let snoozed = RuleState { snoozed_until: Some(3_600), ..Default::default() };
        let (d, s) = evaluate(&t, &snoozed, &hf(1.3), 10);
        assert_eq!(d, Decision::Suppressed(Level::Warning));
        let (d, s) = evaluate(&t, &s, &hf(1.1), 20);
        assert_eq!(d, Decision::Suppressed(Level::Critical));
        let (d, _) = evaluate(&t, &s, &hf(0.97), 30);
        assert_eq!(d, Decision::Notify(Level::Liquidatable));
    }

    #[test]
    fn a_crossing_held_back_is_told_when_the_snooze_ends_and_liquidation_always_gets_through() {
        let t = Thresholds::default();
        let snoozed = RuleState { snoozed_until: Some(3_600), ..Default::default() };
        let (d, s) = evaluate(&t, &snoozed, &hf(1.1), 10);
        assert_eq!(d, Decision::Suppressed(Level::Critical));
        let (d, s) = evaluate(&t, &s, &hf(1.1), 3_700);
        assert_eq!(d, Decision::Notify(Level::Critical), "still critical after the snooze");
        // Liquidatable, recovered, snoozed, liquidatable again: told both times.
        let (d, s) = evaluate(&t, &s, &hf(0.95), 3_800);
        assert_eq!(d, Decision::Notify(Level::Liquidatable));
        let (_, s) = evaluate(&t, &s, &hf(1.8), 3_900);
        let s = RuleState { snoozed_until: Some(9_000), ..s };
        let (d, _) = evaluate(&t, &s, &hf(0.95), 4_000);
        assert_eq!(d, Decision::Notify(Level::Liquidatable));
    }

    #[test]
    fn distance_and_liquidity_rules() {
        let t = Thresholds::default();
        let near = Observation::Lending {
            health_factor: Some(1.3),
            distance: Some(0.08),
            probability: None,
        };
        assert_eq!(t.level(&near, 0.0), Level::Critical, "8% from liquidation");
        assert_eq!(
            t.level(
                &Observation::Lending { health_factor: None, distance: None, probability: None },
                0.0
            ),
            Level::Ok
        );
        assert_eq!(t.level(&Observation::Liquidity { in_range: false }, 0.0), Level::Warning);
        assert_eq!(t.level(&Observation::Liquidity { in_range: true }, 0.0), Level::Ok);
    }
}
