//! Ledger devices: the Ethereum and Solana apps over USB HID, or over Speculos' TCP socket
//! for development (`VIGIL_SPECULOS=host:port`).
//!
//! Layers, bottom up: [`framing`] (HID reports), [`transport`] (USB HID or Speculos, one
//! [`Transport`](transport::Transport) trait), [`apdu`] (commands and status words), the
//! device actor [`Ledger`] (one per device: requests are serialized on its own thread and
//! the device's state is tracked), then the apps ([`ethereum`], [`solana`]) whose signers
//! implement [`EvmSigner`](crate::EvmSigner) and [`SolanaSigner`](crate::SolanaSigner).
//! [`doctor`] explains on Linux why a plugged-in device cannot be seen.
//!
//! Every app command first asks the device which app is open (a BOLOS command every app
//! answers), so a command is never sent to the wrong app: the Solana app would take the
//! Ethereum app's `0x02` as its own legacy command.

pub mod apdu;
pub mod doctor;
pub mod ethereum;
pub mod framing;
#[cfg(feature = "ledger-simulator")]
pub mod simulator;
pub mod solana;
pub mod transport;

use std::{
    collections::HashMap,
    fmt,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use tokio::sync::{mpsc, oneshot, watch};

use self::{
    apdu::{Apdu, CLA_BOLOS, sw},
    transport::{Endpoint, Transport, TransportError},
};
use crate::{Chain, path::DerivationPath, path::HARDENED};

/// How long the device may take to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// A command that needs no confirmation.
    pub quick: Duration,
    /// A command the user reads and confirms on the device.
    pub confirm: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { quick: Duration::from_secs(10), confirm: Duration::from_secs(300) }
    }
}

/// The apps Vigil talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum App {
    /// Ledger's Ethereum app.
    Ethereum,
    /// Ledger's Solana app.
    Solana,
}

impl App {
    /// The name the app reports for itself.
    pub fn name(self) -> &'static str {
        match self {
            App::Ethereum => "Ethereum",
            App::Solana => "Solana",
        }
    }
}

impl fmt::Display for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The derivation path schemes wallets use for a Ledger's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathStyle {
    /// Ledger Live's: Ethereum `m/44'/60'/i'/0/0`, Solana `m/44'/501'/i'`.
    LedgerLive,
    /// The older scheme of MetaMask, the Solana CLI and Vigil's software accounts:
    /// Ethereum `m/44'/60'/0'/0/i`, Solana `m/44'/501'/i'/0'`.
    Legacy,
}

impl PathStyle {
    /// The path of account `index` on `chain` in this style.
    pub fn path(self, chain: Chain, index: u32) -> DerivationPath {
        let i = index & !HARDENED;
        match (chain, self) {
            (Chain::Ethereum, PathStyle::LedgerLive) => {
                DerivationPath::from(vec![44 | HARDENED, 60 | HARDENED, i | HARDENED, 0, 0])
            }
            (Chain::Solana, PathStyle::LedgerLive) => {
                DerivationPath::from(vec![44 | HARDENED, 501 | HARDENED, i | HARDENED])
            }
            (chain, PathStyle::Legacy) => chain.account_path(i),
        }
    }
}

impl std::str::FromStr for PathStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ledger-live" | "live" => Ok(PathStyle::LedgerLive),
            "legacy" => Ok(PathStyle::Legacy),
            other => Err(format!("unknown path style '{other}': use 'ledger-live' or 'legacy'")),
        }
    }
}

/// What the device says is open.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppInfo {
    /// The app's name; `BOLOS` on the dashboard.
    pub name: String,
    /// Its version.
    pub version: String,
}

impl AppInfo {
    /// Whether no app is open.
    pub fn is_dashboard(&self) -> bool {
        self.name == "BOLOS"
    }
}

