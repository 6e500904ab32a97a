//! `vigil provider`: Vigil as the wallet of every dapp and tool on this computer, without a
//! window. It serves the provider on 127.0.0.1 and asks on the terminal: each connection, and
//! each transaction after the same preview the other commands print (simulation, changes, fee
//! and findings), signed with the vault or the Ledger like any other.

use std::sync::Arc;

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256, Bytes},
    rpc::types::TransactionRequest,
};
use anyhow::Result;
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines, Stdin},
    sync::Mutex,
};
use vigil_api::SignerKind;
use vigil_defi_adapters::{
    ChainClient, Network,
    preview::{self},
    simulate::{Plan, Step},
};
use vigil_provider::{
    Accounts, Approver, Bound, Caller, MemoryPermissions, Provider, RpcError, Signer, TypedView,
};

use crate::sign::{self, Service, failed};

/// Where and for whom the provider serves.
#[derive(clap::Args)]
pub(crate) struct ProviderArgs {
    /// The network dapps act on (default: the one chosen with 'vigil network use' or in the
    /// app).
    #[arg(long, default_value_t = crate::chosen_network())]
    network: String,
    /// The port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = vigil_provider::DEFAULT_PORT)]
    port: u16,
    /// Read the vault password, then each answer, from stdin instead of the terminal.
    #[arg(long)]
    password_stdin: bool,
}

/// The terminal: one question at a time, answered by a line.
struct Terminal {
    lines: Mutex<Lines<BufReader<Stdin>>>,
}

impl Terminal {
    /// Asks `question`; yes only for a line that says so.
    async fn ask(&self, question: &str) -> bool {
        eprintln!("{question} [y/N]");
        let mut lines = self.lines.lock().await;
        matches!(
            lines.next_line().await,
            Ok(Some(line)) if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        )
    }
}

struct Wallet {
    accounts: Vec<Address>,
}

impl Accounts for Wallet {
    fn accounts(&self) -> Vec<Address> {
        self.accounts.clone()
    }
}

struct Front {
    service: Arc<Service>,
    network: Network,
    client: Arc<ChainClient>,
    terminal: Arc<Terminal>,
}

#[async_trait::async_trait]
impl Approver for Front {
    async fn connect(&self, caller: &Caller, offered: &[Address]) -> Option<Vec<Address>> {
        // The terminal offers the acting account; the app lets the user pick others.
        let account = *offered.first()?;
        let question = format!("Connect {caller} to {account} on {}?", self.network.name);
        self.terminal.ask(&question).await.then(|| vec![account])
    }
}

#[async_trait::async_trait]
impl Signer for Front {
    async fn send_transaction(
        &self,
        caller: &Caller,
        from: Address,
        tx: TransactionRequest,
    ) -> Result<B256, RpcError> {
        let internal = |e: String| RpcError::new(RpcError::INTERNAL, e);
        let to = tx.to.and_then(|t| t.to().copied());
        let label = match to {
            Some(to) => format!("{caller}: a call to {to}"),
            None => format!("{caller}: a contract deployment"),
        };
        let plan = Plan { from, steps: vec![Step { label: label.clone(), request: tx }] };
        let network = &self.network;
        let review = preview::review_call(&self.client, network, plan, Vec::new(), &|a| {
            preview::listed_label(network, a)
        })
        .await
        .map_err(|e| internal(e.to_string()))?;
        eprintln!("{label}, from {from} on {}", network.name);
        let _ = sign::write_review(&mut std::io::stderr(), &review, &network.native_symbol);
        if let Some(reason) = review.simulation.revert_reason() {
            return Err(RpcError::new(
                RpcError::INTERNAL,
                format!("Vigil did not sign: the simulation says it would fail ({reason})"),
            ));
        }
        let preview = self
            .service
            .keep_plan(&network.name, from, label, review)
            .await
            .map_err(|e| internal(e.message))?;
        let question = if preview.needs_override {
            "The preview has a danger finding. Sign and send anyway?"
        } else {
            "Sign and send?"
        };
        if !self.terminal.ask(question).await {
            return Err(RpcError::rejected("the transaction"));
        }
        if preview.signer == SignerKind::Ledger {
            eprintln!("Confirm on your Ledger.");
        }
        // The dapp gets the hash once sent; the journal and the monitor follow it to the end.
        let (sent, hash) = tokio::sync::oneshot::channel();
        let sent = std::sync::Mutex::new(Some(sent));
        let service = self.service.clone();
        let override_risk = preview.needs_override;
        let done = tokio::spawn(async move {
            service
                .confirm(preview.id, override_risk, |p: vigil_api::TxProgress| {
                    if p.stage == "sent"
                        && let (Some(h), Some(tx)) = (
                            p.hash.as_deref().and_then(|h| h.parse::<B256>().ok()),
                            sent.lock().unwrap_or_else(|e| e.into_inner()).take(),
                        )
                    {
                        eprintln!("sent    {h}");
                        let _ = tx.send(h);
                    }
                })
                .await
        });
        match hash.await {
            Ok(h) => Ok(h),
            Err(_) => Err(internal(match done.await {
                Ok(Err(e)) => e.message,
                Ok(Ok(_)) => "the transaction was not sent".into(),
                Err(e) => e.to_string(),
            })),
        }
    }

