//! The dashboard: the total, lending positions with their health and history, liquidity
//! positions, and every visible account's balances on the chosen network and cluster.

use vigil_api::{Dashboard, DashboardRequest, PositionView, money};

use super::*;

pub(super) fn dashboard(shared: Shared) -> impl IntoView {
    let data = load_for::<_, Dashboard>(
        commands::DASHBOARD,
        move || {
            let (network, solana_network) = (shared.network(), shared.solana_network());
            (!network.is_empty()).then_some(DashboardRequest { network, solana_network })
        },
        shared.refresh,
    );
    let liquidity = load_for::<_, vigil_api::LiquidityPositions>(
        commands::LIQUIDITY_POSITIONS,
        move || {
            let network = shared.network();
            (!network.is_empty()).then_some(vigil_api::LiquidityRequest { network, account: None })
        },
        shared.refresh,
    );
    // Which listing's receive code is open ("network/address"): kept here, so a reload (every
    // block) does not close it.
    let receiving = RwSignal::new(None::<String>);
    view! {
        <section class="dashboard">
            <div class="heading">
                <h1>"Dashboard"</h1>
                <button class="small" id="refresh" on:click=move |_| shared.refresh.update(|r| *r += 1)>"Refresh"</button>
            </div>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(d) => dashboard_view(d, shared, receiving).into_any(),
            }}
            <h2>"Liquidity"</h2>
            <div id="dashboard-liquidity">
                {move || match liquidity.get() {
                    Load::Loading => loading(),
                    Load::Failed(e) => failed(e),
                    Load::Ready(p) => super::liquidity::positions_view(p, None).into_any(),
                }}
            </div>
        </section>
    }
}

fn dashboard_view(
    d: Dashboard,
    shared: Shared,
    receiving: RwSignal<Option<String>>,
) -> impl IntoView {
    let currency = d.currency.clone();
    let total = d.total_value.map_or("—".to_owned(), |v| money(v, &currency));
    let positions = if d.positions.is_empty() {
        view! { <p class="muted empty" id="no-positions">"No lending positions on this network. Supply on the Lend screen to open one."</p> }.into_any()
    } else {
        d.positions.iter().map(|p| position_card(p, &currency, shared)).collect_view().into_any()
    };
    let accounts = d
        .balances
        .iter()
        .map(|b| {
            let address = b.account.address.clone();
            let copied = RwSignal::new(false);
            let copy_address = address.clone();
            let copy = move |_| {
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&copy_address);
                    copied.set(true);
                }
            };
            let holdings = if let Some(e) = &b.error {
                view! { <p class="error small-error">{e.clone()}</p> }.into_any()
            } else {
                let currency = currency.clone();
                b.holdings
                    .iter()
                    .map(|h| {
                        let value = h.value.map(|v| money(v, &currency)).unwrap_or_default();
                        view! {
                            <li class="holding" data-symbol=h.symbol.clone()>
                                <span class="amount">{format::amount(&h.amount)}</span>
                                <span class="symbol">{h.symbol.clone()}</span>
                                <span class="value muted">{value}</span>
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any()
            };
            let qr_address = address.clone();
            // One account can be listed once per network: each listing has its own code.
            let listing = format!("{}/{address}", b.network);
            let shown = listing.clone();
            let show_qr = move || receiving.get().as_deref() == Some(shown.as_str());
            let toggle_qr = move |_| {
                receiving.update(|r| {
                    *r = if r.as_deref() == Some(listing.as_str()) { None } else { Some(listing.clone()) }
                });
            };
            view! {
                <li class="account" data-chain=b.account.chain.as_str() data-address=address.clone() data-network=b.network.clone()>
                    <div class="account-head">
                        <span class=format!("chain chain-{}", b.account.chain)>{b.account.chain.as_str()}</span>
                        <span class="account-name">{b.account.name.clone()}</span>
                        <span class="muted network-name">{b.network.clone()}</span>
                        <span class="account-value">{b.value.map(|v| money(v, &currency)).unwrap_or_default()}</span>
                    </div>
                    <code class="address" title=address.clone()>{address.clone()}</code>
                    <ul class="holdings">{holdings}</ul>
                    <div class="account-foot">
                        <span class="muted path">{b.account.path.clone().unwrap_or_default()}</span>
                        <span>
                            <button class="small receive-toggle" on:click=toggle_qr>"Receive"</button>
                            " "
                            <button class="small" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy address" }}</button>
                        </span>
                    </div>
                    {move || show_qr().then(|| {
                        let svg = crate::qr::svg(&qr_address);
                        view! {
                            <div class="receive">
                                <div class="qr" inner_html=svg></div>
                                <p class="muted">"Send only " {b_chain_hint(&qr_address)} " to this address."</p>
                            </div>
                        }
                    })}
                </li>
            }
        })
        .collect_view();
    let errors = d
        .errors
        .iter()
        .map(|e| view! { <li class="network-error">{e.clone()}</li> })
        .collect_view();
    view! {
        <div class="total card">
            <span class="muted">"Total value"</span>
            <span class="total-value" id="total-value">{total}</span>
        </div>
        <ul class="network-errors muted">{errors}</ul>
        <h2>"Positions"</h2>
        <div class="positions" id="positions">{positions}</div>
        <h2>"Accounts"</h2>
        <ul class="accounts" id="accounts">{accounts}</ul>
    }
}

fn b_chain_hint(address: &str) -> &'static str {
    if address.starts_with("0x") { "Ethereum-network assets" } else { "Solana assets" }
}

