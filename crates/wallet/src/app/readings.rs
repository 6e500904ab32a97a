//! The dashboard's chain reads, taken in the watcher's own per-block read.
//!
//! The window reloads the dashboard on every block the watcher reports. Rather than read the
//! chain again each time, the dashboard tells this store what it reads (its accounts, their
//! tokens, the Aave market) and the watcher's monitor sends those calls in the batch it sends
//! for that block anyway ([`Rider`]). The next reload decodes the monitor's answers: the same
//! block as the alerts, and no request of its own. The dashboard reads the chain itself only
//! when nothing fresh is here: its first read, another network than the watched ones, a
//! changed account list, or a watcher that stopped. Nobody reading for [`WANTED_FOR`] (the
//! window closed to the tray) stops the extra calls.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::primitives::{Address, Bytes};
use vigil_api::Money;
use vigil_defi_adapters::{
    aave::{self, Market},
    multicall,
};
use vigil_notifier::{Rider, rider::Batches};

use crate::portfolio::BalanceQuery;

/// How long after the dashboard's last read the monitor keeps reading for it.
pub const WANTED_FOR: Duration = Duration::from_secs(60);
/// How long the monitor's answers stand for the chain's state without the monitor saying the
/// block is still the latest (it looks at least every few seconds).
pub const FRESH_FOR: Duration = Duration::from_secs(15);

/// What the dashboard reads on one network.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The accounts shown, in order.
    pub accounts: Vec<Address>,
    /// Their assets.
    pub query: BalanceQuery,
    /// The Aave market, for its positions and prices, where the network has one.
    pub market: Option<Market>,
    /// The user's currency there, read with the market.
    pub money: (Money, Option<String>),
}

/// What the monitor read for a [`Layout`], at `block`.
#[derive(Debug, Clone)]
pub(crate) struct Answers {
    /// The block read.
    pub block: u64,
    /// The balance table, a row per account.
    pub balances: Vec<Option<Bytes>>,
    /// The answers to [`aave::accounts_calls`], when the layout has a market.
    pub positions: Vec<Vec<Option<Bytes>>>,
}

#[derive(Debug)]
struct Slot {
    layout: Arc<Layout>,
    calls: Batches,
    /// Bumped when the layout changes, so answers to the old calls are not taken for new.
    generation: u64,
    asked: Option<u64>,
    wanted_until: Instant,
    answers: Option<(Arc<Answers>, Instant)>,
    /// Answers of an older block than this are not the chain's state any more.
    not_before: Option<u64>,
}

/// The dashboard's reads per network (by name), shared by the dashboard and the monitors.
#[derive(Debug, Default)]
pub struct DashboardReads {
    slots: Mutex<HashMap<String, Slot>>,
}

impl DashboardReads {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panic elsewhere leaves plain data behind, still consistent per slot.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the monitor of `network` to read `layout` from its next block on.
    pub(crate) fn want(&self, network: &str, multicall3: Address, layout: Layout) {
        let mut calls =
            vec![multicall::balance_calls(multicall3, &layout.query.assets(), &layout.accounts)];
        if let Some(market) = &layout.market {
            calls.extend(aave::accounts_calls(market, &layout.accounts));
        }
        let mut slots = self.slots();
        let generation = slots.get(network).map_or(0, |s| s.generation + 1);
        let not_before = slots.get(network).and_then(|s| s.not_before);
        slots.insert(
            network.to_owned(),
            Slot {
                layout: Arc::new(layout),
                calls,
                generation,
                asked: None,
                wanted_until: Instant::now() + WANTED_FOR,
                answers: None,
                not_before,
            },
        );
    }

    /// Forgets every layout (the config changed).
    pub(crate) fn clear(&self) {
        self.slots().clear();
    }

    /// Drops what the monitor read on `network` before `block` (or all of it): the wallet
    /// just changed that chain (a transaction of its own is final there), so the next read is
    /// the chain's, never one of the block before, even if the monitor was reading it then.
    pub(crate) fn changed(&self, network: &str, block: Option<u64>) {
        if let Some(slot) = self.slots().get_mut(network) {
            slot.answers = None;
            slot.not_before = slot.not_before.max(block);
        }
    }

