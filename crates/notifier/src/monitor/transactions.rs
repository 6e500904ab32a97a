//! The monitor's follow-up of the wallet's own transactions: on every block, one JSON-RPC
//! batch asks for each pending one's receipt, whether the node still knows it, and its
//! sender's nonce, and reports it confirmed, failed, replaced or dropped.

use alloy::{eips::BlockId, primitives::U256};

use super::{Monitor, MonitorError};
use crate::{
    alert::{Alert, Subject, TxOutcome, short},
    rules::Level,
};

impl Monitor {
    /// Follows pending transactions: one JSON-RPC batch of receipt, lookup and sender nonce each.
    pub(super) async fn check_transactions(
        &mut self,
        number: u64,
        at: BlockId,
        now: u64,
    ) -> Result<Vec<Alert>, MonitorError> {
        if self.watch.transactions.is_empty() {
            return Ok(Vec::new());
        }
        let txs = self.watch.transactions.clone();
        let answers = self
            .client
            .request(|p| {
                let txs = txs.clone();
                async move {
                    let rpc = alloy::providers::Provider::client(&p);
                    let mut batch = alloy::rpc::client::BatchRequest::new(rpc);
                    let mut waiters = Vec::new();
                    for tx in &txs {
                        let receipt = batch.add_call::<_, Option<serde_json::Value>>(
                            "eth_getTransactionReceipt",
                            &(tx.hash,),
                        )?;
                        let known = batch.add_call::<_, Option<serde_json::Value>>(
                            "eth_getTransactionByHash",
                            &(tx.hash,),
                        )?;
                        let nonce =
                            batch.add_call::<_, U256>("eth_getTransactionCount", &(tx.from, at))?;
                        waiters.push((receipt, known, nonce));
                    }
                    batch.send().await?;
                    let mut out = Vec::new();
                    for (r, k, n) in waiters {
                        out.push((r.await?, k.await?, n.await?));
                    }
                    Ok(out)
                }
            })
            .await?;
        let mut alerts = Vec::new();
        let mut pending = Vec::new();
        // The (account, nonce) of every followed transaction that made it into a block: one
        // that shares it without a receipt of its own was replaced by it.
        let included: Vec<(alloy::primitives::Address, u64)> = txs
            .iter()
            .zip(&answers)
            .filter(|(_, (receipt, _, _))| receipt.is_some())
            .map(|(tx, _)| (tx.from, tx.nonce))
            .collect();
        for (tx, (receipt, known, nonce)) in txs.into_iter().zip(answers) {
            let outcome = match receipt {
                Some(r) => {
                    let ok = r.get("status").and_then(|s| s.as_str()) == Some("0x1");
                    Some((if ok { TxOutcome::Confirmed } else { TxOutcome::Failed }, block_of(&r)))
                }
                None if included.contains(&(tx.from, tx.nonce)) => {
                    Some((TxOutcome::Replaced, None))
                }
                None if known.is_none() && nonce > U256::from(tx.nonce) => {
                    Some((TxOutcome::Dropped, None))
                }
                None if known.is_none()
                    && now.saturating_sub(tx.sent_at) > self.options.drop_after.as_secs() =>
                {
                    Some((TxOutcome::Dropped, None))
                }
                None => None,
            };
            let Some((outcome, included)) = outcome else {
                pending.push(tx);
                continue;
            };
            let hash = format!("{:#x}", tx.hash);
            let (level, title, body) = match outcome {
                TxOutcome::Confirmed => (
                    Level::Ok,
                    "Transaction confirmed".to_owned(),
                    format!(
                        "{} on {} succeeded in block {}.",
                        short(&hash),
                        self.network.name,
                        included.unwrap_or(number)
                    ),
                ),
                TxOutcome::Failed => (
                    Level::Warning,
                    "Transaction failed".to_owned(),
                    format!(
                        "{} on {} reverted in block {}: the fee was paid and nothing else changed. Preview it again to see why.",
                        short(&hash),
                        self.network.name,
                        included.unwrap_or(number)
                    ),
                ),
                TxOutcome::Replaced => (
                    Level::Ok,
                    "Transaction replaced".to_owned(),
                    format!(
                        "{} on {} was replaced by your transaction with the same nonce {} (a speed-up or cancel).",
                        short(&hash),
                        self.network.name,
                        tx.nonce
                    ),
                ),
                TxOutcome::Dropped => (
                    Level::Warning,
                    "Transaction dropped".to_owned(),
                    if nonce > U256::from(tx.nonce) {
                        format!(
                            "{} on {} will never be included: its nonce {} was used by another transaction.",
                            short(&hash),
                            self.network.name,
                            tx.nonce
                        )
                    } else {
                        format!(
                            "{} on {} is unknown to the node after {} min: send it again if it is still wanted.",
                            short(&hash),
                            self.network.name,
                            now.saturating_sub(tx.sent_at) / 60
                        )
                    },
                ),
            };
            alerts.push(Alert {
                key: format!("{}/tx/{hash}", self.network.name),
                network: self.network.name.clone(),
                subject: Subject::Transaction { hash, outcome },
                level,
                title,
                body,
                block: Some(included.unwrap_or(number)),
                data_age_secs: None,
                stale: false,
                observation: None,
                at: now,
            });
        }
        self.watch.transactions = pending;
        Ok(alerts)
    }
}

fn block_of(receipt: &serde_json::Value) -> Option<u64> {
    receipt
        .get("blockNumber")
        .and_then(|b| b.as_str())
        .and_then(|b| u64::from_str_radix(b.trim_start_matches("0x"), 16).ok())
}
