//! The devnet's Aave market: the current Aave (V3.6) compiled from aave-v3-origin's sources,
//! deployed as Aave's own deployment procedures do, with a stablecoin efficiency mode.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolConstructor, SolValue},
};

use crate::{
    DevnetError, artifacts,
    contracts::*,
    deploy::{DEPLOYER, Deployer, STABLECOIN_EMODE, TOKENS, rpc, units},
    manifest::{AaveV3, Token},
};

impl Deployer<'_> {
    /// Aave V3.6, deployed in the order of Aave's own deployment procedures
    /// (aave-v3-origin's `AaveV3SetupProcedure`): addresses provider, ACL, the pool-wide rate
    /// strategy, the logic libraries, Pool and PoolConfigurator behind their proxies, oracle,
    /// data provider, token implementations, reserves, then a stablecoin efficiency mode.
    pub(crate) async fn deploy_aave(
        &self,
        tokens: &BTreeMap<String, Token>,
    ) -> Result<AaveV3, DevnetError> {
        let provider = self
            .deploy(
                artifacts::compiled("PoolAddressesProvider"),
                PoolAddressesProvider::constructorCall {
                    marketId: "Vigil Devnet".into(),
                    owner: DEPLOYER,
                },
            )
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setACLAdminCall { newAclAdmin: DEPLOYER },
            U256::ZERO,
            "setACLAdmin",
        )
        .await?;
        let acl_manager = self
            .deploy(artifacts::compiled("ACLManager"), ACLManager::constructorCall { provider })
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setACLManagerCall { newAclManager: acl_manager },
            U256::ZERO,
            "setACLManager",
        )
        .await?;
        for (call, what) in [
            (ACLManager::addPoolAdminCall { admin: DEPLOYER }.abi_encode(), "addPoolAdmin"),
            (ACLManager::addRiskAdminCall { admin: DEPLOYER }.abi_encode(), "addRiskAdmin"),
            (
                ACLManager::addEmergencyAdminCall { admin: DEPLOYER }.abi_encode(),
                "addEmergencyAdmin",
            ),
        ] {
            self.send_raw(DEPLOYER, acl_manager, call.into(), what).await?;
        }
        // One interest rate strategy serves the whole pool since V3.2.
        let strategy = self
            .deploy(
                artifacts::compiled("DefaultReserveInterestRateStrategyV2"),
                DefaultReserveInterestRateStrategyV2::constructorCall { provider },
            )
            .await?;

        // Logic libraries (FlashLoanLogic calls BorrowLogic), then Pool and PoolConfigurator.
        let mut libraries: Vec<(&str, Address)> = Vec::new();
        for name in
            ["BorrowLogic", "ConfiguratorLogic", "LiquidationLogic", "PoolLogic", "SupplyLogic"]
        {
            let address = self.deploy_linked(artifacts::compiled(name), &[], &[]).await?;
            libraries.push((name, address));
        }
        let flash =
            self.deploy_linked(artifacts::compiled("FlashLoanLogic"), &libraries, &[]).await?;
        libraries.push(("FlashLoanLogic", flash));
        let pool_impl = self
            .deploy_linked(
                artifacts::compiled("PoolInstance"),
                &libraries,
                &AavePool::constructorCall { provider, interestRateStrategy: strategy }
                    .abi_encode(),
            )
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setPoolImplCall { newPoolImpl: pool_impl },
            U256::ZERO,
            "setPoolImpl",
        )
        .await?;
        let configurator_impl = self
            .deploy_linked(artifacts::compiled("PoolConfiguratorInstance"), &libraries, &[])
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setPoolConfiguratorImplCall {
                newPoolConfiguratorImpl: configurator_impl,
            },
            U256::ZERO,
            "setPoolConfiguratorImpl",
        )
        .await?;
        let addresses = PoolAddressesProvider::new(provider, &self.provider);
        let pool = addresses.getPool().call().await.map_err(rpc)?;
        let pool_configurator = addresses.getPoolConfigurator().call().await.map_err(rpc)?;

        // Prices: one feed per asset behind the Aave oracle (USD, 8 decimals).
        let assets: Vec<Address> = TOKENS.iter().map(|s| tokens[s.symbol].address).collect();
        let sources: Vec<Address> = TOKENS.iter().map(|s| tokens[s.symbol].aggregator).collect();
        let oracle = self
            .deploy(
                artifacts::compiled("AaveOracle"),
                AaveOracle::constructorCall {
                    provider,
                    assets,
                    sources,
                    fallbackOracle: Address::ZERO,
                    baseCurrency: Address::ZERO,
                    baseCurrencyUnit: U256::from(100_000_000u64),
                },
            )
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setPriceOracleCall { newPriceOracle: oracle },
            U256::ZERO,
            "setPriceOracle",
        )
        .await?;
        let data_provider = self
            .deploy(
                artifacts::compiled("AaveProtocolDataProvider"),
                AaveProtocolDataProvider::constructorCall { addressesProvider: provider },
            )
            .await?;
        self.send(
            DEPLOYER,
            provider,
            PoolAddressesProvider::setPoolDataProviderCall { newDataProvider: data_provider },
            U256::ZERO,
            "setPoolDataProvider",
        )
        .await?;

        // Reserves. The deployer stands in for the treasury (an EOA is what Aave asks for).
        let a_token = self
            .deploy(
                artifacts::compiled("ATokenInstance"),
                ATokenInstance::constructorCall {
                    pool,
                    rewardsController: Address::ZERO,
                    treasury: DEPLOYER,
                },
            )
            .await?;
        let variable_debt = self
            .deploy(
                artifacts::compiled("VariableDebtTokenInstance"),
                VariableDebtTokenInstance::constructorCall {
                    pool,
                    rewardsController: Address::ZERO,
                },
            )
            .await?;
        // 80% optimal usage, 0% base, 4% and 60% slopes.
        let rates = InterestRateData {
            optimalUsageRatio: 8000,
            baseVariableBorrowRate: 0,
            variableRateSlope1: 400,
            variableRateSlope2: 6000,
        };
        let inputs = TOKENS
            .iter()
            .map(|s| PoolConfigurator::InitReserveInput {
                aTokenImpl: a_token,
                variableDebtTokenImpl: variable_debt,
                underlyingAsset: tokens[s.symbol].address,
                aTokenName: format!("Aave Devnet {}", s.symbol),
                aTokenSymbol: format!("a{}", s.symbol),
                variableDebtTokenName: format!("Aave Devnet Variable Debt {}", s.symbol),
                variableDebtTokenSymbol: format!("variableDebt{}", s.symbol),
                params: Bytes::new(),
                interestRateData: rates.abi_encode().into(),
            })
            .collect();
        self.send(
            DEPLOYER,
            pool_configurator,
            PoolConfigurator::initReservesCall { input: inputs },
            U256::ZERO,
            "initReserves",
        )
        .await?;
        for s in &TOKENS {
            let asset = tokens[s.symbol].address;
            let configure = [
                PoolConfigurator::configureReserveAsCollateralCall {
                    asset,
                    ltv: U256::from(s.ltv),
                    liquidationThreshold: U256::from(s.threshold),
                    liquidationBonus: U256::from(s.bonus),
                }
                .abi_encode(),
                PoolConfigurator::setReserveBorrowingCall { asset, enabled: true }.abi_encode(),
                PoolConfigurator::setReserveFlashLoaningCall { asset, enabled: true }.abi_encode(),
            ];
            for call in configure {
                self.send_raw(DEPLOYER, pool_configurator, call.into(), "configure a reserve")
                    .await?;
            }
        }
        // Stablecoins correlated: an efficiency mode as on Aave's Ethereum market.
        let (id, ltv, threshold, bonus) = STABLECOIN_EMODE;
        let mut emode = vec![
            PoolConfigurator::setEModeCategoryCall {
                categoryId: id,
                ltv,
                liquidationThreshold: threshold,
                liquidationBonus: bonus,
                label: "Stablecoins".into(),
            }
            .abi_encode(),
        ];
        for symbol in ["USDC", "DAI"] {
            let asset = tokens[symbol].address;
            emode.push(
                PoolConfigurator::setAssetCollateralInEModeCall {
                    asset,
                    categoryId: id,
                    allowed: true,
                }
                .abi_encode(),
            );
            emode.push(
                PoolConfigurator::setAssetBorrowableInEModeCall {
                    asset,
                    categoryId: id,
                    borrowable: true,
                }
                .abi_encode(),
            );
        }
        for call in emode {
            self.send_raw(DEPLOYER, pool_configurator, call.into(), "configure eMode").await?;
        }
        // Liquidity to borrow from: $4M of each asset.
        for s in &TOKENS {
            let asset = tokens[s.symbol].address;
            self.approve(DEPLOYER, asset, pool).await?;
            let amount = units(4_000_000.0 / s.price_usd, s.decimals);
            self.send(
                DEPLOYER,
                pool,
                AavePool::supplyCall { asset, amount, onBehalfOf: DEPLOYER, referralCode: 0 },
                U256::ZERO,
                "supply liquidity",
            )
            .await?;
        }
        Ok(AaveV3 {
            addresses_provider: provider,
            pool,
            pool_configurator,
            oracle,
            data_provider,
            acl_manager,
        })
    }
}
