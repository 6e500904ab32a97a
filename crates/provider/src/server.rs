//! The provider on the wire: JSON-RPC over HTTP POST and WebSocket on one loopback port.
//!
//! Only 127.0.0.1 is bound. The `Host` header must name this port on loopback, so that a web
//! page cannot reach Vigil through a name it re-points at 127.0.0.1 (DNS rebinding). The
//! `Origin` header says which page is asking; a request without one comes from a program on
//! this computer. Errors go out with HTTP 200, as JSON-RPC errors: viem and ethers drop the
//! error code of any other status.

use std::{
    collections::HashMap,
    net::{Ipv4Addr, SocketAddr},
    sync::Arc,
};

use axum::{
    Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::broadcast::error::RecvError};

use crate::{
    front::Caller,
    provider::{Provider, ProviderEvent},
    rpc::{self, Call, Request, RpcError},
};

/// The port dapps and tools expect a desktop wallet on (Frame's).
pub const DEFAULT_PORT: u16 = 1248;
/// The largest request body or WebSocket message (1 MiB): far above any real request.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;
/// The most requests in one batch.
pub const MAX_BATCH: usize = 100;

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The port is taken.
    #[error(
        "port {0} on 127.0.0.1 is in use (another wallet, or Vigil already running): stop it or choose another port"
    )]
    PortInUse(u16),
    /// Another I/O failure.
    #[error("the provider could not listen on 127.0.0.1:{0}: {1}")]
    Io(u16, std::io::Error),
}

#[derive(Debug)]
struct Shared {
    provider: Arc<Provider>,
    port: u16,
}

/// A bound provider, not yet serving: its address is known (port 0 picks a free one).
#[derive(Debug)]
pub struct Bound {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Bound {
    /// Binds 127.0.0.1:`port`.
    pub async fn bind(provider: Arc<Provider>, port: u16) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AddrInUse => ServerError::PortInUse(port),
                _ => ServerError::Io(port, e),
            })?;
        let port = listener.local_addr().map_err(|e| ServerError::Io(port, e))?.port();
        Ok(Self { listener, shared: Arc::new(Shared { provider, port }) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.shared.port))
    }

    /// Serves until `stop` completes.
    pub async fn serve(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let port = self.shared.port;
        let app = Router::new()
            .route("/", get(upgrade).post(http).options(preflight))
            .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
            .with_state(self.shared);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(stop)
            .await
            .map_err(|e| ServerError::Io(port, e))
    }
}

/// The caller, after the checks every request gets: `Host` on loopback at this port, and an
/// `Origin` that names a page (not the opaque "null").
#[allow(clippy::result_large_err)] // the refusal is the response itself
fn caller(headers: &HeaderMap, port: u16) -> Result<Caller, Response> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let loopback = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| host.eq_ignore_ascii_case(&format!("{h}:{port}")));
    if !loopback {
        return Err((
            StatusCode::FORBIDDEN,
            format!("Vigil answers only to 127.0.0.1:{port}, not to host '{host}'"),
        )
            .into_response());
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => Ok(Caller::Local),
        Some(Ok(origin)) if !origin.is_empty() && origin != "null" => {
            Ok(Caller::Site(origin.to_owned()))
        }
        Some(_) => Err((StatusCode::FORBIDDEN, "an opaque or unreadable Origin").into_response()),
    }
}

