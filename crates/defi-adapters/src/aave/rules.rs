//! The market's rules that bear on a position, said in words: its efficiency mode, isolation
//! mode and debt ceiling, siloed borrowing, frozen or paused reserves, and liquidation grace
//! periods. The health factor model applies the rules that change it (eMode thresholds); the
//! rest change what the user can do next, and are said rather than left to a revert.

use super::{AccountState, oracle::duration};

impl AccountState {
    /// Each rule of the market that applies to this position, in a sentence.
    pub fn rules(&self) -> Vec<String> {
        let mut rules = Vec::new();
        let m = &self.market;
        let symbol = |i: usize| m.reserves.get(i).map_or("?", |r| r.symbol.as_str());
        if let Some(e) = self.emode {
            let label = m
                .emode_category(e.category)
                .map_or_else(|| format!("category {}", e.category), |c| format!("\"{}\"", c.label));
            let members: Vec<&str> = self
                .iter()
                .filter(|(_, r, _)| match e.collateral_bitmap {
                    Some(bitmap) => r.id < 128 && bitmap >> r.id & 1 == 1,
                    None => r.config.emode_category == e.category,
                })
                .map(|(i, _, _)| symbol(i))
                .collect();
            rules.push(format!(
                "Efficiency mode {label}: {} count as collateral at a {:.1}% liquidation threshold \
                 and {:.1}% LTV; other collateral keeps its own",
                members.join(", "),
                f64::from(e.liquidation_threshold_bps) / 100.0,
                f64::from(e.ltv_bps) / 100.0,
            ));
        }
        let collaterals: Vec<usize> = self
            .iter()
            .filter(|(i, r, u)| {
                u.collateral && r.can_be_collateral() && !self.supplied(*i).is_zero()
            })
            .map(|(i, _, _)| i)
            .collect();
        if let [only] = collaterals[..]
            && let Some(r) = m.reserves.get(only).filter(|r| r.config.debt_ceiling != 0)
        {
            let borrowable: Vec<&str> = m
                .reserves
                .iter()
                .filter(|b| b.config.borrowable_in_isolation)
                .map(|b| b.symbol.as_str())
                .collect();
            rules.push(format!(
                "Isolation mode: {} is an isolated collateral, so only {} can be borrowed \
                 against it, and all its borrowers together up to ${:.0} (${:.0} used)",
                r.symbol,
                if borrowable.is_empty() { "nothing".into() } else { borrowable.join(", ") },
                r.config.debt_ceiling as f64 / 100.0,
                r.isolation_total_debt as f64 / 100.0,
            ));
        }
        for (i, r, u) in self.iter() {
            if !u.borrowing && self.supplied(i).is_zero() {
                continue;
            }
            if u.borrowing && r.config.siloed_borrowing {
                rules.push(format!(
                    "Siloed borrowing: while {} is owed, no other asset can be borrowed",
                    r.symbol
                ));
            }
            if r.config.paused {
                rules.push(format!(
                    "{} is paused: nothing can be done with it until Aave's governance \
                     unpauses it, not even repaying or withdrawing",
                    r.symbol
                ));
            } else if r.config.frozen {
                rules.push(format!(
                    "{} is frozen: it can be repaid or withdrawn, not supplied or borrowed",
                    r.symbol
                ));
            }
            let now = m.block_timestamp;
            if r.liquidation_grace_until > now && now != 0 {
                rules.push(format!(
                    "Liquidations against {} are held back for {} more (a grace period after \
                     an unpause): time to repay or add collateral",
                    r.symbol,
                    duration(r.liquidation_grace_until - now)
                ));
            }
        }
        rules
    }
}
