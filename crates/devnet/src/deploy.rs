//! Deploys the protocols' own bytecode: tokens with their price feeds (`feeds.rs`), Uniswap V2
//! and V3 with liquidity, an Aave V3 market (`aave.rs`), Multicall3, demo funds and a sample
//! position, then the other venues (`venues.rs`: SushiSwap, Uniswap V4 with Permit2 and the
//! Universal Router, Balancer V2).

use std::{collections::BTreeMap, path::Path, time::Duration};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, I256, U160, U256, Uint, address, aliases::I24},
    providers::{DynProvider, PendingTransactionBuilder, Provider, ext::AnvilApi},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::{SolCall, SolConstructor},
};

use crate::{
    DevnetError,
    artifacts::{self, Artifact, ArtifactPath},
    contracts::*,
    manifest::{DEPLOYMENT_VERSION, Manifest, Token, UniswapV2, UniswapV3, V3Pool},
};

/// Multicall3's canonical address on every chain.
pub const MULTICALL3: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");
/// Anvil's 10th default account ("test … junk" index 9): deploys, owns, provides liquidity.
pub const DEPLOYER: Address = address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720");
/// Demo accounts: the first five of the "test … junk" mnemonic.
pub const DEMO_ACCOUNTS: [Address; 5] = [
    address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
    address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
];

/// Every devnet transaction's gas limit. Estimating is not only a wasted round trip: a
/// Uniswap V3 swap costs more when it lands in a block with a new timestamp (the pool writes
/// an oracle observation), so an estimate made in the previous block can run out of gas.
const GAS_LIMIT: u64 = 15_000_000;

/// A token to deploy: symbol, decimals, USD price, Aave LTV / liquidation threshold / bonus (bps),
/// and its price feed's heartbeat and the annual volatility of the history laid down in it.
pub(crate) struct TokenSpec {
    pub(crate) symbol: &'static str,
    pub(crate) decimals: u8,
    pub(crate) price_usd: f64,
    pub(crate) ltv: u64,
    pub(crate) threshold: u64,
    pub(crate) bonus: u64,
    pub(crate) heartbeat_secs: u64,
    pub(crate) annual_volatility: f64,
}

/// Fiat exchange rates, USD per unit, each behind a Chainlink-style aggregator (8 decimals, as
/// Chainlink's EUR/USD, GBP/USD, CHF/USD and JPY/USD feeds on Ethereum), so that the wallet
/// can show values in the user's currency on the devnet as it does on mainnet.
pub const FIAT_USD: [(&str, f64); 4] =
    [("EUR", 1.08), ("GBP", 1.27), ("CHF", 1.13), ("JPY", 0.0067)];

/// Realistic Aave V3 risk parameters, feed heartbeats and volatilities (close to Ethereum
/// mainnet's: Chainlink's ETH, BTC and DAI feeds beat hourly, USDC's daily).
pub(crate) const TOKENS: [TokenSpec; 4] = [
    TokenSpec {
        symbol: "WETH",
        decimals: 18,
        price_usd: 2000.0,
        ltv: 8000,
        threshold: 8250,
        bonus: 10500,
        heartbeat_secs: 3600,
        annual_volatility: 0.6,
    },
    TokenSpec {
        symbol: "USDC",
        decimals: 6,
        price_usd: 1.0,
        ltv: 7700,
        threshold: 8000,
        bonus: 10450,
        heartbeat_secs: 86400,
        annual_volatility: 0.005,
    },
    TokenSpec {
        symbol: "DAI",
        decimals: 18,
        price_usd: 1.0,
        ltv: 7500,
        threshold: 8000,
        bonus: 10500,
        heartbeat_secs: 3600,
        annual_volatility: 0.01,
    },
    TokenSpec {
        symbol: "WBTC",
        decimals: 8,
        price_usd: 60_000.0,
        ltv: 7300,
        threshold: 7800,
        bonus: 10500,
        heartbeat_secs: 3600,
        annual_volatility: 0.5,
    },
];

/// The devnet's efficiency mode for USDC and DAI: id, LTV, liquidation threshold, bonus (bps),
/// as Aave's Ethereum market sets its stablecoin category.
pub const STABLECOIN_EMODE: (u8, u16, u16, u16) = (1, 9300, 9500, 10100);

