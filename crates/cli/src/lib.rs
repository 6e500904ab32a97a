//! `vigil`: Vigil's core without a window, for scripting, servers and the local devnet.
//!
//! Results go to stdout (alone, so they can be piped); guidance and errors go to stderr, and a
//! failure exits non-zero. Secrets are read from stdin or a hidden prompt, never from arguments
//! (which other users can see in the process list).

use std::{
    io::{self, BufRead, IsTerminal, Write},
    process::ExitCode,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use vigil_signer::{Chain, Mnemonic, Password, WordCount};
use vigil_wallet::{AccountConfig, Wallet};
use zeroize::Zeroizing;

mod accounts;
mod approvals;
mod ledger;
mod lend;
mod lp;
mod provider;
mod sign;
mod sol;
mod swap;
mod tx;
mod watch;

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "Vigil: a self-custody wallet that simulates before it signs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the address of account INDEX for a mnemonic read from stdin.
    Derive {
        /// ethereum or solana.
        #[arg(long)]
        chain: Chain,
        /// The account index (m/44'/60'/0'/0/INDEX or m/44'/501'/INDEX'/0'), below 2^31.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..0x8000_0000))]
        index: u32,
    },
    /// Manage the encrypted vaults in the OS keychain.
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
    /// Show what accounts hold: the native coin and the network's known tokens.
    Balances {
        /// An address to show (repeatable); default: the wallet's Ethereum accounts.
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// The network (default: the one chosen with 'vigil network use' or in the app).
        #[arg(long, default_value_t = chosen_network())]
        network: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Swap tokens on Uniswap (V2 or V3, the best route), previewed before anything is signed.
    Swap(swap::SwapArgs),
    /// Lend and borrow on Aave V3: every action shows the health factor before and after.
    Lend {
        #[command(subcommand)]
        command: lend::LendCommand,
    },
    /// What an account has allowed others to spend, and revoking it.
    Approvals {
        #[command(subcommand)]
        command: approvals::ApprovalsCommand,
    },
    /// Provide liquidity: positions on Uniswap V2, SushiSwap, Uniswap V3 and V4 and Balancer,
    /// and previewed add, remove and collect.
    Lp {
        #[command(subcommand)]
        command: lp::LpCommand,
    },
    /// Watch positions every block and raise alerts before liquidation (no window needed).
    Watch(watch::WatchArgs),
    /// Be the wallet of dapps and tools on this computer: an Ethereum provider on 127.0.0.1,
    /// each connection and transaction asked on the terminal after its preview.
    Provider(provider::ProviderArgs),
    /// Solana: balances, transfers of SOL and tokens, and native staking, previewed first.
    Sol {
        #[command(subcommand)]
        command: sol::SolCommand,
    },
    /// Speed up or cancel a pending transaction.
    Tx {
        #[command(subcommand)]
        command: tx::TxCommand,
    },
    /// Your transactions, newest first: pending ones and what became of the others.
    Activity {
        /// Only transactions that are not final yet.
        #[arg(long)]
        pending: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Use a Ledger: devices, doctor, addresses, accounts, signing a message, adding accounts.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// The networks Vigil knows, and the one it acts on (shared with the app).
    Network {
        #[command(subcommand)]
        command: accounts::NetworkCommand,
    },
    /// Accounts: list them, add the next one of the recovery phrase, watch an address.
    Account {
        #[command(subcommand)]
        command: accounts::AccountCommand,
    },
    /// Run the local devnet: a private Ethereum node with the real Uniswap and Aave contracts.
    Devnet {
        #[command(subcommand)]
        command: DevnetCommand,
    },
}

/// The network commands act on by default: the one chosen in the app or with
/// 'vigil network use' (a config that cannot be read falls back to the default, and the
/// command then reports the config's error itself).
pub(crate) fn chosen_network() -> String {
    chosen_preferences().network().to_owned()
}

/// The Solana cluster commands act on by default.
pub(crate) fn chosen_solana_network() -> String {
    chosen_preferences().solana_network().to_owned()
}

fn chosen_preferences() -> vigil_wallet::Preferences {
    vigil_wallet::Paths::from_env()
        .ok()
        .and_then(|p| vigil_wallet::Config::load(&p.config_file()).ok())
        .map(|c| c.preferences)
        .unwrap_or_default()
}

#[derive(Subcommand)]
enum DevnetCommand {
    /// Start the devnet in the background (or find it running) and print its RPC URL and manifest.
    Up {
        /// The port to listen on (127.0.0.1 only).
        #[arg(long, default_value_t = vigil_devnet::DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// Print the status and manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the devnet in the foreground until Ctrl-C (state saved then), printing its RPC URL.
    Run {
        /// The port to listen on (127.0.0.1 only); 0 picks a free one.
        #[arg(long, default_value_t = vigil_devnet::DEFAULT_PORT)]
        port: u16,
    },
    /// Run the local Solana validator in the foreground until Ctrl-C (its ledger is kept), with
    /// the demo accounts funded in SOL, USDC and USDG. `vigil sol` uses it by default.
    Solana {
        /// The RPC port (127.0.0.1 only).
        #[arg(long, default_value_t = vigil_devnet::solana::DEFAULT_RPC_PORT)]
        port: u16,
    },
    /// Save the devnet's state and stop it.
    Down,
    /// Forget all changes: restart from the freshly deployed snapshot.
    Reset {
        /// The port to listen on (127.0.0.1 only).
        #[arg(long, default_value_t = vigil_devnet::DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// Print the status and manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Whether the devnet is running, and where.
    Status {
        /// Print the status and manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set a token's oracle price in USD, and trade the Uniswap pools toward it.
    Price {
        /// WETH, USDC, DAI or WBTC.
        symbol: String,
        /// The new price in US dollars.
        #[arg(allow_negative_numbers = true)]
        usd: String,
        /// Move only the oracle, not the pools.
        #[arg(long)]
        oracle_only: bool,
    },
}

#[derive(Subcommand)]
enum VaultCommand {
    /// Generate a new recovery phrase and store it encrypted in the keychain.
    Create {
        /// The vault's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// 12 or 24 words.
        #[arg(long, default_value_t = 12)]
        words: usize,
        /// Read the password from the first line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Import an existing recovery phrase (hidden prompt, or the first line of stdin).
    Import {
        /// The vault's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// Read the password from the line of stdin after the phrase instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Check the password and show the vault's accounts.
    Unlock {
        /// The vault's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// Read the password from stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a vault's password (old then new, from prompts or two lines of stdin).
    Passwd {
        /// The vault's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// Read the old and new passwords from two lines of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the vaults in the keychain and their accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a vault from the keychain. Without its recovery phrase, its funds are lost.
    Delete {
        /// The vault's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// A closed pipe (`vigil … | head`) ends the command quietly, as it ends any Unix tool. Rust
/// ignores SIGPIPE by default, and printing to a closed pipe then panics.
#[allow(unsafe_code)]
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: called first in `main_with`, before the runtime starts any thread; SIG_DFL is a
    // valid disposition for SIGPIPE, and nothing in Vigil installs a handler for it.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Runs `vigil` with `args` (the program name first, as `std::env::args_os` gives them):
/// the `vigil` binary, and the app's binary started as `vigil-desktop --cli`.
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    end_quietly_on_a_closed_pipe();
    vigil_defi_adapters::install_tls_provider();
    match run(Cli::parse_from(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the async part of a command on a single-threaded runtime.
fn block_on<T>(future: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(future)
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Derive { chain, index } => {
            let phrase = secret_line("recovery phrase")?;
            let seed = Mnemonic::parse(&phrase)?.to_seed("");
            println!("{}", chain.address(&seed, &chain.account_path(index))?);
        }
        Command::Vault { command } => vault(command)?,
        Command::Balances { accounts, network, json } => {
            block_on(balances(accounts, &network, json))?
        }
        Command::Swap(args) => block_on(swap::run(args))?,
        Command::Lend { command } => block_on(lend::run(command))?,
        Command::Lp { command } => block_on(lp::run(command))?,
        Command::Approvals { command } => block_on(approvals::run(command))?,
        Command::Watch(args) => block_on(watch::run(args))?,
        Command::Provider(args) => block_on(provider::run(args))?,
        Command::Ledger { command } => block_on(ledger::run(command))?,
        Command::Sol { command } => block_on(sol::run(command))?,
        Command::Activity { pending, json } => activity(pending, json)?,
        Command::Tx { command } => block_on(tx::run(command))?,
        Command::Devnet { command } => block_on(devnet(command))?,
        Command::Network { command } => accounts::network_command(command)?,
        Command::Account { command } => accounts::account_command(command)?,
    }
    Ok(())
}

fn vault(command: VaultCommand) -> Result<()> {
    let wallet = Wallet::from_env()?;
    match command {
        VaultCommand::Create { name, words, password_stdin } => {
            let words = WordCount::try_from(words).context("--words must be 12 or 24")?;
            let password = new_password(password_stdin)?;
            let new = wallet.generate(words);
            let accounts = wallet.import(&name, &new.mnemonic, "", &password)?;
            eprintln!(
                "Vault '{name}' created. Write these {} words down, in order, and keep them offline:\n\
                 they are the only way to recover your funds if this computer is lost.",
                new.mnemonic.word_count()
            );
            // A vault whose words were never shown must not exist: undo it if printing fails.
            let shown = writeln!(io::stdout().lock(), "{}", *new.mnemonic.phrase())
                .and_then(|()| io::stdout().flush());
            if let Err(e) = shown {
                let _ = wallet.delete(&name);
                bail!("could not print the recovery phrase ({e}); the vault was not kept");
            }
            print_accounts(&accounts, true);
        }
        VaultCommand::Import { name, password_stdin } => {
            // Typed at a terminal, the phrase is never echoed.
            let phrase = if io::stdin().is_terminal() {
                Zeroizing::new(rpassword::prompt_password("Recovery phrase: ")?)
            } else {
                secret_line("recovery phrase")?
            };
            let mnemonic = Mnemonic::parse(&phrase)?;
            let password = new_password(password_stdin)?;
            let accounts = wallet.import(&name, &mnemonic, "", &password)?;
            eprintln!("Vault '{name}' imported.");
            print_accounts(&accounts, false);
        }
        VaultCommand::Unlock { name, password_stdin } => {
            let password = password_from(password_stdin, "Password: ")?;
            let unlocked = wallet.unlock(&name, &password)?;
            eprintln!("Vault '{}' unlocked.", unlocked.name());
            let config = wallet.config()?;
            print_accounts(&config.vault_accounts(&name).cloned().collect::<Vec<_>>(), false);
        }
        VaultCommand::Passwd { name, password_stdin } => {
            let old = password_from(password_stdin, "Current password: ")?;
            wallet.unlock(&name, &old)?;
            let new = new_password(password_stdin)?;
            wallet.change_password(&name, &old, &new)?;
            eprintln!("Password of vault '{name}' changed.");
        }
        VaultCommand::List { json } => {
            let vaults = wallet.vaults()?;
            if json {
                let list: Vec<_> = vaults
                    .iter()
                    .map(|(name, accounts)| serde_json::json!({ "name": name, "accounts": accounts }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if vaults.is_empty() {
                eprintln!(
                    "No vaults. Create one with 'vigil vault create' or 'vigil vault import'."
                );
            } else {
                for (name, accounts) in &vaults {
                    if accounts.is_empty() {
                        println!(
                            "{name}  (unfinished: Vigil stopped while storing it; import its phrase again with the same password to finish, or delete it)"
                        );
                        continue;
                    }
                    println!("{name}");
                    for a in accounts {
                        println!("  {:<8} {}  {}", a.chain, a.address, a.name);
                    }
                }
            }
        }
        VaultCommand::Delete { name, yes } => {
            if !yes {
                if !io::stdin().is_terminal() {
                    bail!("refusing to delete vault '{name}' without confirmation: pass --yes");
                }
                eprint!(
                    "Delete vault '{name}'? Without its recovery phrase its funds are lost for good. Type the name to confirm: "
                );
                io::stderr().flush()?;
                let mut answer = String::new();
                io::stdin().read_line(&mut answer)?;
                if answer.trim() != name {
                    bail!("not deleted");
                }
            }
            wallet.delete(&name)?;
            eprintln!("Vault '{name}' deleted.");
        }
    }
    Ok(())
}

/// Prints the transaction journal.
fn activity(pending: bool, json: bool) -> Result<()> {
    let paths = vigil_wallet::Paths::from_env()?;
    let db = vigil_wallet::db::Database::open(&vigil_wallet::db::Database::file(&paths.data_dir))?;
    let entries = db.journal(None, pending, 200)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    if entries.is_empty() {
        eprintln!("No transactions yet.");
    }
    for e in entries {
        let status = serde_json::to_value(e.status)?;
        println!(
            "{:<10} {:<8} nonce {:<4} {}  {}",
            status.as_str().unwrap_or_default(),
            e.network,
            e.nonce,
            e.hash,
            e.label
        );
    }
    Ok(())
}

async fn balances(accounts: Vec<String>, network: &str, json: bool) -> Result<()> {
    use vigil_wallet::portfolio;
    let paths = vigil_wallet::Paths::from_env()?;
    let accounts: Vec<_> = if accounts.is_empty() {
        let config = vigil_wallet::Config::load(&paths.config_file())?;
        let evm: Vec<_> = config
            .accounts
            .iter()
            .filter(|a| a.chain == Chain::Ethereum)
            .map(|a| vigil_signer::parse_evm_address(&a.address))
            .collect::<Result<_, _>>()?;
        if evm.is_empty() {
            bail!("no Ethereum accounts: import a wallet ('vigil vault import') or pass --account");
        }
        evm
    } else {
        accounts.iter().map(|a| vigil_signer::parse_evm_address(a)).collect::<Result<_, _>>()?
    };
    let network = portfolio::network(network, &paths)?;
    let client = vigil_defi_adapters::ChainClient::connect(&network).await?;
    let table = portfolio::balances(&client, &network, &accounts).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&table)?);
        return Ok(());
    }
    for account in &table {
        println!("{} on {}", account.account, network.name);
        for h in &account.holdings {
            println!("  {:>28} {}", h.amount, h.symbol);
        }
    }
    Ok(())
}

async fn devnet(command: DevnetCommand) -> Result<()> {
    use vigil_devnet::{DevnetOptions, daemon};
    let paths = vigil_wallet::Paths::from_env()?;
    let options = |port| DevnetOptions { port, ..DevnetOptions::app(&paths.data_dir) };
    let report = |status: daemon::Status, json: bool| -> Result<()> {
        if json {
            println!("{}", serde_json::to_string_pretty(&status)?);
        } else {
            println!("{}", status.rpc_url);
            eprintln!(
                "Devnet running: chain {} at block {}, pid {}.",
                status.chain_id, status.block, status.pid
            );
            for (symbol, token) in &status.manifest.tokens {
                eprintln!("  {symbol:<5} {}", token.address);
            }
            eprintln!("  Aave V3 pool {}", status.manifest.aave_v3.pool);
            eprintln!("Sample Aave position: {}", status.manifest.sample_position);
        }
        Ok(())
    };
    match command {
        DevnetCommand::Up { port, json } => report(daemon::up(&options(port)).await?, json)?,
        DevnetCommand::Reset { port, json } => report(daemon::reset(&options(port)).await?, json)?,
        DevnetCommand::Status { json } => {
            report(daemon::status(&options(vigil_devnet::DEFAULT_PORT)).await?, json)?
        }
        DevnetCommand::Run { port } => {
            let devnet = vigil_devnet::Devnet::start(options(port)).await?;
            println!("{}", devnet.url());
            eprintln!(
                "Devnet running (chain {}); Ctrl-C saves its state and stops it.",
                vigil_devnet::CHAIN_ID
            );
            tokio::signal::ctrl_c().await?;
            devnet.stop().await?;
            eprintln!("Devnet stopped; its state is saved.");
        }
        DevnetCommand::Solana { port } => {
            let dir = paths.data_dir.join("devnet");
            std::fs::create_dir_all(&dir)?;
            let fund: Vec<String> =
                vigil_devnet::solana::DEMO_ACCOUNTS.iter().map(|a| (*a).to_owned()).collect();
            let mut validator = vigil_devnet::solana::SolanaValidator::start_on(
                &dir.join("solana-ledger"),
                &fund,
                Some(port),
            )?;
            println!("{}", validator.rpc_url());
            eprintln!("Local Solana validator running; Ctrl-C stops it (its ledger is kept).");
            tokio::signal::ctrl_c().await?;
            validator.stop();
        }
        DevnetCommand::Down => {
            if daemon::down(&options(vigil_devnet::DEFAULT_PORT)).await? {
                eprintln!("Devnet stopped; its state is saved for the next 'vigil devnet up'.");
            } else {
                eprintln!("The devnet was not running.");
            }
        }
        DevnetCommand::Price { symbol, usd, oracle_only } => {
            // Only '.' as the decimal separator: "1,5" is refused rather than read as 15.
            let price: f64 = usd
                .trim_start_matches('$')
                .parse()
                .map_err(|_| vigil_devnet::DevnetError::InvalidPrice(usd.clone()))?;
            let (provider, manifest) = daemon::connect(&options(vigil_devnet::DEFAULT_PORT))?;
            vigil_devnet::set_price(&provider, &manifest, &symbol, price, !oracle_only).await?;
            eprintln!(
                "{} is now ${price} on the oracle{}.",
                symbol.to_uppercase(),
                if oracle_only { "" } else { " and in the pools" }
            );
        }
    }
    Ok(())
}

fn print_accounts(accounts: &[AccountConfig], to_stderr: bool) {
    for a in accounts {
        let line = format!("{:<8} {}", a.chain, a.address);
        if to_stderr { eprintln!("{line}") } else { println!("{line}") }
    }
}

pub(crate) fn password_from(from_stdin: bool, prompt: &str) -> Result<Password> {
    if from_stdin {
        return Ok(Password::new(secret_line("password")?.as_str()));
    }
    Ok(Password::new(
        rpassword::prompt_password(prompt)
            .context("cannot prompt for the password: use --password-stdin")?,
    ))
}

fn new_password(from_stdin: bool) -> Result<Password> {
    if from_stdin {
        return password_from(true, "");
    }
    let first = Zeroizing::new(rpassword::prompt_password("New password: ")?);
    let again = Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(Password::new(first.as_str()))
}

/// Reads one line of stdin as a secret (zeroized after use), without its line ending.
fn secret_line(what: &str) -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    if io::stdin().lock().read_line(&mut line)? == 0 {
        bail!("expected the {what} on stdin, found end of input");
    }
    Ok(Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned()))
}
