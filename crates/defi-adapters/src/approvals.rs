//! What an account has allowed others to spend: ERC-20 allowances, NFT operator approvals
//! (ERC-721 and ERC-1155 `setApprovalForAll`) and Permit2 allowances. They are found in the
//! chain's events (one resumable scan, [`scan_grants`]) and each is confirmed against the
//! contract's current state ([`live_grants`]): an event says a grant was made, only the
//! contract says whether it still stands.
//!
//! Per-token ERC-721 approvals (`approve(spender, tokenId)`) are not listed: a transfer of the
//! token clears them.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, U256},
    rpc::types::Filter,
    sol,
    sol_types::{SolCall, SolEvent},
};
use serde::Serialize;

use crate::{
    ChainClient, ClientError, Network,
    abi::{IERC20, IMulticall3, IPermit2},
    logs, multicall,
};

sol! {
    /// The grant events, by their signatures.
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    /// Permit2's allowance set by a signed permit (its `approve` emits an `Approval` of its
    /// own, [`permit2_approval_topic`]).
    event Permit(address indexed owner, address indexed token, address indexed spender,
        uint160 amount, uint48 expiration, uint48 nonce);

    interface INftOperators {
        function isApprovedForAll(address owner, address operator) external view returns (bool);
    }
}

/// Requests one scan may make before it stops and reports how far it got.
const MAX_REQUESTS: u32 = 2_000;

/// The topic of Permit2's own `Approval(owner, token, spender, amount, expiration)`, which
/// shares its name with ERC-20's.
fn permit2_approval_topic() -> B256 {
    alloy::primitives::keccak256("Approval(address,address,address,uint160,uint48)")
}

/// What kind of grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum GrantKind {
    /// An ERC-20 allowance.
    Erc20,
    /// An operator of every NFT of a collection (ERC-721 or ERC-1155).
    NftOperator,
    /// A Permit2 allowance (Permit2 itself must also hold an ERC-20 allowance).
    Permit2,
}

/// A grant an event showed, not yet confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GrantKey {
    /// Which kind.
    pub kind: GrantKind,
    /// The token or collection.
    pub token: Address,
    /// Who may spend.
    pub spender: Address,
}

/// A grant as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// What and to whom.
    pub key: GrantKey,
    /// How much, raw units (`U256::MAX`: unlimited; an operator: 1).
    pub amount: U256,
    /// When a Permit2 allowance ends (unix seconds).
    pub expiration: Option<u64>,
    /// The block of the latest event that set it.
    pub block: u64,
}

impl Grant {
    /// Whether it is unlimited (the largest amount its standard can hold, or an operator).
    pub fn unlimited(&self) -> bool {
        match self.key.kind {
            GrantKind::NftOperator => true,
            GrantKind::Erc20 => self.amount >= U256::MAX >> 1,
            GrantKind::Permit2 => self.amount >= (U256::from(1) << 159),
        }
    }
}

/// What one scan found: every grant an event showed, with the block of the latest one, and
/// where the next scan starts.
#[derive(Debug, Clone, Default)]
pub struct GrantScan {
    /// Each grant and the block of its latest event.
    pub seen: BTreeMap<GrantKey, u64>,
    /// The first block not scanned.
    pub next_block: u64,
    /// `eth_getLogs` requests made.
    pub requests: u32,
}

