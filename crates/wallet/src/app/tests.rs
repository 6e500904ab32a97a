//! The services' own tests, without a chain (those with one are in `tests/`).

use vigil_defi_adapters::solana::LOCALNET;
use vigil_signer::{KdfParams, Mnemonic, Vault, vault::InMemoryKeychain};

use super::{dashboard::convert, *};
use crate::Paths;
use vigil_api::{
    AccountBalances, Dashboard, ErrorKind, HoldingView, PositionAssetView, PositionView, SwapForm,
};

const JUNK: &str = "test test test test test test test test test test test junk";
const DEMO: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn service(dir: &std::path::Path) -> AppService<InMemoryKeychain> {
    let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
    let wallet = Wallet::new(vault, Paths::under(dir.into()));
    let pw = Password::new("quiet meadow lantern 58");
    wallet.import(APP_VAULT, &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
    AppService::new(wallet).unwrap()
}

/// A preview of `account`'s, kept as the services keep one, of a plan no chain has seen: what
/// confirm checks before it reaches a chain (expiry, the session, the signer) is the same.
fn kept_plan(service: &AppService<InMemoryKeychain>, account: &str) -> ActionPreview {
    use vigil_defi_adapters::{
        simulate::{Plan, Simulation, Step, StepOutcome},
        submit::{Fees, SigningTerms},
    };
    let from = vigil_signer::parse_evm_address(account).unwrap();
    let step = Step::new("Swap", Default::default());
    let outcome =
        StepOutcome { label: "Swap".into(), success: true, gas_used: 21_000, revert_reason: None };
    let review = PlanReview {
        changes: vec![],
        approvals: vec![],
        steps: vec![outcome.clone()],
        gas: 21_000,
        fee_native: "0".into(),
        fee_usd: None,
        max_fee_native: "0".into(),
        max_fee_usd: None,
        endpoint: "http://127.0.0.1:8545".into(),
        witness: None,
        terms: SigningTerms {
            chain_id: 31337,
            nonce: 0,
            fees: Fees { max_fee_per_gas: 1, max_priority_fee_per_gas: 1 },
            gas_limits: vec![41_300],
        },
        findings: vec![],
        plan: Plan { from, steps: vec![step] },
        simulation: Simulation {
            steps: vec![outcome],
            changes: vec![],
            approvals: vec![],
            gas_used: 21_000,
            contracts: vec![],
        },
    };
    let config = service.wallet.account(vigil_signer::Chain::Ethereum, account).unwrap();
    let network = vigil_defi_adapters::Network::builtin().remove(0);
    let preview = ActionPreview::of_plan(
        Action::Plan { title: "Swap".into() },
        &network,
        from,
        signer_kind(&config),
        &review,
        Money::usd(),
    );
    let signable = Signable::Evm(EvmSignable::Plan {
        network: "devnet".into(),
        review: Box::new(review),
        after: None,
    });
    ActionPreview { id: service.keep(config.address, signable), ..preview }
}

#[tokio::test]
async fn a_live_quote_is_not_activity_but_a_preview_is() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    s.session().set_lock_after(Duration::from_millis(300));
    let form = SwapForm {
        network: "devnet".into(),
        account: None,
        from: "ETH".into(),
        to: "USDC".into(),
        amount: "1".into(),
        slippage_percent: None,
    };
    // The same timeline for both: unlock, a call after 2/3 of the timeout, then past the
    // timeout since the unlock but not since the call. No devnet runs here, so both calls
    // fail to connect; what counts is whether they touched the session first.
    let pause = Duration::from_millis(200);
    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    tokio::time::sleep(pause).await;
    assert!(s.quote_swap(&form).await.is_err());
    tokio::time::sleep(pause).await;
    assert!(s.session().lock_if_idle(), "the quote repeats every block: it is not activity");

    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    tokio::time::sleep(pause).await;
    assert!(s.preview_swap(&form).await.is_err());
    tokio::time::sleep(pause).await;
    assert!(!s.session().lock_if_idle(), "asking for a preview is the user at work");
}

