//! Sending transactions signed elsewhere: nonces, EIP-1559 fees, broadcast and receipts.

use std::time::Duration;

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, B256, Bytes, TxKind, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};

use crate::{ChainClient, ClientError};

/// EIP-1559 fee caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Fees {
    /// The most paid per gas, base fee included.
    pub max_fee_per_gas: u128,
    /// The tip per gas.
    pub max_priority_fee_per_gas: u128,
}

impl Fees {
    /// What a transaction is expected to pay per gas: the next base fee plus the tip (the cap
    /// only bounds it).
    pub fn expected_per_gas(&self) -> u128 {
        self.max_fee_per_gas.saturating_sub(self.max_priority_fee_per_gas) / 2
            + self.max_priority_fee_per_gas
    }
}

/// Errors while sending.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The node refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// No receipt in time; the transaction may still be mined later.
    #[error("transaction {0} was not mined within {1:?}; it may still be: Vigil keeps tracking it")]
    Timeout(B256, Duration),
    /// Another transaction of the account took its nonce (a speed-up or cancel, or another
    /// wallet of the same key): it will never be mined.
    #[error(
        "transaction {hash} was replaced: another transaction of the account used its nonce {nonce}"
    )]
    Replaced {
        /// The transaction waited for.
        hash: B256,
        /// Its nonce.
        nonce: u64,
    },
}

/// What the network asks now: the next block's base fee and the median tip of the last 10
/// blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FeeMarket {
    /// The next block's base fee per gas.
    pub base_fee: u128,
    /// The tip per gas.
    pub tip: u128,
}

impl FeeMarket {
    /// Fees for a transaction: the tip, and a cap of twice the base fee plus the tip (which
    /// survives six full blocks of base-fee growth), or `ceiling` when that is lower but still
    /// above the base fee and tip.
    pub fn fees(&self, ceiling: u128) -> Fees {
        let cap = self.base_fee.saturating_mul(2).saturating_add(self.tip);
        Fees {
            max_fee_per_gas: cap.min(ceiling.max(self.floor())),
            max_priority_fee_per_gas: self.tip,
        }
    }

    /// The least a transaction must offer per gas to be included now.
    pub fn floor(&self) -> u128 {
        self.base_fee.saturating_add(self.tip)
    }
}

/// The fee market from the last 10 blocks. At least 0.01 gwei of tip, so that an idle chain's
/// zero tips do not stall a transaction.
pub async fn fee_market(client: &ChainClient) -> Result<FeeMarket, ClientError> {
    let history = client
        .request(|p| async move { p.get_fee_history(10, Default::default(), &[50.0]).await })
        .await?;
    let base_fee = history.next_block_base_fee().unwrap_or_default();
    let mut tips: Vec<u128> =
        history.reward.unwrap_or_default().iter().filter_map(|r| r.first().copied()).collect();
    tips.sort_unstable();
    let tip = tips.get(tips.len() / 2).copied().unwrap_or_default().max(10_000_000);
    Ok(FeeMarket { base_fee, tip })
}

/// Fees from the last 10 blocks, with no ceiling: what a quote compares routes with.
pub async fn suggest_fees(client: &ChainClient) -> Result<Fees, ClientError> {
    Ok(fee_market(client).await?.fees(u128::MAX))
}

/// One gwei, in wei.
pub const GWEI: u128 = 1_000_000_000;

/// The most gas Vigil gives one transaction: more than any action it builds needs. A node
/// that says a step needs more is wrong, or the call is not what it seems.
pub const MAX_GAS_LIMIT: u64 = 30_000_000;

/// A transaction's gas limit for `simulated` gas: a margin for state that moves before it is
/// mined.
pub fn gas_limit(simulated: u64) -> u64 {
    simulated.saturating_mul(13) / 10 + 20_000
}

