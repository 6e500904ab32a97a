//! Solidity bindings for the contracts the devnet deploys and drives. Only the functions used
//! are declared; the bytecode comes from the protocols' npm artifacts at run time.

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy::sol;

sol! {
    #[sol(rpc)]
    contract MintableERC20 {
        constructor(string name, string symbol, uint8 decimals);
        function mint(address account, uint256 value) external returns (bool);
    }

    #[sol(rpc)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
    }

    #[sol(rpc)]
    interface IWETH9 {
        function deposit() external payable;
        function withdraw(uint256 amount) external;
    }

    #[sol(rpc)]
    contract UniswapV2Factory {
        constructor(address feeToSetter);
        function createPair(address tokenA, address tokenB) external returns (address pair);
        function getPair(address tokenA, address tokenB) external view returns (address pair);
    }

    #[sol(rpc)]
    contract UniswapV2Router02 {
        constructor(address factory, address weth);
        function addLiquidity(address tokenA, address tokenB, uint256 amountADesired, uint256 amountBDesired,
            uint256 amountAMin, uint256 amountBMin, address to, uint256 deadline)
            external returns (uint256 amountA, uint256 amountB, uint256 liquidity);
        function getAmountsOut(uint256 amountIn, address[] path) external view returns (uint256[] amounts);
        function getAmountsIn(uint256 amountOut, address[] path) external view returns (uint256[] amounts);
        function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to,
            uint256 deadline) external returns (uint256[] amounts);
    }

    #[sol(rpc)]
    interface IUniswapV2Pair {
        function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
        function token0() external view returns (address);
    }

    #[sol(rpc)]
    contract UniswapV3Factory {
        function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
    }

    #[sol(rpc)]
    contract SwapRouter {
        constructor(address factory, address weth9);
        struct ExactInputSingleParams {
            address tokenIn;
            address tokenOut;
            uint24 fee;
            address recipient;
            uint256 deadline;
            uint256 amountIn;
            uint256 amountOutMinimum;
            uint160 sqrtPriceLimitX96;
        }
        function exactInputSingle(ExactInputSingleParams params) external payable returns (uint256 amountOut);
    }

    #[sol(rpc)]
    contract QuoterV2 {
        constructor(address factory, address weth9);
        struct QuoteExactInputSingleParams {
            address tokenIn;
            address tokenOut;
            uint256 amountIn;
            uint24 fee;
            uint160 sqrtPriceLimitX96;
        }
        function quoteExactInputSingle(QuoteExactInputSingleParams params) external
            returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate);
    }

    #[sol(rpc)]
    contract NonfungiblePositionManager {
        constructor(address factory, address weth9, address tokenDescriptor);
        struct MintParams {
            address token0;
            address token1;
            uint24 fee;
            int24 tickLower;
            int24 tickUpper;
            uint256 amount0Desired;
            uint256 amount1Desired;
            uint256 amount0Min;
            uint256 amount1Min;
            address recipient;
            uint256 deadline;
        }
        function createAndInitializePoolIfNecessary(address token0, address token1, uint24 fee, uint160 sqrtPriceX96)
            external payable returns (address pool);
        function mint(MintParams params) external payable
            returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1);
    }

    #[sol(rpc)]
    interface IUniswapV3Pool {
        function slot0() external view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex,
            uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked);
        function liquidity() external view returns (uint128);
        function token0() external view returns (address);
    }

    #[sol(rpc)]
    contract PoolAddressesProvider {
        constructor(string marketId, address owner);
        function setACLAdmin(address newAclAdmin) external;
        function setACLManager(address newAclManager) external;
        function setPoolImpl(address newPoolImpl) external;
        function setPoolConfiguratorImpl(address newPoolConfiguratorImpl) external;
        function setPriceOracle(address newPriceOracle) external;
        function setPoolDataProvider(address newDataProvider) external;
        function getPool() external view returns (address);
        function getPoolConfigurator() external view returns (address);
    }

    #[sol(rpc)]
    contract ACLManager {
        constructor(address provider);
        function addPoolAdmin(address admin) external;
        function addRiskAdmin(address admin) external;
        function addEmergencyAdmin(address admin) external;
    }

    #[sol(rpc)]
    contract AavePool {
        constructor(address provider, address interestRateStrategy);
        function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
        function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf) external;
        function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken) external;
        function setUserEMode(uint8 categoryId) external;
        function getReservesList() external view returns (address[]);
        function getUserAccountData(address user) external view returns (uint256 totalCollateralBase,
            uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold,
            uint256 ltv, uint256 healthFactor);
    }

    /// Aave V3.6's configurator (only what the devnet and its tests set).
    #[sol(rpc)]
    contract PoolConfigurator {
        struct InitReserveInput {
            address aTokenImpl;
            address variableDebtTokenImpl;
            address underlyingAsset;
            string aTokenName;
            string aTokenSymbol;
            string variableDebtTokenName;
            string variableDebtTokenSymbol;
            bytes params;
            bytes interestRateData;
        }
        function initReserves(InitReserveInput[] input) external;
        function configureReserveAsCollateral(address asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus) external;
        function setReserveBorrowing(address asset, bool enabled) external;
        function setReserveFlashLoaning(address asset, bool enabled) external;
        function setReserveFreeze(address asset, bool freeze) external;
        function setReservePause(address asset, bool paused) external;
        function setReservePause(address asset, bool paused, uint40 gracePeriod) external;
        function setDebtCeiling(address asset, uint256 newDebtCeiling) external;
        function setBorrowableInIsolation(address asset, bool borrowable) external;
        function setSiloedBorrowing(address asset, bool newSiloed) external;
        function setEModeCategory(uint8 categoryId, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, string label) external;
        function setAssetCollateralInEMode(address asset, uint8 categoryId, bool allowed) external;
        function setAssetBorrowableInEMode(address asset, uint8 categoryId, bool borrowable) external;
    }

    /// The rates of Aave V3.6's DefaultReserveInterestRateStrategyV2, bps.
    struct InterestRateData {
        uint16 optimalUsageRatio;
        uint32 baseVariableBorrowRate;
        uint32 variableRateSlope1;
        uint32 variableRateSlope2;
    }

    /// Vigil's devnet price feed (contracts/DevnetPriceFeed.sol): Chainlink's interface, with
    /// rounds anyone may post on the local chain.
    #[sol(rpc)]
    contract DevnetPriceFeed {
        constructor(uint8 decimals, string description);
        function updateAnswer(int256 answer) external;
        function postRounds(int256[] answers, uint256[] times) external;
        function latestAnswer() external view returns (int256);
        function latestRoundData() external view returns (uint80 roundId, int256 answer,
            uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }

    #[sol(rpc)]
    contract AaveOracle {
        constructor(address provider, address[] assets, address[] sources, address fallbackOracle,
            address baseCurrency, uint256 baseCurrencyUnit);
        function getAssetPrice(address asset) external view returns (uint256);
    }

    #[sol(rpc)]
    contract AaveProtocolDataProvider {
        constructor(address addressesProvider);
        function getReserveConfigurationData(address asset) external view returns (uint256 decimals,
            uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus, uint256 reserveFactor,
            bool usageAsCollateralEnabled, bool borrowingEnabled, bool stableBorrowRateEnabled,
            bool isActive, bool isFrozen);
    }

    #[sol(rpc)]
    contract ATokenInstance { constructor(address pool, address rewardsController, address treasury); }
    #[sol(rpc)]
    contract VariableDebtTokenInstance { constructor(address pool, address rewardsController); }
    #[sol(rpc)]
    contract DefaultReserveInterestRateStrategyV2 { constructor(address provider); }

    // Uniswap V4 (v4-core 1.0.2, v4-periphery 1.0.3), Permit2 and the Universal Router (2.1.0).

    struct PoolKey {
        address currency0;
        address currency1;
        uint24 fee;
        int24 tickSpacing;
        address hooks;
    }

    #[sol(rpc)]
    contract PoolManager {
        constructor(address initialOwner);
        function initialize(PoolKey key, uint160 sqrtPriceX96) external returns (int24 tick);
    }

    #[sol(rpc)]
    contract V4PositionManager {
        constructor(address poolManager, address permit2, uint256 unsubscribeGasLimit,
            address tokenDescriptor, address weth9);
        function modifyLiquidities(bytes unlockData, uint256 deadline) external payable;
        function nextTokenId() external view returns (uint256);
    }

    #[sol(rpc)]
    contract StateView { constructor(address poolManager); }

    #[sol(rpc)]
    contract V4Quoter { constructor(address poolManager); }

    /// MINT_POSITION's parameters, encoded flat as PositionManager decodes them.
    struct MintPositionParams {
        PoolKey poolKey;
        int24 tickLower;
        int24 tickUpper;
        uint256 liquidity;
        uint128 amount0Max;
        uint128 amount1Max;
        address owner;
        bytes hookData;
    }

    #[sol(rpc)]
    interface IAllowanceTransfer {
        function approve(address token, address spender, uint160 amount, uint48 expiration) external;
    }

    struct RouterParameters {
        address permit2;
        address weth9;
        address v2Factory;
        address v3Factory;
        bytes32 pairInitCodeHash;
        bytes32 poolInitCodeHash;
        address v4PoolManager;
        address v3NFTPositionManager;
        address v4PositionManager;
        address spokePool;
    }

    #[sol(rpc)]
    contract UniversalRouter { constructor(RouterParameters params); }

    // Balancer V2 (v2-deployments 3.2.0: the Vault of 20210418, the v3 pool factories).

    #[sol(rpc)]
    contract BalancerAuthorizer { constructor(address admin); }

    #[sol(rpc)]
    contract BalancerVault {
        constructor(address authorizer, address weth, uint256 pauseWindowDuration,
            uint256 bufferPeriodDuration);
        struct JoinPoolRequest {
            address[] assets;
            uint256[] maxAmountsIn;
            bytes userData;
            bool fromInternalBalance;
        }
        function joinPool(bytes32 poolId, address sender, address recipient,
            JoinPoolRequest request) external payable;
        function getPoolTokens(bytes32 poolId) external view
            returns (address[] tokens, uint256[] balances, uint256 lastChangeBlock);
    }

    #[sol(rpc)]
    contract ProtocolFeePercentagesProvider {
        constructor(address vault, uint256 maxYieldValue, uint256 maxAUMValue);
    }

    #[sol(rpc)]
    contract BalancerQueries { constructor(address vault); }

    #[sol(rpc)]
    contract WeightedPoolFactory {
        constructor(address vault, address protocolFeeProvider, string factoryVersion,
            string poolVersion);
        function create(string name, string symbol, address[] tokens, uint256[] normalizedWeights,
            address[] rateProviders, uint256 swapFeePercentage, address owner)
            external returns (address);
    }

    #[sol(rpc)]
    contract ComposableStablePoolFactory {
        constructor(address vault, address protocolFeeProvider, string factoryVersion,
            string poolVersion);
        function create(string name, string symbol, address[] tokens, uint256 amplificationParameter,
            address[] rateProviders, uint256[] tokenRateCacheDurations,
            bool[] exemptFromYieldProtocolFeeFlags, uint256 swapFeePercentage, address owner)
            external returns (address);
    }

    #[sol(rpc)]
    interface IBalancerPool {
        function getPoolId() external view returns (bytes32);
    }

    /// Vigil's devnet tool that moves a V4 pool to a price (contracts/DevnetV4Mover.sol).
    #[sol(rpc)]
    contract DevnetV4Mover {
        constructor(address poolManager);
        function move(PoolKey key, bool zeroForOne, uint160 limit, uint256 maxIn, address to) external;
    }

    #[sol(rpc)]
    interface IStateView {
        function getSlot0(bytes32 poolId) external view
            returns (uint160 sqrtPriceX96, int24 tick, uint24 protocolFee, uint24 lpFee);
    }

    #[sol(rpc)]
    interface IBalancerVaultSwap {
        struct SingleSwap {
            bytes32 poolId;
            uint8 kind;
            address assetIn;
            address assetOut;
            uint256 amount;
            bytes userData;
        }
        struct FundManagement {
            address sender;
            bool fromInternalBalance;
            address recipient;
            bool toInternalBalance;
        }
        function swap(SingleSwap singleSwap, FundManagement funds, uint256 limit, uint256 deadline)
            external payable returns (uint256);
    }
}
