//! The wallet once it exists: a screen per file (dashboard, send, swap, lend, liquidity, activity,
//! alerts, accounts, Solana, Ledger, settings), the lock screen, the alerts that arrive from
//! the watcher, and what the screens share: the chosen network, the accounts, the pickers and
//! the preview slot every form ends in.

mod accounts;
mod activity;
mod alerts;
mod dapps;
mod dashboard;
mod ledger;
mod lend;
mod liquidity;
mod send;
mod settings;
mod solana;
mod swap;

use leptos::{prelude::*, task::spawn_local};
use vigil_api::{
    Account, AlertAbout, AlertView, Chain, LockState, MonitorEvent, Networks, Preview,
    SelectNetwork, SignerKind, TokenView, TokensRequest, TxProgress, UnlockRequest, commands,
    events,
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
    Liquidity,
    Activity,
    Alerts,
    Accounts,
    Solana,
    Ledger,
    Settings,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str); 11] = [
        (Tab::Dashboard, "nav-dashboard", "Dashboard"),
        (Tab::Send, "nav-send", "Send"),
        (Tab::Swap, "nav-swap", "Swap"),
        (Tab::Lend, "nav-lend", "Lend"),
        (Tab::Liquidity, "nav-liquidity", "Liquidity"),
        (Tab::Activity, "nav-activity", "Activity"),
        (Tab::Alerts, "nav-alerts", "Alerts"),
        (Tab::Accounts, "nav-accounts", "Accounts"),
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
    load_for(command, || None::<()>, refresh)
}

/// Loads `command` with the request `request()` builds (`None`: no arguments) now, whenever
/// `refresh` changes, and whenever a signal `request` reads changes (the chosen network, the
/// account).
fn load_for<
    R: serde::Serialize + 'static,
    T: serde::de::DeserializeOwned + Clone + PartialEq + Send + Sync + 'static,
>(
    command: &'static str,
    request: impl Fn() -> Option<R> + 'static,
    refresh: RwSignal<u32>,
) -> RwSignal<Load<T>> {
    let data = RwSignal::new(Load::Loading);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        refresh.track();
        let request = request();
        latest.update_value(|n| *n += 1);
        let asked = latest.get_value();
        spawn_local(async move {
            let answer = match &request {
                Some(r) => call::<_, T>(command, &Request { request: r }).await,
                None => call::<_, T>(command, &NoArgs {}).await,
            };
            let loaded = match answer {
                Ok(v) => Load::Ready(v),
                Err(e) => Load::Failed(e.message),
            };
            // Only the answer to the latest request counts (the network may have changed
            // meanwhile). The same answer again (a block that changed nothing here) rebuilds
            // nothing. The screen may have been left: its signal is gone, and so is the answer.
            if latest.try_get_value() != Some(asked) {
                return;
            }
            if data.try_with_untracked(|d| *d != loaded) == Some(true) {
                data.set(loaded);
            }
        });
    });
    data
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
    /// The lending position "Reduce risk" asked a plan for (its key).
    protect: RwSignal<Option<String>>,
    /// The networks, and the ones chosen in the top bar.
    networks: RwSignal<Option<Networks>>,
    /// Every account; reloaded when one is added or changed.
    accounts: RwSignal<Vec<Account>>,
    /// Bumped when the accounts change.
    accounts_changed: RwSignal<u32>,
}

impl Shared {
    /// The chosen EVM network (tracked: a form or screen using it follows the picker).
    fn network(self) -> String {
        self.networks.with(|n| n.as_ref().map(|n| n.network.clone())).unwrap_or_default()
    }

    /// The chosen Solana cluster (tracked).
    fn solana_network(self) -> String {
        self.networks.with(|n| n.as_ref().map(|n| n.solana_network.clone())).unwrap_or_default()
    }

    /// The chosen EVM network now, for a form being submitted (not tracked).
    fn network_untracked(self) -> String {
        self.networks.with_untracked(|n| n.as_ref().map(|n| n.network.clone())).unwrap_or_default()
    }

    /// The chosen Solana cluster now (not tracked).
    fn solana_network_untracked(self) -> String {
        self.networks
            .with_untracked(|n| n.as_ref().map(|n| n.solana_network.clone()))
            .unwrap_or_default()
    }

    /// The visible accounts of `chain` (tracked).
    fn accounts_of(self, chain: Chain) -> Vec<Account> {
        self.accounts
            .with(|all| all.iter().filter(|a| a.chain == chain && !a.hidden).cloned().collect())
    }
}

/// The networks the top bar's picker offers; loaded once the wallet's screens start.
pub(crate) type NetworkChoice = RwSignal<Option<Networks>>;

