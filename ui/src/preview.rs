//! The preview panel every signing path goes through: what changes, what it costs, what could
//! go wrong; a danger needs an explicit tick; then confirm, the password if the wallet is
//! locked (or "confirm on your Ledger"), and progress to the final state.

use leptos::{prelude::*, task::spawn_local};
use vigil_api::{
    ConfirmRequest, Executed, FindingView, LockState, Preview, Severity, SignerKind, TxProgress,
    UnlockRequest, commands,
};

use crate::{format, ipc::Request, ipc::call};

#[derive(Clone, PartialEq)]
enum Stage {
    Ready,
    Signing,
    Done(Executed),
}

/// The panel for `preview`. `lock` is the app's lock state (unlocking here updates it);
/// `progress` the shell's progress events; `on_done` runs once the transactions are final.
pub(crate) fn panel(
    preview: Preview,
    lock: RwSignal<Option<LockState>>,
    progress: RwSignal<Vec<TxProgress>>,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Ready);
    let error = RwSignal::new(None::<String>);
    let accepted = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let id = preview.id;
    let needs_override = preview.needs_override;
    let can_sign = preview.would_fail.is_none() && preview.signer != SignerKind::Watch;
    let signer = preview.signer;
    let needs_password =
        move || signer == SignerKind::Software && lock.get().is_none_or(|l| l.locked);
    let confirm = move |_| {
        error.set(None);
        if needs_override && !accepted.get_untracked() {
            error.set(Some(
                "Tick \"I understand the risk\" first: this preview has a danger finding.".into(),
            ));
            return;
        }
        stage.set(Stage::Signing);
        let on_done = on_done.clone();
        spawn_local(async move {
            if signer == SignerKind::Software && lock.get_untracked().is_none_or(|l| l.locked) {
                let request = UnlockRequest { password: password.get_untracked() };
                match call::<_, LockState>(commands::UNLOCK, &Request { request: &request }).await {
                    Ok(state) => {
                        password.set(String::new());
                        lock.set(Some(state));
                    }
                    Err(e) => {
                        error.set(Some(e.message));
                        stage.set(Stage::Ready);
                        return;
                    }
                }
            }
            let request = ConfirmRequest { id, accept_risk: accepted.get_untracked() };
            match call::<_, Executed>(commands::CONFIRM, &Request { request: &request }).await {
                Ok(done) => {
                    stage.set(Stage::Done(done));
                    on_done();
                }
                Err(e) => {
                    error.set(Some(e.message));
                    stage.set(Stage::Ready);
                }
            }
        });
    };
    // Sent and waiting for a block: the last progress of this preview is "sent".
    let waiting = move || {
        progress
            .with(|all| all.iter().rev().find(|p| p.id == id).is_some_and(|p| p.stage == "sent"))
    };
    let progress_view = move || {
        progress
            .get()
            .into_iter()
            .filter(|p| p.id == id)
            .map(|p| {
                let hash = p.hash.map(|h| format::short(&h)).unwrap_or_default();
                view! { <li class=format!("progress {}", p.stage)>{format!("{}: {} {hash}", p.step, p.stage)}</li> }
            })
            .collect_view()
    };
    view! {
        <section class="card preview" id="preview">
            <h2 id="preview-title">{preview.title.clone()}</h2>
            <p class="muted" id="preview-network">{format!("{} · {}", preview.network, format::short(&preview.account))}</p>
            {(signer == SignerKind::Watch).then(|| view! {
                <p class="error" id="watch-only">"This account is watch-only: Vigil has no key for it, so it cannot sign. Choose an account of your recovery phrase or your Ledger in the form."</p>
            })}
            {body(&preview)}
            {move || match stage.get() {
                Stage::Done(done) => view! {
                    <div class="done" id="tx-done">
                        <p><strong>"Done."</strong>" Every transaction is final."</p>
                        <ul>{done.hashes.iter().map(|h| view! { <li><code>{h.clone()}</code></li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                current => {
                    let signing = current == Stage::Signing;
                    view! {
                        <div class="sign">
                            {needs_override.then(|| view! {
                                <label class="check risk">
                                    <input type="checkbox" id="risk-ok"
                                        on:change=move |ev| accepted.set(event_target_checked(&ev)) />
                                    "I understand the risk and want to sign anyway"
                                </label>
                            })}
                            {move || (can_sign && needs_password() && !signing).then(|| view! {
                                <label for="sign-password">"Password (the wallet is locked)"</label>
                                <input type="password" id="sign-password" autocomplete="current-password"
                                    bind:value=password />
                            })}
                            {(signing && signer == SignerKind::Ledger).then(|| view! {
                                <p class="ledger-confirm" id="ledger-confirm">"Confirm on your Ledger: review each transaction on the device and approve it."</p>
                            })}
                            {move || (signing && waiting()).then(|| view! {
                                <p class="muted" id="sent-hint">"Sent: waiting for the network to include it. It is in Activity, where it can be sped up or cancelled if it takes long; you may leave this screen."</p>
                            })}
                            <div class="actions">
                                <button class="primary" id="confirm" disabled=move || !can_sign || signing on:click=confirm.clone()>
                                    {move || match (signing, waiting()) {
                                        (false, _) => "Confirm and sign",
                                        (true, false) => "Signing and sending…",
                                        (true, true) => "Waiting for confirmation…",
                                    }}
                                </button>
                            </div>
                        </div>
                    }.into_any()
                }
            }}
            <ul class="progress-list" id="tx-progress">{progress_view}</ul>
            {move || error.get().map(|e| view! { <p class="error" id="preview-error" role="alert">{e}</p> })}
        </section>
    }
}

/// What a preview shows before anything is signed: the health factor's move, the balance
/// changes, the facts and the fee, the transactions, the findings, and why it would fail.
pub(crate) fn body(preview: &Preview) -> impl IntoView + use<> {
    let details = preview
        .details
        .iter()
        .map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> })
        .collect_view();
    let changes = preview
        .changes
        .iter()
        .map(|c| {
            let class = if c.starts_with('-') { "change out" } else { "change in" };
            view! { <li class=class>{c.clone()}</li> }
        })
        .collect_view();
    let findings = finding_items(&preview.findings);
    // The list numbers them.
    let steps = preview.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view();
    let hf = preview.health_factor.map(|(before, after)| {
        let class = match after {
            Some(h) if h < 1.1 => "hf-change danger",
            Some(h) if h < 1.5 => "hf-change warning",
            _ => "hf-change",
        };
        view! {
            <p class=class id="preview-hf">
                "Health factor " <strong>{format::health(before)}</strong> " → "
                <strong>{format::health(after)}</strong>
            </p>
        }
    });
    let would_fail = preview.would_fail.clone().map(|reason| {
        view! { <p class="error" id="would-fail">"This would fail, so it cannot be signed: " {reason}</p> }
    });
    view! {
        {hf}
        <ul class="changes" id="preview-changes">{changes}</ul>
        <dl class="details">{details}<dt>"Network fee"</dt><dd id="preview-fee">{preview.fee.clone()}</dd></dl>
        <ol class="steps">{steps}</ol>
        <ul class="findings" id="preview-findings">{findings}</ul>
        {would_fail}
    }
}

/// Findings as list items, most serious first, each labelled with its severity.
pub(crate) fn finding_items(findings: &[FindingView]) -> impl IntoView + use<> {
    findings
        .iter()
        .map(|f| {
            let (class, label) = match f.severity {
                Severity::Info => ("finding info", "Info"),
                Severity::Warning => ("finding warning", "Warning"),
                Severity::Danger => ("finding danger", "Danger"),
            };
            view! { <li class=class><strong>{label}</strong>" "{f.message.clone()}</li> }
        })
        .collect_view()
}
