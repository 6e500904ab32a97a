//! EIP-5792 (version 2.0.0): `wallet_sendCalls` previews a dapp's calls as one plan, the user
//! approves them once, and they are sent one after the other (Vigil's accounts are plain
//! accounts: no atomic batches, as `wallet_getCapabilities` says). `wallet_getCallsStatus`
//! follows them from the hashes sent to their receipts.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    rpc::types::TransactionRequest,
};
use serde_json::{Value, json};

use crate::{
    front::Caller,
    provider::{Provider, forward},
    rpc::{Request, RpcError},
};

/// The most calls in one bundle.
pub const MAX_CALLS: usize = 20;
/// How many bundles are remembered for status requests (the oldest are forgotten).
const REMEMBERED: usize = 256;

/// A bundle sent: for whom, on which chain, and how far it got.
#[derive(Debug)]
struct Bundle {
    key: String,
    chain_id: u64,
    calls: usize,
    hashes: Vec<B256>,
    /// Why it stopped before every call was sent.
    failed: Option<String>,
    order: u64,
}

/// The bundles sent, by id.
#[derive(Debug, Default)]
pub(crate) struct Bundles {
    map: Arc<Mutex<HashMap<String, Bundle>>>,
    next: Mutex<u64>,
}

impl Bundles {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bundle>> {
        // A panic elsewhere leaves a plain map behind, still whole.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Provider {
    /// `wallet_getCapabilities [account, [chainIds]?]`: for each chain asked (or the caller's),
    /// what Vigil can do there: calls one after the other, not atomically.
    pub(crate) async fn capabilities(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        // Only for an account the caller may use (4100 otherwise).
        self.signing_account(caller, req.params.get(0))?;
        let asked: Vec<u64> = req
            .params
            .get(1)
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .filter_map(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
                    .collect()
            })
            .unwrap_or_default();
        let mut chains = Vec::new();
        if asked.is_empty() {
            chains.push(self.chain_of(caller).await?.0.chain_id);
        }
        for id in asked {
            if self.chains.get(id).await?.is_some() {
                chains.push(id);
            }
        }
        let answer: serde_json::Map<String, Value> = chains
            .into_iter()
            .map(|id| (format!("{id:#x}"), json!({ "atomic": { "status": "unsupported" } })))
            .collect();
        Ok(Value::Object(answer))
    }

