//! The application's services against two real chains: the devnet, and a second local chain
//! with its own chain id and its own deployment of the protocols, configured exactly as a user
//! configures a public network (its endpoint, protocol addresses and tokens in the config).
//! Nothing here takes a devnet-only path: the same calls act on either chain.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vigil_api::{
    AddTokenRequest, Chain, DashboardRequest, NetworkRequest, SelectNetwork, SendForm, SwapForm,
    TokensRequest, WatchAccountRequest,
};
use vigil_defi_adapters::{ChainClient, Network};
use vigil_devnet::{Devnet, DevnetOptions};
use vigil_signer::{KdfParams, Password, Vault, vault::InMemoryKeychain};
use vigil_wallet::{NetworkConfig, Paths, Wallet, app::AppService};

const JUNK: &str = "test test test test test test test test test test test junk";
const MAIN: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const OTHER: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
/// The second chain's id: not the devnet's, not a public chain's.
const SECOND_CHAIN: u64 = 4242;

struct Chains {
    service: AppService<InMemoryKeychain>,
    _second: Devnet,
    _home: tempfile::TempDir,
    devnet: vigil_devnet::DevnetOptions,
}

impl Drop for Chains {
    fn drop(&mut self) {
        let options = self.devnet.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                let _ = rt.block_on(vigil_devnet::daemon::down(&options));
            }
        })
        .join();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A wallet with the demo phrase, the app's devnet running, and "testchain" configured.
async fn two_chains() -> Chains {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path().into());
    let devnet = DevnetOptions { port: free_port(), ..DevnetOptions::app(&paths.data_dir) };
    vigil_devnet::daemon::up(&devnet).await.unwrap();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let second = Devnet::start(DevnetOptions::other_chain(tmp, SECOND_CHAIN)).await.unwrap();
    assert_eq!(second.manifest().chain_id, SECOND_CHAIN);
    // What the user writes for a chain Vigil has no built-in addresses for: the endpoint,
    // the protocol contracts and the tokens (WBTC left out: it is added by address below).
    let described = Network::devnet(second.manifest(), second.url().parse().unwrap());
    let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
    let wallet = Wallet::new(vault, paths);
    wallet
        .update_config(|c| {
            c.networks.push(NetworkConfig {
                name: "testchain".into(),
                chain_id: SECOND_CHAIN,
                rpc_urls: described.rpc_urls.clone(),
                ws_url: None,
                explorer: None,
                native_symbol: None,
                protocols: Some(described.protocols.clone()),
                tokens: described.tokens.iter().filter(|t| t.symbol != "WBTC").cloned().collect(),
                max_fee_gwei: None,
                private_tx: None,
                private_tx_url: None,
                feed_heartbeats: described.feed_heartbeats.clone(),
            });
            Ok::<_, vigil_wallet::WalletError>(())
        })
        .unwrap();
    let service = AppService::new(wallet).unwrap();
    let phrase = zeroize::Zeroizing::new(JUNK.to_owned());
    service.import_wallet(phrase, &Password::new("quiet meadow lantern 58")).unwrap();
    Chains { service, _second: second, _home: home, devnet }
}

