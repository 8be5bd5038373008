// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice What operators attest: the value `user` held under `key` in the StateManager of chain `chainId` at block
///         `blockNumber` (whose timestamp is `timestamp`, unix seconds), against the registry of epoch `epoch`.
/// @param user Owner of the history in StateManager.
/// @param chainId Chain whose StateManager holds the history.
/// @param blockNumber Block the value is read at.
/// @param timestamp Timestamp of that block, unix seconds.
/// @param key History key.
/// @param value Value at that block; 0 when `exists` is false.
/// @param exists Whether any entry existed at or before the block (absence is attested too).
/// @param epoch Reference epoch of the signers' registry.
struct StateAttestation {
    address user;
    uint256 chainId;
    uint64 blockNumber;
    uint48 timestamp;
    uint256 key;
    uint256 value;
    bool exists;
    uint32 epoch;
}

/// @title StateAttestationLib
/// @notice EIP-712 struct hash and task id of a {StateAttestation} (docs/architecture.md, "State proofs").
///         The digest operators sign is the EIP-712 typed-data hash of {hash} under the domain
///         {name "avs-stack state-proofs", version "1", chainId = main chain, verifyingContract = ServiceManager};
///         see StateProofsServiceManager.attestationDigest.
/// @dev Mirrored by src/services/state-proofs/attestation.ts; both are checked against test/vectors/state-attestation.json.
library StateAttestationLib {
    /// @notice EIP-712 type hash of {StateAttestation}.
    bytes32 internal constant STATE_ATTESTATION_TYPEHASH = keccak256(
        "StateAttestation(address user,uint256 chainId,uint64 blockNumber,uint48 timestamp,uint256 key,uint256 value,bool exists,uint32 epoch)"
    );

    /// @notice The EIP-712 struct hash of `a`.
    function hash(StateAttestation memory a) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                STATE_ATTESTATION_TYPEHASH, a.user, a.chainId, a.blockNumber, a.timestamp, a.key, a.value, a.exists, a.epoch
            )
        );
    }

    /// @notice The task id of `a`, also the challenge id of a dispute about it: what is asked, without the answer
    ///         or the epoch.
    /// @return keccak256(abi.encodePacked(address user, uint256 chainId, uint64 blockNumber, uint48 timestamp, uint256 key)).
    function taskId(StateAttestation memory a) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(a.user, a.chainId, a.blockNumber, a.timestamp, a.key));
    }
}
