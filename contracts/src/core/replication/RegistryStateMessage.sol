// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title RegistryStateMessage
/// @notice The one encoding of a registry snapshot sent from the main chain to remote chains (decision
///         replication-0001: EpochManager.sendStateUpdates → RegistryStateSender → Abridge → RegistryStateReceiver →
///         LightStakeRegistry.processEpochUpdate). Both ends use this library, so they cannot drift apart.
///
///         message = abi.encode(uint32 epoch, address[] operators, address[] signingKeys, uint256[] weights,
///                              uint256 totalWeight, uint256 thresholdWeight)
///
///         It is the COMPLETE operator set of the main registry at `epoch`: every operator registered then (has a
///         signing key then), strictly ascending by operator address, with its signing key and weight at `epoch`, and
///         the total and threshold weight of `epoch` (the absolute weight a proof at `epoch` needs). Weights are in the
///         registry's weight unit (Σ shares × multiplier / 10000, rounded to 58 significant bits by the registry).
/// @dev The message is also exactly the ABI argument tuple of LightStakeRegistry.processEpochUpdate.
library RegistryStateMessage {
    /// @notice A registry snapshot (see the library NatSpec for the field meanings and units).
    struct OperatorSet {
        uint32 epoch;
        address[] operators;
        address[] signingKeys;
        uint256[] weights;
        uint256 totalWeight;
        uint256 thresholdWeight;
    }

    /// @notice The message is shorter than one word or its first word is not a uint32.
    error MalformedMessage();

    /// @notice The message carrying `set`.
    function encode(OperatorSet memory set) internal pure returns (bytes memory) {
        return abi.encode(set.epoch, set.operators, set.signingKeys, set.weights, set.totalWeight, set.thresholdWeight);
    }

    /// @notice The snapshot in `message`. Reverts (ABI decoder) on a malformed message.
    function decode(bytes calldata message) internal pure returns (OperatorSet memory set) {
        (set.epoch, set.operators, set.signingKeys, set.weights, set.totalWeight, set.thresholdWeight) =
            abi.decode(message, (uint32, address[], address[], uint256[], uint256, uint256));
    }

    /// @notice The epoch of `message` without decoding the arrays (to drop stale messages cheaply).
    function epochOf(bytes calldata message) internal pure returns (uint32) {
        if (message.length < 32) revert MalformedMessage();
        uint256 word = uint256(bytes32(message[:32]));
        if (word > type(uint32).max) revert MalformedMessage();
        // casting to 'uint32' is safe because word <= type(uint32).max was checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(word);
    }
}