/// The device's state as Vigil last saw it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceState {
    /// Not asked yet.
    Unknown,
    /// No device there.
    NotFound,
    /// A device is there but this user may not open it (udev rules).
    NoPermission {
        /// The device node.
        path: String,
    },
    /// The device is locked: the PIN must be entered.
    Locked,
    /// The device is on its dashboard: no app is open.
    AppNotOpen,
    /// An app is open, but not the one needed.
    WrongApp {
        /// The open app.
        open: String,
    },
    /// Ready: this app is open.
    Ready {
        /// The open app.
        app: String,
        /// Its version.
        version: String,
    },
    /// A request is on the device's screen, waiting for the user.
    WaitingForUser {
        /// What the user is asked.
        action: String,
    },
    /// The device went away during a request.
    Disconnected,
    /// The device did not answer in time (it may still be showing a request).
    NotAnswering,
}

impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceState::Unknown => f.write_str("not checked yet"),
            DeviceState::NotFound => f.write_str("not found"),
            DeviceState::NoPermission { path } => write!(f, "no permission to open {path}"),
            DeviceState::Locked => f.write_str("locked"),
            DeviceState::AppNotOpen => f.write_str("unlocked, no app open"),
            DeviceState::WrongApp { open } => write!(f, "the {open} app is open"),
            DeviceState::Ready { app, version } => write!(f, "ready ({app} app {version} open)"),
            DeviceState::WaitingForUser { action } => write!(f, "waiting for you: {action}"),
            DeviceState::Disconnected => f.write_str("disconnected"),
            DeviceState::NotAnswering => f.write_str("not answering"),
        }
    }
}

/// What went wrong talking to a Ledger; every message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// No device there.
    #[error(
        "no Ledger found on {0}: connect it, unlock it and open the app; on Linux, `vigil ledger doctor` says why a plugged-in Ledger is not seen"
    )]
    NotFound(Endpoint),
    /// The device node cannot be opened by this user.
    #[error(
        "this user may not open the Ledger at {0}: install Ledger's udev rules (`vigil ledger doctor` prints them), then unplug and replug it"
    )]
    NoPermission(String),
    /// Speculos is configured but does not answer.
    #[error(
        "cannot reach Speculos at {addr} ({reason}): start it, or unset VIGIL_SPECULOS to use a Ledger on USB"
    )]
    SpeculosUnreachable {
        /// The configured `host:port`.
        addr: String,
        /// The connection error.
        reason: String,
    },
    /// The PIN has not been entered.
    #[error("your Ledger is locked: enter your PIN on the device, then try again")]
    Locked,
    /// No app is open.
    #[error("open the {0} app on your Ledger, then try again")]
    AppNotOpen(App),
    /// Another app is open.
    #[error("the {open} app is open on your Ledger: close it and open the {want} app")]
    WrongApp {
        /// The app needed.
        want: App,
        /// The app open.
        open: String,
    },
    /// The user refused on the device.
    #[error("you rejected the request on your Ledger; nothing was signed")]
    Rejected,
    /// The app will not sign what it cannot show, and blind signing is off.
    #[error(
        "the {0} app refused to sign data it cannot show on screen: on your Ledger, open the {0} app, go to Settings, enable \"Blind signing\", and try again"
    )]
    BlindSigningDisabled(App),
    /// The app refused the request as malformed or unsupported.
    #[error("the {app} app refused the request as invalid ({what}); nothing was signed")]
    InvalidData {
        /// The app.
        app: App,
        /// What was sent.
        what: String,
    },
    /// The device went away mid-request.
    #[error(
        "the Ledger was disconnected during the request; nothing was signed: plug it back in, unlock it and try again"
    )]
    Disconnected,
    /// No answer in time.
    #[error(
        "the Ledger did not answer within {0:?}; nothing was signed: check that it is unlocked and not waiting for you, and try again"
    )]
    Timeout(Duration),
    /// An answer Vigil did not expect.
    #[error("unexpected answer from the Ledger: {0}")]
    UnexpectedAnswer(String),
    /// A status word without a specific meaning here.
    #[error("the Ledger answered with status {sw:#06x} to {what}")]
    Status {
        /// The status word.
        sw: u16,
        /// The request.
        what: String,
    },
    /// The device signed with another key than the account's.
    #[error(
        "the Ledger's key at {path} is {found}, not this account's {expected}: is this the right Ledger (and passphrase)?"
    )]
    WrongKey {
        /// The path.
        path: String,
        /// The account's address.
        expected: String,
        /// The device's.
        found: String,
    },
    /// Another transport failure.
    #[error("Ledger transport error: {0}")]
    Transport(String),
    /// The derivation path cannot be sent to a Ledger.
    #[error(transparent)]
    Path(#[from] apdu::PathTooLong),
    /// The device actor is gone (the process is shutting down).
    #[error("the Ledger connection was closed")]
    Closed,
}

