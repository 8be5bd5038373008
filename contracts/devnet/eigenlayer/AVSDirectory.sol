// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAVSDirectory} from "../../src/eigenlayer/IAVSDirectory.sol";
import {IDelegationManager} from "../../src/eigenlayer/IDelegationManager.sol";
import {ISignatureUtilsMixin} from "../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @title AVSDirectory: the legacy (M2) registry of operators registered to AVSs
/// @notice An AVS calls `registerOperatorToAVS` with the operator's EIP-712 signature. The domain is
///         {name "EigenLayer", version "v1", chainId, verifyingContract = this contract}; the signed struct is
///         OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry). Each salt works once
///         per operator. Signatures from contracts are checked with ERC-1271.
contract AVSDirectory is IAVSDirectory, EIP712 {
    /// @inheritdoc IAVSDirectory
    bytes32 public constant OPERATOR_AVS_REGISTRATION_TYPEHASH =
        keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)");

    /// @notice The DelegationManager, which says who is an operator.
    IDelegationManager public immutable delegation;

    /// @inheritdoc IAVSDirectory
    mapping(address avs => mapping(address operator => OperatorAVSRegistrationStatus)) public avsOperatorStatus;

    /// @inheritdoc IAVSDirectory
    mapping(address operator => mapping(bytes32 salt => bool)) public operatorSaltIsSpent;

    /// @param _delegation The DelegationManager.
    constructor(IDelegationManager _delegation) EIP712("EigenLayer", "v1") {
        if (address(_delegation) == address(0)) revert InvalidAddressZero();
        delegation = _delegation;
    }

    /// @inheritdoc IAVSDirectory
    /// @dev Reverts SignatureExpired, OperatorAlreadyRegisteredToAVS, SaltSpent,
    ///      OperatorNotRegisteredToEigenLayer or InvalidSignature, checked in that order.
    function registerOperatorToAVS(
        address operator,
        ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature
    ) external {
        if (operatorSignature.expiry < block.timestamp) revert SignatureExpired();
        if (avsOperatorStatus[msg.sender][operator] == OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorAlreadyRegisteredToAVS();
        }
        if (operatorSaltIsSpent[operator][operatorSignature.salt]) revert SaltSpent();
        if (!delegation.isOperator(operator)) revert OperatorNotRegisteredToEigenLayer();

        // Effects before the (possibly ERC-1271) signature check; a failed check reverts them.
        operatorSaltIsSpent[operator][operatorSignature.salt] = true;
        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.REGISTERED;

        bytes32 digest = calculateOperatorAVSRegistrationDigestHash(
            operator, msg.sender, operatorSignature.salt, operatorSignature.expiry
        );
        if (!SignatureChecker.isValidSignatureNow(operator, digest, operatorSignature.signature)) {
            revert InvalidSignature();
        }
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.REGISTERED);
    }

    /// @inheritdoc IAVSDirectory
    function deregisterOperatorFromAVS(address operator) external {
        if (avsOperatorStatus[msg.sender][operator] != OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorNotRegisteredToAVS();
        }
        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.UNREGISTERED;
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.UNREGISTERED);
    }

    /// @inheritdoc IAVSDirectory
    function updateAVSMetadataURI(string calldata metadataURI) external {
        emit AVSMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @inheritdoc IAVSDirectory
    function cancelSalt(bytes32 salt) external {
        operatorSaltIsSpent[msg.sender][salt] = true;
    }

    /// @inheritdoc IAVSDirectory
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(OPERATOR_AVS_REGISTRATION_TYPEHASH, operator, avs, salt, expiry)));
    }

    /// @inheritdoc ISignatureUtilsMixin
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
