//! The Ledger signers against the device simulator, over the Speculos TCP transport: the
//! whole path (transport, APDUs, chunking, parsing, signature assembly) runs, and every
//! signature is checked against the addresses Speculos' default seed is known to have.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy, TypedTransaction},
    dyn_abi::TypedData,
    primitives::{Address, Bytes, TxKind, U256, address, eip191_hash_message},
};
use vigil_signer::{
    Chain, DerivationPath, EvmSigner, SignerError, SolanaAddress, SolanaSigner,
    ledger::{
        App, DeviceState, Ledger, LedgerError, PathStyle, Timeouts,
        ethereum::{INS_SIGN_TRANSACTION, LedgerEvmSigner},
        simulator::{SimApp, Simulator},
        solana::LedgerSolanaSigner,
        transport::Endpoint,
    },
    solana::offchain_message,
};

/// Speculos' default seed at m/44'/60'/0'/0/0 and m/44'/501'/0'/0' (from Speculos' docs).
const ETH_0: Address = address!("0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D");
const SOL_0: &str = "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV";

fn device() -> (Simulator, Ledger) {
    let sim = Simulator::start().unwrap();
    let ledger = Ledger::start(sim.endpoint());
    (sim, ledger)
}

async fn evm_signer(ledger: &Ledger) -> LedgerEvmSigner {
    LedgerEvmSigner::for_account(ledger.clone(), DerivationPath::ethereum(0), ETH_0).await.unwrap()
}

/// Recovers who signed a transaction from its hash and signature, as a node would.
fn signer_of(envelope: &TxEnvelope) -> Address {
    envelope.signature().recover_address_from_prehash(&envelope.signature_hash()).unwrap()
}

fn ledger_error(e: SignerError) -> LedgerError {
    match e {
        SignerError::Ledger(e) => e,
        other => panic!("expected a Ledger error, got {other:?}"),
    }
}

#[tokio::test]
async fn addresses_are_speculos_default_seeds_on_both_apps_and_both_path_styles() {
    let (sim, ledger) = device();
    let eth = ledger.accounts(Chain::Ethereum, PathStyle::Legacy, 3).await.unwrap();
    let live = ledger.accounts(Chain::Ethereum, PathStyle::LedgerLive, 3).await.unwrap();
    assert_eq!(eth[0].1, ETH_0.to_checksum(None));
    assert_eq!(eth[0].0.to_string(), "m/44'/60'/0'/0/0");
    assert_eq!(eth[2].0.to_string(), "m/44'/60'/0'/0/2");
    assert_eq!(live[2].0.to_string(), "m/44'/60'/2'/0/0");
    // Account 0 is the same key in both styles; later ones differ.
    assert_eq!(live[0].1, eth[0].1);
    assert_ne!(live[1].1, eth[1].1);
    assert_ne!(eth[1].1, eth[2].1);
    assert_eq!(
        ledger.state(),
        DeviceState::Ready { app: "Ethereum".into(), version: "1.13.0".into() }
    );

    sim.set(|c| c.app = SimApp::Solana);
    let sol = ledger.accounts(Chain::Solana, PathStyle::Legacy, 2).await.unwrap();
    assert_eq!(sol[0].1, SOL_0);
    assert_eq!(sol[0].0.to_string(), "m/44'/501'/0'/0'");
    let sol_live = ledger.accounts(Chain::Solana, PathStyle::LedgerLive, 2).await.unwrap();
    assert_eq!(sol_live[1].0.to_string(), "m/44'/501'/1'");
    assert_ne!(sol_live[0].1, SOL_0, "m/44'/501'/0' is another key than m/44'/501'/0'/0'");

    // Shown on the device: the user sees the address and approves; or rejects.
    let shown = ledger.address(Chain::Solana, DerivationPath::solana(0), true).await.unwrap();
    assert_eq!(shown, SOL_0);
    assert_eq!(sim.controls().screens, vec![format!("Verify address {SOL_0}")]);
    sim.set(|c| {
        c.reject = true;
        c.app = SimApp::Ethereum;
    });
    let e = ledger.address(Chain::Ethereum, DerivationPath::ethereum(0), true).await.unwrap_err();
    assert!(matches!(e, LedgerError::Rejected), "{e:?}");
    assert!(matches!(ledger.state(), DeviceState::Ready { .. }), "no longer waiting for the user");
    // Paths a Ledger does not take are refused before anything is sent.
    let long = DerivationPath::from(vec![0x8000_002C; 11]);
    let e = ledger.address(Chain::Ethereum, long, false).await.unwrap_err();
    assert!(e.to_string().contains("1 to 10 steps"), "{e}");
}