impl LedgerError {
    fn from_transport(e: TransportError, endpoint: &Endpoint) -> Self {
        match e {
            TransportError::NotFound => LedgerError::NotFound(endpoint.clone()),
            TransportError::PermissionDenied(path) => LedgerError::NoPermission(path),
            TransportError::Disconnected => LedgerError::Disconnected,
            TransportError::Timeout(t) => LedgerError::Timeout(t),
            TransportError::Speculos { addr, source } => {
                LedgerError::SpeculosUnreachable { addr, reason: source.to_string() }
            }
            e @ (TransportError::Framing(_) | TransportError::Io(_)) => {
                LedgerError::Transport(e.to_string())
            }
        }
    }

    /// The state the device is in after this error, if it says one.
    fn state(&self) -> Option<DeviceState> {
        Some(match self {
            LedgerError::NotFound(_) | LedgerError::SpeculosUnreachable { .. } => {
                DeviceState::NotFound
            }
            LedgerError::NoPermission(path) => DeviceState::NoPermission { path: path.clone() },
            LedgerError::Locked => DeviceState::Locked,
            LedgerError::AppNotOpen(_) => DeviceState::AppNotOpen,
            LedgerError::WrongApp { open, .. } => DeviceState::WrongApp { open: open.clone() },
            LedgerError::Disconnected | LedgerError::Transport(_) => DeviceState::Disconnected,
            LedgerError::Timeout(_) => DeviceState::NotAnswering,
            _ => return None,
        })
    }
}

/// An open line to one device, owned by its actor thread. App modules run their commands
/// through it.
pub struct Session {
    endpoint: Endpoint,
    timeouts: Timeouts,
    transport: Option<Box<dyn Transport>>,
    state: watch::Sender<DeviceState>,
}

impl Session {
    /// Sends one APDU and returns the answer's data; any status but 0x9000 is an error.
    /// `confirm` names what the user is asked on the device, if anything: the state says so
    /// while the device waits, and the wait is long enough to read the screen.
    pub fn exchange(&mut self, apdu: &Apdu, confirm: Option<&str>) -> Result<Vec<u8>, StatusError> {
        let (data, status) = self.exchange_raw(apdu, confirm)?;
        if status == sw::OK { Ok(data) } else { Err(StatusError::Status(status)) }
    }

    /// Like [`Session::exchange`], but returns any status word with the data.
    pub fn exchange_raw(
        &mut self,
        apdu: &Apdu,
        confirm: Option<&str>,
    ) -> Result<(Vec<u8>, u16), LedgerError> {
        let transport = match &mut self.transport {
            Some(t) => t,
            None => {
                let opened = self.endpoint.open().map_err(|e| self.fail(e))?;
                self.transport.insert(opened)
            }
        };
        if let Some(action) = confirm {
            self.state.send_replace(DeviceState::WaitingForUser { action: action.to_owned() });
        }
        let timeout = if confirm.is_some() { self.timeouts.confirm } else { self.timeouts.quick };
        let answer = match transport.exchange(&apdu.to_bytes(), timeout) {
            Ok(a) => a,
            Err(e) => {
                // The line is in an unknown state (a late answer may still come on it): open
                // a new one next time.
                self.transport = None;
                return Err(self.fail(e));
            }
        };
        let Some((data, status)) = apdu::split_status(&answer) else {
            return Err(self.unexpected("an answer without a status word".into()));
        };
        if matches!(status, sw::LOCKED | sw::LOCKED_LEGACY) {
            self.state.send_replace(DeviceState::Locked);
        }
        Ok((data.to_vec(), status))
    }

