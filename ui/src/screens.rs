//! The wallet once it exists: dashboard, swap, lend, activity, alerts and settings, the lock
//! screen, and the alerts that arrive from the watcher.

use leptos::{prelude::*, task::spawn_local};
use serde::Deserialize;
use vigil_api::{
    Account, ActivityItem, Alerts, Dashboard, LedgerAddRequest, LedgerStatus, LedgerVerifyRequest,
    LendForm, LockState, MarketRow, PositionView, Preview, ReplaceForm, SendForm, Settings,
    SolanaForm, SolanaStaking, SwapForm, SwapQuote, TxProgress, UnlockRequest, commands, events,
    money,
};

use crate::{
    format,
    ipc::{NoArgs, Request, call, listen},
    preview,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Dashboard,
    Send,
    Swap,
    Lend,
    Activity,
    Alerts,
    Solana,
    Ledger,
    Settings,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str); 9] = [
        (Tab::Dashboard, "nav-dashboard", "Dashboard"),
        (Tab::Send, "nav-send", "Send"),
        (Tab::Swap, "nav-swap", "Swap"),
        (Tab::Lend, "nav-lend", "Lend"),
        (Tab::Activity, "nav-activity", "Activity"),
        (Tab::Alerts, "nav-alerts", "Alerts"),
        (Tab::Solana, "nav-solana", "Solana"),
        (Tab::Ledger, "nav-ledger", "Ledger"),
        (Tab::Settings, "nav-settings", "Settings"),
    ];
}

/// What a screen's data is doing.
#[derive(Clone, PartialEq)]
enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// Loads `command` into a signal now and whenever `refresh` changes.
fn load<T: serde::de::DeserializeOwned + Clone + PartialEq + Send + Sync + 'static>(
    command: &'static str,
    refresh: RwSignal<u32>,
) -> RwSignal<Load<T>> {
    let data = RwSignal::new(Load::Loading);
    Effect::new(move |_| {
        refresh.track();
        spawn_local(async move {
            let loaded = match call::<_, T>(command, &NoArgs {}).await {
                Ok(v) => Load::Ready(v),
                Err(e) => Load::Failed(e.message),
            };
            // The same answer again (a block that changed nothing here) rebuilds nothing. The
            // screen may have been left meanwhile: its signal is gone, and so is the answer.
            if data.try_with_untracked(|d| *d != loaded) == Some(true) {
                data.set(loaded);
            }
        });
    });
    data
}

