//! What the liquidity forms and views mean, the same for the app and the CLI: a pool's id,
//! prices in the unit people read them in ("USDC per WETH", not raw units), and the range a
//! form asks for ("full", "10%", "1800-2200").

use std::collections::BTreeMap;

use alloy::primitives::Address;
use vigil_defi_adapters::liquidity::{Pool, PoolRef, RangeChoice, math};

/// A token's symbol and decimals.
pub type TokenMeta = BTreeMap<Address, (String, u8)>;

/// A pool's id in the forms: "uniswap-v2", "sushiswap", "uniswap-v3:3000",
/// "uniswap-v4:500", "balancer:0x…".
pub fn pool_id(pool: &Pool) -> String {
    let protocol = pool.protocol.slug();
    match (&pool.reference, pool.fee()) {
        (PoolRef::Balancer { id, .. }, _) => format!("{protocol}:{id:#x}"),
        (_, Some(fee)) => format!("{protocol}:{fee}"),
        _ => protocol,
    }
}

/// How a pool's price reads: `inverted` when it is shown as token0 per token1 (so that the
/// number is at least 1: "2,000 USDC per WETH" rather than "0.0005 WETH per USDC").
#[derive(Debug, Clone, PartialEq)]
pub struct PriceUnit {
    /// "USDC per WETH".
    pub unit: String,
    /// Shown as token0 per token1.
    pub inverted: bool,
    /// Decimals of token0 and token1.
    decimals: (u8, u8),
}

impl PriceUnit {
    /// The unit for `pool`'s two tokens, chosen at its current price.
    pub fn of(pool: &Pool, meta: &TokenMeta) -> Option<Self> {
        let (t0, t1) = (*pool.tokens.first()?, *pool.tokens.get(1)?);
        let (s0, d0) = meta.get(&t0).cloned()?;
        let (s1, d1) = meta.get(&t1).cloned()?;
        let mut unit = Self { unit: format!("{s1} per {s0}"), inverted: false, decimals: (d0, d1) };
        if pool.raw_price().is_some_and(|raw| unit.shown(raw) < 1.0) {
            unit = Self { unit: format!("{s0} per {s1}"), inverted: true, decimals: (d0, d1) };
        }
        Some(unit)
    }

    /// A raw price (raw token1 per raw token0) in this unit.
    pub fn shown(&self, raw: f64) -> f64 {
        let whole = raw * 10f64.powi(i32::from(self.decimals.0) - i32::from(self.decimals.1));
        if self.inverted { 1.0 / whole } else { whole }
    }

    /// A price in this unit as a raw price.
    pub fn raw(&self, shown: f64) -> f64 {
        let whole = if self.inverted { 1.0 / shown } else { shown };
        whole * 10f64.powi(i32::from(self.decimals.1) - i32::from(self.decimals.0))
    }

    /// The prices at the ends of a tick range, lowest first in this unit.
    pub fn range(&self, lower: i32, upper: i32) -> (f64, f64) {
        let (a, b) =
            (self.shown(math::price_at_tick(lower)), self.shown(math::price_at_tick(upper)));
        if a <= b { (a, b) } else { (b, a) }
    }
}

/// A price for people: six significant digits, thousands grouped ("2,000.12", "0.000498").
pub fn price_text(v: f64) -> String {
    if !v.is_finite() {
        return "∞".into();
    }
    let decimals = if v >= 1000.0 {
        2
    } else if v >= 1.0 {
        4
    } else {
        (6 - v.log10().floor() as i32).clamp(0, 18) as usize
    };
    let s = format!("{v:.decimals$}");
    let s =
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    vigil_api::group_thousands(&s)
}