/// What `account` holds of `symbol` on `network`, read through the same services.
async fn holding(chains: &Chains, network: &str, account: &str, symbol: &str) -> f64 {
    let request = TokensRequest { network: network.into(), account: Some(account.into()) };
    let tokens = chains.service.tokens(&request).await.unwrap();
    let token = tokens.iter().find(|t| t.symbol == symbol).unwrap_or_else(|| panic!("{symbol}"));
    token.balance.as_deref().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_swap_and_a_send_on_a_configured_chain_change_that_chain_only() {
    let chains = two_chains().await;
    let s = &chains.service;

    let chosen = s
        .select_network(&SelectNetwork { network: Some("testchain".into()), solana_network: None })
        .unwrap();
    assert_eq!(chosen.network, "testchain");
    assert!(chosen.evm.iter().any(|n| n.name == "testchain" && n.chain_id == Some(SECOND_CHAIN)));

    // The dashboard reads the chosen chain: its balances, its Aave market.
    let request =
        DashboardRequest { network: "testchain".into(), solana_network: "localnet".into() };
    let dashboard = s.dashboard(&request).await.unwrap();
    let main = dashboard
        .balances
        .iter()
        .find(|b| b.account.address == MAIN && b.network == "testchain")
        .unwrap();
    // 10,000 USDC, and 6,000 borrowed by the sample position.
    assert_eq!(main.holdings.iter().find(|h| h.symbol == "USDC").unwrap().amount, "16000");
    assert!(dashboard.positions.iter().all(|p| p.network == "testchain"));
    assert!(!dashboard.positions.is_empty(), "the second chain has its own sample position");
    let markets = s.markets(&NetworkRequest { network: "testchain".into() }).await.unwrap();
    assert!(markets.iter().any(|m| m.symbol == "WETH"));

    let usdc = |network: &'static str| holding(&chains, network, MAIN, "USDC");
    let (devnet_before, second_before) = (usdc("devnet").await, usdc("testchain").await);

    let swap = SwapForm {
        network: "testchain".into(),
        account: None,
        from: "ETH".into(),
        to: "USDC".into(),
        amount: "1".into(),
        slippage_percent: None,
    };
    let quote = s.quote_swap(&swap).await.unwrap();
    let preview = s.preview_swap(&swap).await.unwrap();
    assert_eq!((preview.network.as_str(), preview.account.as_str()), ("testchain", MAIN));
    assert!(preview.would_fail.is_none(), "{:?}", preview.would_fail);
    let mut events = s.subscribe();
    let executed = s.confirm(preview.id, false, |_| {}).await.unwrap();
    // The watcher is told of the transaction as it goes out, with its journal's facts.
    match events.try_recv().unwrap() {
        vigil_wallet::app::CoreEvent::TransactionSent { network, hash, account, .. } => {
            assert_eq!((network.as_str(), account.as_str()), ("testchain", MAIN));
            assert_eq!(Some(&hash), executed.hashes.last());
        }
        other => panic!("expected the transaction, got {other:?}"),
    }
    let received = usdc("testchain").await - second_before;
    let quoted: f64 = quote.amount_out.parse().unwrap();
    assert!((received - quoted).abs() < 0.01 * quoted, "received {received}, quoted {quoted}");
    assert_eq!(usdc("devnet").await, devnet_before, "the devnet is untouched");

    let send = SendForm {
        network: "testchain".into(),
        account: Some(MAIN.to_lowercase()),
        to: OTHER.into(),
        asset: "USDC".into(),
        amount: "250".into(),
    };
    // The recipient, watched so that its balances can be read like the wallet's own.
    let watched = WatchAccountRequest { chain: Chain::Ethereum, address: OTHER.into(), name: None };
    s.watch_account(&watched).unwrap();
    let other_before = holding(&chains, "testchain", OTHER, "USDC").await;
    let preview = s.preview_send(&send).await.unwrap();
    s.confirm(preview.id, false, |_| {}).await.unwrap();
    assert_eq!(holding(&chains, "testchain", OTHER, "USDC").await, other_before + 250.0);
    assert_eq!(holding(&chains, "devnet", OTHER, "USDC").await, 10_000.0, "untouched");

    // The journal says where each transaction went.
    let activity = s.activity().unwrap();
    assert!(activity.len() >= 2 && activity.iter().all(|a| a.network == "testchain"));
}

#[tokio::test]
async fn a_pasted_token_is_checked_on_chain_and_remembered_for_that_network() {
    let chains = two_chains().await;
    let s = &chains.service;
    let second = Network::devnet(chains._second.manifest(), chains._second.url().parse().unwrap());
    let wbtc = second.token("WBTC").unwrap().address;
    let request = TokensRequest { network: "testchain".into(), account: None };
    let before = s.tokens(&request).await.unwrap();
    assert!(before.iter().all(|t| t.symbol != "WBTC"), "not configured yet");
    assert_eq!(before[0].symbol, "ETH", "the native coin comes first");

    // An address with no code, then a real token.
    let add = |address: String| AddTokenRequest { network: "testchain".into(), address };
    let e = s.add_token(&add(OTHER.into())).await.unwrap_err();
    assert!(e.message.contains("has no contract on testchain"), "{}", e.message);
    let e = s.add_token(&add("0x1234".into())).await.unwrap_err();
    assert!(e.message.contains("not a token address"), "{}", e.message);
    let added = s.add_token(&add(wbtc.to_checksum(None))).await.unwrap();
    assert_eq!((added.symbol.as_str(), added.decimals), ("WBTC", 8));
    let after = s.tokens(&request).await.unwrap();
    let held = after.iter().find(|t| t.symbol == "WBTC").unwrap();
    assert_eq!(held.balance.as_deref(), Some("1"), "the demo account holds 1 WBTC");
    // Remembered for testchain only, and in the config file for the next start.
    let config = std::fs::read_to_string(s.wallet().paths().config_file()).unwrap();
    assert!(config.contains("[[token]]\nnetwork = \"testchain\"\nsymbol = \"WBTC\""), "{config}");
    let on_devnet = TokensRequest { network: "devnet".into(), account: None };
    assert_eq!(
        s.tokens(&on_devnet).await.unwrap().iter().filter(|t| t.symbol == "WBTC").count(),
        1,
        "the devnet's own WBTC, not a second one"
    );
}

#[tokio::test]
async fn a_watch_only_account_is_shown_on_every_chain_and_clients_are_reused() {
    let chains = two_chains().await;
    let s = &chains.service;
    let watched = WatchAccountRequest { chain: Chain::Ethereum, address: OTHER.into(), name: None };
    s.watch_account(&watched).unwrap();
    for network in ["devnet", "testchain"] {
        let request =
            DashboardRequest { network: network.into(), solana_network: "localnet".into() };
        let d = s.dashboard(&request).await.unwrap();
        let row = d.balances.iter().find(|b| b.account.address == OTHER).unwrap();
        assert_eq!(row.network, network);
        assert_eq!(row.account.signer, vigil_api::SignerKind::Watch);
    }
    // The second read of a network reuses its client: no new chain-id check of its endpoint.
    let (_, first) = s.evm("testchain").await.unwrap();
    let (_, again) = s.evm("testchain").await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    let direct: &ChainClient = again.as_ref();
    assert!(direct.is_local(), "a chain on loopback counts as local (one confirmation)");
}

/// Waits for the watcher's report of a block at or after `block`.
async fn tick_at(
    events: &mut tokio::sync::broadcast::Receiver<vigil_notifier::MonitorEvent>,
    block: u64,
) {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(vigil_notifier::MonitorEvent::Tick { block: b, .. }) if b >= block => return,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("the watcher stopped: {e}"),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("no report of block {block} within 30 s"));
}

