//! Swap routing: every candidate route quoted in one batched round trip, the best output net
//! of gas chosen, the runner-up kept for the preview.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use serde::Serialize;

use crate::{ChainClient, ClientError, Network, abi::IAaveOracle, multicall};

pub(crate) mod errors;
mod plan;
mod quotes;
pub mod split;
mod universal;

pub use plan::{DEFAULT_SLIPPAGE_BPS, SwapParams, limits, plan, spender, through_universal_router};
pub use quotes::candidates;
pub(crate) use quotes::{V4_TIERS, pool_key, v4_pool};
use quotes::{decode_quote, quote_call};

/// Uniswap V3 fee tiers, in hundredths of a basis point.
pub const V3_FEE_TIERS: [u32; 4] = [100, 500, 3000, 10_000];
/// Gas a Uniswap V2 swap costs per hop, roughly (the router reports none).
pub(crate) const V2_GAS_PER_HOP: u64 = 90_000;
/// Gas overhead of any swap transaction.
pub(crate) const SWAP_BASE_GAS: u64 = 30_000;

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
    /// A SushiSwap route (Uniswap V2's code, its own pools) through these tokens.
    SushiSwap {
        /// The token path, input first.
        path: Vec<Address>,
    },
    /// A Uniswap V4 pool, one hop. WETH trades in the pool's native-ether side.
    UniswapV4 {
        /// What is sold (an ERC-20; WETH for ether).
        token_in: Address,
        /// What is bought.
        token_out: Address,
        /// The pool's key.
        pool: V4Pool,
    },
    /// Uniswap V4 pools in a row (WETH trades as the pools' native ether).
    UniswapV4Hops {
        /// The token path, input first (one more than the pools).
        path: Vec<Address>,
        /// Each hop's pool.
        pools: Vec<V4Pool>,
    },
    /// One order across several one-hop routes, in one Universal Router transaction.
    Split {
        /// The legs, each with its share.
        legs: Vec<split::Leg>,
    },
    /// A Balancer V2 pool, one hop.
    Balancer {
        /// The pool's id in the Vault.
        pool_id: B256,
        /// What is sold.
        token_in: Address,
        /// What is bought.
        token_out: Address,
    },
    /// Balancer V2 pools in a row, one batch swap in the Vault (each hop's output feeds the
    /// next).
    BalancerHops {
        /// Each hop's pool.
        pool_ids: Vec<B256>,
        /// The token path, input first (one more than the pools).
        path: Vec<Address>,
    },
}

/// A Uniswap V4 pool's key: its two currencies (the zero address: the native coin), fee, tick
/// spacing and hooks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct V4Pool {
    /// The lower currency.
    pub currency0: Address,
    /// The higher currency.
    pub currency1: Address,
    /// The fee, in hundredths of a basis point.
    pub fee: u32,
    /// The tick spacing.
    pub tick_spacing: i32,
    /// The hooks contract (the zero address: none).
    pub hooks: Address,
}

impl Venue {
    /// What is sold (the first token of the route).
    pub fn token_in(&self) -> Option<Address> {
        match self {
            Venue::UniswapV2 { path }
            | Venue::UniswapV3 { path, .. }
            | Venue::SushiSwap { path }
            | Venue::BalancerHops { path, .. }
            | Venue::UniswapV4Hops { path, .. } => path.first().copied(),
            Venue::UniswapV4 { token_in, .. } | Venue::Balancer { token_in, .. } => Some(*token_in),
            Venue::Split { legs } => legs.first()?.venue.token_in(),
        }
    }

    /// Whether it splits the order.
    pub fn is_split(&self) -> bool {
        matches!(self, Venue::Split { .. })
    }

