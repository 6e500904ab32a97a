//! One order split across up to four routes, when that receives more net of gas than the best
//! single route: each one-hop route the Universal Router executes (Uniswap V2, V3 and V4) is
//! quoted for every tenth of the order in the same batch as the rest, and the allocation of
//! tenths over at most four routes that is best net of gas is found exactly over that grid.
//! The legs run in one transaction, each on its own pool, so each receives what it was quoted.

use alloy::primitives::U256;

use super::{SWAP_BASE_GAS, SwapKind, Venue};

/// An order is split in this many equal parts.
pub const PARTS: u32 = 10;
/// The most routes one order is split across.
pub const MAX_LEGS: usize = 4;

/// One leg of a split order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leg {
    /// Where it trades.
    pub venue: Venue,
    /// Its share of the order, in [`PARTS`].
    pub parts: u32,
    /// What it spends.
    pub amount_in: U256,
    /// What it receives.
    pub amount_out: U256,
    /// Its gas.
    pub gas: u64,
}

/// Whether the Universal Router executes `venue` as one leg of a split: one hop on Uniswap V2,
/// V3 or V4 (each on a pool of its own, so that legs do not move each other's price).
pub fn splittable(venue: &Venue) -> bool {
    match venue {
        Venue::UniswapV2 { path } | Venue::UniswapV3 { path, .. } => path.len() == 2,
        Venue::UniswapV4 { .. } => true,
        _ => false,
    }
}

/// A route's quotes at 1..=[`PARTS`] parts of the order: (in, out, gas), `None` where it did not
/// quote.
pub type Ladder = Vec<Option<(U256, U256, u64)>>;

/// What a set of legs is worth to the user: out less gas (exact in), or in plus gas (exact
/// out); with whether more is better.
fn worth(kind: SwapKind, amount_in: U256, amount_out: U256, gas: U256) -> U256 {
    match kind {
        SwapKind::ExactIn => amount_out.saturating_sub(gas),
        SwapKind::ExactOut => amount_in.saturating_add(gas),
    }
}

fn better(kind: SwapKind, a: U256, b: U256) -> bool {
    match kind {
        SwapKind::ExactIn => a > b,
        SwapKind::ExactOut => a < b,
    }
}

/// The best allocation of the order's parts over `routes` (each with its ladder of quotes at
/// 1..=n parts of n, [`PARTS`] when routing), net of gas priced by `gas_value` (gas units to the
/// compared token), exactly over the grid. `None` when no allocation covers the whole order.
pub fn best_split(
    kind: SwapKind,
    routes: &[(Venue, Ladder)],
    gas_value: &dyn Fn(u64) -> U256,
) -> Option<Vec<Leg>> {
    // The grid is the ladders' length: tenths for routing, finer for measuring it.
    let parts = routes.first().map_or(PARTS as usize, |(_, l)| l.len());
    // best[q][n]: the best n legs over the routes seen so far that cover q parts, with their
    // totals (in, out, gas).
    type State = (U256, U256, u64, Vec<Leg>);
    let mut best: Vec<Vec<Option<State>>> = vec![vec![None; MAX_LEGS + 1]; parts + 1];
    best[0][0] = Some((U256::ZERO, U256::ZERO, 0, Vec::new()));
    let total_gas = |legs_gas: u64, n: usize| {
        // One transaction: one base cost, however many legs.
        legs_gas.saturating_sub(SWAP_BASE_GAS * n.saturating_sub(1) as u64)
    };
    let value = |(i, o, g, legs): &State| worth(kind, *i, *o, gas_value(total_gas(*g, legs.len())));
    for (venue, ladder) in routes {
        let mut next = best.clone();
        for have in 0..parts {
            for n in 0..MAX_LEGS {
                let Some((ins, outs, gas, legs)) = &best[have][n] else { continue };
                for (k, quote) in ladder.iter().enumerate() {
                    let take = k + 1;
                    let Some((leg_in, leg_out, leg_gas)) = quote else { continue };
                    if have + take > parts {
                        break;
                    }
                    let mut legs = legs.clone();
                    legs.push(Leg {
                        venue: venue.clone(),
                        parts: take as u32,
                        amount_in: *leg_in,
                        amount_out: *leg_out,
                        gas: *leg_gas,
                    });
                    let state = (ins + leg_in, outs + leg_out, gas + leg_gas, legs);
                    let slot = &mut next[have + take][n + 1];
                    let replace = match slot {
                        None => true,
                        Some(prior) => better(kind, value(&state), value(prior)),
                    };
                    if replace {
                        *slot = Some(state);
                    }
                }
            }
        }
        best = next;
    }
    let whole = best.pop()?;
    whole
        .into_iter()
        .flatten()
        .reduce(|a, b| if better(kind, value(&b), value(&a)) { b } else { a })
        .map(|(_, _, _, legs)| legs)
}

