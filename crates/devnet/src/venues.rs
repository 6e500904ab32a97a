//! The trading venues beside Uniswap V2 and V3, each from its protocol's own published code:
//! a Uniswap V2 fork with its own factory and prices (SushiSwap's, which is Uniswap V2's code),
//! Uniswap V4 (PoolManager, PositionManager, StateView, V4Quoter) with a native-ETH pool,
//! Permit2 (compiled from the source Uniswap ships) and the Universal Router, and Balancer V2
//! (the Vault, a weighted pool and a composable stable pool of the stablecoins).
//!
//! Their prices are set a little apart from one another, so that routing has something to find.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, B256, Bytes, U160, U256, Uint, aliases::I24, keccak256},
    providers::ext::AnvilApi,
    sol_types::{SolCall, SolValue},
};

use crate::{
    DevnetError,
    artifacts::{self, Artifact, ArtifactPath},
    contracts::*,
    deploy::{DEPLOYER, Deployer, EmptyArgs, rpc, sqrt_price_x96, units},
    manifest::{Balancer, BalancerPool, Manifest, Token, UniswapV2, UniswapV4, V4Pool},
};

const V4_POOL_MANAGER: ArtifactPath =
    ArtifactPath("@uniswap/v4-core/out/PoolManager.sol/PoolManager.json");
const V4_POSITION_MANAGER: ArtifactPath =
    ArtifactPath("@uniswap/v4-periphery/foundry-out/PositionManager.sol/PositionManager.json");
const V4_STATE_VIEW: ArtifactPath =
    ArtifactPath("@uniswap/v4-periphery/foundry-out/StateView.sol/StateView.json");
const V4_QUOTER: ArtifactPath =
    ArtifactPath("@uniswap/v4-periphery/foundry-out/V4Quoter.sol/V4Quoter.json");
const UNIVERSAL_ROUTER: ArtifactPath = ArtifactPath(
    "@uniswap/universal-router/artifacts/contracts/UniversalRouter.sol/UniversalRouter.json",
);
const V2_PAIR: ArtifactPath = ArtifactPath("@uniswap/v2-core/build/UniswapV2Pair.json");
const V3_POOL: ArtifactPath =
    ArtifactPath("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json");
const BAL_AUTHORIZER: ArtifactPath = ArtifactPath(
    "@balancer-labs/v2-deployments/dist/tasks/20210418-authorizer/artifact/Authorizer.json",
);
const BAL_VAULT: ArtifactPath =
    ArtifactPath("@balancer-labs/v2-deployments/dist/tasks/20210418-vault/artifact/Vault.json");
const BAL_FEES: ArtifactPath = ArtifactPath(
    "@balancer-labs/v2-deployments/dist/tasks/20220725-protocol-fee-percentages-provider/artifact/ProtocolFeePercentagesProvider.json",
);
const BAL_QUERIES: ArtifactPath = ArtifactPath(
    "@balancer-labs/v2-deployments/dist/tasks/20220721-balancer-queries/artifact/BalancerQueries.json",
);
const BAL_WEIGHTED_FACTORY: ArtifactPath = ArtifactPath(
    "@balancer-labs/v2-deployments/dist/tasks/20230206-weighted-pool-v3/artifact/WeightedPoolFactory.json",
);
const BAL_STABLE_FACTORY: ArtifactPath = ArtifactPath(
    "@balancer-labs/v2-deployments/dist/tasks/20230206-composable-stable-pool-v3/artifact/ComposableStablePoolFactory.json",
);

/// PositionManager's actions (v4-periphery's `Actions.sol`).
const MINT_POSITION: u8 = 0x02;
const SETTLE_PAIR: u8 = 0x0d;
const SWEEP: u8 = 0x14;

/// Everything the venues add to the manifest.
pub(crate) struct Venues {
    pub(crate) sushiswap: UniswapV2,
    pub(crate) permit2: Address,
    pub(crate) uniswap_v4: UniswapV4,
    pub(crate) universal_router: Address,
    pub(crate) balancer: Balancer,
}

/// The keccak256 of a contract's creation code: what a factory's CREATE2 addresses hash.
fn init_code_hash(node_modules: &std::path::Path, path: ArtifactPath) -> Result<B256, DevnetError> {
    Ok(keccak256(Artifact::load(node_modules, path)?.code()))
}

