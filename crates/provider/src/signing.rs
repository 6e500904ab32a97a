//! Signatures dapps ask for: `personal_sign`, and `eth_signTypedData_v4` decoded for the user
//! with what it grants or trades worded in the tokens' own symbols and decimals, and the
//! findings a wallet must raise before such a signature.

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, U256, utils::format_units},
};
use serde_json::{Value, json};
use vigil_defi_adapters::{
    ChainClient, Network, multicall,
    preview::{Finding, Severity},
};

use crate::{
    front::Caller,
    provider::{Provider, has_code},
    rpc::{Request, RpcError},
    typed::{self, OrderItem, TypedView},
};

impl Provider {
    /// `personal_sign [message, account]`: the message as hex bytes (or text).
    pub(crate) async fn personal_sign(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let from = self.signing_account(caller, req.params.get(1))?;
        let message =
            req.params.get(0).and_then(Value::as_str).ok_or_else(|| {
                RpcError::invalid_params("personal_sign takes [message, account]")
            })?;
        let bytes = match message.strip_prefix("0x") {
            Some(hex) => alloy::hex::decode(hex)
                .map_err(|e| RpcError::invalid_params(format!("the message is not hex: {e}")))?,
            None => message.as_bytes().to_vec(),
        };
        let signature = self.signer.sign_message(caller, from, bytes).await?;
        Ok(json!(signature))
    }

    /// `eth_signTypedData_v4 [account, typedData]`: decoded for the user, refused for another
    /// chain than the caller's, with danger findings for a grant to an address without code
    /// or without end, and for an order that pays the signer nothing.
    pub(crate) async fn sign_typed_data(
        &self,
        req: &Request,
        caller: &Caller,
    ) -> Result<Value, RpcError> {
        let from = self.signing_account(caller, req.params.get(0))?;
        let data: TypedData = req
            .params
            .get(1)
            .cloned()
            // Some libraries send the typed data as a JSON string.
            .map(|v| match v {
                Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                other => other,
            })
            .ok_or_else(|| {
                RpcError::invalid_params("eth_signTypedData_v4 takes [account, typedData]")
            })
            .and_then(|v| {
                serde_json::from_value(v)
                    .map_err(|e| RpcError::invalid_params(format!("not EIP-712 typed data: {e}")))
            })?;
        let mut view =
            typed::describe(&data).map_err(|e| RpcError::invalid_params(e.to_string()))?;
        let (network, client) = self.chain_of(caller).await?;
        if let Some(chain) = view.chain_id.filter(|c| *c != network.chain_id) {
            return Err(RpcError::invalid_params(format!(
                "the typed data is for chain {chain}, not {} (chain {}): Vigil does not sign it",
                network.name, network.chain_id
            )));
        }
        let findings = findings(&client, &network, &view, from).await;
        view.summary = summary(&client, &network, &view, from).await;
        let signature =
            self.signer.sign_typed_data(caller, &network, from, data, view, findings).await?;
        Ok(json!(signature))
    }
}

