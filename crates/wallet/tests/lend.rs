//! Every Aave action through the whole pipeline on the devnet, signed by the software signer:
//! the wallet's balances change exactly as previewed, and the pool's health factor afterwards
//! is the projected one within rounding.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::primitives::{Address, I256, U256};
use vigil_defi_adapters::{
    ChainClient, Network,
    aave::{self, LendAction, LendAmount, LendRequest, Market},
    multicall::{self, Asset},
};
use vigil_devnet::units;
use vigil_signer::{DerivationPath, EvmSigner, Mnemonic, SoftwareEvmSigner};
use vigil_wallet::execute;

const JUNK: &str = "test test test test test test test test test test test junk";

fn signer(index: u32) -> SoftwareEvmSigner {
    let seed = Mnemonic::parse(JUNK).unwrap().to_seed("");
    SoftwareEvmSigner::from_seed(&seed, &DerivationPath::ethereum(index)).unwrap()
}

async fn wallet_balance(
    client: &ChainClient,
    network: &Network,
    who: Address,
    token: Address,
) -> I256 {
    let b =
        multicall::balances(client, network.protocols.multicall3, &[Asset::Token(token)], &[who])
            .await
            .unwrap();
    I256::try_from(b[0][0].unwrap()).unwrap()
}

/// The devnet, its market, and the signing account.
struct Lender<'a> {
    client: &'a ChainClient,
    network: &'a Network,
    market: &'a Market,
    signer: &'a SoftwareEvmSigner,
}

/// Previews, executes, and checks the wallet change and the health factor against the pool.
/// `tolerance` is how far the actual change may exceed the previewed one: zero except when
/// repaying everything, where the debt keeps accruing interest until the block is mined.
async fn run(
    l: &Lender<'_>,
    asset: Address,
    action: LendAction,
    amount: LendAmount,
    tolerance: u64,
) -> aave::LendPreview {
    let Lender { client, network, market, signer } = *l;
    let account = signer.address();
    let req = LendRequest { account, asset, action, amount };
    let preview = aave::preview(client, network, market, &req).await.unwrap();
    assert!(!preview.needs_override(), "{action:?}: {:?}", preview.review.findings);
    let before = wallet_balance(client, network, account, asset).await;
    execute::execute(client, &preview.review, signer, &mut |_| {}).await.unwrap();
    let actual = wallet_balance(client, network, account, asset).await - before;
    let previewed = preview
        .review
        .changes
        .iter()
        .find(|c| c.token == Some(asset))
        .map_or(I256::ZERO, |c| c.raw.parse().unwrap());
    let off = (actual - previewed).unsigned_abs();
    assert!(
        off <= U256::from(tolerance),
        "{action:?} {amount:?}: the wallet changed by {actual}, previewed {previewed}"
    );
    let after = aave::fetch_account(client, network, market, account).await.unwrap();
    assert_eq!(after.account_data(), after.chain);
    match (preview.health_factor_after_wad, after.chain.health_factor) {
        (U256::MAX, chain) => assert_eq!(chain, U256::MAX, "{action:?}: no debt projected"),
        (projected, chain) => {
            let (p, c) = (
                aave::health_factor_f64(projected).unwrap(),
                aave::health_factor_f64(chain).unwrap(),
            );
            // Within rounding and the interest of the seconds between preview and block.
            assert!((p - c).abs() / c < 1e-6, "{action:?}: projected {p}, the pool says {c}");
        }
    }
    preview
}

#[tokio::test]
async fn each_lending_action_changes_balances_as_previewed_and_lands_on_the_projected_health_factor()
 {
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let market = aave::fetch_market(&client, &network).await.unwrap();
    let m = devnet.manifest();
    let (weth, usdc, dai) = (m.weth, m.tokens["USDC"].address, m.tokens["DAI"].address);
    let signer = signer(1);
    let exact = LendAmount::Exact;
    let l = Lender { client: &client, network: &network, market: &market, signer: &signer };

    let p = run(&l, weth, LendAction::Supply, exact(units(4.0, 18)), 0).await;
    assert_eq!(p.review.plan.steps.len(), 2, "approve and supply");
    assert_eq!(p.supplied, ("0".into(), "4".into()));
    run(&l, dai, LendAction::Supply, exact(units(2000.0, 18)), 0).await;
    let p = run(&l, usdc, LendAction::Borrow, exact(units(5000.0, 6)), 0).await;
    assert!(p.health_factor_before.is_none() && p.health_factor_after.is_some());
    run(&l, usdc, LendAction::Repay, exact(units(1000.0, 6)), 0).await;
    // DAI stops counting as collateral, then counts again.
    run(&l, dai, LendAction::Collateral { enable: false }, LendAmount::Max, 0).await;
    let state = aave::fetch_account(&client, &network, &market, signer.address()).await.unwrap();
    let dai_index = state.index(dai).unwrap();
    assert!(!state.reserves[dai_index].collateral);
    run(&l, dai, LendAction::Collateral { enable: true }, LendAmount::Max, 0).await;
    // Repaying everything: the approval covers the interest until the block; no debt is left.
    let p = run(&l, usdc, LendAction::Repay, LendAmount::Max, 1_000).await;
    assert_eq!(p.debt.1, "0");
    let state = aave::fetch_account(&client, &network, &market, signer.address()).await.unwrap();
    assert!(state.debt(state.index(usdc).unwrap()).is_zero(), "no dust of debt left");
    // Withdrawing everything, interest included.
    let p = run(&l, weth, LendAction::Withdraw, LendAmount::Max, 0).await;
    assert_eq!(p.review.plan.steps.len(), 1);
    let state = aave::fetch_account(&client, &network, &market, signer.address()).await.unwrap();
    assert!(state.supplied(state.index(weth).unwrap()).is_zero());
}
