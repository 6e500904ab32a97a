//! Reading accounts' Aave positions: one account with its wallet in one round trip, or many
//! at one block in one JSON-RPC batch (the monitor's every block), each with the market
//! refreshed at the same block. The model they feed is in `position.rs`.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use super::{
    LendError,
    market::{self, Market},
    position::{AccountData, AccountState, EMode, UserReserve},
};
use crate::{
    ChainClient, Network,
    abi::{IAavePool, IERC20, IMulticall3, IScaledBalanceToken},
    multicall,
};

/// The market's own reads, refreshed with every position read so both are of one block, and
/// last the block's time (what a feed's age is measured against).
fn market_calls(market: &Market) -> Vec<(Address, Bytes)> {
    market
        .reserves
        .iter()
        .flat_map(|r| market::reserve_calls(market.pool, market.oracle, r.asset, Some(r.feed)))
        .chain(std::iter::once((
            market.multicall3,
            IMulticall3::getCurrentBlockTimestampCall {}.abi_encode().into(),
        )))
        .collect()
}

/// The market refreshed from the first batch of answers to [`accounts_calls`] (symbols and
/// heartbeats kept).
pub fn refreshed_market(market: &Market, results: &[Option<Bytes>]) -> Result<Market, LendError> {
    let mut refreshed = market.clone();
    let per_reserve = market.reserves.len() * market::PER_RESERVE;
    for (reserve, own) in refreshed
        .reserves
        .iter_mut()
        .zip(results[..per_reserve.min(results.len())].chunks(market::PER_RESERVE))
    {
        let (symbol, heartbeat) = (std::mem::take(&mut reserve.symbol), reserve.heartbeat_secs);
        *reserve = market::decode_reserve(reserve.asset, own, market.base_unit)?;
        reserve.symbol = symbol;
        reserve.heartbeat_secs = heartbeat;
    }
    refreshed.block_timestamp =
        market::decode::<IMulticall3::getCurrentBlockTimestampCall>(results.get(per_reserve))
            .map_or(market.block_timestamp, |t| t.saturating_to());
    Ok(refreshed)
}

/// The efficiency-mode categories the market's reserves use, read per account on V3.0 and V3.1
/// markets (V3.2+ markets' categories come with the market).
fn emode_categories(market: &Market) -> Vec<u8> {
    if market.emode_bitmaps() {
        return Vec::new();
    }
    let mut categories: Vec<u8> =
        market.reserves.iter().map(|r| r.config.emode_category).filter(|&c| c != 0).collect();
    categories.sort_unstable();
    categories.dedup();
    categories
}

/// An account's reads: configuration, efficiency mode, the pool's account data, the market's
/// eMode categories, then per reserve the scaled supply, scaled variable debt and stable debt,
/// and with `wallet` also the wallet balance and the pool's allowance.
fn account_calls(market: &Market, account: Address, wallet: bool) -> Vec<(Address, Bytes)> {
    let pool = market.pool;
    let mut calls: Vec<(Address, Bytes)> = vec![
        (pool, IAavePool::getUserConfigurationCall { user: account }.abi_encode().into()),
        (pool, IAavePool::getUserEModeCall { user: account }.abi_encode().into()),
        (pool, IAavePool::getUserAccountDataCall { user: account }.abi_encode().into()),
    ];
    for id in emode_categories(market) {
        calls.push((pool, IAavePool::getEModeCategoryDataCall { id }.abi_encode().into()));
    }
    let balance = IERC20::balanceOfCall { owner: account }.abi_encode();
    let scaled = IScaledBalanceToken::scaledBalanceOfCall { user: account }.abi_encode();
    for r in &market.reserves {
        calls.push((r.a_token, scaled.clone().into()));
        calls.push((r.variable_debt_token, scaled.clone().into()));
        calls.push((r.stable_debt_token, balance.clone().into()));
        if wallet {
            calls.push((r.asset, balance.clone().into()));
            calls.push((
                r.asset,
                IERC20::allowanceCall { owner: account, spender: pool }.abi_encode().into(),
            ));
        }
    }
    calls
}

