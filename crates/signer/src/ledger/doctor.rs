//! Why a Ledger plugged into a Linux machine cannot be used, and what to do about it.
//!
//! On Linux a Ledger is reached through `/dev/hidrawN`, which only root may open unless a
//! udev rule grants the logged-in user access. Without one, the device is invisible or
//! fails silently. The doctor looks at udev's rule directories, at the USB devices and
//! hidraw nodes in sysfs, and tries to open each Ledger node.

use std::{
    fmt, fs, io,
    path::{Path, PathBuf},
};

use super::transport::LEDGER_VENDOR_ID;

/// Ledger's udev rules (as in LedgerHQ/udev-rules, for every product id), to save as
/// [`RULES_FILE`].
pub const UDEV_RULES: &str = r#"# Ledger devices: the logged-in user (uaccess) and, for sessions without a seat (SSH), the
# plugdev group may open them.
SUBSYSTEMS=="usb", ATTRS{idVendor}=="2c97", MODE="0660", GROUP="plugdev", TAG+="uaccess", TAG+="udev-acl"
KERNEL=="hidraw*", ATTRS{idVendor}=="2c97", MODE="0660", GROUP="plugdev", TAG+="uaccess", TAG+="udev-acl"
"#;
/// Where to save [`UDEV_RULES`].
pub const RULES_FILE: &str = "/etc/udev/rules.d/20-hw1.rules";

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Fine.
    Ok,
    /// Worth knowing; not wrong.
    Note,
    /// Wrong: the message says how to fix it.
    Problem,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// How it came out.
    pub outcome: Outcome,
    /// What was found and, for a problem, what to do.
    pub message: String,
}

/// Everything the doctor found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The findings, in the order checked.
    pub findings: Vec<Finding>,
    /// Whether the udev rules must be installed (then [`UDEV_RULES`] is what to install).
    pub needs_rules: bool,
}

impl Report {
    /// Whether nothing is wrong.
    pub fn healthy(&self) -> bool {
        self.findings.iter().all(|f| f.outcome != Outcome::Problem)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            let mark = match finding.outcome {
                Outcome::Ok => "ok     ",
                Outcome::Note => "note   ",
                Outcome::Problem => "PROBLEM",
            };
            writeln!(f, "{mark} {}", finding.message)?;
        }
        if self.needs_rules {
            writeln!(f, "\nSave these lines as {RULES_FILE}:\n\n{UDEV_RULES}")?;
            writeln!(
                f,
                "then run:\n\n  sudo udevadm control --reload-rules && sudo udevadm trigger\n\nand unplug and replug the Ledger."
            )?;
        }
        Ok(())
    }
}

type Opener = Box<dyn Fn(&Path) -> io::Result<()> + Send + Sync>;

/// The checks, over a file system root that tests can replace.
pub struct Doctor {
    sys: PathBuf,
    dev: PathBuf,
    rules_dirs: Vec<PathBuf>,
    open: Opener,
}

impl fmt::Debug for Doctor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doctor").field("sys", &self.sys).field("dev", &self.dev).finish()
    }
}

impl Default for Doctor {
    fn default() -> Self {
        Self::system()
    }
}

impl Doctor {
    /// This machine: `/sys`, `/dev` and udev's rule directories.
    pub fn system() -> Self {
        Self::with_roots(
            "/sys".into(),
            "/dev".into(),
            [
                "/etc/udev/rules.d",
                "/run/udev/rules.d",
                "/lib/udev/rules.d",
                "/usr/lib/udev/rules.d",
            ]
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        )
    }

    /// The same checks over other directories, opening nodes for real.
    pub fn with_roots(sys: PathBuf, dev: PathBuf, rules_dirs: Vec<PathBuf>) -> Self {
        let open: Opener = Box::new(|path: &Path| {
            fs::OpenOptions::new().read(true).write(true).open(path).map(drop)
        });
        Self { sys, dev, rules_dirs, open }
    }

    /// Replaces how a node is opened (tests run as root, who may open anything).
    pub fn with_opener(
        mut self,
        open: impl Fn(&Path) -> io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.open = Box::new(open);
        self
    }

