//! How APDUs reach a device: USB HID ([`HidTransport`]) or Speculos' TCP socket
//! ([`SpeculosTransport`]), behind one [`Transport`] trait.

use std::{
    ffi::CString,
    fmt,
    io::{self, Read, Write},
    net::{SocketAddr, TcpStream, ToSocketAddrs},
    time::{Duration, Instant},
};

use super::framing::{self, CHANNEL, REPORT_SIZE, Reassembler};

/// Ledger's USB vendor id.
pub const LEDGER_VENDOR_ID: u16 = 0x2C97;
/// The HID usage page of the APDU interface (the other interfaces are FIDO and so on).
pub const LEDGER_USAGE_PAGE: u16 = 0xFFA0;
/// The environment variable that sends every Ledger operation to Speculos: `host:port`.
pub const SPECULOS_ENV: &str = "VIGIL_SPECULOS";

/// Why an exchange failed below the APDU layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No Ledger is connected (or none that this user may open).
    #[error("no Ledger found")]
    NotFound,
    /// The device node exists but this user may not open it.
    #[error("permission denied opening {0}")]
    PermissionDenied(String),
    /// The device went away during the exchange.
    #[error("the device was disconnected")]
    Disconnected,
    /// The device did not answer in time.
    #[error("no answer from the device within {0:?}")]
    Timeout(Duration),
    /// The reports did not follow Ledger's framing.
    #[error(transparent)]
    Framing(#[from] framing::FramingError),
    /// Speculos could not be reached.
    #[error("cannot reach Speculos at {addr}: {source}")]
    Speculos {
        /// Where it was looked for.
        addr: String,
        /// Why it failed.
        source: io::Error,
    },
    /// Another I/O or HID error.
    #[error("{0}")]
    Io(String),
}

/// Something that carries one APDU to a device and its answer back.
pub trait Transport: Send + fmt::Debug {
    /// Sends `apdu` and returns the answer: its data followed by the 2-byte status word.
    /// `timeout` bounds the wait for the answer, which includes the user's confirmation.
    fn exchange(&mut self, apdu: &[u8], timeout: Duration) -> Result<Vec<u8>, TransportError>;
}

/// Where a device is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "transport", rename_all = "lowercase")]
pub enum Endpoint {
    /// The first Ledger on USB (re-enumerated at every connection, so a replug is found).
    Usb,
    /// A particular USB device, by its hidraw path.
    Hid {
        /// The OS path (on Linux `/dev/hidrawN`).
        path: String,
    },
    /// Speculos' APDU socket.
    Speculos {
        /// `host:port`.
        addr: String,
    },
}

impl Endpoint {
    /// Speculos when `VIGIL_SPECULOS` is set, else `setting` (a `host:port` from the config),
    /// else USB.
    pub fn from_env(setting: Option<&str>) -> Self {
        match std::env::var(SPECULOS_ENV).ok().filter(|s| !s.trim().is_empty()) {
            Some(addr) => Endpoint::Speculos { addr: addr.trim().to_owned() },
            None => match setting.map(str::trim).filter(|s| !s.is_empty()) {
                Some(addr) => Endpoint::Speculos { addr: addr.to_owned() },
                None => Endpoint::Usb,
            },
        }
    }

    /// Opens a transport to the device.
    pub fn open(&self) -> Result<Box<dyn Transport>, TransportError> {
        Ok(match self {
            Endpoint::Usb => Box::new(HidTransport::open_first()?),
            Endpoint::Hid { path } => Box::new(HidTransport::open_path(path)?),
            Endpoint::Speculos { addr } => Box::new(SpeculosTransport::connect(addr)?),
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Usb => f.write_str("USB"),
            Endpoint::Hid { path } => write!(f, "USB {path}"),
            Endpoint::Speculos { addr } => write!(f, "Speculos at {addr}"),
        }
    }
}

/// Speculos' APDU socket: each APDU is sent as a 4-byte big-endian length and the bytes;
/// the answer comes back as a 4-byte length of its data, the data, then the status word.
#[derive(Debug)]
pub struct SpeculosTransport {
    addr: String,
    stream: TcpStream,
}

impl SpeculosTransport {
    /// Connects to `addr` (`host:port`).
    pub fn connect(addr: &str) -> Result<Self, TransportError> {
        let err = |source| TransportError::Speculos { addr: addr.to_owned(), source };
        let resolved: Vec<SocketAddr> = addr.to_socket_addrs().map_err(err)?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the address resolves to nothing");
        for a in resolved {
            match TcpStream::connect_timeout(&a, Duration::from_secs(3)) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(Self { addr: addr.to_owned(), stream });
                }
                Err(e) => last = e,
            }
        }
        Err(err(last))
    }

    fn read_exact(&mut self, buf: &mut [u8], deadline: Instant) -> Result<(), TransportError> {
        let mut filled = 0;
        while filled < buf.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout(Duration::ZERO));
            }
            self.stream.set_read_timeout(Some(left)).map_err(io_error)?;
            match self.stream.read(&mut buf[filled..]) {
                Ok(0) => return Err(TransportError::Disconnected),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
                {
                    return Err(TransportError::Timeout(Duration::ZERO));
                }
                Err(e) => return Err(disconnected_or(e)),
            }
        }
        Ok(())
    }
}

