//! Support for Vigil's end-to-end tests: starts tauri-driver (with WebKitWebDriver) on
//! loopback, launches the real app built with its UI embedded, and saves screenshots.
//!
//! The app runs in the private desktop session of `scripts/desktop-session.sh`: its keychain,
//! its Xvfb display (`VIGIL_TEST_DISPLAY`), and a throwaway `VIGIL_HOME` per test.

use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};

use crate::screen;

/// The demo phrase (anvil's): its first accounts are funded on the devnet.
pub(crate) const JUNK: &str = "test test test test test test test test test test test junk";
/// The password the tests choose.
pub(crate) const PASSWORD: &str = "correct horse battery";
/// The demo account: it holds the devnet's sample Aave position.
pub(crate) const DEMO: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// Long enough for a transaction to be signed, mined and read back on two busy cores.
pub(crate) const TX_TIMEOUT: Duration = Duration::from_secs(90);

/// How long any one UI step may take before the test fails (Argon2 and WebKit are slow on
/// two busy cores, so this is generous; every wait is still bounded).
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The app under test: `VIGIL_APP_BINARY`, or the binary `make e2e-app` puts in the target dir.
pub(crate) fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("VIGIL_APP_BINARY") {
        return p.into();
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().map(Path::to_path_buf);
    target.unwrap_or_default().join("e2e").join("vigil-desktop")
}

/// The .deb `make e2e-app` packages from the same build: `VIGIL_APP_DEB`, or next to the binary.
pub(crate) fn app_deb() -> PathBuf {
    match std::env::var_os("VIGIL_APP_DEB") {
        Some(p) => p.into(),
        None => app_binary().with_file_name("vigil.deb"),
    }
}

/// Where screenshots go: `VIGIL_SCREENSHOT_DIR`, or `<target>/screenshots`.
pub(crate) fn screenshot_dir() -> PathBuf {
    std::env::var_os("VIGIL_SCREENSHOT_DIR").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap_or(Path::new("."))
            .join("screenshots")
    })
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// A running app with its WebDriver session; everything is stopped on drop.
pub(crate) struct App {
    /// The WebDriver client.
    pub(crate) client: Client,
    driver: Child,
    home: PathBuf,
}

/// A private place for one test's app: its own config directory and keychain service.
pub(crate) struct Profile {
    dir: tempfile::TempDir,
    service: String,
    env: Vec<(String, String)>,
}

impl Drop for Profile {
    /// What the app wrote for this profile (config, database, journal, logs) and the
    /// screenshots hold no secret of the test's: not the phrase, not the password, not a
    /// private key. Checked as each test ends, so every end-to-end run is scanned whole.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut secrets = vec![JUNK, PASSWORD];
        secrets.extend(vigil_signer::testing::TEST_PRIVATE_KEYS);
        let screenshots = screenshot_dir();
        let found = vigil_signer::testing::files_holding(&[self.dir(), &screenshots], &secrets);
        assert!(found.is_empty(), "secrets on disk (file, secret number): {found:?}");
    }
}

impl Profile {
    /// A profile named after the test whose user has chosen the local devnet and the local
    /// Solana validator (in the config, as the network picker leaves it).
    pub(crate) fn new(test: &str) -> Self {
        let profile = Self::fresh(test);
        let config = profile.dir().join("config");
        std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            config.join("config.toml"),
            "[preferences]\nnetwork = \"devnet\"\nsolana_network = \"localnet\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        profile
    }

