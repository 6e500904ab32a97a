//! Activity: the journal of what Vigil signed, with speed-up and cancel for what is pending.

use vigil_api::{ActivityItem, ReplaceForm, TxStatus};

use super::*;

pub(super) fn activity(shared: Shared) -> impl IntoView {
    let data = load::<Vec<ActivityItem>>(commands::ACTIVITY, shared.refresh);
    let slot = PreviewSlot::new();
    view! {
        <section class="activity">
            <h1>"Activity"</h1>
            {move || match data.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(items) if items.is_empty() => view! {
                    <p class="muted empty" id="no-activity">"No transactions yet. Swaps, lending and transfers you sign appear here."</p>
                }.into_any(),
                Load::Ready(items) => view! {
                    <ul class="txs" id="activity">
                        {items.into_iter().map(|t| {
                            let pending = t.status == TxStatus::Pending;
                            let status = t.status.as_str();
                            let (speed, cancel) = (t.hash.clone(), t.hash.clone());
                            view! {
                                <li class=format!("tx card status-{status}") data-hash=t.hash.clone()>
                                    <div class="tx-head">
                                        <strong class="tx-label">{t.label.clone()}</strong>
                                        <span class=format!("status {status}")>{status}</span>
                                    </div>
                                    <p class="muted">
                                        {format!("{} · nonce {} · {} · {}", t.network, t.nonce, format::short(&t.hash), format::time(t.sent_at))}
                                        {t.block.map(|b| format!(" · block {b}"))}
                                    </p>
                                    {pending.then(|| view! {
                                        <div class="actions">
                                            <button class="small speed-up" on:click=move |_| slot.request(commands::PREVIEW_REPLACE, ReplaceForm { hash: speed.clone(), cancel: false })>"Speed up"</button>
                                            <button class="small cancel" on:click=move |_| slot.request(commands::PREVIEW_REPLACE, ReplaceForm { hash: cancel.clone(), cancel: true })>"Cancel"</button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {slot.view(shared)}
        </section>
    }
}
