//! An account's grants on the devnet, found from the chain's events and confirmed against the
//! contracts: ERC-20 allowances, an NFT operator (Uniswap V3's position NFTs) and a Permit2
//! allowance; a revoked one drops out, and a scan resumed after new blocks finds exactly the
//! new grant.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, aliases::U48, aliases::U160},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use vigil_defi_adapters::{
    abi::{IERC20, IPermit2},
    approvals::{self, GrantKey, GrantKind},
};
use vigil_devnet::{DEMO_ACCOUNTS, units};

alloy::sol! {
    function setApprovalForAll(address operator, bool approved) external;
}

#[tokio::test]
async fn grants_are_found_confirmed_revoked_and_scanned_incrementally() {
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let m = devnet.manifest();
    let owner = DEMO_ACCOUNTS[3];
    let (usdc, dai, weth, wbtc) =
        (m.tokens["USDC"].address, m.tokens["DAI"].address, m.weth, m.tokens["WBTC"].address);
    let (x, y, z) =
        (Address::repeat_byte(0x11), Address::repeat_byte(0x22), Address::repeat_byte(0x33));
    let permit2 = network.protocols.permit2.unwrap();
    let router = network.protocols.universal_router.unwrap();
    let npm = network.protocols.uniswap_v3_position_manager.unwrap();
    let send = |to: Address, input: Vec<u8>| {
        let tx = TransactionRequest::default().from(owner).to(to).with_input(input);
        async { assert!(devnet.send_unlocked(tx).await.unwrap().status()) }
    };
    let approve = |spender, amount| IERC20::approveCall { spender, amount }.abi_encode();
    let head = || async { devnet.provider().get_block_number().await.unwrap() };
    let start = head().await + 1;

    send(usdc, approve(x, units(1000.0, 6))).await;
    send(dai, approve(y, U256::MAX)).await;
    send(weth, approve(z, units(5.0, 18))).await;
    send(weth, approve(z, U256::ZERO)).await; // revoked at once
    send(npm, setApprovalForAllCall { operator: x, approved: true }.abi_encode()).await;
    let permit = IPermit2::approveCall {
        token: usdc,
        spender: router,
        amount: U160::from(500_000_000u64),
        expiration: U48::from(4_000_000_000u64),
    };
    send(permit2, permit.abi_encode()).await;

    let scan = approvals::scan_grants(&client, &network, owner, start, head().await).await.unwrap();
    let grants = approvals::live_grants(&client, &network, owner, &scan.seen).await.unwrap();
    let found: Vec<(GrantKind, Address, Address, U256)> =
        grants.iter().map(|g| (g.key.kind, g.key.token, g.key.spender, g.amount)).collect();
    let mut expected = vec![
        (GrantKind::Erc20, usdc, x, units(1000.0, 6)),
        (GrantKind::Erc20, dai, y, U256::MAX),
        (GrantKind::NftOperator, npm, x, U256::from(1)),
        (GrantKind::Permit2, usdc, router, U256::from(500_000_000u64)),
    ];
    expected.sort();
    let mut found_sorted = found.clone();
    found_sorted.sort();
    assert_eq!(
        found_sorted, expected,
        "every standing grant, with its amount; the revoked WETH one is not"
    );
    assert!(
        scan.seen.contains_key(&GrantKey { kind: GrantKind::Erc20, token: weth, spender: z }),
        "seen, then found revoked"
    );
    let dai_grant = grants.iter().find(|g| g.key.token == dai).unwrap();
    assert!(dai_grant.unlimited());
    assert!(
        grants.iter().find(|g| g.key.kind == GrantKind::Permit2).unwrap().expiration
            == Some(4_000_000_000)
    );

    // Revoking the unlimited one: the chain says 0, and it is gone.
    send(dai, approve(y, U256::ZERO)).await;
    let allowance = IERC20::new(dai, devnet.provider()).allowance(owner, y).call().await.unwrap();
    assert_eq!(allowance, U256::ZERO);
    let after = approvals::live_grants(&client, &network, owner, &scan.seen).await.unwrap();
    assert!(after.iter().all(|g| g.key.token != dai), "{after:?}");

    // New blocks: a scan from where the last stopped sees exactly what happened since (the
    // revocation and a new grant), and together they stand as the chain says.
    send(wbtc, approve(z, units(0.5, 8))).await;
    let more = approvals::scan_grants(&client, &network, owner, scan.next_block, head().await)
        .await
        .unwrap();
    let mut keys: Vec<GrantKey> = more.seen.keys().copied().collect();
    keys.sort();
    let mut since = vec![
        GrantKey { kind: GrantKind::Erc20, token: dai, spender: y },
        GrantKey { kind: GrantKind::Erc20, token: wbtc, spender: z },
    ];
    since.sort();
    assert_eq!(keys, since);
    let mut all = scan.seen.clone();
    all.extend(more.seen);
    let now = approvals::live_grants(&client, &network, owner, &all).await.unwrap();
    assert_eq!(now.len(), 4, "{now:?}");
    assert!(now.iter().any(|g| g.key.token == wbtc) && now.iter().all(|g| g.key.token != dai));
}
