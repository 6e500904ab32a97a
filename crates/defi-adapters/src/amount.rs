//! Amounts typed by people, turned into base units with the token's decimals.

use alloy::primitives::U256;

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Not a decimal number.
    #[error("'{0}' is not an amount: write a number like 1.5 or 1000")]
    NotANumber(String),
    /// Zero.
    #[error("the amount must be more than zero")]
    Zero,
    /// Negative.
    #[error("the amount must be positive, not '{0}'")]
    Negative(String),
    /// More decimals than the token has.
    #[error("'{amount}' has more decimals than {symbol} allows ({decimals})")]
    TooPrecise {
        /// The input.
        amount: String,
        /// The token.
        symbol: String,
        /// Its decimals.
        decimals: u8,
    },
    /// Larger than any token supply can be.
    #[error("'{0}' is too large")]
    TooLarge(String),
}

/// Parses "1.5" for a token with `decimals` into base units. Thousands separators (`,` or
/// `_`) are not accepted: "1,5" would be ambiguous.
pub fn parse_amount(input: &str, symbol: &str, decimals: u8) -> Result<U256, AmountError> {
    let s = input.trim();
    if s.starts_with('-') {
        return Err(AmountError::Negative(s.to_owned()));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(AmountError::NotANumber(s.to_owned()));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(decimals) {
        return Err(AmountError::TooPrecise {
            amount: s.to_owned(),
            symbol: symbol.to_owned(),
            decimals,
        });
    }
    let text = format!("{whole}{frac:0<width$}", width = usize::from(decimals));
    let text = text.trim_start_matches('0');
    let value = if text.is_empty() {
        U256::ZERO
    } else {
        text.parse::<U256>().map_err(|_| AmountError::TooLarge(s.to_owned()))?
    };
    if value.is_zero() {
        return Err(AmountError::Zero);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_decimals() {
        assert_eq!(
            parse_amount("1.5", "WETH", 18),
            Ok(U256::from(15u64) * U256::from(10u64).pow(U256::from(17)))
        );
        assert_eq!(parse_amount("1000", "USDC", 6), Ok(U256::from(1_000_000_000u64)));
        assert_eq!(parse_amount(".25", "USDC", 6), Ok(U256::from(250_000u64)));
        assert_eq!(parse_amount("0.000001", "USDC", 6), Ok(U256::from(1u64)));
        assert_eq!(parse_amount("2.50000000", "USDC", 6), Ok(U256::from(2_500_000u64)));
    }

    #[test]
    fn refuses_bad_amounts_specifically() {
        assert_eq!(parse_amount("0", "USDC", 6), Err(AmountError::Zero));
        assert_eq!(parse_amount("0.000", "USDC", 6), Err(AmountError::Zero));
        assert_eq!(parse_amount("-1", "USDC", 6), Err(AmountError::Negative("-1".into())));
        assert!(matches!(
            parse_amount("0.0000001", "USDC", 6),
            Err(AmountError::TooPrecise { decimals: 6, .. })
        ));
        for bad in ["", ".", "1,5", "1.2.3", "abc", "1e6", " "] {
            assert!(
                matches!(parse_amount(bad, "USDC", 6), Err(AmountError::NotANumber(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(parse_amount(&"9".repeat(90), "X", 18), Err(AmountError::TooLarge(_))));
    }
}
