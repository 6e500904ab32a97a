//! Multicall3 batching: many reads in one `eth_call`, one round trip.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use crate::{
    ChainClient, ClientError,
    abi::{IERC20, IERC20Bytes32, IMulticall3},
};

/// A token's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMetadata {
    /// The contract.
    pub address: Address,
    /// Its name.
    pub name: String,
    /// Its symbol.
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
}

fn call3s(calls: Vec<(Address, Bytes)>) -> Vec<IMulticall3::Call3> {
    calls
        .into_iter()
        .map(|(target, call_data)| IMulticall3::Call3 {
            target,
            allowFailure: true,
            callData: call_data,
        })
        .collect()
}

/// Each call's return data, or `None` where it reverted; an answer of another length than
/// `n` is an error (callers index the results by call: a short answer must not shift them).
fn results(results: Vec<IMulticall3::Result>, n: usize) -> Result<Vec<Option<Bytes>>, ClientError> {
    if results.len() != n {
        return Err(ClientError::Implausible(format!(
            "Multicall3 returned {} results for {n} calls",
            results.len()
        )));
    }
    Ok(results.into_iter().map(|r| r.success.then_some(r.returnData)).collect())
}

/// Runs `calls` in one `aggregate3` call; each result is its return data, or `None` if it
/// reverted (failures are allowed, so one bad token does not fail the batch).
pub async fn aggregate(
    client: &ChainClient,
    multicall3: Address,
    calls: Vec<(Address, Bytes)>,
) -> Result<Vec<Option<Bytes>>, ClientError> {
    if calls.is_empty() {
        return Ok(Vec::new());
    }
    let n = calls.len();
    let calls = call3s(calls);
    let answer = client
        .request(|p| {
            let calls = calls.clone();
            async move {
                IMulticall3::new(multicall3, p)
                    .aggregate3(calls)
                    .call()
                    .await
                    .map_err(contract_error)
            }
        })
        .await?;
    results(answer, n)
}

/// Runs several `aggregate3` calls, all at `block`, in one JSON-RPC batch: one round trip for
/// more reads than one call's gas cap allows.
pub async fn aggregate_batch(
    client: &ChainClient,
    multicall3: Address,
    batches: Vec<Vec<(Address, Bytes)>>,
    block: alloy::eips::BlockId,
) -> Result<Vec<Vec<Option<Bytes>>>, ClientError> {
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    let requests: Vec<alloy::rpc::types::TransactionRequest> = batches
        .into_iter()
        .map(|calls| {
            let input = IMulticall3::aggregate3Call { calls: call3s(calls) }.abi_encode();
            alloy::rpc::types::TransactionRequest::default().to(multicall3).input(input.into())
        })
        .collect();
    let answers: Vec<Bytes> = client
        .request(|p| {
            let requests = requests.clone();
            async move {
                let rpc = alloy::providers::Provider::client(&p);
                let mut batch = alloy::rpc::client::BatchRequest::new(rpc);
                let mut waiters = Vec::with_capacity(requests.len());
                for tx in &requests {
                    waiters.push(batch.add_call::<_, Bytes>("eth_call", &(tx, block))?);
                }
                batch.send().await?;
                let mut out = Vec::with_capacity(waiters.len());
                for w in waiters {
                    out.push(w.await?);
                }
                Ok(out)
            }
        })
        .await?;
    if answers.len() != sizes.len() {
        return Err(ClientError::Rpc("the batch came back short".into()));
    }
    answers
        .iter()
        .zip(sizes)
        .map(|(data, n)| {
            let decoded = IMulticall3::aggregate3Call::abi_decode_returns(data)
                .map_err(|e| ClientError::Rpc(format!("Multicall3 answer: {e}")))?;
            results(decoded, n)
        })
        .collect()
}

/// Maps a contract-call error to the transport error the fail-over logic classifies.
pub(crate) fn contract_error(
    e: alloy::contract::Error,
) -> alloy::transports::RpcError<alloy::transports::TransportErrorKind> {
    match e {
        alloy::contract::Error::TransportError(t) => t,
        other => alloy::transports::TransportErrorKind::custom_str(&other.to_string()),
    }
}

