// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Errors raised by strategies
interface IStrategyErrors {
    /// @notice The caller is not the StrategyManager.
    error OnlyStrategyManager();
    /// @notice The token passed is not this strategy's underlying token.
    error OnlyUnderlyingToken();
    /// @notice A deposit would mint zero shares.
    error NewSharesZero();
    /// @notice More shares were asked for than exist.
    error WithdrawalAmountExceedsTotalShares();
    /// @notice An address argument was zero.
    error InvalidAddressZero();
}

/// @title Events emitted by strategies
interface IStrategyEvents {
    /// @notice Emitted after every deposit and withdrawal: the underlying value of 1e18 shares, scaled to 1e18.
    /// @param rate Underlying token units per 1e18 shares (wad).
    event ExchangeRateEmitted(uint256 rate);

    /// @notice Emitted once when the strategy is created.
    /// @param token The underlying token.
    /// @param decimals The token's decimals.
    event StrategyTokenSet(IERC20 token, uint8 decimals);
}

/// @title A strategy: a vault of one ERC20 token whose shares are tracked by the StrategyManager
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below.
///         Shares are "strategy shares": a claim on a proportional part of the strategy's token balance.
interface IStrategy is IStrategyErrors, IStrategyEvents {
    /// @notice Accounts for `amount` of `token` already transferred to the strategy and mints shares for it.
    /// @dev Only the StrategyManager, after it transferred the tokens.
    /// @param token The underlying token (must equal `underlyingToken()`).
    /// @param amount Token units transferred in.
    /// @return newShares Strategy shares minted.
    function deposit(IERC20 token, uint256 amount) external returns (uint256 newShares);

    /// @notice Burns `amountShares` strategy shares and sends the underlying tokens to `recipient`.
    /// @dev Only the StrategyManager.
    /// @param recipient Receiver of the tokens.
    /// @param token The underlying token (must equal `underlyingToken()`).
    /// @param amountShares Strategy shares to burn.
    /// @return amountOut Token units sent.
    function withdraw(address recipient, IERC20 token, uint256 amountShares) external returns (uint256 amountOut);

    /// @notice Token units that `amountShares` shares are worth now.
    /// @param amountShares Strategy shares.
    /// @return Token units.
    function sharesToUnderlying(uint256 amountShares) external view returns (uint256);

    /// @notice Same as `sharesToUnderlying` (view).
    /// @param amountShares Strategy shares.
    /// @return Token units.
    function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256);

    /// @notice Strategy shares that `amountUnderlying` token units would mint now.
    /// @param amountUnderlying Token units.
    /// @return Strategy shares.
    function underlyingToShares(uint256 amountUnderlying) external view returns (uint256);

    /// @notice Same as `underlyingToShares` (view).
    /// @param amountUnderlying Token units.
    /// @return Strategy shares.
    function underlyingToSharesView(uint256 amountUnderlying) external view returns (uint256);

    /// @notice Token units that `user`'s deposit shares in the StrategyManager are worth (before any slashing).
    /// @param user A staker.
    /// @return Token units.
    function userUnderlying(address user) external view returns (uint256);

    /// @notice Same as `userUnderlying` (view).
    /// @param user A staker.
    /// @return Token units.
    function userUnderlyingView(address user) external view returns (uint256);

    /// @notice `user`'s deposit shares in this strategy, as recorded by the StrategyManager.
    /// @param user A staker.
    /// @return Deposit shares.
    function shares(address user) external view returns (uint256);

    /// @notice The token this strategy holds.
    function underlyingToken() external view returns (IERC20);

    /// @notice Total strategy shares outstanding.
    function totalShares() external view returns (uint256);

    /// @notice A short human-readable description of the strategy.
    function explanation() external view returns (string memory);
}
