//! The chain each caller is on: `wallet_switchEthereumChain` among the wallet's networks, and
//! `wallet_addEthereumChain` (EIP-3085) for a network it does not have yet, checked against
//! its endpoint and shown to the user before it is added. The choice is the caller's alone
//! (as Frame does): one dapp switching moves no other, and `chainChanged` goes to it only.

use serde_json::Value;
use url::Url;

use crate::{
    front::{Caller, ChainProposal},
    provider::{Provider, ProviderEvent},
    rpc::{Request, RpcError},
};

impl Provider {
    /// `wallet_switchEthereumChain [{chainId}]`: to a network the wallet has (4902 otherwise).
    pub(crate) async fn switch_chain(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let chain_id = chain_id_of(req.params.get(0).and_then(|p| p.get("chainId")))?;
        if self.chains.get(chain_id).await?.is_none() {
            return Err(RpcError::new(
                RpcError::UNRECOGNIZED_CHAIN,
                format!(
                    "Vigil has no network with chain id {chain_id}: add it with wallet_addEthereumChain or in Vigil's Settings"
                ),
            ));
        }
        self.move_to(caller, chain_id).await?;
        Ok(Value::Null)
    }

    /// `wallet_addEthereumChain [{chainId, chainName, rpcUrls, nativeCurrency,
    /// blockExplorerUrls}]`: a network the wallet has is switched to; another one is checked
    /// (its endpoint must serve its chain id), shown to the user, added, and switched to.
    pub(crate) async fn add_chain(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let p = req.params.get(0).unwrap_or(&Value::Null);
        let chain_id = chain_id_of(p.get("chainId"))?;
        if self.chains.get(chain_id).await?.is_some() {
            self.move_to(caller, chain_id).await?;
            return Ok(Value::Null);
        }
        let proposal = proposal(p, chain_id)?;
        check_endpoint(&proposal).await?;
        if !self.approver.add_chain(caller, &proposal).await {
            return Err(RpcError::rejected(&format!("adding {}", proposal.name)));
        }
        self.chains.add(&proposal).await?;
        self.move_to(caller, chain_id).await?;
        Ok(Value::Null)
    }

    /// Puts `caller` on `chain_id`, telling its subscribers when that is a change.
    async fn move_to(&self, caller: &Caller, chain_id: u64) -> Result<(), RpcError> {
        let before = self.chain_of(caller).await?.0.chain_id;
        self.chosen_chains().insert(caller.key().to_owned(), chain_id);
        if before != chain_id {
            let _ = self
                .events
                .send(ProviderEvent::ChainChanged { key: Some(caller.key().to_owned()), chain_id });
        }
        Ok(())
    }
}

/// A chain id as EIP-3085 and EIP-3326 send it: a hex string (a number is taken too).
fn chain_id_of(value: Option<&Value>) -> Result<u64, RpcError> {
    let parsed = match value {
        Some(Value::String(s)) => match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        },
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    parsed.filter(|c| *c > 0).ok_or_else(|| {
        RpcError::invalid_params("chainId must be a chain id in hex, as in {\"chainId\": \"0x1\"}")
    })
}

/// The proposal in EIP-3085's parameters, with its URLs checked.
fn proposal(p: &Value, chain_id: u64) -> Result<ChainProposal, RpcError> {
    let urls = |field: &str| -> Result<Vec<Url>, RpcError> {
        p.get(field)
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).map(Url::parse).collect())
            .unwrap_or(Ok(vec![]))
            .map_err(|e| RpcError::invalid_params(format!("{field} holds an invalid URL: {e}")))
    };
    let rpc_urls = urls("rpcUrls")?;
    if rpc_urls.is_empty() || rpc_urls.iter().any(|u| !matches!(u.scheme(), "http" | "https")) {
        return Err(RpcError::invalid_params("rpcUrls must list http(s) endpoints"));
    }
    let currency = p.get("nativeCurrency");
    let decimals = currency.and_then(|c| c.get("decimals")).and_then(Value::as_u64).unwrap_or(18);
    if decimals != 18 {
        return Err(RpcError::invalid_params(format!(
            "the native currency has {decimals} decimals; Vigil supports chains whose coin has 18"
        )));
    }
    let name = p
        .get("chainName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= 64)
        .ok_or_else(|| {
            RpcError::invalid_params("chainName must name the chain (64 characters at most)")
        })?;
    let native_symbol = currency
        .and_then(|c| c.get("symbol"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| (1..=12).contains(&s.len()))
        .unwrap_or("ETH");
    Ok(ChainProposal {
        chain_id,
        name: name.to_owned(),
        rpc_urls,
        native_symbol: native_symbol.to_owned(),
        explorer: urls("blockExplorerUrls")?.into_iter().next(),
    })
}

/// Every endpoint of the proposal must answer with its chain id, over a transport Vigil accepts
/// (as for a network added in Settings): a dapp cannot slip in an endpoint of another chain under
/// this one's name.
async fn check_endpoint(proposal: &ChainProposal) -> Result<(), RpcError> {
    vigil_defi_adapters::ChainClient::connect(&proposal.network())
        .await
        .map(drop)
        .map_err(|e| RpcError::invalid_params(format!("Vigil does not add it: {e}")))
}
