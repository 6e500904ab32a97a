//! Watches positions block by block and raises alerts before they can be liquidated.
//!
//! Job: evaluate alert rules (thresholds with hysteresis, cool-downs, snoozes: [`rules`]) on
//! positions read through `vigil-defi-adapters`, and deliver alerts to sinks: the desktop
//! (notify-rust, with actions), the app's event stream, and a log. Boundaries: it reads chain
//! state but never signs or submits anything, and it keeps alert state through an
//! [`store::AlertStore`] that the wallet backs with its database rather than files of its own.

pub mod alert;
mod heads;
pub mod monitor;
pub mod rider;
pub mod rules;
pub mod sink;
pub mod store;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;

pub use alert::{Alert, LendingReading, MonitorEvent, Subject, TxOutcome, UserAction};
pub use monitor::{Monitor, MonitorError, MonitorOptions, TickReport, TrackedTx, Watch};
pub use rider::Rider;
pub use rules::{Level, Thresholds};
pub use sink::{DesktopSink, LogSink, Sink, SinkError};
pub use store::{AlertStore, MemoryStore, StoreError};
