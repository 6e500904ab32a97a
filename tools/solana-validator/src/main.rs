//! `vigil-solana-validator`: Vigil's local Solana validator, for the devnet and the tests.
//!
//! A real `solana-test-validator` (agave 3.1) with its RPC, pubsub, gossip and faucet on
//! 127.0.0.1 only, its ledger in a directory of the caller's, and the mint's lamports
//! handed out by the faucet. It prints `ready RPC_URL FAUCET_ADDR` on stdout once the RPC
//! answers, and runs until it is killed. It is built and installed by `scripts/setup.sh`,
//! outside Vigil's dependency graph.
//!
//! Each `--fund PUBKEY` account starts with 100 SOL, 10,000 USDC (an SPL Token mint) and
//! 1,000 USDG (a Token-2022 mint), in associated token accounts. The mints' addresses are
//! fixed (the SHA-256 of "vigil devnet mint SYMBOL"); each is printed as `token SYMBOL MINT
//! PROGRAM DECIMALS` before the `ready` line.
//!
//! Usage: `vigil-solana-validator --ledger DIR [--rpc-port 8899] [--faucet-port 9900]
//! [--dynamic-ports 10000-10100] [--fund PUBKEY]...`

use std::{
    io::Write,
    net::{IpAddr, Ipv4Addr},
    path::PathBuf,
};

use solana_account::AccountSharedData;
use solana_faucet::faucet::{LocalFaucetConfig, run_local_faucet_with_config};
use solana_keypair::Keypair;
use solana_program_option::COption;
use solana_program_pack::Pack;
use solana_pubkey::Pubkey;
use solana_rent::Rent;
use spl_associated_token_account_interface::address::get_associated_token_address_with_program_id;
use spl_token_interface::state::{Account as TokenAccount, AccountState, Mint};
use solana_signer::Signer;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::TestValidatorGenesis;

struct Args {
    ledger: PathBuf,
    rpc_port: u16,
    faucet_port: u16,
    ports: (u16, u16),
    fund: Vec<Pubkey>,
}

/// A token every funded account holds: symbol, mint, token program, decimals, whole units.
struct DemoToken {
    symbol: &'static str,
    mint: &'static str,
    program: Pubkey,
    decimals: u8,
    units: u64,
}

fn demo_tokens() -> [DemoToken; 2] {
    [
        DemoToken {
            symbol: "USDC",
            mint: "AdtfQR4AqFS2nTEzLZiE63nCmrFfJrU6NRnvn5wzArkX",
            program: spl_token_interface::id(),
            decimals: 6,
            units: 10_000,
        },
        DemoToken {
            symbol: "USDG",
            mint: "DQ7awV6KrPUZojhVGJ6oUt8HkZp56LMZjR9VysA4yFa1",
            program: spl_token_2022_interface::id(),
            decimals: 6,
            units: 1_000,
        },
    ]
}

