//! Solidity bindings for the liquidity contracts: Uniswap V2 pairs and routers, V3's position
//! manager and pools, V4's PositionManager and StateView, Balancer's Vault joins and exits.

#![allow(missing_docs)]

use alloy::sol;

pub use crate::abi::{IV4PositionManager, V4MintParams};

sol! {
    /// A Uniswap V2 (or SushiSwap) pair: the pool and its share token.
    interface IUniswapV2Pair {
        function token0() external view returns (address);
        function token1() external view returns (address);
        function getReserves() external view returns (uint112 reserve0, uint112 reserve1,
            uint32 blockTimestampLast);
        function totalSupply() external view returns (uint256);
        function balanceOf(address owner) external view returns (uint256);
    }

    interface IUniswapV2Factory {
        function getPair(address tokenA, address tokenB) external view returns (address);
    }

    /// Router02's liquidity functions.
    interface IUniswapV2LiquidityRouter {
        function addLiquidity(address tokenA, address tokenB, uint256 amountADesired,
            uint256 amountBDesired, uint256 amountAMin, uint256 amountBMin, address to,
            uint256 deadline) external returns (uint256 amountA, uint256 amountB, uint256 liquidity);
        function addLiquidityETH(address token, uint256 amountTokenDesired, uint256 amountTokenMin,
            uint256 amountETHMin, address to, uint256 deadline) external payable
            returns (uint256 amountToken, uint256 amountETH, uint256 liquidity);
        function removeLiquidity(address tokenA, address tokenB, uint256 liquidity,
            uint256 amountAMin, uint256 amountBMin, address to, uint256 deadline)
            external returns (uint256 amountA, uint256 amountB);
        function removeLiquidityETH(address token, uint256 liquidity, uint256 amountTokenMin,
            uint256 amountETHMin, address to, uint256 deadline)
            external returns (uint256 amountToken, uint256 amountETH);
    }

    /// Uniswap V3's position manager: opening, changing and collecting positions.
    interface IV3PositionManager {
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
        struct IncreaseLiquidityParams {
            uint256 tokenId;
            uint256 amount0Desired;
            uint256 amount1Desired;
            uint256 amount0Min;
            uint256 amount1Min;
            uint256 deadline;
        }
        struct DecreaseLiquidityParams {
            uint256 tokenId;
            uint128 liquidity;
            uint256 amount0Min;
            uint256 amount1Min;
            uint256 deadline;
        }
        struct CollectParams {
            uint256 tokenId;
            address recipient;
            uint128 amount0Max;
            uint128 amount1Max;
        }
        function mint(MintParams params) external payable returns (uint256 tokenId,
            uint128 liquidity, uint256 amount0, uint256 amount1);
        function increaseLiquidity(IncreaseLiquidityParams params) external payable
            returns (uint128 liquidity, uint256 amount0, uint256 amount1);
        function decreaseLiquidity(DecreaseLiquidityParams params) external payable
            returns (uint256 amount0, uint256 amount1);
        function collect(CollectParams params) external payable returns (uint256 amount0,
            uint256 amount1);
        function burn(uint256 tokenId) external payable;
        function multicall(bytes[] data) external payable returns (bytes[] results);
        function refundETH() external payable;
        function unwrapWETH9(uint256 amountMinimum, address recipient) external payable;
        function sweepToken(address token, uint256 amountMinimum, address recipient) external payable;
    }

    /// A Uniswap V3 pool's state that positions are valued from.
    interface IV3PoolState {
        function slot0() external view returns (uint160 sqrtPriceX96, int24 tick,
            uint16 observationIndex, uint16 observationCardinality,
            uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked);
        function liquidity() external view returns (uint128);
        function feeGrowthGlobal0X128() external view returns (uint256);
        function feeGrowthGlobal1X128() external view returns (uint256);
        function ticks(int24 tick) external view returns (uint128 liquidityGross,
            int128 liquidityNet, uint256 feeGrowthOutside0X128, uint256 feeGrowthOutside1X128,
            int56 tickCumulativeOutside, uint160 secondsPerLiquidityOutsideX128,
            uint32 secondsOutside, bool initialized);
    }

    /// Uniswap V4's StateView: pool state by pool id.
    interface IV4StateView {
        function getSlot0(bytes32 poolId) external view returns (uint160 sqrtPriceX96, int24 tick,
            uint24 protocolFee, uint24 lpFee);
        function getLiquidity(bytes32 poolId) external view returns (uint128 liquidity);
        function getFeeGrowthInside(bytes32 poolId, int24 tickLower, int24 tickUpper) external view
            returns (uint256 feeGrowthInside0X128, uint256 feeGrowthInside1X128);
        function getPositionInfo(bytes32 poolId, address owner, int24 tickLower, int24 tickUpper,
            bytes32 salt) external view returns (uint128 liquidity,
            uint256 feeGrowthInside0LastX128, uint256 feeGrowthInside1LastX128);
    }

    /// The parameters of V4 PositionManager actions, abi-encoded one by one.
    struct V4ModifyParams {
        uint256 tokenId;
        uint256 liquidity;
        uint128 amount0;
        uint128 amount1;
        bytes hookData;
    }
    struct V4BurnParams {
        uint256 tokenId;
        uint128 amount0Min;
        uint128 amount1Min;
        bytes hookData;
    }
    struct V4CurrencyPair {
        address currency0;
        address currency1;
    }
    struct V4CurrencyPairTo {
        address currency0;
        address currency1;
        address recipient;
    }
    struct V4CurrencyTo {
        address currency;
        address recipient;
    }

    /// Balancer V2's Vault: a pool's tokens, joins and exits.
    interface IBalancerPoolVault {
        struct JoinPoolRequest {
            address[] assets;
            uint256[] maxAmountsIn;
            bytes userData;
            bool fromInternalBalance;
        }
        struct ExitPoolRequest {
            address[] assets;
            uint256[] minAmountsOut;
            bytes userData;
            bool toInternalBalance;
        }
        function getPoolTokens(bytes32 poolId) external view returns (address[] tokens,
            uint256[] balances, uint256 lastChangeBlock);
        function joinPool(bytes32 poolId, address sender, address recipient,
            JoinPoolRequest request) external payable;
        function exitPool(bytes32 poolId, address sender, address recipient,
            ExitPoolRequest request) external;
    }

    /// BalancerQueries: what a join or exit would move, by `eth_call`.
    interface IBalancerPoolQueries {
        function queryJoin(bytes32 poolId, address sender, address recipient,
            IBalancerPoolVault.JoinPoolRequest request) external
            returns (uint256 bptOut, uint256[] amountsIn);
        function queryExit(bytes32 poolId, address sender, address recipient,
            IBalancerPoolVault.ExitPoolRequest request) external
            returns (uint256 bptIn, uint256[] amountsOut);
    }

    /// A Balancer pool's share token; `getActualSupply` counts protocol fees not yet minted.
    interface IBalancerPool {
        function balanceOf(address owner) external view returns (uint256);
        function totalSupply() external view returns (uint256);
        function getActualSupply() external view returns (uint256);
        function getBptIndex() external view returns (uint256);
    }
}
