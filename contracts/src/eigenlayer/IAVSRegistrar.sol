// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IAVSRegistrar: implemented by an AVS (or the registrar it names) to accept operator-set registrations
/// @notice The AllocationManager calls these during registerForOperatorSets / deregisterFromOperatorSets.
///         ABI-compatible with eigenlayer-contracts v1.12.0.
interface IAVSRegistrar {
    /// @notice Called when `operator` registers for `operatorSetIds` of `avs`. Revert to refuse.
    /// @param operator The operator registering.
    /// @param avs The AVS whose operator sets are joined.
    /// @param operatorSetIds The operator set ids.
    /// @param data Arbitrary data the operator passed (e.g. keys or a signature).
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external;

    /// @notice Called when `operator` leaves `operatorSetIds` of `avs`.
    /// @param operator The operator deregistering.
    /// @param avs The AVS.
    /// @param operatorSetIds The operator set ids.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external;

    /// @notice Whether this registrar serves `avs` (checked by AllocationManager.setAVSRegistrar).
    function supportsAVS(address avs) external view returns (bool);
}
