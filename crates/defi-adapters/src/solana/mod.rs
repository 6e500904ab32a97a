//! Solana: networks, an RPC client with fail-over, and balances of SOL and SPL tokens (SPL
//! Token and Token-2022). Like the EVM side, it never holds a key.

use std::{
    future::Future,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use solana_account_decoder_client_types::UiAccountData;
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::{client_error::Error as RpcError, request::TokenAccountsFilter};
use url::Url;

use crate::client::redact;

pub mod plan;
pub mod stake;
pub mod submit;
pub mod transfer;

/// How long one request to one endpoint may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A Solana network: its endpoints and, for the public ones, the genesis hash every endpoint
/// must report (Solana's chain id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolanaNetwork {
    /// Its name: localnet, devnet, testnet or mainnet-beta.
    pub name: String,
    /// JSON-RPC endpoints, tried in order.
    pub rpc_urls: Vec<Url>,
    /// The genesis hash, when the network is a fixed one.
    pub genesis_hash: Option<String>,
    /// Tokens Vigil knows by symbol here: (mint, symbol).
    pub tokens: Vec<(String, String)>,
}

/// The name the local validator goes by among the Solana clusters.
pub const LOCALNET: &str = "localnet";

impl SolanaNetwork {
    /// The local validator at `rpc_url` (a fresh chain each time: no fixed genesis), with
    /// the demo mints `tools/solana-validator` creates.
    pub fn localnet(rpc_url: Url) -> Self {
        Self {
            name: LOCALNET.into(),
            rpc_urls: vec![rpc_url],
            genesis_hash: None,
            tokens: vec![
                ("AdtfQR4AqFS2nTEzLZiE63nCmrFfJrU6NRnvn5wzArkX".into(), "USDC".into()),
                ("DQ7awV6KrPUZojhVGJ6oUt8HkZp56LMZjR9VysA4yFa1".into(), "USDG".into()),
            ],
        }
    }

    /// The network called `name` (localnet, devnet, testnet, mainnet-beta), its endpoints
    /// replaced by `rpc_urls` when any are given. The local validator listens on
    /// 127.0.0.1:8899 unless told otherwise.
    pub fn named(name: &str, rpc_urls: Vec<Url>) -> Option<Self> {
        let mut network = if name == LOCALNET {
            Self::localnet(Url::parse("http://127.0.0.1:8899").ok()?)
        } else {
            Self::builtin().into_iter().find(|n| n.name == name)?
        };
        if !rpc_urls.is_empty() {
            network.rpc_urls = rpc_urls;
        }
        Some(network)
    }

    /// The mint of `symbol_or_mint` here, and the symbol to show.
    pub fn token(&self, symbol_or_mint: &str) -> (String, String) {
        let wanted = symbol_or_mint.trim();
        self.tokens
            .iter()
            .find(|(mint, symbol)| symbol.eq_ignore_ascii_case(wanted) || mint == wanted)
            .cloned()
            .unwrap_or_else(|| (wanted.to_owned(), wanted.to_owned()))
    }

    /// The public clusters.
    pub fn builtin() -> Vec<Self> {
        let network = |name: &str, url: &str, genesis: &str| Self {
            name: name.into(),
            // Constant URLs: parsing cannot fail.
            rpc_urls: Url::parse(url).into_iter().collect(),
            genesis_hash: Some(genesis.into()),
            tokens: Vec::new(),
        };
        let mut mainnet = network(
            "mainnet-beta",
            "https://api.mainnet-beta.solana.com",
            "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
        );
        mainnet.tokens = vec![
            ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v".into(), "USDC".into()),
            ("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB".into(), "USDT".into()),
        ];
        vec![
            mainnet,
            network(
                "devnet",
                "https://api.devnet.solana.com",
                "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
            ),
            network(
                "testnet",
                "https://api.testnet.solana.com",
                "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY",
            ),
        ]
    }
}

/// Errors talking to a Solana network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SolanaError {
    /// The network has no RPC URL.
    #[error("Solana network '{0}' has no RPC URL: add one in the settings")]
    NoEndpoints(String),
    /// An endpoint is reached without encryption.
    #[error(transparent)]
    Insecure(#[from] crate::InsecureTransport),
    /// An endpoint serves another cluster.
    #[error(
        "{url} serves another Solana cluster (genesis {got}), not {network}: fix the RPC URL in the settings"
    )]
    WrongCluster {
        /// The network.
        network: String,
        /// The endpoint, with any API key hidden.
        url: String,
        /// The genesis hash it reported.
        got: String,
    },
    /// No endpoint answered.
    #[error("no RPC endpoint of {network} answered: {failures}")]
    Unreachable {
        /// The network.
        network: String,
        /// What each endpoint said.
        failures: String,
    },
    /// The node answered with an error.
    #[error("the Solana node refused the request: {0}")]
    Rpc(String),
    /// Not a base58 public key.
    #[error("'{0}' is not a Solana address: expected 32 bytes in base58 (32 to 44 characters)")]
    BadAddress(String),
    /// An amount that cannot be sent.
    #[error("{0}")]
    BadAmount(String),
    /// The address is not a token mint.
    #[error("{0} is not a token mint on this network")]
    NotAMint(String),
    /// The sender holds none of that token.
    #[error("{owner} has no {token} account: there is nothing to send")]
    NoTokenAccount {
        /// The sender.
        owner: String,
        /// The token.
        token: String,
    },
    /// An instruction or address could not be built here, before anything reached a node
    /// (a bug or an input the checks above missed, not a network problem).
    #[error("cannot build the transaction: {0}")]
    Build(String),
}

