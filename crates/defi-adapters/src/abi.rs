//! Solidity bindings for the contracts the adapters read and call.

#![allow(missing_docs)]

use alloy::sol;

sol! {
    #[sol(rpc)]
    interface IERC20 {
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function balanceOf(address owner) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function transfer(address to, uint256 amount) external returns (bool);
    }

    /// The wrapped native token (WETH9 and its copies on every chain).
    #[sol(rpc)]
    interface IWETH9 {
        function deposit() external payable;
        function withdraw(uint256 wad) external;
    }

    /// A Chainlink price feed (AggregatorV3Interface, and the older `latestAnswer`).
    #[sol(rpc)]
    interface IChainlinkAggregator {
        function latestAnswer() external view returns (int256);
        function latestRoundData() external view returns (uint80 roundId, int256 answer,
            uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
        function getRoundData(uint80 roundId) external view returns (uint80 id, int256 answer,
            uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }

    /// Tokens such as MKR return their name and symbol as bytes32.
    interface IERC20Bytes32 {
        function name() external view returns (bytes32);
        function symbol() external view returns (bytes32);
    }

    #[sol(rpc)]
    interface IUniswapV2Router02 {
        function getAmountsOut(uint256 amountIn, address[] path) external view returns (uint256[] amounts);
        function getAmountsIn(uint256 amountOut, address[] path) external view returns (uint256[] amounts);
        function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path,
            address to, uint256 deadline) external returns (uint256[] amounts);
        function swapTokensForExactTokens(uint256 amountOut, uint256 amountInMax, address[] path,
            address to, uint256 deadline) external returns (uint256[] amounts);
        function swapExactETHForTokens(uint256 amountOutMin, address[] path, address to, uint256 deadline)
            external payable returns (uint256[] amounts);
        function swapETHForExactTokens(uint256 amountOut, address[] path, address to, uint256 deadline)
            external payable returns (uint256[] amounts);
        function swapExactTokensForETH(uint256 amountIn, uint256 amountOutMin, address[] path, address to,
            uint256 deadline) external returns (uint256[] amounts);
        function swapTokensForExactETH(uint256 amountOut, uint256 amountInMax, address[] path, address to,
            uint256 deadline) external returns (uint256[] amounts);
    }

    /// Uniswap V3's original SwapRouter (with a deadline in its parameters).
    #[sol(rpc)]
    interface IV3SwapRouter {
        struct ExactInputParams {
            bytes path;
            address recipient;
            uint256 deadline;
            uint256 amountIn;
            uint256 amountOutMinimum;
        }
        struct ExactOutputParams {
            bytes path;
            address recipient;
            uint256 deadline;
            uint256 amountOut;
            uint256 amountInMaximum;
        }
        function exactInput(ExactInputParams params) external payable returns (uint256 amountOut);
        function exactOutput(ExactOutputParams params) external payable returns (uint256 amountIn);
        function multicall(bytes[] data) external payable returns (bytes[] results);
        function unwrapWETH9(uint256 amountMinimum, address recipient) external payable;
        function refundETH() external payable;
    }

    /// Uniswap's SwapRouter02 (`IV3SwapRouter` of swap-router-contracts): no deadline in the
    /// parameters; `multicall(deadline, data)` enforces one for the whole call.
    interface ISwapRouter02 {
        struct ExactInputParams {
            bytes path;
            address recipient;
            uint256 amountIn;
            uint256 amountOutMinimum;
        }
        struct ExactOutputParams {
            bytes path;
            address recipient;
            uint256 amountOut;
            uint256 amountInMaximum;
        }
        function exactInput(ExactInputParams params) external payable returns (uint256 amountOut);
        function exactOutput(ExactOutputParams params) external payable returns (uint256 amountIn);
        function multicall(uint256 deadline, bytes[] data) external payable returns (bytes[] results);
        function unwrapWETH9(uint256 amountMinimum, address recipient) external payable;
        function refundETH() external payable;
    }

    #[sol(rpc)]
    interface IQuoterV2 {
        function quoteExactInput(bytes path, uint256 amountIn) external returns (uint256 amountOut,
            uint160[] sqrtPriceX96AfterList, uint32[] initializedTicksCrossedList, uint256 gasEstimate);
        function quoteExactOutput(bytes path, uint256 amountOut) external returns (uint256 amountIn,
            uint160[] sqrtPriceX96AfterList, uint32[] initializedTicksCrossedList, uint256 gasEstimate);
    }

    #[sol(rpc)]
    interface IAaveOracle {
        function getAssetPrice(address asset) external view returns (uint256);
        function BASE_CURRENCY_UNIT() external view returns (uint256);
        function getSourceOfAsset(address asset) external view returns (address);
    }

    /// Aave V3's Pool, as of V3.0/V3.1 (later versions keep these signatures; `getReserveData`
    /// returns the same layout as `ReserveDataLegacy`).
    interface IAavePool {
        struct ReserveConfigurationMap {
            uint256 data;
        }
        struct UserConfigurationMap {
            uint256 data;
        }
        struct ReserveData {
            ReserveConfigurationMap configuration;
            uint128 liquidityIndex;
            uint128 currentLiquidityRate;
            uint128 variableBorrowIndex;
            uint128 currentVariableBorrowRate;
            uint128 currentStableBorrowRate;
            uint40 lastUpdateTimestamp;
            uint16 id;
            address aTokenAddress;
            address stableDebtTokenAddress;
            address variableDebtTokenAddress;
            address interestRateStrategyAddress;
            uint128 accruedToTreasury;
            uint128 unbacked;
            uint128 isolationModeTotalDebt;
        }
        struct EModeCategory {
            uint16 ltv;
            uint16 liquidationThreshold;
            uint16 liquidationBonus;
            address priceSource;
            string label;
        }
        function getReservesList() external view returns (address[]);
        function getReserveData(address asset) external view returns (ReserveData);
        function getReserveNormalizedIncome(address asset) external view returns (uint256);
        function getReserveNormalizedVariableDebt(address asset) external view returns (uint256);
        function getUserConfiguration(address user) external view returns (UserConfigurationMap);
        function getUserEMode(address user) external view returns (uint256);
        function getEModeCategoryData(uint8 id) external view returns (EModeCategory);
        /// The implementation's revision (1 for V3.0, 10 for V3.6): which rules the pool has.
        function POOL_REVISION() external view returns (uint256);
        /// V3.2 and later: a category's LTV, liquidation threshold and bonus.
        function getEModeCategoryCollateralConfig(uint8 id) external view returns (uint16 ltv,
            uint16 liquidationThreshold, uint16 liquidationBonus);
        /// V3.2 and later: the reserves (bit = reserve id) that count as the category's collateral.
        function getEModeCategoryCollateralBitmap(uint8 id) external view returns (uint128);
        /// V3.2 and later: the reserves that may be borrowed in the category.
        function getEModeCategoryBorrowableBitmap(uint8 id) external view returns (uint128);
        /// V3.2 and later: a category's name.
        function getEModeCategoryLabel(uint8 id) external view returns (string);
        /// V3.1 and later: until when (unix time) liquidations of a reserve are held back.
        function getLiquidationGracePeriod(address asset) external view returns (uint40);
        function getUserAccountData(address user) external view returns (uint256 totalCollateralBase,
            uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold,
            uint256 ltv, uint256 healthFactor);
        function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
        function withdraw(address asset, uint256 amount, address to) external returns (uint256);
        function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode,
            address onBehalfOf) external;
        function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
            external returns (uint256);
        function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external;
    }

    /// Aave's aTokens and variable debt tokens: balances before the index is applied.
    interface IScaledBalanceToken {
        function scaledBalanceOf(address user) external view returns (uint256);
        function scaledTotalSupply() external view returns (uint256);
    }

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    /// WETH9's wrap and unwrap events.
    event Deposit(address indexed dst, uint256 wad);
    event Withdrawal(address indexed src, uint256 wad);

    #[sol(rpc)]
    interface IMulticall3 {
        struct Call3 {
            address target;
            bool allowFailure;
            bytes callData;
        }
        struct Result {
            bool success;
            bytes returnData;
        }
        function aggregate3(Call3[] calls) external payable returns (Result[] returnData);
        function getEthBalance(address addr) external view returns (uint256 balance);
        function getBlockNumber() external view returns (uint256 blockNumber);
        function getCurrentBlockTimestamp() external view returns (uint256 timestamp);
    }

    /// Uniswap V3's position NFTs (ERC-721 enumerable).
    #[sol(rpc)]
    interface INonfungiblePositionManager {
        function balanceOf(address owner) external view returns (uint256);
        function tokenOfOwnerByIndex(address owner, uint256 index) external view returns (uint256);
        function positions(uint256 tokenId) external view returns (uint96 nonce, address operator,
            address token0, address token1, uint24 fee, int24 tickLower, int24 tickUpper,
            uint128 liquidity, uint256 feeGrowthInside0LastX128, uint256 feeGrowthInside1LastX128,
            uint128 tokensOwed0, uint128 tokensOwed1);
    }

    /// A Uniswap V3 pool's price and the factory that finds pools.
    #[sol(rpc)]
    interface IUniswapV3Pool {
        function slot0() external view returns (uint160 sqrtPriceX96, int24 tick,
            uint16 observationIndex, uint16 observationCardinality,
            uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked);
    }
    #[sol(rpc)]
    interface IUniswapV3Factory {
        function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address);
    }

    /// A Uniswap V4 pool's key (currency0 < currency1; the native coin is the zero address).
    #[derive(Debug, PartialEq, Eq)]
    struct PoolKey {
        address currency0;
        address currency1;
        uint24 fee;
        int24 tickSpacing;
        address hooks;
    }

    /// Uniswap V4's PositionManager (v4-periphery 1.0.3): positions as NFTs, changed by
    /// `modifyLiquidities` action scripts.
    interface IV4PositionManager {
        function modifyLiquidities(bytes unlockData, uint256 deadline) external payable;
        function getPoolAndPositionInfo(uint256 tokenId) external view
            returns (PoolKey poolKey, uint256 info);
        function getPositionLiquidity(uint256 tokenId) external view returns (uint128 liquidity);
        function ownerOf(uint256 tokenId) external view returns (address);
        function nextTokenId() external view returns (uint256);
        event Transfer(address indexed from, address indexed to, uint256 indexed id);
    }

    /// MINT_POSITION's parameters in a V4 PositionManager script.
    struct V4MintParams {
        PoolKey poolKey;
        int24 tickLower;
        int24 tickUpper;
        uint256 liquidity;
        uint128 amount0Max;
        uint128 amount1Max;
        address owner;
        bytes hookData;
    }

    /// One hop of a V4 path: the pool between the currency before it and this one.
    #[derive(Debug, PartialEq, Eq)]
    struct PathKey {
        address intermediateCurrency;
        uint24 fee;
        int24 tickSpacing;
        address hooks;
        bytes hookData;
    }

    /// Uniswap V4's quoter (v4-periphery 1.0.3): quotes by simulating the swap.
    #[sol(rpc)]
    interface IV4Quoter {
        struct QuoteExactSingleParams {
            PoolKey poolKey;
            bool zeroForOne;
            uint128 exactAmount;
            bytes hookData;
        }
        struct QuoteExactParams {
            address exactCurrency;
            PathKey[] path;
            uint128 exactAmount;
        }
        function quoteExactInputSingle(QuoteExactSingleParams params) external
            returns (uint256 amountOut, uint256 gasEstimate);
        function quoteExactInput(QuoteExactParams params) external
            returns (uint256 amountOut, uint256 gasEstimate);
        function quoteExactOutput(QuoteExactParams params) external
            returns (uint256 amountIn, uint256 gasEstimate);
        function quoteExactOutputSingle(QuoteExactSingleParams params) external
            returns (uint256 amountIn, uint256 gasEstimate);
    }

    /// The V4 router's single-hop swaps, as the Universal Router's V4_SWAP takes them.
    struct V4ExactInputSingleParams {
        PoolKey poolKey;
        bool zeroForOne;
        uint128 amountIn;
        uint128 amountOutMinimum;
        bytes hookData;
    }
    /// The V4 router's multi-hop swaps, as Universal Router 2.1.0 has them: its V4 router is
    /// a later v4-periphery than npm's 1.0.3 and takes per-hop slippage limits (none when
    /// empty; the whole swap's limit still applies).
    struct V4ExactInputParams {
        address currencyIn;
        PathKey[] path;
        uint256[] maxHopSlippage;
        uint128 amountIn;
        uint128 amountOutMinimum;
    }
    struct V4ExactOutputParams {
        address currencyOut;
        PathKey[] path;
        uint256[] maxHopSlippage;
        uint128 amountOut;
        uint128 amountInMaximum;
    }
    struct V4ExactOutputSingleParams {
        PoolKey poolKey;
        bool zeroForOne;
        uint128 amountOut;
        uint128 amountInMaximum;
        bytes hookData;
    }

    /// Uniswap's Universal Router.
    #[sol(rpc)]
    interface IUniversalRouter {
        function execute(bytes commands, bytes[] inputs, uint256 deadline) external payable;
    }

    /// Permit2's allowances (AllowanceTransfer).
    #[sol(rpc)]
    interface IPermit2 {
        function approve(address token, address spender, uint160 amount, uint48 expiration) external;
        function allowance(address user, address token, address spender) external view
            returns (uint160 amount, uint48 expiration, uint48 nonce);
    }

    /// Permit2's signed allowance (AllowanceTransfer's PermitSingle), as the Universal
    /// Router's PERMIT2_PERMIT command takes it.
    struct PermitDetails {
        address token;
        uint160 amount;
        uint48 expiration;
        uint48 nonce;
    }
    struct PermitSingle {
        PermitDetails details;
        address spender;
        uint256 sigDeadline;
    }

    /// Balancer V2's Vault: single swaps.
    #[sol(rpc)]
    interface IBalancerVault {
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
            external payable returns (uint256 amountCalculated);
        struct BatchSwapStep {
            bytes32 poolId;
            uint256 assetInIndex;
            uint256 assetOutIndex;
            uint256 amount;
            bytes userData;
        }
        function batchSwap(uint8 kind, BatchSwapStep[] swaps, address[] assets,
            FundManagement funds, int256[] limits, uint256 deadline)
            external payable returns (int256[] assetDeltas);
    }

    /// BalancerQueries: a swap's result by `eth_call`.
    #[sol(rpc)]
    interface IBalancerQueries {
        function querySwap(IBalancerVault.SingleSwap singleSwap, IBalancerVault.FundManagement funds)
            external returns (uint256);
        function queryBatchSwap(uint8 kind, IBalancerVault.BatchSwapStep[] swaps, address[] assets,
            IBalancerVault.FundManagement funds) external returns (int256[] assetDeltas);
    }
}
