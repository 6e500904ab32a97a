//! The config file is the user's to edit: whatever it holds, loading it is an error that
//! names the file, or a config; never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_wallet::Config;

/// Lines that look like Vigil's config, mixed with noise.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[preferences]".to_owned()),
        Just("[[account]]".to_owned()),
        Just("[[network]]".to_owned()),
        Just("[alerts]".to_owned()),
        "(currency|slippage_percent|lock_after_secs|name|chain|address|chain_id|rpc_urls|max_fee_gwei|private_tx) = (\"[A-Za-z0-9:/.x]{0,20}\"|-?[0-9]{1,20}(\\.[0-9]{1,5})?|true|\\[\\])",
        ".{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_config_file_loads_or_says_what_is_wrong_in_it(lines in proptest::collection::vec(line(), 0..12)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, lines.join("\n")).unwrap();
        match Config::load(&path) {
            Ok(config) => prop_assert!(config.preferences.validate().is_ok()),
            Err(e) => prop_assert!(e.to_string().contains("config.toml"), "{}", e),
        }
    }
}
