// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProtocolFees} from "./IProtocolFees.sol";

/// @title FeeFormula
/// @notice The compensation formulas of {IProtocolFees}, as pure functions of the parameters, so that the entry point
///         (which reads the parameters once per batch) and {ProtocolFees} compute exactly the same amounts.
/// @dev Units: gas in gas units, gas price in wei per gas, amounts in wei. No overflow is reachable with bounded
///      parameters and a real gas price; checked arithmetic reverts otherwise.
library FeeFormula {
    /// @notice Basis points in 100 %.
    uint256 internal constant BPS = 10_000;

    /// @notice (gasUsed + gasOverhead) × gasPrice + fixedReward.
    function success(IProtocolFees.FeeParams memory p, uint256 gasUsed, uint256 gasPrice)
        internal
        pure
        returns (uint256)
    {
        return (gasUsed + p.gasOverhead) * gasPrice + p.fixedReward;
    }

    /// @notice (gasUsed + gasOverhead) × gasPrice × failureCompensationBps / 10_000, rounded down.
    function failure(IProtocolFees.FeeParams memory p, uint256 gasUsed, uint256 gasPrice)
        internal
        pure
        returns (uint256)
    {
        return (gasUsed + p.gasOverhead) * gasPrice * p.failureCompensationBps / BPS;
    }

    /// @notice maxGasLimit × gasPrice + fixedReward: the prefund, and the cap on any payment for the run.
    function prefund(IProtocolFees.FeeParams memory p, uint256 maxGasLimit, uint256 gasPrice)
        internal
        pure
        returns (uint256)
    {
        return maxGasLimit * gasPrice + p.fixedReward;
    }
}

/// @title ProtocolFees
/// @notice Owner-set fee parameters of the automation service, each bounded by a constant so that an owner mistake or
///         compromise cannot make runs arbitrarily expensive for vaults (a vault's cost per run stays within
///         maxGasLimit × maxGasPrice + MAX_FIXED_REWARD whatever the owner does).
/// @dev Ownership uses the two-step transfer so that it is never handed to a mistyped address.
contract ProtocolFees is IProtocolFees, Ownable2Step {
    /// @notice Upper bound of the fixed reward (wei).
    uint256 public constant MAX_FIXED_REWARD = 0.01 ether;
    /// @notice Upper bound of the failure compensation (basis points): never more than the cost itself.
    uint256 public constant MAX_FAILURE_COMPENSATION_BPS = 10_000;
    /// @notice Upper bound of the per-workflow gas overhead (gas units).
    uint256 public constant MAX_GAS_OVERHEAD = 200_000;

    FeeParams internal _params;

    /// @param owner_ The account allowed to change the parameters.
    /// @param fixedReward_ Initial fixed reward (wei).
    /// @param failureCompensationBps_ Initial failure compensation (basis points).
    /// @param gasOverhead_ Initial per-workflow gas overhead (gas units).
    constructor(address owner_, uint256 fixedReward_, uint256 failureCompensationBps_, uint256 gasOverhead_)
        Ownable(owner_)
    {
        _setFixedReward(fixedReward_);
        _setFailureCompensationBps(failureCompensationBps_);
        _setGasOverhead(gasOverhead_);
    }

    /// @inheritdoc IProtocolFees
    function feeParams() external view returns (FeeParams memory) {
        return _params;
    }

    /// @notice The fixed reward (wei) paid on top of the gas cost of a successful run.
    function fixedReward() external view returns (uint256) {
        return _params.fixedReward;
    }

    /// @notice The share (basis points) of the gas cost paid for a failed run.
    function failureCompensationBps() external view returns (uint256) {
        return _params.failureCompensationBps;
    }

    /// @notice The gas (units) added to each workflow call's measured gas.
    function gasOverhead() external view returns (uint256) {
        return _params.gasOverhead;
    }

    /// @inheritdoc IProtocolFees
    function setFixedReward(uint256 reward) external onlyOwner {
        _setFixedReward(reward);
    }

    /// @inheritdoc IProtocolFees
    function setFailureCompensationBps(uint256 bps) external onlyOwner {
        _setFailureCompensationBps(bps);
    }

    /// @inheritdoc IProtocolFees
    function setGasOverhead(uint256 overhead) external onlyOwner {
        _setGasOverhead(overhead);
    }

    /// @inheritdoc IProtocolFees
    function successCompensation(uint256 gasUsed, uint256 gasPrice) external view returns (uint256) {
        return FeeFormula.success(_params, gasUsed, gasPrice);
    }

    /// @inheritdoc IProtocolFees
    function failureCompensation(uint256 gasUsed, uint256 gasPrice) external view returns (uint256) {
        return FeeFormula.failure(_params, gasUsed, gasPrice);
    }

    /// @inheritdoc IProtocolFees
    function maxCompensation(uint256 maxGasLimit, uint256 gasPrice) external view returns (uint256) {
        return FeeFormula.prefund(_params, maxGasLimit, gasPrice);
    }

    function _setFixedReward(uint256 reward) private {
        if (reward > MAX_FIXED_REWARD) revert FixedRewardTooHigh(reward, MAX_FIXED_REWARD);
        emit FixedRewardSet(_params.fixedReward, reward);
        // forge-lint: disable-next-line(unsafe-typecast)
        _params.fixedReward = uint96(reward); // bounded by MAX_FIXED_REWARD above
    }

    function _setFailureCompensationBps(uint256 bps) private {
        if (bps > MAX_FAILURE_COMPENSATION_BPS) revert FailureCompensationTooHigh(bps, MAX_FAILURE_COMPENSATION_BPS);
        emit FailureCompensationBpsSet(_params.failureCompensationBps, bps);
        // forge-lint: disable-next-line(unsafe-typecast)
        _params.failureCompensationBps = uint16(bps); // bounded by MAX_FAILURE_COMPENSATION_BPS above
    }

    function _setGasOverhead(uint256 overhead) private {
        if (overhead > MAX_GAS_OVERHEAD) revert GasOverheadTooHigh(overhead, MAX_GAS_OVERHEAD);
        emit GasOverheadSet(_params.gasOverhead, overhead);
        // forge-lint: disable-next-line(unsafe-typecast)
        _params.gasOverhead = uint32(overhead); // bounded by MAX_GAS_OVERHEAD above
    }
}
