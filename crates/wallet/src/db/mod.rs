//! The wallet's SQLite database in the data directory: alert state (so a restart neither
//! repeats nor misses an alert) and alert history. One file, WAL mode, so the app and a
//! `vigil watch` can share it; schema changes go through numbered migrations.

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::Duration,
};

use rusqlite::{Connection, OptionalExtension, params};
use vigil_notifier::{Alert, AlertStore, Sink, SinkError, StoreError, rules::RuleState};

/// Errors of the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The file could not be opened or migrated.
    #[error(
        "cannot open the database {path}: {message}. Check the data directory's permissions and free space"
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        message: String,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] rusqlite::Error),
}

mod approvals;
mod liquidity;

pub use approvals::ApprovalScan;
pub use liquidity::Baseline;

/// Migrations, in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE alert_state (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE alert_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        network TEXT NOT NULL,
        level TEXT NOT NULL,
        title TEXT NOT NULL,
        at INTEGER NOT NULL,
        alert TEXT NOT NULL
    );
    CREATE INDEX alert_history_key ON alert_history (key, at);",
    // The transaction journal: each signed transaction is written here before it is
    // broadcast, so a crash between broadcast and receipt loses nothing.
    "CREATE TABLE tx_journal (
        hash TEXT PRIMARY KEY,
        network TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        account TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        label TEXT NOT NULL,
        raw BLOB NOT NULL,
        status TEXT NOT NULL,
        replaces TEXT,
        block INTEGER,
        sent_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX tx_journal_status ON tx_journal (status, network);",
    // Each lending position's health factor per block read, for its history chart. NULL: no
    // debt (an infinite health factor).
    "CREATE TABLE health_history (
        key TEXT NOT NULL,
        block INTEGER NOT NULL,
        at INTEGER NOT NULL,
        health_factor REAL,
        PRIMARY KEY (key, block)
    );",
    // The dapps and programs the user connected through the provider, and the accounts each
    // may see (a JSON array of addresses).
    "CREATE TABLE dapp_connections (
        caller TEXT PRIMARY KEY,
        accounts TEXT NOT NULL,
        connected_at INTEGER NOT NULL
    );",
    "CREATE TABLE liquidity_baselines (
        network TEXT NOT NULL,
        account TEXT NOT NULL,
        key TEXT NOT NULL,
        amounts TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        PRIMARY KEY (network, account, key)
    );
    CREATE TABLE v4_position_scans (
        network TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        account TEXT NOT NULL,
        next_block INTEGER NOT NULL,
        ids TEXT NOT NULL,
        PRIMARY KEY (network, chain_id, account)
    );",
    "CREATE TABLE approval_scans (
        network TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        account TEXT NOT NULL,
        next_block INTEGER NOT NULL,
        seen TEXT NOT NULL,
        PRIMARY KEY (network, chain_id, account)
    );",
];

/// How many blocks of health history are kept per position.
const HEALTH_HISTORY_BLOCKS: i64 = 100_000;

/// A lending position's health factor at one block.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HealthPoint {
    /// The block.
    pub block: u64,
    /// When it was read (unix seconds).
    pub at: u64,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
}

/// Where a journaled transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxStatus {
    /// Signed and (about to be) broadcast; not final yet.
    Pending,
    /// Included and succeeded.
    Confirmed,
    /// Included and reverted.
    Failed,
    /// Will never be included (its nonce went to another transaction, or it was forgotten).
    Dropped,
    /// Replaced by a transaction of the wallet's with the same nonce (speed up, cancel).
    Replaced,
}

impl TxStatus {
    fn as_str(self) -> &'static str {
        match self {
            TxStatus::Pending => "pending",
            TxStatus::Confirmed => "confirmed",
            TxStatus::Failed => "failed",
            TxStatus::Dropped => "dropped",
            TxStatus::Replaced => "replaced",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "confirmed" => TxStatus::Confirmed,
            "failed" => TxStatus::Failed,
            "dropped" => TxStatus::Dropped,
            "replaced" => TxStatus::Replaced,
            _ => TxStatus::Pending,
        }
    }
}

