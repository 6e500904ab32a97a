//! Alerts: the rules (every position's thresholds and each account's own) and the history.

use vigil_api::Alerts;

use super::*;

pub(super) fn alerts(shared: Shared) -> impl IntoView {
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
                        <p class="muted">"A position is a warning below the first health factor, or when its chance of liquidation within 24 hours passes the percentage, and critical below the second health factor. Positions are watched every block, also with the window closed."</p>
                        <div class="rules" id="rules">
                            {a.rules.iter().map(|r| rule_row(r, save)).collect_view()}
                        </div>
                        {(!without.is_empty()).then(|| {
                            let chosen = RwSignal::new(without[0].clone());
                            let base = a.rules.first().map_or((1.5, 1.2, 0.05), |r| (r.warning, r.critical, r.liquidation_chance));
                            view! {
                                <div class="actions">
                                    {select("rule-account", without.clone(), chosen)}
                                    <button class="small" id="add-rule" on:click=move |_| save(vigil_api::RuleForm {
                                        account: Some(chosen.get_untracked()), warning: base.0, critical: base.1, liquidation_chance: base.2, remove: false,
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
                                        <li class=format!("card alert level-{}", h.level.as_str()) data-key=h.key.clone()>
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
    // Shown and typed as a percentage.
    let chance = RwSignal::new(format!("{}", (r.liquidation_chance * 1000.0).round() / 10.0));
    let account = r.account.clone();
    let scope = r.account.clone().unwrap_or_else(|| "Every position".to_owned());
    let form = move |remove: bool| -> Option<vigil_api::RuleForm> {
        Some(vigil_api::RuleForm {
            account: account.clone(),
            warning: warning.get_untracked().trim().parse().ok()?,
            critical: critical.get_untracked().trim().parse().ok()?,
            liquidation_chance: chance
                .get_untracked()
                .trim()
                .trim_end_matches('%')
                .parse::<f64>()
                .ok()?
                / 100.0,
            remove,
        })
    };
    let (save_form, remove_form) = (form.clone(), form);
    view! {
        <div class="card rule inline-form form" data-scope=scope.clone()>
            <strong class="rule-scope">{scope.clone()}</strong><span></span>
            <label>"Warning below"</label>
            <input class="rule-warning" inputmode="decimal" bind:value=warning />
            <label>"Critical below"</label>
            <input class="rule-critical" inputmode="decimal" bind:value=critical />
            <label title="At each asset's realized volatility, read from its price feed">"Warning when the 24 h liquidation chance passes (%)"</label>
            <input class="rule-chance" inputmode="decimal" bind:value=chance />
            <div class="actions">
                <button class="small save-rule" on:click=move |_| if let Some(f) = save_form(false) { save(f) }>"Save"</button>
                {r.account.is_some().then(|| view! {
                    <button class="small remove-rule" on:click=move |_| if let Some(f) = remove_form(true) { save(f) }>"Remove"</button>
                })}
            </div>
        </div>
    }
}
