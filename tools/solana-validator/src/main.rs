//! `vigil-solana-validator`: Vigil's local Solana validator, for the devnet and the tests.
//!
//! A real `solana-test-validator` (agave 3.1) with its RPC, pubsub, gossip and faucet on
//! 127.0.0.1 only, its ledger in a directory of the caller's, and the mint's lamports
//! handed out by the faucet. It prints `ready RPC_URL FAUCET_ADDR` on stdout once the RPC
//! answers, and runs until it is killed. It is built and installed by `scripts/setup.sh`,
//! outside Vigil's dependency graph.
//!
//! Usage: `vigil-solana-validator --ledger DIR [--rpc-port 8899] [--faucet-port 9900]
//! [--dynamic-ports 10000-10100]`

use std::{
    io::Write,
    net::{IpAddr, Ipv4Addr},
    path::PathBuf,
};

use solana_faucet::faucet::{LocalFaucetConfig, run_local_faucet_with_config};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_streamer::socket::SocketAddrSpace;
use solana_test_validator::TestValidatorGenesis;

struct Args {
    ledger: PathBuf,
    rpc_port: u16,
    faucet_port: u16,
    ports: (u16, u16),
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut ledger, mut rpc_port, mut faucet_port, mut ports) = (None, 8899, 9900, (10_000, 10_100));
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
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let ledger = ledger.ok_or("--ledger DIR is required")?;
    Ok(Args { ledger, rpc_port, faucet_port, ports })
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
    let mut genesis = TestValidatorGenesis::default();
    genesis
        .ledger_path(&args.ledger)
        .bind_ip_addr(loopback)
        .gossip_host(loopback)
        .port_range(args.ports)
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
