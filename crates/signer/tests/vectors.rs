//! The signer against published test vectors and well-known wallets.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloy::{
    consensus::{TxEip1559, TxLegacy, TypedTransaction},
    dyn_abi::TypedData,
    eips::Encodable2718,
    primitives::{Address, B256, Signature, TxKind, U256, address, b256, hex, keccak256},
};
use coins_bip32::enc::{MainnetEncoder, XKeyEncoder};
use serde::Deserialize;
use vigil_signer::{
    Chain, DerivationPath, EvmSigner, Mnemonic, SoftwareEvmSigner, SoftwareSolanaSigner,
    SolanaSigner, evm::bip32_derive, slip10::ExtendedKey,
};

const JUNK: &str = "test test test test test test test test test test test junk";
const SPECULOS: &str = "glory promote mansion idle axis finger extra february uncover one trip resource lawn turtle enact monster seven myth punch hobby comfort wild raise skin";

fn seed(phrase: &str) -> vigil_signer::Seed {
    Mnemonic::parse(phrase).unwrap().to_seed("")
}

#[derive(Deserialize)]
struct Bip39Vector {
    entropy: String,
    mnemonic: String,
    seed: String,
    xprv: String,
}

#[test]
fn bip39_official_english_vectors() {
    let vectors: Vec<Bip39Vector> =
        serde_json::from_str(include_str!("vectors/bip39_english.json")).unwrap();
    assert_eq!(vectors.len(), 24);
    for v in vectors {
        let m = Mnemonic::from_entropy(&hex::decode(&v.entropy).unwrap()).unwrap();
        assert_eq!(*m.phrase(), v.mnemonic);
        let parsed = Mnemonic::parse(&v.mnemonic).unwrap();
        let seed = parsed.to_seed("TREZOR");
        assert_eq!(hex::encode(seed.as_bytes()), v.seed, "{}", v.mnemonic);
        let root = bip32_derive(seed.as_bytes(), &"m".parse().unwrap()).unwrap();
        assert_eq!(MainnetEncoder::xpriv_to_base58(&root).unwrap(), v.xprv);
    }
}

#[derive(Deserialize)]
struct Bip32Vector {
    seed: String,
    chains: Vec<Bip32Chain>,
}
#[derive(Deserialize)]
struct Bip32Chain {
    path: String,
    xpub: String,
    xprv: String,
}

#[test]
fn bip32_published_vectors() {
    let vectors: Vec<Bip32Vector> =
        serde_json::from_str(include_str!("vectors/bip32.json")).unwrap();
    let mut chains = 0;
    for v in vectors {
        let seed = hex::decode(&v.seed).unwrap();
        for c in v.chains {
            let path: DerivationPath = c.path.parse().unwrap();
            let xpriv = bip32_derive(&seed, &path).unwrap();
            assert_eq!(MainnetEncoder::xpriv_to_base58(&xpriv).unwrap(), c.xprv, "{}", c.path);
            assert_eq!(MainnetEncoder::xpub_to_base58(&xpriv.verify_key()).unwrap(), c.xpub);
            chains += 1;
        }
    }
    assert!(chains >= 14);
}

#[derive(Deserialize)]
struct Slip10Vector {
    seed: String,
    chains: Vec<Slip10Chain>,
}
#[derive(Deserialize)]
struct Slip10Chain {
    path: String,
    chain_code: String,
    private: String,
    public: String,
}

#[test]
fn slip10_ed25519_published_vectors() {
    let vectors: Vec<Slip10Vector> =
        serde_json::from_str(include_str!("vectors/slip10_ed25519.json")).unwrap();
    let mut chains = 0;
    for v in vectors {
        let seed = hex::decode(&v.seed).unwrap();
        for c in v.chains {
            let node = ExtendedKey::derive(&seed, &c.path.parse().unwrap()).unwrap();
            assert_eq!(hex::encode(node.chain_code()), c.chain_code, "{}", c.path);
            assert_eq!(hex::encode(node.secret()), c.private, "{}", c.path);
            assert_eq!(format!("00{}", hex::encode(node.public_key())), c.public, "{}", c.path);
            chains += 1;
        }
    }
    assert_eq!(chains, 12);
    // ed25519 cannot derive unhardened children.
    assert!(ExtendedKey::derive(&[0; 16], &"m/0'/1".parse().unwrap()).is_err());
}