impl Deployer<'_> {
    /// Deploys every venue and its liquidity, after the rest of the devnet.
    pub(crate) async fn deploy_venues(
        &self,
        weth: Address,
        tokens: &BTreeMap<String, Token>,
        uniswap_v2_factory: Address,
        uniswap_v3: (Address, Address),
    ) -> Result<Venues, DevnetError> {
        // SushiSwap: Uniswap V2's code with its own factory, ether 1% dearer, a fifth as deep.
        let sushiswap = self.deploy_uniswap_v2(weth, tokens, 1.01, 0.2).await?;
        let permit2 = self.deploy(artifacts::compiled("Permit2"), EmptyArgs).await?;
        let uniswap_v4 = self.deploy_uniswap_v4(weth, tokens, permit2).await?;
        let universal_router = self
            .deploy(
                UNIVERSAL_ROUTER,
                UniversalRouter::constructorCall {
                    params: RouterParameters {
                        permit2,
                        weth9: weth,
                        v2Factory: uniswap_v2_factory,
                        v3Factory: uniswap_v3.0,
                        pairInitCodeHash: init_code_hash(self.node_modules, V2_PAIR)?,
                        poolInitCodeHash: init_code_hash(self.node_modules, V3_POOL)?,
                        v4PoolManager: uniswap_v4.pool_manager,
                        v3NFTPositionManager: uniswap_v3.1,
                        v4PositionManager: uniswap_v4.position_manager,
                        spokePool: Address::ZERO,
                    },
                },
            )
            .await?;
        let balancer = self.deploy_balancer(weth, tokens).await?;
        Ok(Venues { sushiswap, permit2, uniswap_v4, universal_router, balancer })
    }

    async fn deploy_uniswap_v4(
        &self,
        weth: Address,
        tokens: &BTreeMap<String, Token>,
        permit2: Address,
    ) -> Result<UniswapV4, DevnetError> {
        let pool_manager = self
            .deploy(V4_POOL_MANAGER, PoolManager::constructorCall { initialOwner: DEPLOYER })
            .await?;
        let position_manager = self
            .deploy(
                V4_POSITION_MANAGER,
                V4PositionManager::constructorCall {
                    poolManager: pool_manager,
                    permit2,
                    unsubscribeGasLimit: U256::from(100_000),
                    tokenDescriptor: Address::ZERO,
                    weth9: weth,
                },
            )
            .await?;
        let state_view = self
            .deploy(V4_STATE_VIEW, StateView::constructorCall { poolManager: pool_manager })
            .await?;
        let quoter =
            self.deploy(V4_QUOTER, V4Quoter::constructorCall { poolManager: pool_manager }).await?;
        let mover = self
            .deploy(
                artifacts::compiled("DevnetV4Mover"),
                DevnetV4Mover::constructorCall { poolManager: pool_manager },
            )
            .await?;
        // The PositionManager pulls tokens through Permit2.
        for t in tokens.values() {
            self.approve(DEPLOYER, t.address, permit2).await?;
            self.send(
                DEPLOYER,
                permit2,
                IAllowanceTransfer::approveCall {
                    token: t.address,
                    spender: position_manager,
                    amount: U160::MAX,
                    expiration: Uint::MAX,
                },
                U256::ZERO,
                "Permit2 allowance",
            )
            .await?;
        }
        // Native ether against USDC, ether half a percent dearer than on Uniswap V2; and USDC
        // against DAI at par with a 0.01% fee.
        let usdc = &tokens["USDC"];
        let dai = &tokens["DAI"];
        let native = Token { address: Address::ZERO, decimals: 18, ..usdc.clone() };
        let specs = [
            ("ETH", &native, 2010.0, "USDC", usdc, 1.0, 3000u32, 60i32),
            ("USDC", usdc, 1.0, "DAI", dai, 1.0, 100, 1),
        ];
        let mut pools = Vec::new();
        for (name_a, a, usd_a, name_b, b, usd_b, fee, spacing) in specs {
            let ((name0, t0, usd0), (name1, t1, usd1)) = if a.address < b.address {
                ((name_a, a, usd_a), (name_b, b, usd_b))
            } else {
                ((name_b, b, usd_b), (name_a, a, usd_a))
            };
            let key = PoolKey {
                currency0: t0.address,
                currency1: t1.address,
                fee: Uint::from(fee),
                tickSpacing: I24::try_from(spacing)
                    .map_err(|e| DevnetError::Deploy(e.to_string()))?,
                hooks: Address::ZERO,
            };
            // Price of currency0 in currency1, in base units.
            let raw = usd0 / usd1 * 10f64.powi(i32::from(t1.decimals) - i32::from(t0.decimals));
            self.send(
                DEPLOYER,
                pool_manager,
                PoolManager::initializeCall {
                    key: key.clone(),
                    sqrtPriceX96: sqrt_price_x96(raw)?,
                },
                U256::ZERO,
                "initialize V4 pool",
            )
            .await?;
            let tick = (raw.ln() / 1.0001f64.ln()).floor() as i32;
            let max_tick = 887_272i32.div_euclid(spacing) * spacing;
            // $1M a side within about ±25% of the price, and $100k over the full range.
            for (lower, upper, usd_per_side) in [
                (
                    (tick - 2300).div_euclid(spacing) * spacing,
                    (tick + 2300).div_euclid(spacing) * spacing + spacing,
                    1_000_000.0,
                ),
                (-max_tick, max_tick, 100_000.0),
            ] {
                let amount0 = usd_per_side / usd0 * 10f64.powi(i32::from(t0.decimals));
                let amount1 = usd_per_side / usd1 * 10f64.powi(i32::from(t1.decimals));
                let liquidity = liquidity_for(raw, lower, upper, amount0, amount1);
                let tick =
                    |t: i32| I24::try_from(t).map_err(|e| DevnetError::Deploy(e.to_string()));
                let mint = MintPositionParams {
                    poolKey: key.clone(),
                    tickLower: tick(lower)?,
                    tickUpper: tick(upper)?,
                    liquidity: U256::from(liquidity as u128),
                    amount0Max: u128::MAX,
                    amount1Max: u128::MAX,
                    owner: DEPLOYER,
                    hookData: Bytes::new(),
                };
                let mut actions = vec![MINT_POSITION, SETTLE_PAIR];
                let mut params: Vec<Bytes> = vec![
                    mint.abi_encode_params().into(),
                    (key.currency0, key.currency1).abi_encode_params().into(),
                ];
                // Native ether is paid with the call; what the position did not take comes back.
                let value = if t0.address.is_zero() {
                    actions.push(SWEEP);
                    params.push((Address::ZERO, DEPLOYER).abi_encode_params().into());
                    units(usd_per_side / usd0 * 1.01, 18)
                } else {
                    U256::ZERO
                };
                let unlock = (Bytes::from(actions), params).abi_encode_params();
                self.send(
                    DEPLOYER,
                    position_manager,
                    V4PositionManager::modifyLiquiditiesCall {
                        unlockData: unlock.into(),
                        deadline: U256::MAX,
                    },
                    value,
                    "add V4 liquidity",
                )
                .await?;
            }
            let id = keccak256(key.abi_encode());
            pools.push(V4Pool {
                pair: format!("{name0}/{name1}"),
                currency0: t0.address,
                currency1: t1.address,
                fee,
                tick_spacing: spacing,
                hooks: Address::ZERO,
                id,
            });
        }
        Ok(UniswapV4 { pool_manager, position_manager, state_view, quoter, mover, pools })
    }

    async fn deploy_balancer(
        &self,
        weth: Address,
        tokens: &BTreeMap<String, Token>,
    ) -> Result<Balancer, DevnetError> {
        let authorizer = self
            .deploy(BAL_AUTHORIZER, BalancerAuthorizer::constructorCall { admin: DEPLOYER })
            .await?;
        let vault = self
            .deploy(
                BAL_VAULT,
                BalancerVault::constructorCall {
                    authorizer,
                    weth,
                    pauseWindowDuration: U256::ZERO,
                    bufferPeriodDuration: U256::ZERO,
                },
            )
            .await?;
        // Pools read protocol fees from it in their constructors; Balancer's mainnet caps.
        let half = U256::from(500_000_000_000_000_000u64);
        let fees = self
            .deploy(
                BAL_FEES,
                ProtocolFeePercentagesProvider::constructorCall {
                    vault,
                    maxYieldValue: half,
                    maxAUMValue: half,
                },
            )
            .await?;
        let queries = self.deploy(BAL_QUERIES, BalancerQueries::constructorCall { vault }).await?;
        let version = |name: &str, task: &str| {
            format!(r#"{{"name":"{name}","version":3,"deployment":"{task}"}}"#)
        };
        let weighted_factory = self
            .deploy(
                BAL_WEIGHTED_FACTORY,
                WeightedPoolFactory::constructorCall {
                    vault,
                    protocolFeeProvider: fees,
                    factoryVersion: version("WeightedPoolFactory", "20230206-weighted-pool-v3"),
                    poolVersion: version("WeightedPool", "20230206-weighted-pool-v3"),
                },
            )
            .await?;
        let stable_factory = self
            .deploy(
                BAL_STABLE_FACTORY,
                ComposableStablePoolFactory::constructorCall {
                    vault,
                    protocolFeeProvider: fees,
                    factoryVersion: version(
                        "ComposableStablePoolFactory",
                        "20230206-composable-stable-pool-v3",
                    ),
                    poolVersion: version(
                        "ComposableStablePool",
                        "20230206-composable-stable-pool-v3",
                    ),
                },
            )
            .await?;
        for t in tokens.values() {
            self.approve(DEPLOYER, t.address, vault).await?;
        }
        let e18 = |x: f64| U256::from((x * 1e18) as u128);
        let (weth_t, usdc, dai) = (&tokens["WETH"], &tokens["USDC"], &tokens["DAI"]);
        // An 80/20 pool of WETH and USDC, ether half a percent cheaper than on Uniswap V2:
        // 400 WETH against $199,000 of USDC ($2,000 × 0.995 per ether at those weights).
        let weighted = sorted(vec![("WETH", weth_t, 400.0), ("USDC", usdc, 0.25 * 400.0 * 1990.0)]);
        let weights: Vec<U256> = weighted
            .iter()
            .map(|(s, _, _)| if *s == "WETH" { e18(0.8) } else { e18(0.2) })
            .collect();
        let receipt = self
            .send(
                DEPLOYER,
                weighted_factory,
                WeightedPoolFactory::createCall {
                    name: "Devnet 80 WETH 20 USDC".into(),
                    symbol: "B-80WETH-20USDC".into(),
                    tokens: weighted.iter().map(|(_, t, _)| t.address).collect(),
                    normalizedWeights: weights,
                    rateProviders: vec![Address::ZERO; 2],
                    swapFeePercentage: e18(0.003),
                    owner: Address::ZERO,
                },
                U256::ZERO,
                "create Balancer weighted pool",
            )
            .await?;
        let weighted_pool = created_pool(&receipt)?;
        let weighted_amounts: Vec<U256> =
            weighted.iter().map(|(_, t, amount)| units(*amount, t.decimals)).collect();
        let weighted_id = self.join_init(vault, weighted_pool, &weighted_amounts, None).await?;

        // USDC and DAI at par, amplification 200, 0.01%: $500,000 a side.
        let stable = sorted(vec![("USDC", usdc, 500_000.0), ("DAI", dai, 500_000.0)]);
        let receipt = self
            .send(
                DEPLOYER,
                stable_factory,
                ComposableStablePoolFactory::createCall {
                    name: "Devnet USDC-DAI stable".into(),
                    symbol: "B-USDC-DAI".into(),
                    tokens: stable.iter().map(|(_, t, _)| t.address).collect(),
                    amplificationParameter: U256::from(200),
                    rateProviders: vec![Address::ZERO; 2],
                    tokenRateCacheDurations: vec![U256::ZERO; 2],
                    exemptFromYieldProtocolFeeFlags: vec![false; 2],
                    swapFeePercentage: e18(0.0001),
                    owner: Address::ZERO,
                },
                U256::ZERO,
                "create Balancer stable pool",
            )
            .await?;
        let stable_pool = created_pool(&receipt)?;
        let stable_amounts: Vec<U256> =
            stable.iter().map(|(_, t, amount)| units(*amount, t.decimals)).collect();
        let stable_id =
            self.join_init(vault, stable_pool, &stable_amounts, Some(stable_pool)).await?;

        let names =
            |v: &[(&str, &Token, f64)]| v.iter().map(|(s, _, _)| *s).collect::<Vec<_>>().join("/");
        Ok(Balancer {
            vault,
            queries,
            pools: vec![
                BalancerPool {
                    name: format!("{} 80/20", names(&weighted)),
                    kind: "weighted".into(),
                    address: weighted_pool,
                    id: weighted_id,
                    tokens: weighted.iter().map(|(_, t, _)| t.address).collect(),
                    weights: weighted
                        .iter()
                        .map(|(s, _, _)| if *s == "WETH" { 0.8 } else { 0.2 })
                        .collect(),
                },
                BalancerPool {
                    name: format!("{} stable", names(&stable)),
                    kind: "stable".into(),
                    address: stable_pool,
                    id: stable_id,
                    tokens: stable.iter().map(|(_, t, _)| t.address).collect(),
                    weights: vec![],
                },
            ],
        })
    }

    /// The first join of a pool (INIT): `amounts` of its tokens in its order. A composable
    /// stable pool (`bpt`: itself) is also one of its own registered tokens, whose amount the
    /// pool sets itself.
    async fn join_init(
        &self,
        vault: Address,
        pool: Address,
        amounts: &[U256],
        bpt: Option<Address>,
    ) -> Result<B256, DevnetError> {
        let id = IBalancerPool::new(pool, &self.provider).getPoolId().call().await.map_err(rpc)?;
        let registered = BalancerVault::new(vault, &self.provider)
            .getPoolTokens(id)
            .call()
            .await
            .map_err(rpc)?
            .tokens;
        let mut given = amounts.iter();
        let (mut amounts_in, mut max_in) = (Vec::new(), Vec::new());
        for token in &registered {
            if Some(*token) == bpt {
                amounts_in.push(U256::ZERO);
                max_in.push(U256::MAX);
            } else {
                let amount = *given
                    .next()
                    .ok_or_else(|| DevnetError::Deploy("a pool token without an amount".into()))?;
                amounts_in.push(amount);
                max_in.push(amount);
            }
        }
        // JoinKind.INIT = 0.
        let user_data = (U256::ZERO, amounts_in).abi_encode_params();
        let call = BalancerVault::joinPoolCall {
            poolId: id,
            sender: DEPLOYER,
            recipient: DEPLOYER,
            request: BalancerVault::JoinPoolRequest {
                assets: registered,
                maxAmountsIn: max_in,
                userData: user_data.into(),
                fromInternalBalance: false,
            },
        };
        self.send_raw(DEPLOYER, vault, call.abi_encode().into(), "seed a Balancer pool").await?;
        Ok(id)
    }
}