#[tokio::test]
async fn transactions_are_signed_in_chunks_and_recover_to_the_account() {
    let (sim, ledger) = device();
    sim.set(|c| c.blind_signing = true);
    let signer = evm_signer(&ledger).await;

    // EIP-1559 with 600 bytes of calldata: 5 chunks.
    let tx = TypedTransaction::Eip1559(TxEip1559 {
        chain_id: 1,
        nonce: 7,
        gas_limit: 200_000,
        max_fee_per_gas: 40_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(address!("0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45")),
        value: U256::from(10u64.pow(17)),
        input: Bytes::from(vec![0xA5; 600]),
        ..Default::default()
    });
    let envelope = signer.sign_envelope(tx.clone()).await.unwrap();
    assert_eq!(signer_of(&envelope), ETH_0);
    let chunks: Vec<u8> = sim
        .controls()
        .apdus
        .iter()
        .filter(|a| a[1] == INS_SIGN_TRANSACTION)
        .map(|a| a[2])
        .collect();
    assert_eq!(chunks, vec![0x00, 0x80, 0x80, 0x80, 0x80], "P1 0x00, then 0x80 for each chunk");

    // Legacy EIP-155 transactions, on mainnet and on the devnet's chain id, whose v the app
    // truncates to one byte.
    for chain_id in [1u64, 31337] {
        let tx = TypedTransaction::Legacy(TxLegacy {
            chain_id: Some(chain_id),
            nonce: 1,
            gas_price: 20_000_000_000,
            gas_limit: 21_000,
            to: TxKind::Call(ETH_0),
            value: U256::from(1u64),
            input: Bytes::new(),
        });
        let envelope = signer.sign_envelope(tx).await.unwrap();
        assert_eq!(signer_of(&envelope), ETH_0, "chain {chain_id}");
    }

    // A legacy transaction whose first chunk would end exactly where its EIP-155 trailer
    // begins: split there, the app would sign it as a pre-EIP-155 transaction (the simulator
    // refuses, as the wrong signature would fail). Vigil sends the trailer with that chunk.
    let boundary = (0..200)
        .map(|len| TxLegacy {
            chain_id: Some(1),
            gas_limit: 100_000,
            gas_price: 1,
            to: TxKind::Call(ETH_0),
            input: Bytes::from(vec![0x11; len]),
            ..Default::default()
        })
        .find(|tx| {
            let mut payload = Vec::new();
            tx.encode_for_signing(&mut payload);
            payload.len() - 3 == 150 - 21
        })
        .expect("some calldata length puts the trailer at the chunk boundary");
    let envelope = signer.sign_envelope(TypedTransaction::Legacy(boundary)).await.unwrap();
    assert_eq!(signer_of(&envelope), ETH_0);
}

