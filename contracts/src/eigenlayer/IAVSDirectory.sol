// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtilsMixin} from "./ISignatureUtilsMixin.sol";

/// @title Errors raised by the AVSDirectory
interface IAVSDirectoryErrors {
    /// @notice The operator is not registered as an operator in the DelegationManager.
    error OperatorNotRegisteredToEigenLayer();
    /// @notice The operator is already registered to this AVS.
    error OperatorAlreadyRegisteredToAVS();
    /// @notice The operator is not registered to this AVS.
    error OperatorNotRegisteredToAVS();
    /// @notice The operator already used (or cancelled) this salt.
    error SaltSpent();
    /// @notice A dependency address was zero.
    error InvalidAddressZero();
}

/// @title Types used by the AVSDirectory
interface IAVSDirectoryTypes {
    /// @notice Registration status of an operator with an AVS (legacy M2 registration path).
    enum OperatorAVSRegistrationStatus {
        UNREGISTERED,
        REGISTERED
    }
}

/// @title Events emitted by the AVSDirectory
interface IAVSDirectoryEvents is IAVSDirectoryTypes {
    /// @notice An operator's registration status with an AVS changed.
    event OperatorAVSRegistrationStatusUpdated(
        address indexed operator, address indexed avs, OperatorAVSRegistrationStatus status
    );

    /// @notice An AVS published a metadata URI.
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
}

/// @title AVSDirectory: the legacy (M2) record of which operators are registered to which AVS
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below. The AVS (msg.sender)
///         registers an operator with the operator's EIP-712 signature over
///         OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry) in the domain
///         {name "EigenLayer", version "v1", chainId, verifyingContract = this AVSDirectory}.
interface IAVSDirectory is ISignatureUtilsMixin, IAVSDirectoryErrors, IAVSDirectoryEvents {
    /// @notice Registers `operator` to the calling AVS.
    /// @param operator A registered EigenLayer operator.
    /// @param operatorSignature The operator's signature (EOA or ERC-1271) over
    ///        `calculateOperatorAVSRegistrationDigestHash(operator, msg.sender, salt, expiry)`; the salt is spent.
    function registerOperatorToAVS(
        address operator,
        ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature
    ) external;

    /// @notice Deregisters `operator` from the calling AVS.
    function deregisterOperatorFromAVS(address operator) external;

    /// @notice Emits the calling AVS's metadata URI.
    function updateAVSMetadataURI(string calldata metadataURI) external;

    /// @notice Spends `salt` of msg.sender (an operator) so that signatures using it can no longer be used.
    function cancelSalt(bytes32 salt) external;

    /// @notice Registration status of `operator` with `avs`.
    function avsOperatorStatus(address avs, address operator) external view returns (OperatorAVSRegistrationStatus);

    /// @notice Whether `operator` has used or cancelled `salt`.
    function operatorSaltIsSpent(address operator, bytes32 salt) external view returns (bool);

    /// @notice The EIP-712 digest an operator signs to register with `avs`.
    /// @param operator The operator.
    /// @param avs The AVS (the address that will call registerOperatorToAVS).
    /// @param salt Single-use salt.
    /// @param expiry Unix timestamp (seconds).
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        external
        view
        returns (bytes32);

    /// @notice keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)").
    function OPERATOR_AVS_REGISTRATION_TYPEHASH() external view returns (bytes32);
}
