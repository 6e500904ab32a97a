//! Vigil's desktop shell: a window over `vigil-wallet`, and nothing more.
//!
//! Job: register the commands the UI may call (each a thin call into the wallet service),
//! hold the state that lives between commands (a generated phrase awaiting confirmation), and
//! run blocking work (Argon2, the keychain) off the main thread; run the position watcher in the
//! background and pass its events to the window. Boundaries: no wallet logic here; capabilities in `capabilities/` grant the window these commands and nothing else.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod watcher;

fn main() {
    vigil_defi_adapters::install_tls_provider();
    let wallet = match vigil_wallet::Wallet::from_env() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("vigil: {e}");
            std::process::exit(1);
        }
    };
    let paths = wallet.paths().clone();
    let result = tauri::Builder::default()
        .setup(move |app| {
            watcher::spawn(app.handle().clone(), paths);
            Ok(())
        })
        .manage(commands::AppState::new(wallet))
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::generate_wallet,
            commands::confirm_wallet,
            commands::import_wallet,
            commands::cancel_wallet,
            commands::home,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("vigil: the window could not start: {e}");
        std::process::exit(1);
    }
}
