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

/// Migrations, in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &["CREATE TABLE alert_state (
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
    CREATE INDEX alert_history_key ON alert_history (key, at);"];

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
            std::fs::create_dir_all(dir).map_err(|e| open_err(&e))?;
        }
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
    fn a_database_from_a_newer_vigil_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = Database::file(dir.path());
        Connection::open(&file).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let e = Database::open(&file).unwrap_err().to_string();
        assert!(e.contains("written by a newer Vigil"), "{e}");
    }
}
