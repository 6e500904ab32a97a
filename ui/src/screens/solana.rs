//! Solana: sending SOL and SPL tokens, and native staking, from the chosen account on the
//! chosen cluster.

use vigil_api::{SolanaForm, SolanaStakesRequest, SolanaStaking};

use super::*;

pub(super) fn solana(shared: Shared) -> impl IntoView {
    let account = RwSignal::new(String::new());
    let staking = load_for::<_, SolanaStaking>(
        commands::SOLANA_STAKES,
        move || {
            let network = shared.solana_network();
            let account = account.get();
            (!network.is_empty()).then(|| SolanaStakesRequest {
                network,
                account: (!account.is_empty()).then_some(account),
            })
        },
        shared.refresh,
    );
    let to = RwSignal::new(String::new());
    let asset = RwSignal::new("SOL".to_owned());
    let amount = RwSignal::new(String::new());
    let validator = RwSignal::new(String::new());
    let stake_amount = RwSignal::new(String::new());
    let slot = PreviewSlot::new();
    let form = move |action: &str, target: String, asset: String, amount: String| SolanaForm {
        network: shared.solana_network_untracked(),
        account: Some(account.get_untracked()).filter(|a| !a.is_empty()),
        action: action.to_owned(),
        target,
        asset,
        amount,
    };
    let send = slot.on_submit(commands::PREVIEW_SOLANA, move || {
        form("send", to.get_untracked(), asset.get_untracked(), amount.get_untracked())
    });
    let stake = slot.on_submit(commands::PREVIEW_SOLANA, move || {
        form("stake", validator.get_untracked(), "SOL".into(), stake_amount.get_untracked())
    });
    view! {
        <section class="solana">
            <h1>"Solana"</h1>
            <form class="card form inline-form" on:submit=send>
                <label for="sol-account">"From"</label>
                {account_picker("sol-account", shared, Chain::Solana, account)}
                <label for="sol-to">"To"</label>
                <input id="sol-to" spellcheck="false" autocomplete="off" placeholder="base58 address"
                    bind:value=to />
                <label for="sol-asset">"Asset"</label>
                {select("sol-asset", ["SOL", "USDC", "USDG"].map(String::from).to_vec(), asset)}
                <label for="sol-amount">"Amount"</label>
                <input id="sol-amount" inputmode="decimal" placeholder="0.0"
                    bind:value=amount />
                <div class="actions"><button class="primary" id="sol-send-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button></div>
            </form>
            <h2>"Staking"</h2>
            {move || match staking.get() {
                Load::Loading => loading(),
                Load::Failed(e) => failed(e),
                Load::Ready(s) => {
                    if validator.get_untracked().is_empty()
                        && let Some(first) = s.validators.first()
                    {
                        validator.set(first.clone());
                    }
                    let stakes = if s.stakes.is_empty() {
                        view! { <p class="muted empty" id="no-stakes">"No stake accounts yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="txs" id="stakes">
                                {s.stakes.iter().map(|st| {
                                    let (unstake, withdraw) = (st.address.clone(), st.address.clone());
                                    view! {
                                        <li class="card tx stake" data-address=st.address.clone()>
                                            <div class="tx-head"><strong>{format!("{} SOL", format::amount(&st.sol))}</strong>
                                            <span class=format!("status {}", st.state)>{st.state.clone()}</span></div>
                                            <p class="muted">{format!("{} · validator {}", format::short(&st.address), st.validator.as_deref().map(format::short).unwrap_or_else(|| "none".into()))}</p>
                                            <div class="actions">
                                                <button class="small unstake" on:click=move |_| slot.request(commands::PREVIEW_SOLANA, form("unstake", unstake.clone(), "SOL".into(), String::new()))>"Unstake"</button>
                                                <button class="small withdraw" on:click=move |_| slot.request(commands::PREVIEW_SOLANA, form("withdraw", withdraw.clone(), "SOL".into(), String::new()))>"Withdraw"</button>
                                            </div>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    view! {
                        {stakes}
                        <form class="card form inline-form" on:submit=stake>
                            <label for="stake-validator">"Validator"</label>
                            {select("stake-validator", s.validators.clone(), validator)}
                            <label for="stake-amount">"Amount (SOL)"</label>
                            <input id="stake-amount" inputmode="decimal" placeholder="0.0"
                                bind:value=stake_amount />
                            <div class="actions"><button class="primary" id="stake-preview" type="submit" disabled=move || slot.busy.get()>"Preview"</button></div>
                        </form>
                    }.into_any()
                }
            }}
            {slot.view(shared)}
        </section>
    }
}