    /// An answer that does not fit the request: the line may be out of step (a late answer
    /// to an earlier request), so it is closed and the next request opens a new one.
    fn unexpected(&mut self, what: String) -> LedgerError {
        self.transport = None;
        self.state.send_replace(DeviceState::Unknown);
        LedgerError::UnexpectedAnswer(what)
    }

    /// Sends a command in `chunks` (each with the app's chunk flags). The user is asked
    /// `confirm` after the last chunk, whose answer carries the result; `on_status` turns a status word other than 0x9000 into the error to report.
    /// The state is "ready" again afterwards, whatever the answer.
    pub fn send_chunked(
        &mut self,
        info: &AppInfo,
        chunks: Vec<Apdu>,
        confirm: Option<&str>,
        on_status: impl FnOnce(&mut Session, u16) -> LedgerError,
    ) -> Result<Vec<u8>, LedgerError> {
        let last = chunks.len().saturating_sub(1);
        let mut answer = Vec::new();
        for (i, apdu) in chunks.into_iter().enumerate() {
            match self.exchange(&apdu, if i == last { confirm } else { None }) {
                Ok(data) => answer = data,
                Err(StatusError::Ledger(e)) => return Err(e),
                Err(StatusError::Status(status)) => {
                    let e = on_status(self, status);
                    if !matches!(e, LedgerError::Locked | LedgerError::AppNotOpen(_)) {
                        self.settle(info);
                    }
                    return Err(e);
                }
            }
        }
        self.settle(info);
        Ok(answer)
    }

    fn fail(&self, e: TransportError) -> LedgerError {
        let e = LedgerError::from_transport(e, &self.endpoint);
        if let Some(state) = e.state() {
            self.state.send_replace(state);
        }
        e
    }

    /// Asks which app is open (a command every app and the dashboard answer), and says so in
    /// the state.
    pub fn app_info(&mut self) -> Result<AppInfo, LedgerError> {
        let info = self.ask_app()?;
        self.state.send_replace(if info.is_dashboard() {
            DeviceState::AppNotOpen
        } else {
            DeviceState::Ready { app: info.name.clone(), version: info.version.clone() }
        });
        Ok(info)
    }

    /// Fails unless `app` is the open app.
    pub fn require_app(&mut self, app: App) -> Result<AppInfo, LedgerError> {
        let info = self.ask_app()?;
        let (state, result) = if info.is_dashboard() {
            (DeviceState::AppNotOpen, Err(LedgerError::AppNotOpen(app)))
        } else if info.name != app.name() {
            let open = info.name.clone();
            (
                DeviceState::WrongApp { open: open.clone() },
                Err(LedgerError::WrongApp { want: app, open }),
            )
        } else {
            (DeviceState::Ready { app: info.name.clone(), version: info.version.clone() }, Ok(info))
        };
        self.state.send_replace(state);
        result
    }

    /// GET APP AND VERSION. A line kept open since the last request may be dead (the device
    /// was replugged, Speculos restarted): this question signs nothing, so it is asked once
    /// more on a new line before giving up.
    fn ask_app(&mut self) -> Result<AppInfo, LedgerError> {
        let request = Apdu { cla: CLA_BOLOS, ins: 0x01, p1: 0, p2: 0, data: Vec::new() };
        let reused = self.transport.is_some();
        let answer = match self.exchange(&request, None) {
            Err(StatusError::Ledger(LedgerError::Disconnected)) if reused => {
                self.exchange(&request, None)
            }
            other => other,
        };
        let data = answer.map_err(|e| match e {
            // Older apps answer "security status not satisfied" here when the device is locked.
            StatusError::Status(sw::LOCKED_OLD_APPS) => {
                self.state.send_replace(DeviceState::Locked);
                LedgerError::Locked
            }
            e => e.into_ledger("get the open app"),
        })?;
        match parse_app_info(&data) {
            Some(info) => Ok(info),
            None => Err(self.unexpected(format!("app info {}", hex::encode(&data)))),
        }
    }