#[tokio::test]
async fn messages_and_typed_data_sign_and_blind_signing_off_is_explained() {
    let (sim, ledger) = device();
    let signer = evm_signer(&ledger).await;

    // personal_sign over several chunks.
    let message = "Sign in to Vigil. ".repeat(30);
    let signature = signer.sign_message(message.as_bytes()).await.unwrap();
    let hash = eip191_hash_message(message.as_bytes());
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), ETH_0);
    assert_eq!(sim.controls().screens.last().unwrap(), &format!("Sign message: {message}"));

    let typed: TypedData = serde_json::from_value(serde_json::json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Permit": [{"name": "owner", "type": "address"}, {"name": "value", "type": "uint256"}]
        },
        "primaryType": "Permit",
        "domain": {"name": "Vigil", "chainId": 1},
        "message": {"owner": ETH_0.to_string(), "value": "1000"}
    }))
    .unwrap();
    // Off by default, as on a new device: the app refuses hashed mode, and Vigil says how to
    // turn it on.
    let e = ledger_error(signer.sign_typed_data(&typed).await.unwrap_err());
    assert!(matches!(e, LedgerError::BlindSigningDisabled(App::Ethereum)), "{e:?}");
    assert!(e.to_string().contains("enable \"Blind signing\""), "{e}");
    // So is a transaction with calldata.
    let call = TypedTransaction::Eip1559(TxEip1559 {
        chain_id: 1,
        to: TxKind::Call(ETH_0),
        input: Bytes::from(vec![1, 2, 3, 4]),
        ..Default::default()
    });
    let e = ledger_error(signer.sign_transaction(&call).await.unwrap_err());
    assert!(matches!(e, LedgerError::BlindSigningDisabled(App::Ethereum)), "{e:?}");

    sim.set(|c| c.blind_signing = true);
    let signature = signer.sign_typed_data(&typed).await.unwrap();
    let hash = typed.eip712_signing_hash().unwrap();
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), ETH_0);
}