/// The genesis accounts: SOL for each funded account, then each demo mint and the funded
/// accounts' associated token accounts. Token-2022 takes accounts without extensions in the
/// same layout as SPL Token.
fn genesis_accounts(fund: &[Pubkey]) -> Result<Vec<(Pubkey, AccountSharedData)>, String> {
    let rent = Rent::default();
    let system = Pubkey::default();
    let mut accounts: Vec<(Pubkey, AccountSharedData)> = fund
        .iter()
        .map(|owner| (*owner, AccountSharedData::new(100_000_000_000, 0, &system)))
        .collect();
    for token in demo_tokens() {
        let mint: Pubkey = token.mint.parse().map_err(|e| format!("mint {}: {e:?}", token.symbol))?;
        let per_owner = token.units * 10u64.pow(u32::from(token.decimals));
        let state = Mint {
            // No authority: the supply is fixed at genesis.
            mint_authority: COption::None,
            supply: per_owner * fund.len() as u64,
            decimals: token.decimals,
            is_initialized: true,
            freeze_authority: COption::None,
        };
        let mut data = vec![0u8; Mint::LEN];
        Mint::pack(state, &mut data).map_err(|e| e.to_string())?;
        let mut account = AccountSharedData::new(rent.minimum_balance(Mint::LEN), Mint::LEN, &token.program);
        account.set_data_from_slice(&data);
        accounts.push((mint, account));
        for owner in fund {
            let address = get_associated_token_address_with_program_id(owner, &mint, &token.program);
            let state = TokenAccount {
                mint,
                owner: *owner,
                amount: per_owner,
                delegate: COption::None,
                state: AccountState::Initialized,
                is_native: COption::None,
                delegated_amount: 0,
                close_authority: COption::None,
            };
            let mut data = vec![0u8; TokenAccount::LEN];
            TokenAccount::pack(state, &mut data).map_err(|e| e.to_string())?;
            let mut account = AccountSharedData::new(
                rent.minimum_balance(TokenAccount::LEN),
                TokenAccount::LEN,
                &token.program,
            );
            account.set_data_from_slice(&data);
            accounts.push((address, account));
        }
        println!("token {} {mint} {} {}", token.symbol, token.program, token.decimals);
    }
    Ok(accounts)
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut ledger, mut rpc_port, mut faucet_port, mut ports) = (None, 8899, 9900, (10_000, 10_100));
    let mut fund = Vec::new();
    let port = |v: Option<String>, name: &str| -> Result<u16, String> {
        v.and_then(|v| v.parse().ok()).ok_or_else(|| format!("{name} needs a port number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ledger" => ledger = args.next().map(PathBuf::from),
            "--rpc-port" => rpc_port = port(args.next(), "--rpc-port")?,
            "--faucet-port" => faucet_port = port(args.next(), "--faucet-port")?,
            "--dynamic-ports" => {
                let range = args.next().unwrap_or_default();
                let (a, b) = range.split_once('-').ok_or("--dynamic-ports takes LOW-HIGH")?;
                ports = (
                    a.parse().map_err(|_| "--dynamic-ports takes LOW-HIGH")?,
                    b.parse().map_err(|_| "--dynamic-ports takes LOW-HIGH")?,
                );
            }
            "--fund" => {
                let key = args.next().unwrap_or_default();
                fund.push(key.parse().map_err(|_| format!("--fund: '{key}' is not a public key"))?);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let ledger = ledger.ok_or("--ledger DIR is required")?;
    Ok(Args { ledger, rpc_port, faucet_port, ports, fund })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vigil-solana-validator: {e}");
            std::process::exit(2);
        }
    };
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mint = Keypair::new();
    let (sender, receiver) = crossbeam_channel::unbounded();
    run_local_faucet_with_config(
        sender,
        LocalFaucetConfig {
            keypair: mint.insecure_clone(),
            address: Ipv4Addr::LOCALHOST,
            port: args.faucet_port,
            time_input: None,
            per_time_cap: None,
            per_request_cap: None,
        },
    );
    let faucet = match receiver.recv() {
        Ok(Ok(addr)) => addr,
        Ok(Err(e)) => fail(&format!("the faucet could not start: {e}")),
        Err(e) => fail(&format!("the faucet could not start: {e}")),
    };
    let accounts = genesis_accounts(&args.fund).unwrap_or_else(|e| fail(&e));
    let mut genesis = TestValidatorGenesis::default();
    genesis
        .add_accounts(accounts)
        .ledger_path(&args.ledger)
        .bind_ip_addr(loopback)
        .gossip_host(loopback)
        .gossip_port(args.ports.0)
        .port_range((args.ports.0 + 1, args.ports.1))
        .rpc_port(args.rpc_port)
        .faucet_addr(Some(faucet));
    let validator = match genesis.start_with_mint_address(mint.pubkey(), SocketAddrSpace::new(true)) {
        Ok(v) => v,
        Err(e) => fail(&format!("the validator could not start: {e}")),
    };
    println!("ready {} {faucet}", validator.rpc_url());
    let _ = std::io::stdout().flush();
    validator.join();
}

fn fail(message: &str) -> ! {
    eprintln!("vigil-solana-validator: {message}");
    std::process::exit(1);
}