    /// A profile with an empty home: what a new install starts with.
    pub(crate) fn fresh(test: &str) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
        Self { dir, service: format!("vigil-e2e-{test}-{}", std::process::id()), env: vec![] }
    }

    /// The app of this profile also gets `key=value` in its environment.
    pub(crate) fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Launches the app on this profile.
    pub(crate) async fn launch(&self) -> App {
        App::launch(&app_binary(), self.dir.path(), &self.service, &self.env).await
    }

    /// Launches `binary` (another build of the app) on this profile.
    #[allow(dead_code, reason = "used by benches/app.rs, which shares this module")]
    pub(crate) async fn launch_binary(&self, binary: &Path) -> App {
        App::launch(binary, self.dir.path(), &self.service, &self.env).await
    }

    /// The profile's `VIGIL_HOME`.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts this profile's devnet (the app's own, under its data directory) on a free port.
    pub(crate) async fn devnet(&self) -> Devnet {
        let options = vigil_devnet::DevnetOptions {
            port: free_port(),
            ..vigil_devnet::DevnetOptions::app(&self.dir.path().join("data"))
        };
        let status = vigil_devnet::daemon::up(&options)
            .await
            .unwrap_or_else(|e| panic!("the devnet did not start: {e}"));
        let provider = vigil_devnet::provider(&status.rpc_url).unwrap_or_else(|e| panic!("{e}"));
        Devnet { options, provider, manifest: status.manifest, url: status.rpc_url }
    }

    /// Starts a second local chain with its own chain id and its own deployment of the
    /// protocols, and adds it to the profile's config as `name`, exactly as a user adds a
    /// public network: its RPC URL, protocol contracts and tokens. Stopped on drop.
    pub(crate) async fn second_chain(&self, name: &str, chain_id: u64) -> vigil_devnet::Devnet {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let options = vigil_devnet::DevnetOptions::other_chain(tmp, chain_id);
        let chain = vigil_devnet::Devnet::start(options)
            .await
            .unwrap_or_else(|e| panic!("the second chain did not start: {e}"));
        let url = chain.url().parse().unwrap_or_else(|e| panic!("{e}"));
        let described = vigil_defi_adapters::Network::devnet(chain.manifest(), url);
        let file = self.dir().join("config/config.toml");
        let mut config = vigil_wallet::Config::load(&file).unwrap_or_else(|e| panic!("{e}"));
        config.networks.push(vigil_wallet::NetworkConfig {
            name: name.to_owned(),
            chain_id,
            rpc_urls: described.rpc_urls,
            ws_url: None,
            explorer: None,
            native_symbol: None,
            protocols: Some(described.protocols),
            tokens: described.tokens,
            max_fee_gwei: None,
            private_tx: None,
            private_tx_url: None,
            // As a user names a public chain's feeds' heartbeats.
            feed_heartbeats: described.feed_heartbeats,
        });
        config.save(&file).unwrap_or_else(|e| panic!("{e}"));
        chain
    }

    /// The app's database, as the app writes it.
    pub(crate) fn database(&self) -> vigil_wallet::db::Database {
        let file = vigil_wallet::db::Database::file(&self.dir.path().join("data"));
        vigil_wallet::db::Database::open(&file).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// A profile's running devnet; stopped on drop.
pub(crate) struct Devnet {
    options: vigil_devnet::DevnetOptions,
    /// Its RPC.
    pub(crate) provider: alloy::providers::DynProvider,
    /// Its deployment.
    pub(crate) manifest: vigil_devnet::Manifest,
    /// Its RPC URL.
    pub(crate) url: String,
}

impl Devnet {
    /// Calls an anvil RPC method.
    pub(crate) async fn anvil(&self, method: &str, params: serde_json::Value) {
        use alloy::providers::Provider;
        let _: serde_json::Value = self
            .provider
            .raw_request(method.to_owned().into(), params)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
    }

    /// Sets `symbol`'s oracle price (the pools are left alone).
    pub(crate) async fn set_price(&self, symbol: &str, usd: f64) {
        vigil_devnet::set_price(&self.provider, &self.manifest, symbol, usd, false)
            .await
            .unwrap_or_else(|e| panic!("setting the {symbol} price: {e}"));
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let options = self.options.clone();
        // Drop cannot await: stop it on a runtime of its own, off the test's.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                let _ = rt.block_on(vigil_devnet::daemon::down(&options));
            }
        })
        .join();
    }
}

