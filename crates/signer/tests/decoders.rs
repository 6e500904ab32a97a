//! Property tests of every decoder of untrusted input in the signer: whatever the bytes or
//! text, an error, never a panic; and what is well formed comes back as it went in. Bounded
//! in cases (`PROPTEST_CASES` raises it), so they run in every `make test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_signer::{
    DerivationPath, KdfParams, Keychain, Mnemonic, Password, Vault,
    ledger::{
        apdu::{parse_path, split_status},
        framing::{Reassembler, packetize},
    },
    parse_evm_address,
    vault::InMemoryKeychain,
};

const JUNK: &str = "test test test test test test test test test test test junk";

fn config() -> ProptestConfig {
    ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_as_a_mnemonic_is_an_error_or_a_phrase(text in ".{0,300}") {
        if let Ok(m) = Mnemonic::parse(&text) {
            prop_assert!(matches!(m.word_count(), 12 | 15 | 18 | 21 | 24));
        }
    }

    #[test]
    fn any_text_as_a_derivation_path_is_an_error_or_a_path_that_prints_back(
        text in "(m/)?([0-9]{1,10}'?/){0,8}[0-9]{0,10}'?|.{0,60}"
    ) {
        if let Ok(path) = text.parse::<DerivationPath>() {
            let printed = path.to_string();
            prop_assert_eq!(printed.parse::<DerivationPath>().unwrap(), path);
        }
    }

    #[test]
    fn any_text_as_an_address_is_an_error_or_the_same_twenty_bytes(
        bytes in proptest::array::uniform20(any::<u8>()),
        noise in ".{0,50}",
    ) {
        let address = alloy::primitives::Address::from(bytes);
        prop_assert_eq!(parse_evm_address(&address.to_checksum(None)).unwrap(), address);
        prop_assert_eq!(parse_evm_address(&format!("{address:#x}")).unwrap(), address);
        let _ = parse_evm_address(&noise);
    }

    #[test]
    fn any_device_answer_parses_to_an_error_or_its_parts(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Some((body, _status)) = split_status(&data) {
            prop_assert_eq!(body.len() + 2, data.len());
        }
        let _ = parse_path(&data);
    }

    #[test]
    fn apdus_survive_hid_framing_and_garbage_reports_are_errors(
        apdu in proptest::collection::vec(any::<u8>(), 0..2000),
        channel in any::<u16>(),
        garbage in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..6),
    ) {
        let mut answer = Reassembler::new(channel);
        let mut whole = None;
        for report in packetize(channel, &apdu).unwrap() {
            whole = answer.push(&report).unwrap();
        }
        prop_assert_eq!(whole, Some(apdu));
        let mut other = Reassembler::new(channel);
        for report in &garbage {
            if other.push(report).is_err() {
                break;
            }
        }
    }

    #[test]
    fn a_tampered_vault_item_opens_as_an_error_never_a_panic(
        at in any::<prop::sample::Index>(),
        with in any::<char>(),
    ) {
        let keychain = InMemoryKeychain::default();
        let vault = Vault::new(keychain).with_kdf(KdfParams::INSECURE_FAST);
        let pw = Password::new("quiet meadow lantern 58");
        vault.create("main", &Mnemonic::parse(JUNK).unwrap(), "", &pw).unwrap();
        let blob = vault.keychain().load("main").unwrap();
        let mut chars: Vec<char> = blob.chars().collect();
        let i = at.index(chars.len());
        prop_assume!(chars[i] != with);
        chars[i] = with;
        vault.keychain().store("main", &chars.into_iter().collect::<String>()).unwrap();
        // Authenticated: any change to what is sealed fails to open; a change the format
        // ignores (spacing) may still open the same phrase, never another.
        if let Ok(opened) = vault.unlock("main", &pw) {
            let phrase = opened.mnemonic().phrase();
            prop_assert_eq!(phrase.as_str(), JUNK);
        }
    }

    #[test]
    fn any_keychain_item_opens_as_an_error_never_a_panic(blob in ".{0,400}") {
        let keychain = InMemoryKeychain::default();
        keychain.store("main", &blob).unwrap();
        let vault = Vault::new(keychain).with_kdf(KdfParams::INSECURE_FAST);
        prop_assert!(vault.unlock("main", &Password::new("quiet meadow lantern 58")).is_err());
    }
}