/// The range a form asks for: "full" (or empty), a width around the price ("10%", "±10%"),
/// or two prices in the pool's shown unit ("1800-2200", "1800..2200").
pub fn parse_range(typed: &str, unit: Option<&PriceUnit>) -> Result<RangeChoice, String> {
    let t = typed.trim().trim_start_matches('±').replace(',', "");
    if t.is_empty() || t.eq_ignore_ascii_case("full") {
        return Ok(RangeChoice::Full);
    }
    if let Some(p) = t.strip_suffix('%') {
        let p: f64 =
            p.trim().parse().map_err(|_| format!("'{typed}' is not a width: write it like 10%"))?;
        if !(p > 0.0 && p <= 1000.0) {
            return Err(format!(
                "a width of {p}% is out of range: use more than 0% and at most 1000%"
            ));
        }
        return Ok(RangeChoice::AroundPrice(p / 100.0));
    }
    let (a, b) = t
        .split_once("..")
        .or_else(|| t.split_once('-'))
        .or_else(|| t.split_once(':'))
        .ok_or_else(|| format!("'{typed}' is not a range: write full, a width like 10%, or two prices like 1800-2200"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| *v > 0.0 && v.is_finite())
            .ok_or_else(|| format!("'{}' is not a positive price", s.trim()))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a == b {
        return Err("the two prices are equal: a range needs a lower and a higher price".into());
    }
    let unit = unit.ok_or("this pool has no price yet to set a range against")?;
    let tick = |shown: f64| (unit.raw(shown).ln() / 1.0001f64.ln()).round() as i32;
    Ok(RangeChoice::Ticks(tick(a), tick(b)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use alloy::primitives::U256;
    use vigil_defi_adapters::liquidity::Protocol;

    use super::*;

    fn v3_pool(usdc_first: bool) -> (Pool, TokenMeta) {
        let (weth, usdc) = (Address::repeat_byte(0xC0), Address::repeat_byte(0xA0));
        // 2,000 USDC per WETH: raw token1/token0 = 2000e6/1e18, or its inverse.
        let raw: f64 = if usdc_first { 1e18 / 2000e6 } else { 2000e6 / 1e18 };
        let sqrt = (raw.sqrt() * 2f64.powi(96)) as u128;
        let tokens = if usdc_first { vec![usdc, weth] } else { vec![weth, usdc] };
        let pool = Pool {
            protocol: Protocol::UniswapV3,
            reference: PoolRef::V3 { pool: Address::ZERO, fee: 3000, tick_spacing: 60 },
            tokens,
            balances: vec![],
            sqrt_price: Some(U256::from(sqrt)),
            tick: None,
            liquidity: 1,
            total_supply: U256::ZERO,
        };
        let meta = TokenMeta::from([(weth, ("WETH".into(), 18)), (usdc, ("USDC".into(), 6))]);
        (pool, meta)
    }

    #[test]
    fn prices_read_in_the_quote_token_whichever_token_sorts_first() {
        for usdc_first in [true, false] {
            let (pool, meta) = v3_pool(usdc_first);
            let unit = PriceUnit::of(&pool, &meta).unwrap();
            assert_eq!(unit.unit, "USDC per WETH");
            let shown = unit.shown(pool.raw_price().unwrap());
            assert!((shown - 2000.0).abs() < 0.01, "{shown}");
            assert!((unit.raw(2000.0) / pool.raw_price().unwrap() - 1.0).abs() < 1e-9);
            let RangeChoice::Ticks(a, b) = parse_range("1800-2200", Some(&unit)).unwrap() else {
                panic!()
            };
            let (lo, hi) = unit.range(a, b);
            assert!((lo - 1800.0).abs() < 1.0 && (hi - 2200.0).abs() < 1.0, "{lo} {hi}");
        }
    }

    #[test]
    fn ranges_parse_or_say_how_to_write_them() {
        assert_eq!(parse_range("full", None).unwrap(), RangeChoice::Full);
        assert_eq!(parse_range("±10%", None).unwrap(), RangeChoice::AroundPrice(0.1));
        assert!(parse_range("abc", None).unwrap_err().contains("two prices like 1800-2200"));
        assert!(parse_range("0%", None).unwrap_err().contains("out of range"));
        assert!(parse_range("5-5", None).unwrap_err().contains("equal"));
        assert_eq!(pool_id(&v3_pool(true).0), "uniswap-v3:3000");
        assert_eq!(price_text(2000.123456), "2,000.12");
        assert_eq!(price_text(0.000498123), "0.000498123");
    }
}
