//! The app's entry: onboarding (create or import a wallet), then the wallet's screens.

use leptos::{prelude::*, task::spawn_local};
use vigil_api::{
    AppStatus, ConfirmWalletRequest, GenerateWalletRequest, GeneratedWallet, Home,
    ImportWalletRequest, MIN_PASSWORD_LEN, commands,
};

use crate::ipc::{NoArgs, Request, call};

#[derive(Clone)]
enum Screen {
    Loading,
    Welcome,
    ShowWords(GeneratedWallet),
    ConfirmWords(GeneratedWallet),
    Import,
    Wallet,
    Fatal(String),
}

/// The whole app.
#[component]
pub(crate) fn App() -> impl IntoView {
    let screen = RwSignal::new(Screen::Loading);
    let networks: crate::screens::NetworkChoice = RwSignal::new(None);
    spawn_local(async move {
        let next = match call::<_, AppStatus>(commands::APP_STATUS, &NoArgs {}).await {
            Ok(AppStatus { has_wallet: false }) => Screen::Welcome,
            Ok(AppStatus { has_wallet: true }) => Screen::Wallet,
            Err(e) => Screen::Fatal(e.message),
        };
        screen.set(next);
    });
    view! {
        <div class="app">
            <header class="topbar">
                <span class="logo" aria-hidden="true"></span>
                <span class="brand">"Vigil"</span>
                <div class="network">
                    {move || matches!(screen.get(), Screen::Wallet).then(|| crate::screens::network_picker(networks))}
                </div>
            </header>
            <main class="content">
                {move || match screen.get() {
                    Screen::Loading => view! { <p class="muted" id="loading">"Loading…"</p> }.into_any(),
                    Screen::Welcome => welcome(screen).into_any(),
                    Screen::ShowWords(g) => show_words(screen, g).into_any(),
                    Screen::ConfirmWords(g) => confirm_words(screen, g).into_any(),
                    Screen::Import => import(screen).into_any(),
                    Screen::Wallet => crate::screens::main_app(networks).into_any(),
                    Screen::Fatal(message) => view! {
                        <section class="card"><h1>"Vigil cannot start"</h1>
                        <p class="error" id="error">{message}</p></section>
                    }.into_any(),
                }}
            </main>
        </div>
    }
}

fn error_box(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|e| view! { <p class="error" id="error" role="alert">{e}</p> })
}