    /// The monitor's latest answers on `network` for `accounts` and `query`, if they are
    /// still the chain's state; keeps the monitor reading either way.
    pub(crate) fn fresh(
        &self,
        network: &str,
        accounts: &[Address],
        query: &BalanceQuery,
    ) -> Option<(Arc<Layout>, Arc<Answers>)> {
        let mut slots = self.slots();
        let slot = slots.get_mut(network)?;
        if slot.layout.accounts != accounts || slot.layout.query != *query {
            return None;
        }
        slot.wanted_until = Instant::now() + WANTED_FOR;
        let (answers, seen) = slot.answers.as_ref()?;
        (seen.elapsed() <= FRESH_FOR).then(|| (slot.layout.clone(), answers.clone()))
    }
}

impl Rider for DashboardReads {
    fn calls(&self, network: &str) -> Batches {
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(network) else { return Vec::new() };
        if slot.wanted_until < Instant::now() {
            slot.answers = None;
            return Vec::new();
        }
        slot.asked = Some(slot.generation);
        slot.calls.clone()
    }

    fn answers(&self, network: &str, block: u64, mut answers: Vec<Vec<Option<Bytes>>>) {
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(network) else { return };
        if slot.asked != Some(slot.generation) || answers.len() != slot.calls.len() {
            return; // answers to calls of a layout since replaced
        }
        if slot.not_before.is_some_and(|b| block < b) {
            return; // read before the wallet's own transaction was final
        }
        let positions = answers.split_off(1);
        let balances = answers.into_iter().next().unwrap_or_default();
        slot.answers = Some((Arc::new(Answers { block, balances, positions }), Instant::now()));
    }

    fn unchanged(&self, network: &str, block: u64) {
        let mut slots = self.slots();
        if let Some((answers, seen)) = slots.get_mut(network).and_then(|s| s.answers.as_mut())
            && answers.block == block
        {
            *seen = Instant::now();
        }
    }

    fn stopped(&self, network: &str) {
        if let Some(slot) = self.slots().get_mut(network) {
            slot.answers = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use vigil_defi_adapters::Network;

    use super::*;

    fn layout(accounts: usize) -> Layout {
        let network = Network::named("ethereum").expect("a built-in network");
        Layout {
            accounts: (0..accounts).map(|i| Address::with_last_byte(i as u8 + 1)).collect(),
            query: BalanceQuery::of(&network),
            market: None,
            money: (Money::usd(), None),
        }
    }

    fn answer(reads: &DashboardReads, block: u64) {
        let calls = reads.calls("ethereum");
        let answers = calls.iter().map(|b| vec![None; b.len()]).collect();
        reads.answers("ethereum", block, answers);
    }

    #[test]
    fn answers_are_taken_for_the_layout_they_were_asked_for_only() {
        let reads = DashboardReads::default();
        let l = layout(2);
        let (accounts, query) = (l.accounts.clone(), l.query.clone());
        assert!(reads.calls("ethereum").is_empty(), "nothing asked yet");
        reads.want("ethereum", Address::ZERO, l);
        assert!(reads.fresh("ethereum", &accounts, &query).is_none(), "no answer yet");
        answer(&reads, 7);
        let (_, got) = reads.fresh("ethereum", &accounts, &query).expect("answered");
        assert_eq!(got.block, 7);
        assert_eq!(got.balances.len(), accounts.len() * query.assets().len());
        assert!(reads.fresh("ethereum", &accounts[..1], &query).is_none(), "other accounts");
        assert!(reads.fresh("base", &accounts, &query).is_none(), "another network");

        // The layout changes between the monitor's ask and its answer: the answer is dropped.
        let calls = reads.calls("ethereum");
        reads.want("ethereum", Address::ZERO, layout(2));
        reads.answers("ethereum", 8, calls.iter().map(|b| vec![None; b.len()]).collect());
        assert!(reads.fresh("ethereum", &accounts, &query).is_none());

        // The wallet's own transaction was final in block 12: a read of block 11 (the monitor
        // was reading it meanwhile) is not the chain's state; one of block 12 is.
        answer(&reads, 9);
        reads.changed("ethereum", Some(12));
        assert!(reads.fresh("ethereum", &accounts, &query).is_none());
        answer(&reads, 11);
        assert!(reads.fresh("ethereum", &accounts, &query).is_none());
        answer(&reads, 12);
        assert_eq!(reads.fresh("ethereum", &accounts, &query).expect("block 12").1.block, 12);

        answer(&reads, 13);
        reads.stopped("ethereum");
        assert!(reads.fresh("ethereum", &accounts, &query).is_none(), "the watcher stopped");
        answer(&reads, 10);
        reads.clear();
        assert!(reads.fresh("ethereum", &accounts, &query).is_none(), "the config changed");
        assert!(reads.calls("ethereum").is_empty());
    }
}
