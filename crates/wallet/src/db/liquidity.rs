//! What the wallet remembers of liquidity positions: what went into each one it opened (to
//! compare its value with simply holding those tokens), and how far the search for an
//! account's Uniswap V4 positions has got.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use rusqlite::{OptionalExtension, params};

use super::{Database, DbError, unix_now};

/// What went into a position, net of what was taken out: per token, raw units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    /// Per token (the zero address: the native coin), what is still deposited.
    pub amounts: BTreeMap<Address, U256>,
    /// When it was opened, unix seconds.
    pub opened_at: u64,
}

fn encode_err(e: serde_json::Error) -> DbError {
    DbError::Query(rusqlite::Error::ToSqlConversionFailure(e.into()))
}

impl Database {
    /// The baseline of position `key` of `account` on `network`, if the wallet opened it.
    pub fn liquidity_baseline(
        &self,
        network: &str,
        account: &str,
        key: &str,
    ) -> Result<Option<Baseline>, DbError> {
        let row: Option<(String, i64)> = self
            .conn()
            .query_row(
                "SELECT amounts, opened_at FROM liquidity_baselines
                 WHERE network = ?1 AND account = ?2 AND key = ?3",
                params![network, account.to_lowercase(), key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // A row this version cannot read counts as no baseline: the comparison is not shown.
        Ok(row.and_then(|(json, at)| {
            let amounts: BTreeMap<Address, String> = serde_json::from_str(&json).ok()?;
            let amounts = amounts
                .into_iter()
                .map(|(t, a)| Some((t, a.parse().ok()?)))
                .collect::<Option<_>>()?;
            Some(Baseline { amounts, opened_at: at.max(0) as u64 })
        }))
    }

    /// Adds `deposited` to the baseline of position `key` (opening it now if it has none).
    pub fn liquidity_deposited(
        &self,
        network: &str,
        account: &str,
        key: &str,
        deposited: &[(Address, U256)],
    ) -> Result<(), DbError> {
        let mut baseline = self
            .liquidity_baseline(network, account, key)?
            .unwrap_or(Baseline { amounts: BTreeMap::new(), opened_at: unix_now() });
        for &(token, amount) in deposited {
            *baseline.amounts.entry(token).or_default() += amount;
        }
        self.save_baseline(network, account, key, &baseline)
    }

    /// Takes `fraction_bps` / 10,000 of position `key` out of its baseline; all of it forgets it.
    pub fn liquidity_withdrawn(
        &self,
        network: &str,
        account: &str,
        key: &str,
        fraction_bps: u32,
    ) -> Result<(), DbError> {
        if fraction_bps >= 10_000 {
            self.conn().execute(
                "DELETE FROM liquidity_baselines WHERE network = ?1 AND account = ?2 AND key = ?3",
                params![network, account.to_lowercase(), key],
            )?;
            return Ok(());
        }
        let Some(mut baseline) = self.liquidity_baseline(network, account, key)? else {
            return Ok(());
        };
        let kept = U256::from(10_000 - fraction_bps);
        for amount in baseline.amounts.values_mut() {
            *amount = *amount * kept / U256::from(10_000u32);
        }
        self.save_baseline(network, account, key, &baseline)
    }

    fn save_baseline(
        &self,
        network: &str,
        account: &str,
        key: &str,
        baseline: &Baseline,
    ) -> Result<(), DbError> {
        let amounts: BTreeMap<Address, String> =
            baseline.amounts.iter().map(|(t, a)| (*t, a.to_string())).collect();
        let json = serde_json::to_string(&amounts).map_err(encode_err)?;
        self.conn().execute(
            "INSERT INTO liquidity_baselines (network, account, key, amounts, opened_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (network, account, key) DO UPDATE SET amounts = ?4",
            params![network, account.to_lowercase(), key, json, baseline.opened_at as i64],
        )?;
        Ok(())
    }

    /// The V4 position ids found for `account` on `network` (with `chain_id`, so a devnet
    /// restarted from scratch starts again), and the first block not searched yet.
    pub fn v4_position_scan(
        &self,
        network: &str,
        chain_id: u64,
        account: &str,
    ) -> Result<Option<(Vec<U256>, u64)>, DbError> {
        let row: Option<(String, i64)> = self
            .conn()
            .query_row(
                "SELECT ids, next_block FROM v4_position_scans
                 WHERE network = ?1 AND chain_id = ?2 AND account = ?3",
                params![network, chain_id as i64, account.to_lowercase()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(json, next)| {
            let ids: Vec<String> = serde_json::from_str(&json).ok()?;
            let ids = ids.iter().map(|i| i.parse().ok()).collect::<Option<Vec<U256>>>()?;
            Some((ids, next.max(0) as u64))
        }))
    }

    /// Saves where the V4 search got to.
    pub fn save_v4_position_scan(
        &self,
        network: &str,
        chain_id: u64,
        account: &str,
        ids: &[U256],
        next_block: u64,
    ) -> Result<(), DbError> {
        let ids: Vec<String> = ids.iter().map(U256::to_string).collect();
        let json = serde_json::to_string(&ids).map_err(encode_err)?;
        self.conn().execute(
            "INSERT INTO v4_position_scans (network, chain_id, account, next_block, ids)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (network, chain_id, account) DO UPDATE SET next_block = ?4, ids = ?5",
            params![network, chain_id as i64, account.to_lowercase(), next_block as i64, json],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn baselines_add_deposits_scale_with_withdrawals_and_go_with_the_position() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&Database::file(dir.path())).unwrap();
        let (weth, usdc) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let account = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert_eq!(db.liquidity_baseline("devnet", account, "uniswap-v3/7").unwrap(), None);
        db.liquidity_deposited(
            "devnet",
            account,
            "uniswap-v3/7",
            &[(weth, U256::from(100)), (usdc, U256::from(2000))],
        )
        .unwrap();
        db.liquidity_deposited("devnet", account, "uniswap-v3/7", &[(weth, U256::from(50))])
            .unwrap();
        // Accounts are matched whatever their case.
        let b = db
            .liquidity_baseline("devnet", &account.to_lowercase(), "uniswap-v3/7")
            .unwrap()
            .unwrap();
        assert_eq!(b.amounts[&weth], U256::from(150));
        db.liquidity_withdrawn("devnet", account, "uniswap-v3/7", 2_000).unwrap();
        let b = db.liquidity_baseline("devnet", account, "uniswap-v3/7").unwrap().unwrap();
        assert_eq!((b.amounts[&weth], b.amounts[&usdc]), (U256::from(120), U256::from(1600)));
        db.liquidity_withdrawn("devnet", account, "uniswap-v3/7", 10_000).unwrap();
        assert_eq!(db.liquidity_baseline("devnet", account, "uniswap-v3/7").unwrap(), None);
    }

    #[test]
    fn the_v4_search_resumes_per_chain() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&Database::file(dir.path())).unwrap();
        let account = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert_eq!(db.v4_position_scan("devnet", 31337, account).unwrap(), None);
        db.save_v4_position_scan("devnet", 31337, account, &[U256::from(3)], 120).unwrap();
        db.save_v4_position_scan("devnet", 31337, account, &[U256::from(3), U256::from(9)], 150)
            .unwrap();
        assert_eq!(
            db.v4_position_scan("devnet", 31337, account).unwrap(),
            Some((vec![U256::from(3), U256::from(9)], 150))
        );
        assert_eq!(db.v4_position_scan("devnet", 1, account).unwrap(), None);
    }
}