/// CORS for a page that calls the port itself: its own origin echoed, nothing wider.
fn cors(response: &mut Response, caller: &Caller) {
    if let Caller::Site(origin) = caller
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

async fn preflight(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let caller = match caller(&headers, shared.port) {
        Ok(c) => c,
        Err(refused) => return refused,
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    cors(&mut response, &caller);
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

async fn http(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let caller = match caller(&headers, shared.port) {
        Ok(c) => c,
        Err(refused) => return refused,
    };
    // A JSON content type makes a browser ask first (CORS preflight); a form post cannot.
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "send application/json").into_response();
    }
    let answer = answer(&shared.provider, &body, &caller, None).await;
    let mut response =
        ([(header::CONTENT_TYPE, "application/json")], answer.to_string()).into_response();
    cors(&mut response, &caller);
    response
}

/// The answer to a body: a response, an array of them for a batch (notifications get none).
async fn answer(
    provider: &Provider,
    body: &[u8],
    caller: &Caller,
    mut subscriptions: Option<&mut Subscriptions>,
) -> Value {
    let mut one = async |r: Result<Request, (Value, RpcError)>| -> Option<Value> {
        match r {
            Err((id, e)) => Some(rpc::response(id, Err(e))),
            Ok(req) => {
                let result = match subscriptions.as_deref_mut() {
                    Some(subs)
                        if req.method.starts_with("eth_") && req.method.ends_with("subscribe") =>
                    {
                        subs.handle(&req)
                    }
                    _ => provider.handle(&req, caller).await,
                };
                req.id.map(|id| rpc::response(id, result))
            }
        }
    };
    match rpc::parse(body) {
        Call::Invalid(e) => rpc::response(Value::Null, Err(e)),
        Call::Single(r) => one(r).await.unwrap_or(Value::Null),
        Call::Batch(items) if items.len() > MAX_BATCH => rpc::response(
            Value::Null,
            Err(RpcError::new(
                RpcError::INVALID_REQUEST,
                format!("a batch of {} requests; at most {MAX_BATCH}", items.len()),
            )),
        ),
        Call::Batch(items) => {
            let mut out = Vec::with_capacity(items.len());
            for r in items {
                out.extend(one(r).await);
            }
            Value::Array(out)
        }
    }
}

/// A WebSocket's subscriptions to provider events, by id.
#[derive(Debug, Default)]
struct Subscriptions {
    by_id: HashMap<String, &'static str>,
    next: u64,
}

impl Subscriptions {
    fn handle(&mut self, req: &Request) -> Result<Value, RpcError> {
        let first = req.params.get(0).and_then(Value::as_str);
        match (req.method.as_str(), first) {
            ("eth_subscribe", Some(kind @ ("accountsChanged" | "chainChanged"))) => {
                self.next += 1;
                let id = format!("{:#034x}", self.next);
                self.by_id.insert(
                    id.clone(),
                    if kind == "accountsChanged" { "accountsChanged" } else { "chainChanged" },
                );
                Ok(json!(id))
            }
            ("eth_subscribe", other) => Err(RpcError::new(
                RpcError::UNSUPPORTED_METHOD,
                format!(
                    "Vigil's subscriptions are accountsChanged and chainChanged, not {}",
                    other.unwrap_or("(none)")
                ),
            )),
            (_, Some(id)) => Ok(json!(self.by_id.remove(id).is_some())),
            _ => Err(RpcError::invalid_params("eth_unsubscribe takes a subscription id")),
        }
    }

    /// The notifications of `event` for `caller`'s subscriptions.
    fn notify(&self, event: &ProviderEvent, caller: &Caller, provider: &Provider) -> Vec<Value> {
        let (kind, result) = match event {
            ProviderEvent::AccountsChanged { key, accounts } if key == caller.key() => (
                "accountsChanged",
                json!(accounts.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>()),
            ),
            ProviderEvent::ChainChanged { key, chain_id }
                if key
                    .as_deref()
                    .map_or(!provider.has_own_chain(caller), |k| k == caller.key()) =>
            {
                ("chainChanged", json!(format!("{chain_id:#x}")))
            }
            ProviderEvent::ChainChanged { .. } => return Vec::new(),
            ProviderEvent::AccountsChanged { .. } => return Vec::new(),
        };
        self.by_id
            .iter()
            .filter(|(_, k)| **k == kind)
            .map(|(id, _)| rpc::notification(id, result.clone()))
            .collect()
    }
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> Response {
    // WebSockets have no CORS: the Origin check here is the only one.
    let caller = match caller(&headers, shared.port) {
        Ok(c) => c,
        Err(refused) => return refused,
    };
    // A browser extension relays a page: the page's origin, as the browser told the extension,
    // rides in the query. Only an extension may relay, and only once the user allowed it.
    let relayed = uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("origin=")).map(percent_decoded));
    let (caller, relay) = match (relayed, caller) {
        (None, caller) => (caller, None),
        (Some(page), Caller::Site(extension)) if is_extension(&extension) && is_web(&page) => {
            (Caller::Site(page), Some(extension))
        }
        (Some(_), _) => {
            return (
                StatusCode::FORBIDDEN,
                "only a browser extension relays pages, and only http(s) ones",
            )
                .into_response();
        }
    };
    ws.max_message_size(MAX_REQUEST_BYTES)
        .max_frame_size(MAX_REQUEST_BYTES)
        .on_upgrade(move |socket| session(socket, shared, caller, relay))
}