#[test]
fn junk_mnemonic_gives_the_anvil_accounts() {
    let anvil = [
        address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
        address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
        address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
        address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
        address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
        address!("976EA74026E726554dB657fA54763abd0C3a0aa9"),
        address!("14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
        address!("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
        address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"),
    ];
    let seed = seed(JUNK);
    for (i, want) in anvil.iter().enumerate() {
        let path = DerivationPath::ethereum(i as u32);
        assert_eq!(SoftwareEvmSigner::from_seed(&seed, &path).unwrap().address(), *want, "{i}");
    }
    assert_eq!(
        Chain::Ethereum.address(&seed, &DerivationPath::ethereum(0)).unwrap(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
}

#[test]
fn speculos_default_seed_gives_its_documented_addresses() {
    let seed = seed(SPECULOS);
    assert_eq!(
        Chain::Ethereum.address(&seed, &DerivationPath::ethereum(0)).unwrap(),
        "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D"
    );
    assert_eq!(
        Chain::Solana.address(&seed, &DerivationPath::solana(0)).unwrap(),
        "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV"
    );
}

#[tokio::test]
async fn eip155_example_transaction() {
    // The example in EIP-155 itself.
    let signer = SoftwareEvmSigner::from_private_key(B256::repeat_byte(0x46).as_slice()).unwrap();
    let tx = TypedTransaction::Legacy(TxLegacy {
        chain_id: Some(1),
        nonce: 9,
        gas_price: 20_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(0x35)),
        value: U256::from(10u128.pow(18)),
        input: Default::default(),
    });
    let signed = signer.sign_envelope(tx).await.unwrap();
    assert_eq!(
        hex::encode(signed.encoded_2718()),
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    );
}

#[tokio::test]
async fn eip1559_transaction_recovers_to_the_signer() {
    let signer = SoftwareEvmSigner::from_seed(&seed(JUNK), &DerivationPath::ethereum(0)).unwrap();
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce: 3,
        gas_limit: 50_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(address!("70997970C51812dc3A010C7d01b50e0d17dc79C8")),
        value: U256::from(12345u64),
        access_list: Default::default(),
        input: vec![0xde, 0xad].into(),
    };
    let hash = alloy::consensus::SignableTransaction::signature_hash(&tx);
    let sig = signer.sign_transaction(&TypedTransaction::Eip1559(tx.clone())).await.unwrap();
    assert_eq!(sig.recover_address_from_prehash(&hash).unwrap(), signer.address());
    let envelope = signer.sign_envelope(TypedTransaction::Eip1559(tx)).await.unwrap();
    assert_eq!(envelope.encoded_2718()[0], 0x02);
    assert_eq!(*envelope.as_eip1559().unwrap().signature(), sig);
}

#[tokio::test]
async fn personal_sign_matches_a_published_signature() {
    // anvil account 0 signing "hello world", as published in viem's signMessage docs.
    let signer = SoftwareEvmSigner::from_seed(&seed(JUNK), &DerivationPath::ethereum(0)).unwrap();
    let sig = signer.sign_message(b"hello world").await.unwrap();
    assert_eq!(
        hex::encode(sig.as_bytes()),
        "a461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b"
    );
    assert_eq!(sig.recover_address_from_msg(b"hello world").unwrap(), signer.address());
}

#[tokio::test]
async fn eip712_mail_example() {
    let data: TypedData = serde_json::from_str(
        r#"{
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                     {"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
                   "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }}"#,
    )
    .unwrap();
    assert_eq!(
        data.eip712_signing_hash().unwrap(),
        b256!("be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
    );
    let signer = SoftwareEvmSigner::from_private_key(keccak256("cow").as_slice()).unwrap();
    assert_eq!(signer.address(), address!("CD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"));
    let sig = signer.sign_typed_data(&data).await.unwrap();
    let want = Signature::new(
        U256::from_be_bytes(
            b256!("4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d").0,
        ),
        U256::from_be_bytes(
            b256!("07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562").0,
        ),
        true, // v = 28
    );
    assert_eq!(sig, want);
}

#[tokio::test]
async fn solana_signatures_verify_and_are_deterministic() {
    let signer =
        SoftwareSolanaSigner::from_seed(&seed(SPECULOS), &DerivationPath::solana(0)).unwrap();
    assert_eq!(signer.pubkey().to_string(), "EDUded8fGxKkRTWWjE9YFzCmrW54aXXabVKLn3NyvHqV");
    let message = b"\x01\x00\x01\x03 a transaction message";
    let sig = signer.sign_message(message).await.unwrap();
    assert!(signer.pubkey().verify(message, &sig));
    assert!(!signer.pubkey().verify(b"another message", &sig));
    assert_eq!(signer.sign_message(message).await.unwrap(), sig);
    let other =
        SoftwareSolanaSigner::from_seed(&seed(SPECULOS), &DerivationPath::solana(1)).unwrap();
    assert_ne!(other.pubkey(), signer.pubkey());
    assert!(!other.pubkey().verify(message, &sig));
}
