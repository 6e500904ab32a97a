//! Simulation of a whole plan on the latest state, and the balance changes it would cause.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, I256, U256, address},
    rpc::types::{
        BlockOverrides, Log, TransactionRequest,
        simulate::{SimBlock, SimulatePayload},
    },
    sol_types::SolEvent,
};
use serde::Serialize;

use crate::{
    ChainClient, ClientError,
    abi::{Approval, Deposit, Transfer, Withdrawal},
    multicall::Asset,
};

/// The pseudo-token that `eth_simulateV1` uses for native transfers in its traced logs.
pub const NATIVE_PSEUDO_TOKEN: Address = address!("EeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE");

/// One unsigned transaction of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What it does, for the preview ("Approve 1,000 USDC", "Swap on Uniswap V3").
    pub label: String,
    /// The transaction (from, to, value, input; nonce and fees are filled at signing).
    pub request: TransactionRequest,
}

/// An action as ordered unsigned transactions from one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The account that signs every step.
    pub from: Address,
    /// The steps, executed in order.
    pub steps: Vec<Step>,
}

/// How one step would go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    /// The step's label.
    pub label: String,
    /// Whether it would succeed.
    pub success: bool,
    /// Gas it would use.
    pub gas_used: u64,
    /// The decoded revert reason, if it would fail.
    pub revert_reason: Option<String>,
}

/// A net balance change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceChange {
    /// Whose balance.
    pub account: Address,
    /// Of what.
    pub asset: AssetId,
    /// By how much, in base units (negative: spent).
    pub delta: I256,
}

/// An asset in a preview: native coin or token contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "address", rename_all = "snake_case")]
pub enum AssetId {
    /// The native coin.
    Native,
    /// An ERC-20 token.
    Token(Address),
}

impl From<AssetId> for Asset {
    fn from(a: AssetId) -> Self {
        match a {
            AssetId::Native => Asset::Native,
            AssetId::Token(t) => Asset::Token(t),
        }
    }
}

/// An allowance the plan would set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalChange {
    /// The token.
    pub token: Address,
    /// Who approves.
    pub owner: Address,
    /// Who may spend.
    pub spender: Address,
    /// How much (`U256::MAX` is unlimited).
    pub amount: U256,
}

/// What the plan would do, executed on the latest state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Simulation {
    /// Every step's outcome; after a failing step, later ones are not meaningful.
    pub steps: Vec<StepOutcome>,
    /// Net balance changes of every account touched (fees excluded; see the preview).
    pub changes: Vec<BalanceChange>,
    /// Allowances granted (one per token and spender, as granted, before any use).
    pub approvals: Vec<ApprovalChange>,
    /// Total gas.
    pub gas_used: u64,
    /// Addresses that emitted events while the plan ran: contracts, by construction (a wallet
    /// address cannot emit an event).
    #[serde(skip)]
    pub contracts: Vec<Address>,
}

impl Simulation {
    /// Whether every step would succeed.
    pub fn success(&self) -> bool {
        self.steps.iter().all(|s| s.success)
    }

    /// The first failure's reason.
    pub fn revert_reason(&self) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| !s.success)
            .map(|s| s.revert_reason.as_deref().unwrap_or("reverted"))
    }

    /// The net change of `asset` for `account` (zero if untouched).
    pub fn change(&self, account: Address, asset: AssetId) -> I256 {
        self.changes
            .iter()
            .find(|c| c.account == account && c.asset == asset)
            .map_or(I256::ZERO, |c| c.delta)
    }
}

/// Runs the whole plan in one `eth_simulateV1` call (one round trip), in order, on the latest
/// block, tracing native and token transfers.
pub async fn simulate(client: &ChainClient, plan: &Plan) -> Result<Simulation, ClientError> {
    let calls: Vec<TransactionRequest> =
        plan.steps.iter().map(|s| s.request.clone().from(plan.from)).collect();
    // The block is stamped with the wall clock, as the real one will be: on an idle chain the
    // latest block can be old, and a deadline check would pass in simulation but fail for real.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let overrides = BlockOverrides { time: Some(now), ..Default::default() };
    let payload = SimulatePayload {
        block_state_calls: vec![SimBlock {
            block_overrides: Some(overrides),
            state_overrides: None,
            calls,
        }],
        trace_transfers: true,
        validation: false,
        return_full_transactions: false,
    };
    let blocks = client
        .request(|p| {
            let payload = payload.clone();
            async move { alloy::providers::Provider::simulate(&p, &payload).await }
        })
        .await?;
    let results = blocks.into_iter().next().map(|b| b.calls).unwrap_or_default();
    let mut deltas: BTreeMap<(Address, AssetId), I256> = BTreeMap::new();
    let mut approvals = Vec::new();
    let mut steps = Vec::new();
    let mut contracts: Vec<Address> = Vec::new();
    for (step, result) in plan.steps.iter().zip(&results) {
        steps.push(StepOutcome {
            label: step.label.clone(),
            success: result.status,
            gas_used: result.gas_used,
            revert_reason: (!result.status).then(|| {
                alloy::sol_types::decode_revert_reason(&result.return_data)
                    .or_else(|| result.error.as_ref().map(|e| e.message.clone()))
                    .unwrap_or_else(|| "reverted without a reason".into())
            }),
        });
        if result.status {
            for log in &result.logs {
                apply_log(log, &mut deltas, &mut approvals);
                if log.address() != NATIVE_PSEUDO_TOKEN {
                    contracts.push(log.address());
                }
            }
        }
    }
    let gas_used = steps.iter().map(|s| s.gas_used).sum();
    let changes = deltas
        .into_iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|((account, asset), delta)| BalanceChange { account, asset, delta })
        .collect();
    contracts.sort();
    contracts.dedup();
    Ok(Simulation { steps, changes, approvals, gas_used, contracts })
}

fn signed(v: U256) -> I256 {
    I256::try_from(v).unwrap_or(I256::MAX)
}

fn apply_log(
    log: &Log,
    deltas: &mut BTreeMap<(Address, AssetId), I256>,
    approvals: &mut Vec<ApprovalChange>,
) {
    let emitter = log.address();
    let mut add = |account: Address, asset: AssetId, delta: I256| {
        *deltas.entry((account, asset)).or_insert(I256::ZERO) += delta;
    };
    let inner = &log.inner;
    if let Ok(t) = Transfer::decode_log(inner) {
        let asset =
            if emitter == NATIVE_PSEUDO_TOKEN { AssetId::Native } else { AssetId::Token(emitter) };
        add(t.from, asset, -signed(t.value));
        add(t.to, asset, signed(t.value));
    } else if let Ok(a) = Approval::decode_log(inner) {
        // The first Approval for a (token, owner, spender) is the grant; later ones are the
        // spender using it (OpenZeppelin tokens emit one on each transferFrom).
        let seen = approvals.iter().any(|g: &ApprovalChange| {
            (g.token, g.owner, g.spender) == (emitter, a.owner, a.spender)
        });
        if !seen {
            approvals.push(ApprovalChange {
                token: emitter,
                owner: a.owner,
                spender: a.spender,
                amount: a.value,
            });
        }
    } else if let Ok(d) = Deposit::decode_log(inner) {
        add(d.dst, AssetId::Token(emitter), signed(d.wad));
    } else if let Ok(w) = Withdrawal::decode_log(inner) {
        add(w.src, AssetId::Token(emitter), -signed(w.wad));
    }
}