    /// Runs every check.
    pub fn run(&self) -> Report {
        let mut findings = Vec::new();
        let rules = self.rule_files();
        let needs_rules = rules.is_empty();
        findings.push(match rules.first() {
            Some(file) => Finding {
                outcome: Outcome::Ok,
                message: format!("udev rules for Ledger devices (vendor 2c97) are in {}", file.display()),
            },
            None => Finding {
                outcome: Outcome::Problem,
                message: format!(
                    "no udev rule gives you access to Ledger devices (vendor 2c97): without one only root can open them; install the rules below as {RULES_FILE}"
                ),
            },
        });

        let usb = self.usb_devices();
        if usb.is_empty() {
            findings.push(Finding {
                outcome: Outcome::Note,
                message: "no Ledger on USB: plug it in with a data cable (not a charge-only one) and unlock it".into(),
            });
        }
        for product in &usb {
            findings.push(Finding { outcome: Outcome::Ok, message: format!("{product} on USB") });
        }

        let mut not_applied = false;
        let nodes = self.hidraw_nodes();
        if !usb.is_empty() && nodes.is_empty() {
            findings.push(Finding {
                outcome: Outcome::Problem,
                message: "the Ledger is on USB but has no hidraw device: unlock it; if it still has none, the kernel's hidraw/usbhid support is missing (load the usbhid module)".into(),
            });
        }
        for node in nodes {
            let shown = node.display();
            findings.push(match (self.open)(&node) {
                Ok(()) => Finding { outcome: Outcome::Ok, message: format!("{shown} opens for reading and writing") },
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Finding {
                    outcome: {
                        not_applied |= !needs_rules;
                        Outcome::Problem
                    },
                    message: format!(
                        "{shown} is a Ledger but you may not open it (permission denied): {}",
                        if needs_rules {
                            "install the udev rules below"
                        } else {
                            "the rules are installed but not applied to it: reload them (command below) and replug the Ledger; outside a desktop session (SSH), also join the plugdev group (sudo usermod -aG plugdev $USER) and log in again"
                        }
                    ),
                },
                Err(e) if e.kind() == io::ErrorKind::NotFound => Finding {
                    outcome: Outcome::Problem,
                    message: format!("{shown} is listed in sysfs but the node does not exist: is /dev populated by udev?"),
                },
                Err(e) => Finding { outcome: Outcome::Problem, message: format!("{shown} cannot be opened: {e}") },
            });
        }
        // Rules in place that do not apply need the same reload as new ones.
        Report { findings, needs_rules: needs_rules || not_applied }
    }

    /// Rule files that mention Ledger's vendor id.
    fn rule_files(&self) -> Vec<PathBuf> {
        let vendor = format!("{LEDGER_VENDOR_ID:04x}");
        let mut found = Vec::new();
        for dir in &self.rules_dirs {
            let Ok(entries) = fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files {
                let Ok(text) = fs::read_to_string(&file) else { continue };
                let mentions = text.lines().any(|line| {
                    let line = line.trim().to_ascii_lowercase();
                    !line.starts_with('#') && line.contains(&vendor) && line.contains("idvendor")
                });
                if mentions {
                    found.push(file);
                }
            }
        }
        found
    }

