//! Uniswap's concentrated-liquidity arithmetic, exactly as the contracts do it (TickMath,
//! SqrtPriceMath, LiquidityAmounts, fee growth), so that what Vigil shows of a position is what
//! the pool would pay out.

use alloy::primitives::{U256, U512};

/// The lowest tick a pool can reach.
pub const MIN_TICK: i32 = -887_272;
/// The highest tick a pool can reach.
pub const MAX_TICK: i32 = 887_272;
/// 2^96, the fixed point of square-root prices.
pub const Q96: U256 = U256::from_limbs([0, 1 << 32, 0, 0]);
/// 2^128, the fixed point of fee growth.
const Q128: U256 = U256::from_limbs([0, 0, 1, 0]);

/// `a * b / c` without overflow in between, rounded down or up; zero when `c` is zero.
pub fn mul_div(a: U256, b: U256, c: U256, round_up: bool) -> U256 {
    if c.is_zero() {
        return U256::ZERO;
    }
    let product: U512 = a.widening_mul(b);
    let c = U512::from(c);
    let (q, r) = product.div_rem(c);
    let q = if round_up && !r.is_zero() { q + U512::from(1u8) } else { q };
    // A quotient past 256 bits saturates; callers divide by a bound of one factor, so none is.
    let limbs = q.as_limbs();
    if limbs[4..].iter().any(|&l| l != 0) {
        return U256::MAX;
    }
    U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]])
}

/// The square root of the price at `tick`, as a Q64.96 (TickMath.getSqrtRatioAtTick).
pub fn sqrt_ratio_at_tick(tick: i32) -> U256 {
    let abs = tick.unsigned_abs().min(MAX_TICK as u32);
    const FACTORS: [u128; 19] = [
        0xfff97272373d413259a46990580e213a,
        0xfff2e50f5f656932ef12357cf3c7fdcc,
        0xffe5caca7e10e4e61c3624eaa0941cd0,
        0xffcb9843d60f6159c9db58835c926644,
        0xff973b41fa98c081472e6896dfb254c0,
        0xff2ea16466c96a3843ec78b326b52861,
        0xfe5dee046a99a2a811c461f1969c3053,
        0xfcbe86c7900a88aedcffc83b479aa3a4,
        0xf987a7253ac413176f2b074cf7815e54,
        0xf3392b0822b70005940c7a398e4b70f3,
        0xe7159475a2c29b7443b29c7fa6e889d9,
        0xd097f3bdfd2022b8845ad8f792aa5825,
        0xa9f746462d870fdf8a65dc1f90e061e5,
        0x70d869a156d2a1b890bb3df62baf32f7,
        0x31be135f97d08fd981231505542fcfa6,
        0x9aa508b5b7a84e1c677de54f3e99bc9,
        0x5d6af8dedb81196699c329225ee604,
        0x2216e584f5fa1ea926041bedfe98,
        0x48a170391f7dc42444e8fa2,
    ];
    let mut ratio = if abs & 1 != 0 {
        U256::from(0xfffcb933bd6fad37aa2d162d1a594001u128)
    } else {
        U256::from(1u8) << 128
    };
    for (bit, factor) in FACTORS.iter().enumerate() {
        if abs & (2 << bit) != 0 {
            ratio = (ratio * U256::from(*factor)) >> 128;
        }
    }
    if tick > 0 {
        ratio = U256::MAX / ratio;
    }
    let rounded_up = !(ratio & U256::from(u32::MAX)).is_zero();
    (ratio >> 32) + U256::from(rounded_up)
}

