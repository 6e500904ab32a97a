//! Swap previews: routing, the live quote, and the simulated preview; and wrapping the native
//! coin, which needs no pool.

use super::*;
/// A swap routed, with what its preview reads in the same Multicall3 batch.
struct RoutedSwap {
    routes: swap::Routes,
    best: Quote,
    /// The next best route this swap can take, shown beside the chosen one.
    runner_up: Option<Quote>,
    /// The sold and bought token's symbol and decimals.
    sold: (String, u8),
    bought: (String, u8),
    /// The account's balance of what it sells.
    balance: U256,
    /// The allowance of each contract a venue spends through, over what it sells.
    allowances: Vec<(Address, U256)>,
    /// The account's Permit2 nonce for (what it sells, the Universal Router).
    permit2_nonce: u64,
}

impl RoutedSwap {
    /// A quote described for the user: "Uniswap V3 0.05% (998.31 USDC)".
    fn describe(&self, q: &Quote, kind: SwapKind, network: &Network) -> String {
        let amount = match kind {
            SwapKind::ExactIn => {
                format!("{} {}", whole(q.amount_out, self.bought.1), self.bought.0)
            }
            SwapKind::ExactOut => format!("{} {}", whole(q.amount_in, self.sold.1), self.sold.0),
        };
        format!("{} ({amount})", q.venue.describe(network))
    }
}

/// Gas an ERC-20 approval costs, roughly (a first allowance writes a new storage slot).
const APPROVAL_GAS: u64 = 46_000;

/// The gas of the approvals `q`'s route needs before the swap: the token's approval of the
/// route's spender when the account's allowance is short, and, through Permit2, the signed
/// allowance every Universal Router swap carries (no transaction of its own, but Permit2
/// checks it within the swap; counted at about an approval's gas, as its step is simulated).
fn approval_gas(
    network: &Network,
    q: &Quote,
    req: &SwapRequest,
    allowances: &[(Address, U256)],
) -> u64 {
    if req.native_in {
        return 0;
    }
    let native = req.native_in || req.native_out;
    let Some(spender) = swap::spender(network, &q.venue, native) else { return 0 };
    let (max_in, _) = swap::limits(q, req.kind, req.slippage_bps);
    let allowed =
        allowances.iter().find(|(s, _)| *s == spender).map(|(_, a)| *a).unwrap_or_default();
    let token = if allowed < max_in { APPROVAL_GAS } else { 0 };
    let permit2 = if Some(spender) == network.protocols.permit2 { APPROVAL_GAS } else { 0 };
    token + permit2
}