#[test]
fn a_dashboard_is_converted_value_by_value_and_its_total_follows() {
    let position = PositionView {
        key: "devnet/aave/0x1".into(),
        protocol: "Aave V3".into(),
        network: "devnet".into(),
        account: DEMO.into(),
        health_factor: Some(1.5),
        level: vigil_api::Level::Ok,
        collateral: 300.0,
        debt: 100.0,
        available: 50.0,
        distance_to_liquidation: Some(0.3),
        unmodelled: None,
        liquidation_probability: Some(0.01),
        stale_feeds: vec![],
        rules: vec![],
        assets: vec![PositionAssetView {
            symbol: "WETH".into(),
            supplied: "1".into(),
            debt: "0".into(),
            collateral: true,
            price: 2000.0,
            liquidation_price: Some(1500.0),
            liquidates_on_rise: false,
        }],
        history: vec![],
    };
    let mut d = Dashboard {
        currency: "USD".into(),
        total_value: None,
        balances: vec![AccountBalances {
            account: vigil_api::Account {
                name: "a".into(),
                chain: vigil_api::Chain::Ethereum,
                address: DEMO.into(),
                path: None,
                signer: ApiSigner::Software,
                hidden: false,
            },
            network: "devnet".into(),
            holdings: vec![HoldingView {
                symbol: "ETH".into(),
                amount: "1".into(),
                value: Some(2000.0),
            }],
            value: Some(2000.0),
            error: None,
        }],
        positions: vec![position],
        errors: vec![],
    };
    convert(&Money { currency: "EUR".into(), usd_per_unit: 2.0 }, &mut d);
    assert_eq!(d.currency, "EUR");
    assert_eq!(d.balances[0].value, Some(1000.0));
    assert_eq!(d.balances[0].holdings[0].value, Some(1000.0));
    let p = &d.positions[0];
    assert_eq!((p.collateral, p.debt, p.available), (150.0, 50.0, 25.0));
    assert_eq!((p.assets[0].price, p.assets[0].liquidation_price), (1000.0, Some(750.0)));
    assert_eq!(p.health_factor, Some(1.5), "ratios do not change with the currency");
}

#[tokio::test]
async fn a_preview_is_signed_only_in_the_session_generation_it_was_made_in() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let preview = kept_plan(&s, DEMO);
    assert_eq!(preview.signer, ApiSigner::Software);
    // The session locked since the preview (the idle timer, or a lock while a confirm was
    // in flight): it is void, even once unlocked again.
    s.session().lock();
    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert!(e.message.contains("locked since this preview"), "{}", e.message);
    // And it was used up: a second confirm finds nothing.
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert!(e.message.contains("expired or was already used"), "{}", e.message);
    // The app's own lock drops every preview at once.
    let preview = kept_plan(&s, DEMO);
    s.lock();
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert!(e.message.contains("expired or was already used"), "{}", e.message);
}

#[tokio::test]
async fn a_locked_wallet_keeps_the_preview_for_the_confirm_after_unlocking() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    s.lock();
    assert!(s.lock_state().locked);
    let preview = kept_plan(&s, DEMO);
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Locked, "{}", e.message);
    // Still there: confirming again reaches the same point, not "already used".
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Locked, "{}", e.message);
}

