//! An RPC client over several endpoints of one chain, with fail-over and chain-id checks.

use std::{
    fmt,
    future::Future,
    sync::atomic::{AtomicU64, AtomicUsize, Ordering},
    time::Duration,
};

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::client::RpcClient,
    transports::{RpcError, TransportErrorKind},
};
use url::Url;

use crate::Network;

/// How long one request to one endpoint may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How many rounds over all endpoints a request may make before giving up.
const ROUNDS: u32 = 2;

/// Why an endpoint could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFailure {
    /// The endpoint.
    pub url: Url,
    /// What happened.
    pub reason: String,
}

impl EndpointFailure {
    /// What `url` did, with the URL's secrets taken out of the error's text too (an HTTP
    /// client's error names the full URL, API key included).
    fn new(url: &Url, error: &impl fmt::Display) -> Self {
        Self { url: url.clone(), reason: scrub(&error.to_string(), url) }
    }
}

/// `text` with `url`, and the path and query that may hold an API key, replaced by the
/// redacted URL.
pub(crate) fn scrub(text: &str, url: &Url) -> String {
    let shown = redact(url);
    let mut out = text.replace(url.as_str(), &shown);
    let path_and_query = &url[url::Position::BeforePath..];
    if path_and_query.len() > 1 {
        out = out.replace(path_and_query, "/…");
    }
    out
}

impl fmt::Display for EndpointFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", redact(&self.url), self.reason)
    }
}

/// Errors from the chain client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The network has no RPC URL.
    #[error("network '{0}' has no RPC URL: add one in the settings")]
    NoEndpoints(String),
    /// An endpoint serves another chain: a misconfiguration that could sign for the wrong chain.
    #[error(
        "{url} serves chain {got}, not chain {expected} ({network}): fix the RPC URL in the settings"
    )]
    WrongChain {
        /// The network being connected.
        network: String,
        /// The endpoint, with any API key hidden.
        url: String,
        /// The chain id the network expects.
        expected: u64,
        /// The chain id the endpoint reported.
        got: u64,
    },
    /// No endpoint answered.
    #[error("no RPC endpoint of {network} answered: {}. Check your connection or the RPC URLs", list(.failures))]
    Unreachable {
        /// The network.
        network: String,
        /// What each endpoint did.
        failures: Vec<EndpointFailure>,
    },
    /// The node answered with an error (a revert, an invalid request): not retried.
    #[error("the node refused the request: {0}")]
    Rpc(String),
    /// The private submission endpoint refused or could not be reached: nothing was sent to
    /// the public mempool instead.
    #[error(
        "the private submission endpoint {url} did not take the transaction ({reason}): it was not sent publicly instead. Try again, or turn private submission off for this network in the config (private_tx = false)"
    )]
    Private {
        /// The endpoint, API key hidden.
        url: String,
        /// What it said.
        reason: String,
    },
    /// An endpoint is reached without encryption.
    #[error(transparent)]
    Insecure(#[from] crate::InsecureTransport),
    /// The node's answer cannot be right (a simulation of another number of transactions than
    /// asked, amounts beyond any token's supply): nothing is signed on it.
    #[error(
        "the node's answer cannot be right ({0}): nothing was signed. Try again, or another RPC endpoint"
    )]
    Implausible(String),
}

fn list(failures: &[EndpointFailure]) -> String {
    failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// An URL as shown in messages: API keys in paths and queries are hidden.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or("?"));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    if url.path().len() > 1 || url.query().is_some() {
        shown.push_str("/…");
    }
    shown
}

struct Endpoint {
    url: Url,
    provider: DynProvider,
}

/// An RPC client for one chain over one or more endpoints. Requests go to the endpoint that
/// last answered; connection errors, timeouts, HTTP 429 and server errors move on to the next,
/// within a bounded number of rounds.
pub struct ChainClient {
    network: String,
    chain_id: u64,
    endpoints: Vec<Endpoint>,
    /// Where signed transactions go instead of the endpoints, when the network has one.
    private: Option<Endpoint>,
    active: AtomicUsize,
    requests: AtomicU64,
}

