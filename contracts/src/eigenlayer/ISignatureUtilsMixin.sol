// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Signature structs shared by the EigenLayer core contracts
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0.
interface ISignatureUtilsMixinTypes {
    /// @notice A signature with an expiry time.
    /// @param signature An ECDSA signature (65 bytes r‖s‖v) or ERC-1271 signature data.
    /// @param expiry Unix timestamp (seconds) after which the signature is no longer valid.
    struct SignatureWithExpiry {
        bytes signature;
        uint256 expiry;
    }

    /// @notice A signature with a single-use salt and an expiry time.
    /// @param signature An ECDSA signature (65 bytes r‖s‖v) or ERC-1271 signature data.
    /// @param salt A value the signer may use only once.
    /// @param expiry Unix timestamp (seconds) after which the signature is no longer valid.
    struct SignatureWithSaltAndExpiry {
        bytes signature;
        bytes32 salt;
        uint256 expiry;
    }
}

/// @title Errors raised by EIP-712 signature checks
interface ISignatureUtilsMixinErrors {
    /// @notice The signature does not verify for the expected signer (EOA or ERC-1271 contract).
    error InvalidSignature();
    /// @notice The signature's expiry is in the past.
    error SignatureExpired();
}

/// @title EIP-712 signature helpers of the EigenLayer core contracts
/// @notice Every contract that checks signatures uses the EIP-712 domain
///         {name: "EigenLayer", version: "v1", chainId, verifyingContract: the contract itself}.
interface ISignatureUtilsMixin is ISignatureUtilsMixinErrors, ISignatureUtilsMixinTypes {
    /// @notice The EIP-712 domain separator of this contract on the current chain.
    function domainSeparator() external view returns (bytes32);
}