    async fn watch_asset(
        &self,
        caller: &Caller,
        token: Address,
        symbol: Option<String>,
    ) -> Result<bool, RpcError> {
        let called = symbol.map(|s| format!(" (it calls it {s})")).unwrap_or_default();
        let question = format!(
            "{caller} asks to add the token at {token}{called} to {}'s list. Add it?",
            self.network.name
        );
        if !self.terminal.ask(&question).await {
            return Err(RpcError::rejected("the token"));
        }
        // Vigil reads the symbol and decimals from the contract, not from the dapp.
        let view = self
            .service
            .add_token(&vigil_api::AddTokenRequest {
                network: self.network.name.clone(),
                address: token.to_checksum(None),
            })
            .await
            .map_err(|e| RpcError::invalid_params(e.message))?;
        eprintln!("added {} ({} decimals) at {token}", view.symbol, view.decimals);
        Ok(true)
    }

    async fn sign_message(
        &self,
        caller: &Caller,
        from: Address,
        message: Vec<u8>,
    ) -> Result<Bytes, RpcError> {
        // Text as text; anything else as the bytes it is.
        let shown = match std::str::from_utf8(&message) {
            Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => text.to_owned(),
            _ => format!("0x{}", alloy::hex::encode(&message)),
        };
        eprintln!("{caller} asks {from} to sign this message:\n{shown}");
        if !self.terminal.ask("Sign it?").await {
            return Err(RpcError::rejected("the signature"));
        }
        signature_bytes(self.service.sign_message(from, &message).await)
    }

    async fn sign_typed_data(
        &self,
        caller: &Caller,
        from: Address,
        data: TypedData,
        view: TypedView,
        findings: Vec<String>,
    ) -> Result<Bytes, RpcError> {
        eprintln!("{caller} asks {from} to sign {} (EIP-712)", view.primary_type);
        for line in &view.domain {
            eprintln!("  domain  {line}");
        }
        for line in &view.fields {
            eprintln!("  {line}");
        }
        if let Some(g) = &view.grant {
            let amount =
                g.amount.map_or_else(|| "an unlimited amount".to_owned(), |a| a.to_string());
            let until = g
                .until
                .map_or_else(|| "with no end".to_owned(), |t| format!("until {t} (unix time)"));
            eprintln!(
                "  {}: lets {} move {amount} of token {} {until}",
                g.kind, g.spender, g.token
            );
        }
        for f in &findings {
            eprintln!("  [{f}]");
        }
        if !self.terminal.ask("Sign it?").await {
            return Err(RpcError::rejected("the signature"));
        }
        signature_bytes(self.service.sign_typed_data(from, &data).await)
    }
}

/// A signature as the 65 bytes a dapp gets back.
fn signature_bytes(
    signed: Result<alloy::primitives::Signature, vigil_api::CommandError>,
) -> Result<Bytes, RpcError> {
    signed
        .map(|s| Bytes::from(s.as_bytes().to_vec()))
        .map_err(|e| RpcError::new(RpcError::INTERNAL, e.message))
}

pub(crate) async fn run(args: ProviderArgs) -> Result<()> {
    let service = Arc::new(sign::service()?);
    let (network, client) = service.evm(&args.network).await.map_err(failed)?;
    let (account, config) = service.acting_evm(None).map_err(failed)?;
    let stdin = BufReader::new(tokio::io::stdin()).lines();
    let terminal = Arc::new(Terminal { lines: Mutex::new(stdin) });
    if let vigil_wallet::SignerKind::Software { vault } = &config.signer {
        let password = if args.password_stdin {
            let line = terminal.lines.lock().await.next_line().await?.unwrap_or_default();
            vigil_signer::Password::new(line.trim_end())
        } else {
            crate::password_from(false, "Vault password: ")?
        };
        service.unlock_vault(vault, &password).map_err(failed)?;
    }
    let front = Arc::new(Front {
        service: service.clone(),
        network: network.clone(),
        client: client.clone(),
        terminal,
    });
    let provider = Arc::new(Provider::new(
        network.clone(),
        client,
        Arc::new(Wallet { accounts: vec![account] }),
        front.clone(),
        Arc::new(MemoryPermissions::default()),
        front,
    ));
    let bound = Bound::bind(provider, args.port).await?;
    // The address on stdout, first: what a script waits for.
    println!("http://{}", bound.addr());
    eprintln!(
        "Vigil provider for {} on http://{} (and ws://); Ctrl-C stops it",
        network.name,
        bound.addr()
    );
    bound
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