/// A legacy Solana message: `from` pays `to` 1 SOL, with a memo of `memo_len` bytes, and one
/// instruction for `program` (the System program when it is all zeros).
fn solana_message(from: &SolanaAddress, program: [u8; 32], memo_len: usize) -> Vec<u8> {
    let memo: [u8; 32] = bs58::decode("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
        .into_vec()
        .unwrap()
        .try_into()
        .unwrap();
    let to = [7u8; 32];
    let mut m = vec![1, 0, 2, 4];
    for key in [from.0, to, program, memo] {
        m.extend_from_slice(&key);
    }
    m.extend_from_slice(&[9u8; 32]); // Recent blockhash.
    m.push(2); // Two instructions.
    // Transfer: program 2, accounts [0, 1], data = u32 2 || u64 lamports.
    m.extend_from_slice(&[2, 2, 0, 1, 12, 2, 0, 0, 0]);
    m.extend_from_slice(&1_000_000_000u64.to_le_bytes());
    // Memo: program 3, no accounts, `memo_len` bytes (compact-u16 length).
    m.extend_from_slice(&[3, 0]);
    let len = memo_len as u16;
    if len < 0x80 {
        m.push(len as u8);
    } else {
        m.extend_from_slice(&[(len & 0x7F) as u8 | 0x80, (len >> 7) as u8]);
    }
    m.extend(std::iter::repeat_n(b'm', memo_len));
    m
}

#[tokio::test]
async fn solana_transactions_and_offchain_messages_verify() {
    let (sim, ledger) = device();
    sim.set(|c| c.app = SimApp::Solana);
    let signer = LedgerSolanaSigner::for_account(
        ledger.clone(),
        DerivationPath::solana(0),
        SOL_0.parse().unwrap(),
    )
    .await
    .unwrap();
    let pubkey = signer.pubkey();

    // 686 bytes: three APDUs.
    let message = solana_message(&pubkey, [0; 32], 500);
    assert_eq!(message.len(), 686);
    let signature = signer.sign_message(&message).await.unwrap();
    assert!(pubkey.verify(&message, &signature));
    let p2: Vec<u8> = sim.controls().apdus.iter().filter(|a| a[1] == 0x06).map(|a| a[3]).collect();
    assert_eq!(p2, vec![0x02, 0x03, 0x01], "MORE, EXTEND|MORE, EXTEND");

    // A program the app cannot show needs blind signing.
    let unknown = solana_message(&pubkey, [0xEE; 32], 10);
    let e = ledger_error(signer.sign_message(&unknown).await.unwrap_err());
    assert!(matches!(e, LedgerError::BlindSigningDisabled(App::Solana)), "{e:?}");

    // Off-chain messages: printable ASCII is shown and signed; other text needs blind signing.
    let signature = signer.sign_offchain_message("I own this account").await.unwrap();
    let serialized = offchain_message("I own this account", &pubkey).unwrap();
    assert!(pubkey.verify(&serialized, &signature));
    assert_eq!(sim.controls().screens.last().unwrap(), "Sign message: I own this account");
    let e = ledger_error(signer.sign_offchain_message("naïve café").await.unwrap_err());
    assert!(matches!(e, LedgerError::BlindSigningDisabled(App::Solana)), "{e:?}");
    sim.set(|c| c.blind_signing = true);
    let signature = signer.sign_offchain_message("naïve café").await.unwrap();
    assert!(pubkey.verify(&offchain_message("naïve café", &pubkey).unwrap(), &signature));
    assert!(signer.sign_message(&unknown).await.is_ok());
}

#[tokio::test]
async fn each_device_state_is_reported_and_recovered_from_without_a_restart() {
    let (sim, ledger) = device();
    let signer = evm_signer(&ledger).await;

    // Locked.
    sim.set(|c| c.locked = true);
    let e = ledger_error(signer.sign_message(b"hi").await.unwrap_err());
    assert!(matches!(e, LedgerError::Locked), "{e:?}");
    assert_eq!(ledger.state(), DeviceState::Locked);
    assert!(e.to_string().contains("enter your PIN"), "{e}");
    sim.set(|c| c.locked = false);
    assert!(signer.sign_message(b"hi").await.is_ok(), "usable again once unlocked");

    // On the dashboard, then in another app.
    sim.set(|c| c.app = SimApp::Dashboard);
    let e = ledger_error(signer.sign_message(b"hi").await.unwrap_err());
    assert!(matches!(e, LedgerError::AppNotOpen(App::Ethereum)), "{e:?}");
    assert_eq!(ledger.refresh().await, DeviceState::AppNotOpen);
    sim.set(|c| c.app = SimApp::Solana);
    let e = ledger_error(signer.sign_message(b"hi").await.unwrap_err());
    assert!(
        matches!(&e, LedgerError::WrongApp { want: App::Ethereum, open } if open == "Solana"),
        "{e:?}"
    );
    assert!(e.to_string().contains("open the Ethereum app"), "{e}");
    assert_eq!(ledger.state(), DeviceState::WrongApp { open: "Solana".into() });
    // No Ethereum command reached the Solana app: only "which app is open?" questions.
    assert!(sim.controls().apdus.iter().rev().take(2).all(|a| a[0] == 0xB0));

    // Rejected by the user.
    sim.set(|c| {
        c.app = SimApp::Ethereum;
        c.reject = true;
    });
    let e = ledger_error(signer.sign_message(b"hi").await.unwrap_err());
    assert!(matches!(e, LedgerError::Rejected), "{e:?}");
    sim.set(|c| c.reject = false);

    // Waiting for the user while the request is on screen.
    sim.set(|c| c.confirm_delay = Duration::from_millis(600));
    let mut states = ledger.subscribe();
    let pending = tokio::spawn({
        let signer = signer.clone();
        async move { signer.sign_message(b"slow").await }
    });
    let waiting = tokio::time::timeout(
        Duration::from_secs(5),
        states.wait_for(|s| matches!(s, DeviceState::WaitingForUser { .. })),
    )
    .await
    .expect("the state says the device waits for the user")
    .unwrap()
    .clone();
    assert!(
        matches!(waiting, DeviceState::WaitingForUser { action } if action.contains("message"))
    );
    assert!(pending.await.unwrap().is_ok());
    assert!(matches!(ledger.state(), DeviceState::Ready { .. }));
    sim.set(|c| c.confirm_delay = Duration::ZERO);

    // The cable pulled in the middle of a chunked request: "which app?" and the first chunk
    // are answered, the second is lost.
    sim.set(|c| c.disconnect_after = Some(2));
    let e = ledger_error(signer.sign_message(&[b'x'; 400]).await.unwrap_err());
    assert!(matches!(e, LedgerError::Disconnected), "{e:?}");
    assert_eq!(ledger.state(), DeviceState::Disconnected);
    // Plugged back in: the next request reconnects.
    let signature = signer.sign_message(b"back").await.unwrap();
    assert_eq!(
        signature.recover_address_from_prehash(&eip191_hash_message(b"back")).unwrap(),
        ETH_0
    );
}

#[tokio::test]
async fn a_ledger_holding_another_seed_or_no_speculos_is_a_clear_error() {
    let (_sim, ledger) = device();
    let other = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    let e = LedgerEvmSigner::for_account(ledger.clone(), DerivationPath::ethereum(0), other)
        .await
        .unwrap_err();
    assert!(matches!(e, LedgerError::WrongKey { .. }), "{e:?}");
    assert!(e.to_string().contains("right Ledger"), "{e}");

    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = Ledger::start(Endpoint::Speculos { addr: format!("127.0.0.1:{port}") });
    let e = nowhere.address(Chain::Ethereum, DerivationPath::ethereum(0), false).await.unwrap_err();
    assert!(matches!(e, LedgerError::SpeculosUnreachable { .. }), "{e:?}");
    assert!(e.to_string().contains("VIGIL_SPECULOS"), "{e}");
    assert_eq!(nowhere.refresh().await, DeviceState::NotFound);
}

#[tokio::test]
async fn a_device_that_does_not_answer_in_time_is_reported_and_the_next_request_works() {
    let sim = Simulator::start().unwrap();
    let timeouts = Timeouts { quick: Duration::from_secs(2), confirm: Duration::from_millis(300) };
    let ledger = Ledger::start_with(sim.endpoint(), timeouts);
    let signer = evm_signer(&ledger).await;
    // The user takes longer than Vigil waits.
    sim.set(|c| c.confirm_delay = Duration::from_millis(900));
    let e = ledger_error(signer.sign_message(b"slow").await.unwrap_err());
    assert!(matches!(e, LedgerError::Timeout(_)), "{e:?}");
    assert_eq!(ledger.state(), DeviceState::NotAnswering);
    // The late answer is not taken for the next request's.
    sim.set(|c| c.confirm_delay = Duration::ZERO);
    let signature = signer.sign_message(b"next").await.unwrap();
    let hash = eip191_hash_message(b"next");
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), ETH_0);
}