    /// The product names of the Ledgers on USB.
    fn usb_devices(&self) -> Vec<String> {
        let vendor = format!("{LEDGER_VENDOR_ID:04x}");
        let Ok(entries) = fs::read_dir(self.sys.join("bus/usb/devices")) else { return Vec::new() };
        let mut out: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|dir| {
                read_trimmed(&dir.join("idVendor")).is_some_and(|v| v.eq_ignore_ascii_case(&vendor))
            })
            .map(|dir| read_trimmed(&dir.join("product")).unwrap_or_else(|| "a Ledger".into()))
            .collect();
        out.sort();
        out
    }

    /// The `/dev/hidrawN` nodes of Ledger devices.
    fn hidraw_nodes(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(self.sys.join("class/hidraw")) else { return Vec::new() };
        // HID_ID=0003:00002C97:00005011 (bus, vendor, product).
        let needle = format!(":0000{LEDGER_VENDOR_ID:04X}:");
        let mut out: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| {
                fs::read_to_string(e.path().join("device/uevent")).is_ok_and(|u| {
                    u.lines().any(|l| {
                        l.starts_with("HID_ID=") && l.to_ascii_uppercase().contains(&needle)
                    })
                })
            })
            .map(|e| self.dev.join(e.file_name()))
            .collect();
        out.sort();
        out
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine with one Ledger (Nano S Plus) on USB as `hidraw3`, and a mouse on `hidraw0`.
    fn machine(rules: Option<&str>) -> (tempfile::TempDir, Doctor) {
        let root = tempfile::tempdir().unwrap();
        let sys = root.path().join("sys");
        let usb = sys.join("bus/usb/devices/1-2");
        fs::create_dir_all(&usb).unwrap();
        fs::write(usb.join("idVendor"), "2c97\n").unwrap();
        fs::write(usb.join("product"), "Nano S Plus\n").unwrap();
        for (node, id) in
            [("hidraw0", "0003:0000046D:0000C077"), ("hidraw3", "0003:00002C97:00005011")]
        {
            let dir = sys.join("class/hidraw").join(node).join("device");
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("uevent"), format!("DRIVER=hid-generic\nHID_ID={id}\nHID_NAME=x\n"))
                .unwrap();
        }
        let rules_dir = root.path().join("rules.d");
        fs::create_dir_all(&rules_dir).unwrap();
        fs::write(
            rules_dir.join("50-other.rules"),
            "# 2c97 in a comment does not count\nKERNEL==\"sda\"\n",
        )
        .unwrap();
        if let Some(text) = rules {
            fs::write(rules_dir.join("20-hw1.rules"), text).unwrap();
        }
        let doctor = Doctor::with_roots(sys, root.path().join("dev"), vec![rules_dir]);
        (root, doctor)
    }

    fn denied(path: &Path) -> io::Result<()> {
        assert!(path.ends_with("hidraw3"), "only the Ledger's node is opened, not {path:?}");
        Err(io::Error::from(io::ErrorKind::PermissionDenied))
    }

    #[test]
    fn no_rules_and_a_node_only_root_may_open_print_the_rules() {
        let (_root, doctor) = machine(None);
        let report = doctor.with_opener(denied).run();
        assert!(!report.healthy());
        assert!(report.needs_rules);
        let text = report.to_string();
        assert!(text.contains("PROBLEM no udev rule"), "{text}");
        assert!(text.contains("ok      Nano S Plus on USB"), "{text}");
        assert!(text.contains("hidraw3 is a Ledger but you may not open it"), "{text}");
        assert!(
            text.contains(RULES_FILE)
                && text.contains(r#"KERNEL=="hidraw*", ATTRS{idVendor}=="2c97""#),
            "{text}"
        );
        assert!(text.contains("udevadm control --reload-rules"), "{text}");
    }

    #[test]
    fn rules_that_are_not_applied_yet_say_to_reload_and_healthy_machines_pass() {
        let (_root, doctor) = machine(Some(UDEV_RULES));
        let report = doctor.with_opener(denied).run();
        assert!(!report.healthy());
        assert!(report.findings[0].outcome == Outcome::Ok, "{report}");
        assert!(report.to_string().contains("not applied to it: reload them"), "{report}");

        let (_root, doctor) = machine(Some(UDEV_RULES));
        let report = doctor.with_opener(|_| Ok(())).run();
        assert!(report.healthy(), "{report}");
        assert!(!report.needs_rules);
        assert!(report.to_string().contains("hidraw3 opens for reading and writing"), "{report}");
    }

    #[test]
    fn no_ledger_plugged_in_is_a_note() {
        let root = tempfile::tempdir().unwrap();
        let doctor = Doctor::with_roots(root.path().join("sys"), root.path().join("dev"), vec![]);
        let report = doctor.run();
        assert!(report.to_string().contains("no Ledger on USB"), "{report}");
        assert_eq!(report.findings.len(), 2, "the rules check and the note: {report}");
    }
}
