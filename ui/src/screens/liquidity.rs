//! Liquidity: the positions of every visible account on the chosen network (what each holds,
//! its range and whether the price is in it, fees, the change against holding), with remove
//! and collect; and the form that adds to a pool between two tokens on any venue, with a price
//! range for Uniswap V3 and V4.

use vigil_api::{
    LiquidityActionKind, LiquidityForm, LiquidityPoolView, LiquidityPoolsRequest,
    LiquidityPositionView, LiquidityPositions, LiquidityRequest, money,
};

use super::*;

/// The range presets the form offers, and what the shell reads them as.
const RANGES: [(&str, &str); 6] = [
    ("full", "Every price (full range)"),
    ("5%", "±5% around the price"),
    ("10%", "±10% around the price"),
    ("25%", "±25% around the price"),
    ("50%", "±50% around the price"),
    ("custom", "Custom prices…"),
];

/// An empty form for `action` on the chosen network.
fn form(shared: Shared, action: LiquidityActionKind) -> LiquidityForm {
    LiquidityForm::new(shared.network_untracked(), action)
}

pub(super) fn liquidity(shared: Shared) -> impl IntoView {
    let positions = load_for::<_, LiquidityPositions>(
        commands::LIQUIDITY_POSITIONS,
        move || {
            let network = shared.network();
            (!network.is_empty()).then_some(LiquidityRequest { network, account: None })
        },
        shared.refresh,
    );
    let slot = PreviewSlot::new();
    let account = RwSignal::new(String::new());
    let token_a = RwSignal::new("ETH".to_owned());
    let token_b = RwSignal::new("USDC".to_owned());
    // Pools are looked up when the pair changes, not on every block.
    let pools = load_for::<_, Vec<LiquidityPoolView>>(
        commands::LIQUIDITY_POOLS,
        move || {
            let (network, a, b) = (shared.network(), token_a.get(), token_b.get());
            (!network.is_empty() && !a.is_empty() && !b.is_empty() && a != b)
                .then_some(LiquidityPoolsRequest { network, token_a: a, token_b: b })
        },
        RwSignal::new(0),
    );
    let pool = RwSignal::new(String::new());
    let amount_token = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let range = RwSignal::new("10%".to_owned());
    let custom = RwSignal::new(String::new());
    let submit = slot.on_submit(commands::PREVIEW_LIQUIDITY, move || LiquidityForm {
        account: Some(account.get_untracked()).filter(|a| !a.is_empty()),
        token_a: token_a.get_untracked(),
        token_b: token_b.get_untracked(),
        pool: pool.get_untracked(),
        amount_token: Some(amount_token.get_untracked())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| token_a.get_untracked()),
        amount: amount.get_untracked(),
        range: match range.get_untracked().as_str() {
            "custom" => custom.get_untracked(),
            preset => preset.to_owned(),
        },
        ..form(shared, LiquidityActionKind::Add)
    });
    let chosen_pool = move || {
        let id = pool.get();
        pools.with(|p| match p {
            Load::Ready(list) => list.iter().find(|p| p.id == id).cloned(),
            _ => None,
        })
    };
    let pool_picker = move || {
        match pools.get() {
        Load::Loading => view! { <p class="muted" id="lp-pools-loading">"Looking for pools…"</p> }.into_any(),
        Load::Failed(e) => view! { <p class="error small-error" id="lp-pools-error">{e}</p> }.into_any(),
        Load::Ready(list) if list.is_empty() => {
            view! { <p class="muted" id="lp-no-pools">"No pool holds this pair on this network."</p> }.into_any()
        }
        Load::Ready(list) => {
            if !list.iter().any(|p| p.id == pool.get_untracked())
                && let Some(first) = list.first()
            {
                pool.set(first.id.clone());
            }
            let chosen = pool.get_untracked();
            let options = list
                .iter()
                .map(|p| {
                    let price = p.price.clone().map(|x| format!(" — {x}")).unwrap_or_default();
                    let label = format!("{}{price}", p.name);
                    view! { <option value=p.id.clone() selected=p.id == chosen>{label}</option> }
                })
                .collect_view();
            view! { <select id="lp-pool" on:change=move |ev| pool.set(event_target_value(&ev))>{options}</select> }.into_any()
        }
    }
    };
    let ranged = move || chosen_pool().is_some_and(|p| p.has_range);
    let range_options = RANGES
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=*value == "10%">{*label}</option> })
        .collect_view();
    let list = move || match positions.get() {
        Load::Loading => loading(),
        Load::Failed(e) => failed(e),
        Load::Ready(p) => positions_view(p, Some((slot, shared))).into_any(),
    };
    view! {
        <section class="liquidity">
            <h1>"Liquidity"</h1>
            <div id="lp-positions">{list}</div>
            <h2>"Add liquidity"</h2>
            <form class="card form inline-form" id="lp-add" on:submit=submit>
                <label for="lp-account">"Account"</label>
                {account_picker("lp-account", shared, Chain::Ethereum, account)}
                <label for="lp-token-a">"Token"</label>
                {token_picker("lp-token-a", shared, account, token_a)}
                <label for="lp-token-b">"And"</label>
                {token_picker("lp-token-b", shared, account, token_b)}
                <label for="lp-pool">"Pool"</label>
                {pool_picker}
                <label for="lp-amount">"Amount"</label>
                <div class="amount-row">
                    <input id="lp-amount" inputmode="decimal" placeholder="0.0" bind:value=amount />
                    <select id="lp-amount-token" on:change=move |ev| amount_token.set(event_target_value(&ev))>
                        {move || {
                            let (a, b) = (token_a.get(), token_b.get());
                            let chosen = amount_token.get_untracked();
                            if chosen != a && chosen != b {
                                amount_token.set(a.clone());
                            }
                            let chosen = amount_token.get_untracked();
                            [a, b].into_iter().map(|t| view! { <option value=t.clone() selected=t == chosen>{t.clone()}</option> }).collect_view()
                        }}
                    </select>
                </div>
                <p class="muted hint">"The pool's price sets how much of the other token goes in with it."</p>
                {move || ranged().then(|| view! {
                    <label for="lp-range">"Price range"</label>
                    <select id="lp-range" on:change=move |ev| range.set(event_target_value(&ev))>{range_options.clone()}</select>
                    {move || (range.get() == "custom").then(|| view! {
                        <input id="lp-range-custom" placeholder="lower-upper, like 1800-2200" bind:value=custom />
                    })}
                    {move || chosen_pool().and_then(|p| p.price).map(|price| view! { <p class="muted hint" id="lp-price">{format!("Price now: {price}")}</p> })}
                })}
                <div class="actions">
                    <button class="primary" id="lp-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                </div>
            </form>
            {slot.view(shared)}
        </section>
    }
}

