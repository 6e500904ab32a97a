//! The background watcher: the notifier's monitors run for as long as the app does (also with
//! the window closed, in the tray), their events go to the window as `monitor` events, the tray
//! shows the worst health factor, and a notification's "Open position" brings the window up on
//! that position (`open-position`). Restarted when the core says the config changed: the old
//! monitors are stopped before the new ones start, so no alert is raised twice. Transactions
//! the app sends are followed as soon as the core says they went out.

use std::{sync::Mutex, time::Duration};

use tauri::{AppHandle, Emitter, Manager, async_runtime::JoinHandle};
use tokio::sync::oneshot;
use vigil_api::events;
use vigil_notifier::{MonitorEvent, UserAction};
use vigil_wallet::{
    Paths,
    app::CoreEvent,
    watch::{self, WatchError, WatchRequest},
};

/// How long the old watcher may take to stop before the new one starts anyway.
const STOP_TIMEOUT: Duration = Duration::from_secs(12);
/// Waits between attempts to start watching when a network cannot be reached.
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The running watcher task and the way to stop it; replaced on restart.
#[derive(Default)]
pub(crate) struct WatcherSlot(Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>);

/// (Re)starts watching in the background with the config as it is now. Nothing to watch yet
/// (no wallet) is not an error; a network that cannot be reached is shown in the tray and
/// tried again, and the app runs on.
pub(crate) fn restart(app: &AppHandle) {
    let Some(slot) = app.try_state::<WatcherSlot>() else { return };
    let Some(paths) = app.try_state::<Paths>().map(|p| p.inner().clone()) else { return };
    let (stop, stopped) = oneshot::channel();
    let mut current = slot.0.lock().unwrap_or_else(|p| p.into_inner());
    let old = current.take();
    let handle = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        if let Some((stop_old, old_task)) = old {
            let _ = stop_old.send(());
            let _ = tokio::time::timeout(STOP_TIMEOUT, old_task).await;
        }
        run(handle, paths, stopped).await;
    });
    *current = Some((stop, task));
}

async fn run(app: AppHandle, paths: Paths, mut stopped: oneshot::Receiver<()>) {
    let Some(state) = app.try_state::<crate::commands::AppState>() else { return };
    // The dashboard's reads ride in the monitors' own, so the window adds none per block.
    let request = WatchRequest {
        desktop: true,
        rider: Some(state.service.dashboard_rider()),
        ..Default::default()
    };
    let mut wait = RETRY_FIRST;
    let watching = loop {
        match watch::start(&paths, request.clone()).await {
            Ok(w) => break w,
            Err(WatchError::NothingToWatch) => {
                crate::tray::status(&app, "No account to watch yet");
                return;
            }
            Err(e) => {
                eprintln!("vigil: not watching positions yet: {e}");
                crate::tray::status(&app, &format!("Not watching: {e}"));
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tokio::time::sleep(wait) => {}
                }
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    };
    crate::tray::status(&app, "Watching positions");
    let mut events = watching.subscribe();
    // Transactions the app sends are followed from the moment they are broadcast.
    let mut core = state.service.subscribe();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            event = events.recv() => match event {
                Ok(event) => forward(&app, &event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            event = core.recv() => match event {
                Ok(CoreEvent::TransactionSent { network, hash, account, nonce }) => {
                    watching.track(&network, &hash, &account, nonce);
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    watching.stop().await;
}

fn forward(app: &AppHandle, event: &MonitorEvent) {
    if let Some(shown) = crate::view::monitor_event(event)
        && let Err(e) = app.emit(events::MONITOR, shown)
    {
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
        MonitorEvent::Action { key, action: UserAction::Protect } => {
            crate::tray::show_window(app);
            let _ = app.emit(events::PROTECT_POSITION, key);
        }
        _ => {}
    }
}