impl fmt::Debug for ChainClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainClient")
            .field("network", &self.network)
            .field("chain_id", &self.chain_id)
            .field("endpoints", &self.endpoints.iter().map(|e| redact(&e.url)).collect::<Vec<_>>())
            .finish()
    }
}

/// Whether trying another endpoint may help.
fn is_transient(e: &RpcError<TransportErrorKind>) -> bool {
    match e {
        RpcError::Transport(kind) => match kind {
            TransportErrorKind::HttpError(h) => h.status == 429 || h.status >= 500,
            TransportErrorKind::HttpErrorWithRetryAfter { error, .. } => error.status >= 400,
            TransportErrorKind::NonRetryable(_) => false,
            // Connection refused, reset, timeouts, DNS: all surface as custom transport errors.
            _ => true,
        },
        // A proxy's HTML error page instead of JSON.
        RpcError::DeserError { .. } | RpcError::NullResp => true,
        RpcError::ErrorResp(payload) => payload.code == 429 || payload.code == -32005,
        _ => false,
    }
}

impl ChainClient {
    /// Connects to `network`: every endpoint's chain id is checked; an endpoint on another
    /// chain is refused, unreachable ones are kept for later fail-over as long as one answers.
    pub async fn connect(network: &Network) -> Result<Self, ClientError> {
        if network.rpc_urls.is_empty() {
            return Err(ClientError::NoEndpoints(network.name.clone()));
        }
        for url in network.rpc_urls.iter().chain(&network.private_tx_url) {
            crate::check_transport(url)?;
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| ClientError::Rpc(format!("cannot build the HTTP client: {e}")))?;
        let endpoints: Vec<Endpoint> = network
            .rpc_urls
            .iter()
            .map(|url| Endpoint {
                url: url.clone(),
                provider: ProviderBuilder::new()
                    .disable_recommended_fillers()
                    .connect_client(RpcClient::new_http_with_client(http.clone(), url.clone()))
                    .erased(),
            })
            .collect();
        let private = network.private_tx_url.as_ref().map(|url| Endpoint {
            url: url.clone(),
            provider: ProviderBuilder::new()
                .disable_recommended_fillers()
                .connect_client(RpcClient::new_http_with_client(http.clone(), url.clone()))
                .erased(),
        });
        let mut failures = Vec::new();
        let mut first_good = None;
        for (i, e) in endpoints.iter().enumerate() {
            match e.provider.get_chain_id().await {
                Ok(id) if id == network.chain_id => {
                    first_good.get_or_insert(i);
                }
                Ok(got) => {
                    return Err(ClientError::WrongChain {
                        network: network.name.clone(),
                        url: redact(&e.url),
                        expected: network.chain_id,
                        got,
                    });
                }
                Err(err) => failures.push(EndpointFailure::new(&e.url, &err)),
            }
        }
        let active = first_good.ok_or_else(|| ClientError::Unreachable {
            network: network.name.clone(),
            failures: failures.clone(),
        })?;
        for f in &failures {
            tracing::warn!("{} endpoint {f}", network.name);
        }
        Ok(Self {
            network: network.name.clone(),
            chain_id: network.chain_id,
            endpoints,
            private,
            active: AtomicUsize::new(active),
            requests: AtomicU64::new(0),
        })
    }

    /// The private submission endpoint signed transactions go to, API key hidden; `None`:
    /// they go to the RPC endpoints.
    pub fn private_endpoint(&self) -> Option<String> {
        self.private.as_ref().map(|e| redact(&e.url))
    }

    /// Sends `raw` (a signed transaction) to the private submission endpoint alone, when the
    /// network has one: never to the public mempool behind the user's back, even when the
    /// private endpoint fails. `None` without one.
    pub(crate) async fn send_private(
        &self,
        raw: &alloy::primitives::Bytes,
    ) -> Option<Result<alloy::primitives::B256, ClientError>> {
        let endpoint = self.private.as_ref()?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let sent = endpoint.provider.send_raw_transaction(raw).await;
        Some(sent.map(|p| *p.tx_hash()).map_err(|e| ClientError::Private {
            url: redact(&endpoint.url),
            reason: scrub(&e.to_string(), &endpoint.url),
        }))
    }