/// A monitor event as the window needs it (alerts and blocks).
#[derive(Clone, Deserialize)]
struct MonitorPayload {
    event: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

/// State every screen shares.
#[derive(Clone, Copy)]
struct Shared {
    lock: RwSignal<Option<LockState>>,
    progress: RwSignal<Vec<TxProgress>>,
    /// Bumped on every new block and every finished transaction: screens reload.
    refresh: RwSignal<u32>,
    /// The position "Open position" asked for.
    focus: RwSignal<Option<String>>,
}

/// The app once a wallet exists.
pub(crate) fn main_app() -> impl IntoView {
    let tab = RwSignal::new(Tab::Dashboard);
    let shared = Shared {
        lock: RwSignal::new(None),
        progress: RwSignal::new(vec![]),
        refresh: RwSignal::new(0),
        focus: RwSignal::new(None),
    };
    let toast = RwSignal::new(None::<MonitorPayload>);
    spawn_local(async move {
        if let Ok(state) = call::<_, LockState>(commands::LOCK_STATE, &NoArgs {}).await {
            shared.lock.set(Some(state));
        }
    });
    listen(events::LOCKED, move |state: LockState| {
        // The same state again (the timer and the tray both report a lock) is no change: the
        // lock screen is not rebuilt under the user's typing.
        if shared.lock.get_untracked() != Some(state) {
            shared.lock.set(Some(state));
        }
    });
    let locked = Memo::new(move |_| shared.lock.get().is_some_and(|l| l.locked));
    listen(events::TX_PROGRESS, move |p: TxProgress| {
        shared.progress.update(|all| all.push(p));
    });
    listen(events::MONITOR, move |m: MonitorPayload| match m.event.as_str() {
        "alert" => {
            toast.set(Some(m));
            shared.refresh.update(|r| *r += 1);
        }
        "tick" => shared.refresh.update(|r| *r += 1),
        _ => {}
    });
    listen(events::OPEN_POSITION, move |key: String| {
        shared.focus.set(Some(key));
        tab.set(Tab::Dashboard);
    });
    let nav = Tab::ALL
        .iter()
        .map(|&(t, id, label)| {
            view! {
                <button id=id class=move || if tab.get() == t { "nav-item active" } else { "nav-item" }
                    on:click=move |_| tab.set(t)>{label}</button>
            }
        })
        .collect_view();
    let lock_now = move |_| {
        spawn_local(async move {
            if let Ok(state) = call::<_, LockState>(commands::LOCK, &NoArgs {}).await {
                shared.lock.set(Some(state));
            }
        });
    };
    view! {
        <div class="layout">
            <nav class="sidebar">
                {nav}
                <button id="lock" class="nav-item lock" on:click=lock_now>"Lock"</button>
            </nav>
            <div class="main">
                {move || toast.get().map(|t| {
                    let level = t.level.clone().unwrap_or_default();
                    let key = t.key.clone();
                    view! {
                        <div class=format!("toast {level}") id="toast" role="alert">
                            <strong>{t.title.clone().unwrap_or_default()}</strong>
                            <p>{t.body.clone().unwrap_or_default()}</p>
                            <div class="actions">
                                <button class="small" id="toast-open" on:click=move |_| {
                                    shared.focus.set(key.clone());
                                    tab.set(Tab::Dashboard);
                                    toast.set(None);
                                }>"Open position"</button>
                                <button class="small" on:click=move |_| toast.set(None)>"Dismiss"</button>
                            </div>
                        </div>
                    }
                })}
                // The screen stays mounted under the lock: unlocking returns to the form or
                // preview the user was on, as they left it.
                {move || {
                    match tab.get() {
                        Tab::Dashboard => dashboard(shared).into_any(),
                        Tab::Send => send(shared).into_any(),
                        Tab::Swap => swap(shared).into_any(),
                        Tab::Ledger => ledger(shared).into_any(),
                        Tab::Solana => solana(shared).into_any(),
                        Tab::Lend => lend(shared).into_any(),
                        Tab::Activity => activity(shared).into_any(),
                        Tab::Alerts => alerts(shared).into_any(),
                        Tab::Settings => settings(shared).into_any(),
                    }
                }}
            </div>
            {move || locked.get().then(|| view! { <div class="lock-overlay">{lock_screen(shared)}</div> })}
        </div>
    }
}

fn failed(message: String) -> AnyView {
    view! { <p class="error" id="error" role="alert">{message}</p> }.into_any()
}

fn loading() -> AnyView {
    view! { <p class="muted loading" id="loading">"Loading…"</p> }.into_any()
}

fn lock_screen(shared: Shared) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let request = UnlockRequest { password: password.get_untracked() };
            match call::<_, LockState>(commands::UNLOCK, &Request { request: &request }).await {
                Ok(state) => {
                    password.set(String::new());
                    shared.lock.set(Some(state));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card locked" id="lock-screen">
            <h1>"Vigil is locked"</h1>
            <p class="muted">"Your positions are still watched. Enter your password to see balances and sign."</p>
            <form class="form" on:submit=unlock>
                <label for="unlock-password">"Password"</label>
                <input type="password" id="unlock-password" autocomplete="current-password"
                    bind:value=password />
                <div class="actions">
                    <button class="primary" id="unlock" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Unlocking…" } else { "Unlock" }}
                    </button>
                </div>
            </form>
            {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
        </section>
    }
}

fn dashboard(shared: Shared) -> impl IntoView {
    let data = load::<Dashboard>(commands::DASHBOARD, shared.refresh);
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
        view! { <p class="muted empty" id="no-positions">"No lending positions. Supply on the Lend screen to open one."</p> }.into_any()
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
                <li class="account" data-chain=b.account.chain.clone() data-address=address.clone()>
                    <div class="account-head">
                        <span class=format!("chain chain-{}", b.account.chain)>{b.account.chain.clone()}</span>
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
    let errors = d.errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view();
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
            let liq = a.liquidation_price.map_or("—".to_owned(), |v| money(v, currency));
            view! {
                <tr>
                    <td>{a.symbol.clone()}</td>
                    <td>{format::amount(&a.supplied)}</td>
                    <td>{format::amount(&a.debt)}</td>
                    <td>{money(a.price, currency)}</td>
                    <td class="liq-price">{if a.collateral { liq } else { "—".to_owned() }}</td>
                </tr>
            }
        })
        .collect_view();
    let distance = p.distance_to_liquidation.map_or("no debt".to_owned(), |d| {
        format!("collateral can fall {} before liquidation", format::percent(d))
    });
    view! {
        <article class=move || if focused() { "card position focused" } else { "card position" }
            data-key=p.key.clone() data-level=p.level.clone()>
            <div class="position-head">
                <strong>{format!("{} · {}", p.protocol, p.network)}</strong>
                <span class="muted">{format::short(&p.account)}</span>
                <span class=format!("level level-{}", p.level)>{p.level.clone()}</span>
            </div>
            <div class="gauge-row">
                <div class="gauge" title="Health factor: liquidation at 1">
                    <div class="gauge-fill" style=format!("width: {:.1}%", gauge_percent(p.health_factor))></div>
                    <div class="gauge-one"></div>
                </div>
                <span class="hf-value">"Health factor "<strong class="hf">{format::health(p.health_factor)}</strong></span>
            </div>
            <p class="muted distance">{distance}</p>
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

/// The symbols a swap can use: the native coin and the market's tokens.
fn swap_symbols(markets: &[MarketRow]) -> Vec<String> {
    let mut out = vec!["ETH".to_owned()];
    out.extend(markets.iter().map(|m| m.symbol.clone()));
    out
}

fn select(id: &'static str, options: Vec<String>, value: RwSignal<String>) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|o| {
            let selected = o == value.get_untracked();
            view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
        })
        .collect_view();
    view! {
        <select id=id on:change=move |ev| value.set(event_target_value(&ev))>{options}</select>
    }
}

