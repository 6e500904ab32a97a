//! Declares Vigil's commands to Tauri so that capabilities can grant them one by one.

fn main() {
    let commands = &[
        "app_status",
        "generate_wallet",
        "confirm_wallet",
        "import_wallet",
        "cancel_wallet",
        "dashboard",
        "lock_state",
        "unlock",
        "lock",
        "quote_swap",
        "preview_swap",
        "preview_lend",
        "preview_replace",
        "preview_send",
        "preview_solana",
        "solana_stakes",
        "ledger_status",
        "ledger_add",
        "ledger_verify",
        "confirm",
        "markets",
        "activity",
        "alerts",
        "save_rule",
        "settings",
        "save_settings",
        "test_rpc",
    ];
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
