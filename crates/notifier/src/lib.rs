//! Watches positions block by block and raises alerts before they can be liquidated.
//!
//! Job: evaluate alert rules (thresholds with hysteresis, cool-downs, stress tests) on
//! positions read through `vigil-defi-adapters`, and deliver alerts to sinks: the desktop
//! (notify-rust, with actions), the app's event stream, and a log. Boundaries: it reads chain
//! state but never signs or submits anything, and it keeps alert state through the wallet's
//! database rather than files of its own.
//!
//! The monitor arrives with the notifier issue; this crate is the place it lives.
