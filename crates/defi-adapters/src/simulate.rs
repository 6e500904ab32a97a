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

/// One unsigned transaction of a plan, or a Permit2 allowance signed in its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What it does, for the preview ("Approve 1,000 USDC", "Swap on Uniswap V3").
    pub label: String,
    /// The transaction (from, to, value, input; nonce and fees are filled at signing).
    pub request: TransactionRequest,
    /// Set when the step is a Permit2 allowance signed off chain: `request` is its on-chain
    /// equivalent, simulated in its place; executing signs the permit and the next step
    /// carries it ([`crate::permit2`]).
    pub permit: Option<Box<crate::permit2::PermitGrant>>,
}

impl Step {
    /// A transaction step.
    pub fn new(label: impl Into<String>, request: TransactionRequest) -> Self {
        Self { label: label.into(), request, permit: None }
    }
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

/// A revert's reason: `Error(string)` and panics decoded, the routers' and Permit2's custom
/// errors named, other custom errors as their hex (`custom error 0x…`, for a protocol's own
/// table to name), nothing for empty data.
fn revert_reason(data: &[u8]) -> Option<String> {
    alloy::sol_types::decode_revert_reason(data).or_else(|| {
        crate::swap::errors::explain(data).or_else(|| {
            (data.len() >= 4)
                .then(|| format!("custom error 0x{}", alloy::primitives::hex::encode(data)))
        })
    })
}

/// Whether an error says the node does not have a method.
fn method_missing(e: &ClientError) -> bool {
    let ClientError::Rpc(message) = e else { return false };
    let m = message.to_lowercase();
    m.contains("-32601")
        || m.contains("method not found")
        || m.contains("not supported")
        || m.contains("does not exist")
        || m.contains("not available")
}

/// Runs the whole plan, in order, on the latest block, tracing native and token transfers:
/// in one `eth_simulateV1` call where the node has it, otherwise step by step with
/// `debug_traceCall` ([`simulate_by_tracing`]).
pub async fn simulate(client: &ChainClient, plan: &Plan) -> Result<Simulation, ClientError> {
    match simulate_v1(client, plan).await {
        Err(e) if method_missing(&e) => {
            tracing::info!("the node has no eth_simulateV1 ({e}); simulating with debug_traceCall");
            simulate_by_tracing(client, plan).await
        }
        result => result,
    }
}

fn wall_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The fallback for nodes without `eth_simulateV1`: each step is traced with `debug_traceCall`
/// (call tracer with logs) on the state the previous steps left, which is carried forward as
/// state overrides from the prestate tracer's diff. Two requests per step.
pub async fn simulate_by_tracing(
    client: &ChainClient,
    plan: &Plan,
) -> Result<Simulation, ClientError> {
    use alloy::{
        eips::BlockId,
        providers::ext::DebugApi,
        rpc::types::{
            state::StateOverride,
            trace::geth::{
                CallConfig, CallFrame, GethDebugTracingCallOptions, GethDebugTracingOptions,
                GethTrace, PreStateConfig, PreStateFrame,
            },
        },
    };
    let time = BlockOverrides { time: Some(wall_clock()), ..Default::default() };
    // One traced call of `tx` with `tracer`, on the latest state plus `overrides`.
    let trace =
        |tx: TransactionRequest, tracer: GethDebugTracingOptions, overrides: &StateOverride| {
            let options = GethDebugTracingCallOptions::new(tracer)
                .with_state_overrides(overrides.clone())
                .with_block_overrides(time.clone());
            client.request(move |p| {
                let (tx, options) = (tx.clone(), options.clone());
                async move { p.debug_trace_call(tx, BlockId::latest(), options).await }
            })
        };
    let mut overrides = StateOverride::default();
    let mut deltas: BTreeMap<(Address, AssetId), I256> = BTreeMap::new();
    let mut approvals = Vec::new();
    let mut contracts = Vec::new();
    let mut steps = Vec::new();
    for step in &plan.steps {
        let tx = step.request.clone().from(plan.from);
        let call_tracer = GethDebugTracingOptions::call_tracer(CallConfig {
            only_top_call: Some(false),
            with_log: Some(true),
        });
        let GethTrace::CallTracer(frame) = trace(tx.clone(), call_tracer, &overrides).await? else {
            return Err(ClientError::Rpc("the node returned another trace than asked".into()));
        };
        let success = frame.error.is_none();
        steps.push(StepOutcome {
            label: step.label.clone(),
            success,
            gas_used: frame.gas_used.saturating_to(),
            // Decoded the same way as eth_simulateV1's return data, so both paths agree.
            revert_reason: (!success).then(|| {
                frame
                    .output
                    .as_ref()
                    .and_then(|o| revert_reason(o))
                    .or_else(|| frame.revert_reason.clone())
                    .or_else(|| frame.error.clone())
                    .unwrap_or_else(|| "reverted without a reason".into())
            }),
        });
        if !success {
            continue;
        }
        // Transfers and events of every call that did not revert, depth first.
        fn walk(frame: &CallFrame, visit: &mut dyn FnMut(&CallFrame)) {
            if frame.error.is_some() {
                return;
            }
            visit(frame);
            for child in &frame.calls {
                walk(child, visit);
            }
        }
        let mut bad = None;
        walk(&frame, &mut |f| {
            let mut visit = || -> Result<(), ClientError> {
                if let (Some(value), Some(to)) = (f.value, f.to)
                    && !value.is_zero()
                    && f.typ != "DELEGATECALL"
                {
                    add(&mut deltas, f.from, AssetId::Native, signed(value)?.checked_neg())?;
                    add(&mut deltas, to, AssetId::Native, Some(signed(value)?))?;
                }
                for l in &f.logs {
                    let log = Log { inner: l.clone().into_log(), ..Default::default() };
                    apply_log(&log, &mut deltas, &mut approvals)?;
                    contracts.push(log.address());
                }
                Ok(())
            };
            if let Err(e) = visit() {
                bad.get_or_insert(e);
            }
        });
        if let Some(e) = bad {
            return Err(e);
        }
        // Carry the step's state changes into the next step.
        let prestate = GethDebugTracingOptions::prestate_tracer(PreStateConfig {
            diff_mode: Some(true),
            ..Default::default()
        });
        let GethTrace::PreStateTracer(PreStateFrame::Diff(diff)) =
            trace(tx.clone(), prestate, &overrides).await?
        else {
            return Err(ClientError::Rpc("the node returned no prestate diff".into()));
        };
        for (address, pre) in &diff.pre {
            let post = diff.post.get(address);
            let entry = overrides.entry(*address).or_default();
            // Slots present before and absent after were cleared to zero.
            let diff_slots = entry.state_diff.get_or_insert_with(Default::default);
            for slot in pre.storage.keys() {
                if post.is_none_or(|p| !p.storage.contains_key(slot)) {
                    diff_slots.insert(*slot, alloy::primitives::B256::ZERO);
                }
            }
        }
        for (address, post) in diff.post {
            let entry = overrides.entry(address).or_default();
            if let Some(b) = post.balance {
                entry.balance = Some(b);
            }
            if let Some(n) = post.nonce {
                entry.nonce = Some(n);
            }
            if let Some(c) = post.code {
                entry.code = Some(c);
            }
            entry.state_diff.get_or_insert_with(Default::default).extend(post.storage);
        }
    }
    let gas_used = total_gas(&steps)?;
    contracts.sort();
    contracts.dedup();
    let changes = deltas
        .into_iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|((account, asset), delta)| BalanceChange { account, asset, delta })
        .collect();
    Ok(Simulation { steps, changes, approvals, gas_used, contracts })
}