/// Why a plan cannot be given signing terms.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TermsError {
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Including a transaction now costs more per gas than the network's ceiling.
    #[error(
        "{network} asks {asked} gwei per gas now, above the {ceiling} gwei Vigil signs at most there: nothing was signed. Wait for fees to fall, or raise max_fee_gwei for {network} in the config if the network really is this busy"
    )]
    AboveCeiling {
        /// The network.
        network: String,
        /// The base fee and tip, gwei.
        asked: String,
        /// The ceiling, gwei.
        ceiling: u64,
    },
    /// A step would need more gas than any transaction is given.
    #[error(
        "the node says '{step}' needs {gas} gas, more than the {MAX_GAS_LIMIT} any transaction is given: nothing was signed"
    )]
    TooMuchGas {
        /// The step.
        step: String,
        /// The gas the simulation reported.
        gas: u64,
    },
}

/// Everything a plan's transactions are signed with besides the plan itself, fixed when it is
/// previewed: what is signed is what was shown, and the most it can cost is known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SigningTerms {
    /// The chain.
    pub chain_id: u64,
    /// The first step's nonce; each next step takes the next one.
    pub nonce: u64,
    /// The fees of every step.
    pub fees: Fees,
    /// Each step's gas limit.
    pub gas_limits: Vec<u64>,
}

impl SigningTerms {
    /// The most the plan can cost: every step using all its gas at the fee cap, in wei.
    pub fn max_cost(&self) -> U256 {
        self.gas_limits
            .iter()
            .map(|g| U256::from(*g) * U256::from(self.fees.max_fee_per_gas))
            .fold(U256::ZERO, U256::saturating_add)
    }

    /// Step `index` of `steps` as a transaction, unsigned: `request` with the terms' fees, the
    /// nonce after the transactions before it, and its gas limit. A step signed off chain (a
    /// Permit2 allowance) is no transaction: it takes no nonce, and the gas set aside for it
    /// goes to the next step, which carries it. `None` for such a step.
    pub fn transaction_in(
        &self,
        steps: &[crate::simulate::Step],
        index: usize,
        request: &TransactionRequest,
    ) -> Option<TxEip1559> {
        if steps.get(index)?.permit.is_some() {
            return None;
        }
        let signed_before = steps[..index].iter().filter(|s| s.permit.is_some()).count();
        let mut tx = self.transaction(index - signed_before, request)?;
        tx.gas_limit = *self.gas_limits.get(index)?;
        if index > 0 && steps[index - 1].permit.is_some() {
            tx.gas_limit += *self.gas_limits.get(index - 1)?;
        }
        Some(tx)
    }

    /// Step `index`'s transaction, unsigned: `request` with the terms' nonce, fees and gas.
    pub fn transaction(&self, index: usize, request: &TransactionRequest) -> Option<TxEip1559> {
        Some(TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce.checked_add(u64::try_from(index).ok()?)?,
            gas_limit: *self.gas_limits.get(index)?,
            max_fee_per_gas: self.fees.max_fee_per_gas,
            max_priority_fee_per_gas: self.fees.max_priority_fee_per_gas,
            to: request.to.unwrap_or(TxKind::Create),
            value: request.value.unwrap_or_default(),
            access_list: Default::default(),
            input: request.input.input().cloned().unwrap_or_default(),
        })
    }
}

/// The account's next nonce and the fee market: what signing terms are fixed from, read in
/// parallel (and in parallel with the simulation).
pub async fn account_and_market(
    client: &ChainClient,
    from: Address,
) -> Result<(u64, FeeMarket), ClientError> {
    tokio::try_join!(pending_nonce(client, from), fee_market(client))
}

/// The terms to sign `steps` (each with its simulated gas) on: from `nonce`, at fees from
/// `market` within `network`'s ceiling, with gas limits with a margin.
pub fn signing_terms(
    network: &crate::Network,
    chain_id: u64,
    nonce: u64,
    market: FeeMarket,
    steps: &[(String, u64)],
) -> Result<SigningTerms, TermsError> {
    let mut gas_limits = Vec::with_capacity(steps.len());
    for (step, gas) in steps {
        let limit = gas_limit(*gas);
        if limit > MAX_GAS_LIMIT {
            return Err(TermsError::TooMuchGas { step: step.clone(), gas: *gas });
        }
        gas_limits.push(limit);
    }
    let ceiling = u128::from(network.max_fee_gwei).saturating_mul(GWEI);
    if market.floor() > ceiling {
        return Err(TermsError::AboveCeiling {
            network: network.name.clone(),
            asked: gwei(market.floor()),
            ceiling: network.max_fee_gwei,
        });
    }
    Ok(SigningTerms { chain_id, nonce, fees: market.fees(ceiling), gas_limits })
}

