// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IAllocationManager, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IPermissionController} from "../../eigenlayer/IPermissionController.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {EpochManager} from "../../core/epochs/EpochManager.sol";
import {EpochMath} from "../../core/epochs/EpochMath.sol";
import {BLSApkRegistry} from "../../core/registry/BLSApkRegistry.sol";
import {BLSSignerSetChecker} from "../../core/signatures/BLSSignerSetChecker.sol";
import {IMultiProverRegistry} from "./IMultiProverRegistry.sol";

/// @title MultiProverRegistryStorage
/// @notice The parameters and state of the MultiProverRegistry, and how a weight is computed: per quorum q, from the
///         stake that the ServiceManager's operator set q can slash, as the ECDSA registry does
///         (Σ_i AllocationManager.getMinimumSlashableStake at DEALLOCATION_DELAY + 1 blocks ahead × multiplier_i / 10000).
/// @dev Every parameter and storage variable of the registry is declared here (after BLSApkRegistry's and Ownable's),
///      so that the storage order does not depend on how the code is split.
abstract contract MultiProverRegistryStorage is IMultiProverRegistry, BLSApkRegistry, BLSSignerSetChecker {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @dev Set in {_signerInfo} once the key's operator is frozen.
    uint256 internal constant _FROZEN_BIT = 1 << 160;

    /// @notice Source of slashable stake (EigenLayer AllocationManager, the ServiceManager's).
    IAllocationManager public immutable allocationManager;
    /// @notice Who may act for an operator (EigenLayer PermissionController, the ServiceManager's).
    IPermissionController public immutable permissionController;
    /// @notice The AVS's ServiceManager: quorum q is its operator set q; it registers operators in the AVSDirectory.
    ServiceManagerBase public immutable serviceManager;
    /// @notice Most operators registered at once in one quorum.
    uint256 public immutable MAX_OPERATORS;
    /// @dev AllocationManager.DEALLOCATION_DELAY, blocks: slashable stake is read this far (+1) ahead.
    uint32 private immutable _DEALLOCATION_DELAY;

    /// @dev quorum => its weight formula.
    mapping(uint8 quorum => QuorumConfig) internal _quorumConfig;
    /// @dev Bit q set once quorum q is created (a bitmap rather than a list of numbers: the smaller code keeps the
    ///      registry under EIP-170's 24,576 bytes).
    uint256 internal _quorumBitmap;
    /// @dev quorum => operators registered in it as of the latest change.
    mapping(uint8 quorum => EnumerableSet.AddressSet) internal _quorumOperators;
    /// @dev operator => bit q set while it is registered in quorum q (as of the latest change).
    mapping(address operator => uint256 bitmap) internal _operatorQuorums;
    /// @dev key hash => its operator | _FROZEN_BIT once frozen: the one slot the signer check reads per signer.
    mapping(bytes32 keyHash => uint256 info) internal _signerInfo;
    /// @notice Operators the slasher reported slashed: they never count as signers again and cannot register.
    mapping(address operator => bool) public isFrozen;

    /// @param epochManager The epoch clock (its genesis, length and grace period are copied).
    /// @param serviceManager_ The AVS's ServiceManager (its AllocationManager and PermissionController are used).
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be.
    /// @param maxOperators Most operators per quorum (> 0).
    /// @param owner_ Creates and configures quorums; a TimelockController in deployments.
    constructor(
        EpochManager epochManager,
        ServiceManagerBase serviceManager_,
        uint32 maxProofAgeEpochs,
        uint256 maxOperators,
        address owner_
    ) BLSApkRegistry(epochManager, maxProofAgeEpochs, owner_) {
        if (address(serviceManager_) == address(0)) revert ZeroAddress();
        if (maxOperators == 0) revert InvalidMaxOperators(maxOperators);
        serviceManager = serviceManager_;
        IAllocationManager allocationManager_ = serviceManager_.allocationManager();
        allocationManager = allocationManager_;
        permissionController = serviceManager_.permissionController();
        _DEALLOCATION_DELAY = allocationManager_.DEALLOCATION_DELAY();
        MAX_OPERATORS = maxOperators;
    }

    /// @dev The weight `operator` gets in `quorum` from its slashable stake now, or 0 below the minimum weight.
    function _computeWeight(uint8 quorum, address operator) internal view returns (uint96) {
        uint256 weight = _slashableWeight(quorum, operator);
        if (weight < _quorumConfig[quorum].minimumWeight) return 0;
        // casting to 'uint96' is safe: _slashableWeight caps at type(uint96).max
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint96(weight);
    }

    /// @dev Σ slashableStake_i × multiplier_i / 10000 over `quorum`'s strategies, capped at 2^96 − 1 (a checkpoint's
    ///      width); 0 for a frozen operator. The stake is the least operator set `quorum` can slash from now until
    ///      DEALLOCATION_DELAY + 1 blocks ahead (after every deallocation already queued); 0 when it cannot slash.
    function _slashableWeight(uint8 quorum, address operator) internal view returns (uint256 weight) {
        if (isFrozen[operator]) return 0;
        StrategyParams[] storage params = _quorumConfig[quorum].strategies;
        uint256 n = params.length;
        IStrategy[] memory strategies = new IStrategy[](n);
        for (uint256 i; i < n; ++i) {
            strategies[i] = params[i].strategy;
        }
        address[] memory operators = new address[](1);
        operators[0] = operator;
        uint256 horizon = block.number + _DEALLOCATION_DELAY + 1;
        // casting to 'uint32' is safe: the value is capped at type(uint32).max first
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 futureBlock = horizon > type(uint32).max ? type(uint32).max : uint32(horizon);
        uint256[] memory stake =
            allocationManager.getMinimumSlashableStake(_operatorSet(quorum), operators, strategies, futureBlock)[0];
        for (uint256 i; i < n; ++i) {
            weight += stake[i] * params[i].multiplier;
        }
        weight /= BPS_DENOMINATOR;
        if (weight > type(uint96).max) weight = type(uint96).max;
    }

    /// @dev Operator set `quorum` of the ServiceManager.
    function _operatorSet(uint8 quorum) internal view returns (OperatorSet memory) {
        return OperatorSet({avs: address(serviceManager), id: quorum});
    }

    /// @dev The epoch at which a change made now takes effect (the BLSApkRegistry's rule).
    function _nextEffectiveEpoch() internal view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }

    /// @dev Replaces `quorum`'s weight formula; reverts unless the strategies are non-empty, strictly ascending by
    ///      address, with multipliers > 0, and the minimum weight is > 0.
    function _setQuorumConfig(uint8 quorum, QuorumConfig calldata config) internal {
        uint256 n = config.strategies.length;
        if (n == 0) revert InvalidStrategies();
        if (config.minimumWeight == 0) revert ZeroMinimumWeight();
        QuorumConfig storage stored = _quorumConfig[quorum];
        delete stored.strategies;
        address previous;
        for (uint256 i; i < n; ++i) {
            StrategyParams calldata p = config.strategies[i];
            if (address(p.strategy) <= previous || p.multiplier == 0) revert InvalidStrategies();
            previous = address(p.strategy);
            stored.strategies.push(p);
        }
        stored.minimumWeight = config.minimumWeight;
        emit QuorumConfigSet(quorum, config);
    }
}