impl Deployer<'_> {
    /// Moves every Uniswap V4 pool of `symbol` to the oracle's price (`moving`: its new one),
    /// with the devnet's mover: a swap limited to that price, funded as needed.
    pub(crate) async fn move_v4_pools(
        &self,
        m: &Manifest,
        symbol: &str,
        moving: (Address, f64),
    ) -> Result<(), DevnetError> {
        let v4 = &m.uniswap_v4;
        // The pools' native side is ether, priced as WETH.
        let token_of = |currency: Address| -> Option<&Token> {
            if currency.is_zero() {
                m.tokens.get("WETH")
            } else {
                m.tokens.values().find(|t| t.address == currency)
            }
        };
        for pool in &v4.pools {
            let moves =
                pool.pair.split('/').any(|s| s == symbol || (s == "ETH" && symbol == "WETH"));
            let (Some(t0), Some(t1)) = (token_of(pool.currency0), token_of(pool.currency1)) else {
                continue;
            };
            if !moves {
                continue;
            }
            let target = crate::raw_price(&self.provider, t0, t1, moving).await?;
            let limit = sqrt_price_x96(target)?;
            let current = IStateView::new(v4.state_view, &self.provider)
                .getSlot0(pool.id)
                .call()
                .await
                .map_err(rpc)?
                .sqrtPriceX96;
            if limit == current {
                continue;
            }
            // Selling currency0 lowers its price.
            let zero_for_one = limit < current;
            let (currency_in, token_in) =
                if zero_for_one { (pool.currency0, t0) } else { (pool.currency1, t1) };
            let max_in = units(1e9, token_in.decimals);
            if currency_in.is_zero() {
                self.provider.anvil_set_balance(v4.mover, max_in).await.map_err(rpc)?;
            } else {
                self.send(
                    DEPLOYER,
                    currency_in,
                    MintableERC20::mintCall { account: v4.mover, value: max_in },
                    U256::ZERO,
                    "fund the V4 mover",
                )
                .await?;
            }
            let key = PoolKey {
                currency0: pool.currency0,
                currency1: pool.currency1,
                fee: Uint::from(pool.fee),
                tickSpacing: I24::try_from(pool.tick_spacing)
                    .map_err(|e| DevnetError::Deploy(e.to_string()))?,
                hooks: pool.hooks,
            };
            self.send(
                DEPLOYER,
                v4.mover,
                DevnetV4Mover::moveCall {
                    key,
                    zeroForOne: zero_for_one,
                    limit,
                    maxIn: max_in,
                    to: DEPLOYER,
                },
                U256::ZERO,
                &format!("moving the Uniswap V4 {} pool", pool.pair),
            )
            .await?;
        }
        Ok(())
    }

    /// Moves every weighted Balancer pool of `symbol` to the oracle's price: the balance the
    /// invariant gives at that price, reached in swaps of at most 29% of a balance (the Vault's
    /// limit is 30%).
    pub(crate) async fn move_balancer_pools(
        &self,
        m: &Manifest,
        symbol: &str,
        moving: (Address, f64),
    ) -> Result<(), DevnetError> {
        let Some(moved) = m.tokens.get(symbol) else { return Ok(()) };
        for pool in m.balancer.pools.iter().filter(|p| p.weights.len() == 2) {
            if !pool.tokens.contains(&moved.address) {
                continue;
            }
            let tokens: Vec<&Token> = pool
                .tokens
                .iter()
                .filter_map(|a| m.tokens.values().find(|t| t.address == *a))
                .collect();
            let [a, b] = tokens[..] else { continue };
            let (wa, wb) = (pool.weights[0], pool.weights[1]);
            // Base units of b per base unit of a, at the oracle.
            let target = crate::raw_price(&self.provider, a, b, moving).await?;
            for _ in 0..20 {
                let balances = BalancerVault::new(m.balancer.vault, &self.provider)
                    .getPoolTokens(pool.id)
                    .call()
                    .await
                    .map_err(rpc)?
                    .balances;
                let (ba, bb) = (u256_f64(balances[0]), u256_f64(balances[1]));
                let k = ba.powf(wa) * bb.powf(wb);
                // Spot price (b per a) = (bb / wb) / (ba / wa); at the target the invariant gives:
                let ba_target = ((wa / wb) * k.powf(1.0 / wb) / target).powf(wb);
                let bb_target = (k / ba_target.powf(wa)).powf(1.0 / wb);
                let (token_in, token_out, need, balance) = if ba_target > ba {
                    (a, b, ba_target - ba, ba)
                } else {
                    (b, a, bb_target - bb, bb)
                };
                // Within a thousandth of the balance: there.
                if !need.is_finite() || need < balance * 1e-3 {
                    break;
                }
                let amount = U256::from(need.min(balance * 0.29) as u128);
                crate::ensure_inventory(self, m, token_in, amount).await?;
                self.approve(DEPLOYER, token_in.address, m.balancer.vault).await?;
                self.send(
                    DEPLOYER,
                    m.balancer.vault,
                    IBalancerVaultSwap::swapCall {
                        singleSwap: IBalancerVaultSwap::SingleSwap {
                            poolId: pool.id,
                            kind: 0,
                            assetIn: token_in.address,
                            assetOut: token_out.address,
                            amount,
                            userData: Bytes::new(),
                        },
                        funds: IBalancerVaultSwap::FundManagement {
                            sender: DEPLOYER,
                            fromInternalBalance: false,
                            recipient: DEPLOYER,
                            toInternalBalance: false,
                        },
                        limit: U256::ZERO,
                        deadline: U256::MAX,
                    },
                    U256::ZERO,
                    &format!("moving the Balancer {} pool", pool.name),
                )
                .await?;
            }
        }
        Ok(())
    }
}