/// An extension's origin (Chromium's, Firefox's, Safari's).
fn is_extension(origin: &str) -> bool {
    ["chrome-extension://", "moz-extension://", "safari-web-extension://"]
        .iter()
        .any(|scheme| origin.starts_with(scheme))
}

/// A web page's origin.
fn is_web(origin: &str) -> bool {
    (origin.starts_with("https://") || origin.starts_with("http://"))
        && !origin[origin.find("://").map_or(0, |i| i + 3)..].contains('/')
}

/// `%xx` escapes decoded (a query value); undecodable bytes are kept as they were.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a message is a subscription request, which the socket answers itself.
fn subscribes(body: &[u8]) -> bool {
    let is_sub = |r: &Result<Request, (Value, RpcError)>| {
        r.as_ref().is_ok_and(|r| r.method.starts_with("eth_") && r.method.ends_with("subscribe"))
    };
    match rpc::parse(body) {
        Call::Single(r) => is_sub(&r),
        Call::Batch(items) => items.iter().any(is_sub),
        Call::Invalid(_) => false,
    }
}

/// One socket: requests answered concurrently (one waiting for the user holds up no other),
/// subscriptions kept per socket, and events sent as they happen.
async fn session(
    mut socket: WebSocket,
    shared: Arc<Shared>,
    caller: Caller,
    relay: Option<String>,
) {
    let provider = shared.provider.clone();
    let mut events = provider.events();
    let mut subscriptions = Subscriptions::default();
    let (answered, mut answers) = tokio::sync::mpsc::unbounded_channel::<Value>();
    // The relaying extension, asked about once per socket.
    let trusted = Arc::new(tokio::sync::OnceCell::<bool>::new());
    loop {
        tokio::select! {
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    let body = text.as_bytes().to_vec();
                    if subscribes(&body) {
                        let out = answer(&provider, &body, &caller, Some(&mut subscriptions)).await;
                        let _ = answered.send(out);
                        continue;
                    }
                    let (provider, caller, relay, trusted, answered) =
                        (provider.clone(), caller.clone(), relay.clone(), trusted.clone(), answered.clone());
                    tokio::spawn(async move {
                        if let Some(extension) = &relay {
                            let allowed = *trusted.get_or_init(|| provider.trust_relay(extension)).await;
                            if !allowed {
                                let refused = RpcError::new(
                                    RpcError::UNAUTHORIZED,
                                    format!("the browser extension {extension} may not relay pages to Vigil: allow it in Vigil"),
                                );
                                let _ = answered.send(refusal(&body, refused));
                                return;
                            }
                        }
                        let _ = answered.send(answer(&provider, &body, &caller, None).await);
                    });
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {} // pings are answered by the library; binary is not JSON-RPC
            },
            Some(out) = answers.recv() => {
                if !out.is_null() && socket.send(Message::Text(out.to_string().into())).await.is_err() {
                    break;
                }
            }
            event = events.recv() => match event {
                Ok(event) => {
                    for n in subscriptions.notify(&event, &caller, &provider) {
                        if socket.send(Message::Text(n.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
        }
    }
}

/// The same error for every request of a body.
fn refusal(body: &[u8], error: RpcError) -> Value {
    match rpc::parse(body) {
        Call::Single(Ok(r)) => r.id.map_or(Value::Null, |id| rpc::response(id, Err(error))),
        Call::Batch(items) => Value::Array(
            items
                .into_iter()
                .filter_map(|r| r.ok().and_then(|r| r.id))
                .map(|id| rpc::response(id, Err(error.clone())))
                .collect(),
        ),
        Call::Single(Err((id, e))) => rpc::response(id, Err(e)),
        Call::Invalid(e) => rpc::response(Value::Null, Err(e)),
    }
}
