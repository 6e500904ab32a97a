//! Test utilities: what the real notification server received, read off the session bus with
//! `dbus-monitor` (the test harness runs a private bus with dunst on it), and a way to act on a
//! notification as a user would, through dunst itself.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

/// One `Notify` call as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notified {
    /// When it was sent (unix seconds, from the bus).
    pub at: f64,
    /// The application name.
    pub app: String,
    /// The title.
    pub summary: String,
    /// The body.
    pub body: String,
    /// Action keys and labels, alternating.
    pub actions: Vec<String>,
    /// The urgency hint (0 low, 1 normal, 2 critical).
    pub urgency: Option<u8>,
}

/// Every `Notify` call on the session bus from the moment it starts.
#[derive(Debug)]
pub struct NotificationCapture {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl NotificationCapture {
    /// Starts `dbus-monitor` on the session bus and waits until it listens.
    pub fn start() -> std::io::Result<Self> {
        let mut child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let capture = Self { child, lines };
        // dbus-monitor announces itself with NameAcquired once its match is in place.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if capture
                .lines
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .any(|l| l.contains("NameAcquired"))
            {
                return Ok(capture);
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(std::io::Error::other("dbus-monitor did not start: is there a session bus?"))
    }

    /// The Notify calls received so far.
    pub fn notified(&self) -> Vec<Notified> {
        parse(&self.lines.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Waits (at most `timeout`) until at least `n` calls were received; returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Notified> {
        self.wait_until(|got| got.len() >= n, timeout)
    }

    /// Waits (at most `timeout`) until the calls received satisfy `done`; returns them all.
    pub fn wait_until(
        &self,
        done: impl Fn(&[Notified]) -> bool,
        timeout: Duration,
    ) -> Vec<Notified> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.notified();
            if done(&got) || Instant::now() >= deadline {
                return got;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NotificationCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn quoted(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("string \"")?;
    Some(rest.strip_suffix('"').unwrap_or(rest).to_owned())
}

fn parse(lines: &[String]) -> Vec<Notified> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let header = &lines[i];
        i += 1;
        if !(header.starts_with("method call") && header.contains("member=Notify")) {
            continue;
        }
        let at = header
            .split_whitespace()
            .find_map(|w| w.strip_prefix("time="))
            .and_then(|t| t.parse().ok())
            .unwrap_or_default();
        let mut strings = Vec::new();
        let mut arrays: Vec<Vec<String>> = Vec::new();
        let mut depth = 0;
        // The call's last argument (the expiry, after the actions and hints): until it has
        // been read, dbus-monitor is still printing the call, and it is left for the next look.
        let mut complete = false;
        while i < lines.len() && lines[i].starts_with(' ') {
            let l = lines[i].trim();
            if l.starts_with("array [") {
                depth += 1;
                if depth == 1 {
                    arrays.push(Vec::new());
                }
            } else if l == "]" {
                depth -= 1;
            } else if depth == 0 {
                if let Some(s) = quoted(l) {
                    strings.push(s);
                } else if l.starts_with("int32") && arrays.len() == 2 {
                    complete = true;
                }
            } else if let Some(a) = arrays.last_mut() {
                a.push(l.to_owned());
            }
            i += 1;
        }
        if !complete {
            continue;
        }
        let actions = arrays
            .first()
            .map(|a| a.iter().filter_map(|l| quoted(l)).collect())
            .unwrap_or_default();
        let urgency = arrays.get(1).and_then(|hints| {
            let at = hints.iter().position(|l| l == "string \"urgency\"")?;
            hints[at + 1..]
                .iter()
                .find_map(|l| l.split("byte ").nth(1))
                .and_then(|b| b.trim().parse().ok())
        });
        let s = |n: usize| strings.get(n).cloned().unwrap_or_default();
        out.push(Notified { at, app: s(0), summary: s(2), body: s(3), actions, urgency });
    }
    out
}

/// Closes every notification the server shows, so that a test acts only on its own.
pub fn close_all() -> std::io::Result<()> {
    let status = Command::new("dunstctl").arg("close-all").status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("dunstctl failed: {status}")))
    }
}

/// Acts on the newest notification as a user would, through dunst: `Open` clicks it (its
/// default action); any other label is picked from its context menu (the test harness's dmenu
/// stand-in answers with the line containing `label`).
pub fn choose_action(label: &str) -> std::io::Result<()> {
    let status = if label == "Open" {
        Command::new("dunstctl").args(["action", "0"]).status()?
    } else {
        let pick = std::env::var_os("VIGIL_TEST_MENU_PICK").ok_or_else(|| {
            std::io::Error::other(
                "VIGIL_TEST_MENU_PICK is unset: run in scripts/desktop-session.sh",
            )
        })?;
        std::fs::write(pick, label)?;
        Command::new("dunstctl").arg("context").status()?
    };
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("dunstctl failed: {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_dbus_monitor_prints() {
        let text = r#"method call time=1795330384.290320 sender=:1.7 -> destination=:1.4 serial=10 path=/org/freedesktop/Notifications; interface=org.freedesktop.Notifications; member=Notify
   string "Vigil"
   uint32 0
   string "dialog-warning"
   string "Title here"
   string "Body here"
   array [
      string "default"
      string "Open position"
   ]
   array [
      dict entry(
         string "urgency"
         variant             byte 2
      )
   ]
   int32 -1
signal time=1795330384.788304 sender=:1.4 -> destination=:1.7 serial=7 member=ActionInvoked
   uint32 2"#;
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let got = parse(&lines);
        assert_eq!(got.len(), 1);
        let n = &got[0];
        assert_eq!(
            (n.app.as_str(), n.summary.as_str(), n.body.as_str()),
            ("Vigil", "Title here", "Body here")
        );
        assert_eq!(n.actions, ["default", "Open position"]);
        assert_eq!(n.urgency, Some(2));
        assert!((n.at - 1_795_330_384.29).abs() < 0.01);
        // A call dbus-monitor is still printing is not counted yet.
        let printing = &lines[..9];
        assert!(parse(printing).is_empty(), "half a call is not a notification");
        assert!(parse(&lines[..1]).is_empty());
    }
}
