//! Previews of one transaction: a transfer, a call a dapp asks for, and the replacement of a
//! pending transaction.

use super::*;
/// A transfer of the native coin or of an ERC-20 token to another address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    /// The sender.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// The token; `None` for the native coin.
    pub token: Option<Address>,
    /// The amount in base units.
    pub amount: U256,
    /// The asset's symbol and decimals, as read from its contract (a token the network does
    /// not list is labelled with these, not guessed).
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
}

/// Simulates and reviews a transfer. Sending to the zero address or to a token's own contract
/// (where tokens are lost) is a danger finding; sending to oneself a warning.
pub async fn preview_transfer(
    client: &ChainClient,
    network: &Network,
    req: &TransferRequest,
) -> Result<PlanReview, PreviewError> {
    let label_of = |asset: AssetId| match asset {
        AssetId::Token(t) if Some(t) == req.token => (req.symbol.clone(), req.decimals, Some(t)),
        other => listed_label(network, other),
    };
    let label = format!("Send {} {} to {}", whole(req.amount, req.decimals), req.symbol, req.to);
    let request = match req.token {
        None => alloy::rpc::types::TransactionRequest::default().to(req.to).value(req.amount),
        Some(token) => alloy::rpc::types::TransactionRequest::default().to(token).input(
            Bytes::from(IERC20::transferCall { to: req.to, amount: req.amount }.abi_encode())
                .into(),
        ),
    };
    let plan = Plan { from: req.from, steps: vec![simulate::Step::new(label, request)] };
    let mut findings = Vec::new();
    if req.to == Address::ZERO || Some(req.to) == req.token {
        findings.push(Finding::new(
            Severity::Danger,
            "unrecoverable_recipient",
            format!("{} cannot send anything back: whatever is sent there is lost", req.to),
        ));
    }
    if req.to == req.from {
        findings.push(Finding::new(
            Severity::Warning,
            "self_transfer",
            "this sends to the same account: only the network fee changes anything".into(),
        ));
    }
    review_call(client, network, plan, findings, &label_of).await
}

/// Simulates and reviews a plan as it stands: a call a dapp asks the wallet to send, or a
/// transfer. `findings` are the caller's own, before the checks every plan gets.
pub async fn review_call(
    client: &ChainClient,
    network: &Network,
    plan: Plan,
    mut findings: Vec<Finding>,
    label_of: &(dyn Fn(AssetId) -> (String, u8, Option<Address>) + Sync),
) -> Result<PlanReview, PreviewError> {
    let ((simulation, mut sources), chain) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::account_and_market(client, plan.from),
    )?;
    sources.market = Some(chain.1);
    let terms = terms_for(client, network, &plan, &simulation, chain)?;
    findings.extend(assess_plan(client, network, &plan, &simulation, &[]).await?);
    Ok(PlanReview::new(plan, simulation, findings, label_of, &[], terms, None, sources))
}

/// Previews replacing a pending transaction: `request` (the same call again to speed it up,
/// or a zero-value transfer to `from` to cancel it) under `nonce`, with `fees` (already raised
/// as far as the network's replacement rule needs) and `gas_limit`, simulated on the latest
/// state. The fees are held to the network's ceiling like any other.
#[allow(clippy::too_many_arguments)]
pub async fn preview_replacement(
    client: &ChainClient,
    network: &Network,
    from: Address,
    label: String,
    request: alloy::rpc::types::TransactionRequest,
    nonce: u64,
    fees: crate::submit::Fees,
    gas_limit: u64,
) -> Result<PlanReview, PreviewError> {
    use crate::submit::{GWEI, SigningTerms, TermsError, gwei};
    let ceiling = u128::from(network.max_fee_gwei).saturating_mul(GWEI);
    if fees.max_fee_per_gas > ceiling {
        return Err(TermsError::AboveCeiling {
            network: network.name.clone(),
            asked: gwei(fees.max_fee_per_gas),
            ceiling: network.max_fee_gwei,
        }
        .into());
    }
    let plan = Plan { from, steps: vec![simulate::Step::new(label, request)] };
    let (simulation, sources) = simulate_witnessed(client, &plan).await?;
    if simulation.steps.len() != 1 {
        return Err(crate::ClientError::Implausible(format!(
            "the simulation has {} results for 1 transaction",
            simulation.steps.len()
        ))
        .into());
    }
    let mut findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    if let Some(reason) = simulation.revert_reason() {
        findings.push(Finding::new(
            Severity::Danger,
            "simulation_reverts",
            format!("The replacement would fail ({reason}): its fee would be lost. Cancel the transaction instead."),
        ));
    }
    let terms =
        SigningTerms { chain_id: client.chain_id(), nonce, fees, gas_limits: vec![gas_limit] };
    let label_of = |asset: AssetId| listed_label(network, asset);
    Ok(PlanReview::new(plan, simulation, findings, &label_of, &[], terms, None, sources))
}
