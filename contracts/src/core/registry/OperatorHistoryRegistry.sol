// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";
import {StakeRegistryVerifier} from "../signatures/StakeRegistryVerifier.sol";

/// @title OperatorHistoryRegistry
/// @notice What every stake registry (ECDSAStakeRegistry on the main chain, LightStakeRegistry on remote chains) keeps
///         per operator, and reads the same way: its signing key and weight by effective epoch, the latest of them,
///         and its raw checkpoints. The signature check of {StakeRegistryVerifier} reads the same history.
/// @dev One {OperatorCheckpoints.History} per operator, written by the registry only when the operator changes (a zero
///      signing key: not registered, or not in the set, from that epoch on). A lookup at epoch E returns the latest
///      checkpoint at or before E. A registry whose epochs can be missing (LightStakeRegistry) answers its per-epoch
///      views itself; a proof at such an epoch fails on the epoch's zero threshold.
abstract contract OperatorHistoryRegistry is StakeRegistryVerifier {
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @dev operator => effective epoch => (signing key, weight); signing key 0 = not registered.
    mapping(address operator => OperatorCheckpoints.History) internal _operatorHistory;

    /// @notice `operator`'s signing key as of its latest change (zero when not registered, or not in the latest set).
    /// @param operator The operator.
    function getLatestOperatorSigningKey(address operator) external view returns (address) {
        (address signingKey,) = _operatorHistory[operator].latest();
        return signingKey;
    }

    /// @notice `operator`'s weight as of its latest change (weight units).
    /// @param operator The operator.
    function getLatestOperatorWeight(address operator) external view returns (uint256) {
        (, uint256 weight) = _operatorHistory[operator].latest();
        return weight;
    }

    /// @notice Number of checkpoints of `operator` (one per effective epoch it changed at).
    /// @param operator The operator.
    function getOperatorCheckpointCount(address operator) external view returns (uint256) {
        return _operatorHistory[operator].length();
    }

    /// @notice The `index`-th checkpoint of `operator`, oldest first (its `count` field is 0).
    /// @param operator The operator.
    /// @param index 0 for the oldest, up to {getOperatorCheckpointCount} - 1.
    function getOperatorCheckpoint(address operator, uint256 index)
        external
        view
        returns (OperatorCheckpoints.Checkpoint memory)
    {
        return _operatorHistory[operator].at(index);
    }

    /// @inheritdoc StakeRegistryVerifier
    function _operatorAt(address operator, uint32 epoch)
        internal
        view
        override
        returns (address signingKey, uint256 weight)
    {
        return _operatorHistory[operator].lookup(epoch);
    }
}
