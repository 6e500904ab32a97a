//! What dapps ask, over every screen: a connection (which accounts a page may see), a
//! transaction (the same preview as the app's own actions), a message or typed data to sign
//! (decoded, with what it grants or trades), a network or a token to add. One request at a
//! time, oldest first; the answer goes back to the shell, which signs and sends.

use leptos::{prelude::*, task::spawn_local};
use vigil_api::{DappAnswer, DappAsk, DappRequest, ProviderStatus, commands, events};

use super::Shared;
use crate::{
    format,
    ipc::{NoArgs, Request, call, listen},
    preview,
};

/// The requests waiting for the user, fed by the shell's events (and, at start, by those that
/// came before the window listened).
pub(super) fn requests(shared: Shared) -> impl IntoView {
    let queue = RwSignal::new(Vec::<DappRequest>::new());
    let add = move |r: DappRequest| {
        queue.update(|q| {
            if !q.iter().any(|w| w.id == r.id) {
                q.push(r);
            }
        });
    };
    spawn_local(async move {
        if let Ok(status) = call::<_, ProviderStatus>(commands::PROVIDER_STATUS, &NoArgs {}).await {
            status.waiting.into_iter().for_each(add);
        }
    });
    listen(events::DAPP_REQUEST, add);
    move || queue.with(|q| q.first().cloned()).map(|r| dialog(shared, queue, r))
}

/// Sends the answer and takes the request off the queue.
fn answer(queue: RwSignal<Vec<DappRequest>>, error: RwSignal<Option<String>>, a: DappAnswer) {
    let id = a.id;
    spawn_local(async move {
        match call::<_, ()>(commands::ANSWER_DAPP, &Request { request: &a }).await {
            Ok(()) => queue.update(|q| q.retain(|r| r.id != id)),
            Err(e) => {
                error.set(Some(e.message));
                // No longer waiting (the dapp gave up): nothing to answer.
                queue.update(|q| q.retain(|r| r.id != id));
            }
        }
    });
}

