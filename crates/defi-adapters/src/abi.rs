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
    }
}