#[test]
fn accounts_are_added_at_the_next_index_watched_renamed_and_hidden() {
    use vigil_api::{AddAccountRequest, Chain, EditAccountRequest, WatchAccountRequest};
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    s.lock();
    let add = AddAccountRequest { chain: Chain::Ethereum, name: Some("Savings".into()) };
    let e = s.add_account(&add).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Locked, "the phrase is needed: {}", e.message);
    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    let second = s.add_account(&add).unwrap();
    // The second account of the "test … junk" phrase.
    assert_eq!(second.address, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert_eq!(
        (second.name.as_str(), second.path.as_deref()),
        ("Savings", Some("m/44'/60'/0'/0/1"))
    );
    let third = s.add_account(&AddAccountRequest { chain: Chain::Ethereum, name: None }).unwrap();
    assert_eq!((third.name.as_str(), third.signer), ("Ethereum 3", ApiSigner::Software));
    let sol = s.add_account(&AddAccountRequest { chain: Chain::Solana, name: None }).unwrap();
    assert_eq!(sol.path.as_deref(), Some("m/44'/501'/1'/0'"));

    let watched = WatchAccountRequest {
        chain: Chain::Ethereum,
        address: "0xa0ee7a142d267c1f36714e4a8f75612f20a79720".into(),
        name: None,
    };
    let w = s.watch_account(&watched).unwrap();
    assert_eq!(
        (w.address.as_str(), w.signer),
        ("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", ApiSigner::Watch)
    );
    let again = s.watch_account(&watched).unwrap_err();
    assert!(again.message.contains("already in the wallet"), "{}", again.message);
    let bad = WatchAccountRequest {
        address: "0xA0Ee7A142d267C1f36714E4a8F75612F20a79720".into(),
        ..watched
    };
    assert!(s.watch_account(&bad).unwrap_err().message.contains("checksum"));
    let bad_sol =
        WatchAccountRequest { chain: Chain::Solana, address: "not-base58!".into(), name: None };
    assert!(s.watch_account(&bad_sol).unwrap_err().message.contains("not a Solana address"));

    // Hiding the first account makes the next visible one the default for actions.
    let hide = EditAccountRequest {
        chain: Chain::Ethereum,
        address: DEMO.to_lowercase(),
        name: Some("  Main  ".into()),
        hidden: Some(true),
    };
    let edited = s.edit_account(&hide).unwrap();
    assert_eq!((edited.name.as_str(), edited.hidden), ("Main", true));
    let (first, _) = s.account_for(vigil_signer::Chain::Ethereum, None).unwrap();
    assert_eq!(first, second.address);
    let long = EditAccountRequest { name: Some("x".repeat(41)), hidden: None, ..hide };
    assert!(s.edit_account(&long).unwrap_err().message.contains("at most 40"));
    assert_eq!(s.accounts().unwrap().len(), 6, "two imported, three added, one watched");
}

#[tokio::test]
async fn a_watch_only_account_is_refused_at_signing() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let watched = vigil_api::WatchAccountRequest {
        chain: vigil_api::Chain::Ethereum,
        address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906".into(),
        name: None,
    };
    s.watch_account(&watched).unwrap();
    let preview = kept_plan(&s, &watched.address);
    assert_eq!(preview.signer, ApiSigner::Watch);
    let e = s.confirm(preview.id, false, |_| {}).await.unwrap_err();
    assert!(e.message.contains("watch-only"), "{}", e.message);
}

#[test]
fn the_chosen_network_is_remembered_and_unknown_ones_are_refused_with_the_known() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let n = s.networks().unwrap();
    assert_eq!((n.network.as_str(), n.solana_network.as_str()), ("ethereum", "mainnet-beta"));
    assert!(n.evm.iter().any(|v| v.name == "devnet" && v.local && v.chain_id == Some(31337)));
    assert!(n.solana.iter().any(|v| v.name == LOCALNET && v.local));
    let pick = |network: &str| vigil_api::SelectNetwork {
        network: Some(network.into()),
        solana_network: Some(LOCALNET.into()),
    };
    let n = s.select_network(&pick("Base")).unwrap();
    assert_eq!((n.network.as_str(), n.solana_network.as_str()), ("base", LOCALNET));
    assert_eq!(s.wallet().config().unwrap().preferences.network.as_deref(), Some("base"));
    let e = s.select_network(&pick("goerli")).unwrap_err();
    assert!(
        e.message.contains("unknown network 'goerli'") && e.message.contains("arbitrum"),
        "{}",
        e.message
    );
    assert_eq!(s.networks().unwrap().network, "base", "a refused choice changes nothing");
}

