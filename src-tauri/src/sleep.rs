//! Locks the wallet when the computer goes to sleep: logind announces it with the
//! `PrepareForSleep(true)` signal on the system bus. A laptop closed unlocked is a laptop
//! anyone who opens it can sign with.

use std::time::Duration;

use dbus::{blocking::Connection, message::MatchRule};

/// Calls `on_sleep` each time `bus` carries logind's `PrepareForSleep(true)`, from a thread of
/// its own for as long as the bus connection lasts.
pub(crate) fn follow(
    bus: Connection,
    on_sleep: impl Fn() + Send + 'static,
) -> Result<(), dbus::Error> {
    let rule = MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
    bus.add_match(rule, move |(starting,): (bool,), _, _| {
        if starting {
            on_sleep();
        }
        true
    })?;
    std::thread::Builder::new()
        .name("vigil-sleep".into())
        .spawn(move || while bus.process(Duration::from_secs(60)).is_ok() {})
        .map_err(|e| dbus::Error::new_failed(&e.to_string()))?;
    Ok(())
}

/// Follows the system bus; where there is none (a container), the idle timeout still locks.
pub(crate) fn lock_on_sleep(on_sleep: impl Fn() + Send + 'static) {
    let followed = Connection::new_system().and_then(|bus| follow(bus, on_sleep));
    if let Err(e) = followed {
        eprintln!("vigil: cannot follow sleep to lock on it ({e}); the idle timeout still locks");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    };

    use dbus::Message;

    use super::*;

    fn announce(bus: &Connection, starting: bool) {
        let signal = Message::new_signal(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
        )
        .unwrap()
        .append1(starting);
        dbus::channel::Sender::send(bus, signal).unwrap();
    }

    #[test]
    fn going_to_sleep_locks_and_waking_up_does_not() {
        // The test session's bus stands in for the system bus: the same signal, the same
        // match.
        let Ok(bus) = Connection::new_session() else {
            panic!("no session bus: run the tests with scripts/desktop-session.sh (make test does)")
        };
        let locks = Arc::new(AtomicU32::new(0));
        let counted = locks.clone();
        follow(bus, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        let logind = Connection::new_session().unwrap();
        announce(&logind, false);
        announce(&logind, true);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while locks.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(locks.load(Ordering::SeqCst), 1, "locked once: on sleep, not on waking");
    }
}
