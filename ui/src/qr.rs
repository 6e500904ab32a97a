//! The receive view's QR code: the address alone (no payment URI), so any wallet can scan it.

use qrcode::{EcLevel, QrCode, render::svg};

/// An SVG of `text` as a QR code, or a note when it cannot be encoded.
pub(crate) fn svg(text: &str) -> String {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .dark_color(svg::Color("#0b1626"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(e) => format!("<p>cannot draw a QR code: {e}</p>"),
    }
}
