//! The background watcher: the notifier's monitors run for as long as the app does (also with
//! the window closed, in the tray), their events go to the window as `monitor` events, the tray
//! shows the worst health factor, and a notification's "Open position" brings the window up on
//! that position (`open-position`). Restarted when the accounts or settings change.

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager};
use vigil_api::events;
use vigil_notifier::{MonitorEvent, UserAction};
use vigil_wallet::{
    Paths,
    watch::{self, WatchError, WatchRequest},
};

/// The running watcher task; replaced on restart.
#[derive(Default)]
pub(crate) struct WatcherSlot(Mutex<Option<tauri::async_runtime::JoinHandle<()>>>);

/// (Re)starts watching in the background with the config as it is now. Nothing to watch yet
/// (no wallet) is not an error; a network that cannot be reached is shown in the tray, and the
/// app runs on.
pub(crate) fn restart(app: &AppHandle) {
    let Some(slot) = app.try_state::<WatcherSlot>() else { return };
    let Some(paths) = app.try_state::<Paths>().map(|p| p.inner().clone()) else { return };
    let handle = app.clone();
    let task = tauri::async_runtime::spawn(async move { run(handle, paths).await });
    // The old task is aborted: dropping its `Watching` stops its monitors.
    let old = slot.0.lock().unwrap_or_else(|p| p.into_inner()).replace(task);
    if let Some(old) = old {
        old.abort();
    }
}

async fn run(app: AppHandle, paths: Paths) {
    let watching =
        match watch::start(&paths, WatchRequest { desktop: true, ..Default::default() }).await {
            Ok(w) => w,
            Err(WatchError::NothingToWatch) => {
                crate::tray::status(&app, "No account to watch yet");
                return;
            }
            Err(e) => {
                eprintln!("vigil: not watching positions: {e}");
                crate::tray::status(&app, &format!("Not watching: {e}"));
                return;
            }
        };
    crate::tray::status(&app, "Watching positions");
    let mut events = watching.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => forward(&app, &event),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
    watching.stop().await;
}

fn forward(app: &AppHandle, event: &MonitorEvent) {
    if let Err(e) = app.emit(events::MONITOR, event) {
        eprintln!("vigil: cannot send an alert to the window: {e}");
    }
    match event {
        MonitorEvent::Tick { worst_health_factor, network, .. } => {
            let text = match worst_health_factor {
                Some(hf) => format!("Lowest health factor on {network}: {hf:.2}"),
                None => format!("No debt on {network}"),
            };
            crate::tray::status(app, &text);
        }
        MonitorEvent::Action { key, action: UserAction::Open } => {
            crate::tray::show_window(app);
            let _ = app.emit(events::OPEN_POSITION, key);
        }
        _ => {}
    }
}