    /// Marks the device ready again after a confirmed request.
    fn settle(&mut self, info: &AppInfo) {
        self.state.send_replace(DeviceState::Ready {
            app: info.name.clone(),
            version: info.version.clone(),
        });
    }
}

/// A failed [`Session::exchange`]: the transport failed, or the app answered a status.
#[derive(Debug)]
pub enum StatusError {
    /// Below the APDU layer.
    Ledger(LedgerError),
    /// A status word other than 0x9000.
    Status(u16),
}

impl From<LedgerError> for StatusError {
    fn from(e: LedgerError) -> Self {
        StatusError::Ledger(e)
    }
}

impl StatusError {
    /// The error for a request described by `what`, with the meanings every app shares.
    /// Apps map their own status words (blind signing, invalid data) before calling this.
    pub fn into_ledger(self, what: &str) -> LedgerError {
        match self {
            StatusError::Ledger(e) => e,
            StatusError::Status(sw::REJECTED) => LedgerError::Rejected,
            StatusError::Status(sw::LOCKED | sw::LOCKED_LEGACY) => LedgerError::Locked,
            StatusError::Status(sw) => LedgerError::Status { sw, what: what.to_owned() },
        }
    }

    /// Like [`StatusError::into_ledger`], for a command of `app`: the status words of a
    /// device where another app (or none) is open say that `app` is not open.
    pub fn for_app(self, app: App, what: &str) -> LedgerError {
        match self {
            StatusError::Status(
                sw::INS_NOT_SUPPORTED
                | sw::CLA_NOT_SUPPORTED
                | sw::APP_NOT_OPEN
                | sw::APP_NOT_OPEN_ALT,
            ) => LedgerError::AppNotOpen(app),
            other => other.into_ledger(what),
        }
    }
}

/// Parses the answer to BOLOS' GET APP AND VERSION: format (1), then the name and the
/// version, each preceded by its length.
fn parse_app_info(data: &[u8]) -> Option<AppInfo> {
    let (&format, rest) = data.split_first()?;
    if format != 1 {
        return None;
    }
    let (name, rest) = length_prefixed(rest)?;
    let (version, _flags) = length_prefixed(rest)?;
    Some(AppInfo {
        name: String::from_utf8_lossy(name).into_owned(),
        version: String::from_utf8_lossy(version).into_owned(),
    })
}

fn length_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    (rest.len() >= usize::from(len)).then(|| rest.split_at(usize::from(len)))
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The actor of one device. Cloning gives another handle to the same actor: requests from
/// every handle are run one at a time, in order, on the actor's thread.
#[derive(Clone)]
pub struct Ledger {
    endpoint: Endpoint,
    jobs: mpsc::UnboundedSender<Job>,
    state: watch::Receiver<DeviceState>,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger").field("endpoint", &self.endpoint).finish()
    }
}

impl Ledger {
    /// The actor of the device at `endpoint`, started on first use and then shared by the
    /// whole process, so two requests never interleave on one device.
    pub fn shared(endpoint: Endpoint) -> Ledger {
        static ACTORS: OnceLock<Mutex<HashMap<Endpoint, Ledger>>> = OnceLock::new();
        let actors = ACTORS.get_or_init(Default::default);
        let mut actors = actors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A handle whose actor ended (its thread panicked) is replaced.
        if let Some(ledger) = actors.get(&endpoint).filter(|l| !l.jobs.is_closed()) {
            return ledger.clone();
        }
        let ledger = Ledger::start(endpoint.clone());
        actors.insert(endpoint, ledger.clone());
        ledger
    }

    /// A new actor for the device at `endpoint`, not shared (see [`Ledger::shared`]).
    pub fn start(endpoint: Endpoint) -> Ledger {
        Self::start_with(endpoint, Timeouts::default())
    }