/// The grants `owner` made from block `from` to `to`, from their events on any contract
/// (ERC-20 `Approval`, `ApprovalForAll`, Permit2's `Approval` and `Permit`), in one scan.
pub async fn scan_grants(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    from: u64,
    to: u64,
) -> Result<GrantScan, ClientError> {
    let topics = vec![
        Approval::SIGNATURE_HASH,
        ApprovalForAll::SIGNATURE_HASH,
        permit2_approval_topic(),
        Permit::SIGNATURE_HASH,
    ];
    let filter =
        Filter::new().event_signature(topics).topic1(B256::left_padding_from(owner.as_slice()));
    let found = logs::scan(client, &filter, from, to, MAX_REQUESTS).await?;
    let permit2 = network.protocols.permit2;
    let mut seen = BTreeMap::new();
    for log in &found.logs {
        let t = log.topics();
        let address = |i: usize| t.get(i).map(|w| Address::from_word(*w));
        let key = match (t.first(), t.len()) {
            (Some(&topic), 3) if topic == Approval::SIGNATURE_HASH => address(2)
                .map(|spender| GrantKey { kind: GrantKind::Erc20, token: log.address(), spender }),
            (Some(&topic), 3) if topic == ApprovalForAll::SIGNATURE_HASH => {
                address(2).map(|spender| GrantKey {
                    kind: GrantKind::NftOperator,
                    token: log.address(),
                    spender,
                })
            }
            // Permit2's events, from Permit2 only (anyone can emit the same topics).
            (Some(&topic), 4)
                if Some(log.address()) == permit2
                    && (topic == permit2_approval_topic() || topic == Permit::SIGNATURE_HASH) =>
            {
                address(2).zip(address(3)).map(|(token, spender)| GrantKey {
                    kind: GrantKind::Permit2,
                    token,
                    spender,
                })
            }
            // An ERC-721 approval of one token (four topics), or an impostor.
            _ => None,
        };
        if let Some(key) = key {
            let block = log.block_number.unwrap_or_default();
            let latest = seen.entry(key).or_insert(block);
            *latest = (*latest).max(block);
        }
    }
    Ok(GrantScan { seen, next_block: found.next_block, requests: found.requests })
}

/// The grants among `seen` that still stand at the latest block, each read from its contract
/// in one Multicall3 round trip: an allowance above zero, an operator still approved, a
/// Permit2 allowance above zero and not expired.
pub async fn live_grants(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    seen: &BTreeMap<GrantKey, u64>,
) -> Result<Vec<Grant>, ClientError> {
    let p = &network.protocols;
    let mut calls =
        vec![(p.multicall3, IMulticall3::getCurrentBlockTimestampCall {}.abi_encode().into())];
    for key in seen.keys() {
        calls.push(match key.kind {
            GrantKind::Erc20 => (
                key.token,
                IERC20::allowanceCall { owner, spender: key.spender }.abi_encode().into(),
            ),
            GrantKind::NftOperator => (
                key.token,
                INftOperators::isApprovedForAllCall { owner, operator: key.spender }
                    .abi_encode()
                    .into(),
            ),
            GrantKind::Permit2 => (
                p.permit2.unwrap_or_default(),
                IPermit2::allowanceCall { user: owner, token: key.token, spender: key.spender }
                    .abi_encode()
                    .into(),
            ),
        });
    }
    let answers = multicall::aggregate_batch(client, p.multicall3, vec![calls], BlockId::latest())
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let now = answers
        .first()
        .and_then(|a| a.as_ref())
        .and_then(|d| IMulticall3::getCurrentBlockTimestampCall::abi_decode_returns(d).ok())
        .map_or(0, |t: U256| t.saturating_to::<u64>());
    let mut out = Vec::new();
    for ((key, &block), answer) in seen.iter().zip(answers.iter().skip(1)) {
        let Some(data) = answer else { continue };
        let grant = match key.kind {
            GrantKind::Erc20 => IERC20::allowanceCall::abi_decode_returns(data)
                .ok()
                .filter(|a| !a.is_zero())
                .map(|amount| (amount, None)),
            GrantKind::NftOperator => INftOperators::isApprovedForAllCall::abi_decode_returns(data)
                .ok()
                .filter(|approved| *approved)
                .map(|_| (U256::from(1), None)),
            GrantKind::Permit2 => IPermit2::allowanceCall::abi_decode_returns(data)
                .ok()
                .map(|a| (U256::from(a.amount), a.expiration.to::<u64>()))
                .filter(|(amount, expiration)| !amount.is_zero() && *expiration > now)
                .map(|(amount, expiration)| (amount, Some(expiration))),
        };
        if let Some((amount, expiration)) = grant {
            out.push(Grant { key: *key, amount, expiration, block });
        }
    }
    Ok(out)
}