/// The top bar's network and cluster pickers: a choice is remembered by the shell (so the
/// command line and the next start follow it) and every screen follows it at once.
pub(crate) fn network_picker(networks: NetworkChoice) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let choose = move |choice: SelectNetwork| {
        // The screens follow at once; remembering the choice (a config write, and the watcher
        // following it) happens meanwhile, and a refusal puts the old choice back.
        let before = networks.get_untracked();
        networks.update(|n| {
            if let Some(n) = n {
                if let Some(name) = &choice.network {
                    n.network.clone_from(name);
                }
                if let Some(name) = &choice.solana_network {
                    n.solana_network.clone_from(name);
                }
            }
        });
        spawn_local(async move {
            match call::<_, Networks>(commands::SELECT_NETWORK, &Request { request: &choice }).await
            {
                Ok(n) => {
                    error.set(None);
                    if networks.get_untracked().as_ref() != Some(&n) {
                        networks.set(Some(n));
                    }
                }
                Err(e) => {
                    error.set(Some(e.message));
                    networks.set(before);
                }
            }
        });
    };
    move || {
        networks.get().map(|n| {
            let options = |list: &[vigil_api::NetworkView], chosen: &str| {
                list.iter()
                    .map(|v| {
                        let label = if v.local { format!("{} (this computer)", v.name) } else { v.name.clone() };
                        view! { <option value=v.name.clone() selected=v.name == chosen>{label}</option> }
                    })
                    .collect_view()
            };
            view! {
                <label class="picker">
                    <span class="muted">"Network"</span>
                    <select id="network-picker" on:change=move |ev| choose(SelectNetwork {
                        network: Some(event_target_value(&ev)),
                        solana_network: None,
                    })>{options(&n.evm, &n.network)}</select>
                </label>
                <label class="picker">
                    <span class="muted">"Solana"</span>
                    <select id="solana-network-picker" on:change=move |ev| choose(SelectNetwork {
                        network: None,
                        solana_network: Some(event_target_value(&ev)),
                    })>{options(&n.solana, &n.solana_network)}</select>
                </label>
                {move || error.get().map(|e| view! { <span class="error small-error" id="network-error">{e}</span> })}
            }
        })
    }
}