    /// The chain id every endpoint was checked against.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Whether every endpoint is on this computer (the devnet, a local node or fork).
    pub fn is_local(&self) -> bool {
        self.chain_id == vigil_devnet::CHAIN_ID
            || self.endpoints.iter().all(|e| crate::network::is_loopback(&e.url))
    }

    /// The endpoint requests go to now (the last one that answered), API key hidden: the one
    /// a preview names as its source.
    pub fn active_endpoint(&self) -> String {
        let i = self.active.load(Ordering::Relaxed) % self.endpoints.len().max(1);
        self.endpoints.get(i).map(|e| redact(&e.url)).unwrap_or_default()
    }

    /// A client over one endpoint other than the active one, with no fail-over: a second
    /// opinion on what the first said. `None` with a single endpoint.
    pub fn witness(&self) -> Option<ChainClient> {
        let n = self.endpoints.len();
        if n < 2 {
            return None;
        }
        let i = (self.active.load(Ordering::Relaxed) + 1) % n;
        let e = &self.endpoints[i];
        Some(ChainClient {
            network: self.network.clone(),
            chain_id: self.chain_id,
            endpoints: vec![Endpoint { url: e.url.clone(), provider: e.provider.clone() }],
            private: None,
            active: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
        })
    }

    /// How many RPC requests were sent so far (for round-trip budgets and benchmarks).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Runs `request` against the active endpoint, failing over on transient errors.
    pub async fn request<T, F, Fut>(&self, request: F) -> Result<T, ClientError>
    where
        F: Fn(DynProvider) -> Fut,
        Fut: Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let n = self.endpoints.len();
        let start = self.active.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for attempt in 0..(n * ROUNDS as usize) {
            let i = (start + attempt) % n;
            let endpoint = &self.endpoints[i];
            self.requests.fetch_add(1, Ordering::Relaxed);
            match request(endpoint.provider.clone()).await {
                Ok(value) => {
                    if i != start {
                        tracing::info!("{}: now using {}", self.network, redact(&endpoint.url));
                    }
                    self.active.store(i, Ordering::Relaxed);
                    return Ok(value);
                }
                Err(e) if is_transient(&e) => {
                    failures.push(EndpointFailure::new(&endpoint.url, &e));
                    if attempt + 1 >= n {
                        // A full round failed: back off before the next one.
                        tokio::time::sleep(Duration::from_millis(200 * (attempt / n + 1) as u64))
                            .await;
                    }
                }
                Err(e) => return Err(ClientError::Rpc(scrub(&e.to_string(), &endpoint.url))),
            }
        }
        Err(ClientError::Unreachable { network: self.network.clone(), failures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_messages_hide_api_keys() {
        let u = Url::parse("https://eth-mainnet.example.com/v2/SECRETKEY?apikey=x").unwrap();
        assert_eq!(redact(&u), "https://eth-mainnet.example.com/…");
        let local = Url::parse("http://127.0.0.1:8545").unwrap();
        assert_eq!(redact(&local), "http://127.0.0.1:8545");
    }

    #[test]
    fn transport_errors_lose_the_api_key_too() {
        let u = Url::parse("https://eth-mainnet.example.com/v2/SECRETKEY").unwrap();
        let error = "error sending request for url (https://eth-mainnet.example.com/v2/SECRETKEY): connection refused; retrying /v2/SECRETKEY";
        let failure = EndpointFailure::new(&u, &error);
        let shown = failure.to_string();
        assert!(!shown.contains("SECRETKEY"), "{shown}");
        assert!(shown.contains("https://eth-mainnet.example.com/…"), "{shown}");
        assert!(shown.contains("connection refused"), "{shown}");
    }

    #[tokio::test]
    async fn a_remote_node_in_clear_text_is_refused_before_any_request() {
        let mut network = crate::Network::builtin().remove(0);
        network.rpc_urls = vec![Url::parse("http://rpc.example.com/KEY").unwrap()];
        let e = ChainClient::connect(&network).await.unwrap_err();
        assert!(matches!(e, ClientError::Insecure(_)), "{e}");
        assert!(e.to_string().contains("use https://") && !e.to_string().contains("KEY"), "{e}");
    }
}
