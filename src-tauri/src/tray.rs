//! The tray: Vigil keeps running there with the window closed, so positions stay watched.
//! Its menu shows the watcher's status (the lowest health factor) and offers open, lock and
//! quit. On Linux a tray icon has no tooltip, so the status is the menu's first, inert line.

use crate::commands::AppState;
use tauri::{
    AppHandle, Manager, Wry,
    menu::{Menu, MenuItem, PredefinedMenuItem},
    tray::TrayIconBuilder,
};

/// The menu line that shows the watcher's status.
pub(crate) struct StatusItem(MenuItem<Wry>);

/// Adds the tray icon and its menu.
pub(crate) fn install(app: &AppHandle) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Starting…", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Vigil", true, None::<&str>)?;
    let lock = MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Vigil", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[&status, &PredefinedMenuItem::separator(app)?, &open, &lock, &quit],
    )?;
    let mut tray = TrayIconBuilder::with_id("vigil").menu(&menu).tooltip("Vigil");
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id().as_ref() {
        "open" => show_window(app),
        "lock" => {
            // The core publishes the lock; the window hears of it from there.
            if let Some(state) = app.try_state::<AppState>() {
                state.service.lock();
            }
        }
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    app.manage(StatusItem(status));
    Ok(())
}

/// Shows the watcher's status in the tray menu.
pub(crate) fn status(app: &AppHandle, text: &str) {
    if let Some(item) = app.try_state::<StatusItem>() {
        let _ = item.0.set_text(text);
    }
}

/// Brings the main window back (from the tray, or minimized).
pub(crate) fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
