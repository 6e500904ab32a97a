//! Lending on Aave V3: the network's market, then supply, withdraw, borrow or repay, previewed
//! with the health factor before and after.

use vigil_api::{LendAction, LendForm, MarketRow, NetworkRequest, ProtectForm, money};

use super::*;

pub(super) fn lend(shared: Shared) -> impl IntoView {
    // Loaded again when the network changes, not on every block: a new block must not
    // rebuild the form under the user's typing.
    let markets = load_for::<_, Vec<MarketRow>>(
        commands::MARKETS,
        move || {
            let network = shared.network();
            (!network.is_empty()).then_some(NetworkRequest { network })
        },
        RwSignal::new(0),
    );
    let account = RwSignal::new(String::new());
    let action = RwSignal::new(LendAction::Supply.as_str().to_owned());
    let asset = RwSignal::new("WETH".to_owned());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let submit = slot.on_submit(commands::PREVIEW_LEND, move || LendForm {
        network: shared.network_untracked(),
        account: Some(account.get_untracked()).filter(|a| !a.is_empty()),
        action: LendAction::ALL
            .into_iter()
            .find(|a| a.as_str() == action.get_untracked())
            .unwrap_or(LendAction::Supply),
        asset: asset.get_untracked(),
        amount: amount.get_untracked(),
    });
    // "Reduce risk" asked for a position: its plan back to the target, previewed at once.
    let target = RwSignal::new("1.6".to_owned());
    let protect = move || {
        let key = shared.protect.get_untracked()?;
        // "devnet/aave/0x…": the network, then the account.
        let (network, account) = key.split_once("/aave/")?;
        Some(ProtectForm {
            network: network.to_owned(),
            account: Some(account.to_owned()),
            target: target.get_untracked().trim().parse().ok(),
        })
    };
    Effect::new(move |_| {
        if shared.protect.get().is_some()
            && let Some(form) = protect()
        {
            slot.request(commands::PREVIEW_PROTECT, form);
        }
    });
    // The plan "Reduce risk" asked for is drawn under the market: brought into view when it
    // arrives.
    Effect::new(move |_| {
        if slot.preview.with(Option::is_some) && shared.protect.get_untracked().is_some() {
            request_animation_frame(|| {
                let preview = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("preview"));
                if let Some(preview) = preview {
                    preview.scroll_into_view();
                }
            });
        }
    });
    let protect_again = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(form) = protect() {
            slot.request(commands::PREVIEW_PROTECT, form);
        }
    };
    let protect_panel = move || {
        shared.protect.get().map(|key| {
            let account = key.rsplit('/').next().unwrap_or_default().to_owned();
            view! {
                <form class="card form inline-form" id="protect" on:submit=protect_again>
                    <p class="intro">"Reduce risk for "<strong>{format::short(&account)}</strong>
                        ": the cheapest way back to a safe health factor (repay or add collateral from the wallet, else sell collateral to repay debt, never below 1.05 on the way)."</p>
                    <label for="protect-target">"Target health factor"</label>
                    <input id="protect-target" inputmode="decimal" bind:value=target />
                    <div class="actions">
                        <button class="primary" id="protect-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                        <button type="button" class="small" on:click=move |_| shared.protect.set(None)>"Close"</button>
                    </div>
                </form>
            }
        })
    };
    view! {
        <section class="lend">
            <h1>"Lend on Aave"</h1>
            {protect_panel}
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
                            <label for="lend-account">"Account"</label>
                            {account_picker("lend-account", shared, Chain::Ethereum, account)}
                            <label for="lend-action">"Action"</label>
                            {select("lend-action", LendAction::ALL.map(|a| a.as_str().to_owned()).to_vec(), action)}
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
