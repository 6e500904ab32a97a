//! The health-factor history chart: an inline SVG line over the readings the watcher kept, with
//! the liquidation line at 1.

use leptos::prelude::*;
use vigil_api::HealthPointView;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 120.0;
/// The chart's top: health factors above it are drawn at it (and no debt too).
const TOP: f64 = 3.0;

fn y(hf: Option<f64>) -> f64 {
    let h = hf.unwrap_or(TOP).clamp(0.0, TOP);
    HEIGHT - h / TOP * HEIGHT
}

/// The polyline's points for `history` (oldest first), spread evenly across the width.
pub(crate) fn points(history: &[HealthPointView]) -> String {
    let n = history.len();
    history
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if n <= 1 { WIDTH } else { i as f64 / (n - 1) as f64 * WIDTH };
            format!("{x:.1},{:.1}", y(p.health_factor))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The chart, or a note while there is too little history.
pub(crate) fn health_history(history: &[HealthPointView]) -> AnyView {
    if history.len() < 2 {
        return view! {
            <p class="muted chart-empty">"The health-factor history fills in as Vigil watches new blocks."</p>
        }
        .into_any();
    }
    let one = y(Some(1.0));
    view! {
        <figure class="chart">
            <svg class="hf-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none"
                role="img" aria-label="Health factor history">
                <line class="liq-line" x1="0" x2=WIDTH.to_string() y1=one.to_string() y2=one.to_string() />
                <polyline class="hf-line" points=points(history) />
            </svg>
            <figcaption class="muted">{format!("Health factor over the last {} blocks read (liquidation at 1)", history.len())}</figcaption>
        </figure>
    }
    .into_any()
}
