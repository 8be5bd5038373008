// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "./IStrategyManager.sol";
import {IDelegationManager} from "../../src/eigenlayer/IDelegationManager.sol";

/// @title StrategyManager: stakers deposit ERC20 tokens into whitelisted strategies
/// @notice Keeps each staker's deposit shares per strategy. Deposit shares are strategy shares at the time of
///         deposit; what a staker can withdraw is computed by the DelegationManager, which applies its operator's
///         slashing. Slashed shares are recorded here and burned by `burnShares` (anyone may call it).
///         The owner manages the deposit whitelist.
contract StrategyManager is IStrategyManager, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Most strategies one staker can hold deposit shares in.
    uint8 public constant MAX_STAKER_STRATEGY_LIST_LENGTH = 32;

    /// @inheritdoc IStrategyManager
    address public constant DEFAULT_BURN_ADDRESS = 0x00000000000000000000000000000000000E16E4;

    /// @notice The DelegationManager.
    IDelegationManager public immutable delegation;

    /// @inheritdoc IStrategyManager
    mapping(IStrategy strategy => bool) public strategyIsWhitelistedForDeposit;

    /// @inheritdoc IStrategyManager
    mapping(address staker => mapping(IStrategy strategy => uint256)) public stakerDepositShares;

    mapping(address staker => IStrategy[]) internal _stakerStrategyList;
    mapping(IStrategy strategy => uint256) internal _burnableShares;

    modifier onlyDelegationManager() {
        if (msg.sender != address(delegation)) revert OnlyDelegationManager();
        _;
    }

    /// @param initialOwner Owner (manages the deposit whitelist).
    /// @param _delegation The DelegationManager (deploy it first).
    constructor(address initialOwner, IDelegationManager _delegation) Ownable(initialOwner) {
        if (address(_delegation) == address(0)) revert InvalidAddressZero();
        delegation = _delegation;
    }

    /// @inheritdoc IStrategyManager
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        nonReentrant
        returns (uint256 depositShares)
    {
        if (!strategyIsWhitelistedForDeposit[strategy]) revert StrategyNotWhitelisted();
        // The strategy prices the deposit on its balance before the transfer, so tokens move first.
        token.safeTransferFrom(msg.sender, address(strategy), amount);
        depositShares = strategy.deposit(token, amount);
        (uint256 prevDepositShares, uint256 addedShares) = _addShares(msg.sender, strategy, depositShares);
        delegation.increaseDelegatedShares(msg.sender, strategy, prevDepositShares, addedShares);
    }

    /// @inheritdoc IStrategyManager
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategiesToWhitelist) external onlyOwner {
        for (uint256 i = 0; i < strategiesToWhitelist.length; ++i) {
            IStrategy strategy = strategiesToWhitelist[i];
            if (!strategyIsWhitelistedForDeposit[strategy]) {
                strategyIsWhitelistedForDeposit[strategy] = true;
                emit StrategyAddedToDepositWhitelist(strategy);
            }
        }
    }

    /// @inheritdoc IStrategyManager
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategiesToRemove) external onlyOwner {
        for (uint256 i = 0; i < strategiesToRemove.length; ++i) {
            IStrategy strategy = strategiesToRemove[i];
            if (strategyIsWhitelistedForDeposit[strategy]) {
                strategyIsWhitelistedForDeposit[strategy] = false;
                emit StrategyRemovedFromDepositWhitelist(strategy);
            }
        }
    }

    /// @inheritdoc IStrategyManager
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        onlyDelegationManager
        returns (uint256 remainingShares)
    {
        if (depositSharesToRemove == 0) revert SharesAmountZero();
        uint256 current = stakerDepositShares[staker][strategy];
        if (depositSharesToRemove > current) revert SharesAmountTooHigh();
        remainingShares = current - depositSharesToRemove;
        stakerDepositShares[staker][strategy] = remainingShares;
        if (remainingShares == 0) _removeStrategyFromList(staker, strategy);
    }

    /// @inheritdoc IStrategyManager
    function addShares(address staker, IStrategy strategy, uint256 shares)
        external
        onlyDelegationManager
        returns (uint256 prevDepositShares, uint256 addedShares)
    {
        return _addShares(staker, strategy, shares);
    }

    /// @inheritdoc IStrategyManager
    function withdrawSharesAsTokens(address staker, IStrategy strategy, IERC20 token, uint256 shares)
        external
        onlyDelegationManager
    {
        strategy.withdraw(staker, token, shares);
    }

    /// @inheritdoc IStrategyManager
    function increaseBurnableShares(IStrategy strategy, uint256 addedSharesToBurn) external onlyDelegationManager {
        _burnableShares[strategy] += addedSharesToBurn;
        emit BurnableSharesIncreased(strategy, addedSharesToBurn);
    }

    /// @inheritdoc IStrategyManager
    function burnShares(IStrategy strategy) external nonReentrant {
        uint256 sharesToBurn = _burnableShares[strategy];
        if (sharesToBurn == 0) return;
        _burnableShares[strategy] = 0;
        emit BurnableSharesDecreased(strategy, sharesToBurn);
        strategy.withdraw(DEFAULT_BURN_ADDRESS, strategy.underlyingToken(), sharesToBurn);
    }

    /// @inheritdoc IStrategyManager
    function getBurnableShares(IStrategy strategy) external view returns (uint256) {
        return _burnableShares[strategy];
    }

    /// @inheritdoc IStrategyManager
    function getDeposits(address staker) external view returns (IStrategy[] memory, uint256[] memory) {
        IStrategy[] memory strategies = _stakerStrategyList[staker];
        uint256[] memory shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = stakerDepositShares[staker][strategies[i]];
        }
        return (strategies, shares);
    }

    /// @inheritdoc IStrategyManager
    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory) {
        return _stakerStrategyList[staker];
    }

    /// @inheritdoc IStrategyManager
    function stakerStrategyListLength(address staker) external view returns (uint256) {
        return _stakerStrategyList[staker].length;
    }

    function _addShares(address staker, IStrategy strategy, uint256 shares)
        internal
        returns (uint256 prevDepositShares, uint256 addedShares)
    {
        if (staker == address(0)) revert StakerAddressZero();
        if (shares == 0) revert SharesAmountZero();
        prevDepositShares = stakerDepositShares[staker][strategy];
        if (prevDepositShares == 0) {
            if (_stakerStrategyList[staker].length >= MAX_STAKER_STRATEGY_LIST_LENGTH) revert MaxStrategiesExceeded();
            _stakerStrategyList[staker].push(strategy);
        }
        stakerDepositShares[staker][strategy] = prevDepositShares + shares;
        emit Deposit(staker, strategy, shares);
        return (prevDepositShares, shares);
    }

    function _removeStrategyFromList(address staker, IStrategy strategy) internal {
        IStrategy[] storage list = _stakerStrategyList[staker];
        uint256 n = list.length;
        for (uint256 i = 0; i < n; ++i) {
            if (list[i] == strategy) {
                list[i] = list[n - 1];
                list.pop();
                return;
            }
        }
    }
}
