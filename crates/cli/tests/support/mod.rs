//! What the `vigil` binary's tests share: a private home, a free devnet port, a keychain
//! service of their own, and the output as text.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

/// The anvil mnemonic's first account, which the devnet gives an Aave position.
pub(crate) const SAMPLE: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// The anvil mnemonic.
pub(crate) const JUNK: &str = "test test test test test test test test test test test junk";

/// A user of `vigil`: their own `VIGIL_HOME`, devnet port and keychain service. The devnet,
/// if started, is stopped on drop.
pub(crate) struct Env {
    pub(crate) home: tempfile::TempDir,
    pub(crate) port: u16,
    pub(crate) service: String,
}

impl Env {
    /// A user who acts on the local devnet and the local Solana validator (chosen with
    /// `vigil network use`, as a user would).
    pub(crate) fn new(test: &str) -> Self {
        let env = Self::fresh(test);
        for args in [&["network", "use", "devnet"][..], &["network", "use", "--solana", "localnet"]]
        {
            let o = env.vigil(args);
            assert!(o.status.success(), "vigil {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
        env
    }

    /// A user who has chosen nothing: Vigil's defaults (real networks) apply.
    pub(crate) fn fresh(test: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self {
            home: tempfile::tempdir().unwrap(),
            port,
            service: format!("vigil-cli-{test}-{}", std::process::id()),
        }
    }

    /// `vigil ARGS` with this user's environment, stdin closed.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
        c.args(args)
            .env("VIGIL_HOME", self.home.path())
            .env("VIGIL_KEYCHAIN_SERVICE", &self.service)
            .stdin(Stdio::null());
        c
    }

    /// Runs `vigil ARGS`; `devnet up` and `devnet reset` get this user's port.
    pub(crate) fn vigil(&self, args: &[&str]) -> Output {
        let port = self.port.to_string();
        let mut args = args.to_vec();
        if matches!(args.get(1), Some(&("up" | "reset"))) {
            args.extend(["--port", &port]);
        }
        self.command(&args).output().unwrap()
    }

    /// Runs `vigil ARGS` with `stdin` written to its standard input.
    pub(crate) fn vigil_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.vigil_with(args, stdin, &[])
    }

    /// [`Self::vigil_stdin`] with extra environment variables.
    pub(crate) fn vigil_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut child = self
            .command(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Imports the anvil mnemonic into a vault with `password` (needs the desktop session).
    pub(crate) fn import_junk(&self, password: &str) {
        require_session();
        let o = self.vigil_stdin(
            &["vault", "import", "--password-stdin"],
            &format!("{JUNK}\n{password}\n"),
        );
        assert!(o.status.success(), "{}", err(&o));
    }
}

/// The passwords the command-line tests give Vigil.
const TEST_PASSWORDS: [&str; 3] =
    ["hunter2 orbit meadow", "long quiet password", "new lantern orbit 1"];

impl Drop for Env {
    /// Stops the devnet; then what Vigil wrote in this user's home (config, database,
    /// journal, logs, the devnet's state) holds no secret of the test's: not the phrase, a
    /// password or a private key.
    fn drop(&mut self) {
        let _ = self.vigil(&["devnet", "down"]);
        if std::thread::panicking() {
            return;
        }
        let mut secrets = vec![JUNK];
        secrets.extend(TEST_PASSWORDS);
        secrets.extend(vigil_signer::testing::TEST_PRIVATE_KEYS);
        let found = vigil_signer::testing::files_holding(&[self.home.path()], &secrets);
        assert!(found.is_empty(), "secrets on disk (file, secret number): {found:?}");
    }
}

pub(crate) fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails with a clear message outside the private desktop session (whose keychain it needs).
pub(crate) fn require_session() {
    assert!(
        std::env::var_os("VIGIL_TEST_SESSION").is_some(),
        "this test needs the private desktop session's keychain: run it with scripts/desktop-session.sh (make test does)"
    );
}

/// A running `vigil watch --json`, its stdout lines arriving on a channel.
pub(crate) struct Watcher {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watcher {
    pub(crate) fn start(env: &Env) -> Self {
        let mut child = env
            .command(&["watch", "--account", SAMPLE, "--json"])
            .env("VIGIL_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Self { child, lines }
    }

    /// The next alert printed, within `secs`; `None` if none.
    pub(crate) fn next_alert(&self, secs: u64) -> Option<serde_json::Value> {
        let line = self.lines.recv_timeout(Duration::from_secs(secs)).ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["event"], "alert", "{v}");
        Some(v)
    }

    /// Stops it as a service manager would (SIGTERM) and returns its log.
    pub(crate) fn stop(self) -> String {
        let pid = self.child.id().to_string();
        assert!(
            std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success()
        );
        let out = self.child.wait_with_output().unwrap();
        assert!(out.status.success(), "exit: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The devnet's JSON-RPC, for what no `vigil` command does (holding blocks back).
pub(crate) fn anvil(env: &Env, method: &str, params: serde_json::Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use alloy::providers::Provider;
        let provider = vigil_devnet::provider(&format!("http://127.0.0.1:{}", env.port)).unwrap();
        let _: serde_json::Value =
            provider.raw_request(method.to_owned().into(), params).await.unwrap();
    });
}

/// The wallet's journal as `vigil activity --json` prints it (`pending`: only those not final).
pub(crate) fn journal(env: &Env, pending: bool) -> serde_json::Value {
    let args: &[&str] =
        if pending { &["activity", "--json", "--pending"] } else { &["activity", "--json"] };
    serde_json::from_str(&out(&env.vigil(args))).unwrap()
}

/// The first account's USDC on the devnet.
pub(crate) fn usdc(env: &Env) -> f64 {
    let o = env.vigil(&["balances", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let holding = v[0]["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == "USDC")
        .unwrap()
        .clone();
    holding["amount"].as_str().unwrap().parse().unwrap()
}
