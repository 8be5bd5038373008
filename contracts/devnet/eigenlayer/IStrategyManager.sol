// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";

/// @title Errors raised by the StrategyManager
interface IStrategyManagerErrors {
    /// @notice The caller is not the DelegationManager.
    error OnlyDelegationManager();
    /// @notice The strategy is not whitelisted for deposits.
    error StrategyNotWhitelisted();
    /// @notice A share amount was zero.
    error SharesAmountZero();
    /// @notice More deposit shares were asked for than the staker has.
    error SharesAmountTooHigh();
    /// @notice The staker already holds deposits in the maximum number of strategies.
    error MaxStrategiesExceeded();
    /// @notice An address argument was zero.
    error StakerAddressZero();
    /// @notice A dependency address was zero.
    error InvalidAddressZero();
}

/// @title Events emitted by the StrategyManager
interface IStrategyManagerEvents {
    /// @notice A staker deposited into a strategy (also emitted when queued-withdrawal shares are re-added as shares).
    /// @param staker The staker credited.
    /// @param strategy The strategy.
    /// @param shares Deposit shares added.
    event Deposit(address staker, IStrategy strategy, uint256 shares);

    /// @notice A strategy was whitelisted for deposits.
    event StrategyAddedToDepositWhitelist(IStrategy strategy);

    /// @notice A strategy was removed from the deposit whitelist.
    event StrategyRemovedFromDepositWhitelist(IStrategy strategy);

    /// @notice Slashed shares were queued for burning.
    /// @param strategy The strategy.
    /// @param shares Strategy shares added to the burnable amount.
    event BurnableSharesIncreased(IStrategy strategy, uint256 shares);

    /// @notice Burnable shares were burned (their underlying sent to the burn address).
    /// @param strategy The strategy.
    /// @param shares Strategy shares burned.
    event BurnableSharesDecreased(IStrategy strategy, uint256 shares);
}

/// @title StrategyManager: deposits of ERC20 tokens into strategies
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below.
///         "Deposit shares" are the shares a staker deposited; what they can withdraw is reduced by
///         slashing of their operator (see IDelegationManager.getWithdrawableShares).
interface IStrategyManager is IStrategyManagerErrors, IStrategyManagerEvents {
    /// @notice Deposits `amount` of `token` from msg.sender into `strategy` and credits msg.sender with shares.
    ///         Pulls the tokens with transferFrom (approve the StrategyManager first). If msg.sender is
    ///         delegated, its operator's delegated shares increase.
    /// @param strategy A whitelisted strategy.
    /// @param token The strategy's underlying token.
    /// @param amount Token units.
    /// @return depositShares Deposit shares credited.
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        returns (uint256 depositShares);

    /// @notice Deposit shares of `staker` in `strategy`.
    function stakerDepositShares(address staker, IStrategy strategy) external view returns (uint256 shares);

    /// @notice The strategies `staker` holds deposit shares in and those shares.
    function getDeposits(address staker) external view returns (IStrategy[] memory, uint256[] memory);

    /// @notice The strategies `staker` holds deposit shares in.
    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory);

    /// @notice Number of strategies `staker` holds deposit shares in.
    function stakerStrategyListLength(address staker) external view returns (uint256);

    /// @notice Whether deposits into `strategy` are allowed.
    function strategyIsWhitelistedForDeposit(IStrategy strategy) external view returns (bool);

    /// @notice Whitelists strategies for deposits. Owner only. Already-whitelisted ones are skipped.
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategiesToWhitelist) external;

    /// @notice Removes strategies from the deposit whitelist. Owner only.
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategiesToRemove) external;

    /// @notice Removes deposit shares of `staker` (a withdrawal is being queued). DelegationManager only.
    /// @return remainingShares Deposit shares left.
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        returns (uint256 remainingShares);

    /// @notice Credits `staker` with `shares` deposit shares (a withdrawal completed as shares). DelegationManager only.
    /// @return prevDepositShares Deposit shares before.
    /// @return addedShares Deposit shares added.
    function addShares(address staker, IStrategy strategy, uint256 shares)
        external
        returns (uint256 prevDepositShares, uint256 addedShares);

    /// @notice Burns `shares` strategy shares and sends the tokens to `staker`. DelegationManager only.
    function withdrawSharesAsTokens(address staker, IStrategy strategy, IERC20 token, uint256 shares) external;

    /// @notice Records strategy shares taken by slashing, to be burned by `burnShares`. DelegationManager only.
    function increaseBurnableShares(IStrategy strategy, uint256 addedSharesToBurn) external;

    /// @notice Burns all burnable shares of `strategy`: their underlying goes to `DEFAULT_BURN_ADDRESS`. Anyone.
    function burnShares(IStrategy strategy) external;

    /// @notice Strategy shares slashed and not yet burned.
    function getBurnableShares(IStrategy strategy) external view returns (uint256);

    /// @notice Where burned tokens go.
    function DEFAULT_BURN_ADDRESS() external view returns (address);
}