/// Positions as cards: with `actions`, each has remove and collect, previewed in the slot.
pub(super) fn positions_view(
    p: LiquidityPositions,
    actions: Option<(PreviewSlot, Shared)>,
) -> impl IntoView {
    if p.positions.is_empty() {
        return view! { <p class="muted empty" id="no-lp-positions">"No liquidity positions on this network."</p> }.into_any();
    }
    let currency = p.currency.clone();
    let errors = p
        .errors
        .iter()
        .map(|e| view! { <li class="network-error">{e.clone()}</li> })
        .collect_view();
    let cards = p.positions.iter().map(|pos| position_card(pos, &currency, actions)).collect_view();
    view! {
        <ul class="network-errors muted">{errors}</ul>
        <div class="lp-positions">{cards}</div>
    }
    .into_any()
}

fn position_card(
    p: &LiquidityPositionView,
    currency: &str,
    actions: Option<(PreviewSlot, Shared)>,
) -> impl IntoView {
    let value = |v: Option<f64>| v.map_or("—".to_owned(), |v| money(v, currency));
    let tokens = p
        .tokens
        .iter()
        .map(|t| {
            let fees = t.fees.clone().map(|f| view! { <span class="lp-fees muted">{format!("fees {} {}", format::amount(&f), t.symbol)}</span> });
            view! {
                <li class="holding" data-symbol=t.symbol.clone()>
                    <span class="amount">{format::amount(&t.amount)}</span>
                    <span class="symbol">{t.symbol.clone()}</span>
                    {fees}
                </li>
            }
        })
        .collect_view();
    let range = p.range.clone().map(|r| {
        let (class, state) = if r.in_range {
            ("in-range", "in range")
        } else {
            ("out-of-range", "out of range: earns no fees")
        };
        let span = if r.full {
            "every price".to_owned()
        } else {
            format!("{} – {} {}", r.lower, r.upper, r.unit)
        };
        view! {
            <p class=format!("lp-range {class}")>
                {format!("Range {span}. Price {} {} ", r.current, r.unit)}
                <span class="lp-range-state">{state}</span>
            </p>
        }
    });
    let hold = match (p.vs_hold, p.vs_hold_percent) {
        (Some(d), Some(pct)) => {
            format!("{} ({pct:+.2}%) against holding what went in", money(d, currency))
        }
        _ => "Opened outside Vigil: no comparison with holding".to_owned(),
    };
    let share = p
        .share_percent
        .map(|s| view! { <span class="muted">{format!("{s:.4}% of the pool")}</span> });
    let controls = actions.map(|(slot, shared)| {
        let percent = RwSignal::new("100".to_owned());
        let key = p.key.clone();
        let account = p.account.clone();
        let remove = {
            let (key, account) = (key.clone(), account.clone());
            move |_| {
                slot.request(
                    commands::PREVIEW_LIQUIDITY,
                    LiquidityForm {
                        account: Some(account.clone()),
                        position: key.clone(),
                        percent: percent.get_untracked().trim().parse().ok(),
                        ..form(shared, LiquidityActionKind::Remove)
                    },
                );
            }
        };
        let collect = p.can_collect.then(|| {
            let (key, account) = (key.clone(), account.clone());
            view! {
                <button class="small lp-collect" type="button" on:click=move |_| {
                    slot.request(
                        commands::PREVIEW_LIQUIDITY,
                        LiquidityForm { account: Some(account.clone()), position: key.clone(), ..form(shared, LiquidityActionKind::Collect) },
                    );
                }>"Collect fees"</button>
            }
        });
        view! {
            <div class="actions lp-actions">
                {collect}
                <input class="lp-percent" inputmode="decimal" bind:value=percent aria-label="Percent to remove" />
                <span class="muted">"%"</span>
                <button class="small lp-remove" type="button" on:click=remove>"Remove"</button>
            </div>
        }
    });
    view! {
        <article class="card lp-position" data-key=p.key.clone() data-in-range=p.range.as_ref().map(|r| r.in_range.to_string())>
            <div class="position-head">
                <strong>{p.pool.clone()}</strong>
                <span class="muted">{format::short(&p.account)}</span>
                <span class="lp-value">{value(p.value)}</span>
            </div>
            <ul class="holdings">{tokens}</ul>
            {range}
            <p class="muted lp-hold">{hold}</p>
            {share}
            {controls}
        </article>
    }
}
