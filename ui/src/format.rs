//! How amounts, values, addresses and times are written on screen.

pub(crate) use vigil_api::group_thousands as group;

/// An amount for a balance line: at most 6 decimals, grouped.
pub(crate) fn amount(exact: &str) -> String {
    let trimmed = match exact.split_once('.') {
        Some((w, f)) if f.len() > 6 => {
            let f = f[..6].trim_end_matches('0');
            if f.is_empty() { w.to_owned() } else { format!("{w}.{f}") }
        }
        _ => exact.to_owned(),
    };
    group(&trimmed)
}

/// A health factor: two decimals, or ∞ without debt.
pub(crate) fn health(hf: Option<f64>) -> String {
    hf.map_or_else(|| "∞".to_owned(), |h| format!("{h:.2}"))
}

/// "0x1234…abcd" for addresses and hashes.
pub(crate) fn short(s: &str) -> String {
    if s.chars().count() > 14 {
        let head: String = s.chars().take(6).collect();
        let tail: String = s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{head}…{tail}")
    } else {
        s.to_owned()
    }
}

/// A percentage from a fraction: 0.253 -> "25.3%".
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Seconds since the epoch, as the local date and time.
pub(crate) fn time(unix: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    String::from(date.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_and_shortened() {
        assert_eq!(group("1234567.891"), "1,234,567.891");
        assert_eq!(group("-2480"), "-2,480");
        assert_eq!(amount("9999.123456789"), "9,999.123456");
        assert_eq!(amount("100.100000009"), "100.1");
        assert_eq!(short("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), "0xf39F…2266");
        assert_eq!(health(None), "∞");
    }
}
