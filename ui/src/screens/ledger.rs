//! The Ledger: the device's state, the USB doctor, adding accounts approved on the device and
//! verifying an address on it. Its accounts then sign from every form's account picker.

use vigil_api::{Account, LedgerAddRequest, LedgerStatus, LedgerVerifyRequest};

use super::*;

pub(super) fn ledger(shared: Shared) -> impl IntoView {
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
            let chain =
                if chain.get_untracked() == "solana" { Chain::Solana } else { Chain::Ethereum };
            let request = LedgerAddRequest { chain, index: i };
            match call::<_, Account>(commands::LEDGER_ADD, &Request { request: &request }).await {
                Ok(a) => {
                    message.set(Some(format!("Added {} ({})", a.name, a.address)));
                    refresh.update(|r| *r += 1);
                    shared.refresh.update(|r| *r += 1);
                    shared.accounts_changed.update(|r| *r += 1);
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
                                            <div class="account-head"><span class=format!("chain chain-{}", a.chain)>{a.chain.as_str()}</span>
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
