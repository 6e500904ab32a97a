//! Swap routing: every candidate route quoted in one batched round trip, the best output net
//! of gas chosen, the runner-up kept for the preview.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};
use serde::Serialize;

use crate::{
    ChainClient, ClientError, Network, V3RouterKind,
    abi::{IAaveOracle, IERC20, IQuoterV2, ISwapRouter02, IUniswapV2Router02, IV3SwapRouter},
    multicall,
    simulate::{Plan, Step},
};

/// Uniswap V3 fee tiers, in hundredths of a basis point.
pub const V3_FEE_TIERS: [u32; 4] = [100, 500, 3000, 10_000];
/// Gas a Uniswap V2 swap costs per hop, roughly (the router reports none).
const V2_GAS_PER_HOP: u64 = 90_000;
/// Gas overhead of any swap transaction.
const SWAP_BASE_GAS: u64 = 30_000;

/// Which side of the swap is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SwapKind {
    /// Spend exactly this much; receive as much as possible.
    ExactIn,
    /// Receive exactly this much; spend as little as possible.
    ExactOut,
}

/// One hop's venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum Venue {
    /// A Uniswap V2 route through these tokens.
    UniswapV2 {
        /// The token path, input first.
        path: Vec<Address>,
    },
    /// A Uniswap V3 route: tokens and the fee tier of each hop.
    UniswapV3 {
        /// The token path, input first.
        path: Vec<Address>,
        /// The fee of each hop.
        fees: Vec<u32>,
    },
}

impl Venue {
    /// A short description: "Uniswap V3 0.05%", "Uniswap V2 via WETH".
    pub fn describe(&self, weth: Address) -> String {
        let via =
            |path: &[Address]| if path.len() > 2 && path[1] == weth { " via WETH" } else { "" };
        match self {
            Venue::UniswapV2 { path } => format!("Uniswap V2{}", via(path)),
            Venue::UniswapV3 { path, fees } => {
                let fees: Vec<String> =
                    fees.iter().map(|f| format!("{}%", f64::from(*f) / 10_000.0)).collect();
                format!("Uniswap V3 {}{}", fees.join(" + "), via(path))
            }
        }
    }
}

/// A quoted route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Where it trades.
    pub venue: Venue,
    /// What is spent, in base units of the input token.
    pub amount_in: U256,
    /// What is received, in base units of the output token.
    pub amount_out: U256,
    /// Estimated gas of the swap.
    pub gas: u64,
    /// The gas cost expressed in the token that is compared (output for exact-in, input for
    /// exact-out), when a WETH price for it could be quoted.
    pub gas_in_token: Option<U256>,
    /// How much worse this trade's rate is than the pool's marginal rate (from a probe 1/1000
    /// the size, quoted in the same batch), in basis points.
    pub price_impact_bps: Option<u32>,
}

fn to_f64(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(f64::NAN)
}

/// Price impact in bps from the trade's amounts and a small probe's.
fn price_impact_bps(trade: (U256, U256), probe: (U256, U256)) -> Option<u32> {
    let rate = to_f64(trade.1) / to_f64(trade.0);
    let marginal = to_f64(probe.1) / to_f64(probe.0);
    let impact = (1.0 - rate / marginal) * 10_000.0;
    impact.is_finite().then(|| impact.clamp(0.0, 10_000.0).round() as u32)
}

impl Quote {
    /// The value compared between routes: output minus gas (exact-in), or input plus gas
    /// (exact-out); gas counts as zero when it could not be priced.
    fn net(&self, kind: SwapKind) -> (bool, U256) {
        let gas = self.gas_in_token.unwrap_or_default();
        match kind {
            SwapKind::ExactIn => (true, self.amount_out.saturating_sub(gas)),
            SwapKind::ExactOut => (false, self.amount_in.saturating_add(gas)),
        }
    }
}

