//! A bare Tauri window with one line of HTML: the floor Vigil's start time and memory are
//! measured against (`cargo bench -p vigil-e2e --bench app`). Same Tauri, same WebKitGTK, same
//! release profile; none of Vigil's UI, commands, watcher or tray.

fn main() {
    let mut context = tauri::generate_context!();
    // Not Vigil's window: one of its own, below.
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        .setup(|app| {
            let url = "data:text/html,<!doctype html><h1 id=ready>bare</h1>";
            let url = tauri::WebviewUrl::External(url.parse()?);
            tauri::WebviewWindowBuilder::new(app, "main", url).title("bare").build()?;
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        eprintln!("bare: {e}");
        std::process::exit(1);
    }
}