/// Quotes every route for `req` in one Multicall3 batch (and the gas price in parallel), with
/// the balance, allowances and token metadata a preview needs carried in the same batch.
async fn route_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<RoutedSwap, PreviewError> {
    let p = &network.protocols;
    // Tokens the network does not list were typed by the user: make sure they are contracts
    // (one request each, only for such tokens).
    for (token, native) in [(req.token_in, req.native_in), (req.token_out, req.native_out)] {
        if native || token == p.weth || network.tokens.iter().any(|t| t.address == token) {
            continue;
        }
        let code = client.request(|c| async move { c.get_code_at(token).await }).await?;
        if code.is_empty() {
            return Err(PreviewError::NotAContract(token));
        }
    }
    // Every contract a venue takes the input through: the routers, Permit2, Balancer's Vault.
    let mut spenders: Vec<Address> = [
        p.uniswap_v2_router,
        p.sushiswap_v2_router,
        p.uniswap_v3_swap_router,
        p.permit2,
        p.balancer_vault,
    ]
    .into_iter()
    .flatten()
    .collect();
    spenders.dedup();
    let n = spenders.len();
    let mut extra: Vec<(Address, Bytes)> = spenders
        .iter()
        .map(|&spender| {
            (
                req.token_in,
                IERC20::allowanceCall { owner: req.account, spender }.abi_encode().into(),
            )
        })
        .collect();
    extra.push(if req.native_in {
        let call = crate::abi::IMulticall3::getEthBalanceCall { addr: req.account };
        (p.multicall3, call.abi_encode().into())
    } else {
        (req.token_in, IERC20::balanceOfCall { owner: req.account }.abi_encode().into())
    });
    for t in [req.token_in, req.token_out] {
        extra.push((t, IERC20::symbolCall {}.abi_encode().into()));
        extra.push((t, IERC20::decimalsCall {}.abi_encode().into()));
    }
    // The account's Permit2 nonce for the Universal Router: a swap through it signs with it.
    if let (Some(permit2), Some(router)) = (p.permit2, p.universal_router) {
        let call = crate::abi::IPermit2::allowanceCall {
            user: req.account,
            token: req.token_in,
            spender: router,
        };
        extra.push((permit2, call.abi_encode().into()));
    }
    let (routes, extra) =
        swap::route_with(client, network, req.token_in, req.token_out, req.amount, req.kind, extra)
            .await?;
    let decode_u256 = |i: usize| {
        extra
            .get(i)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::balanceOfCall::abi_decode_returns(d).ok())
    };
    let meta = |i: usize, address: Address| {
        let symbol = extra
            .get(i)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::symbolCall::abi_decode_returns(d).ok())
            .unwrap_or_else(|| address.to_string());
        let decimals = extra
            .get(i + 1)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::decimalsCall::abi_decode_returns(d).ok())
            .unwrap_or(18);
        (symbol, decimals)
    };
    let native = || (network.native_symbol.clone(), 18u8);
    let sold = if req.native_in { native() } else { meta(n + 1, req.token_in) };
    let bought = if req.native_out { native() } else { meta(n + 3, req.token_out) };
    // A split pays and receives tokens: with ether on a side, the best single route.
    let plannable = |q: &&Quote| !(q.venue.is_split() && (req.native_in || req.native_out));
    let allowances: Vec<(Address, U256)> = spenders
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, decode_u256(i).unwrap_or_default()))
        .collect();
    // Ranked with the approvals each route needs first: a route through a contract the account
    // has not approved costs those transactions too.
    let mut ranked: Vec<Quote> = routes.quotes.iter().filter(plannable).cloned().collect();
    let cost = |q: &Quote| {
        let extra = approval_gas(network, q, req, &allowances);
        // The swap's gas in the compared token, scaled to the approvals' too.
        let gas = q
            .gas_in_token
            .map(|g| g * U256::from(q.gas + extra) / U256::from(q.gas.max(1)))
            .unwrap_or_default();
        match req.kind {
            SwapKind::ExactIn => q.amount_out.saturating_sub(gas),
            SwapKind::ExactOut => q.amount_in.saturating_add(gas),
        }
    };
    ranked.sort_by(|a, b| match req.kind {
        SwapKind::ExactIn => cost(b).cmp(&cost(a)),
        SwapKind::ExactOut => cost(a).cmp(&cost(b)),
    });
    // route_with returns an error when no route quoted; this is for the type.
    let best = ranked.first().cloned().ok_or(SwapError::NoRoute)?;
    let runner_up = ranked.get(1).cloned();
    let permit2_nonce = extra
        .get(n + 5)
        .and_then(|d| d.as_ref())
        .and_then(|d| crate::abi::IPermit2::allowanceCall::abi_decode_returns(d).ok())
        .map(|a| a.nonce.to::<u64>())
        .unwrap_or_default();
    Ok(RoutedSwap {
        best,
        runner_up,
        sold,
        bought,
        balance: decode_u256(n).unwrap_or_default(),
        allowances,
        permit2_nonce,
        routes,
    })
}

/// A swap quoted as the user types: the best route and what it gives, without building or
/// simulating a transaction (one Multicall3 batch and the gas price). Amounts are in whole
/// units, without symbols, for the caller to lay out.
#[derive(Debug, Clone, Serialize)]
pub struct SwapQuote {
    /// The chosen route: "Uniswap V3 0.05%".
    pub venue: String,
    /// The runner-up with its amount, as the preview describes it.
    pub runner_up: Option<String>,
    /// The sold token's symbol.
    pub symbol_in: String,
    /// The bought token's symbol.
    pub symbol_out: String,
    /// What is sold.
    pub amount_in: String,
    /// What is bought.
    pub amount_out: String,
    /// Bought per sold, six significant digits (see `significant`).
    pub rate: String,
    /// The least that must arrive (exact-in) at the slippage tolerance.
    pub min_out: String,
    /// The most that may be spent (exact-out) at the slippage tolerance.
    pub max_in: String,
    /// Price impact, bps, when the pool could be probed.
    pub price_impact_bps: Option<u32>,
    /// Set when the account holds less than the swap may spend: "holds 0.5 ETH, needs 1".
    pub shortfall: Option<String>,
}