/// Decodes [`account_calls`]' results against the refreshed market.
async fn decode_account(
    client: &ChainClient,
    network: &Network,
    market: Market,
    account: Address,
    wallet: bool,
    results: &[Option<Bytes>],
) -> Result<AccountState, LendError> {
    let missing = |what: &str| LendError::Decode(format!("{what} of {account}"));
    let user_config = market::decode::<IAavePool::getUserConfigurationCall>(results.first())
        .ok_or_else(|| missing("the user configuration"))?
        .data;
    let emode_id = market::decode::<IAavePool::getUserEModeCall>(results.get(1))
        .ok_or_else(|| missing("the efficiency mode"))?;
    let chain = market::decode::<IAavePool::getUserAccountDataCall>(results.get(2))
        .map(AccountData::from)
        .ok_or_else(|| missing("getUserAccountData"))?;
    let categories = emode_categories(&market);
    let emode = match u8::try_from(emode_id).unwrap_or(0) {
        0 => None,
        category if market.emode_bitmaps() => {
            let c = market
                .emode_category(category)
                .ok_or_else(|| missing("the efficiency-mode category"))?;
            Some(EMode {
                category,
                ltv_bps: c.ltv_bps,
                liquidation_threshold_bps: c.liquidation_threshold_bps,
                price: U256::ZERO,
                collateral_bitmap: Some(c.collateral_bitmap),
            })
        }
        category => {
            let i = categories.iter().position(|&c| c == category);
            let data = i
                .and_then(|i| {
                    market::decode::<IAavePool::getEModeCategoryDataCall>(results.get(3 + i))
                })
                .ok_or_else(|| missing("the efficiency-mode category"))?;
            let price = if data.priceSource.is_zero() {
                U256::ZERO
            } else {
                let call = crate::abi::IAaveOracle::getAssetPriceCall { asset: data.priceSource };
                let price = multicall::aggregate(
                    client,
                    network.protocols.multicall3,
                    vec![(market.oracle, call.abi_encode().into())],
                )
                .await?;
                market::decode::<crate::abi::IAaveOracle::getAssetPriceCall>(price.first())
                    .ok_or_else(|| missing("the efficiency-mode price"))?
            };
            Some(EMode {
                category,
                ltv_bps: data.ltv,
                liquidation_threshold_bps: data.liquidationThreshold,
                price,
                collateral_bitmap: None,
            })
        }
    };
    let head = 3 + categories.len();
    let stride = if wallet { 5 } else { 3 };
    let per_reserve = results.get(head..).unwrap_or_default().chunks(stride);
    if per_reserve.len() != market.reserves.len() {
        return Err(missing("the balances"));
    }
    let mut reserves = Vec::with_capacity(market.reserves.len());
    for (reserve, user) in market.reserves.iter().zip(per_reserve) {
        let u256 = |i: usize| {
            market::decode::<IScaledBalanceToken::scaledBalanceOfCall>(user.get(i))
                .ok_or_else(|| missing(&format!("balance {i} in {}", reserve.symbol)))
        };
        let id = usize::from(reserve.id);
        let bit = |n: usize| (user_config >> n) & U256::from(1) == U256::from(1);
        reserves.push(UserReserve {
            scaled_supply: u256(0)?,
            scaled_variable_debt: u256(1)?,
            // Reserves listed since V3.2 have no stable debt token.
            stable_debt: if reserve.stable_debt_token.is_zero() { U256::ZERO } else { u256(2)? },
            collateral: bit(2 * id + 1),
            borrowing: bit(2 * id),
            wallet: if wallet { u256(3)? } else { U256::ZERO },
            allowance: if wallet { u256(4)? } else { U256::ZERO },
        });
    }
    Ok(AccountState { account, market, reserves, emode, chain, volatility: Vec::new() })
}

/// Reads the account's position, its wallet balances and allowances, and the market refreshed
/// at the same block, in one Multicall3 round trip (two when the account uses an efficiency
/// mode with its own price source).
pub async fn fetch_account(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    account: Address,
) -> Result<AccountState, LendError> {
    let mut calls = market_calls(market);
    let head = calls.len();
    calls.extend(account_calls(market, account, true));
    let results = multicall::aggregate(client, network.protocols.multicall3, calls).await?;
    let (own, user) = results.split_at(head);
    let refreshed = refreshed_market(market, own)?;
    decode_account(client, network, refreshed, account, true, user).await
}

/// Accounts per `eth_call` in [`fetch_account_data`]: `getUserAccountData` costs up to a few
/// hundred thousand gas with many reserves, so 100 stay well under nodes' call gas caps.
pub const HEALTH_PER_CALL: usize = 100;

