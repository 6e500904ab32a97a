//! A bare Tauri window with one line of HTML: the floor Vigil's start time and memory are
//! measured against (`cargo bench -p vigil-e2e --bench app`). Same Tauri, same WebKitGTK, same
//! release profile; none of Vigil's UI, commands, watcher or tray.

fn main() {
    let mut context = tauri::generate_context!();
    // Not Vigil's window: one of its own, below.
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        // One line of HTML from a custom scheme (no asset server, no data-URL feature).
        .register_uri_scheme_protocol("bare", |_, _| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(b"<!doctype html><h1 id=ready>bare</h1>".to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = tauri::WebviewUrl::CustomProtocol("bare://localhost/".parse()?);
            tauri::WebviewWindowBuilder::new(app, "main", url).title("bare").build()?;
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        eprintln!("bare: {e}");
        std::process::exit(1);
    }
}