impl Transport for SpeculosTransport {
    fn exchange(&mut self, apdu: &[u8], timeout: Duration) -> Result<Vec<u8>, TransportError> {
        let deadline = Instant::now() + timeout;
        let mut request = Vec::with_capacity(4 + apdu.len());
        request.extend_from_slice(&(apdu.len() as u32).to_be_bytes());
        request.extend_from_slice(apdu);
        self.stream.write_all(&request).map_err(disconnected_or)?;
        let with_timeout = |e| match e {
            TransportError::Timeout(_) => TransportError::Timeout(timeout),
            e => e,
        };
        let mut len = [0u8; 4];
        self.read_exact(&mut len, deadline).map_err(with_timeout)?;
        let len = u32::from_be_bytes(len) as usize;
        if len > 0x1_0000 {
            return Err(TransportError::Io(format!(
                "Speculos at {} announced an answer of {len} bytes: is that port Speculos' APDU port?",
                self.addr
            )));
        }
        let mut answer = vec![0u8; len + 2];
        self.read_exact(&mut answer, deadline).map_err(with_timeout)?;
        Ok(answer)
    }
}

fn io_error(e: io::Error) -> TransportError {
    TransportError::Io(e.to_string())
}

fn disconnected_or(e: io::Error) -> TransportError {
    match e.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::UnexpectedEof => TransportError::Disconnected,
        _ => io_error(e),
    }
}

/// A Ledger found on USB.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsbDevice {
    /// The OS path to open it by.
    pub path: String,
    /// The product name (`Nano S Plus`, `Nano X`, ...).
    pub product: String,
    /// The USB product id.
    pub product_id: u16,
}

/// The Ledgers on USB, their APDU interface only. Empty when there are none (or when this
/// user cannot see them: see `vigil ledger doctor`).
pub fn usb_devices() -> Result<Vec<UsbDevice>, TransportError> {
    let api = hidapi::HidApi::new().map_err(|e| TransportError::Io(e.to_string()))?;
    Ok(ledger_interfaces(&api)
        .map(|d| UsbDevice {
            path: d.path().to_string_lossy().into_owned(),
            product: d.product_string().unwrap_or("Ledger").to_owned(),
            product_id: d.product_id(),
        })
        .collect())
}

fn ledger_interfaces(api: &hidapi::HidApi) -> impl Iterator<Item = &hidapi::DeviceInfo> {
    // Where the backend reports no usage page (0), the APDU interface is interface 0.
    api.device_list().filter(|d| {
        d.vendor_id() == LEDGER_VENDOR_ID
            && (d.usage_page() == LEDGER_USAGE_PAGE
                || (d.usage_page() == 0 && d.interface_number() == 0))
    })
}

/// A Ledger over USB HID, with Ledger's framing.
pub struct HidTransport {
    path: String,
    device: hidapi::HidDevice,
}

impl fmt::Debug for HidTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HidTransport").field("path", &self.path).finish()
    }
}

impl HidTransport {
    /// Opens the first Ledger found on USB.
    pub fn open_first() -> Result<Self, TransportError> {
        let first = usb_devices()?.into_iter().next().ok_or(TransportError::NotFound)?;
        Self::open_path(&first.path)
    }

    /// Opens the Ledger at `path`.
    pub fn open_path(path: &str) -> Result<Self, TransportError> {
        let api = hidapi::HidApi::new().map_err(|e| TransportError::Io(e.to_string()))?;
        let c_path = CString::new(path).map_err(|_| TransportError::NotFound)?;
        let device = api.open_path(&c_path).map_err(|e| {
            // hidapi reports errno only as text.
            let text = e.to_string();
            if text.contains("Permission denied") || text.contains("EACCES") {
                TransportError::PermissionDenied(path.to_owned())
            } else if std::path::Path::new(path).exists() {
                TransportError::Io(format!("cannot open {path}: {text}"))
            } else {
                TransportError::NotFound
            }
        })?;
        Ok(Self { path: path.to_owned(), device })
    }
}

impl Transport for HidTransport {
    fn exchange(&mut self, apdu: &[u8], timeout: Duration) -> Result<Vec<u8>, TransportError> {
        let hid = |e: hidapi::HidError| TransportError::Io(e.to_string());
        for report in framing::packetize(CHANNEL, apdu)? {
            // hidapi takes the report id first; Ledger uses none (0).
            let mut out = [0u8; REPORT_SIZE + 1];
            out[1..].copy_from_slice(&report);
            // A write to an unplugged device fails: that is a disconnect.
            self.device.write(&out).map_err(|_| TransportError::Disconnected)?;
        }
        let deadline = Instant::now() + timeout;
        let mut reassembler = Reassembler::new(CHANNEL);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout(timeout));
            }
            let mut report = [0u8; REPORT_SIZE];
            // Read in slices of at most 500 ms, so the deadline is kept to that.
            let wait = left.min(Duration::from_millis(500)).as_millis() as i32;
            let n = match self.device.read_timeout(&mut report, wait.max(1)) {
                Ok(n) => n,
                Err(e) => {
                    return Err(if std::path::Path::new(&self.path).exists() {
                        hid(e)
                    } else {
                        TransportError::Disconnected
                    });
                }
            };
            if n == 0 {
                continue;
            }
            if let Some(answer) = reassembler.push(&report[..n])? {
                return Ok(answer);
            }
        }
    }
}