/// The buttons under a request.
enum Buttons {
    /// The body has its own (a connection's).
    Own,
    /// Approve, with this label, or reject.
    Approve(&'static str),
    /// Only reject (a transaction that would fail).
    RejectOnly,
}

fn dialog(shared: Shared, queue: RwSignal<Vec<DappRequest>>, r: DappRequest) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let accepted = RwSignal::new(false);
    let id = r.id;
    let refuse = move |_| answer(queue, error, DappAnswer::refuse(id));
    let caller = r.caller.clone();
    let (title, body, buttons, needs_override): (String, AnyView, Buttons, bool) = match r.ask {
        DappAsk::Connect { accounts } => {
            let chosen: Vec<RwSignal<bool>> =
                accounts.iter().enumerate().map(|(i, _)| RwSignal::new(i == 0)).collect();
            let rows = accounts
                .iter()
                .zip(&chosen)
                .enumerate()
                .map(|(i, (a, &on))| {
                    let name = shared.accounts.with_untracked(|all| {
                        all.iter().find(|x| x.address == *a).map(|x| x.name.clone())
                    });
                    view! {
                        <label class="check">
                            <input type="checkbox" id=format!("dapp-account-{i}") prop:checked=move || on.get()
                                on:change=move |ev| on.set(event_target_checked(&ev)) />
                            {name.unwrap_or_default()}" "<code>{format::short(a)}</code>
                        </label>
                    }
                })
                .collect_view();
            let approve = {
                let accounts = accounts.clone();
                move |_| {
                    let picked: Vec<String> = accounts
                        .iter()
                        .zip(&chosen)
                        .filter(|(_, on)| on.get_untracked())
                        .map(|(a, _)| a.clone())
                        .collect();
                    if picked.is_empty() {
                        error.set(Some("Choose at least one account, or reject.".into()));
                        return;
                    }
                    answer(
                        queue,
                        error,
                        DappAnswer { id, approve: true, accounts: picked, accept_risk: false },
                    );
                }
            };
            let body = view! {
                <p class="muted">"It will see the addresses and balances of the accounts you choose, and can ask you to sign. It cannot sign without you."</p>
                <div class="form">{rows}</div>
                <div class="actions">
                    <button class="primary" id="dapp-approve" on:click=approve>"Connect"</button>
                    <button id="dapp-reject" on:click=refuse>"Reject"</button>
                </div>
            };
            (format!("{caller} wants to connect"), body.into_any(), Buttons::Own, false)
        }
        DappAsk::Transaction { preview } => {
            let needs = preview.needs_override;
            let can_sign = preview.would_fail.is_none();
            let body = view! {
                <p class="muted" id="preview-network">{format!("{} · {}", preview.network, format::short(&preview.account))}</p>
                {preview::body(&preview)}
            };
            let buttons =
                if can_sign { Buttons::Approve("Confirm and sign") } else { Buttons::RejectOnly };
            (format!("{caller} asks you to send"), body.into_any(), buttons, needs)
        }
        DappAsk::Message { account, text } => {
            let body = view! {
                <p class="muted">{format!("As {}", format::short(&account))}</p>
                <pre class="message" id="dapp-message">{text}</pre>
            };
            (
                format!("{caller} asks you to sign a message"),
                body.into_any(),
                Buttons::Approve("Sign"),
                false,
            )
        }
        DappAsk::TypedData {
            account,
            primary_type,
            domain,
            fields,
            summary,
            findings,
            needs_override,
        } => {
            let summary = summary.into_iter().map(|l| view! { <li>{l}</li> }).collect_view();
            let domain = domain.into_iter().map(|l| view! { <li>{l}</li> }).collect_view();
            let fields =
                fields.into_iter().map(|l| view! { <li><code>{l}</code></li> }).collect_view();
            let body = view! {
                <p class="muted">{format!("{primary_type}, as {}", format::short(&account))}</p>
                <ul class="summary" id="dapp-summary">{summary}</ul>
                <ul class="findings" id="preview-findings">{preview::finding_items(&findings)}</ul>
                <details open=true><summary>"Domain"</summary><ul id="dapp-domain">{domain}</ul></details>
                <details><summary>"Every field"</summary><ul id="dapp-fields">{fields}</ul></details>
            };
            (
                format!("{caller} asks you to sign typed data"),
                body.into_any(),
                Buttons::Approve("Sign"),
                needs_override,
            )
        }
        DappAsk::AddChain { chain_id, name, rpc_url, symbol, explorer } => {
            let body = view! {
                <dl class="details" id="dapp-chain">
                    <dt>"Network"</dt><dd>{name}</dd>
                    <dt>"Chain id"</dt><dd>{chain_id}</dd>
                    <dt>"Endpoint"</dt><dd><code>{rpc_url}</code></dd>
                    <dt>"Coin"</dt><dd>{symbol}</dd>
                    <dt>"Explorer"</dt><dd>{explorer.unwrap_or_else(|| "—".into())}</dd>
                </dl>
                <p class="muted">"The endpoint answered with this chain id. Vigil reads balances and sends transactions through it: add only a network you trust."</p>
            };
            (
                format!("{caller} asks you to add a network"),
                body.into_any(),
                Buttons::Approve("Add network"),
                false,
            )
        }
        DappAsk::Relay => {
            let body = view! {
                <p id="dapp-relay">"This browser extension asks to bring web pages to Vigil. Each page still asks you to connect, and every signature is still shown here first."</p>
            };
            (
                format!("{caller} asks to relay web pages"),
                body.into_any(),
                Buttons::Approve("Allow"),
                false,
            )
        }
        DappAsk::WatchAsset { token, symbol } => {
            let body = view! {
                <p>"Token contract "<code id="dapp-token">{token}</code></p>
                <p class="muted">{format!("The page calls it {}; Vigil shows it as its contract names itself.", symbol.unwrap_or_else(|| "nothing".into()))}</p>
            };
            (
                format!("{caller} asks you to add a token"),
                body.into_any(),
                Buttons::Approve("Add token"),
                false,
            )
        }
    };
    let approve = move |_| {
        if needs_override && !accepted.get_untracked() {
            error.set(Some(
                "Tick \"I understand the risk\" first: this request has a danger finding.".into(),
            ));
            return;
        }
        answer(
            queue,
            error,
            DappAnswer {
                id,
                approve: true,
                accounts: vec![],
                accept_risk: accepted.get_untracked(),
            },
        );
    };
    view! {
        <div class="dapp-overlay">
            <section class="card dapp-request" id="dapp-request" role="dialog" data-request=id.to_string()>
                <h2 id="dapp-title">{title}</h2>
                <p class="muted" id="dapp-network">{format!("on {}", r.network)}</p>
                {body}
                {needs_override.then(|| view! {
                    <label class="check risk">
                        <input type="checkbox" id="risk-ok" on:change=move |ev| accepted.set(event_target_checked(&ev)) />
                        "I understand the risk and want to sign anyway"
                    </label>
                })}
                {match buttons {
                    Buttons::Own => None,
                    Buttons::Approve(label) => Some(view! {
                        <div class="actions">
                            <button class="primary" id="dapp-approve" on:click=approve>{label}</button>
                            <button id="dapp-reject" on:click=refuse>"Reject"</button>
                        </div>
                    }.into_any()),
                    Buttons::RejectOnly => Some(view! {
                        <div class="actions">
                            <button id="dapp-reject" on:click=refuse>"Reject"</button>
                        </div>
                    }.into_any()),
                }}
                {move || error.get().map(|e| view! { <p class="error" id="dapp-error" role="alert">{e}</p> })}
            </section>
        </div>
    }
}