impl App {
    async fn launch(app: &Path, home: &Path, service: &str, env: &[(String, String)]) -> App {
        let display = std::env::var("VIGIL_TEST_DISPLAY").unwrap_or_else(|_| {
            panic!(
                "end-to-end tests need the private desktop session: run them with \
                 scripts/desktop-session.sh (make test does)"
            )
        });
        assert!(
            app.exists(),
            "{} is missing: build the app with its UI embedded first (make e2e-app)",
            app.display()
        );
        let (port, native_port) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .env("DISPLAY", &display)
            .env("VIGIL_HOME", home)
            .env("VIGIL_KEYCHAIN_SERVICE", service)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so WebKitWebDriver and the app go down with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tauri-driver ({e}): run 'make setup'"));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.to_string_lossy() }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        vigil_defi_adapters::install_tls_provider();
        let client = loop {
            let mut builder = ClientBuilder::rustls().unwrap_or_else(|e| panic!("tls: {e}"));
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() > STEP_TIMEOUT => {
                    panic!("WebDriver session did not start in {STEP_TIMEOUT:?}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        App { client, driver, home: home.to_path_buf() }
    }

    /// The app's config directory.
    pub(crate) fn home(&self) -> &Path {
        &self.home
    }

    /// Waits for the element matching `css`.
    pub(crate) async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("'{css}' did not appear: {e}"))
    }

    /// Clicks the element matching `css`.
    pub(crate) async fn click(&self, css: &str) {
        // A button disabled for now (a preview still drawing, a request in flight) is waited
        // for, as a user would, not clicked in vain.
        let started = Instant::now();
        let element = loop {
            let element = self.find(css).await;
            if element.is_enabled().await.unwrap_or(true) {
                break element;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "'{css}' stayed disabled; the window shows: {}",
                self.shown().await
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        };
        self.centre(&element).await;
        element.click().await.unwrap_or_else(|e| panic!("cannot click '{css}': {e}"));
    }

    /// Scrolls `element` to the middle of the window, as a user scrolls to what they click:
    /// at the bottom edge, an alert over the window's corner could take the click.
    async fn centre(&self, element: &Element) {
        let centre = "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });";
        let arg = serde_json::to_value(element).unwrap_or_else(|e| panic!("{e}"));
        self.client
            .execute(centre, vec![arg])
            .await
            .unwrap_or_else(|e| panic!("cannot scroll to an element: {e}"));
    }

    /// Whether the element matching `css` can be scrolled clear of anything drawn over the
    /// window's lower corner (an alert): scrolled up until its bottom is 300 pixels above the
    /// window's, a click reaches it across its lowest 120 pixels, left, middle and right.
    pub(crate) async fn uncovered_when_scrolled_up(&self, css: &str) -> bool {
        let element = self.find(css).await;
        let arg = serde_json::to_value(&element).unwrap_or_else(|e| panic!("{e}"));
        let probe = "const e = arguments[0];
            e.scrollIntoView({ block: 'end' });
            window.scrollBy(0, 300);
            const r = e.getBoundingClientRect();
            const xs = [r.left + 16, r.left + r.width / 2, r.right - 16];
            const ys = [r.bottom - 30, r.bottom - 120].filter(y => y > r.top && y > 0);
            return ys.length > 0 && xs.every(x => ys.every(y => {
                const hit = document.elementFromPoint(x, y);
                return hit !== null && (hit === e || e.contains(hit));
            }));";
        let hit = self
            .client
            .execute(probe, vec![arg])
            .await
            .unwrap_or_else(|e| panic!("cannot probe '{css}': {e}"));
        hit.as_bool().unwrap_or_else(|| panic!("the probe of '{css}' answered {hit}"))
    }

    /// What the window shows now, as text (for failure messages).
    pub(crate) async fn shown(&self) -> String {
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no page: {e})"),
        };
        text.chars().take(3000).collect()
    }