    /// `wallet_sendCalls [{version, id?, chainId, from?, atomicRequired, calls, capabilities?}]`:
    /// checked, previewed as one plan and approved once; `{id}` once the first call is sent.
    pub(crate) async fn send_calls(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let p = req.params.get(0).unwrap_or(&Value::Null);
        let version = p.get("version").and_then(Value::as_str).unwrap_or_default();
        if !version.starts_with("2.") && !version.starts_with("1.") {
            return Err(RpcError::invalid_params(format!(
                "wallet_sendCalls version '{version}' is not one Vigil speaks (2.0.0)"
            )));
        }
        if let Some(caps) = p.get("capabilities").and_then(Value::as_object) {
            // A capability the dapp requires and Vigil lacks stops it; optional ones are skipped.
            if let Some((name, _)) =
                caps.iter().find(|(_, c)| c.get("optional").and_then(Value::as_bool) != Some(true))
            {
                return Err(RpcError::new(
                    RpcError::UNSUPPORTED_CAPABILITY,
                    format!("Vigil does not support the capability '{name}'"),
                ));
            }
        }
        if p.get("atomicRequired").and_then(Value::as_bool) == Some(true) {
            return Err(RpcError::new(
                RpcError::ATOMICITY_NOT_SUPPORTED,
                "Vigil's accounts send calls one after the other, not atomically: send them with atomicRequired false",
            ));
        }
        let (network, _) = self.chain_of(caller).await?;
        let chain_id = p
            .get("chainId")
            .and_then(Value::as_str)
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok());
        if chain_id != Some(network.chain_id) {
            return Err(RpcError::new(
                RpcError::UNSUPPORTED_CHAIN,
                format!(
                    "the calls are for chain {}; {caller} is on {} (chain {:#x})",
                    p.get("chainId").unwrap_or(&Value::Null),
                    network.name,
                    network.chain_id
                ),
            ));
        }
        let from = match p.get("from") {
            Some(v) if !v.is_null() => self.signing_account(caller, Some(v))?,
            _ => *self
                .permitted(caller)
                .unwrap_or_default()
                .first()
                .ok_or_else(|| RpcError::unauthorized(caller.key()))?,
        };
        let from = self.sending_account(caller, from).await?;
        let calls = calls_of(p, from)?;
        let id = match p.get("id").and_then(Value::as_str) {
            Some(id) if self.bundles.map().contains_key(id) => {
                return Err(RpcError::new(
                    RpcError::DUPLICATE_ID,
                    format!("a bundle with id {id} was already sent"),
                ));
            }
            Some(id) if id.len() <= 4096 => id.to_owned(),
            Some(_) => return Err(RpcError::invalid_params("the bundle id is too long")),
            // Unique in this run, and not a count another caller could guess.
            None => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                let seed = format!("{}:{nanos}:{}", caller.key(), self.bundles.map().len());
                alloy::primitives::keccak256(seed.as_bytes()).to_string()
            }
        };
        let count = calls.len();
        let mut sending = self.start_sending(caller, network.clone(), from, calls);
        let first = sending.first().await?;
        let order = {
            let mut next = self.bundles.next.lock().unwrap_or_else(|p| p.into_inner());
            *next += 1;
            *next
        };
        {
            let mut map = self.bundles.map();
            if map.len() >= REMEMBERED
                && let Some(oldest) =
                    map.iter().min_by_key(|(_, b)| b.order).map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
            map.insert(
                id.clone(),
                Bundle {
                    key: caller.key().to_owned(),
                    chain_id: network.chain_id,
                    calls: count,
                    hashes: vec![first],
                    failed: None,
                    order,
                },
            );
        }
        // The rest of the hashes, and how it ended, as they come.
        let (bundles, bundle_id) = (self.bundles.map.clone(), id.clone());
        tokio::spawn(async move {
            let record = |f: &mut dyn FnMut(&mut Bundle)| {
                if let Some(b) =
                    bundles.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&bundle_id)
                {
                    f(b);
                }
            };
            while let Some(hash) = sending.hashes.recv().await {
                record(&mut |b| b.hashes.push(hash));
            }
            let outcome = match sending.done.take() {
                Some(done) => {
                    done.await.map_err(|e| RpcError::new(RpcError::INTERNAL, e.to_string()))
                }
                None => Ok(Ok(())),
            };
            if let Ok(Err(e)) | Err(e) = outcome {
                record(&mut |b| b.failed = Some(e.message.clone()));
            }
        });
        Ok(json!({ "id": id }))
    }

    /// `wallet_getCallsStatus [id]`: 100 while calls are pending, 200 when every call is
    /// confirmed, 400 when it stopped before anything reached the chain, 500 when every call
    /// reverted, 600 when some did (or it stopped part way).
    pub(crate) async fn calls_status(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let id = req
            .params
            .get(0)
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::invalid_params("wallet_getCallsStatus takes [id]"))?;
        let unknown = || RpcError::new(RpcError::UNKNOWN_BUNDLE, format!("no bundle with id {id}"));
        let (chain_id, calls, hashes, failed) = {
            let map = self.bundles.map();
            let b = map.get(id).filter(|b| b.key == caller.key()).ok_or_else(unknown)?;
            (b.chain_id, b.calls, b.hashes.clone(), b.failed.clone())
        };
        let (_, client) = self
            .chains
            .get(chain_id)
            .await?
            .ok_or_else(|| RpcError::new(RpcError::INTERNAL, "the bundle's network is gone"))?;
        let mut receipts = Vec::new();
        for hash in &hashes {
            let receipt = forward(&client, "eth_getTransactionReceipt", &json!([hash])).await?;
            if receipt.is_null() {
                break;
            }
            receipts.push(receipt);
        }
        let succeeded = |r: &Value| r.get("status").and_then(Value::as_str) == Some("0x1");
        let ok = receipts.iter().filter(|r| succeeded(r)).count();
        let all_mined = receipts.len() == hashes.len();
        let status = match (all_mined, hashes.len() == calls, &failed) {
            (false, _, _) | (true, false, None) => 100,
            (true, true, _) if ok == calls => 200,
            (true, _, Some(_)) if hashes.is_empty() => 400,
            (true, _, _) if ok == 0 => 500,
            _ => 600,
        };
        let receipts: Vec<Value> = receipts
            .into_iter()
            .map(|r| {
                json!({
                    "logs": r.get("logs").cloned().unwrap_or(json!([])),
                    "status": r.get("status").cloned().unwrap_or(Value::Null),
                    "blockHash": r.get("blockHash").cloned().unwrap_or(Value::Null),
                    "blockNumber": r.get("blockNumber").cloned().unwrap_or(Value::Null),
                    "gasUsed": r.get("gasUsed").cloned().unwrap_or(Value::Null),
                    "transactionHash": r.get("transactionHash").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        Ok(json!({
            "version": "2.0.0",
            "id": id,
            "chainId": format!("{chain_id:#x}"),
            "status": status,
            "atomic": false,
            "receipts": receipts,
        }))
    }
}

/// The calls as transactions from `from`.
fn calls_of(p: &Value, from: Address) -> Result<Vec<TransactionRequest>, RpcError> {
    let calls = p
        .get("calls")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| RpcError::invalid_params("calls must list at least one call"))?;
    if calls.len() > MAX_CALLS {
        return Err(RpcError::new(
            RpcError::BUNDLE_TOO_LARGE,
            format!("{} calls: Vigil takes at most {MAX_CALLS} at once", calls.len()),
        ));
    }
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let bad = |what: &str| RpcError::invalid_params(format!("call {i}: {what}"));
            let to: Option<Address> = match c.get("to") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    serde_json::from_value(v.clone()).map_err(|_| bad("to is not an address"))?,
                ),
            };
            let data: Option<Bytes> = match c.get("data") {
                None | Some(Value::Null) => None,
                Some(v) => {
                    Some(serde_json::from_value(v.clone()).map_err(|_| bad("data is not hex"))?)
                }
            };
            let value: U256 = match c.get("value") {
                None | Some(Value::Null) => U256::ZERO,
                Some(v) => serde_json::from_value(v.clone())
                    .map_err(|_| bad("value is not a hex quantity"))?,
            };
            let mut tx = TransactionRequest::default().from(from).value(value);
            if let Some(to) = to {
                tx = tx.to(to);
            }
            if let Some(data) = data {
                tx = tx.input(data.into());
            }
            Ok(tx)
        })
        .collect()
}