/// The app once a wallet exists.
pub(crate) fn main_app(networks: NetworkChoice) -> impl IntoView {
    let tab = RwSignal::new(Tab::Dashboard);
    let shared = Shared {
        lock: RwSignal::new(None),
        progress: RwSignal::new(vec![]),
        refresh: RwSignal::new(0),
        focus: RwSignal::new(None),
        protect: RwSignal::new(None),
        networks,
        accounts: RwSignal::new(vec![]),
        accounts_changed: RwSignal::new(0),
    };
    spawn_local(async move {
        if let Ok(n) = call::<_, Networks>(commands::NETWORKS, &NoArgs {}).await {
            networks.set(Some(n));
        }
    });
    Effect::new(move |_| {
        shared.accounts_changed.track();
        spawn_local(async move {
            if let Ok(all) = call::<_, Vec<Account>>(commands::ACCOUNTS, &NoArgs {}).await
                && shared.accounts.try_with_untracked(|a| *a != all) == Some(true)
            {
                shared.accounts.set(all);
            }
        });
    });
    let toast = RwSignal::new(None::<(AlertView, AlertAbout)>);
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
    listen(events::MONITOR, move |m: MonitorEvent| {
        if let MonitorEvent::Alert { alert, about } = m {
            toast.set(Some((alert, about)));
        }
        shared.refresh.update(|r| *r += 1);
    });
    listen(events::OPEN_POSITION, move |key: String| {
        shared.focus.set(Some(key));
        tab.set(Tab::Dashboard);
    });
    listen(events::PROTECT_POSITION, move |key: String| shared.protect.set(Some(key)));
    // "Reduce risk", wherever it was asked for (a notification, the toast, a position card),
    // shows its plan on the Lend screen.
    Effect::new(move |_| {
        if shared.protect.get().is_some() {
            tab.set(Tab::Lend);
        }
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
                {move || toast.get().map(|(alert, about)| {
                    // What "Open" opens: the position on the dashboard, the transaction in
                    // Activity; the watcher's own news opens nothing.
                    let open = match about {
                        AlertAbout::Position => {
                            let key = alert.key.clone();
                            Some(("Open position", Box::new(move || {
                                shared.focus.set(Some(key.clone()));
                                tab.set(Tab::Dashboard);
                            }) as Box<dyn Fn()>))
                        }
                        AlertAbout::Transaction { .. } => {
                            Some(("Open in Activity", Box::new(move || tab.set(Tab::Activity)) as Box<dyn Fn()>))
                        }
                        AlertAbout::Monitor => None,
                    };
                    view! {
                        <div class=format!("toast {}", alert.level.as_str()) id="toast" role="alert">
                            <strong>{alert.title.clone()}</strong>
                            <p>{alert.body.clone()}</p>
                            <div class="actions">
                                {open.map(|(label, go)| view! {
                                    <button class="small" id="toast-open" on:click=move |_| {
                                        go();
                                        toast.set(None);
                                    }>{label}</button>
                                })}
                                {is_lending(&alert.key).then(|| {
                                    let key = alert.key.clone();
                                    view! {
                                        <button class="small" id="toast-protect" on:click=move |_| {
                                            shared.protect.set(Some(key.clone()));
                                            toast.set(None);
                                        }>"Reduce risk"</button>
                                    }
                                })}
                                <button class="small" on:click=move |_| toast.set(None)>"Dismiss"</button>
                            </div>
                        </div>
                    }
                })}
                // The screen stays mounted under the lock: unlocking returns to the form or
                // preview the user was on, as they left it.
                {move || {
                    match tab.get() {
                        Tab::Dashboard => dashboard::dashboard(shared).into_any(),
                        Tab::Send => send::send(shared).into_any(),
                        Tab::Swap => swap::swap(shared).into_any(),
                        Tab::Ledger => ledger::ledger(shared).into_any(),
                        Tab::Solana => solana::solana(shared).into_any(),
                        Tab::Lend => lend::lend(shared).into_any(),
                        Tab::Liquidity => liquidity::liquidity(shared).into_any(),
                        Tab::Activity => activity::activity(shared).into_any(),
                        Tab::Alerts => alerts::alerts(shared).into_any(),
                        Tab::Accounts => accounts::accounts(shared).into_any(),
                        Tab::Settings => settings::settings(shared).into_any(),
                    }
                }}
            </div>
            {dapps::requests(shared)}
            {move || locked.get().then(|| view! { <div class="lock-overlay">{lock_screen(shared)}</div> })}
        </div>
    }
}

/// Whether a position key ("devnet/aave/0x…") is a lending position, which "Reduce risk" can
/// bring back to safety.
fn is_lending(key: &str) -> bool {
    key.split('/').nth(1) == Some("aave")
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

/// A picker of `options`, bound to `value`.
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

/// The "from" picker of a form: the visible accounts of `chain`, each with its name, short
/// address and how it signs (a watch-only account is listed, and its preview says it cannot
/// sign). Empty `value` means the first account.
fn account_picker(
    id: &'static str,
    shared: Shared,
    chain: Chain,
    value: RwSignal<String>,
) -> impl IntoView {
    move || {
        let accounts = shared.accounts_of(chain);
        if value.get_untracked().is_empty()
            && let Some(first) = accounts.first()
        {
            value.set(first.address.clone());
        }
        let chosen = value.get_untracked();
        let options = accounts
            .into_iter()
            .map(|a| {
                let kind = match a.signer {
                    SignerKind::Software => "",
                    SignerKind::Ledger => " · Ledger",
                    SignerKind::Watch => " · watch-only",
                };
                let label = format!("{} ({}){kind}", a.name, format::short(&a.address));
                view! { <option value=a.address.clone() selected=a.address == chosen>{label}</option> }
            })
            .collect_view();
        view! { <select id=id class="account-picker" on:change=move |ev| value.set(event_target_value(&ev))>{options}</select> }
    }
}

/// A token picker: the chosen network's tokens with the account's balance of each, and a
/// field to paste any other token's address, which the shell checks on chain (code, symbol,
/// decimals) and remembers for that network.
fn token_picker(
    id: &'static str,
    shared: Shared,
    account: RwSignal<String>,
    value: RwSignal<String>,
) -> impl IntoView {
    let added = RwSignal::new(0u32);
    let tokens = load_for::<_, Vec<TokenView>>(
        commands::TOKENS,
        move || {
            added.track();
            let network = shared.network();
            let account = account.get();
            (!network.is_empty()).then(|| TokensRequest {
                network,
                account: (!account.is_empty()).then_some(account),
            })
        },
        shared.refresh,
    );
    let pasted = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |_| {
        let request = vigil_api::AddTokenRequest {
            network: shared.network(),
            address: pasted.get_untracked(),
        };
        spawn_local(async move {
            match call::<_, TokenView>(commands::ADD_TOKEN, &Request { request: &request }).await {
                Ok(t) => {
                    error.set(None);
                    pasted.set(String::new());
                    value.set(t.symbol);
                    added.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let other = format!("{id}-address");
    let add_id = format!("{id}-add");
    view! {
        {move || match tokens.get() {
            Load::Loading => view! { <select id=format!("{id}-loading") disabled=true><option>"Loading…"</option></select> }.into_any(),
            Load::Failed(e) => view! { <p class="error small-error" id=format!("{id}-error")>{e}</p> }.into_any(),
            Load::Ready(list) => {
                let chosen = value.get_untracked();
                if !list.iter().any(|t| t.symbol == chosen)
                    && let Some(first) = list.first()
                {
                    value.set(first.symbol.clone());
                }
                let chosen = value.get_untracked();
                let options = list
                    .into_iter()
                    .map(|t| {
                        let balance = t.balance.as_deref().map(|b| format!(" — {}", format::amount(b))).unwrap_or_default();
                        let label = format!("{}{balance}", t.symbol);
                        view! { <option value=t.symbol.clone() selected=t.symbol == chosen>{label}</option> }
                    })
                    .collect_view();
                view! { <select id=id class="token-picker" on:change=move |ev| value.set(event_target_value(&ev))>{options}</select> }.into_any()
            }
        }}
        <div class="token-add">
            <input id=other placeholder="or paste a token address (0x…)" spellcheck="false" autocomplete="off" bind:value=pasted />
            <button class="small" type="button" id=add_id on:click=add disabled=move || pasted.get().trim().is_empty()>"Add token"</button>
        </div>
        {move || error.get().map(|e| view! { <p class="error small-error token-error">{e}</p> })}
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