#[tokio::test]
async fn the_devnet_when_absent_says_how_to_start_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let e = s.evm("devnet").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Network);
    assert!(e.message.contains("vigil devnet up"), "{}", e.message);
}

#[tokio::test]
async fn config_changes_and_locks_are_published_to_whoever_follows_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let mut events = s.subscribe();
    let pick = vigil_api::SelectNetwork { network: Some("base".into()), solana_network: None };
    s.select_network(&pick).unwrap();
    assert_eq!(events.try_recv().unwrap(), CoreEvent::ConfigChanged);
    // A refused change publishes nothing.
    let bad = vigil_api::SelectNetwork { network: Some("goerli".into()), solana_network: None };
    assert!(s.select_network(&bad).is_err());
    assert!(events.try_recv().is_err());
    s.lock();
    assert_eq!(events.try_recv().unwrap(), CoreEvent::Locked);
    // The idle timer publishes the lock it makes, once.
    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    s.session().set_lock_after(Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(80)).await;
    s.lock_if_idle();
    s.lock_if_idle();
    assert_eq!(events.try_recv().unwrap(), CoreEvent::Locked);
    assert!(events.try_recv().is_err(), "an already locked wallet is not locked again");
}

#[test]
fn solana_clusters_take_the_users_endpoints_checked_and_fall_back_to_the_public_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let mut settings = s.settings().unwrap();
    let names: Vec<&str> = settings.solana_networks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["mainnet-beta", "devnet", "testnet"]);
    assert!(settings.solana_networks.iter().all(|c| c.rpc_urls.is_empty()));
    let public = settings.solana_networks[1].default_urls.clone();
    assert!(public[0].starts_with("https://api.devnet.solana.com"), "{public:?}");

    let devnet = |settings: &mut vigil_api::Settings| {
        settings
            .solana_networks
            .iter_mut()
            .find(|c| c.name == "devnet")
            .unwrap()
            .rpc_urls
            .clone_from(&vec![
                "http://127.0.0.1:9".to_owned(),
                " https://rpc.example/solana ".to_owned(),
            ]);
    };
    devnet(&mut settings);
    let saved = s.save_settings(&settings).unwrap();
    let urls = &saved.solana_networks.iter().find(|c| c.name == "devnet").unwrap().rpc_urls;
    assert_eq!(urls, &["http://127.0.0.1:9/", "https://rpc.example/solana"]);
    // Every Solana screen resolves the cluster to them, in order, for fail-over.
    let config = s.config().unwrap();
    let resolved = crate::portfolio::solana_network(&config, "devnet").unwrap();
    let resolved: Vec<String> = resolved.rpc_urls.iter().map(ToString::to_string).collect();
    assert_eq!(resolved, ["http://127.0.0.1:9/", "https://rpc.example/solana"]);

    let mut bad = saved.clone();
    bad.solana_networks[0].rpc_urls = vec!["ftp://example.com".into()];
    let e = s.save_settings(&bad).unwrap_err();
    assert!(
        e.message.contains("mainnet-beta: 'ftp://example.com' is not an http(s) URL"),
        "{}",
        e.message
    );
    let mut bad = saved.clone();
    bad.solana_networks[0].name = "localnet".into();
    let e = s.save_settings(&bad).unwrap_err();
    assert!(e.message.contains("not a public Solana cluster"), "{}", e.message);
    assert_eq!(s.settings().unwrap(), saved, "a refused save changes nothing");

    // Emptied: the public endpoint again.
    let mut cleared = saved;
    cleared.solana_networks.iter_mut().for_each(|c| c.rpc_urls.clear());
    s.save_settings(&cleared).unwrap();
    let config = s.config().unwrap();
    assert!(config.solana_networks.is_empty());
    let resolved = crate::portfolio::solana_network(&config, "devnet").unwrap();
    assert_eq!(resolved.rpc_urls[0].as_str(), public[0]);
}

