//! Where alerts go: the desktop (a notification with "Open position", "Reduce risk" for a
//! lending position, and "Snooze 1 h", whose choice comes back as a
//! [`MonitorEvent::Action`]), and a structured log line. The app's event
//! stream is the monitor's broadcast channel itself, so it gets every alert whatever happens to
//! the other sinks.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use notify_rust::{Notification, NotificationResponse, Timeout, Urgency};
use tokio::sync::broadcast;

use crate::{
    alert::{Alert, MonitorEvent, UserAction, unix_now},
    rules::Level,
    store::AlertStore,
};

/// How long "Snooze 1 h" snoozes.
pub const SNOOZE_SECS: u64 = 3_600;

/// Why a sink could not deliver.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// No notification server took the alert.
    #[error(
        "no desktop notification server answered ({0}); alerts still reach the app and the log. \
         Start one (the desktop's own, or dunst) to get desktop alerts"
    )]
    Desktop(String),
    /// Another sink failed (its message says how).
    #[error("{0}")]
    Other(String),
}

/// A destination for alerts.
pub trait Sink: Send + Sync {
    /// Its name, for logs.
    fn name(&self) -> &'static str;
    /// Delivers one alert. Blocking: the monitor calls it off the async runtime.
    fn deliver(&self, alert: &Alert) -> Result<(), SinkError>;
}

/// One structured log line per alert (`target: vigil::alert`), with the key, level and block.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSink;

impl Sink for LogSink {
    fn name(&self) -> &'static str {
        "log"
    }

    fn deliver(&self, a: &Alert) -> Result<(), SinkError> {
        let level = format!("{:?}", a.level).to_lowercase();
        if a.level >= Level::Critical {
            tracing::error!(target: "vigil::alert", key = %a.key, level, block = ?a.block, stale = a.stale, title = %a.title, body = %a.body);
        } else if a.level == Level::Warning {
            tracing::warn!(target: "vigil::alert", key = %a.key, level, block = ?a.block, stale = a.stale, title = %a.title, body = %a.body);
        } else {
            tracing::info!(target: "vigil::alert", key = %a.key, level, block = ?a.block, stale = a.stale, title = %a.title, body = %a.body);
        }
        Ok(())
    }
}

/// The notification's urgency for a level.
pub fn urgency(level: Level) -> Urgency {
    match level {
        Level::Ok => Urgency::Low,
        Level::Warning => Urgency::Normal,
        Level::Critical | Level::Liquidatable => Urgency::Critical,
    }
}

/// The action keys on a notification. "default" is what clicking the notification does.
const OPEN: &str = "default";
const SNOOZE: &str = "snooze";
const PROTECT: &str = "protect";
/// An actionable notification expires after this long (the snooze period), so the thread that
/// waits for the user's choice ends even when nobody acts.
const ACTION_WINDOW_MS: u32 = 3_600_000;

/// Desktop notifications over D-Bus (notify-rust). Notification servers send the user's choice
/// only to the connection that sent the notification, so each notification with actions keeps
/// its connection in a thread that waits for the choice; the choice snoozes the position in the
/// store when asked and goes on the event stream. Those waits are bounded: a position has at
/// most one live notification (a newer alert closes the older one), and each expires after
/// [`ACTION_WINDOW_MS`].
pub struct DesktopSink {
    store: Arc<dyn AlertStore>,
    events: broadcast::Sender<MonitorEvent>,
    /// The live notification of each position key.
    live: Arc<Mutex<HashMap<String, u32>>>,
    /// Alerts below this level stay in the app and the history, off the desktop.
    min_level: Level,
}

impl std::fmt::Debug for DesktopSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopSink").finish_non_exhaustive()
    }
}

impl DesktopSink {
    /// A sink whose notifications' actions snooze in `store` and are reported on `events`.
    pub fn new(store: Arc<dyn AlertStore>, events: broadcast::Sender<MonitorEvent>) -> Self {
        Self { store, events, live: Arc::default(), min_level: Level::Ok }
    }

    /// Shows only alerts at `level` or worse (the user's "notify me from" setting).
    pub fn with_min_level(mut self, level: Level) -> Self {
        self.min_level = level;
        self
    }

    /// Whether an alert at `level` goes to the desktop.
    pub fn shows(&self, level: Level) -> bool {
        level >= self.min_level
    }
}