/// Wei per gas in gwei, as people read it ("12.5").
pub fn gwei(wei: u128) -> String {
    let whole = wei / GWEI;
    let frac = wei % GWEI;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// The account's next nonce, counting its pending transactions.
pub async fn pending_nonce(client: &ChainClient, account: Address) -> Result<u64, ClientError> {
    client.request(|p| async move { p.get_transaction_count(account).pending().await }).await
}

/// Broadcasts a signed transaction (EIP-2718 bytes) and returns its hash: to the network's
/// private submission endpoint alone when it has one, else to its RPC endpoints (sending the
/// same bytes to another endpoint after a failure is harmless: it is the same transaction).
pub async fn broadcast(client: &ChainClient, raw: Bytes) -> Result<B256, ClientError> {
    if let Some(sent) = client.send_private(&raw).await {
        return sent;
    }
    client
        .request(|p| {
            let raw = raw.clone();
            async move { p.send_raw_transaction(&raw).await.map(|pending| *pending.tx_hash()) }
        })
        .await
}

/// Polls for the receipt (nodes answer before they seal the block), at most for `timeout`.
pub async fn wait_for_receipt(
    client: &ChainClient,
    hash: B256,
    timeout: Duration,
) -> Result<TransactionReceipt, SubmitError> {
    let started = std::time::Instant::now();
    let mut interval = Duration::from_millis(5);
    loop {
        if let Some(r) =
            client.request(|p| async move { p.get_transaction_receipt(hash).await }).await?
        {
            return Ok(r);
        }
        if started.elapsed() > timeout {
            return Err(SubmitError::Timeout(hash, timeout));
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(2));
    }
}

/// [`wait_for_receipt`], but gives up as soon as another transaction of `from` is mined with
/// `nonce` (a speed-up or cancel took its place): waiting on would hold the account's sends
/// back for nothing.
pub async fn wait_for_receipt_or_replacement(
    client: &ChainClient,
    hash: B256,
    (from, nonce): (Address, u64),
    timeout: Duration,
) -> Result<TransactionReceipt, SubmitError> {
    let started = std::time::Instant::now();
    let mut interval = Duration::from_millis(5);
    loop {
        let (receipt, mined) = tokio::try_join!(
            client.request(|p| async move { p.get_transaction_receipt(hash).await }),
            client.request(|p| async move { p.get_transaction_count(from).latest().await }),
        )?;
        if let Some(r) = receipt {
            return Ok(r);
        }
        if mined > nonce {
            // Mined in between the two reads (a node may count the nonce a moment before it
            // serves the receipt), or replaced: a few more looks over a second decide.
            for wait in [50, 200, 750] {
                tokio::time::sleep(Duration::from_millis(wait)).await;
                let receipt = client
                    .request(|p| async move { p.get_transaction_receipt(hash).await })
                    .await?;
                if let Some(r) = receipt {
                    return Ok(r);
                }
            }
            return Err(SubmitError::Replaced { hash, nonce });
        }
        if started.elapsed() > timeout {
            return Err(SubmitError::Timeout(hash, timeout));
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(2));
    }
}

/// Waits until the block holding a transaction has `confirmations` blocks on top of it (counting
/// its own), so a reorganisation is unlikely to undo it. Bounded by `timeout`.
pub async fn wait_for_confirmations(
    client: &ChainClient,
    hash: B256,
    mined_in: u64,
    confirmations: u64,
    timeout: Duration,
) -> Result<(), SubmitError> {
    let started = std::time::Instant::now();
    loop {
        let latest = client.request(|p| async move { p.get_block_number().await }).await?;
        if latest + 1 >= mined_in + confirmations.max(1) {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(SubmitError::Timeout(hash, timeout));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