/// An RPC client over a network's endpoints: a request goes to the endpoint that answered
/// last, and on a transport failure to the next.
pub struct SolanaClient {
    network: SolanaNetwork,
    clients: Vec<(Url, RpcClient)>,
    current: AtomicUsize,
}

impl std::fmt::Debug for SolanaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolanaClient").field("network", &self.network.name).finish()
    }
}

impl SolanaClient {
    /// Connects to `network`, checking each endpoint's genesis hash where the network has one.
    pub async fn connect(network: &SolanaNetwork) -> Result<Self, SolanaError> {
        if network.rpc_urls.is_empty() {
            return Err(SolanaError::NoEndpoints(network.name.clone()));
        }
        for url in &network.rpc_urls {
            crate::check_transport(url)?;
        }
        let clients = network
            .rpc_urls
            .iter()
            .map(|url| {
                let client = RpcClient::new_with_timeout_and_commitment(
                    url.to_string(),
                    REQUEST_TIMEOUT,
                    CommitmentConfig::confirmed(),
                );
                (url.clone(), client)
            })
            .collect();
        let client = Self { network: network.clone(), clients, current: AtomicUsize::new(0) };
        let genesis = client.request(|c| async move { c.get_genesis_hash().await }).await?;
        if let Some(want) = &network.genesis_hash
            && genesis.to_string() != *want
        {
            let url = redact(&client.clients[client.current.load(Ordering::Relaxed)].0);
            return Err(SolanaError::WrongCluster {
                network: network.name.clone(),
                url,
                got: genesis.to_string(),
            });
        }
        Ok(client)
    }

    /// The network.
    pub fn network(&self) -> &SolanaNetwork {
        &self.network
    }

    /// The endpoint requests go to now (the last one that answered), API key hidden.
    pub fn active_endpoint(&self) -> String {
        let i = self.current.load(Ordering::Relaxed);
        self.clients.get(i).map(|(url, _)| redact(url)).unwrap_or_default()
    }

    /// Runs `request` on the current endpoint, failing over to the others when the endpoint
    /// cannot be reached. An answer from the node (an RPC error) is final.
    pub async fn request<'a, T, F, Fut>(&'a self, request: F) -> Result<T, SolanaError>
    where
        F: Fn(&'a RpcClient) -> Fut,
        Fut: Future<Output = Result<T, RpcError>>,
    {
        let start = self.current.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for step in 0..self.clients.len() {
            let index = (start + step) % self.clients.len();
            let (url, client) = &self.clients[index];
            match request(client).await {
                Ok(value) => {
                    self.current.store(index, Ordering::Relaxed);
                    return Ok(value);
                }
                Err(e) if is_transport(&e) => failures.push(format!(
                    "{}: {}",
                    redact(url),
                    crate::client::scrub(&e.to_string(), url)
                )),
                Err(e) => return Err(SolanaError::Rpc(e.to_string())),
            }
        }
        Err(SolanaError::Unreachable {
            network: self.network.name.clone(),
            failures: failures.join("; "),
        })
    }
}

fn is_transport(e: &RpcError) -> bool {
    use solana_rpc_client_api::client_error::ErrorKind;
    matches!(e.kind(), ErrorKind::Io(_) | ErrorKind::Reqwest(_) | ErrorKind::Middleware(_))
}

/// One token holding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenBalance {
    /// The mint.
    pub mint: String,
    /// Its symbol when Vigil knows it; otherwise the mint is shown.
    pub symbol: Option<String>,
    /// The token program: `spl-token` or `spl-token-2022`.
    pub program: String,
    /// The token account holding it.
    pub account: String,
    /// The raw amount.
    pub raw: u64,
    /// The mint's decimals.
    pub decimals: u8,
    /// The amount in whole units, exactly (`1234.5`).
    pub amount: String,
}

/// What one account holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SolanaBalances {
    /// The owner.
    pub owner: String,
    /// Lamports.
    pub lamports: u64,
    /// SOL, exactly.
    pub sol: String,
    /// Its token accounts under both token programs, biggest first within each mint.
    pub tokens: Vec<TokenBalance>,
}

/// The SOL and tokens `owner` holds. `symbols` names known mints (mint, symbol).
pub async fn fetch_balances(
    client: &SolanaClient,
    owner: &Pubkey,
    symbols: &[(String, String)],
) -> Result<SolanaBalances, SolanaError> {
    let lamports = client.request(|c| async move { c.get_balance(owner).await }).await?;
    let mut tokens = Vec::new();
    for program in [spl_token_interface::id(), spl_token_2022_interface::id()] {
        let accounts = client
            .request(|c| async move {
                c.get_token_accounts_by_owner(owner, TokenAccountsFilter::ProgramId(program)).await
            })
            .await?;
        for keyed in accounts {
            let UiAccountData::Json(parsed) = &keyed.account.data else { continue };
            let info = &parsed.parsed["info"];
            let amount = &info["tokenAmount"];
            let (Some(mint), Some(raw), Some(decimals)) = (
                info["mint"].as_str(),
                amount["amount"].as_str().and_then(|a| a.parse::<u64>().ok()),
                amount["decimals"].as_u64().and_then(|d| u8::try_from(d).ok()),
            ) else {
                continue;
            };
            tokens.push(TokenBalance {
                mint: mint.to_owned(),
                symbol: symbols.iter().find(|(m, _)| m == mint).map(|(_, s)| s.clone()),
                program: parsed.program.clone(),
                account: keyed.pubkey.clone(),
                raw,
                decimals,
                amount: crate::preview::whole(alloy::primitives::U256::from(raw), decimals),
            });
        }
    }
    Ok(SolanaBalances {
        owner: owner.to_string(),
        lamports,
        sol: crate::preview::whole(alloy::primitives::U256::from(lamports), 9),
        tokens,
    })
}
