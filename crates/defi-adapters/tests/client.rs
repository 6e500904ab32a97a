//! The chain client and Multicall3 batching against real anvil nodes (the devnet).

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    multicall::{self, Asset},
};
use vigil_devnet::{AnvilProcess, DEMO_ACCOUNTS, Devnet, DevnetOptions};

async fn devnet() -> Devnet {
    Devnet::start(DevnetOptions::shared(Path::new(env!("CARGO_TARGET_TMPDIR")))).await.unwrap()
}

fn network(devnet: &Devnet, urls: Vec<Url>) -> Network {
    Network { rpc_urls: urls, ..Network::devnet(devnet.manifest(), devnet.url().parse().unwrap()) }
}

/// A loopback URL where nothing listens.
fn dead_url() -> Url {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}").parse().unwrap()
}

/// A loopback HTTP server that answers every request with 429, counting them.
async fn rate_limited() -> (Url, Arc<AtomicU32>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap()).parse().unwrap();
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 65536];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    (url, hits, server)
}

#[tokio::test]
async fn a_dead_first_endpoint_fails_over_to_the_second() {
    let devnet = devnet().await;
    let net = network(&devnet, vec![dead_url(), devnet.url().parse().unwrap()]);
    let client = ChainClient::connect(&net).await.unwrap();
    let block = client.request(|p| async move { p.get_block_number().await }).await.unwrap();
    assert_eq!(block, devnet.provider().get_block_number().await.unwrap());
}

#[tokio::test]
async fn a_rate_limited_endpoint_is_skipped_and_reported() {
    let devnet = devnet().await;
    let (limited, hits, server) = rate_limited().await;
    let net = network(&devnet, vec![limited.clone(), devnet.url().parse().unwrap()]);
    let client = ChainClient::connect(&net).await.unwrap();
    assert!(hits.load(Ordering::SeqCst) >= 1, "the 429 endpoint was tried first");
    client.request(|p| async move { p.get_chain_id().await }).await.unwrap();

    // With the good node gone, the error names every endpoint and what it said.
    let only_limited = network(&devnet, vec![limited]);
    let err = ChainClient::connect(&only_limited).await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("429"), "{err}");
    server.abort();
}

#[tokio::test]
async fn requests_fail_over_when_the_active_node_dies() {
    let first = devnet().await;
    let second = devnet().await;
    // Make the second node distinguishable: 5 more blocks.
    second.provider().anvil_mine(Some(5), None).await.unwrap();
    let second_block = second.provider().get_block_number().await.unwrap();
    let net = network(&first, vec![first.url().parse().unwrap(), second.url().parse().unwrap()]);
    let client = ChainClient::connect(&net).await.unwrap();
    let block = client.request(|p| async move { p.get_block_number().await }).await.unwrap();
    assert_ne!(block, second_block, "served by the first node while it is up");

    drop(first);
    let block = client.request(|p| async move { p.get_block_number().await }).await.unwrap();
    assert_eq!(block, second_block, "served by the second node after the first died");
}

#[tokio::test]
async fn an_endpoint_on_another_chain_is_refused() {
    let devnet = devnet().await;
    let mainnet_fork_lookalike = AnvilProcess::spawn(0, 1, None).unwrap();
    let net = network(
        &devnet,
        vec![devnet.url().parse().unwrap(), mainnet_fork_lookalike.url().parse().unwrap()],
    );
    let err = ChainClient::connect(&net).await.unwrap_err();
    assert!(matches!(err, ClientError::WrongChain { expected: 31337, got: 1, .. }), "{err}");
    assert!(err.to_string().contains("serves chain 1, not chain 31337"), "{err}");
}

#[tokio::test]
async fn no_endpoints_and_all_dead_are_clear_errors() {
    let devnet = devnet().await;
    let err = ChainClient::connect(&network(&devnet, vec![])).await.unwrap_err();
    assert!(err.to_string().contains("has no RPC URL"), "{err}");
    let err =
        ChainClient::connect(&network(&devnet, vec![dead_url(), dead_url()])).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Unreachable { failures, .. } if failures.len() == 2),
        "{err}"
    );
}

#[tokio::test]
async fn multicall_reads_metadata_balances_and_allowances_in_one_round_trip_each() {
    let devnet = devnet().await;
    let m = devnet.manifest();
    let client =
        ChainClient::connect(&network(&devnet, vec![devnet.url().parse().unwrap()])).await.unwrap();
    let symbols = ["WETH", "USDC", "DAI", "WBTC"];
    let mut tokens: Vec<Address> = symbols.iter().map(|s| m.tokens[*s].address).collect();
    tokens.push(m.aave_v3.pool); // not a token

    let before = client.requests();
    let meta = multicall::token_metadata(&client, m.multicall3, &tokens).await.unwrap();
    assert_eq!(client.requests() - before, 1);
    for (i, symbol) in symbols.iter().enumerate() {
        let t = meta[i].as_ref().unwrap();
        assert_eq!(t.symbol, if *symbol == "WETH" { "WETH" } else { symbol });
        assert_eq!(t.decimals, m.tokens[*symbol].decimals);
    }
    assert_eq!(meta[4], None, "a contract that is not a token");

    let assets = [Asset::Native, Asset::Token(m.weth), Asset::Token(m.tokens["USDC"].address)];
    let accounts = &DEMO_ACCOUNTS[..3];
    let before = client.requests();
    let table = multicall::balances(&client, m.multicall3, &assets, accounts).await.unwrap();
    assert_eq!(client.requests() - before, 1);
    let p = devnet.provider();
    for (row, &account) in table.iter().zip(accounts) {
        assert_eq!(row[0], Some(p.get_balance(account).await.unwrap()));
        for (cell, asset) in row.iter().zip(&assets).skip(1) {
            let Asset::Token(t) = *asset else { unreachable!() };
            let direct =
                vigil_devnet::contracts::IERC20::new(t, p).balanceOf(account).call().await.unwrap();
            assert_eq!(*cell, Some(direct));
        }
    }
    assert_eq!(
        table[1][2],
        Some(vigil_devnet::units(10_000.0, 6)),
        "demo account 1 holds 10,000 USDC"
    );

    // The sample position's supply left an unlimited WETH approval to the Aave pool.
    let q =
        [(m.weth, m.sample_position, m.aave_v3.pool), (m.weth, DEMO_ACCOUNTS[3], m.aave_v3.pool)];
    let allowances = multicall::allowances(&client, m.multicall3, &q).await.unwrap();
    assert_eq!(allowances, vec![Some(U256::MAX), Some(U256::ZERO)]);
}
