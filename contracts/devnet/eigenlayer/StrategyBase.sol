// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "./IStrategyManager.sol";

/// @title StrategyBase: a vault holding one ERC20 token, with shares tracked for the StrategyManager
/// @notice Shares are a proportional claim on the token balance. The exchange rate uses a virtual offset of
///         1e3 shares and 1e3 token units, so the first depositor cannot inflate the share price to steal later
///         deposits (a donation changes the rate for everyone but cannot round a victim's shares to zero cheaply).
///         Tokens sent directly to the strategy raise the value of all shares.
contract StrategyBase is IStrategy {
    using SafeERC20 for IERC20;

    /// @notice Virtual shares added to totalShares in the exchange rate.
    uint256 public constant SHARES_OFFSET = 1e3;
    /// @notice Virtual token units added to the balance in the exchange rate.
    uint256 public constant BALANCE_OFFSET = 1e3;

    /// @notice The StrategyManager, the only caller of deposit and withdraw.
    IStrategyManager public immutable strategyManager;
    /// @inheritdoc IStrategy
    IERC20 public immutable underlyingToken;
    /// @inheritdoc IStrategy
    uint256 public totalShares;

    modifier onlyStrategyManager() {
        if (msg.sender != address(strategyManager)) revert OnlyStrategyManager();
        _;
    }

    /// @param _strategyManager The StrategyManager.
    /// @param _underlyingToken The token this strategy holds.
    constructor(IStrategyManager _strategyManager, IERC20 _underlyingToken) {
        if (address(_strategyManager) == address(0) || address(_underlyingToken) == address(0)) {
            revert InvalidAddressZero();
        }
        strategyManager = _strategyManager;
        underlyingToken = _underlyingToken;
        uint8 dec = 18;
        try IERC20Metadata(address(_underlyingToken)).decimals() returns (uint8 d) {
            dec = d;
        } catch {}
        emit StrategyTokenSet(_underlyingToken, dec);
    }

    /// @inheritdoc IStrategy
    /// @dev The tokens are already in this contract: the price is taken on the balance before them.
    function deposit(IERC20 token, uint256 amount) external onlyStrategyManager returns (uint256 newShares) {
        if (token != underlyingToken) revert OnlyUnderlyingToken();
        uint256 virtualBalanceAfter = _balance() + BALANCE_OFFSET;
        uint256 virtualBalanceBefore = virtualBalanceAfter - amount;
        uint256 virtualShares = totalShares + SHARES_OFFSET;
        newShares = Math.mulDiv(amount, virtualShares, virtualBalanceBefore);
        if (newShares == 0) revert NewSharesZero();
        totalShares += newShares;
        _emitExchangeRate(virtualBalanceAfter, totalShares + SHARES_OFFSET);
    }

    /// @inheritdoc IStrategy
    function withdraw(address recipient, IERC20 token, uint256 amountShares)
        external
        onlyStrategyManager
        returns (uint256 amountOut)
    {
        if (token != underlyingToken) revert OnlyUnderlyingToken();
        uint256 priorTotalShares = totalShares;
        if (amountShares > priorTotalShares) revert WithdrawalAmountExceedsTotalShares();
        uint256 virtualBalance = _balance() + BALANCE_OFFSET;
        amountOut = Math.mulDiv(amountShares, virtualBalance, priorTotalShares + SHARES_OFFSET);
        totalShares = priorTotalShares - amountShares;
        _emitExchangeRate(virtualBalance - amountOut, totalShares + SHARES_OFFSET);
        if (amountOut != 0) underlyingToken.safeTransfer(recipient, amountOut);
    }

    /// @inheritdoc IStrategy
    function sharesToUnderlying(uint256 amountShares) public view returns (uint256) {
        return Math.mulDiv(amountShares, _balance() + BALANCE_OFFSET, totalShares + SHARES_OFFSET);
    }

    /// @inheritdoc IStrategy
    function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256) {
        return sharesToUnderlying(amountShares);
    }

    /// @inheritdoc IStrategy
    function underlyingToShares(uint256 amountUnderlying) public view returns (uint256) {
        return Math.mulDiv(amountUnderlying, totalShares + SHARES_OFFSET, _balance() + BALANCE_OFFSET);
    }

    /// @inheritdoc IStrategy
    function underlyingToSharesView(uint256 amountUnderlying) external view returns (uint256) {
        return underlyingToShares(amountUnderlying);
    }

    /// @inheritdoc IStrategy
    function userUnderlying(address user) public view returns (uint256) {
        return sharesToUnderlying(shares(user));
    }

    /// @inheritdoc IStrategy
    function userUnderlyingView(address user) external view returns (uint256) {
        return userUnderlying(user);
    }

    /// @inheritdoc IStrategy
    function shares(address user) public view returns (uint256) {
        return strategyManager.stakerDepositShares(user, IStrategy(address(this)));
    }

    /// @inheritdoc IStrategy
    function explanation() external pure returns (string memory) {
        return "Devnet strategy: holds one ERC20 token; shares are a proportional claim on the balance.";
    }

    function _balance() internal view returns (uint256) {
        return underlyingToken.balanceOf(address(this));
    }

    function _emitExchangeRate(uint256 virtualBalance, uint256 virtualShares) internal {
        emit ExchangeRateEmitted(Math.mulDiv(1e18, virtualBalance, virtualShares));
    }
}
