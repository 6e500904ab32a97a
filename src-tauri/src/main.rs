//! Vigil's desktop shell: a window over `vigil-wallet`, and nothing more.
//!
//! Job: register the commands the UI may call (each a thin call into the wallet's
//! `AppService`), keep the watcher running in the background and in the tray with the window
//! closed, serve dapps as their wallet (`dapps`, asking in the window), lock the wallet after inactivity, and run blocking work (Argon2, the keychain) off
//! the main thread. Boundaries: no wallet logic here; signing happens only through a preview
//! the shell made (`confirm` takes a preview id, never a payload); capabilities in
//! `capabilities/` grant the window these commands and nothing else.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod dapps;
#[cfg(target_os = "linux")]
mod sleep;
mod tray;
mod view;
mod watcher;

use std::time::Duration;

use tauri::{Emitter, Manager, WindowEvent};
use vigil_api::events;
use vigil_wallet::app::CoreEvent;

/// How often the shell checks whether the wallet has been idle long enough to lock.
const LOCK_CHECK: Duration = Duration::from_secs(2);

fn main() -> std::process::ExitCode {
    // `vigil-desktop --cli ARGS` is Vigil's command line (the .deb's `vigil` runs it so): one
    // binary carries the core for both front-ends.
    if std::env::args_os().nth(1).is_some_and(|a| a == "--cli") {
        let args = std::iter::once("vigil".into()).chain(std::env::args_os().skip(2));
        return vigil_cli::main_with::<_, std::ffi::OsString>(args);
    }
    vigil_defi_adapters::install_tls_provider();
    let service =
        match vigil_wallet::Wallet::from_env().and_then(vigil_wallet::app::AppService::new) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("vigil: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
    let paths = service.wallet().paths().clone();
    let result = tauri::Builder::default()
        .manage(commands::AppState::new(service))
        .manage(paths)
        .manage(watcher::WatcherSlot::default())
        .manage(dapps::Dapps::default())
        .setup(|app| {
            let handle = app.handle().clone();
            #[cfg(target_os = "linux")]
            software_compositing(&handle);
            tray::install(&handle)?;
            follow_core(handle.clone());
            watcher::restart(&handle);
            dapps::start(&handle);
            #[cfg(target_os = "linux")]
            let asleep = handle.clone();
            #[cfg(target_os = "linux")]
            sleep::lock_on_sleep(move || {
                if let Some(state) = asleep.try_state::<commands::AppState>() {
                    state.service.lock();
                }
            });
            auto_lock(handle);
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Vigil in the tray, watching; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event
                && std::env::var_os("VIGIL_QUIT_ON_CLOSE").is_none()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::generate_wallet,
            commands::confirm_wallet,
            commands::import_wallet,
            commands::cancel_wallet,
            commands::dashboard,
            commands::lock_state,
            commands::unlock,
            commands::lock,
            commands::quote_swap,
            commands::preview_swap,
            commands::preview_lend,
            commands::preview_protect,
            commands::liquidity_positions,
            commands::liquidity_pools,
            commands::preview_liquidity,
            commands::preview_replace,
            commands::preview_send,
            commands::preview_solana,
            commands::solana_stakes,
            commands::ledger_verify,
            commands::confirm,
            commands::markets,
            commands::activity,
            commands::alerts,
            commands::save_rule,
            commands::ledger_status,
            commands::ledger_add,
            commands::settings,
            commands::save_settings,
            commands::test_rpc,
            commands::networks,
            commands::select_network,
            commands::accounts,
            commands::add_account,
            commands::watch_account,
            commands::edit_account,
            commands::tokens,
            commands::add_token,
            commands::answer_dapp,
            commands::provider_status,
            commands::revoke_dapp,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("vigil: the window could not start: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

/// Renders without WebKit's accelerated compositing: the UI has nothing that needs it, and
/// without a GPU its layers cost about 90 MB of the web process at idle (measured in
/// BENCHMARKS.md). In this mode WebKitWebDriver's screenshot command never answers, so the
/// end-to-end tests take screenshots from the X server instead (tests/screen.rs).
#[cfg(target_os = "linux")]
fn software_compositing(app: &tauri::AppHandle) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    // Failing here costs memory, not function: say so and carry on.
    let Some(window) = app.get_webview_window("main") else {
        eprintln!("vigil: no main window to turn WebKit's compositing off in");
        return;
    };
    let applied = window.with_webview(|webview| match WebViewExt::settings(&webview.inner()) {
        Some(settings) => {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never)
        }
        None => eprintln!("vigil: the webview has no settings; WebKit keeps compositing on"),
    });
    if let Err(e) = applied {
        eprintln!("vigil: cannot reach the webview to turn compositing off: {e}");
    }
}

/// Locks the wallet once it has been idle for the lock timeout (the core then publishes it).
fn auto_lock(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(LOCK_CHECK).await;
            let Some(state) = app.try_state::<commands::AppState>() else { return };
            state.service.lock_if_idle();
        }
    });
}

/// Follows the core's events: a config change restarts the watcher on the new accounts,
/// networks and rules; a lock is shown in the window. (Transactions sent are followed by the
/// watcher itself.)
fn follow_core(app: tauri::AppHandle) {
    let Some(state) = app.try_state::<commands::AppState>() else { return };
    let mut events = state.service.subscribe();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(CoreEvent::ConfigChanged) => watcher::restart(&app),
                Ok(CoreEvent::Locked) => {
                    if let Some(state) = app.try_state::<commands::AppState>() {
                        let _ = app.emit(events::LOCKED, state.service.lock_state());
                    }
                }
                Ok(_) => {}
                // Missed events: what they would have caused, done once now.
                Err(RecvError::Lagged(_)) => watcher::restart(&app),
                Err(RecvError::Closed) => return,
            }
        }
    });
}