fn u256_f64(v: U256) -> f64 {
    v.to_string().parse().unwrap_or(0.0)
}

/// A pool's tokens in Balancer's order (by address), with their symbols and amounts.
fn sorted<'a>(mut v: Vec<(&'static str, &'a Token, f64)>) -> Vec<(&'static str, &'a Token, f64)> {
    v.sort_by_key(|(_, t, _)| t.address);
    v
}

/// The pool a factory created, from its `PoolCreated(address indexed pool)` event.
fn created_pool(receipt: &alloy::rpc::types::TransactionReceipt) -> Result<Address, DevnetError> {
    let topic = keccak256("PoolCreated(address)");
    receipt
        .inner
        .logs()
        .iter()
        .find(|l| l.topics().first() == Some(&topic))
        .and_then(|l| l.topics().get(1))
        .map(|t| Address::from_word(*t))
        .ok_or_else(|| DevnetError::Deploy("the factory created no pool".into()))
}

/// The liquidity that `amount0` and `amount1` (base units) buy between ticks `lower` and
/// `upper` at price `price` (currency1 per currency0, base units), a little under, so that
/// both fit.
fn liquidity_for(price: f64, lower: i32, upper: i32, amount0: f64, amount1: f64) -> f64 {
    let sqrt = |t: i32| 1.0001f64.powf(f64::from(t) / 2.0);
    let (p, a, b) = (price.sqrt(), sqrt(lower), sqrt(upper));
    let from0 = amount0 * p * b / (b - p);
    let from1 = amount1 / (p - a);
    from0.min(from1) * 0.999
}