/// A `name()` or `symbol()` result, as `string` or as the `bytes32` of early tokens.
pub(crate) fn decode_symbol(data: Option<&Bytes>) -> Option<String> {
    let data = data?;
    if let Ok(s) = IERC20::symbolCall::abi_decode_returns(data) {
        return Some(s);
    }
    // bytes32 names (MKR and other early tokens).
    let raw = IERC20Bytes32::symbolCall::abi_decode_returns(data).ok()?;
    let text: Vec<u8> = raw.0.iter().copied().take_while(|&b| b != 0).collect();
    String::from_utf8(text).ok()
}

/// Name, symbol and decimals of each token, in one round trip. A contract that does not answer
/// like an ERC-20 gives `None`.
pub async fn token_metadata(
    client: &ChainClient,
    multicall3: Address,
    tokens: &[Address],
) -> Result<Vec<Option<TokenMetadata>>, ClientError> {
    let calls = tokens
        .iter()
        .flat_map(|&t| {
            [
                (t, IERC20::nameCall {}.abi_encode().into()),
                (t, IERC20::symbolCall {}.abi_encode().into()),
                (t, IERC20::decimalsCall {}.abi_encode().into()),
            ]
        })
        .collect();
    let results = aggregate(client, multicall3, calls).await?;
    Ok(tokens
        .iter()
        .zip(results.chunks(3))
        .map(|(&address, r)| {
            let decimals = IERC20::decimalsCall::abi_decode_returns(r[2].as_ref()?).ok()?;
            Some(TokenMetadata {
                address,
                name: decode_symbol(r[0].as_ref())?,
                symbol: decode_symbol(r[1].as_ref())?,
                decimals,
            })
        })
        .collect())
}

/// What a balance is of: the native coin or an ERC-20 token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// ETH (or the chain's native coin).
    Native,
    /// An ERC-20 token.
    Token(Address),
}

/// Balances of every asset for every account, in one round trip: `result[account][asset]`.
pub async fn balances(
    client: &ChainClient,
    multicall3: Address,
    assets: &[Asset],
    accounts: &[Address],
) -> Result<Vec<Vec<Option<U256>>>, ClientError> {
    let results =
        aggregate(client, multicall3, balance_calls(multicall3, assets, accounts)).await?;
    Ok(decode_balances(&results, assets.len()))
}

/// The calls of [`balances`], for a caller that sends them with calls of its own.
pub fn balance_calls(
    multicall3: Address,
    assets: &[Asset],
    accounts: &[Address],
) -> Vec<(Address, Bytes)> {
    accounts
        .iter()
        .flat_map(|&owner| {
            assets.iter().map(move |asset| match *asset {
                Asset::Native => {
                    (multicall3, IMulticall3::getEthBalanceCall { addr: owner }.abi_encode().into())
                }
                Asset::Token(t) => (t, IERC20::balanceOfCall { owner }.abi_encode().into()),
            })
        })
        .collect()
}

/// The answers to [`balance_calls`]: a row per account, a balance per asset (`None` where the
/// call reverted, or where a short answer has none: every row has `assets` entries, so no
/// balance is taken for another asset's).
pub fn decode_balances(results: &[Option<Bytes>], assets: usize) -> Vec<Vec<Option<U256>>> {
    results
        .chunks(assets.max(1))
        .map(|row| {
            (0..assets)
                .map(|i| {
                    let data = row.get(i)?.as_ref()?;
                    IERC20::balanceOfCall::abi_decode_returns(data).ok()
                })
                .collect()
        })
        .collect()
}

/// Allowances `(token, owner, spender)`, in one round trip.
pub async fn allowances(
    client: &ChainClient,
    multicall3: Address,
    queries: &[(Address, Address, Address)],
) -> Result<Vec<Option<U256>>, ClientError> {
    let calls = queries
        .iter()
        .map(|&(token, owner, spender)| {
            (token, IERC20::allowanceCall { owner, spender }.abi_encode().into())
        })
        .collect();
    let results = aggregate(client, multicall3, calls).await?;
    Ok(results
        .iter()
        .map(|r| r.as_ref().and_then(|d| IERC20::allowanceCall::abi_decode_returns(d).ok()))
        .collect())
}