    /// [`Ledger::start`] with other timeouts.
    pub fn start_with(endpoint: Endpoint, timeouts: Timeouts) -> Ledger {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let (state_tx, state) = watch::channel(DeviceState::Unknown);
        let mut session =
            Session { endpoint: endpoint.clone(), timeouts, transport: None, state: state_tx };
        // The thread ends when the last handle is dropped.
        let spawned =
            std::thread::Builder::new().name(format!("ledger {endpoint}")).spawn(move || {
                while let Some(job) = queue.blocking_recv() {
                    job(&mut session);
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the Ledger thread: {e}");
        }
        Ledger { endpoint, jobs, state }
    }

    /// Where the device is.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The state last seen.
    pub fn state(&self) -> DeviceState {
        self.state.borrow().clone()
    }

    /// Follows the device's state.
    pub fn subscribe(&self) -> watch::Receiver<DeviceState> {
        self.state.clone()
    }

    /// Runs `request` on the actor's thread, after every request queued before it.
    pub async fn run<T: Send + 'static>(
        &self,
        request: impl FnOnce(&mut Session) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |session| {
            // The caller gave up while the request was queued: do not put it on the device.
            if reply.is_closed() {
                return;
            }
            let _ = reply.send(request(session));
        });
        self.jobs.send(job).map_err(|_| LedgerError::Closed)?;
        answer.await.map_err(|_| LedgerError::Closed)?
    }

    /// The address at `path` on `chain`, as the user would type it; with `show`, the device
    /// displays it and the user confirms that it matches.
    pub async fn address(
        &self,
        chain: Chain,
        path: DerivationPath,
        show: bool,
    ) -> Result<String, LedgerError> {
        self.run(move |s| match chain {
            Chain::Ethereum => ethereum::get_address(s, &path, show).map(|a| a.to_checksum(None)),
            Chain::Solana => solana::get_pubkey(s, &path, show).map(|k| k.to_string()),
        })
        .await
    }

    /// The first `count` accounts on `chain` in `style`, with their paths, read in one
    /// request so that nothing else runs on the device in between.
    pub async fn accounts(
        &self,
        chain: Chain,
        style: PathStyle,
        count: u32,
    ) -> Result<Vec<(DerivationPath, String)>, LedgerError> {
        self.run(move |s| {
            (0..count)
                .map(|i| {
                    let path = style.path(chain, i);
                    let address = match chain {
                        Chain::Ethereum => {
                            ethereum::get_address(s, &path, false)?.to_checksum(None)
                        }
                        Chain::Solana => solana::get_pubkey(s, &path, false)?.to_string(),
                    };
                    Ok((path, address))
                })
                .collect()
        })
        .await
    }

    /// Asks the device what is open now, and returns the state that follows. Errors that
    /// describe a state (locked, not found, ...) are states here, not errors.
    pub async fn refresh(&self) -> DeviceState {
        match self.run(|s| s.app_info()).await {
            Ok(_) => self.state(),
            Err(e) => e.state().unwrap_or_else(|| self.state()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_info_parses_the_documented_answer() {
        // format 1, "Ethereum", "1.13.0", flags length 1, flags 0x02.
        let mut data = vec![1, 8];
        data.extend_from_slice(b"Ethereum");
        data.push(6);
        data.extend_from_slice(b"1.13.0");
        data.extend_from_slice(&[1, 2]);
        let info = parse_app_info(&data).unwrap();
        assert_eq!((info.name.as_str(), info.version.as_str()), ("Ethereum", "1.13.0"));
        assert!(!info.is_dashboard());
        assert!(parse_app_info(&data[..5]).is_none());
        assert!(parse_app_info(&[2, 0, 0]).is_none());
    }

    #[test]
    fn status_words_map_to_what_the_user_should_do() {
        assert!(matches!(StatusError::Status(0x6985).into_ledger("x"), LedgerError::Rejected));
        assert!(matches!(StatusError::Status(0x5515).into_ledger("x"), LedgerError::Locked));
        assert!(matches!(StatusError::Status(0x6B0C).into_ledger("x"), LedgerError::Locked));
        assert!(matches!(
            StatusError::Status(0x6F00).into_ledger("x"),
            LedgerError::Status { sw: 0x6F00, .. }
        ));
    }
}
