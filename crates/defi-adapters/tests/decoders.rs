//! Property tests of the adapters' decoders of untrusted input: amounts typed by the user,
//! Multicall3 answers from a node. Whatever the input, an error or a value, never a panic;
//! and a well-formed amount parses to exactly its units.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloy::primitives::{Bytes, U256};
use proptest::prelude::*;
use vigil_defi_adapters::{amount::parse_amount, multicall::decode_balances};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_typed_amount_is_an_error_or_its_exact_units(
        text in "[-+]?[0-9]{0,40}([.,][0-9]{0,40})?|.{0,40}",
        decimals in 0u8..=36,
    ) {
        if let Ok(units) = parse_amount(&text, "TKN", decimals) {
            prop_assert!(!units.is_zero());
        }
    }

    #[test]
    fn whole_units_written_out_parse_back_exactly(raw in any::<u128>(), decimals in 0u8..=30) {
        prop_assume!(raw > 0);
        let value = U256::from(raw);
        let text = alloy::primitives::utils::format_units(value, decimals).unwrap();
        prop_assert_eq!(parse_amount(&text, "TKN", decimals).unwrap(), value);
    }

    #[test]
    fn any_multicall_answer_decodes_to_balances_or_gaps(
        answers in proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..70)),
            0..30,
        ),
        assets in 0usize..8,
    ) {
        let answers: Vec<Option<Bytes>> = answers.into_iter().map(|a| a.map(Bytes::from)).collect();
        let table = decode_balances(&answers, assets);
        for row in &table {
            prop_assert_eq!(row.len(), assets);
        }
    }
}
