//! Swap: the best route across the network's exchanges, quoted live as the user types, then
//! previewed and signed.

use vigil_api::{SwapForm, SwapQuote};

use super::*;

pub(super) fn swap(shared: Shared) -> impl IntoView {
    let account = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new("USDC".to_owned());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let form = move || SwapForm {
        network: shared.network(),
        account: Some(account.get()).filter(|a| !a.is_empty()),
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
            <form class="card form inline-form" on:submit=submit>
                <label for="swap-account">"Account"</label>
                {account_picker("swap-account", shared, Chain::Ethereum, account)}
                <label for="swap-from">"You pay"</label>
                <div>{token_picker("swap-from", shared, account, from)}</div>
                <label for="swap-amount">"Amount"</label>
                <input id="swap-amount" inputmode="decimal" placeholder="0.0"
                    bind:value=amount />
                <label for="swap-to">"You receive"</label>
                <div>{token_picker("swap-to", shared, account, to)}</div>
                {quote_view(quote)}
                <div class="actions">
                    <button class="primary" id="swap-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                </div>
            </form>
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