    /// Types `text` into the element matching `css`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        self.find(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into '{css}': {e}"));
    }

    /// The text of the element matching `css`.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("no text in '{css}': {e}"))
    }

    /// Waits until the element matching `css` contains `needle`, and returns its text.
    pub(crate) async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.wait_until(css, STEP_TIMEOUT, |t| t.contains(needle)).await
    }

    /// Waits (at most `timeout`) until the text of the element matching `css` satisfies
    /// `ok` (the element may be replaced meanwhile), and returns it.
    pub(crate) async fn wait_until(
        &self,
        css: &str,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) {
                return text;
            }
            if started.elapsed() >= timeout {
                panic!(
                    "'{css}' never became what was expected: {text:?}; the window shows:\n{}",
                    self.shown().await
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Chooses the option `value` of the select matching `css`, once it offers it (pickers
    /// load their options from the shell, and are drawn anew when they arrive).
    pub(crate) async fn select(&self, css: &str, value: &str) {
        let option = format!("{css} option[value=\"{value}\"]");
        let started = Instant::now();
        loop {
            let chosen = match self.client.find(Locator::Css(&option)).await {
                Ok(_) => match self.client.find(Locator::Css(css)).await {
                    Ok(select) => {
                        // In the middle of the window first, as `click` does: an alert over
                        // the window's corner could take a click at its edge.
                        self.centre(&select).await;
                        select.select_by_value(value).await.map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            match chosen {
                Ok(()) => return,
                Err(e) if started.elapsed() > STEP_TIMEOUT => {
                    panic!("cannot choose '{value}' in '{css}': {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    /// Saves a screenshot of the window as `<screenshot dir>/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        // WebKit paints asynchronously: wait for two animation frames so the picture shows the
        // state the test just asserted, not a frame from before it.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("waiting for a frame: {e}"));
        let (x, y, width, height) =
            self.client.get_window_rect().await.unwrap_or_else(|e| panic!("window rect: {e}"));
        let pixels = |v| u32::try_from(v).unwrap_or_else(|_| panic!("window rect {v}"));
        let rect = screen::Rect {
            x: pixels(x),
            y: pixels(y),
            width: pixels(width),
            height: pixels(height),
        };
        let framebuffer = std::env::var_os("VIGIL_TEST_SCREEN").unwrap_or_else(|| {
            panic!("VIGIL_TEST_SCREEN is unset: run inside scripts/desktop-session.sh")
        });
        // Without compositing, WebKit paints into the X window a little after the frame the
        // page sees: take the picture once two reads 150 ms apart agree (and show something).
        let grab = || {
            screen::grab(Path::new(&framebuffer), rect)
                .unwrap_or_else(|e| panic!("screenshot {name}: {e}"))
        };
        let started = Instant::now();
        let mut last = grab();
        let rgb = loop {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let now = grab();
            if now == last && !screen::is_blank(&now) {
                break now;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "screenshot {name}: the window never settled on a painted picture"
            );
            last = now;
        };
        let png = screen::png(&rgb, rect).unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join(format!("{name}.png")), png)
            .unwrap_or_else(|e| panic!("cannot save screenshot {name}: {e}"));
    }

    /// Ends the session (closing the app) and stops the driver.
    pub(crate) async fn quit(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the driver's process group.
    }

    /// Stops tauri-driver, WebKitWebDriver and the app: TERM to the group, KILL after 5 s.
    fn stop_driver(&mut self) {
        let group = format!("-{}", self.driver.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill").args([sig, "--", &group]).stderr(Stdio::null()).status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL");
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // Also on a failed test, where the session was never closed politely.
        self.stop_driver();
    }
}

/// Imports the demo phrase (the app is then unlocked on the dashboard).
pub(crate) async fn import_demo(app: &App) {
    app.click("#import-wallet").await;
    app.type_into("#mnemonic", JUNK).await;
    app.type_into("#password", PASSWORD).await;
    app.type_into("#password-repeat", PASSWORD).await;
    app.click("#import-confirm").await;
}

/// A number on screen ("1,234.5", "∞") as a float.
pub(crate) fn number(text: &str) -> f64 {
    let cleaned: String =
        text.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    cleaned.parse().unwrap_or(f64::INFINITY)
}

/// Waits for the preview panel, confirms it, and waits until every transaction is final.
pub(crate) async fn confirm_preview(app: &App) {
    app.click("#confirm").await;
    app.wait_until("#tx-done, #preview-error", TX_TIMEOUT, |t| !t.is_empty()).await;
    if let Ok(e) = app.client.find(fantoccini::Locator::Css("#preview-error")).await {
        panic!("signing failed: {}", e.text().await.unwrap_or_default());
    }
}

/// What `account` holds of `symbol` on a chain, read from the chain itself (not the app).
pub(crate) async fn on_chain(
    manifest: &vigil_devnet::Manifest,
    url: &str,
    account: &str,
    symbol: &str,
) -> f64 {
    let network = vigil_defi_adapters::Network::devnet(manifest, url.parse().unwrap());
    let client = vigil_defi_adapters::ChainClient::connect(&network).await.unwrap();
    let account = account.parse().unwrap();
    let rows = vigil_wallet::portfolio::balances(&client, &network, &[account]).await.unwrap();
    let holding = rows[0].holdings.iter().find(|h| h.symbol == symbol).unwrap();
    holding.amount.parse().unwrap()
}

/// Unlocks the locked app with the password and waits until the lock screen is gone.
pub(crate) async fn unlock(app: &App) {
    app.type_into("#unlock-password", PASSWORD).await;
    app.click("#unlock").await;
    app.wait_until("#lock-screen", TX_TIMEOUT, |t| t.is_empty()).await;
}
