//! Amounts and money as both sides write them.

/// "1234567.891" -> "1,234,567.891": separators in the whole part only, the digits after the
/// point kept exactly (amounts are never rounded by writing them).
pub fn group_thousands(amount: &str) -> String {
    let (sign, rest) = match amount.strip_prefix(['-', '+']) {
        Some(r) => (&amount[..1], r),
        None => ("", amount),
    };
    let (whole, frac) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 8);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A value in `currency` with separators, in the currency's minor unit (none for the yen):
/// "$1,234.56", "1,234.56 EUR", "183,452 JPY".
pub fn money(value: f64, currency: &str) -> String {
    let decimals = if currency == "JPY" { 0 } else { 2 };
    let rounded = format!("{:.decimals$}", value.abs());
    // No "-$0.00": a value that rounds to zero has no sign.
    let sign =
        if value < 0.0 && rounded.bytes().any(|b| matches!(b, b'1'..=b'9')) { "-" } else { "" };
    let text = group_thousands(&rounded);
    match currency {
        "USD" => format!("{sign}${text}"),
        other => format!("{sign}{text} {other}"),
    }
}

/// The user's currency: prices arrive in USD (the lending market's oracle) and are divided by
/// the currency's USD rate (a Chainlink fiat feed).
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    /// The currency code ("EUR").
    pub currency: String,
    /// US dollars per unit of it.
    pub usd_per_unit: f64,
}

impl Money {
    /// US dollars, as they come.
    pub fn usd() -> Self {
        Self { currency: "USD".into(), usd_per_unit: 1.0 }
    }

    /// `usd` in this currency.
    pub fn of(&self, usd: f64) -> f64 {
        usd / self.usd_per_unit
    }

    /// `usd` in this currency, written out: "1,234.56 EUR".
    pub fn show(&self, usd: f64) -> String {
        money(self.of(usd), &self.currency)
    }
}