/// Every splittable route between two tokens quoted at 1..=`parts` parts of `amount` (which
/// `parts` divides), in one Multicall3 round trip: what a finer search than routing's quarters
/// works from (the benchmark's exhaustive search).
pub async fn ladders(
    client: &crate::ChainClient,
    network: &crate::Network,
    (token_in, token_out): (alloy::primitives::Address, alloy::primitives::Address),
    amount: U256,
    kind: SwapKind,
    parts: u32,
) -> Result<Vec<(Venue, Ladder)>, crate::ClientError> {
    let venues: Vec<Venue> =
        super::candidates(network, token_in, token_out).into_iter().filter(splittable).collect();
    let share = |k: u32| amount * U256::from(k) / U256::from(parts);
    let mut calls = Vec::new();
    let mut asked = Vec::new();
    for (i, v) in venues.iter().enumerate() {
        for k in 1..=parts {
            if let Some(call) = super::quotes::quote_call(network, v, kind, share(k)) {
                calls.push(call);
                asked.push((i, k));
            }
        }
    }
    let results = crate::multicall::aggregate(client, network.protocols.multicall3, calls).await?;
    let mut out: Vec<(Venue, Ladder)> =
        venues.iter().map(|v| (v.clone(), vec![None; parts as usize])).collect();
    for ((i, k), r) in asked.into_iter().zip(results) {
        let decoded = r.and_then(|d| super::quotes::decode_quote(&venues[i], kind, share(k), &d));
        out[i].1[k as usize - 1] = decoded;
    }
    Ok(out)
}

/// The split as one quote's totals: (in, out, gas in one transaction).
pub fn totals(legs: &[Leg]) -> (U256, U256, u64) {
    let gas: u64 = legs.iter().map(|l| l.gas).sum();
    (
        legs.iter().map(|l| l.amount_in).sum(),
        legs.iter().map(|l| l.amount_out).sum(),
        gas.saturating_sub(SWAP_BASE_GAS * legs.len().saturating_sub(1) as u64),
    )
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Address;

    use super::*;

    fn v2(n: u8) -> Venue {
        Venue::UniswapV2 { path: vec![Address::repeat_byte(n), Address::repeat_byte(0xee)] }
    }

    /// A constant-product pool's output for `x` in, with reserves (r, r).
    fn pool(r: u64, x: u64) -> u64 {
        r * x / (r + x)
    }

    fn ladder(r: u64, amount: u64) -> Ladder {
        (1..=4u64)
            .map(|k| {
                let x = amount * k / 4;
                Some((U256::from(x), U256::from(pool(r, x)), 100_000))
            })
            .collect()
    }

    #[test]
    fn two_equal_pools_share_a_large_order_and_a_small_one_stays_whole() {
        let free = |_: u64| U256::ZERO;
        let routes = vec![(v2(1), ladder(1_000, 800)), (v2(2), ladder(1_000, 800))];
        let legs = best_split(SwapKind::ExactIn, &routes, &free).unwrap();
        assert_eq!(legs.iter().map(|l| l.parts).collect::<Vec<_>>(), [2, 2], "{legs:?}");
        // Expensive gas: one leg is worth more than the better price of two.
        let dear = |gas: u64| U256::from(gas / 1_000);
        let routes = vec![(v2(1), ladder(1_000_000, 100)), (v2(2), ladder(1_000_000, 100))];
        let legs = best_split(SwapKind::ExactIn, &routes, &dear).unwrap();
        assert_eq!(legs.len(), 1, "{legs:?}");
    }

    #[test]
    fn no_more_than_four_routes_share_an_order() {
        let free = |_: u64| U256::ZERO;
        // Ten equal pools and ten parts: the best is four legs, not ten.
        let tenths = |r: u64| -> Ladder {
            (1..=10u64)
                .map(|k| Some((U256::from(k * 100), U256::from(pool(r, k * 100)), 0)))
                .collect()
        };
        let routes: Vec<(Venue, Ladder)> = (1..=10).map(|n| (v2(n), tenths(1_000))).collect();
        let legs = best_split(SwapKind::ExactIn, &routes, &free).unwrap();
        assert_eq!(legs.len(), MAX_LEGS, "{legs:?}");
        assert_eq!(legs.iter().map(|l| l.parts).sum::<u32>(), 10);
    }

    #[test]
    fn the_grid_search_equals_brute_force_over_every_allocation() {
        let free = |_: u64| U256::ZERO;
        let routes =
            vec![(v2(1), ladder(500, 600)), (v2(2), ladder(2_000, 600)), (v2(3), ladder(900, 600))];
        let legs = best_split(SwapKind::ExactIn, &routes, &free).unwrap();
        let got: U256 = legs.iter().map(|l| l.amount_out).sum();
        let mut brute = U256::ZERO;
        for a in 0..=4usize {
            for b in 0..=(4 - a) {
                let c = 4 - a - b;
                let out = |i: usize, k: usize| {
                    if k == 0 { U256::ZERO } else { routes[i].1[k - 1].unwrap().1 }
                };
                brute = brute.max(out(0, a) + out(1, b) + out(2, c));
            }
        }
        assert_eq!(got, brute);
    }
}