/// The routing result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routes {
    /// Exact-in or exact-out.
    pub kind: SwapKind,
    /// Every route that quoted, best first.
    pub quotes: Vec<Quote>,
    /// The expected price per gas (next base fee plus tip, wei) used to compare them and to
    /// price the fee in the preview.
    pub gas_price: u128,
    /// The fee market read with the quotes: the preview's signing terms are fixed from it.
    pub market: crate::submit::FeeMarket,
    /// USD prices from the lending market's oracle, read in the same batch (`None` where the
    /// network has no oracle or it does not price the token).
    pub oracle_usd: OraclePrices,
}

/// Reference prices in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OraclePrices {
    /// The input token.
    pub token_in: Option<f64>,
    /// The output token.
    pub token_out: Option<f64>,
    /// The native coin (priced as its wrapped token).
    pub native: Option<f64>,
}

impl Eq for OraclePrices {}

impl Routes {
    /// The chosen route.
    pub fn best(&self) -> Option<&Quote> {
        self.quotes.first()
    }

    /// The second best, shown beside the chosen one.
    pub fn runner_up(&self) -> Option<&Quote> {
        self.quotes.get(1)
    }
}

/// Errors from routing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SwapError {
    /// The network has no DEX Vigil can route through.
    #[error("{0} has no Uniswap deployment Vigil knows")]
    NoVenues(String),
    /// Same token on both sides.
    #[error("the input and output tokens are the same")]
    SameToken,
    /// Zero amount.
    #[error("the amount must be more than zero")]
    ZeroAmount,
    /// No route returned a quote (no pool, or not enough liquidity).
    #[error("no route between these tokens has enough liquidity for this amount")]
    NoRoute,
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Uniswap V3's packed path: token (20 bytes), fee (3 bytes), token, … For exact-out the path
/// is reversed (output first), as the quoter expects.
fn v3_path(tokens: &[Address], fees: &[u32], reversed: bool) -> Bytes {
    let mut out = Vec::with_capacity(tokens.len() * 23);
    let hops: Vec<(Address, u32, Address)> =
        tokens.windows(2).zip(fees).map(|(w, &f)| (w[0], f, w[1])).collect();
    let ordered: Vec<(Address, u32, Address)> =
        if reversed { hops.iter().rev().map(|&(a, f, b)| (b, f, a)).collect() } else { hops };
    for (i, (a, fee, b)) in ordered.iter().enumerate() {
        if i == 0 {
            out.extend_from_slice(a.as_slice());
        }
        out.extend_from_slice(&fee.to_be_bytes()[1..]);
        out.extend_from_slice(b.as_slice());
    }
    out.into()
}

/// Every candidate venue between two tokens on `network`.
pub fn candidates(network: &Network, token_in: Address, token_out: Address) -> Vec<Venue> {
    let p = &network.protocols;
    let weth = p.weth;
    let mut venues = Vec::new();
    let two_hop = token_in != weth && token_out != weth;
    if p.uniswap_v2_router.is_some() {
        venues.push(Venue::UniswapV2 { path: vec![token_in, token_out] });
        if two_hop {
            venues.push(Venue::UniswapV2 { path: vec![token_in, weth, token_out] });
        }
    }
    if p.uniswap_v3_quoter_v2.is_some() {
        for fee in V3_FEE_TIERS {
            venues.push(Venue::UniswapV3 { path: vec![token_in, token_out], fees: vec![fee] });
        }
        if two_hop {
            for a in V3_FEE_TIERS {
                for b in V3_FEE_TIERS {
                    venues.push(Venue::UniswapV3 {
                        path: vec![token_in, weth, token_out],
                        fees: vec![a, b],
                    });
                }
            }
        }
    }
    venues
}