/// Settings' part: where dapps reach Vigil, and the dapps connected, each with Disconnect.
pub(super) fn connections() -> impl IntoView {
    let status = RwSignal::new(None::<ProviderStatus>);
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        match call::<_, ProviderStatus>(commands::PROVIDER_STATUS, &NoArgs {}).await {
            Ok(s) => status.set(Some(s)),
            Err(e) => error.set(Some(e.message)),
        }
    });
    let revoke = move |caller: String| {
        spawn_local(async move {
            let request = vigil_api::RevokeDappRequest { caller };
            match call::<_, ProviderStatus>(commands::REVOKE_DAPP, &Request { request: &request })
                .await
            {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="card" id="dapps">
            <h2>"Dapps"</h2>
            {move || status.get().map(|s| {
                let reach = match (&s.url, &s.problem) {
                    (Some(url), _) => format!("Dapps and tools on this computer reach Vigil at {url} (the browser extension relays pages to it)."),
                    (None, Some(p)) => format!("Dapps cannot reach Vigil: {p}"),
                    (None, None) => "Starting…".to_owned(),
                };
                let rows = s
                    .connections
                    .into_iter()
                    .map(|c| {
                        let caller = c.caller.clone();
                        let accounts: Vec<String> = c.accounts.iter().map(|a| format::short(a)).collect();
                        let what = match c.caller.strip_prefix("relay:") {
                            Some(extension) => format!("{extension} (browser extension) relays pages"),
                            None => format!("{} sees {}", c.caller, accounts.join(", ")),
                        };
                        view! {
                            <li class="dapp-connection" data-caller=c.caller.clone()>
                                <span class="dapp-caller">{what}</span>
                                <button class="small dapp-revoke" on:click=move |_| revoke(caller.clone())>"Disconnect"</button>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <p class="muted" id="provider-url">{reach}</p>
                    <ul class="connections" id="dapp-connections">{rows}</ul>
                }
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}