/// Quotes `req` for the swap form's live quote; [`preview_swap`] is what is signed.
pub async fn quote_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<SwapQuote, PreviewError> {
    let routed = route_swap(client, network, req).await?;
    let best = &routed.best;
    let (max_in, min_out) = swap::limits(best, req.kind, req.slippage_bps);
    let ((sym_in, dec_in), (sym_out, dec_out)) = (&routed.sold, &routed.bought);
    let rate = units_f64(best.amount_out, *dec_out) / units_f64(best.amount_in, *dec_in);
    Ok(SwapQuote {
        venue: best.venue.describe(network),
        runner_up: routed.runner_up.as_ref().map(|q| routed.describe(q, req.kind, network)),
        symbol_in: sym_in.clone(),
        symbol_out: sym_out.clone(),
        amount_in: whole(best.amount_in, *dec_in),
        amount_out: whole(best.amount_out, *dec_out),
        rate: significant(rate),
        min_out: whole(min_out, *dec_out),
        max_in: whole(max_in, *dec_in),
        price_impact_bps: best.price_impact_bps,
        shortfall: (routed.balance < max_in).then(|| {
            format!(
                "holds {} {sym_in}, needs {}",
                whole(routed.balance, *dec_in),
                whole(max_in, *dec_in)
            )
        }),
    })
}

/// An amount in whole units as a float, for rates and comparisons (never for what is signed).
fn units_f64(v: U256, decimals: u8) -> f64 {
    v.to_string().parse::<f64>().unwrap_or(f64::NAN) / 10f64.powi(i32::from(decimals))
}

/// A rate with six significant digits (a larger whole part is kept whole), without trailing
/// zeros: "2002.56", "0.000499361", "1234568".
pub(super) fn significant(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "?".into();
    }
    let decimals = (5 - v.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

/// Routes, plans, simulates and assesses a swap in at most three RPC requests: one Multicall3
/// batch (quotes, probes, oracle prices, allowances, balance, metadata), the gas price (in
/// parallel), and one `eth_simulateV1`.
pub async fn preview_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<SwapPreview, PreviewError> {
    let routed = route_swap(client, network, req).await?;
    let best = routed.best.clone();
    let routes = &routed.routes;
    let ((sym_in, dec_in), (sym_out, dec_out)) = (routed.sold.clone(), routed.bought.clone());
    let (max_in, min_out) = swap::limits(&best, req.kind, req.slippage_bps);
    let balance = routed.balance;
    if balance < max_in {
        return Err(PreviewError::InsufficientBalance {
            symbol: sym_in,
            need: whole(max_in, dec_in),
            have: whole(balance, dec_in),
        });
    }
    let spender = swap::spender(network, &best.venue, req.native_in || req.native_out);
    let current_allowance = routed
        .allowances
        .iter()
        .find(|(s, _)| Some(*s) == spender)
        .map(|(_, a)| *a)
        .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let params = SwapParams {
        account: req.account,
        slippage_bps: req.slippage_bps,
        deadline: now + req.deadline_secs,
        unlimited_approval: req.unlimited_approval,
        current_allowance,
        native_in: req.native_in,
        native_out: req.native_out,
        permit2_nonce: routed.permit2_nonce,
    };
    let plan = swap::plan(network, &best, req.kind, &params)
        .ok_or(SwapError::NoVenues(network.name.clone()))?;
    let ((simulation, mut sources), nonce) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::pending_nonce(client, req.account),
    )?;
    sources.market = Some(routes.market);

    let oracle_deviation_bps = match (routes.oracle_usd.token_in, routes.oracle_usd.token_out) {
        (Some(pin), Some(pout)) => {
            let quoted = units_f64(best.amount_out, dec_out) / units_f64(best.amount_in, dec_in);
            let oracle = pin / pout;
            let dev = (quoted / oracle - 1.0) * 10_000.0;
            dev.is_finite().then_some(dev.round() as i64)
        }
        _ => None,
    };
    let plan_findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    let mut findings = assess_swap(&SwapRisk {
        simulation: &simulation,
        quote: &best,
        slippage_bps: req.slippage_bps,
        unlimited_approval: req.unlimited_approval
            && simulation.approvals.iter().any(|a| a.amount == U256::MAX),
        oracle_deviation_bps,
    });
    findings.extend(plan_findings);
    let symbol_of = |asset: AssetId| match asset {
        AssetId::Token(t) if t == req.token_in && !req.native_in => {
            (sym_in.clone(), dec_in, Some(t))
        }
        AssetId::Token(t) if t == req.token_out && !req.native_out => {
            (sym_out.clone(), dec_out, Some(t))
        }
        other => listed_label(network, other),
    };
    let terms = terms_for(client, network, &plan, &simulation, (nonce, routes.market))?;
    let review = PlanReview::new(
        plan,
        simulation,
        findings,
        &symbol_of,
        &[],
        terms,
        routes.oracle_usd.native,
        sources,
    );
    let describe = |q: &Quote| routed.describe(q, req.kind, network);
    Ok(SwapPreview {
        network: network.name.clone(),
        account: req.account,
        kind: req.kind,
        route: describe(&best),
        runner_up: routed.runner_up.as_ref().map(describe),
        max_in: format!("{} {sym_in}", whole(max_in, dec_in)),
        min_out: format!("{} {sym_out}", whole(min_out, dec_out)),
        quote: best,
        review,
    })
}