/// The greatest tick whose price is at most `sqrt_price` (TickMath.getTickAtSqrtRatio), by
/// bisection over [`sqrt_ratio_at_tick`], which is exact and monotonic.
pub fn tick_at_sqrt_ratio(sqrt_price: U256) -> i32 {
    let (mut lo, mut hi) = (MIN_TICK, MAX_TICK);
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if sqrt_ratio_at_tick(mid) <= sqrt_price {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The tick nearest a price of `price` raw units of token1 per raw unit of token0, rounded
/// to `spacing` and kept inside the usable range.
pub fn tick_for_price(price: f64, spacing: i32) -> i32 {
    let spacing = spacing.max(1);
    let raw = if price.is_nan() || price <= 0.0 {
        f64::from(MIN_TICK)
    } else {
        // An infinite price gives an infinite log, clamped to the highest tick below.
        (price.ln() / 1.0001f64.ln()).round()
    };
    let raw = raw.clamp(f64::from(MIN_TICK), f64::from(MAX_TICK)) as i32;
    let snapped = (f64::from(raw) / f64::from(spacing)).round() as i32 * spacing;
    snapped.clamp(min_usable_tick(spacing), max_usable_tick(spacing))
}

/// The lowest tick a position may start at with `spacing` (the full range's lower end).
pub fn min_usable_tick(spacing: i32) -> i32 {
    let spacing = spacing.max(1);
    (MIN_TICK / spacing) * spacing
}

/// The highest tick a position may end at with `spacing`.
pub fn max_usable_tick(spacing: i32) -> i32 {
    let spacing = spacing.max(1);
    (MAX_TICK / spacing) * spacing
}

/// The price at `tick`, raw units of token1 per raw unit of token0.
pub fn price_at_tick(tick: i32) -> f64 {
    1.0001f64.powi(tick)
}

/// The price a Q64.96 square-root price stands for, raw token1 per raw token0.
pub fn price_of_sqrt(sqrt_price: U256) -> f64 {
    let s = to_f64(sqrt_price) / 2f64.powi(96);
    s * s
}

/// A large integer as the nearest float.
pub fn to_f64(v: U256) -> f64 {
    v.as_limbs().iter().rev().fold(0.0, |acc, &limb| acc * 2f64.powi(64) + limb as f64)
}

fn ordered(a: U256, b: U256) -> (U256, U256) {
    if a > b { (b, a) } else { (a, b) }
}

/// Token0 between two prices for `liquidity` (SqrtPriceMath.getAmount0Delta).
pub fn amount0_delta(sqrt_a: U256, sqrt_b: U256, liquidity: u128, round_up: bool) -> U256 {
    let (a, b) = ordered(sqrt_a, sqrt_b);
    if a.is_zero() {
        return U256::ZERO;
    }
    let numerator1 = U256::from(liquidity) << 96;
    let numerator2 = b - a;
    if round_up {
        let x = mul_div(numerator1, numerator2, b, true);
        x / a + U256::from(!(x % a).is_zero())
    } else {
        mul_div(numerator1, numerator2, b, false) / a
    }
}

/// Token1 between two prices for `liquidity` (SqrtPriceMath.getAmount1Delta).
pub fn amount1_delta(sqrt_a: U256, sqrt_b: U256, liquidity: u128, round_up: bool) -> U256 {
    let (a, b) = ordered(sqrt_a, sqrt_b);
    mul_div(U256::from(liquidity), b - a, Q96, round_up)
}

/// What `liquidity` between `sqrt_a` and `sqrt_b` holds at `sqrt_price`: (token0, token1),
/// rounded down as a withdrawal pays, or up as a deposit takes.
pub fn amounts_for_liquidity(
    sqrt_price: U256,
    sqrt_a: U256,
    sqrt_b: U256,
    liquidity: u128,
    round_up: bool,
) -> (U256, U256) {
    let (a, b) = ordered(sqrt_a, sqrt_b);
    if sqrt_price <= a {
        (amount0_delta(a, b, liquidity, round_up), U256::ZERO)
    } else if sqrt_price < b {
        (
            amount0_delta(sqrt_price, b, liquidity, round_up),
            amount1_delta(a, sqrt_price, liquidity, round_up),
        )
    } else {
        (U256::ZERO, amount1_delta(a, b, liquidity, round_up))
    }
}

fn to_u128(v: U256) -> u128 {
    v.saturating_to()
}

/// The most liquidity `amount0` and `amount1` can buy between `sqrt_a` and `sqrt_b` at
/// `sqrt_price` (LiquidityAmounts.getLiquidityForAmounts).
pub fn liquidity_for_amounts(
    sqrt_price: U256,
    sqrt_a: U256,
    sqrt_b: U256,
    amount0: U256,
    amount1: U256,
) -> u128 {
    let (a, b) = ordered(sqrt_a, sqrt_b);
    let for0 = |lower: U256| {
        let intermediate = mul_div(lower, b, Q96, false);
        to_u128(mul_div(amount0, intermediate, b - lower, false))
    };
    let for1 = |upper: U256| to_u128(mul_div(amount1, Q96, upper - a, false));
    if a == b {
        0
    } else if sqrt_price <= a {
        for0(a)
    } else if sqrt_price < b {
        for0(sqrt_price).min(for1(sqrt_price))
    } else {
        for1(b)
    }
}

/// The liquidity `amount` of one token buys between `sqrt_a` and `sqrt_b` at `sqrt_price`
/// (`token1`: the amount is of token1): zero when the range, at this price, takes none of it.
pub fn liquidity_for_amount(
    sqrt_price: U256,
    sqrt_a: U256,
    sqrt_b: U256,
    amount: U256,
    token1: bool,
) -> u128 {
    let (a, b) = ordered(sqrt_a, sqrt_b);
    if a == b {
        return 0;
    }
    if token1 {
        // Token1 is held below the price: none when the whole range is above it.
        if sqrt_price <= a {
            return 0;
        }
        to_u128(mul_div(amount, Q96, sqrt_price.min(b) - a, false))
    } else {
        if sqrt_price >= b {
            return 0;
        }
        let lower = sqrt_price.max(a);
        let intermediate = mul_div(lower, b, Q96, false);
        to_u128(mul_div(amount, intermediate, b - lower, false))
    }
}

/// The fee growth inside a range (Tick.getFeeGrowthInside): every quantity wraps as in the
/// contract, which relies on overflow.
pub fn fee_growth_inside(
    global: U256,
    lower_outside: U256,
    upper_outside: U256,
    tick: i32,
    tick_lower: i32,
    tick_upper: i32,
) -> U256 {
    let below = if tick >= tick_lower { lower_outside } else { global.wrapping_sub(lower_outside) };
    let above = if tick < tick_upper { upper_outside } else { global.wrapping_sub(upper_outside) };
    global.wrapping_sub(below).wrapping_sub(above)
}

/// Fees a position's `liquidity` earned since its fee growth was last `inside_last`.
pub fn fees_owed(liquidity: u128, inside_now: U256, inside_last: U256) -> U256 {
    mul_div(inside_now.wrapping_sub(inside_last), U256::from(liquidity), Q128, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_ratios_match_the_contract_at_known_ticks() {
        // TickMath's MIN_SQRT_RATIO and MAX_SQRT_RATIO, and price 1 at tick 0.
        assert_eq!(sqrt_ratio_at_tick(MIN_TICK), U256::from(4295128739u64));
        assert_eq!(
            sqrt_ratio_at_tick(MAX_TICK),
            "1461446703485210103287273052203988822378723970342".parse::<U256>().unwrap()
        );
        assert_eq!(sqrt_ratio_at_tick(0), Q96);
        for tick in [-200_000, -60, -1, 1, 60, 123_456] {
            let s = sqrt_ratio_at_tick(tick);
            assert_eq!(tick_at_sqrt_ratio(s), tick);
            assert_eq!(tick_at_sqrt_ratio(s - U256::from(1)), tick - 1);
        }
    }

    #[test]
    fn liquidity_round_trips_through_amounts() {
        let (a, b) = (sqrt_ratio_at_tick(-600), sqrt_ratio_at_tick(600));
        let p = sqrt_ratio_at_tick(60);
        let l =
            liquidity_for_amounts(p, a, b, U256::from(10u64.pow(18)), U256::from(10u64.pow(18)));
        let (x, y) = amounts_for_liquidity(p, a, b, l, true);
        // One side is used up, the other nearly; neither is exceeded.
        assert!(x <= U256::from(10u64.pow(18)) && y <= U256::from(10u64.pow(18)));
        assert!(
            x > U256::from(10u64.pow(18) - 10u64.pow(12))
                || y > U256::from(10u64.pow(18) - 10u64.pow(12))
        );
        // Below the range it is all token0, above it all token1.
        assert_eq!(amounts_for_liquidity(a - U256::from(1), a, b, l, false).1, U256::ZERO);
        assert_eq!(amounts_for_liquidity(b, a, b, l, false).0, U256::ZERO);
    }

    #[test]
    fn ticks_snap_to_spacing_and_stay_usable() {
        assert_eq!(tick_for_price(1.0, 60), 0);
        assert_eq!(tick_for_price(price_at_tick(6931), 60), 6960);
        assert_eq!(tick_for_price(0.0, 60), min_usable_tick(60));
        assert_eq!(tick_for_price(f64::INFINITY, 10), max_usable_tick(10));
        assert_eq!(min_usable_tick(60), -887_220);
    }

    #[test]
    fn fee_growth_wraps_like_the_contract() {
        // The lower tick's outside growth above the global one: the subtraction wraps.
        let inside = fee_growth_inside(U256::from(100), U256::from(150), U256::ZERO, 0, -10, 10);
        assert_eq!(inside, U256::from(100).wrapping_sub(U256::from(150)));
        assert_eq!(fees_owed(1 << 64, U256::from(3u8) << 64, U256::ZERO), U256::from(3));
    }
}
