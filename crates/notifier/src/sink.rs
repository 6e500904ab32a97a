//! Where alerts go: the desktop (a notification with "Open position" and "Snooze 1 h", whose
//! choice comes back as a [`MonitorEvent::Action`]), and a structured log line. The app's event
//! stream is the monitor's broadcast channel itself, so it gets every alert whatever happens to
//! the other sinks.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::Duration,
};

use notify_rust::{Notification, Timeout, Urgency};
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

/// Desktop notifications over D-Bus (notify-rust). One listener thread per sink receives the
/// user's choices (`ActionInvoked`) for the notifications it sent, applies a snooze to the
/// store, and puts every choice on the event stream; it waits on D-Bus in bounded slices and
/// stops when the sink drops.
pub struct DesktopSink {
    sent: Arc<Mutex<HashMap<u32, String>>>,
    stop: Arc<AtomicBool>,
    listener: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for DesktopSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopSink").finish_non_exhaustive()
    }
}

impl DesktopSink {
    /// Starts the sink and its action listener. Without a session bus the listener logs why
    /// and the sink still tries each alert (and reports each failure).
    pub fn start(store: Arc<dyn AlertStore>, events: broadcast::Sender<MonitorEvent>) -> Self {
        let sent: Arc<Mutex<HashMap<u32, String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (sent.clone(), stop.clone());
        let listener = thread::Builder::new()
            .name("vigil-notify-actions".into())
            .spawn(move || {
                if let Err(e) = listen(&s, &st, store.as_ref(), &events) {
                    tracing::error!("desktop notification actions unavailable: {e}");
                }
            })
            .map_err(|e| tracing::error!("cannot start the notification listener: {e}"))
            .ok();
        Self { sent, stop, listener }
    }
}

impl Drop for DesktopSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(l) = self.listener.take() {
            let _ = l.join();
        }
    }
}

impl Sink for DesktopSink {
    fn name(&self) -> &'static str {
        "desktop"
    }

    fn deliver(&self, alert: &Alert) -> Result<(), SinkError> {
        let mut n = Notification::new();
        n.appname("Vigil")
            .summary(&alert.title)
            .body(&alert.body)
            .icon("dialog-warning")
            .urgency(urgency(alert.level));
        if alert.has_actions() {
            n.action(OPEN, "Open position").action(SNOOZE, "Snooze 1 h");
        }
        if alert.level == Level::Ok {
            n.timeout(Timeout::Milliseconds(10_000));
        }
        let handle = n.show().map_err(|e| SinkError::Desktop(e.to_string()))?;
        if alert.has_actions() {
            let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            sent.insert(handle.id(), alert.key.clone());
        }
        Ok(())
    }
}

/// Receives `ActionInvoked` and `NotificationClosed` until `stop`.
fn listen(
    sent: &Mutex<HashMap<u32, String>>,
    stop: &AtomicBool,
    store: &dyn AlertStore,
    events: &broadcast::Sender<MonitorEvent>,
) -> Result<(), dbus::Error> {
    use dbus::{blocking::Connection, message::MatchRule};
    let conn = Connection::new_session()?;
    let chosen: Arc<Mutex<Vec<(u32, String)>>> = Arc::default();
    let closed: Arc<Mutex<Vec<u32>>> = Arc::default();
    let c = chosen.clone();
    conn.add_match(
        MatchRule::new_signal("org.freedesktop.Notifications", "ActionInvoked"),
        move |(id, action): (u32, String), _, _| {
            c.lock().unwrap_or_else(|p| p.into_inner()).push((id, action));
            true
        },
    )?;
    let c = closed.clone();
    conn.add_match(
        MatchRule::new_signal("org.freedesktop.Notifications", "NotificationClosed"),
        move |(id, _reason): (u32, u32), _, _| {
            c.lock().unwrap_or_else(|p| p.into_inner()).push(id);
            true
        },
    )?;
    while !stop.load(Ordering::Relaxed) {
        conn.process(Duration::from_millis(200))?;
        let actions: Vec<_> = chosen.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect();
        for (id, action) in actions {
            let key = sent.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned();
            let Some(key) = key else { continue };
            let action = match action.as_str() {
                OPEN => UserAction::Open,
                SNOOZE => UserAction::Snooze,
                _ => continue,
            };
            if action == UserAction::Snooze {
                snooze(store, &key, unix_now() + SNOOZE_SECS);
            }
            tracing::info!(target: "vigil::alert", key = %key, action = ?action, "notification action");
            let _ = events.send(MonitorEvent::Action { key, action });
        }
        let gone: Vec<_> = closed.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect();
        if !gone.is_empty() {
            let mut sent = sent.lock().unwrap_or_else(|p| p.into_inner());
            for id in gone {
                sent.remove(&id);
            }
        }
    }
    Ok(())
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
