//! Where alert state lives between blocks and across restarts. The wallet backs the trait with
//! its SQLite database; [`MemoryStore`] is for tests and for `vigil watch` without a wallet.

use std::{collections::BTreeMap, sync::Mutex};

use crate::rules::RuleState;

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backing database failed.
    #[error("the alert database failed: {0}")]
    Backend(String),
}

/// Alert state by position key (`network/kind/id`).
pub trait AlertStore: Send + Sync {
    /// The state of `key`, default if never seen.
    fn load(&self, key: &str) -> Result<RuleState, StoreError>;
    /// Replaces the state of `key`.
    fn save(&self, key: &str, state: &RuleState) -> Result<(), StoreError>;
}

/// An in-memory [`AlertStore`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    states: Mutex<BTreeMap<String, RuleState>>,
}

impl AlertStore for MemoryStore {
    fn load(&self, key: &str) -> Result<RuleState, StoreError> {
        // A poisoned lock still holds a valid map: states are replaced whole.
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        Ok(states.get(key).copied().unwrap_or_default())
    }

    fn save(&self, key: &str, state: &RuleState) -> Result<(), StoreError> {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.insert(key.to_owned(), *state);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Level;

    #[test]
    fn memory_store_round_trips_and_defaults() {
        let store = MemoryStore::default();
        assert_eq!(store.load("devnet/aave/0x1").unwrap(), RuleState::default());
        let state = RuleState {
            fired: Some(Level::Critical),
            last_notified: Some(5),
            ..Default::default()
        };
        store.save("devnet/aave/0x1", &state).unwrap();
        assert_eq!(store.load("devnet/aave/0x1").unwrap(), state);
    }
}