/// One transaction in the journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    /// Its hash (0x…).
    pub hash: String,
    /// The network's name.
    pub network: String,
    /// The chain id.
    pub chain_id: u64,
    /// The sender (0x…).
    pub account: String,
    /// Its nonce.
    pub nonce: u64,
    /// What it does, as the preview said ("Swap 1 ETH for USDC").
    pub label: String,
    /// The signed transaction (EIP-2718 bytes), to broadcast again or replace.
    #[serde(skip)]
    pub raw: Vec<u8>,
    /// Where it is.
    pub status: TxStatus,
    /// The transaction it replaced, for a speed-up or cancel.
    pub replaces: Option<String>,
    /// The block that included it.
    pub block: Option<u64>,
    /// When it was signed (unix seconds).
    pub sent_at: u64,
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The database.
#[derive(Debug)]
pub struct Database {
    conn: Mutex<Connection>,
}

impl Database {
    /// The database file under the data directory.
    pub fn file(data_dir: &Path) -> PathBuf {
        data_dir.join("vigil.sqlite3")
    }

    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let open_err =
            |e: &dyn std::fmt::Display| DbError::Open { path: path.into(), message: e.to_string() };
        if let Some(dir) = path.parent() {
            crate::private::dir(dir).map_err(|e| open_err(&e))?;
        }
        // Created private before SQLite opens it, which gives its WAL and shared-memory
        // files the same mode.
        crate::private::touch(path).map_err(|e| open_err(&e))?;
        let mut conn = Connection::open(path).map_err(|e| open_err(&e))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| open_err(&e))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| open_err(&e))?;
        conn.pragma_update(None, "foreign_keys", true).map_err(|e| open_err(&e))?;
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .map_err(|e| open_err(&e))?
            .try_into()
            .unwrap_or(0);
        if version > MIGRATIONS.len() {
            return Err(open_err(&format!(
                "it was written by a newer Vigil (schema {version}, this one knows {})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction().map_err(|e| open_err(&e))?;
            tx.execute_batch(sql).map_err(|e| open_err(&e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(|e| open_err(&e))?;
            tx.commit().map_err(|e| open_err(&e))?;
        }
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A statement either ran or did not; the connection is usable after a panic elsewhere.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes a signed transaction as pending. Called before it is broadcast.
    pub fn journal_signed(&self, entry: &JournalEntry) -> Result<(), DbError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO tx_journal
             (hash, network, chain_id, account, nonce, label, raw, status, replaces, block, sent_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                entry.hash,
                entry.network,
                entry.chain_id as i64,
                entry.account,
                entry.nonce as i64,
                entry.label,
                entry.raw,
                entry.status.as_str(),
                entry.replaces,
                entry.block.map(|b| b as i64),
                entry.sent_at as i64,
            ],
        )?;
        Ok(())
    }

    /// Records where the transaction `hash` is now. Final states are not changed again.
    pub fn journal_settle(
        &self,
        hash: &str,
        status: TxStatus,
        block: Option<u64>,
    ) -> Result<(), DbError> {
        self.conn().execute(
            "UPDATE tx_journal SET status = ?2, block = COALESCE(?3, block), updated_at = ?4
             WHERE lower(hash) = lower(?1) AND status = 'pending'",
            params![hash, status.as_str(), block.map(|b| b as i64), unix_now() as i64],
        )?;
        Ok(())
    }

    /// The journal, newest first: `pending_only` keeps the ones not final yet; `network`
    /// keeps one network's.
    pub fn journal(
        &self,
        network: Option<&str>,
        pending_only: bool,
        limit: usize,
    ) -> Result<Vec<JournalEntry>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT hash, network, chain_id, account, nonce, label, raw, status, replaces, block, sent_at
             FROM tx_journal
             WHERE (?1 IS NULL OR network = ?1) AND (?2 = 0 OR status = 'pending')
             ORDER BY sent_at DESC, nonce DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![network, pending_only as i64, limit as i64], |r| {
            Ok(JournalEntry {
                hash: r.get(0)?,
                network: r.get(1)?,
                chain_id: r.get::<_, i64>(2)? as u64,
                account: r.get(3)?,
                nonce: r.get::<_, i64>(4)? as u64,
                label: r.get(5)?,
                raw: r.get(6)?,
                status: TxStatus::parse(&r.get::<_, String>(7)?),
                replaces: r.get(8)?,
                block: r.get::<_, Option<i64>>(9)?.map(|b| b as u64),
                sent_at: r.get::<_, i64>(10)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The entry for `hash`.
    pub fn journal_entry(&self, hash: &str) -> Result<Option<JournalEntry>, DbError> {
        Ok(self
            .journal(None, false, usize::MAX >> 1)?
            .into_iter()
            .find(|e| e.hash.eq_ignore_ascii_case(hash)))
    }

    /// Whether the wallet sent a transaction in place of `hash` (a speed-up or cancel).
    pub fn is_replaced(&self, hash: &str) -> Result<bool, DbError> {
        Ok(self
            .journal(None, false, usize::MAX >> 1)?
            .iter()
            .any(|e| e.replaces.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(hash))))
    }

    /// Records position `key`'s health factor at `block` (once per block).
    pub fn record_health(
        &self,
        key: &str,
        block: u64,
        at: u64,
        health_factor: Option<f64>,
    ) -> Result<(), DbError> {
        // An infinite or NaN reading has no place on a chart: stored as "no debt".
        let hf = health_factor.filter(|h| h.is_finite());
        let conn = self.conn();
        // A block at or below ones already kept means the chain was reset (a devnet) or
        // reorganised: the readings after it belong to another history.
        conn.execute(
            "DELETE FROM health_history WHERE key = ?1 AND block > ?2",
            params![key, block as i64],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO health_history (key, block, at, health_factor) VALUES (?1, ?2, ?3, ?4)",
            params![key, block as i64, at as i64, hf],
        )?;
        // Bounded: the chart shows the newest readings only.
        conn.execute(
            "DELETE FROM health_history WHERE key = ?1 AND block < ?2",
            params![key, block as i64 - HEALTH_HISTORY_BLOCKS],
        )?;
        Ok(())
    }

    /// Position `key`'s newest `limit` health readings, oldest first.
    pub fn health_history(&self, key: &str, limit: usize) -> Result<Vec<HealthPoint>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT block, at, health_factor FROM health_history WHERE key = ?1 ORDER BY block DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![key, limit as i64], |r| {
            Ok(HealthPoint {
                block: r.get::<_, i64>(0)? as u64,
                at: r.get::<_, i64>(1)? as u64,
                health_factor: r.get(2)?,
            })
        })?;
        let mut out = rows.collect::<Result<Vec<_>, _>>()?;
        out.reverse();
        Ok(out)
    }

    /// Appends an alert to the history.
    pub fn record_alert(&self, alert: &Alert) -> Result<(), DbError> {
        let json = serde_json::to_string(alert)
            .map_err(|e| DbError::Query(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        self.conn().execute(
            "INSERT INTO alert_history (key, network, level, title, at, alert) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![alert.key, alert.network, format!("{:?}", alert.level).to_lowercase(), alert.title, alert.at as i64, json],
        )?;
        Ok(())
    }

    /// The accounts `caller` may see, if the user connected it.
    pub fn dapp_connection(&self, caller: &str) -> Result<Option<Vec<String>>, DbError> {
        let json: Option<String> = self
            .conn()
            .query_row("SELECT accounts FROM dapp_connections WHERE caller = ?1", [caller], |r| {
                r.get(0)
            })
            .optional()?;
        // A row this version cannot read counts as no connection: the user is asked again.
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Connects `caller` to `accounts` (replacing what it had).
    pub fn connect_dapp(&self, caller: &str, accounts: &[String]) -> Result<(), DbError> {
        let json = serde_json::to_string(accounts)
            .map_err(|e| DbError::Query(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        self.conn().execute(
            "INSERT INTO dapp_connections (caller, accounts, connected_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (caller) DO UPDATE SET accounts = ?2, connected_at = ?3",
            params![caller, json, unix_now() as i64],
        )?;
        Ok(())
    }

    /// Disconnects `caller`; whether it was connected.
    pub fn revoke_dapp(&self, caller: &str) -> Result<bool, DbError> {
        Ok(self.conn().execute("DELETE FROM dapp_connections WHERE caller = ?1", [caller])? > 0)
    }

    /// Every connection: the caller, its accounts, and when it was connected (unix seconds),
    /// oldest first.
    pub fn dapp_connections(&self) -> Result<Vec<(String, Vec<String>, u64)>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT caller, accounts, connected_at FROM dapp_connections ORDER BY connected_at, caller",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (caller, json, at) = row?;
            if let Ok(accounts) = serde_json::from_str(&json) {
                out.push((caller, accounts, at.max(0) as u64));
            }
        }
        Ok(out)
    }

    /// The newest `limit` alerts, newest first.
    pub fn alert_history(&self, limit: usize) -> Result<Vec<Alert>, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT alert FROM alert_history ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            // A row this version cannot read (written by a newer one) is skipped, not fatal.
            if let Ok(a) = serde_json::from_str(&row?) {
                out.push(a);
            }
        }
        Ok(out)
    }
}

impl AlertStore for Database {
    fn load(&self, key: &str) -> Result<RuleState, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row("SELECT state FROM alert_state WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        match json {
            None => Ok(RuleState::default()),
            Some(j) => serde_json::from_str(&j)
                .map_err(|e| StoreError::Backend(format!("alert state of {key}: {e}"))),
        }
    }

    fn save(&self, key: &str, state: &RuleState) -> Result<(), StoreError> {
        let json = serde_json::to_string(state).map_err(|e| StoreError::Backend(e.to_string()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        self.conn()
            .execute(
                "INSERT INTO alert_state (key, state, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                params![key, json, now],
            )
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(())
    }
}

/// The alert history as a sink: every alert is kept in the database.
#[derive(Debug, Clone)]
pub struct HistorySink(pub std::sync::Arc<Database>);

impl Sink for HistorySink {
    fn name(&self) -> &'static str {
        "history"
    }

    fn deliver(&self, alert: &Alert) -> Result<(), SinkError> {
        // A transaction's outcome also settles it in the journal.
        if let vigil_notifier::alert::Subject::Transaction { hash, outcome } = &alert.subject {
            let status = match outcome {
                vigil_notifier::alert::TxOutcome::Confirmed => TxStatus::Confirmed,
                vigil_notifier::alert::TxOutcome::Failed => TxStatus::Failed,
                // Its nonce went to the wallet's own replacement, which the watcher may have
                // heard of only after the block that held it.
                vigil_notifier::alert::TxOutcome::Dropped
                    if self.0.is_replaced(hash).map_err(|e| SinkError::Other(e.to_string()))? =>
                {
                    TxStatus::Replaced
                }
                vigil_notifier::alert::TxOutcome::Dropped => TxStatus::Dropped,
                vigil_notifier::alert::TxOutcome::Replaced => TxStatus::Replaced,
            };
            self.0
                .journal_settle(hash, status, None)
                .map_err(|e| SinkError::Other(e.to_string()))?;
        }
        self.0.record_alert(alert).map_err(|e| SinkError::Other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use vigil_notifier::Level;

    #[test]
    fn alert_state_survives_reopening_and_migrations_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = Database::file(dir.path());
        let state = RuleState {
            fired: Some(Level::Critical),
            last_notified: Some(7),
            last_block: Some(42),
            ..Default::default()
        };
        {
            let db = Database::open(&file).unwrap();
            assert_eq!(db.load("devnet/aave/0x1").unwrap(), RuleState::default());
            db.save("devnet/aave/0x1", &state).unwrap();
            db.save("devnet/aave/0x1", &state).unwrap();
        }
        let db = Database::open(&file).unwrap();
        assert_eq!(db.load("devnet/aave/0x1").unwrap(), state);
        let version: i64 =
            db.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn the_journal_keeps_signed_transactions_and_settles_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&Database::file(dir.path())).unwrap();
        let entry = |hash: &str, nonce: u64, sent_at: u64| JournalEntry {
            hash: hash.into(),
            network: "devnet".into(),
            chain_id: 31337,
            account: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            nonce,
            label: "Swap".into(),
            raw: vec![2, 0xAB],
            status: TxStatus::Pending,
            replaces: None,
            block: None,
            sent_at,
        };
        db.journal_signed(&entry("0xAA", 1, 100)).unwrap();
        db.journal_signed(&entry("0xbb", 2, 200)).unwrap();
        let all = db.journal(Some("devnet"), false, 10).unwrap();
        assert_eq!(all.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>(), ["0xbb", "0xAA"]);
        assert_eq!(all[1].raw, vec![2, 0xAB], "the signed bytes are kept to broadcast again");
        db.journal_settle("0xaa", TxStatus::Confirmed, Some(7)).unwrap();
        // A final state is not overwritten by a later, contradicting report.
        db.journal_settle("0xaa", TxStatus::Dropped, None).unwrap();
        let settled = db.journal_entry("0xAA").unwrap().unwrap();
        assert_eq!((settled.status, settled.block), (TxStatus::Confirmed, Some(7)));
        let pending = db.journal(None, true, 10).unwrap();
        assert_eq!(pending.iter().map(|e| e.hash.as_str()).collect::<Vec<_>>(), ["0xbb"]);
        assert!(db.journal(Some("ethereum"), false, 10).unwrap().is_empty());
    }

    #[test]
    fn a_dropped_report_of_a_transaction_the_wallet_replaced_settles_it_replaced() {
        use vigil_notifier::alert::{Subject, TxOutcome};
        let dir = tempfile::tempdir().unwrap();
        let db = std::sync::Arc::new(Database::open(&Database::file(dir.path())).unwrap());
        let entry = |hash: &str, replaces: Option<&str>| JournalEntry {
            hash: hash.into(),
            network: "devnet".into(),
            chain_id: 31337,
            account: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            nonce: 7,
            label: "Swap".into(),
            raw: vec![2],
            status: TxStatus::Pending,
            replaces: replaces.map(str::to_owned),
            block: None,
            sent_at: 1,
        };
        db.journal_signed(&entry("0xa1", None)).unwrap();
        db.journal_signed(&entry("0xb2", Some("0xa1"))).unwrap();
        db.journal_signed(&entry("0xc3", None)).unwrap();
        let dropped = |hash: &str| Alert {
            key: format!("devnet/tx/{hash}"),
            network: "devnet".into(),
            subject: Subject::Transaction { hash: hash.into(), outcome: TxOutcome::Dropped },
            level: Level::Warning,
            title: "Transaction dropped".into(),
            body: String::new(),
            block: None,
            data_age_secs: None,
            stale: false,
            observation: None,
            at: 1,
        };
        let sink = HistorySink(db.clone());
        sink.deliver(&dropped("0xa1")).unwrap();
        sink.deliver(&dropped("0xc3")).unwrap();
        assert_eq!(db.journal_entry("0xa1").unwrap().unwrap().status, TxStatus::Replaced);
        assert_eq!(db.journal_entry("0xc3").unwrap().unwrap().status, TxStatus::Dropped);
    }

    #[test]
    fn dapp_connections_survive_reopening_are_replaced_and_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let file = Database::file(dir.path());
        {
            let db = Database::open(&file).unwrap();
            db.connect_dapp("https://app.example", &["0xA".into()]).unwrap();
            db.connect_dapp("local program", &["0xB".into(), "0xC".into()]).unwrap();
            db.connect_dapp("https://app.example", &["0xD".into()]).unwrap();
        }
        let db = Database::open(&file).unwrap();
        assert_eq!(db.dapp_connection("https://app.example").unwrap(), Some(vec!["0xD".into()]));
        assert_eq!(db.dapp_connection("https://other.example").unwrap(), None);
        let all: Vec<String> = db.dapp_connections().unwrap().into_iter().map(|c| c.0).collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(db.revoke_dapp("https://app.example").unwrap());
        assert!(!db.revoke_dapp("https://app.example").unwrap(), "revoked once");
        assert_eq!(db.dapp_connection("https://app.example").unwrap(), None);
    }

    #[test]
    fn health_history_keeps_one_reading_per_block_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&Database::file(dir.path())).unwrap();
        let key = "devnet/aave/0x1";
        db.record_health(key, 10, 100, Some(1.8)).unwrap();
        db.record_health(key, 11, 112, Some(1.4)).unwrap();
        db.record_health(key, 11, 113, Some(9.9)).unwrap();
        db.record_health(key, 12, 124, None).unwrap();
        db.record_health("devnet/aave/0x2", 12, 124, Some(3.0)).unwrap();
        let h = db.health_history(key, 10).unwrap();
        let got: Vec<_> = h.iter().map(|p| (p.block, p.health_factor)).collect();
        assert_eq!(got, [(10, Some(1.8)), (11, Some(1.4)), (12, None)]);
        let newest = db.health_history(key, 2).unwrap();
        assert_eq!(newest.iter().map(|p| p.block).collect::<Vec<_>>(), [11, 12]);
        // The chain was reset: block 5 again, and what came after the old block 5 is gone.
        db.record_health(key, 5, 200, Some(2.0)).unwrap();
        let after_reset = db.health_history(key, 10).unwrap();
        assert_eq!(after_reset.iter().map(|p| (p.block, p.at)).collect::<Vec<_>>(), [(5, 200)]);
    }

    #[test]
    fn a_database_from_a_newer_vigil_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = Database::file(dir.path());
        Connection::open(&file).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let e = Database::open(&file).unwrap_err().to_string();
        assert!(e.contains("written by a newer Vigil"), "{e}");
    }
}