/// Which way a swap between the native coin and its wrapped token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// The native coin into the wrapped token (WETH9 `deposit`).
    Wrap,
    /// The wrapped token into the native coin (WETH9 `withdraw`).
    Unwrap,
}

/// Whether `req` only converts between the native coin and its wrapped token: no pool is
/// needed, the wrapped token's own contract converts 1:1 (routing would call it the same token).
pub fn wrap_of(network: &Network, req: &SwapRequest) -> Option<Wrap> {
    let weth = network.protocols.weth;
    if req.token_in != weth || req.token_out != weth {
        return None;
    }
    match (req.native_in, req.native_out) {
        (true, false) => Some(Wrap::Wrap),
        (false, true) => Some(Wrap::Unwrap),
        _ => None,
    }
}

/// The symbols of a wrap's two sides, sold first: ("ETH", "WETH") or ("WETH", "ETH").
fn wrap_symbols(network: &Network, wrap: Wrap) -> (String, String) {
    let (native, _, _) = listed_label(network, AssetId::Native);
    let (wrapped, _, _) = listed_label(network, AssetId::Token(network.protocols.weth));
    match wrap {
        Wrap::Wrap => (native, wrapped),
        Wrap::Unwrap => (wrapped, native),
    }
}

/// The quote of a wrap: 1:1 through the wrapped token's contract, known without the chain.
pub fn quote_wrap(network: &Network, req: &SwapRequest, wrap: Wrap) -> SwapQuote {
    let (symbol_in, symbol_out) = wrap_symbols(network, wrap);
    let amount = whole(req.amount, 18);
    SwapQuote {
        venue: format!(
            "the {} contract, 1:1",
            listed_label(network, AssetId::Token(network.protocols.weth)).0
        ),
        runner_up: None,
        symbol_in,
        symbol_out,
        amount_in: amount.clone(),
        amount_out: amount.clone(),
        rate: "1".into(),
        min_out: amount.clone(),
        max_in: amount,
        price_impact_bps: Some(0),
        shortfall: None,
    }
}

/// Previews a wrap or unwrap: one call to the wrapped token's contract, simulated (an account
/// that holds too little shows the revert).
pub async fn preview_wrap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
    wrap: Wrap,
) -> Result<PlanReview, PreviewError> {
    use crate::abi::IWETH9;
    let weth = network.protocols.weth;
    let (sold, bought) = wrap_symbols(network, wrap);
    let label = format!("{wrap:?} {} {sold} into {bought}", whole(req.amount, 18));
    let request = alloy::rpc::types::TransactionRequest::default().to(weth);
    let request = match wrap {
        Wrap::Wrap => {
            request.value(req.amount).input(Bytes::from(IWETH9::depositCall {}.abi_encode()).into())
        }
        Wrap::Unwrap => {
            request.input(Bytes::from(IWETH9::withdrawCall { wad: req.amount }.abi_encode()).into())
        }
    };
    let plan = Plan { from: req.account, steps: vec![simulate::Step::new(label, request)] };
    let ((simulation, mut sources), chain) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::account_and_market(client, req.account),
    )?;
    sources.market = Some(chain.1);
    let terms = terms_for(client, network, &plan, &simulation, chain)?;
    let findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    let label_of = |asset: AssetId| listed_label(network, asset);
    Ok(PlanReview::new(plan, simulation, findings, &label_of, &[], terms, None, sources))
}
