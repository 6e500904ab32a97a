//! Aave's fixed-point arithmetic (WadRayMath and PercentageMath), rounding exactly as the
//! contracts do (half up, and since V3.5 down for what is owed to the user and up for what the
//! user owes), so local results equal the pool's to the last unit.

use alloy::primitives::U256;

/// 1e18.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// 1e27.
pub const RAY: U256 = U256::from_limbs([0x9fd0_803c_e800_0000, 0x033b_2e3c, 0, 0]);
/// 100.00% in basis points.
pub const PERCENTAGE_FACTOR: u64 = 10_000;
/// Seconds in Aave's year (365 days).
pub const SECONDS_PER_YEAR: u64 = 365 * 24 * 3600;

/// `a * b / RAY`, rounded half up.
pub fn ray_mul(a: U256, b: U256) -> U256 {
    (a.saturating_mul(b).saturating_add(RAY / U256::from(2))) / RAY
}

/// `a * b / RAY`, rounded down (aToken balances since V3.5).
pub fn ray_mul_floor(a: U256, b: U256) -> U256 {
    a.saturating_mul(b) / RAY
}

/// `a * b / RAY`, rounded up (debt balances since V3.5).
pub fn ray_mul_ceil(a: U256, b: U256) -> U256 {
    mul_div_ceil(a, b, RAY)
}

/// `a * b / c`, rounded up; zero when `c` is zero.
pub fn mul_div_ceil(a: U256, b: U256, c: U256) -> U256 {
    if c.is_zero() {
        return U256::ZERO;
    }
    let product = a.saturating_mul(b);
    product / c + U256::from(!(product % c).is_zero())
}

/// `value * bps / 10_000`, rounded down (available borrows since V3.5).
pub fn percent_mul_floor(value: U256, bps: u64) -> U256 {
    value.saturating_mul(U256::from(bps)) / U256::from(PERCENTAGE_FACTOR)
}

/// `a * RAY / b`, rounded half up; zero when `b` is zero (never the case for an index).
pub fn ray_div(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    (a.saturating_mul(RAY).saturating_add(b / U256::from(2))) / b
}

/// `a * WAD / b`, rounded half up; zero when `b` is zero.
pub fn wad_div(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    (a.saturating_mul(WAD).saturating_add(b / U256::from(2))) / b
}

/// `value * bps / 10_000`, rounded half up.
pub fn percent_mul(value: U256, bps: u64) -> U256 {
    (value.saturating_mul(U256::from(bps)).saturating_add(U256::from(PERCENTAGE_FACTOR / 2)))
        / U256::from(PERCENTAGE_FACTOR)
}

/// A fixed-point value with `decimals` decimals as a float, for display and estimates only.
pub fn to_f64(value: U256, decimals: u8) -> f64 {
    // Through the decimal string: exact for every value that fits an f64's range.
    value.to_string().parse::<f64>().unwrap_or(f64::INFINITY) / 10f64.powi(i32::from(decimals))
}

/// A yearly rate in ray (Aave's APR) as an APY, compounded every second as the protocol does.
pub fn apy(rate_ray: U256) -> f64 {
    let apr = to_f64(rate_ray, 27);
    let n = SECONDS_PER_YEAR as f64;
    (1.0 + apr / n).powf(n) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_and_half_up_rounding_match_the_contracts() {
        assert_eq!(RAY, U256::from(10).pow(U256::from(27)));
        assert_eq!(WAD, U256::from(10).pow(U256::from(18)));
        // 1.5 rounds up, 1.4999… rounds down.
        assert_eq!(ray_mul(U256::from(3), RAY / U256::from(2)), U256::from(2));
        assert_eq!(ray_mul(U256::from(3), RAY / U256::from(2) - U256::from(1)), U256::from(1));
        assert_eq!(percent_mul(U256::from(15), 5_000), U256::from(8));
        assert_eq!(percent_mul(U256::from(100), 8_250), U256::from(83));
        assert_eq!(wad_div(U256::from(1), U256::from(3)), U256::from(333_333_333_333_333_333u64));
        assert_eq!(wad_div(U256::from(2), U256::from(3)), U256::from(666_666_666_666_666_667u64));
        assert_eq!(ray_div(U256::from(5), U256::ZERO), U256::ZERO);
    }

    #[test]
    fn apy_compounds_the_apr() {
        // 5% APR compounds to e^0.05 - 1.
        let five_percent = RAY / U256::from(20);
        assert!((apy(five_percent) - (0.05f64.exp() - 1.0)).abs() < 1e-6);
        assert_eq!(apy(U256::ZERO), 0.0);
    }
}