#[tokio::test]
async fn the_dashboard_shows_the_watchers_reads_and_sends_no_request_of_its_own() {
    use alloy::providers::Provider;

    let chains = two_chains().await;
    let s = &chains.service;
    let request =
        DashboardRequest { network: "testchain".into(), solana_network: "localnet".into() };
    // The first read is the dashboard's own; it asks the watcher to take the next ones.
    let first = s.dashboard(&request).await.unwrap();
    let (network, client) = s.evm("testchain").await.unwrap();
    let watching = vigil_wallet::watch::start(
        s.wallet().paths(),
        vigil_wallet::watch::WatchRequest {
            networks: vec!["testchain".into()],
            rider: Some(s.dashboard_rider()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut events = watching.subscribe();

    // The chain moves: the account's ETH changes in a new block.
    let node = alloy::providers::ProviderBuilder::new().connect_http(network.rpc_urls[0].clone());
    let main: alloy::primitives::Address = MAIN.parse().unwrap();
    let wei = alloy::primitives::U256::from(1234u64)
        * alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18u64));
    let _: () = node.raw_request("anvil_setBalance".into(), (main, wei)).await.unwrap();
    let _: String = node.raw_request("evm_mine".into(), ()).await.unwrap();
    let block = node.get_block_number().await.unwrap();
    tick_at(&mut events, block).await;

    let before = client.requests();
    let now = s.dashboard(&request).await.unwrap();
    assert_eq!(client.requests(), before, "the dashboard read the chain beside the watcher");
    let eth = |d: &vigil_api::Dashboard| {
        let b = d.balances.iter().find(|b| b.account.address == MAIN).unwrap();
        b.holdings.iter().find(|h| h.symbol == "ETH").unwrap().amount.clone()
    };
    assert_eq!(eth(&now), "1234", "the watcher's read of the new block is shown");
    assert_ne!(eth(&first), "1234");
    // The same positions, values and levels as the dashboard's own read.
    assert_eq!(now.positions.len(), first.positions.len());
    for (a, b) in now.positions.iter().zip(&first.positions) {
        assert_eq!((&a.key, a.level), (&b.key, b.level));
        assert!((a.health_factor.unwrap() - b.health_factor.unwrap()).abs() < 1e-6);
        assert!((a.debt - b.debt).abs() < 0.01 && (a.collateral - b.collateral).abs() < 0.01);
    }
    assert_eq!(now.total_value.is_some(), first.total_value.is_some());

    // Without the watcher, the dashboard reads the chain again rather than show old reads.
    watching.stop().await;
    let _: () = node
        .raw_request("anvil_setBalance".into(), (main, wei * alloy::primitives::U256::from(2u64)))
        .await
        .unwrap();
    let before = client.requests();
    let alone = s.dashboard(&request).await.unwrap();
    assert!(client.requests() > before, "the watcher stopped: the dashboard reads for itself");
    assert_eq!(eth(&alone), "2468");
}

/// A service's answer without its value.
fn ok<T>(answer: Result<T, vigil_api::CommandError>) -> Result<(), vigil_api::CommandError> {
    answer.map(|_| ())
}

#[tokio::test]
async fn the_apps_services_answer_bad_input_with_an_error_never_a_panic() {
    use vigil_api::{EditAccountRequest, LendAction, LendForm, ReplaceForm, SolanaForm};
    use vigil_signer::testing::bad_values;
    let chains = two_chains().await;
    let s = &chains.service;
    let swap = SwapForm {
        network: "devnet".into(),
        account: None,
        from: "ETH".into(),
        to: "USDC".into(),
        amount: "1".into(),
        slippage_percent: None,
    };
    let send = SendForm {
        network: "devnet".into(),
        account: None,
        to: OTHER.into(),
        asset: "USDC".into(),
        amount: "1".into(),
    };
    let lend = LendForm {
        network: "devnet".into(),
        account: None,
        action: LendAction::Supply,
        asset: "USDC".into(),
        amount: "1".into(),
    };
    let mut tried = 0;
    // Each answer: a value, or an error that says something (a panic fails the test).
    let mut check = |what: &str, answer: Result<(), vigil_api::CommandError>| {
        tried += 1;
        if let Err(e) = answer {
            assert!(!e.message.trim().is_empty(), "{what}: an error without a word");
        }
    };
    for bad in bad_values() {
        let b = || bad.clone();
        check("swap network", ok(s.preview_swap(&SwapForm { network: b(), ..swap.clone() }).await));
        check(
            "swap account",
            ok(s.preview_swap(&SwapForm { account: Some(b()), ..swap.clone() }).await),
        );
        check("swap from", ok(s.preview_swap(&SwapForm { from: b(), ..swap.clone() }).await));
        check("swap to", ok(s.quote_swap(&SwapForm { to: b(), ..swap.clone() }).await));
        check("swap amount", ok(s.quote_swap(&SwapForm { amount: b(), ..swap.clone() }).await));
        check("send to", ok(s.preview_send(&SendForm { to: b(), ..send.clone() }).await));
        check("send asset", ok(s.preview_send(&SendForm { asset: b(), ..send.clone() }).await));
        check("send amount", ok(s.preview_send(&SendForm { amount: b(), ..send.clone() }).await));
        check("lend asset", ok(s.preview_lend(&LendForm { asset: b(), ..lend.clone() }).await));
        check("lend amount", ok(s.preview_lend(&LendForm { amount: b(), ..lend.clone() }).await));
        check("markets", ok(s.markets(&NetworkRequest { network: b() }).await));
        check(
            "tokens",
            ok(s.tokens(&TokensRequest { network: "devnet".into(), account: Some(b()) }).await),
        );
        check(
            "add token",
            ok(s.add_token(&AddTokenRequest { network: "devnet".into(), address: b() }).await),
        );
        check(
            "watch",
            ok(s.watch_account(&WatchAccountRequest {
                chain: Chain::Ethereum,
                address: b(),
                name: None,
            })),
        );
        check(
            "rename",
            ok(s.edit_account(&EditAccountRequest {
                chain: Chain::Ethereum,
                address: MAIN.into(),
                name: Some(b()),
                hidden: None,
            })),
        );
        check(
            "network",
            ok(s.select_network(&SelectNetwork { network: Some(b()), solana_network: None })),
        );
        check("replace", ok(s.preview_replace(&ReplaceForm { hash: b(), cancel: false }).await));
        check(
            "solana",
            ok(s.preview_solana(&SolanaForm {
                network: "localnet".into(),
                account: None,
                action: b(),
                target: b(),
                asset: "SOL".into(),
                amount: b(),
            })
            .await),
        );
    }
    eprintln!("{tried} bad inputs tried on the app's services, no panic");
    assert_eq!(tried, 18 * bad_values().len());
}

#[tokio::test]
async fn approvals_on_a_configured_chain_are_listed_named_valued_and_revoked() {
    use alloy::{network::TransactionBuilder, primitives::U256, sol_types::SolCall};
    use vigil_api::{ApprovalsRequest, RevokeForm};
    use vigil_defi_adapters::abi::IERC20;
    let chains = two_chains().await;
    let s = &chains.service;
    let second = &chains._second;
    let m = second.manifest();
    let (usdc, dai) = (m.tokens["USDC"].address, m.tokens["DAI"].address);
    let router = m.uniswap_v2.router;
    let stranger = alloy::primitives::Address::repeat_byte(0x5a);
    let main: alloy::primitives::Address = MAIN.parse().unwrap();
    for (token, spender, amount) in
        [(usdc, router, U256::from(100_000_000u64)), (dai, stranger, U256::MAX)]
    {
        let approve = IERC20::approveCall { spender, amount }.abi_encode();
        let tx = alloy::rpc::types::TransactionRequest::default()
            .from(main)
            .to(token)
            .with_input(approve);
        assert!(second.send_unlocked(tx).await.unwrap().status());
    }
    let request = ApprovalsRequest { network: "testchain".into(), account: None };
    let listed = s.approvals(&request).await.unwrap();
    let usdc_grant = listed.grants.iter().find(|g| g.token == "USDC").unwrap();
    assert_eq!(usdc_grant.amount, "100");
    assert_eq!(usdc_grant.spender_name.as_deref(), Some("Uniswap V2 Router"));
    assert!(!usdc_grant.spender_unknown);
    let at_risk = usdc_grant.value_at_risk.unwrap();
    assert!((at_risk - 100.0).abs() < 1.0, "100 USDC at about $1: {at_risk}");
    let dai_grant = listed.grants.iter().find(|g| g.token == "DAI").unwrap().clone();
    assert_eq!(dai_grant.amount, "unlimited");
    assert!(dai_grant.spender_unknown, "an address the network does not vouch for");

    // Revoked through the preview and the one confirm path: the chain says 0 and it is gone.
    let form =
        RevokeForm { network: "testchain".into(), account: None, ids: vec![dai_grant.id.clone()] };
    let preview = s.preview_revoke(&form).await.unwrap();
    assert_eq!(preview.steps.len(), 1);
    assert!(preview.would_fail.is_none(), "{:?}", preview.would_fail);
    s.confirm(preview.id, false, |_| {}).await.unwrap();
    let allowance =
        IERC20::new(dai, second.provider()).allowance(main, stranger).call().await.unwrap();
    assert_eq!(allowance, U256::ZERO);
    let after = s.approvals(&request).await.unwrap();
    assert!(after.grants.iter().all(|g| g.id != dai_grant.id), "{:?}", after.grants);
    assert!(after.grants.iter().any(|g| g.id == usdc_grant.id), "the other one stands");
    assert!(after.scanned_to > listed.scanned_to, "the search resumed where it stopped");
    // An unknown id is refused with what to do.
    let bad = RevokeForm { ids: vec!["erc20:0x1:0x2".into()], ..form };
    let e = s.preview_revoke(&bad).await.unwrap_err();
    assert!(e.message.contains("list them again"), "{}", e.message);
}