/// `amount` whole tokens in base units.
pub fn units(amount: f64, decimals: u8) -> U256 {
    // Exact for the round amounts used here; f64 keeps 15-16 significant digits.
    let scaled = amount * 10f64.powi(i32::from(decimals.min(18)));
    U256::from(scaled as u128) * U256::from(10u64).pow(U256::from(decimals.saturating_sub(18)))
}

/// A USD price as the 8-decimal answer of a Chainlink-style aggregator.
pub fn price_answer(usd: f64) -> I256 {
    I256::try_from((usd * 1e8).round() as i128).unwrap_or(I256::ZERO)
}

pub(crate) struct Deployer<'a> {
    pub(crate) provider: DynProvider,
    pub(crate) node_modules: &'a Path,
}

impl Deployer<'_> {
    /// Polls for the receipt (anvil answers before it seals the block), checking the status.
    pub(crate) async fn confirm(
        &self,
        pending: PendingTransactionBuilder<alloy::network::Ethereum>,
        what: &str,
    ) -> Result<TransactionReceipt, DevnetError> {
        let hash = *pending.tx_hash();
        for _ in 0..5000 {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await.map_err(rpc)? {
                if !receipt.status() {
                    return Err(DevnetError::Deploy(format!("{what} reverted")));
                }
                return Ok(receipt);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Err(DevnetError::Deploy(format!("{what}: no receipt after 10 s")))
    }

    /// Sends a transaction from an unlocked anvil account and waits for its receipt.
    pub(crate) async fn send(
        &self,
        from: Address,
        to: Address,
        call: impl SolCall,
        value: U256,
        what: &str,
    ) -> Result<TransactionReceipt, DevnetError> {
        self.send_value(from, to, call.abi_encode().into(), value, what).await
    }

    /// [`Self::send`] with calldata already encoded.
    async fn send_value(
        &self,
        from: Address,
        to: Address,
        input: Bytes,
        value: U256,
        what: &str,
    ) -> Result<TransactionReceipt, DevnetError> {
        let tx = TransactionRequest::default()
            .from(from)
            .to(to)
            .value(value)
            .gas_limit(GAS_LIMIT)
            .input(input.into());
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| DevnetError::Deploy(format!("{what}: {e}")))?;
        self.confirm(pending, what).await
    }

    /// [`Self::send`] with calldata already encoded (calls of several types in one loop).
    pub(crate) async fn send_raw(
        &self,
        from: Address,
        to: Address,
        input: Bytes,
        what: &str,
    ) -> Result<TransactionReceipt, DevnetError> {
        self.send_value(from, to, input, U256::ZERO, what).await
    }

    async fn deploy_code(&self, code: Bytes, what: &str) -> Result<Address, DevnetError> {
        let tx = TransactionRequest::default()
            .from(DEPLOYER)
            .gas_limit(GAS_LIMIT)
            .with_deploy_code(code);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| DevnetError::Deploy(format!("deploying {what}: {e}")))?;
        let receipt = self.confirm(pending, what).await?;
        receipt
            .contract_address
            .ok_or_else(|| DevnetError::Deploy(format!("deploying {what}: no contract address")))
    }

    pub(crate) async fn deploy(
        &self,
        path: ArtifactPath,
        args: impl SolConstructor,
    ) -> Result<Address, DevnetError> {
        let artifact = Artifact::load(self.node_modules, path)?;
        let code = artifact.with_args(&args.abi_encode())?;
        self.deploy_code(code, artifact.name()).await
    }

    pub(crate) async fn deploy_linked(
        &self,
        path: ArtifactPath,
        libraries: &[(&str, Address)],
        args: &[u8],
    ) -> Result<Address, DevnetError> {
        let artifact = Artifact::load(self.node_modules, path)?.link(libraries)?;
        let name = artifact.name().to_owned();
        self.deploy_code(artifact.with_args(args)?, &name).await
    }

    /// Deploys everything and returns the manifest.
    pub(crate) async fn deploy_all(&self, chain_id: u64) -> Result<Manifest, DevnetError> {
        let p = &self.provider;
        let plenty = U256::from(10u64).pow(U256::from(24)); // 1,000,000 ETH
        p.anvil_set_balance(DEPLOYER, plenty).await.map_err(rpc)?;

        // Tokens: WETH9 and mintable ERC-20s, each with a price aggregator.
        let weth = self.deploy(artifacts::WETH9, EmptyArgs).await?;
        let mut tokens = BTreeMap::new();
        for spec in &TOKENS {
            let address = if spec.symbol == "WETH" {
                weth
            } else {
                let name = format!("Devnet {}", spec.symbol);
                self.deploy(
                    artifacts::compiled("MintableERC20"),
                    MintableERC20::constructorCall {
                        name,
                        symbol: spec.symbol.into(),
                        decimals: spec.decimals,
                    },
                )
                .await?
            };
            let aggregator =
                self.deploy_feed(spec.symbol, spec.price_usd, spec.annual_volatility).await?;
            tokens.insert(
                spec.symbol.to_owned(),
                Token {
                    address,
                    decimals: spec.decimals,
                    aggregator,
                    heartbeat_secs: spec.heartbeat_secs,
                },
            );
        }
        let token = |s: &str| tokens[s].address;

        // The deployer's inventory for liquidity.
        self.send(DEPLOYER, weth, IWETH9::depositCall {}, units(20_000.0, 18), "wrap ETH").await?;
        for spec in TOKENS.iter().filter(|s| s.symbol != "WETH") {
            let amount = units(20_000_000.0 / spec.price_usd, spec.decimals);
            self.send(
                DEPLOYER,
                token(spec.symbol),
                MintableERC20::mintCall { account: DEPLOYER, value: amount },
                U256::ZERO,
                "mint",
            )
            .await?;
        }

        let uniswap_v2 = self.deploy_uniswap_v2(weth, &tokens, 1.0, 1.0).await?;
        let uniswap_v3 = self.deploy_uniswap_v3(weth, &tokens).await?;
        let aave_v3 = self.deploy_aave(&tokens).await?;
        self.deploy_multicall3().await?;

        // Demo accounts: tokens, WETH from their own ETH, and a sample Aave position.
        for account in DEMO_ACCOUNTS {
            for (symbol, amount) in [("USDC", 10_000.0), ("DAI", 10_000.0), ("WBTC", 1.0)] {
                let t = &tokens[symbol];
                self.send(
                    DEPLOYER,
                    t.address,
                    IERC20::transferCall { to: account, amount: units(amount, t.decimals) },
                    U256::ZERO,
                    "fund",
                )
                .await?;
            }
            self.send(account, weth, IWETH9::depositCall {}, units(10.0, 18), "wrap ETH").await?;
        }
        let sample = DEMO_ACCOUNTS[0];
        self.approve(sample, weth, aave_v3.pool).await?;
        self.send(
            sample,
            aave_v3.pool,
            AavePool::supplyCall {
                asset: weth,
                amount: units(5.0, 18),
                onBehalfOf: sample,
                referralCode: 0,
            },
            U256::ZERO,
            "sample supply",
        )
        .await?;
        self.send(
            sample,
            aave_v3.pool,
            AavePool::borrowCall {
                asset: token("USDC"),
                amount: units(6000.0, 6),
                interestRateMode: U256::from(2),
                referralCode: 0,
                onBehalfOf: sample,
            },
            U256::ZERO,
            "sample borrow",
        )
        .await?;

        // Deployed last, so that every other address stays what it was before they existed.
        let mut fiat_feeds = BTreeMap::new();
        for (currency, usd) in FIAT_USD {
            // Exchange rates move little: a week of history at 8% a year.
            let feed = self.deploy_feed(currency, usd, 0.08).await?;
            fiat_feeds.insert(currency.to_owned(), feed);
        }
        let venues = self
            .deploy_venues(
                weth,
                &tokens,
                uniswap_v2.factory,
                (uniswap_v3.factory, uniswap_v3.position_manager),
            )
            .await?;

        Ok(Manifest {
            version: DEPLOYMENT_VERSION.to_owned(),
            chain_id,
            deployer: DEPLOYER,
            demo_accounts: DEMO_ACCOUNTS.to_vec(),
            sample_position: sample,
            weth,
            tokens,
            multicall3: MULTICALL3,
            uniswap_v2,
            uniswap_v3,
            sushiswap: venues.sushiswap,
            uniswap_v4: venues.uniswap_v4,
            permit2: venues.permit2,
            universal_router: venues.universal_router,
            balancer: venues.balancer,
            aave_v3,
            fiat_feeds,
        })
    }

    pub(crate) async fn approve(
        &self,
        owner: Address,
        token: Address,
        spender: Address,
    ) -> Result<(), DevnetError> {
        self.send(
            owner,
            token,
            IERC20::approveCall { spender, amount: U256::MAX },
            U256::ZERO,
            "approve",
        )
        .await?;
        Ok(())
    }

    /// Uniswap V2's code with a factory of its own (a fork is one more), ether priced at
    /// `ether_skew` times $2000 and pools `depth` times as deep as Uniswap's.
    pub(crate) async fn deploy_uniswap_v2(
        &self,
        weth: Address,
        tokens: &BTreeMap<String, Token>,
        ether_skew: f64,
        depth: f64,
    ) -> Result<UniswapV2, DevnetError> {
        let factory = self
            .deploy(
                artifacts::V2_FACTORY,
                UniswapV2Factory::constructorCall { feeToSetter: DEPLOYER },
            )
            .await?;
        let router = self
            .deploy(artifacts::V2_ROUTER, UniswapV2Router02::constructorCall { factory, weth })
            .await?;
        for t in tokens.values() {
            self.approve(DEPLOYER, t.address, router).await?;
        }
        // Amounts at the oracle prices: WETH $2000, WBTC $60,000, stablecoins $1.
        let pairs_spec = [
            ("WETH", 500.0 * depth, "USDC", 1_000_000.0 * depth * ether_skew),
            ("WETH", 500.0 * depth, "DAI", 1_000_000.0 * depth * ether_skew),
            ("WBTC", 20.0 * depth, "WETH", 600.0 * depth / ether_skew),
            ("USDC", 1_000_000.0 * depth, "DAI", 1_000_000.0 * depth),
        ];
        let mut pairs = BTreeMap::new();
        for (a, amount_a, b, amount_b) in pairs_spec {
            let (ta, tb) = (&tokens[a], &tokens[b]);
            self.send(
                DEPLOYER,
                router,
                UniswapV2Router02::addLiquidityCall {
                    tokenA: ta.address,
                    tokenB: tb.address,
                    amountADesired: units(amount_a, ta.decimals),
                    amountBDesired: units(amount_b, tb.decimals),
                    amountAMin: U256::ZERO,
                    amountBMin: U256::ZERO,
                    to: DEPLOYER,
                    deadline: U256::MAX,
                },
                U256::ZERO,
                "add V2 liquidity",
            )
            .await?;
            let pair = UniswapV2Factory::new(factory, &self.provider)
                .getPair(ta.address, tb.address)
                .call()
                .await
                .map_err(rpc)?;
            pairs.insert(format!("{a}/{b}"), pair);
        }
        Ok(UniswapV2 { factory, router, pairs })
    }

    async fn deploy_uniswap_v3(
        &self,
        weth: Address,
        tokens: &BTreeMap<String, Token>,
    ) -> Result<UniswapV3, DevnetError> {
        let factory = self.deploy(artifacts::V3_FACTORY, EmptyArgs).await?;
        let swap_router = self
            .deploy(artifacts::V3_SWAP_ROUTER, SwapRouter::constructorCall { factory, weth9: weth })
            .await?;
        let quoter_v2 = self
            .deploy(artifacts::V3_QUOTER_V2, QuoterV2::constructorCall { factory, weth9: weth })
            .await?;
        // The token descriptor only renders NFT metadata; none is needed on the devnet.
        let position_manager = self
            .deploy(
                artifacts::V3_POSITION_MANAGER,
                NonfungiblePositionManager::constructorCall {
                    factory,
                    weth9: weth,
                    tokenDescriptor: DEPLOYER,
                },
            )
            .await?;
        for t in tokens.values() {
            self.approve(DEPLOYER, t.address, position_manager).await?;
        }
        // WETH/USDC a little apart from V2's $2000, so that routing matters.
        let mut pools = Vec::new();
        for (fee, spacing, usd_per_weth) in [(500u32, 10i32, 2004.0), (3000, 60, 1996.0)] {
            let (weth_t, usdc) = (&tokens["WETH"], &tokens["USDC"]);
            let weth_is_0 = weth_t.address < usdc.address;
            let (t0, t1) = if weth_is_0 { (weth_t, usdc) } else { (usdc, weth_t) };
            // Price of token0 in token1, in base units.
            let usd = |t: &Token| if t.address == weth_t.address { usd_per_weth } else { 1.0 };
            let raw_price =
                usd(t0) / usd(t1) * 10f64.powi(i32::from(t1.decimals) - i32::from(t0.decimals));
            let sqrt_price = sqrt_price_x96(raw_price)?;
            let tick = (raw_price.ln() / 1.0001f64.ln()).floor() as i32;
            // About ±25% around the price.
            let lower = (tick - 2300).div_euclid(spacing) * spacing;
            let upper = (tick + 2300).div_euclid(spacing) * spacing + spacing;
            self.send(
                DEPLOYER,
                position_manager,
                NonfungiblePositionManager::createAndInitializePoolIfNecessaryCall {
                    token0: t0.address,
                    token1: t1.address,
                    fee: Uint::from(fee),
                    sqrtPriceX96: sqrt_price,
                },
                U256::ZERO,
                "create V3 pool",
            )
            .await?;
            let amount = |t: &Token, usd_value: f64| units(usd_value / usd(t), t.decimals);
            // $1M a side around the price, and a thinner full-range position, so that the pool
            // has liquidity at every price: `vigil devnet price` can move it anywhere (the
            // router refuses a swap that stays where no liquidity is), as a real pool's many
            // positions allow.
            let max_tick = 887_272i32.div_euclid(spacing) * spacing;
            for (lower, upper, usd_per_side) in
                [(lower, upper, 1_000_000.0), (-max_tick, max_tick, 100_000.0)]
            {
                let tick =
                    |t: i32| I24::try_from(t).map_err(|e| DevnetError::Deploy(e.to_string()));
                self.send(
                    DEPLOYER,
                    position_manager,
                    NonfungiblePositionManager::mintCall {
                        params: NonfungiblePositionManager::MintParams {
                            token0: t0.address,
                            token1: t1.address,
                            fee: Uint::from(fee),
                            tickLower: tick(lower)?,
                            tickUpper: tick(upper)?,
                            amount0Desired: amount(t0, usd_per_side),
                            amount1Desired: amount(t1, usd_per_side),
                            amount0Min: U256::ZERO,
                            amount1Min: U256::ZERO,
                            recipient: DEPLOYER,
                            deadline: U256::MAX,
                        },
                    },
                    U256::ZERO,
                    "add V3 liquidity",
                )
                .await?;
            }
            let address = UniswapV3Factory::new(factory, &self.provider)
                .getPool(t0.address, t1.address, Uint::from(fee))
                .call()
                .await
                .map_err(rpc)?;
            let name = |t: &Token| if t.address == weth_t.address { "WETH" } else { "USDC" };
            pools.push(V3Pool { pair: format!("{}/{}", name(t0), name(t1)), fee, address });
        }
        Ok(UniswapV3 { factory, swap_router, quoter_v2, position_manager, pools })
    }

    /// Multicall3's creation code ships in viem; its runtime code is placed at the canonical address.
    async fn deploy_multicall3(&self) -> Result<(), DevnetError> {
        let file = self.node_modules.join("viem/_cjs/constants/contracts.js");
        let text = std::fs::read_to_string(&file).map_err(|e| DevnetError::MissingArtifact {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let code = text
            .split("multicall3Bytecode = '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .ok_or_else(|| DevnetError::MissingArtifact {
                path: file.clone(),
                reason: "no multicall3Bytecode".into(),
            })?;
        let code: Bytes = code
            .parse()
            .map_err(|e| DevnetError::MissingArtifact { path: file, reason: format!("{e}") })?;
        let deployed = self.deploy_code(code, "Multicall3").await?;
        let runtime = self.provider.get_code_at(deployed).await.map_err(rpc)?;
        self.provider.anvil_set_code(MULTICALL3, runtime).await.map_err(rpc)?;
        Ok(())
    }
}

/// For contracts whose constructor takes no arguments.
pub(crate) struct EmptyArgs;
impl SolConstructor for EmptyArgs {
    type Parameters<'a> = ();
    type Token<'a> = ();
    fn new<'a>(_: ()) -> Self {
        EmptyArgs
    }
    fn tokenize(&self) -> Self::Token<'_> {}
}

/// `sqrt(price) * 2^96` for a price of token0 in token1 base units.
pub fn sqrt_price_x96(raw_price: f64) -> Result<U160, DevnetError> {
    let v = raw_price.sqrt() * 2f64.powi(96);
    if !v.is_finite() || v <= 0.0 || v >= 2f64.powi(128) {
        return Err(DevnetError::Deploy(format!(
            "price {raw_price} is out of range for a V3 pool"
        )));
    }
    Ok(U160::from(v as u128))
}

pub(crate) fn rpc(e: impl std::fmt::Display) -> DevnetError {
    DevnetError::Rpc(e.to_string())
}