    /// A short description: "Uniswap V3 0.05%", "Uniswap V2 via WETH".
    pub fn describe(&self, network: &Network) -> String {
        let via = |path: &[Address]| match path.get(1).filter(|_| path.len() > 2) {
            Some(&hub) if hub == network.protocols.weth => " via WETH".to_owned(),
            Some(&hub) => {
                let symbol = network.tokens.iter().find(|t| t.address == hub);
                format!(" via {}", symbol.map_or_else(|| hub.to_string(), |t| t.symbol.clone()))
            }
            None => String::new(),
        };
        let percent = |fee: u32| format!("{}%", f64::from(fee) / 10_000.0);
        match self {
            Venue::UniswapV2 { path } => format!("Uniswap V2{}", via(path)),
            Venue::SushiSwap { path } => format!("SushiSwap{}", via(path)),
            Venue::UniswapV4 { pool, .. } => format!("Uniswap V4 {}", percent(pool.fee)),
            Venue::UniswapV4Hops { path, pools } => {
                let fees: Vec<String> = pools.iter().map(|p| percent(p.fee)).collect();
                format!("Uniswap V4 {}{}", fees.join(" + "), via(path))
            }
            Venue::Balancer { .. } => "Balancer".to_owned(),
            Venue::BalancerHops { path, .. } => format!("Balancer{}", via(path)),
            Venue::Split { legs } => {
                let each: Vec<String> = legs
                    .iter()
                    .map(|l| {
                        format!("{}% {}", l.parts * 100 / split::PARTS, l.venue.describe(network))
                    })
                    .collect();
                format!("Split: {}", each.join(" + "))
            }
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

pub(crate) fn to_f64(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(f64::NAN)
}

/// Price impact in bps from the trade's amounts and a small probe's.
pub(crate) fn price_impact_bps(trade: (U256, U256), probe: (U256, U256)) -> Option<u32> {
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
    // Splits: the one-hop routes the Universal Router runs, quoted for each share of the order.
    // Shares round down: an exact input may spend a few base units less than asked (they stay
    // with the user), but an exact output must add up to what was asked, so it splits only an
    // amount that divides evenly.
    let parts = U256::from(split::PARTS);
    let can_split = network.protocols.universal_router.is_some()
        && network.protocols.permit2.is_some()
        && (kind == SwapKind::ExactIn || (amount % parts).is_zero());
    let ladder_venues: Vec<Venue> = if can_split {
        venues.iter().filter(|v| split::splittable(v)).cloned().collect()
    } else {
        Vec::new()
    };
    let share = |k: u32| amount * U256::from(k) / parts;
    let mut calls = Vec::new();
    for v in &venues {
        calls.extend(quote_call(network, v, kind, amount));
    }
    for v in &venues {
        calls.extend(quote_call(network, v, kind, probe));
    }
    let mut n_ladder = 0;
    for v in &ladder_venues {
        for k in 1..split::PARTS {
            if let Some(call) = quote_call(network, v, kind, share(k)) {
                calls.push(call);
                n_ladder += 1;
            }
        }
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
    let (ladder_results, rest) = rest.split_at(n_ladder);
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
    // Each splittable route's quotes at 1..=PARTS shares, the last its full-order quote.
    let mut at = 0;
    let ladders: Vec<(Venue, split::Ladder)> = ladder_venues
        .iter()
        .map(|v| {
            let mut ladder: split::Ladder = (1..split::PARTS)
                .map(|k| {
                    let r = ladder_results.get(at).and_then(|r| r.as_ref());
                    at += 1;
                    r.and_then(|d| decode_quote(v, kind, share(k), d))
                })
                .collect();
            let full = venues
                .iter()
                .position(|w| w == v)
                .and_then(|i| route_results.get(i)?.as_ref())
                .and_then(|d| decode_quote(v, kind, amount, d));
            ladder.push(full);
            (v.clone(), ladder)
        })
        .collect();
    let gas_value = |gas: u64| {
        let gas_wei = U256::from(gas) * U256::from(gas_price);
        tokens_per_eth.map(|p| gas_wei * p / one_eth).unwrap_or_default()
    };
    // Each route's marginal rate, from its probe: a split's price impact is measured against
    // the best of its legs'.
    let probes: Vec<(Venue, (U256, U256))> = venues
        .iter()
        .zip(probe_results)
        .filter_map(|(v, r)| {
            let (i, o, _) = decode_quote(v, kind, probe, r.as_ref()?)?;
            Some((v.clone(), (i, o)))
        })
        .collect();
    let mut quotes: Vec<Quote> = venues
        .into_iter()
        .zip(route_results)
        .filter_map(|(venue, r)| {
            let (amount_in, amount_out, gas) = decode_quote(&venue, kind, amount, r.as_ref()?)?;
            let gas_wei = U256::from(gas) * U256::from(gas_price);
            let gas_in_token = tokens_per_eth.map(|p| gas_wei * p / one_eth);
            let price_impact_bps = probes
                .iter()
                .find(|(v, _)| *v == venue)
                .and_then(|(_, p)| price_impact_bps((amount_in, amount_out), *p));
            Some(Quote { venue, amount_in, amount_out, gas, gas_in_token, price_impact_bps })
        })
        .filter(|q| !q.amount_out.is_zero() && !q.amount_in.is_zero())
        .collect();
    if let Some(legs) = split::best_split(kind, &ladders, &gas_value).filter(|l| l.len() > 1) {
        let (amount_in, amount_out, gas) = split::totals(&legs);
        let rate = |(i, o): (U256, U256)| to_f64(o) / to_f64(i);
        let marginal = probes
            .iter()
            .filter(|(v, _)| legs.iter().any(|l| l.venue == *v))
            .map(|(_, p)| *p)
            .max_by(|a, b| rate(*a).total_cmp(&rate(*b)));
        quotes.push(Quote {
            venue: Venue::Split { legs },
            amount_in,
            amount_out,
            gas,
            gas_in_token: tokens_per_eth.map(|_| gas_value(gas)),
            price_impact_bps: marginal.and_then(|p| price_impact_bps((amount_in, amount_out), p)),
        });
    }
    quotes.sort_by(|a, b| {
        let ((more_is_better, x), (_, y)) = (a.net(kind), b.net(kind));
        if more_is_better { y.cmp(&x) } else { x.cmp(&y) }
    });
    if quotes.is_empty() {
        return Err(SwapError::NoRoute);
    }
    Ok((Routes { kind, quotes, gas_price, market, oracle_usd }, extra_results.to_vec()))
}
