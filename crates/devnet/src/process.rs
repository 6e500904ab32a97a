//! A child process that never outlives Vigil: it is started under a shell watchdog that kills
//! it when our end of a pipe closes (on drop, or however this process dies), and its output
//! is read line by line until it says it is ready.

use std::{
    io::{BufRead, BufReader, Write as _},
    path::Path,
    process::{Child, ChildStdin, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A process started by [`Watched::spawn`]. Dropping it stops the process.
#[derive(Debug)]
pub(crate) struct Watched {
    child: Child,
    /// The write end of the watchdog pipe.
    watchdog: Option<ChildStdin>,
}

/// How a start failed.
#[derive(Debug)]
pub(crate) enum StartFailure {
    /// The program could not be run.
    Spawn(std::io::Error),
    /// It exited before it was ready; its last lines of output.
    Exited(String),
    /// It was not ready in time.
    Timeout,
}

impl Watched {
    /// Runs `program ARGS` (stdout and stderr together) and reads its output, copied to `log`
    /// if given, until `ready` returns a value for a line, the process exits, or `timeout`.
    pub(crate) fn spawn<T: Send + 'static>(
        program: &Path,
        args: &[String],
        log: Option<std::fs::File>,
        timeout: Duration,
        ready: impl FnMut(&str) -> Option<T> + Send + 'static,
    ) -> Result<(Self, T), StartFailure> {
        // `sh` runs the program, and beside it a watchdog that reads our pipe (its fd 3) and
        // kills the program when the pipe closes. The shell exits with the program, so a
        // failed start is seen at once.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(concat!(
                r#"prog="$1"; shift; exec 3<&0; "$prog" "$@" </dev/null 2>&1 & pid=$!; "#,
                // The watchdog: TERM when the pipe closes, KILL if the program ignores it.
                r#"( while read -r _ <&3; do :; done; kill $pid 2>/dev/null; sleep 2; "#,
                r#"kill -9 $pid 2>/dev/null ) >/dev/null 2>&1 & wd=$!; "#,
                // When the program exits by itself, the watchdog goes too.
                r#"exec 3<&-; wait $pid; status=$?; kill $wd 2>/dev/null; exit $status"#
            ))
            .arg("vigil-watched")
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(StartFailure::Spawn)?;
        let watchdog = child.stdin.take();
        let stdout = child.stdout.take();
        let mut watched = Self { child, watchdog };
        let Some(stdout) = stdout else {
            return Err(StartFailure::Exited("no output".into()));
        };
        let (tx, rx) = mpsc::channel();
        // Reads every line (it must keep draining, or the program blocks on a full pipe).
        std::thread::spawn(move || {
            let (mut log, mut ready, mut tail, mut sent) = (log, ready, Vec::new(), false);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    let _ = writeln!(f, "{}", crate::anvil::blank_secrets(&line));
                }
                if sent {
                    continue;
                }
                match ready(&line) {
                    Some(value) => {
                        let _ = tx.send(Ok(value));
                        sent = true;
                    }
                    None => {
                        tail.push(line);
                        if tail.len() > 20 {
                            tail.remove(0);
                        }
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(tail.join("\n")));
            }
        });
        match rx.recv_timeout(timeout) {
            Ok(Ok(value)) => Ok((watched, value)),
            Ok(Err(output)) => {
                let _ = watched.child.wait();
                Err(StartFailure::Exited(output))
            }
            Err(_) => {
                watched.stop();
                Err(StartFailure::Timeout)
            }
        }
    }

    /// Stops the process and waits for it (bounded: the watchdog escalates to KILL after 2 s).
    pub(crate) fn stop(&mut self) {
        self.watchdog.take();
        for _ in 0..250 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.stop();
    }
}