fn quote_call(
    network: &Network,
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
) -> Option<(Address, Bytes)> {
    let p = &network.protocols;
    Some(match (venue, kind) {
        (Venue::UniswapV2 { path }, SwapKind::ExactIn) => (
            p.uniswap_v2_router?,
            IUniswapV2Router02::getAmountsOutCall { amountIn: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV2 { path }, SwapKind::ExactOut) => (
            p.uniswap_v2_router?,
            IUniswapV2Router02::getAmountsInCall { amountOut: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV3 { path, fees }, SwapKind::ExactIn) => (
            p.uniswap_v3_quoter_v2?,
            IQuoterV2::quoteExactInputCall { path: v3_path(path, fees, false), amountIn: amount }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV3 { path, fees }, SwapKind::ExactOut) => (
            p.uniswap_v3_quoter_v2?,
            IQuoterV2::quoteExactOutputCall { path: v3_path(path, fees, true), amountOut: amount }
                .abi_encode()
                .into(),
        ),
    })
}

/// (amount in, amount out, gas) from a quote's return data.
fn decode_quote(
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
    data: &Bytes,
) -> Option<(U256, U256, u64)> {
    match venue {
        Venue::UniswapV2 { path } => {
            let amounts = match kind {
                SwapKind::ExactIn => {
                    IUniswapV2Router02::getAmountsOutCall::abi_decode_returns(data).ok()?
                }
                SwapKind::ExactOut => {
                    IUniswapV2Router02::getAmountsInCall::abi_decode_returns(data).ok()?
                }
            };
            let gas = SWAP_BASE_GAS + V2_GAS_PER_HOP * (path.len() as u64 - 1);
            Some((*amounts.first()?, *amounts.last()?, gas))
        }
        Venue::UniswapV3 { .. } => match kind {
            SwapKind::ExactIn => {
                let r = IQuoterV2::quoteExactInputCall::abi_decode_returns(data).ok()?;
                Some((amount, r.amountOut, SWAP_BASE_GAS + r.gasEstimate.saturating_to::<u64>()))
            }
            SwapKind::ExactOut => {
                let r = IQuoterV2::quoteExactOutputCall::abi_decode_returns(data).ok()?;
                Some((r.amountIn, amount, SWAP_BASE_GAS + r.gasEstimate.saturating_to::<u64>()))
            }
        },
    }
}

/// The best output of each exact-in quote `(token_in, token_out, amount_in)` over every
/// candidate route, gross of gas, all in one Multicall3 round trip: reference prices to check
/// an oracle against, not a plan (no fee market is read).
pub async fn best_outputs(
    client: &ChainClient,
    network: &Network,
    quotes: &[(Address, Address, U256)],
) -> Result<Vec<Option<U256>>, SwapError> {
    let mut calls = Vec::new();
    let mut spans = Vec::with_capacity(quotes.len());
    for &(token_in, token_out, amount) in quotes {
        let venues: Vec<(Venue, (Address, Bytes))> = candidates(network, token_in, token_out)
            .into_iter()
            .filter_map(|v| {
                let call = quote_call(network, &v, SwapKind::ExactIn, amount)?;
                Some((v, call))
            })
            .collect();
        spans.push((amount, venues.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>()));
        calls.extend(venues.into_iter().map(|(_, c)| c));
    }
    if calls.is_empty() {
        return Ok(vec![None; quotes.len()]);
    }
    let results = multicall::aggregate(client, network.protocols.multicall3, calls).await?;
    let mut at = 0;
    Ok(spans
        .into_iter()
        .map(|(amount, venues)| {
            let best = venues
                .iter()
                .zip(&results[at..(at + venues.len()).min(results.len())])
                .filter_map(|(v, r)| decode_quote(v, SwapKind::ExactIn, amount, r.as_ref()?))
                .map(|(_, out, _)| out)
                .max();
            at += venues.len();
            best
        })
        .collect())
}

/// Quotes every candidate route in one Multicall3 round trip (plus one for the gas price) and
/// orders them by output net of gas (exact-in) or input plus gas (exact-out).
pub async fn route(
    client: &ChainClient,
    network: &Network,
    token_in: Address,
    token_out: Address,
    amount: U256,
    kind: SwapKind,
) -> Result<Routes, SwapError> {
    Ok(route_with(client, network, token_in, token_out, amount, kind, Vec::new()).await?.0)
}

/// [`route`], with `extra` reads carried in the same batch (allowances, balances, metadata);
/// their results come back in order.
pub async fn route_with(
    client: &ChainClient,
    network: &Network,
    token_in: Address,
    token_out: Address,
    amount: U256,
    kind: SwapKind,
    extra: Vec<(Address, Bytes)>,
) -> Result<(Routes, Vec<Option<Bytes>>), SwapError> {
    if token_in == token_out {
        return Err(SwapError::SameToken);
    }
    if amount.is_zero() {
        return Err(SwapError::ZeroAmount);
    }
    let venues = candidates(network, token_in, token_out);
    if venues.is_empty() {
        return Err(SwapError::NoVenues(network.name.clone()));
    }
    // Gas is priced in the compared token by quoting 1 WETH into it in the same batch.
    let compared = match kind {
        SwapKind::ExactIn => token_out,
        SwapKind::ExactOut => token_in,
    };
    let one_eth = U256::from(10u64).pow(U256::from(18));
    let weth = network.protocols.weth;
    let price_venues: Vec<Venue> =
        if compared == weth { Vec::new() } else { candidates(network, weth, compared) };
    let probe = (amount / U256::from(1000)).max(U256::from(1));
    let mut calls = Vec::new();
    for v in &venues {
        calls.extend(quote_call(network, v, kind, amount));
    }
    for v in &venues {
        calls.extend(quote_call(network, v, kind, probe));
    }
    for v in &price_venues {
        calls.extend(quote_call(network, v, SwapKind::ExactIn, one_eth));
    }
    let oracle_assets = [token_in, token_out, weth];
    let oracle_calls = match network.protocols.aave_v3_oracle {
        Some(oracle) => oracle_assets
            .iter()
            .map(|&asset| (oracle, IAaveOracle::getAssetPriceCall { asset }.abi_encode().into()))
            .collect(),
        None => Vec::new(),
    };
    let n_oracle = oracle_calls.len();
    calls.extend(oracle_calls);
    calls.extend(extra);
    let (results, market) = tokio::try_join!(
        multicall::aggregate(client, network.protocols.multicall3, calls),
        // The fee market the preview's signing terms are fixed from, so quote and preview
        // agree.
        crate::submit::fee_market(client),
    )?;
    let gas_price = market.floor();
    let (route_results, rest) = results.split_at(venues.len());
    let (probe_results, rest) = rest.split_at(venues.len());
    let (price_results, rest) = rest.split_at(price_venues.len());
    let (oracle_results, extra_results) = rest.split_at(n_oracle);
    let usd = |i: usize| {
        let data = oracle_results.get(i)?.as_ref()?;
        let v = IAaveOracle::getAssetPriceCall::abi_decode_returns(data).ok()?;
        (!v.is_zero()).then(|| to_f64(v) / 1e8)
    };
    let oracle_usd = OraclePrices { token_in: usd(0), token_out: usd(1), native: usd(2) };
    let tokens_per_eth = if compared == weth {
        Some(one_eth)
    } else {
        price_venues
            .iter()
            .zip(price_results)
            .filter_map(|(v, r)| decode_quote(v, SwapKind::ExactIn, one_eth, r.as_ref()?))
            .map(|(_, out, _)| out)
            .max()
    };
    let mut quotes: Vec<Quote> = venues
        .into_iter()
        .zip(route_results.iter().zip(probe_results))
        .filter_map(|(venue, (r, probe_result))| {
            let (amount_in, amount_out, gas) = decode_quote(&venue, kind, amount, r.as_ref()?)?;
            let gas_wei = U256::from(gas) * U256::from(gas_price);
            let gas_in_token = tokens_per_eth.map(|p| gas_wei * p / one_eth);
            let price_impact_bps = probe_result
                .as_ref()
                .and_then(|d| decode_quote(&venue, kind, probe, d))
                .and_then(|(i, o, _)| price_impact_bps((amount_in, amount_out), (i, o)));
            Some(Quote { venue, amount_in, amount_out, gas, gas_in_token, price_impact_bps })
        })
        .filter(|q| !q.amount_out.is_zero() && !q.amount_in.is_zero())
        .collect();
    quotes.sort_by(|a, b| {
        let ((more_is_better, x), (_, y)) = (a.net(kind), b.net(kind));
        if more_is_better { y.cmp(&x) } else { x.cmp(&y) }
    });
    if quotes.is_empty() {
        return Err(SwapError::NoRoute);
    }
    Ok((Routes { kind, quotes, gas_price, market, oracle_usd }, extra_results.to_vec()))
}

/// Slippage tolerance above which sandwich bots profit: a warning in the preview.
pub const DEFAULT_SLIPPAGE_BPS: u32 = 50;

/// What the user asked for, beyond the route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapParams {
    /// The account that pays and receives.
    pub account: Address,
    /// Slippage tolerance in basis points (50 = 0.5%).
    pub slippage_bps: u32,
    /// Unix time after which the swap must revert.
    pub deadline: u64,
    /// Approve an unlimited amount instead of exactly what this swap needs.
    pub unlimited_approval: bool,
    /// The token's current allowance to the router (no approval step if it suffices).
    pub current_allowance: U256,
    /// Pay in the native coin: the router wraps it (the route starts at WETH).
    pub native_in: bool,
    /// Receive the native coin: the router unwraps it (the route ends at WETH).
    pub native_out: bool,
}

/// The limits slippage puts on a quote: (most that may be spent, least that must arrive).
pub fn limits(quote: &Quote, kind: SwapKind, slippage_bps: u32) -> (U256, U256) {
    let bps = U256::from(10_000u32);
    let slip = U256::from(slippage_bps.min(10_000));
    match kind {
        SwapKind::ExactIn => (quote.amount_in, quote.amount_out * (bps - slip) / bps),
        // Rounded up, so the tolerance is never tighter than asked.
        SwapKind::ExactOut => ((quote.amount_in * (bps + slip)).div_ceil(bps), quote.amount_out),
    }
}

/// The transactions of a swap along `quote`: the approval if the allowance is short, then the
/// swap with the slippage limits and deadline.
pub fn plan(network: &Network, quote: &Quote, kind: SwapKind, params: &SwapParams) -> Option<Plan> {
    let (max_in, min_out) = limits(quote, kind, params.slippage_bps);
    let deadline = U256::from(params.deadline);
    let to = params.account;
    let (native_in, native_out) = (params.native_in, params.native_out);
    // What the swap transaction carries in native coin.
    let value = match (native_in, kind) {
        (false, _) => U256::ZERO,
        (true, SwapKind::ExactIn) => quote.amount_in,
        (true, SwapKind::ExactOut) => max_in,
    };
    let (router, input): (Address, Vec<u8>) = match &quote.venue {
        Venue::UniswapV2 { path } => {
            let (path, amount_in, amount_out) = (path.clone(), quote.amount_in, quote.amount_out);
            let input = match (kind, native_in, native_out) {
                (SwapKind::ExactIn, true, _) => IUniswapV2Router02::swapExactETHForTokensCall {
                    amountOutMin: min_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactOut, true, _) => IUniswapV2Router02::swapETHForExactTokensCall {
                    amountOut: amount_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactIn, false, true) => IUniswapV2Router02::swapExactTokensForETHCall {
                    amountIn: amount_in,
                    amountOutMin: min_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactOut, false, true) => {
                    IUniswapV2Router02::swapTokensForExactETHCall {
                        amountOut: amount_out,
                        amountInMax: max_in,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
                (SwapKind::ExactIn, false, false) => {
                    IUniswapV2Router02::swapExactTokensForTokensCall {
                        amountIn: amount_in,
                        amountOutMin: min_out,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
                (SwapKind::ExactOut, false, false) => {
                    IUniswapV2Router02::swapTokensForExactTokensCall {
                        amountOut: amount_out,
                        amountInMax: max_in,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
            };
            (network.protocols.uniswap_v2_router?, input)
        }
        Venue::UniswapV3 { path, fees } => {
            let router = network.protocols.uniswap_v3_swap_router?;
            // Native out: the router receives WETH and unwraps it to the user in the same call.
            let recipient = if native_out { router } else { to };
            let router02 = network.protocols.uniswap_v3_router_kind == V3RouterKind::SwapRouter02;
            let swap = match (kind, router02) {
                (SwapKind::ExactIn, false) => IV3SwapRouter::exactInputCall {
                    params: IV3SwapRouter::ExactInputParams {
                        path: v3_path(path, fees, false),
                        recipient,
                        deadline,
                        amountIn: quote.amount_in,
                        amountOutMinimum: min_out,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactOut, false) => IV3SwapRouter::exactOutputCall {
                    params: IV3SwapRouter::ExactOutputParams {
                        path: v3_path(path, fees, true),
                        recipient,
                        deadline,
                        amountOut: quote.amount_out,
                        amountInMaximum: max_in,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactIn, true) => ISwapRouter02::exactInputCall {
                    params: ISwapRouter02::ExactInputParams {
                        path: v3_path(path, fees, false),
                        recipient,
                        amountIn: quote.amount_in,
                        amountOutMinimum: min_out,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactOut, true) => ISwapRouter02::exactOutputCall {
                    params: ISwapRouter02::ExactOutputParams {
                        path: v3_path(path, fees, true),
                        recipient,
                        amountOut: quote.amount_out,
                        amountInMaximum: max_in,
                    },
                }
                .abi_encode(),
            };
            let mut calls = vec![Bytes::from(swap)];
            if native_out {
                let least = if kind == SwapKind::ExactIn { min_out } else { quote.amount_out };
                // The same selector on both routers.
                calls.push(
                    IV3SwapRouter::unwrapWETH9Call { amountMinimum: least, recipient: to }
                        .abi_encode()
                        .into(),
                );
            }
            if native_in && kind == SwapKind::ExactOut {
                // The unspent part of the maximum comes back.
                calls.push(IV3SwapRouter::refundETHCall {}.abi_encode().into());
            }
            let input = if router02 {
                // Its swaps carry no deadline: the multicall enforces one.
                ISwapRouter02::multicallCall { deadline, data: calls }.abi_encode()
            } else if calls.len() == 1 {
                calls.remove(0).to_vec()
            } else {
                IV3SwapRouter::multicallCall { data: calls }.abi_encode()
            };
            (router, input)
        }
    };
    let token_in = match &quote.venue {
        Venue::UniswapV2 { path } | Venue::UniswapV3 { path, .. } => *path.first()?,
    };
    let mut steps = Vec::new();
    if !native_in && params.current_allowance < max_in {
        let amount = if params.unlimited_approval { U256::MAX } else { max_in };
        steps.push(Step {
            label: "Approve the router to spend the input token".into(),
            request: alloy::rpc::types::TransactionRequest::default().to(token_in).input(
                Bytes::from(IERC20::approveCall { spender: router, amount }.abi_encode()).into(),
            ),
        });
    }
    steps.push(Step {
        label: format!("Swap on {}", quote.venue.describe(network.protocols.weth)),
        request: alloy::rpc::types::TransactionRequest::default()
            .to(router)
            .value(value)
            .input(Bytes::from(input).into()),
    });
    Some(Plan { from: params.account, steps })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn v3_paths_are_packed_and_reversed_for_exact_out() {
        let (a, b, c) =
            (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb), Address::repeat_byte(0xcc));
        let forward = v3_path(&[a, b, c], &[500, 3000], false);
        assert_eq!(forward.len(), 20 + 3 + 20 + 3 + 20);
        assert_eq!(&forward[..20], a.as_slice());
        assert_eq!(&forward[20..23], &[0x00, 0x01, 0xf4]);
        assert_eq!(&forward[43..46], &[0x00, 0x0b, 0xb8]);
        let reversed = v3_path(&[a, b, c], &[500, 3000], true);
        assert_eq!(&reversed[..20], c.as_slice());
        assert_eq!(&reversed[20..23], &[0x00, 0x0b, 0xb8]);
        assert_eq!(&reversed[43..46], &[0x00, 0x01, 0xf4]);
        assert_eq!(&reversed[46..], a.as_slice());
    }

    #[test]
    fn slippage_limits_round_in_the_users_favour() {
        let q = |amount_in: u64, amount_out: u64| Quote {
            venue: Venue::UniswapV2 { path: vec![] },
            amount_in: U256::from(amount_in),
            amount_out: U256::from(amount_out),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: None,
        };
        assert_eq!(
            limits(&q(100, 10_000), SwapKind::ExactIn, 50),
            (U256::from(100), U256::from(9_950))
        );
        assert_eq!(
            limits(&q(10_001, 100), SwapKind::ExactOut, 50),
            (U256::from(10_052), U256::from(100))
        );
        assert_eq!(limits(&q(100, 999), SwapKind::ExactIn, 0).1, U256::from(999));
    }

    #[test]
    fn price_impact_compares_the_trade_rate_with_the_probe_rate() {
        let u = |v: u64| U256::from(v);
        assert_eq!(price_impact_bps((u(1000), u(1980)), (u(1), u(2))), Some(100));
        assert_eq!(price_impact_bps((u(1000), u(2000)), (u(1), u(2))), Some(0));
        // A better rate than the probe (rounding in the probe) is no impact, not negative.
        assert_eq!(price_impact_bps((u(1000), u(2100)), (u(1), u(2))), Some(0));
        assert_eq!(price_impact_bps((u(0), u(0)), (u(1), u(2))), None);
    }

    #[test]
    fn swap_router02_gets_its_own_parameters_and_the_deadline_in_the_multicall() {
        let mut network = Network::named("base").unwrap();
        let (usdc, weth) = (network.token("USDC").unwrap().address, network.protocols.weth);
        let quote = Quote {
            venue: Venue::UniswapV3 { path: vec![usdc, weth], fees: vec![500] },
            amount_in: U256::from(1_000_000u64),
            amount_out: U256::from(400_000_000_000_000u64),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: None,
        };
        let params = SwapParams {
            account: Address::repeat_byte(7),
            slippage_bps: 50,
            deadline: 1_900_000_000,
            unlimited_approval: false,
            current_allowance: U256::MAX,
            native_in: false,
            native_out: false,
        };
        let input = |network: &Network| {
            let plan = plan(network, &quote, SwapKind::ExactIn, &params).unwrap();
            plan.steps[0].request.input.input().unwrap().clone()
        };
        let call = ISwapRouter02::multicallCall::abi_decode(&input(&network)).unwrap();
        assert_eq!(call.deadline, U256::from(1_900_000_000u64));
        let swap = ISwapRouter02::exactInputCall::abi_decode(&call.data[0]).unwrap();
        assert_eq!(swap.params.recipient, params.account);
        assert_eq!(swap.params.amountOutMinimum, U256::from(398_000_000_000_000u64));
        // The original router keeps the deadline in the parameters.
        network.protocols.uniswap_v3_router_kind = V3RouterKind::SwapRouter;
        let swap = IV3SwapRouter::exactInputCall::abi_decode(&input(&network)).unwrap();
        assert_eq!(swap.params.deadline, U256::from(1_900_000_000u64));
    }

    #[test]
    fn venues_are_described_for_people() {
        let weth = address!("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2");
        let (x, y) = (Address::repeat_byte(1), Address::repeat_byte(2));
        assert_eq!(
            Venue::UniswapV2 { path: vec![x, weth, y] }.describe(weth),
            "Uniswap V2 via WETH"
        );
        assert_eq!(
            Venue::UniswapV3 { path: vec![x, y], fees: vec![500] }.describe(weth),
            "Uniswap V3 0.05%"
        );
    }
}