/// A form's preview: the preview panel once there is one, and its errors.
#[derive(Clone, Copy)]
struct PreviewSlot {
    preview: RwSignal<Option<Preview>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl PreviewSlot {
    fn new() -> Self {
        Self {
            preview: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    fn request<R: serde::Serialize + 'static>(self, command: &'static str, request: R) {
        self.busy.set(true);
        self.error.set(None);
        self.preview.set(None);
        spawn_local(async move {
            match call::<_, Preview>(command, &Request { request: &request }).await {
                Ok(p) => self.preview.set(Some(p)),
                Err(e) => self.error.set(Some(e.message)),
            }
            self.busy.set(false);
        });
    }

    /// A form's submit handler: previews what `form` builds from the fields.
    fn on_submit<R: serde::Serialize + 'static>(
        self,
        command: &'static str,
        form: impl Fn() -> R + Copy + 'static,
    ) -> impl Fn(leptos::ev::SubmitEvent) + Copy + 'static {
        move |ev| {
            ev.prevent_default();
            self.request(command, form());
        }
    }

    fn view(self, shared: Shared) -> impl IntoView {
        view! {
            {move || self.error.get().map(|e| view! { <p class="error" id="form-error" role="alert">{e}</p> })}
            {move || self.busy.get().then(|| view! { <p class="muted loading">"Simulating…"</p> })}
            {move || self.preview.get().map(|p| preview::panel(p, shared.lock, shared.progress, move || {
                shared.refresh.update(|r| *r += 1);
            }))}
        }
    }
}

fn swap(shared: Shared) -> impl IntoView {
    let markets = load::<Vec<MarketRow>>(commands::MARKETS, RwSignal::new(0));
    let from = RwSignal::new("ETH".to_owned());
    let to = RwSignal::new("USDC".to_owned());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let form = move || SwapForm {
        account: None,
        from: from.get(),
        to: to.get(),
        amount: amount.get(),
        slippage_percent: None,
    };
    let quote = live_quote(form, shared.refresh);
    let submit = slot.on_submit(commands::PREVIEW_SWAP, form);
    view! {
        <section class="swap">
            <h1>"Swap"</h1>
            {move || match markets.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(m) => {
                    let symbols = swap_symbols(&m);
                    view! {
                        <form class="card form inline-form" on:submit=submit>
                            <label for="swap-from">"You pay"</label>
                            {select("swap-from", symbols.clone(), from)}
                            <label for="swap-amount">"Amount"</label>
                            <input id="swap-amount" inputmode="decimal" placeholder="0.0"
                                bind:value=amount />
                            <label for="swap-to">"You receive"</label>
                            {select("swap-to", symbols, to)}
                            {quote_view(quote)}
                            <div class="actions">
                                <button class="primary" id="swap-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                            </div>
                        </form>
                    }.into_any()
                }
            }}
            {slot.view(shared)}
        </section>
    }
}

/// How long the amount must stay unchanged before it is quoted: one quote per pause in
/// typing, not one per key.
const QUOTE_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

/// The swap's quote, kept current as the form changes and on every new block. Only the answer
/// to the latest form is shown: a slower answer to an older one is dropped, and so is any answer
/// once the screen is left (its signals are gone).
fn live_quote(form: impl Fn() -> SwapForm + 'static, blocks: RwSignal<u32>) -> QuoteSlot {
    let slot = QuoteSlot { quote: RwSignal::new(None), stale: RwSignal::new(false) };
    let latest = StoredValue::new(0u64);
    let is_latest = move |asked: u64| latest.try_get_value() == Some(asked);
    let previous = StoredValue::new(None::<SwapForm>);
    Effect::new(move |_| {
        let form = form();
        blocks.track();
        // A new block requotes the same form quietly; a changed form marks the old quote.
        let changed = previous.try_get_value().flatten().as_ref() != Some(&form);
        previous.set_value(Some(form.clone()));
        latest.update_value(|n| *n += 1);
        let asked = latest.get_value();
        if form.amount.trim().is_empty() {
            slot.quote.set(None);
            return;
        }
        if changed {
            slot.stale.set(true);
        }
        set_timeout(
            move || {
                if !is_latest(asked) {
                    return;
                }
                spawn_local(async move {
                    let answer =
                        call::<_, SwapQuote>(commands::QUOTE_SWAP, &Request { request: &form })
                            .await
                            .map_err(|e| e.message);
                    if is_latest(asked) {
                        slot.quote.set(Some(answer));
                        slot.stale.set(false);
                    }
                });
            },
            QUOTE_AFTER,
        );
    });
    slot
}