/// The gauge maps a health factor onto 0..3 (beyond 3 is comfortably safe).
fn gauge_percent(hf: Option<f64>) -> f64 {
    hf.map_or(100.0, |h| (h / 3.0 * 100.0).clamp(0.0, 100.0))
}

fn position_card(p: &PositionView, currency: &str, shared: Shared) -> impl IntoView {
    let key = p.key.clone();
    let focused = move || shared.focus.get().as_deref() == Some(key.as_str());
    let assets = p
        .assets
        .iter()
        .map(|a| {
            // The direction says which move liquidates: a collateral's fall, a debt's rise.
            let liq = a.liquidation_price.map_or("—".to_owned(), |v| {
                format!("{} {}", money(v, currency), if a.liquidates_on_rise { "↑" } else { "↓" })
            });
            view! {
                <tr>
                    <td>{a.symbol.clone()}</td>
                    <td>{format::amount(&a.supplied)}</td>
                    <td>{format::amount(&a.debt)}</td>
                    <td>{money(a.price, currency)}</td>
                    <td class="liq-price">{liq}</td>
                </tr>
            }
        })
        .collect_view();
    let distance = p.distance_to_liquidation.map_or("no debt".to_owned(), |d| {
        format!("{} against it (collateral down, debt up) before liquidation", format::percent(d))
    });
    view! {
        <article class=move || if focused() { "card position focused" } else { "card position" }
            data-key=p.key.clone() data-level=p.level.as_str()>
            <div class="position-head">
                <strong>{format!("{} · {}", p.protocol, p.network)}</strong>
                <span class="muted">{format::short(&p.account)}</span>
                <span class=format!("level level-{}", p.level.as_str())>{p.level.as_str()}</span>
            </div>
            <div class="gauge-row">
                <div class="gauge" title="Health factor: liquidation at 1">
                    <div class="gauge-fill" style=format!("width: {:.1}%", gauge_percent(p.health_factor))></div>
                    <div class="gauge-one"></div>
                </div>
                <span class="hf-value">"Health factor "<strong class="hf">{format::health(p.health_factor)}</strong></span>
                {p.liquidation_probability.map(|chance| view! {
                    <span class="liq-chance" title="The chance of liquidation within 24 hours at each asset's realized volatility, read from its price feed (an upper bound: every asset moving against the position together)">
                        {format!("{} chance of liquidation in 24 h", vigil_api::describe_chance(chance))}
                    </span>
                })}
            </div>
            <p class="muted distance">{distance}</p>
            {p.unmodelled.clone().map(|why| view! { <p class="unmodelled">{format!("Careful: {why}.")}</p> })}
            {p.stale_feeds.iter().map(|feed| view! { <p class="stale-feed">{format!("Careful: {feed}.")}</p> }).collect_view()}
            {(!p.rules.is_empty()).then(|| {
                let rules = p.rules.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view();
                view! { <ul class="market-rules">{rules}</ul> }
            })}
            {(is_lending(&p.key) && p.health_factor.is_some()).then(|| {
                let key = p.key.clone();
                view! {
                    <button class="small reduce-risk" on:click=move |_| shared.protect.set(Some(key.clone()))>
                        "Reduce risk"
                    </button>
                }
            })}
            <dl class="details">
                <dt>"Collateral"</dt><dd>{money(p.collateral, currency)}</dd>
                <dt>"Debt"</dt><dd>{money(p.debt, currency)}</dd>
                <dt>"Can borrow"</dt><dd>{money(p.available, currency)}</dd>
            </dl>
            <table class="assets">
                <thead><tr><th>"Asset"</th><th>"Supplied"</th><th>"Owed"</th><th>"Price"</th><th>"Liquidation price"</th></tr></thead>
                <tbody>{assets}</tbody>
            </table>
            {crate::chart::health_history(&p.history)}
        </article>
    }
}
