//! Settings: lock timeout, currency, notifications, slippage, the networks with the user's
//! endpoints (each tested against its chain id) and protocol contracts, and the public Solana
//! clusters' endpoints.

use vigil_api::Level;
use vigil_api::{LockState, PROTOCOL_KEYS, Settings};

use super::*;

pub(super) fn settings(shared: Shared) -> impl IntoView {
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
            {super::dapps::connections()}
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
    /// One field per protocol contract, in `PROTOCOL_KEYS` order.
    protocols: RwSignal<Vec<RwSignal<String>>>,
}

impl NetworkRow {
    fn new(name: &str, chain_id: u64, urls: &[String], protocols: &[(String, String)]) -> Self {
        let fields = PROTOCOL_KEYS
            .iter()
            .map(|(key, _)| {
                let value = protocols.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
                RwSignal::new(value.unwrap_or_default())
            })
            .collect();
        Self {
            protocols: RwSignal::new(fields),
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
    let notify = RwSignal::new(s.notify_level.as_str().to_owned());
    let rows = RwSignal::new(
        s.networks
            .iter()
            .map(|n| NetworkRow::new(&n.name, n.chain_id, &n.rpc_urls, &n.protocols))
            .collect::<Vec<_>>(),
    );
    // Each public Solana cluster: the user's URLs, one per line (empty: its public endpoint).
    let clusters: Vec<(String, String, RwSignal<String>)> = s
        .solana_networks
        .iter()
        .map(|c| (c.name.clone(), c.default_urls.join(" "), RwSignal::new(c.rpc_urls.join("\n"))))
        .collect();
    let cluster_fields = clusters.clone();
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
            let protocols = PROTOCOL_KEYS
                .iter()
                .zip(r.protocols.get_untracked())
                .map(|((key, _), value)| ((*key).to_owned(), value.get_untracked()))
                .filter(|(_, value)| !value.trim().is_empty())
                .collect();
            networks.push(vigil_api::NetworkSetting {
                protocols,
                name: r.name.get_untracked(),
                chain_id,
                rpc_urls: r.urls(),
            });
        }
        let solana_networks = clusters
            .iter()
            .map(|(name, _, urls)| vigil_api::SolanaNetworkSetting {
                name: name.clone(),
                rpc_urls: urls
                    .get_untracked()
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
                default_urls: vec![],
            })
            .collect();
        let request = Settings {
            networks,
            solana_networks,
            lock_after_secs: (minutes * 60.0).round() as u64,
            currency: currency.get_untracked(),
            slippage_percent: slippage,
            notify_level: [Level::Ok, Level::Warning, Level::Critical, Level::Liquidatable]
                .into_iter()
                .find(|l| l.as_str() == notify.get_untracked())
                .unwrap_or(Level::Ok),
        };
        spawn_local(async move {
            match call::<_, Settings>(commands::SAVE_SETTINGS, &Request { request: &request }).await
            {
                Ok(_) => {
                    saved.set(Some("Saved. Positions are watched with the new settings.".into()));
                    // New or renamed networks appear in the top bar's picker.
                    if let Ok(n) =
                        call::<_, vigil_api::Networks>(commands::NETWORKS, &NoArgs {}).await
                    {
                        shared.networks.set(Some(n));
                    }
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
                    <details class="protocols">
                        <summary>"Protocol contracts (for a chain Vigil does not know: leave empty for a built-in one)"</summary>
                        <div class="inline-form form">
                            {PROTOCOL_KEYS.iter().zip(r.protocols.get_untracked()).map(|((key, label), value)| view! {
                                <label>{*label}</label>
                                <input class=format!("protocol-{key}") spellcheck="false" placeholder="0x…" bind:value=value />
                            }).collect_view()}
                        </div>
                    </details>
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
                <button class="small" type="button" id="add-network" on:click=move |_| rows.update(|r| r.push(NetworkRow::new("", 0, &[], &[])))>"Add a network"</button>
            </div>
            <p class="muted">"The local devnet is always there. Give a built-in network's chain id (Ethereum 1, Arbitrum 42161, Optimism 10, Base 8453, Polygon 137) to use your own RPC URLs with its protocols and tokens; any other chain needs its protocol contracts."</p>
            <div class="networks" id="networks">{network_rows}</div>
            <h2>"Solana clusters"</h2>
            <p class="muted">"Your own RPC endpoints, one per line, tried in order; leave empty for the cluster's public endpoint. The local validator is set up by 'vigil devnet solana'."</p>
            <div class="card form inline-form" id="solana-networks">
                {cluster_fields.into_iter().map(|(name, default, urls)| view! {
                    <label for=format!("solana-urls-{name}")>{name.clone()}</label>
                    <textarea id=format!("solana-urls-{name}") class="solana-urls" rows="2" spellcheck="false" placeholder=default bind:value=urls></textarea>
                }).collect_view()}
            </div>
            <div class="actions">
                <button class="primary" id="save-settings" type="submit">"Save"</button>
            </div>
            {move || saved.get().map(|m| view! { <p class="done" id="settings-saved">{m}</p> })}
            {move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })}
        </form>
    }
}
