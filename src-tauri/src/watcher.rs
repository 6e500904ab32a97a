//! The background watcher: the notifier's monitors run for as long as the app does, their
//! events go to the window as `monitor` events, and a notification's "Open position" brings the
//! window up on that position (`open-position`).

use tauri::{AppHandle, Emitter, Manager};
use vigil_notifier::{MonitorEvent, UserAction};
use vigil_wallet::{
    Paths,
    watch::{self, WatchError, WatchRequest},
};

/// The event every monitor event is emitted as.
pub(crate) const MONITOR_EVENT: &str = "monitor";
/// The event "Open position" is emitted as, with the position's key.
pub(crate) const OPEN_POSITION_EVENT: &str = "open-position";

/// Starts watching in the background. Nothing to watch yet (no wallet) is not an error; a
/// network that cannot be reached is logged, and the app runs on.
pub(crate) fn spawn(app: AppHandle, paths: Paths) {
    tauri::async_runtime::spawn(async move {
        let watching = match watch::start(
            &paths,
            WatchRequest { desktop: true, ..Default::default() },
        )
        .await
        {
            Ok(w) => w,
            Err(WatchError::NothingToWatch) => {
                eprintln!("vigil: no account to watch yet");
                return;
            }
            Err(e) => {
                eprintln!("vigil: not watching positions: {e}");
                return;
            }
        };
        let mut events = watching.subscribe();
        loop {
            match events.recv().await {
                Ok(event) => forward(&app, &event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        watching.stop().await;
    });
}

fn forward(app: &AppHandle, event: &MonitorEvent) {
    if let Err(e) = app.emit(MONITOR_EVENT, event) {
        eprintln!("vigil: cannot send an alert to the window: {e}");
    }
    if let MonitorEvent::Action { key, action: UserAction::Open } = event {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.show();
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
        let _ = app.emit(OPEN_POSITION_EVENT, key);
    }
}
