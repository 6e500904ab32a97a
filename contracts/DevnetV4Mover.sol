// SPDX-License-Identifier: MIT
pragma solidity 0.8.27;

// Moves a Uniswap V4 pool to a price, as an arbitrageur would: what the devnet's `price` command
// does to every pool of the token whose price it sets. Uniswap V4's routers take no price limit,
// so this swaps through the PoolManager itself. A devnet tool; nothing real uses it.

struct PoolKey {
    address currency0;
    address currency1;
    uint24 fee;
    int24 tickSpacing;
    address hooks;
}

struct SwapParams {
    bool zeroForOne;
    int256 amountSpecified;
    uint160 sqrtPriceLimitX96;
}

interface IPoolManager {
    function unlock(bytes calldata data) external returns (bytes memory);
    function swap(PoolKey memory key, SwapParams memory params, bytes calldata hookData)
        external
        returns (int256 swapDelta);
    function sync(address currency) external;
    function settle() external payable returns (uint256);
    function take(address currency, address to, uint256 amount) external;
}

interface IERC20Transfer {
    function transfer(address to, uint256 amount) external returns (bool);
}

contract DevnetV4Mover {
    IPoolManager public immutable manager;

    constructor(IPoolManager poolManager) {
        manager = poolManager;
    }

    receive() external payable {}

    /// Sells into the pool (currency0 when `zeroForOne`) until its price reaches `limit`,
    /// spending at most `maxIn` of what this contract holds; what it buys goes to `to`.
    function move(PoolKey calldata key, bool zeroForOne, uint160 limit, uint256 maxIn, address to)
        external
    {
        manager.unlock(abi.encode(key, zeroForOne, limit, maxIn, to));
    }

    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        require(msg.sender == address(manager), "only the pool manager");
        (PoolKey memory key, bool zeroForOne, uint160 limit, uint256 maxIn, address to) =
            abi.decode(data, (PoolKey, bool, uint160, uint256, address));
        // A negative amount is an exact input; the limit stops the swap at the price.
        int256 delta = manager.swap(key, SwapParams(zeroForOne, -int256(maxIn), limit), "");
        resolve(key.currency0, int128(delta >> 128), to);
        resolve(key.currency1, int128(delta), to);
        return "";
    }

    function resolve(address currency, int128 amount, address to) private {
        if (amount < 0) {
            uint256 owed = uint256(uint128(-amount));
            if (currency == address(0)) {
                manager.settle{value: owed}();
            } else {
                manager.sync(currency);
                require(IERC20Transfer(currency).transfer(address(manager), owed), "transfer");
                manager.settle();
            }
        } else if (amount > 0) {
            manager.take(currency, to, uint256(uint128(amount)));
        }
    }
}
