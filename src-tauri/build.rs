//! Declares Vigil's commands to Tauri so that capabilities can grant them one by one. The list
//! is the API's own (`vigil_api::commands::ALL`), the one the UI calls and the capabilities
//! grant (a test checks those agree).

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(&vigil_api::commands::ALL));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
