//! Send: the native coin or any token, from the chosen account, on the chosen network.

use vigil_api::SendForm;

use super::*;

pub(super) fn send(shared: Shared) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let asset = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let submit = slot.on_submit(commands::PREVIEW_SEND, move || SendForm {
        network: shared.network_untracked(),
        account: Some(from.get_untracked()).filter(|a| !a.is_empty()),
        to: to.get_untracked(),
        asset: asset.get_untracked(),
        amount: amount.get_untracked(),
    });
    view! {
        <section class="send">
            <h1>"Send"</h1>
            <form class="card form inline-form" on:submit=submit>
                <label for="send-from">"From"</label>
                {account_picker("send-from", shared, Chain::Ethereum, from)}
                <label for="send-to">"To"</label>
                <input id="send-to" placeholder="0x…" spellcheck="false" autocomplete="off"
                    bind:value=to />
                <label for="send-asset">"Asset"</label>
                <div>{token_picker("send-asset", shared, from, asset)}</div>
                <label for="send-amount">"Amount"</label>
                <input id="send-amount" inputmode="decimal" placeholder="0.0"
                    bind:value=amount />
                <div class="actions">
                    <button class="primary" id="send-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button>
                </div>
            </form>
            {slot.view(shared)}
        </section>
    }
}