/// [`simulate`] through `eth_simulateV1` only.
pub async fn simulate_v1(client: &ChainClient, plan: &Plan) -> Result<Simulation, ClientError> {
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
    // One block asked, one transaction per step: anything else would pair a step with
    // another's outcome, or leave a step unsimulated (an approval signed without its swap).
    if blocks.len() != 1 {
        return Err(ClientError::Implausible(format!(
            "eth_simulateV1 returned {} blocks for 1",
            blocks.len()
        )));
    }
    let results = blocks.into_iter().next().map(|b| b.calls).unwrap_or_default();
    if results.len() != plan.steps.len() {
        return Err(ClientError::Implausible(format!(
            "the simulation has {} results for the plan's {} transactions",
            results.len(),
            plan.steps.len()
        )));
    }
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
                revert_reason(&result.return_data)
                    .or_else(|| result.error.as_ref().map(|e| e.message.clone()))
                    .unwrap_or_else(|| "reverted without a reason".into())
            }),
        });
        if result.status {
            for log in &result.logs {
                apply_log(log, &mut deltas, &mut approvals)?;
                if log.address() != NATIVE_PSEUDO_TOKEN {
                    contracts.push(log.address());
                }
            }
        }
    }
    let gas_used = total_gas(&steps)?;
    let changes = deltas
        .into_iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|((account, asset), delta)| BalanceChange { account, asset, delta })
        .collect();
    contracts.sort();
    contracts.dedup();
    Ok(Simulation { steps, changes, approvals, gas_used, contracts })
}

/// The gas of every step together; a sum beyond `u64` is no real plan.
fn total_gas(steps: &[StepOutcome]) -> Result<u64, ClientError> {
    steps.iter().try_fold(0u64, |sum, s| sum.checked_add(s.gas_used)).ok_or_else(|| {
        ClientError::Implausible("the simulated gas overflows a 64-bit number".into())
    })
}

/// A transferred amount as a signed change; no token can move 2^255 units or more.
fn signed(v: U256) -> Result<I256, ClientError> {
    I256::try_from(v).map_err(|_| {
        ClientError::Implausible(format!("a transfer of {v} units, beyond any supply"))
    })
}

/// Adds `delta` (`None`: it did not fit) to the running change of `asset` for `account`,
/// checked: a token emitting transfers that overflow is refused, not wrapped around.
fn add(
    deltas: &mut BTreeMap<(Address, AssetId), I256>,
    account: Address,
    asset: AssetId,
    delta: Option<I256>,
) -> Result<(), ClientError> {
    let entry = deltas.entry((account, asset)).or_insert(I256::ZERO);
    *entry = delta.and_then(|d| entry.checked_add(d)).ok_or_else(|| {
        ClientError::Implausible(format!("the balance changes of {account} overflow"))
    })?;
    Ok(())
}

fn apply_log(
    log: &Log,
    deltas: &mut BTreeMap<(Address, AssetId), I256>,
    approvals: &mut Vec<ApprovalChange>,
) -> Result<(), ClientError> {
    let emitter = log.address();
    let inner = &log.inner;
    if let Ok(t) = Transfer::decode_log(inner) {
        let asset =
            if emitter == NATIVE_PSEUDO_TOKEN { AssetId::Native } else { AssetId::Token(emitter) };
        let value = signed(t.value)?;
        add(deltas, t.from, asset, value.checked_neg())?;
        add(deltas, t.to, asset, Some(value))?;
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
        add(deltas, d.dst, AssetId::Token(emitter), Some(signed(d.wad)?))?;
    } else if let Ok(w) = Withdrawal::decode_log(inner) {
        add(deltas, w.src, AssetId::Token(emitter), signed(w.wad)?.checked_neg())?;
    }
    Ok(())
}