/// The live quote and whether the form has changed since it was made.
#[derive(Clone, Copy)]
struct QuoteSlot {
    quote: RwSignal<Option<Result<SwapQuote, String>>>,
    stale: RwSignal<bool>,
}

fn quote_view(slot: QuoteSlot) -> impl IntoView {
    move || {
        let stale = slot.stale.get();
        let class = if stale { "quote stale" } else { "quote" };
        slot.quote.get().map(|q| match q {
            Ok(q) => view! {
                <div class=class id="swap-quote" aria-busy=stale.to_string()>
                    <p><span class="muted">"You get about "</span><strong id="swap-quote-receive">{q.receive}</strong></p>
                    <p class="muted">
                        <span id="swap-quote-rate">{q.rate}</span>" · "{q.route}
                        {q.price_impact.map(|i| format!(" · price impact {i}"))}
                        " · at least "{q.min_receive}
                    </p>
                    {q.runner_up.map(|r| view! { <p class="muted">"Next best: "{r}</p> })}
                    {q.shortfall.map(|s| view! { <p class="error" id="swap-shortfall">"Not enough to swap: "{s}</p> })}
                </div>
            }.into_any(),
            Err(e) => view! { <p class=format!("error {class}") id="swap-quote-error">{e}</p> }.into_any(),
        })
    }
}

fn lend(shared: Shared) -> impl IntoView {
    // Loaded once: a new block must not rebuild the form under the user's typing.
    let markets = load::<Vec<MarketRow>>(commands::MARKETS, RwSignal::new(0));
    let action = RwSignal::new("supply".to_owned());
    let asset = RwSignal::new("WETH".to_owned());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let submit = slot.on_submit(commands::PREVIEW_LEND, move || LendForm {
        account: None,
        action: action.get_untracked(),
        asset: asset.get_untracked(),
        amount: amount.get_untracked(),
    });
    view! {
        <section class="lend">
            <h1>"Lend on Aave"</h1>
            {move || match markets.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(m) => {
                    let rows = m.iter().map(|r| view! {
                        <tr data-symbol=r.symbol.clone()>
                            <td>{r.symbol.clone()}</td>
                            <td>{format::percent(r.supply_apy)}</td>
                            <td>{if r.borrowable { format::percent(r.borrow_apy) } else { "—".to_owned() }}</td>
                            <td>{money(r.price, &r.currency)}</td>
                            <td>{if r.collateral { "yes" } else { "no" }}</td>
                        </tr>
                    }).collect_view();
                    let symbols: Vec<String> = m.iter().map(|r| r.symbol.clone()).collect();
                    view! {
                        <table class="card markets" id="markets">
                            <thead><tr><th>"Asset"</th><th>"Supply APY"</th><th>"Borrow APY"</th><th>"Price"</th><th>"Collateral"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        <form class="card form inline-form" on:submit=submit>
                            <label for="lend-action">"Action"</label>
                            {select("lend-action", ["supply", "withdraw", "borrow", "repay"].map(String::from).to_vec(), action)}
                            <label for="lend-asset">"Asset"</label>
                            {select("lend-asset", symbols, asset)}
                            <label for="lend-amount">"Amount (or max)"</label>
                            <input id="lend-amount" inputmode="decimal" placeholder="0.0"
                                bind:value=amount />
                            <div class="actions">
                                <button class="primary" id="lend-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                            </div>
                        </form>
                    }.into_any()
                }
            }}
            {slot.view(shared)}
        </section>
    }
}

