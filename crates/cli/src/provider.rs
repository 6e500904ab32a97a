//! `vigil provider`: Vigil as the wallet of every dapp and tool on this computer, without a
//! window. It serves the provider on 127.0.0.1 and asks on the terminal: each connection, and
//! each transaction after the same preview the other commands print (simulation, changes, fee
//! and findings), signed with the vault or the Ledger like any other.

use std::sync::Arc;

use anyhow::Result;
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines, Stdin},
    sync::Mutex,
};
use vigil_api::{SignerKind, TxProgress};
use vigil_defi_adapters::preview::Severity;
use vigil_provider::{
    Bound, Caller,
    wallet::{Answer, Ask, Prompt, message_text, wallet_provider},
};

use crate::sign::{self, failed};

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

/// The terminal as the provider's front-end: each request printed, each answer a line.
struct TerminalPrompt {
    terminal: Arc<Terminal>,
}

#[async_trait::async_trait]
impl Prompt for TerminalPrompt {
    async fn ask(&self, caller: &Caller, network: &str, ask: Ask) -> Answer {
        let yes = |approve: bool| Answer { approve, ..Answer::default() };
        match ask {
            Ask::Connect { accounts } => {
                // The terminal offers the acting account; the app lets the user pick others.
                let Some(account) = accounts.first().copied() else { return yes(false) };
                let question = format!("Connect {caller} to {account} on {network}?");
                let approve = self.terminal.ask(&question).await;
                Answer { approve, accounts: vec![account], accept_risk: false }
            }
            Ask::Transaction { preview } => {
                let _ = sign::write_preview(&mut std::io::stderr(), &preview);
                if preview.would_fail.is_some() {
                    return yes(false);
                }
                let question = if preview.needs_override {
                    "The preview has a danger finding. Sign and send anyway?"
                } else {
                    "Sign and send?"
                };
                let approve = self.terminal.ask(question).await;
                if approve && preview.signer == SignerKind::Ledger {
                    eprintln!("Confirm on your Ledger.");
                }
                Answer { approve, accounts: vec![], accept_risk: approve }
            }
            Ask::Message { account, message } => {
                let shown = message_text(&message);
                eprintln!("{caller} asks {account} to sign this message:\n{shown}");
                yes(self.terminal.ask("Sign it?").await)
            }
            Ask::TypedData { account, view, findings } => {
                eprintln!("{caller} asks {account} to sign {} (EIP-712)", view.primary_type);
                for line in &view.domain {
                    eprintln!("  domain  {line}");
                }
                for line in &view.fields {
                    eprintln!("  {line}");
                }
                for line in &view.summary {
                    eprintln!("  {line}");
                }
                for f in &findings {
                    eprintln!("  [{:?}] {}", f.severity, f.message);
                }
                let danger = findings.iter().any(|f| f.severity == Severity::Danger);
                let question =
                    if danger { "It has a danger finding. Sign it anyway?" } else { "Sign it?" };
                let approve = self.terminal.ask(question).await;
                Answer { approve, accounts: vec![], accept_risk: approve }
            }
            Ask::AddChain { proposal } => {
                let question = format!(
                    "{caller} asks to add the network {} (chain {}, {} at {}). Add it?",
                    proposal.name,
                    proposal.chain_id,
                    proposal.native_symbol,
                    proposal.rpc_urls.first().map(|u| u.as_str()).unwrap_or_default()
                );
                yes(self.terminal.ask(&question).await)
            }
            Ask::Relay => {
                let question = format!(
                    "The browser extension {caller} asks to relay web pages to Vigil (each page still asks to connect). Allow it?"
                );
                yes(self.terminal.ask(&question).await)
            }
            Ask::WatchAsset { token, symbol } => {
                let called = symbol.map(|s| format!(" (it calls it {s})")).unwrap_or_default();
                let question = format!(
                    "{caller} asks to add the token at {token}{called} to {network}'s list. Add it?"
                );
                yes(self.terminal.ask(&question).await)
            }
        }
    }

    fn progress(&self, p: &TxProgress) {
        let hash = p.hash.as_deref().unwrap_or_default();
        match p.stage.as_str() {
            "sent" => eprintln!("sent    {} ({hash})", p.step),
            "confirmed" => eprintln!("mined   {} ({hash})", p.step),
            _ => {}
        }
    }
}

pub(crate) async fn run(args: ProviderArgs) -> Result<()> {
    let service = Arc::new(sign::service()?);
    let (network, _) = service.evm(&args.network).await.map_err(failed)?;
    let (_, config) = service.acting_evm(None).map_err(failed)?;
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
    let prompt = Arc::new(TerminalPrompt { terminal });
    // Dapps start on the network chosen for this run.
    let provider = Arc::new(wallet_provider(service.clone(), prompt, Some(network.name.clone())));
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
