//! Accounts: every account with how it signs; add the next one of the recovery phrase, watch
//! an address, rename, hide and show. Ledger accounts are added on the Ledger screen.

use vigil_api::{AddAccountRequest, EditAccountRequest, WatchAccountRequest};

use super::*;

/// A request as JSON, so one change handler serves every command.
fn json(request: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(request).unwrap_or_default()
}

fn chain_of(value: &str) -> Chain {
    if value == "solana" { Chain::Solana } else { Chain::Ethereum }
}

pub(super) fn accounts(shared: Shared) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Every change goes through here: the shell answers with the account, the list reloads.
    let change = move |command: &'static str, request: serde_json::Value, done: &'static str| {
        busy.set(true);
        error.set(None);
        message.set(None);
        spawn_local(async move {
            match call::<_, Account>(command, &Request { request: &request }).await {
                Ok(a) => {
                    message.set(Some(format!("{done}: {} ({})", a.name, a.address)));
                    shared.accounts_changed.update(|n| *n += 1);
                    shared.refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let new_chain = RwSignal::new("ethereum".to_owned());
    let new_name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = new_name.get_untracked();
        let request = AddAccountRequest {
            chain: chain_of(&new_chain.get_untracked()),
            name: (!name.trim().is_empty()).then_some(name),
        };
        new_name.set(String::new());
        change(commands::ADD_ACCOUNT, json(&request), "Added");
    };
    let watch_chain = RwSignal::new("ethereum".to_owned());
    let watch_address = RwSignal::new(String::new());
    let watch_name = RwSignal::new(String::new());
    let watch = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = watch_name.get_untracked();
        let request = WatchAccountRequest {
            chain: chain_of(&watch_chain.get_untracked()),
            address: watch_address.get_untracked(),
            name: (!name.trim().is_empty()).then_some(name),
        };
        change(commands::WATCH_ACCOUNT, json(&request), "Watching");
    };
    let list = move || {
        shared
            .accounts
            .get()
            .into_iter()
            .map(|a| {
                let name = RwSignal::new(a.name.clone());
                let kind = match a.signer {
                    SignerKind::Software => "recovery phrase",
                    SignerKind::Ledger => "Ledger",
                    SignerKind::Watch => "watch-only",
                };
                let edit = move |hidden: Option<bool>, rename: bool, a: &Account| {
                    let request = EditAccountRequest {
                        chain: a.chain,
                        address: a.address.clone(),
                        name: rename.then(|| name.get_untracked()),
                        hidden,
                    };
                    change(commands::EDIT_ACCOUNT, json(&request), "Saved");
                };
                let (for_rename, for_hide) = (a.clone(), a.clone());
                let hidden = a.hidden;
                view! {
                    <li class=if hidden { "account hidden-account" } else { "account" } data-address=a.address.clone()>
                        <div class="account-row">
                            <span class=format!("chain chain-{}", a.chain)>{a.chain.as_str()}</span>
                            <input class="account-rename" bind:value=name />
                            <button class="small rename" on:click=move |_| edit(None, true, &for_rename)>"Rename"</button>
                            <span class="signer-kind">{kind}</span>
                            <button class="small hide" on:click=move |_| edit(Some(!hidden), false, &for_hide)>
                                {if hidden { "Show" } else { "Hide" }}
                            </button>
                        </div>
                        <code class="address">{a.address.clone()}</code>
                        <span class="muted path">{a.path.clone().unwrap_or_default()}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="accounts-screen">
            <h1>"Accounts"</h1>
            <p class="muted">"Hidden accounts stay in the wallet and are still watched; they are left out of the dashboard and the pickers."</p>
            <ul class="accounts" id="account-list">{list}</ul>
            <h2>"Add an account"</h2>
            <form class="card form inline-form" on:submit=add>
                <label for="new-account-chain">"Chain"</label>
                {select("new-account-chain", vec!["ethereum".into(), "solana".into()], new_chain)}
                <label for="new-account-name">"Name"</label>
                <input id="new-account-name" placeholder="Savings" bind:value=new_name />
                <div class="actions">
                    <button class="primary" id="add-account" type="submit" disabled=move || busy.get()>"Add the next account"</button>
                </div>
            </form>
            <h2>"Watch an address"</h2>
            <form class="card form inline-form" on:submit=watch>
                <label for="watch-chain">"Chain"</label>
                {select("watch-chain", vec!["ethereum".into(), "solana".into()], watch_chain)}
                <label for="watch-address">"Address"</label>
                <input id="watch-address" spellcheck="false" autocomplete="off" placeholder="0x… or base58" bind:value=watch_address />
                <label for="watch-name">"Name"</label>
                <input id="watch-name" bind:value=watch_name />
                <div class="actions">
                    <button class="primary" id="watch-account" type="submit" disabled=move || busy.get()>"Watch"</button>
                </div>
            </form>
            {move || message.get().map(|m| view! { <p class="done" id="accounts-message">{m}</p> })}
            {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
        </section>
    }
}