/// The pool's own account data (health factor, collateral, debt) for many accounts at
/// `block`, in one round trip: a JSON-RPC batch of Multicall3 calls. The cheap first pass of
/// the monitor; only accounts near a threshold need [`fetch_accounts`]' detail.
pub async fn fetch_account_data(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    accounts: &[Address],
    block: alloy::eips::BlockId,
) -> Result<Vec<AccountData>, LendError> {
    let batches = account_data_calls(market, accounts);
    let results =
        multicall::aggregate_batch(client, network.protocols.multicall3, batches, block).await?;
    decode_account_data(&results, accounts)
}

/// The Multicall3 batches of [`fetch_account_data`], [`HEALTH_PER_CALL`] accounts each, for a
/// caller that sends them with calls of its own in one round trip.
pub fn account_data_calls(market: &Market, accounts: &[Address]) -> Vec<Vec<(Address, Bytes)>> {
    accounts
        .chunks(HEALTH_PER_CALL)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&user| {
                    let call = IAavePool::getUserAccountDataCall { user };
                    (market.pool, Bytes::from(call.abi_encode()))
                })
                .collect()
        })
        .collect()
}

/// Decodes the answers to [`account_data_calls`], in the order of `accounts`.
pub fn decode_account_data(
    results: &[Vec<Option<Bytes>>],
    accounts: &[Address],
) -> Result<Vec<AccountData>, LendError> {
    let answers: Vec<&Option<Bytes>> = results.iter().flatten().collect();
    if answers.len() != accounts.len() {
        return Err(LendError::Decode(format!(
            "{} account answers for {} accounts",
            answers.len(),
            accounts.len()
        )));
    }
    answers
        .into_iter()
        .zip(accounts)
        .map(|(r, account)| {
            market::decode::<IAavePool::getUserAccountDataCall>(Some(r))
                .map(AccountData::from)
                .ok_or_else(|| LendError::Decode(format!("getUserAccountData of {account}")))
        })
        .collect()
}

/// Accounts per `eth_call` in [`fetch_accounts`]: about 150k gas each, well under the gas cap
/// nodes put on a call. The whole batch is a few kB per account: it is for the accounts near a
/// threshold, not for every watched one.
pub const ACCOUNTS_PER_CALL: usize = 50;

/// Reads many accounts' positions (without wallet balances) and the market, all at `block`,
/// in one round trip: a JSON-RPC batch of Multicall3 calls, one for the market and one per
/// [`ACCOUNTS_PER_CALL`] accounts. This is what the monitor runs on every block.
pub async fn fetch_accounts(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    accounts: &[Address],
    block: alloy::eips::BlockId,
) -> Result<Vec<AccountState>, LendError> {
    let batches = accounts_calls(market, accounts);
    let results =
        multicall::aggregate_batch(client, network.protocols.multicall3, batches, block).await?;
    decode_accounts(client, network, market, accounts, &results).await
}

/// The Multicall3 batches of [`fetch_accounts`], for a caller that sends them with calls of
/// its own in one round trip (the dashboard's reads, sent in the monitor's batch).
pub fn accounts_calls(market: &Market, accounts: &[Address]) -> Vec<Vec<(Address, Bytes)>> {
    let mut batches = vec![market_calls(market)];
    for chunk in accounts.chunks(ACCOUNTS_PER_CALL) {
        batches.push(chunk.iter().flat_map(|&a| account_calls(market, a, false)).collect());
    }
    batches
}

/// Decodes the answers to [`accounts_calls`], in the order of `accounts`, against the market
/// refreshed at the same block. An account in an efficiency mode with its own price source
/// costs one more read.
pub async fn decode_accounts(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    accounts: &[Address],
    results: &[Vec<Option<Bytes>>],
) -> Result<Vec<AccountState>, LendError> {
    let Some((own, per_chunk)) = results.split_first() else {
        return Err(LendError::Decode("an empty answer to the position batch".into()));
    };
    let refreshed = refreshed_market(market, own)?;
    let per_account = account_calls(market, Address::ZERO, false).len();
    let mut out = Vec::with_capacity(accounts.len());
    if per_chunk.len() != accounts.chunks(ACCOUNTS_PER_CALL).len() {
        return Err(LendError::Decode("a short answer to the position batch".into()));
    }
    for (chunk, results) in accounts.chunks(ACCOUNTS_PER_CALL).zip(per_chunk) {
        if results.len() != chunk.len() * per_account {
            return Err(LendError::Decode("a short answer to the position batch".into()));
        }
        for (&account, r) in chunk.iter().zip(results.chunks(per_account)) {
            out.push(decode_account(client, network, refreshed.clone(), account, false, r).await?);
        }
    }
    Ok(out)
}