impl Sink for DesktopSink {
    fn name(&self) -> &'static str {
        "desktop"
    }

    fn deliver(&self, alert: &Alert) -> Result<(), SinkError> {
        if !self.shows(alert.level) {
            return Ok(());
        }
        let mut n = Notification::new();
        n.appname("Vigil")
            .summary(&alert.title)
            .body(&alert.body)
            .icon("dialog-warning")
            .urgency(urgency(alert.level));
        if alert.has_actions() {
            n.action(OPEN, "Open position");
            // A lending position has a way back to safety one click away.
            if matches!(alert.subject, crate::Subject::Lending { .. }) && alert.level > Level::Ok {
                n.action(PROTECT, "Reduce risk");
            }
            n.action(SNOOZE, "Snooze 1 h").timeout(Timeout::Milliseconds(ACTION_WINDOW_MS));
        } else if alert.level == Level::Ok {
            n.timeout(Timeout::Milliseconds(10_000));
        }
        if !alert.has_actions() {
            n.show().map_err(|e| SinkError::Desktop(e.to_string()))?;
            return Ok(());
        }
        // The handle holds a connection that cannot leave its thread: show it from the thread
        // that will wait on it, and hear back whether the server took it.
        let (shown_tx, shown_rx) = std::sync::mpsc::sync_channel(1);
        let (key, store, events, live) =
            (alert.key.clone(), self.store.clone(), self.events.clone(), self.live.clone());
        let waiter = thread::Builder::new().name("vigil-notification".into()).spawn(move || {
            let handle = match n.show() {
                Ok(h) => h,
                Err(e) => {
                    let _ = shown_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let id = handle.id();
            let previous = live.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone(), id);
            let _ = shown_tx.send(Ok(()));
            if let Some(old) = previous {
                close(old);
            }
            let mut chosen = None;
            let waited = handle.wait_for_response(|r: &NotificationResponse| {
                chosen = match r {
                    NotificationResponse::Default => Some(UserAction::Open),
                    NotificationResponse::Action(a) if a == OPEN => Some(UserAction::Open),
                    NotificationResponse::Action(a) if a == SNOOZE => Some(UserAction::Snooze),
                    NotificationResponse::Action(a) if a == PROTECT => Some(UserAction::Protect),
                    _ => None,
                };
            });
            {
                let mut live = live.lock().unwrap_or_else(|p| p.into_inner());
                if live.get(&key) == Some(&id) {
                    live.remove(&key);
                }
            }
            if let Err(e) = waited {
                tracing::warn!("lost the notification server while waiting on {key}: {e}");
            }
            if let Some(action) = chosen {
                if action == UserAction::Snooze {
                    snooze(store.as_ref(), &key, unix_now() + SNOOZE_SECS);
                }
                tracing::info!(target: "vigil::alert", key = %key, action = ?action, "notification action");
                let _ = events.send(MonitorEvent::Action { key, action });
            }
        });
        if let Err(e) = waiter {
            return Err(SinkError::Desktop(format!("cannot start a thread: {e}")));
        }
        match shown_rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SinkError::Desktop(e)),
            Err(_) => Err(SinkError::Desktop("the server did not answer in 5 s".into())),
        }
    }
}

/// Closes notification `id` (its waiting thread then ends with the close).
fn close(id: u32) {
    let closed = dbus::blocking::Connection::new_session().and_then(|c| {
        c.with_proxy(
            "org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            Duration::from_secs(2),
        )
        .method_call::<(), _, _, _>(
            "org.freedesktop.Notifications",
            "CloseNotification",
            (id,),
        )
    });
    if let Err(e) = closed {
        tracing::debug!("cannot close notification {id}: {e}");
    }
}

/// Snoozes `key` until `until` (unix seconds): no alert below liquidatable until then.
pub fn snooze(store: &dyn AlertStore, key: &str, until: u64) {
    let result = store.load(key).and_then(|mut state| {
        state.snoozed_until = Some(until);
        store.save(key, &state)
    });
    if let Err(e) = result {
        tracing::error!("cannot snooze {key}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_desktop_shows_alerts_from_the_chosen_level_up() {
        let (events, _) = broadcast::channel(4);
        let sink = DesktopSink::new(Arc::new(crate::MemoryStore::default()), events);
        assert!(sink.shows(Level::Ok), "by default everything is shown");
        let sink = sink.with_min_level(Level::Critical);
        assert!(!sink.shows(Level::Ok) && !sink.shows(Level::Warning));
        assert!(sink.shows(Level::Critical) && sink.shows(Level::Liquidatable));
    }
}
