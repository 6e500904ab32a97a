//! Exchange rates from the network's fiat feeds, on the devnet.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vigil_defi_adapters::fiat::{FiatError, usd_per_unit};

#[tokio::test]
async fn each_currency_is_read_from_its_feed_and_a_missing_feed_says_so() {
    let (_devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    assert_eq!(usd_per_unit(&client, &network, "USD").await.unwrap(), 1.0);
    // The devnet deploys one feed per currency, at the rates it lists.
    for (currency, usd) in vigil_devnet::FIAT_USD {
        let read = usd_per_unit(&client, &network, currency).await.unwrap();
        assert!((read - usd).abs() < 1e-9, "{currency}: {read} != {usd}");
    }
    assert!((usd_per_unit(&client, &network, "eur").await.unwrap() - 1.08).abs() < 1e-9);

    let err = usd_per_unit(&client, &network, "SEK").await.unwrap_err();
    assert!(matches!(err, FiatError::NoFeed { .. }), "{err:?}");
    assert!(err.to_string().contains("devnet has no SEK/USD price feed"), "{err}");
}
