// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ECDSAStakeRegistry} from "../../src/core/ECDSAStakeRegistry.sol";
import {EpochManager} from "../../src/core/EpochManager.sol";
import {EpochMath} from "../../src/core/EpochMath.sol";
import {ServiceManagerBase} from "../../src/core/ServiceManagerBase.sol";
import {IDelegationManager} from "../../src/eigenlayer/interfaces/IDelegationManager.sol";

/// @notice ECDSAStakeRegistry plus the per-operator check the StateDisputeResolver calls for additional signers,
///         with the semantics StakeRegistryVerifier.isValidOperatorSignature is to have. A test stand-in until the
///         registry has it: then delete this file and StateDisputeResolverFixture._withOperatorSignatureCheck.
contract OperatorSignatureStakeRegistry is ECDSAStakeRegistry {
    constructor(
        IDelegationManager delegationManager_,
        EpochManager epochManager_,
        ServiceManagerBase serviceManager_,
        address owner_,
        StrategyParams[] memory quorum_,
        uint16 thresholdBps_,
        uint256 minimumWeight_,
        uint32 maxProofAgeEpochs_
    )
        ECDSAStakeRegistry(
            delegationManager_,
            epochManager_,
            serviceManager_,
            owner_,
            quorum_,
            thresholdBps_,
            minimumWeight_,
            maxProofAgeEpochs_
        )
    {}

    /// @notice True iff `referenceEpoch` is admissible now (not after the current epoch, at most MAX_PROOF_AGE_EPOCHS
    ///         before it), `operator` has a signing key at `referenceEpoch` and `signature` is a 65-byte r‖s‖v (v 27/28,
    ///         low s) ECDSA signature of `digest` by that key.
    function isValidOperatorSignature(address operator, bytes32 digest, bytes calldata signature, uint32 referenceEpoch)
        external
        view
        returns (bool)
    {
        (bool started, uint32 current) = EpochMath.tryEpochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
        if (!started || referenceEpoch > current || current - referenceEpoch > MAX_PROOF_AGE_EPOCHS) return false;
        (address signingKey,) = _operatorAt(operator, referenceEpoch);
        if (signingKey == address(0) || signature.length != 65) return false;
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        return error == ECDSA.RecoverError.NoError && recovered == signingKey;
    }
}