#[test]
fn a_generated_phrase_not_yet_confirmed_is_dropped_when_the_wallet_locks() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let shown = s.generate_wallet(12).unwrap();
    let answers = || {
        zeroize::Zeroizing::new(
            shown.check_positions.iter().map(|&i| shown.words[i - 1].clone()).collect::<Vec<_>>(),
        )
    };
    s.lock();
    let e = s.confirm_wallet(answers(), &Password::new("quiet meadow lantern 58")).unwrap_err();
    assert!(e.message.contains("no new wallet is waiting"), "{}", e.message);

    // The idle lock too, once the session was unlocked.
    let shown = s.generate_wallet(12).unwrap();
    s.unlock(&Password::new("quiet meadow lantern 58")).unwrap();
    s.session().set_lock_after(Duration::from_millis(20));
    std::thread::sleep(Duration::from_millis(50));
    s.lock_if_idle();
    let answers = zeroize::Zeroizing::new(
        shown.check_positions.iter().map(|&i| shown.words[i - 1].clone()).collect(),
    );
    let e = s.confirm_wallet(answers, &Password::new("quiet meadow lantern 58")).unwrap_err();
    assert!(e.message.contains("no new wallet is waiting"), "{}", e.message);
}

#[test]
fn a_guessable_password_is_refused_and_the_new_phrase_waits_for_a_better_one() {
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::new(InMemoryKeychain::default()).with_kdf(KdfParams::INSECURE_FAST);
    let s = AppService::new(Wallet::new(vault, Paths::under(dir.path().into()))).unwrap();
    let shown = s.generate_wallet(12).unwrap();
    let answers = || {
        zeroize::Zeroizing::new(
            shown.check_positions.iter().map(|&i| shown.words[i - 1].clone()).collect::<Vec<_>>(),
        )
    };
    let e = s.confirm_wallet(answers(), &Password::new("password123")).unwrap_err();
    assert_eq!(e.kind, vigil_api::ErrorKind::InvalidInput);
    assert!(e.message.contains("too easy to guess"), "{}", e.message);
    assert!(!s.has_wallet().unwrap(), "nothing stored");
    let accounts = s.confirm_wallet(answers(), &Password::new("quiet meadow lantern 58")).unwrap();
    assert!(!accounts.is_empty());
    assert!(s.has_wallet().unwrap());
}

#[test]
fn a_networks_balancer_pools_and_v4_scan_start_survive_saving_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let pool = vigil_defi_adapters::BalancerPoolRef {
        id: alloy::primitives::B256::repeat_byte(7),
        tokens: vec![Address::repeat_byte(1), Address::repeat_byte(2)],
    };
    let protocols = vigil_defi_adapters::ProtocolAddresses {
        weth: Address::repeat_byte(3),
        multicall3: Address::repeat_byte(4),
        balancer_vault: Some(Address::repeat_byte(5)),
        balancer_pools: vec![pool.clone()],
        uniswap_v4_position_manager_block: Some(1234),
        ..Default::default()
    };
    s.wallet()
        .update_config(|c| {
            c.networks.push(crate::NetworkConfig {
                name: "testchain".into(),
                chain_id: 4242,
                rpc_urls: vec!["http://127.0.0.1:9/".parse().unwrap()],
                ws_url: None,
                explorer: None,
                native_symbol: None,
                protocols: Some(protocols),
                tokens: vec![],
                max_fee_gwei: None,
                private_tx: None,
                private_tx_url: None,
                feed_heartbeats: Default::default(),
            });
            Ok::<_, crate::WalletError>(())
        })
        .unwrap();
    // Saved as the form shows it (single addresses only): the list it does not show stays.
    let settings = s.settings().unwrap();
    s.save_settings(&settings).unwrap();
    let config = s.config().unwrap();
    let saved = config.networks.iter().find(|n| n.name == "testchain").unwrap();
    let saved = saved.protocols.as_ref().unwrap();
    assert_eq!(saved.balancer_pools, vec![pool]);
    assert_eq!(saved.uniswap_v4_position_manager_block, Some(1234));
    assert_eq!(saved.balancer_vault, Some(Address::repeat_byte(5)));
}