/// What a wallet must say before this signature, most serious first.
async fn findings(
    client: &ChainClient,
    network: &Network,
    view: &TypedView,
    signer: Address,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(g) = &view.grant {
        // Unreadable counts as no code: the danger is said rather than missed.
        if !has_code(client, g.spender).await.unwrap_or(false) {
            findings.push(Finding::new(
                Severity::Danger,
                "grant_to_non_contract",
                format!(
                    "This lets {} move your tokens, and it is not a contract: an address that can take them at will",
                    g.spender
                ),
            ));
        } else if network.contract_name(g.spender).is_none() {
            findings.push(Finding::new(
                Severity::Warning,
                "grant_to_unknown_contract",
                format!(
                    "This lets {} move your tokens: a contract Vigil does not know on {}; check it is the dapp's",
                    g.spender, network.name
                ),
            ));
        }
        match g.until {
            None => findings.push(Finding::new(
                Severity::Danger,
                "grant_never_ends",
                "This grant never ends: it holds until you revoke it".to_owned(),
            )),
            Some(end) if end > now() + LONG_GRANT_SECS => findings.push(Finding::new(
                Severity::Warning,
                "grant_lasts_years",
                format!(
                    "This grant lasts {} days: as good as for ever; dapps need hours or days",
                    (end - now()) / 86_400
                ),
            )),
            Some(_) => {}
        }
        if g.amount.is_none() {
            findings.push(Finding::new(
                Severity::Warning,
                "grant_unlimited",
                "This grant is unlimited: all of the token you hold, now and later".to_owned(),
            ));
        }
    }
    if let Some(order) = &view.order {
        if order.to(signer).is_empty() {
            findings.push(Finding::new(
                Severity::Danger,
                "order_pays_nothing",
                format!(
                    "This {} order gives your tokens away and pays you nothing in return",
                    order.venue
                ),
            ));
        }
        if order.until.is_none() {
            findings.push(Finding::new(
                Severity::Warning,
                "order_never_ends",
                "This order can be filled at any time, for ever".to_owned(),
            ));
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// The grant and the order in sentences, with the tokens' symbols and decimals (read in one
/// round trip; a token that does not answer is shown by its address in base units).
async fn summary(
    client: &ChainClient,
    network: &Network,
    view: &TypedView,
    signer: Address,
) -> Vec<String> {
    let mut tokens: Vec<Address> = view.grant.iter().map(|g| g.token).collect();
    if let Some(order) = &view.order {
        tokens.extend(order.gives.iter().chain(&order.pays).map(|i| i.token));
    }
    tokens.retain(|t| !t.is_zero());
    tokens.sort();
    tokens.dedup();
    let metadata = multicall::token_metadata(client, network.protocols.multicall3, &tokens)
        .await
        .unwrap_or_default();
    let known = |token: Address| -> Option<(String, u8)> {
        if token.is_zero() {
            return Some((network.native_symbol.clone(), 18));
        }
        let i = tokens.iter().position(|t| *t == token)?;
        metadata.get(i)?.as_ref().map(|m| (m.symbol.clone(), m.decimals))
    };
    let amount = |token: Address, amount: U256| match known(token) {
        Some((symbol, decimals)) => {
            let text = format_units(amount, decimals).unwrap_or_else(|_| amount.to_string());
            let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
            format!("{text} {symbol}")
        }
        None => format!("{amount} (base units) of {token}"),
    };
    let item = |i: &OrderItem| match i.id {
        Some(id) => {
            let name = known(i.token).map_or_else(|| i.token.to_string(), |(s, _)| s);
            if i.amount > U256::from(1) {
                format!("{} of {name} #{id}", i.amount)
            } else {
                format!("{name} #{id}")
            }
        }
        None => amount(i.token, i.amount),
    };
    // Known contracts by name, with their address to compare.
    let who = |a: Address| match network.contract_name(a) {
        Some(name) => format!("{name} ({a})"),
        None => a.to_string(),
    };
    let mut lines = Vec::new();
    if let Some(g) = &view.grant {
        let how_much = match g.amount {
            Some(a) => amount(g.token, a),
            None => {
                let symbol = known(g.token).map_or_else(|| g.token.to_string(), |(s, _)| s);
                format!("an unlimited amount of {symbol}")
            }
        };
        lines.push(format!(
            "{}: lets {} move {how_much} {}",
            g.kind,
            who(g.spender),
            until(g.until)
        ));
    }
    if let Some(order) = &view.order {
        let gives: Vec<String> = order.gives.iter().map(item).collect();
        lines.push(format!("{} order: you give at most {}", order.venue, gives.join(" and ")));
        let yours: Vec<String> = order.to(signer).into_iter().map(item).collect();
        lines.push(if yours.is_empty() {
            "You receive nothing".to_owned()
        } else {
            format!("You receive at least {}", yours.join(" and "))
        });
        for other in order.pays.iter().filter(|i| i.recipient.is_some_and(|r| r != signer)) {
            if let Some(to) = other.recipient {
                lines.push(format!("{} is paid to {}", item(other), who(to)));
            }
        }
        lines.push(format!("It can be filled {}", until(order.until)));
    }
    lines
}

/// A grant longer than this (a year) is as good as for ever.
const LONG_GRANT_SECS: u64 = 365 * 86_400;

/// Now, in unix seconds.
fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// An end in words: how long from now, and the moment in unix time.
fn until(end: Option<u64>) -> String {
    let Some(end) = end else { return "with no end".to_owned() };
    let left = end.saturating_sub(now());
    let span = match left {
        0 => return format!("until unix time {end}, which has passed"),
        s if s < 3_600 => format!("{} minutes", s.div_ceil(60)),
        s if s < 2 * 86_400 => format!("{} hours", s / 3_600),
        s => format!("{} days", s / 86_400),
    };
    format!("for {span} (until unix time {end})")
}
