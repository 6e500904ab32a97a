//! Where the search for an account's grants got to, and every grant it has seen (each
//! confirmed against its contract when listed): the next search starts from there.

use std::collections::BTreeMap;

use alloy::primitives::Address;
use rusqlite::{OptionalExtension, params};
use vigil_defi_adapters::approvals::{GrantKey, GrantKind};

use super::{Database, DbError};

fn kind_name(kind: GrantKind) -> &'static str {
    match kind {
        GrantKind::Erc20 => "erc20",
        GrantKind::NftOperator => "nft_operator",
        GrantKind::Permit2 => "permit2",
    }
}

fn kind_of(name: &str) -> Option<GrantKind> {
    Some(match name {
        "erc20" => GrantKind::Erc20,
        "nft_operator" => GrantKind::NftOperator,
        "permit2" => GrantKind::Permit2,
        _ => return None,
    })
}

type Row = (String, Address, Address, u64);

/// The grants seen, each with the block of its latest event, and the first block not searched.
pub type ApprovalScan = (BTreeMap<GrantKey, u64>, u64);

impl Database {
    /// The grants seen for `account` on `network` (with `chain_id`: a devnet started afresh
    /// starts again), with the block of each one's latest event, and the first block not
    /// searched yet.
    pub fn approval_scan(
        &self,
        network: &str,
        chain_id: u64,
        account: &str,
    ) -> Result<Option<ApprovalScan>, DbError> {
        let row: Option<(String, i64)> = self
            .conn()
            .query_row(
                "SELECT seen, next_block FROM approval_scans
                 WHERE network = ?1 AND chain_id = ?2 AND account = ?3",
                params![network, chain_id as i64, account.to_lowercase()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // A row this version cannot read counts as no search yet: it is made again.
        Ok(row.and_then(|(json, next)| {
            let rows: Vec<Row> = serde_json::from_str(&json).ok()?;
            let seen = rows
                .into_iter()
                .map(|(kind, token, spender, block)| {
                    Some((GrantKey { kind: kind_of(&kind)?, token, spender }, block))
                })
                .collect::<Option<_>>()?;
            Some((seen, next.max(0) as u64))
        }))
    }

    /// Saves the grants seen and where the search got to.
    pub fn save_approval_scan(
        &self,
        network: &str,
        chain_id: u64,
        account: &str,
        seen: &BTreeMap<GrantKey, u64>,
        next_block: u64,
    ) -> Result<(), DbError> {
        let rows: Vec<Row> = seen
            .iter()
            .map(|(k, b)| (kind_name(k.kind).to_owned(), k.token, k.spender, *b))
            .collect();
        let json = serde_json::to_string(&rows)
            .map_err(|e| DbError::Query(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        self.conn().execute(
            "INSERT INTO approval_scans (network, chain_id, account, next_block, seen)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (network, chain_id, account) DO UPDATE SET next_block = ?4, seen = ?5",
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
    fn the_grants_seen_and_the_cursor_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let file = Database::file(dir.path());
        let key = GrantKey {
            kind: GrantKind::Permit2,
            token: Address::repeat_byte(1),
            spender: Address::repeat_byte(2),
        };
        let account = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        {
            let db = Database::open(&file).unwrap();
            assert_eq!(db.approval_scan("devnet", 31337, account).unwrap(), None);
            db.save_approval_scan("devnet", 31337, account, &BTreeMap::from([(key, 7)]), 42)
                .unwrap();
        }
        let db = Database::open(&file).unwrap();
        let (seen, next) = db.approval_scan("devnet", 31337, account).unwrap().unwrap();
        assert_eq!((seen, next), (BTreeMap::from([(key, 7)]), 42));
        assert_eq!(db.approval_scan("devnet", 1, account).unwrap(), None, "another chain");
    }
}