fn welcome(screen: RwSignal<Screen>) -> impl IntoView {
    let error = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let create = move |_| {
        busy.set(true);
        spawn_local(async move {
            let request = GenerateWalletRequest { words: 12 };
            match call(commands::GENERATE_WALLET, &Request { request: &request }).await {
                Ok(generated) => screen.set(Screen::ShowWords(generated)),
                Err(e) => {
                    error.set(Some(e.message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <section class="card welcome">
            <h1>"A wallet that shows you everything before you sign"</h1>
            <p class="muted">
                "Your recovery phrase is encrypted with your password and kept in your system keychain. \
                 Nothing leaves this computer."
            </p>
            <div class="actions">
                <button id="create-wallet" class="primary" on:click=create disabled=move || busy.get()>
                    "Create a new wallet"
                </button>
                <button id="import-wallet" on:click=move |_| screen.set(Screen::Import)>
                    "Import a recovery phrase"
                </button>
            </div>
            {error_box(error)}
        </section>
    }
}

fn show_words(screen: RwSignal<Screen>, generated: GeneratedWallet) -> impl IntoView {
    let written = RwSignal::new(false);
    let words = generated
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            view! {
                <li><span class="n">{i + 1}</span>
                <span class="word" id=format!("word-{}", i + 1)>{w.clone()}</span></li>
            }
        })
        .collect_view();
    let next = generated.clone();
    view! {
        <section class="card">
            <h1>"Write down your recovery phrase"</h1>
            <p class="muted">
                "These " {generated.words.len()} " words, in this order, are the only way to recover \
                 your funds. Write them on paper; never type them into a website or share a photo."
            </p>
            <ol class="words" id="words">{words}</ol>
            <label class="check">
                <input type="checkbox" id="written-down"
                    on:change=move |ev| written.set(event_target_checked(&ev)) />
                "I have written the words down, in order"
            </label>
            <div class="actions">
                <button id="words-written" class="primary" disabled=move || !written.get()
                    on:click=move |_| screen.set(Screen::ConfirmWords(next.clone()))>
                    "Continue"
                </button>
                <button on:click=move |_| cancel_new_wallet(screen)>"Cancel"</button>
            </div>
        </section>
    }
}

/// Tells the shell to forget the generated phrase, then goes back to the start.
fn cancel_new_wallet(screen: RwSignal<Screen>) {
    spawn_local(async move {
        // Nothing to show if it fails: the shell forgets the phrase on exit anyway.
        let _ = call::<_, ()>(commands::CANCEL_WALLET, &NoArgs {}).await;
        screen.set(Screen::Welcome);
    });
}

/// Password and repeat fields with their early checks; returns the signals.
fn password_fields(password: RwSignal<String>, repeat: RwSignal<String>) -> impl IntoView {
    view! {
        <label for="password">"Password (at least " {MIN_PASSWORD_LEN} " characters)"</label>
        <p class="muted">"Use a few uncommon words: a password that is easy to guess is refused, \
            because anyone who copies your keychain could try guesses at it offline."</p>
        <input type="password" id="password" autocomplete="new-password"
            bind:value=password />
        <label for="password-repeat">"Repeat the password"</label>
        <input type="password" id="password-repeat" autocomplete="new-password"
            bind:value=repeat />
    }
}

/// The state shared by the two forms that end in a new wallet (confirm and import).
#[derive(Clone, Copy)]
struct WalletForm {
    screen: RwSignal<Screen>,
    password: RwSignal<String>,
    repeat: RwSignal<String>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl WalletForm {
    /// Checks the passwords, sends `request` to `command`, and shows the accounts or the error.
    fn submit<R: serde::Serialize + 'static>(self, command: &'static str, request: R) {
        if let Err(e) =
            check_passwords(&self.password.get_untracked(), &self.repeat.get_untracked())
        {
            self.error.set(Some(e));
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            match call::<_, Home>(command, &Request { request: &request }).await {
                Ok(_) => self.screen.set(Screen::Wallet),
                Err(e) => {
                    self.error.set(Some(e.message));
                    self.busy.set(false);
                }
            }
        });
    }
}

fn check_passwords(password: &str, repeat: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("The password must have at least {MIN_PASSWORD_LEN} characters."));
    }
    if password != repeat {
        return Err("The two passwords differ.".into());
    }
    Ok(())
}

fn confirm_words(screen: RwSignal<Screen>, generated: GeneratedWallet) -> impl IntoView {
    let answers: Vec<(usize, RwSignal<String>)> =
        generated.check_positions.iter().map(|&p| (p, RwSignal::new(String::new()))).collect();
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let inputs = answers
        .iter()
        .map(|&(p, value)| {
            view! {
                <label for=format!("check-word-{p}")>"Word #" {p}</label>
                <input type="text" id=format!("check-word-{p}") autocomplete="off" spellcheck="false"
                    bind:value=value />
            }
        })
        .collect_view();
    let form = WalletForm { screen, password, repeat, error, busy };
    let submit = move |_| {
        let request = ConfirmWalletRequest {
            answers: answers.iter().map(|(_, v)| v.get_untracked()).collect(),
            password: password.get_untracked(),
        };
        form.submit(commands::CONFIRM_WALLET, request);
    };
    view! {
        <section class="card">
            <h1>"Confirm your recovery phrase"</h1>
            <p class="muted">"Type the words asked for, then choose the password that unlocks this wallet."</p>
            <div class="form">{inputs}{password_fields(password, repeat)}</div>
            <div class="actions">
                <button id="confirm-create" class="primary" on:click=submit disabled=move || busy.get()>
                    {move || if busy.get() { "Encrypting…" } else { "Create wallet" }}
                </button>
                <button on:click=move |_| screen.set(Screen::ShowWords(generated.clone()))>"Back to the words"</button>
            </div>
            {error_box(error)}
        </section>
    }
}

fn import(screen: RwSignal<Screen>) -> impl IntoView {
    let phrase = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let form = WalletForm { screen, password, repeat, error, busy };
    let submit = move |_| {
        let request = ImportWalletRequest {
            mnemonic: phrase.get_untracked(),
            password: password.get_untracked(),
        };
        form.submit(commands::IMPORT_WALLET, request);
    };
    view! {
        <section class="card">
            <h1>"Import a recovery phrase"</h1>
            <p class="muted">"Enter your 12 or 24 words, separated by spaces."</p>
            <div class="form">
                <label for="mnemonic">"Recovery phrase"</label>
                <textarea id="mnemonic" rows="3" autocomplete="off" spellcheck="false"
                    bind:value=phrase></textarea>
                {password_fields(password, repeat)}
            </div>
            <div class="actions">
                <button id="import-confirm" class="primary" on:click=submit disabled=move || busy.get()>
                    {move || if busy.get() { "Encrypting…" } else { "Import" }}
                </button>
                <button on:click=move |_| screen.set(Screen::Welcome)>"Cancel"</button>
            </div>
            {error_box(error)}
        </section>
    }
}