fn activity(shared: Shared) -> impl IntoView {
    let data = load::<Vec<ActivityItem>>(commands::ACTIVITY, shared.refresh);
    let slot = PreviewSlot::new();
    view! {
        <section class="activity">
            <h1>"Activity"</h1>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(items) if items.is_empty() => view! {
                    <p class="muted empty" id="no-activity">"No transactions yet. Swaps, lending and transfers you sign appear here."</p>
                }.into_any(),
                Load::Ready(items) => view! {
                    <ul class="txs" id="activity">
                        {items.into_iter().map(|t| {
                            let pending = t.status == "pending";
                            let (speed, cancel) = (t.hash.clone(), t.hash.clone());
                            view! {
                                <li class=format!("tx card status-{}", t.status) data-hash=t.hash.clone()>
                                    <div class="tx-head">
                                        <strong class="tx-label">{t.label.clone()}</strong>
                                        <span class=format!("status {}", t.status)>{t.status.clone()}</span>
                                    </div>
                                    <p class="muted">
                                        {format!("{} · nonce {} · {} · {}", t.network, t.nonce, format::short(&t.hash), format::time(t.sent_at))}
                                        {t.block.map(|b| format!(" · block {b}"))}
                                    </p>
                                    {pending.then(|| view! {
                                        <div class="actions">
                                            <button class="small speed-up" on:click=move |_| slot.request(commands::PREVIEW_REPLACE, ReplaceForm { hash: speed.clone(), cancel: false })>"Speed up"</button>
                                            <button class="small cancel" on:click=move |_| slot.request(commands::PREVIEW_REPLACE, ReplaceForm { hash: cancel.clone(), cancel: true })>"Cancel"</button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {slot.view(shared)}
        </section>
    }
}

fn alerts(shared: Shared) -> impl IntoView {
    // The rules load once (a new block must not reset a threshold being typed); the history
    // follows every block and alert.
    let data = load::<Alerts>(commands::ALERTS, RwSignal::new(0));
    let history = load::<Alerts>(commands::ALERTS, shared.refresh);
    let saved = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let save = move |form: vigil_api::RuleForm| {
        saved.set(None);
        error.set(None);
        spawn_local(async move {
            match call::<_, Alerts>(commands::SAVE_RULE, &Request { request: &form }).await {
                Ok(a) => {
                    data.set(Load::Ready(a));
                    saved.set(Some("Saved: positions are watched with the new rule.".into()));
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="alerts">
            <h1>"Alerts"</h1>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(a) => {
                    let with_rules: Vec<String> = a.rules.iter().filter_map(|r| r.account.clone()).collect();
                    let without: Vec<String> = a.accounts.iter().filter(|x| !with_rules.iter().any(|w| w.eq_ignore_ascii_case(x))).cloned().collect();
                    view! {
                        <h2>"Rules"</h2>
                        <p class="muted">"A position is a warning below the first health factor and critical below the second. Positions are watched every block, also with the window closed."</p>
                        <div class="rules" id="rules">
                            {a.rules.iter().map(|r| rule_row(r, save)).collect_view()}
                        </div>
                        {(!without.is_empty()).then(|| {
                            let chosen = RwSignal::new(without[0].clone());
                            let base = a.rules.first().map_or((1.5, 1.2), |r| (r.warning, r.critical));
                            view! {
                                <div class="actions">
                                    {select("rule-account", without.clone(), chosen)}
                                    <button class="small" id="add-rule" on:click=move |_| save(vigil_api::RuleForm {
                                        account: Some(chosen.get_untracked()), warning: base.0, critical: base.1, remove: false,
                                    })>"Add a rule for this account"</button>
                                </div>
                            }
                        })}
                        {move || saved.get().map(|m| view! { <p class="done" id="rule-saved">{m}</p> })}
                        {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
                    }.into_any()
                }
            }}
            <h2>"History"</h2>
            {move || match history.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(a) => view! {
                        {if a.history.is_empty() {
                            view! { <p class="muted empty" id="no-alerts">"No alerts yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="alert-history" id="alert-history">
                                    {a.history.iter().map(|h| view! {
                                        <li class=format!("card alert level-{}", h.level) data-key=h.key.clone()>
                                            <div class="tx-head"><strong>{h.title.clone()}</strong><span class="muted">{format::time(h.at)}</span></div>
                                            <p>{h.body.clone()}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                }.into_any(),
            }}
        </section>
    }
}

/// One rule, editable: its two thresholds, save, and remove for an account's own rule.
fn rule_row(
    r: &vigil_api::RuleView,
    save: impl Fn(vigil_api::RuleForm) + Copy + 'static,
) -> impl IntoView {
    let warning = RwSignal::new(format!("{}", r.warning));
    let critical = RwSignal::new(format!("{}", r.critical));
    let account = r.account.clone();
    let form = move |remove: bool| -> Option<vigil_api::RuleForm> {
        Some(vigil_api::RuleForm {
            account: account.clone(),
            warning: warning.get_untracked().trim().parse().ok()?,
            critical: critical.get_untracked().trim().parse().ok()?,
            remove,
        })
    };
    let (save_form, remove_form) = (form.clone(), form);
    view! {
        <div class="card rule inline-form form" data-scope=r.scope.clone()>
            <strong class="rule-scope">{r.scope.clone()}</strong><span></span>
            <label>"Warning below"</label>
            <input class="rule-warning" inputmode="decimal" bind:value=warning />
            <label>"Critical below"</label>
            <input class="rule-critical" inputmode="decimal" bind:value=critical />
            <div class="actions">
                <button class="small save-rule" on:click=move |_| if let Some(f) = save_form(false) { save(f) }>"Save"</button>
                {r.account.is_some().then(|| view! {
                    <button class="small remove-rule" on:click=move |_| if let Some(f) = remove_form(true) { save(f) }>"Remove"</button>
                })}
            </div>
        </div>
    }
}

fn settings(shared: Shared) -> impl IntoView {
    // Loaded once: a new block must not reset what the user is editing.
    let data = load::<Settings>(commands::SETTINGS, RwSignal::new(0));
    view! {
        <section class="settings">
            <h1>"Settings"</h1>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(s) => settings_form(s, shared).into_any(),
            }}
        </section>
    }
}

/// One network being edited: its URLs one per line.
#[derive(Clone, Copy)]
struct NetworkRow {
    name: RwSignal<String>,
    chain_id: RwSignal<String>,
    urls: RwSignal<String>,
    tested: RwSignal<Vec<String>>,
}

impl NetworkRow {
    fn new(name: &str, chain_id: u64, urls: &[String]) -> Self {
        Self {
            name: RwSignal::new(name.to_owned()),
            chain_id: RwSignal::new(if chain_id == 0 {
                String::new()
            } else {
                chain_id.to_string()
            }),
            urls: RwSignal::new(urls.join("\n")),
            tested: RwSignal::new(vec![]),
        }
    }

    fn urls(&self) -> Vec<String> {
        self.urls
            .get_untracked()
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Tests every URL against the chain id, one line of result each.
    fn test(self) {
        let chain_id = self.chain_id.get_untracked().trim().parse::<u64>().unwrap_or(0);
        self.tested.set(vec!["Testing…".into()]);
        let urls = self.urls();
        spawn_local(async move {
            let mut out = vec![];
            for url in urls {
                let request = vigil_api::RpcTestRequest { url: url.clone(), chain_id };
                out.push(
                    match call::<_, vigil_api::RpcTest>(
                        commands::TEST_RPC,
                        &Request { request: &request },
                    )
                    .await
                    {
                        Ok(t) => format!(
                            "✓ {url}: chain {}, block {}, {} ms",
                            t.chain_id, t.block, t.latency_ms
                        ),
                        Err(e) => format!("✗ {}", e.message),
                    },
                );
            }
            self.tested.set(out);
        });
    }
}

fn settings_form(s: Settings, shared: Shared) -> impl IntoView {
    // Minutes as the user thinks of them; 90 s shows as 1.5, so saving never changes it.
    let minutes = RwSignal::new(format!("{}", s.lock_after_secs as f64 / 60.0));
    let currency = RwSignal::new(s.currency.clone());
    let slippage = RwSignal::new(s.slippage_percent.to_string());
    let notify = RwSignal::new(s.notify_level.clone());
    let rows = RwSignal::new(
        s.networks
            .iter()
            .map(|n| NetworkRow::new(&n.name, n.chain_id, &n.rpc_urls))
            .collect::<Vec<_>>(),
    );
    let saved = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        error.set(None);
        let Some(minutes) = minutes
            .get_untracked()
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m >= 0.0 && *m <= 1e6)
        else {
            error.set(Some("The lock timeout is a number of minutes, like 5.".into()));
            return;
        };
        let Ok(slippage) = slippage.get_untracked().trim().parse::<f64>() else {
            error.set(Some("The slippage is a percentage, like 0.5.".into()));
            return;
        };
        let mut networks = vec![];
        for r in rows.get_untracked() {
            if r.name.get_untracked().trim().is_empty() && r.urls().is_empty() {
                continue;
            }
            let Ok(chain_id) = r.chain_id.get_untracked().trim().parse::<u64>() else {
                error.set(Some(format!(
                    "{}: the chain id is a number, like 1 or 42161.",
                    r.name.get_untracked()
                )));
                return;
            };
            networks.push(vigil_api::NetworkSetting {
                name: r.name.get_untracked(),
                chain_id,
                rpc_urls: r.urls(),
            });
        }
        let request = Settings {
            networks,
            lock_after_secs: (minutes * 60.0).round() as u64,
            currency: currency.get_untracked(),
            slippage_percent: slippage,
            notify_level: notify.get_untracked(),
        };
        spawn_local(async move {
            match call::<_, Settings>(commands::SAVE_SETTINGS, &Request { request: &request }).await
            {
                Ok(_) => {
                    saved.set(Some("Saved. Positions are watched with the new settings.".into()));
                    if let Ok(state) = call::<_, LockState>(commands::LOCK_STATE, &NoArgs {}).await
                    {
                        shared.lock.set(Some(state));
                    }
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let network_rows = move || {
        rows.get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| view! {
                <div class="card network-row" data-index=i>
                    <div class="inline-form form">
                        <label>"Name"</label>
                        <input class="network-name-input" bind:value=r.name />
                        <label>"Chain id"</label>
                        <input class="network-chain" inputmode="numeric" bind:value=r.chain_id />
                        <label>"RPC URLs (one per line, tried in order)"</label>
                        <textarea class="network-urls" rows="2" spellcheck="false" bind:value=r.urls></textarea>
                    </div>
                    <div class="actions">
                        <button class="small test-rpc" type="button" on:click=move |_| r.test()>"Test connection"</button>
                    </div>
                    <ul class="rpc-results">{move || r.tested.get().into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
                </div>
            })
            .collect_view()
    };
    view! {
        <form class="settings-form" on:submit=save>
            <div class="card form inline-form" id="settings">
                <label for="lock-minutes">"Lock after (minutes without use)"</label>
                <input id="lock-minutes" inputmode="numeric" bind:value=minutes />
                <label for="currency">"Currency"</label>
                {select("currency", ["USD", "EUR", "GBP", "CHF", "JPY"].map(String::from).to_vec(), currency)}
                <label for="notify-level">"Desktop notifications from"</label>
                {select("notify-level", ["ok", "warning", "critical", "liquidatable"].map(String::from).to_vec(), notify)}
                <label for="slippage">"Swap slippage (%)"</label>
                <input id="slippage" inputmode="decimal" bind:value=slippage />
            </div>
            <div class="heading">
                <h2>"Networks"</h2>
                <button class="small" type="button" id="add-network" on:click=move |_| rows.update(|r| r.push(NetworkRow::new("", 0, &[])))>"Add a network"</button>
            </div>
            <p class="muted">"The local devnet is always there. Give a built-in network's name (ethereum, arbitrum, optimism, base, polygon) to use your own RPC URLs for it."</p>
            <div class="networks" id="networks">{network_rows}</div>
            <div class="actions">
                <button class="primary" id="save-settings" type="submit">"Save"</button>
            </div>
            {move || saved.get().map(|m| view! { <p class="done" id="settings-saved">{m}</p> })}
            {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
        </form>
    }
}

fn send(shared: Shared) -> impl IntoView {
    let markets = load::<Vec<MarketRow>>(commands::MARKETS, RwSignal::new(0));
    let to = RwSignal::new(String::new());
    let asset = RwSignal::new("ETH".to_owned());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let submit = slot.on_submit(commands::PREVIEW_SEND, move || SendForm {
        account: None,
        to: to.get_untracked(),
        asset: asset.get_untracked(),
        amount: amount.get_untracked(),
    });
    view! {
        <section class="send">
            <h1>"Send"</h1>
            {move || match markets.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(m) => view! {
                    <form class="card form inline-form" on:submit=submit>
                        <label for="send-to">"To"</label>
                        <input id="send-to" placeholder="0x…" spellcheck="false" autocomplete="off"
                            bind:value=to />
                        <label for="send-asset">"Asset"</label>
                        {select("send-asset", swap_symbols(&m), asset)}
                        <label for="send-amount">"Amount"</label>
                        <input id="send-amount" inputmode="decimal" placeholder="0.0"
                            bind:value=amount />
                        <div class="actions">
                            <button class="primary" id="send-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                        </div>
                    </form>
                }.into_any(),
            }}
            {slot.view(shared)}
        </section>
    }
}

fn ledger(shared: Shared) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let data = load::<LedgerStatus>(commands::LEDGER_STATUS, refresh);
    let chain = RwSignal::new("ethereum".to_owned());
    let index = RwSignal::new("0".to_owned());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(i) = index.get_untracked().trim().parse::<u32>() else {
            error.set(Some("The account number is a whole number: 0 is the first account.".into()));
            return;
        };
        busy.set(true);
        error.set(None);
        message.set(None);
        spawn_local(async move {
            let request = LedgerAddRequest { chain: chain.get_untracked(), index: i };
            match call::<_, Account>(commands::LEDGER_ADD, &Request { request: &request }).await {
                Ok(a) => {
                    message.set(Some(format!("Added {} ({})", a.name, a.address)));
                    refresh.update(|r| *r += 1);
                    shared.refresh.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let verify = move |address: String| {
        busy.set(true);
        error.set(None);
        message.set(None);
        spawn_local(async move {
            let request = LedgerVerifyRequest { address };
            match call::<_, String>(commands::LEDGER_VERIFY, &Request { request: &request }).await {
                Ok(shown) => {
                    message.set(Some(format!("The device showed {shown}, as the wallet has it.")))
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="ledger">
            <div class="heading">
                <h1>"Ledger"</h1>
                <button class="small" id="ledger-refresh" on:click=move |_| refresh.update(|r| *r += 1)>"Check again"</button>
            </div>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(l) => view! {
                    <div class=if l.ready { "card ledger-state ready" } else { "card ledger-state" }>
                        <span class="muted">{l.endpoint.clone()}</span>
                        <p class="state" id="ledger-state">{l.state.clone()}</p>
                    </div>
                    {(!l.doctor.is_empty()).then(|| view! {
                        <h2>"USB access on this computer"</h2>
                        <ul class="card doctor" id="ledger-doctor">
                            {l.doctor.iter().map(|(outcome, m)| view! { <li class=format!("doctor-{outcome}")>{m.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                    <h2>"Ledger accounts"</h2>
                    {if l.accounts.is_empty() {
                        view! { <p class="muted empty" id="no-ledger-accounts">"None yet: add one below."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="accounts" id="ledger-accounts">
                                {l.accounts.iter().map(|a| {
                                    let address = a.address.clone();
                                    view! {
                                        <li class="account" data-address=a.address.clone()>
                                            <div class="account-head"><span class=format!("chain chain-{}", a.chain)>{a.chain.clone()}</span>
                                            <span class="account-name">{a.name.clone()}</span></div>
                                            <code class="address">{a.address.clone()}</code>
                                            <div class="account-foot"><span class="muted path">{a.path.clone().unwrap_or_default()}</span>
                                            <button class="small verify" disabled=move || busy.get() on:click=move |_| verify(address.clone())>"Verify on device"</button></div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
            }}
            <form class="card form inline-form" on:submit=add>
                <label for="ledger-chain">"Chain"</label>
                {select("ledger-chain", vec!["ethereum".into(), "solana".into()], chain)}
                <label for="ledger-index">"Account number"</label>
                <input id="ledger-index" inputmode="numeric" bind:value=index />
                <div class="actions">
                    <button class="primary" id="ledger-add" type="submit" disabled=move || busy.get()>"Add account"</button>
                </div>
            </form>
            {move || busy.get().then(|| view! {
                <p class="ledger-confirm" id="ledger-confirm">"Confirm on your Ledger: check that the address on the device is the one shown here, then approve it."</p>
            })}
            {move || message.get().map(|m| view! { <p class="done" id="ledger-message">{m}</p> })}
            {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
        </section>
    }
}

fn solana(shared: Shared) -> impl IntoView {
    let staking = load::<SolanaStaking>(commands::SOLANA_STAKES, shared.refresh);
    let to = RwSignal::new(String::new());
    let asset = RwSignal::new("SOL".to_owned());
    let amount = RwSignal::new(String::new());
    let validator = RwSignal::new(String::new());
    let stake_amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let form = move |action: &str, target: String, asset: String, amount: String| SolanaForm {
        account: None,
        action: action.to_owned(),
        target,
        asset,
        amount,
    };
    let send = slot.on_submit(commands::PREVIEW_SOLANA, move || {
        form("send", to.get_untracked(), asset.get_untracked(), amount.get_untracked())
    });
    let stake = slot.on_submit(commands::PREVIEW_SOLANA, move || {
        form("stake", validator.get_untracked(), "SOL".into(), stake_amount.get_untracked())
    });
    view! {
        <section class="solana">
            <h1>"Solana"</h1>
            <form class="card form inline-form" on:submit=send>
                <label for="sol-to">"To"</label>
                <input id="sol-to" spellcheck="false" autocomplete="off" placeholder="base58 address"
                    bind:value=to />
                <label for="sol-asset">"Asset"</label>
                {select("sol-asset", ["SOL", "USDC", "USDG"].map(String::from).to_vec(), asset)}
                <label for="sol-amount">"Amount"</label>
                <input id="sol-amount" inputmode="decimal" placeholder="0.0"
                    bind:value=amount />
                <div class="actions"><button class="primary" id="sol-send-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button></div>
            </form>
            <h2>"Staking"</h2>
            {move || match staking.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(s) => {
                    if validator.get_untracked().is_empty()
                        && let Some(first) = s.validators.first()
                    {
                        validator.set(first.clone());
                    }
                    let stakes = if s.stakes.is_empty() {
                        view! { <p class="muted empty" id="no-stakes">"No stake accounts yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="txs" id="stakes">
                                {s.stakes.iter().map(|st| {
                                    let (unstake, withdraw) = (st.address.clone(), st.address.clone());
                                    view! {
                                        <li class="card tx stake" data-address=st.address.clone()>
                                            <div class="tx-head"><strong>{format!("{} SOL", format::amount(&st.sol))}</strong>
                                            <span class=format!("status {}", st.state)>{st.state.clone()}</span></div>
                                            <p class="muted">{format!("{} · validator {}", format::short(&st.address), st.validator.as_deref().map(format::short).unwrap_or_else(|| "none".into()))}</p>
                                            <div class="actions">
                                                <button class="small unstake" on:click=move |_| slot.request(commands::PREVIEW_SOLANA, form("unstake", unstake.clone(), "SOL".into(), String::new()))>"Unstake"</button>
                                                <button class="small withdraw" on:click=move |_| slot.request(commands::PREVIEW_SOLANA, form("withdraw", withdraw.clone(), "SOL".into(), String::new()))>"Withdraw"</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    view! {
                        {stakes}
                        <form class="card form inline-form" on:submit=stake>
                            <label for="stake-validator">"Validator"</label>
                            {select("stake-validator", s.validators.clone(), validator)}
                            <label for="stake-amount">"Amount (SOL)"</label>
                            <input id="stake-amount" inputmode="decimal" placeholder="0.0"
                                bind:value=stake_amount />
                            <div class="actions"><button class="primary" id="stake-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button></div>
                        </form>
                    }.into_any()
                }
            }}
            {slot.view(shared)}
        </section>
    }
}