#[test]
fn one_actor_per_device_is_shared_by_the_process() {
    let a = Ledger::shared(Endpoint::Speculos { addr: "127.0.0.1:1".into() });
    let b = Ledger::shared(Endpoint::Speculos { addr: "127.0.0.1:1".into() });
    let c = Ledger::shared(Endpoint::Speculos { addr: "127.0.0.1:2".into() });
    // Same endpoint, same actor: a state seen through one handle is seen through the other.
    assert_eq!(a.endpoint(), b.endpoint());
    assert_ne!(a.endpoint(), c.endpoint());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { a.refresh().await });
    assert_eq!(b.state(), DeviceState::NotFound);
    assert_eq!(c.state(), DeviceState::Unknown);
}

#[tokio::test]
async fn with_no_ledger_on_usb_the_real_hid_transport_says_so() {
    // hidapi enumerates the real USB bus. CI machines have no Ledger; on a developer's
    // machine with one plugged in, this case cannot be made, so it is reported and skipped.
    if !vigil_signer::ledger::transport::usb_devices().unwrap().is_empty() {
        eprintln!("a Ledger is plugged in: the no-device case is not checked here");
        return;
    }
    let usb = Ledger::start(Endpoint::Usb);
    let e = usb.address(Chain::Ethereum, DerivationPath::ethereum(0), false).await.unwrap_err();
    assert!(matches!(e, LedgerError::NotFound(Endpoint::Usb)), "{e:?}");
    assert!(e.to_string().contains("vigil ledger doctor"), "{e}");
    assert_eq!(usb.state(), DeviceState::NotFound);
}
