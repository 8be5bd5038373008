// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IOperatorSetRegistry: a main-chain registry that can list its complete operator set at an epoch
/// @notice Implemented by ECDSAStakeRegistry; read by EpochManager.sendStateUpdates.
interface IOperatorSetRegistry {
    /// @notice Every operator registered at `epoch` (has a signing key then, including operators whose deregistration
    ///         takes effect later and excluding registrations that take effect later) that carries weight now,
    ///         strictly ascending by address, with its signing key at `epoch` and the weight a signature of it at
    ///         `epoch` counts for now (its checkpointed weight lowered to its slashable stake), and the checkpointed
    ///         total and threshold weight of `epoch` — what isValidSignature uses for a proof whose reference epoch is
    ///         `epoch`.
    /// @param epoch An effective epoch.
    /// @return operators Operator addresses, strictly ascending; none with zero weight.
    /// @return signingKeys signingKeys[i] is operators[i]'s signing key at `epoch`.
    /// @return weights weights[i] is operators[i]'s weight (registry weight units).
    /// @return totalWeight The checkpointed total weight of `epoch`, ≥ Σ weights (weight units).
    /// @return thresholdWeight The signed weight a proof at `epoch` needs (weight units; 0: no proof valid).
    function getOperatorSetAtEpoch(uint32 epoch)
        external
        view
        returns (
            address[] memory operators,
            address[] memory signingKeys,
            uint256[] memory weights,
            uint256 totalWeight,
            uint256 thresholdWeight
        );
}

/// @title IRegistryStateSender: sends registry snapshots from the main chain to remote chains
/// @notice Implemented by RegistryStateSender; called only by the EpochManager.
interface IRegistryStateSender {
    /// @notice Sends `message` (a RegistryStateMessage) to the remote chain `chainId`, paying the bridge fee from
    ///         msg.value and refunding the rest to `refundTo` in the same call.
    /// @param chainId The remote chain's id.
    /// @param message The encoded snapshot (RegistryStateMessage.encode).
    /// @param operatorCount Number of operators in the snapshot (sizes the destination gas limit).
    /// @param refundTo Receives msg.value minus the fee (wei).
    /// @return guid The bridge's message id.
    /// @return fee The fee paid to the bridge (wei).
    function sendStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount, address refundTo)
        external
        payable
        returns (bytes32 guid, uint256 fee);

    /// @notice The fee {sendStateUpdate} would pay now for the same arguments (wei).
    /// @param chainId The remote chain's id.
    /// @param message The encoded snapshot.
    /// @param operatorCount Number of operators in the snapshot.
    function quoteStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount)
        external
        view
        returns (uint256 fee);
}
