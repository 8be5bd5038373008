// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../signatures/BN254.sol";

/// @title IBLSApkRegistry
/// @notice Types, errors and events of BLSApkRegistry (BN254 keys with proof of possession, per-quorum weights and
///         aggregate keys checkpointed per effective epoch).
interface IBLSApkRegistry {
    /// @notice A quorum's state from `epoch` on (until its next checkpoint).
    /// @param epoch Effective epoch.
    /// @param thresholdBps Signed weight needed, basis points of `totalWeight` (> 0 once the quorum exists).
    /// @param totalWeight Sum of the members' weights.
    /// @param apk Sum of the members' G1 keys ((0, 0) when there is none).
    struct QuorumCheckpoint {
        uint32 epoch;
        uint16 thresholdBps;
        uint96 totalWeight;
        BN254.G1Point apk;
    }

    /// @notice `operator` already registered a BLS key (keys cannot be replaced).
    error OperatorAlreadyHasKey(address operator);
    /// @notice The key whose hash is `keyHash` is already registered, by `owner`.
    error KeyAlreadyRegistered(bytes32 keyHash, address owner);
    /// @notice The G1 key is the point at infinity.
    error ZeroKey();
    /// @notice The proof of possession does not verify (wrong signer, operator, chain or registry, or G1/G2 halves
    ///         that do not match).
    error InvalidProofOfPossession();
    /// @notice `operator` has no BLS key.
    error OperatorHasNoKey(address operator);
    /// @notice `quorum` already exists.
    error QuorumExists(uint8 quorum);
    /// @notice `quorum` does not exist.
    error QuorumDoesNotExist(uint8 quorum);
    /// @notice A threshold of `thresholdBps` basis points is 0 or above 10000.
    error InvalidThreshold(uint16 thresholdBps);
    /// @notice The quorum's total weight would not fit in 96 bits.
    error TotalWeightOverflow(uint8 quorum);

    /// @notice `operator` registered the BLS key `keyG1`/`keyG2`, whose hash (operator id) is `keyHash`.
    event BLSKeyRegistered(address indexed operator, bytes32 indexed keyHash, BN254.G1Point keyG1, BN254.G2Point keyG2);
    /// @notice `quorum` was created with a threshold of `thresholdBps`, from `effectiveEpoch` on.
    event QuorumCreated(uint8 indexed quorum, uint16 thresholdBps, uint32 effectiveEpoch);
    /// @notice `quorum`'s threshold is `thresholdBps` from `effectiveEpoch` on.
    event QuorumThresholdSet(uint8 indexed quorum, uint16 thresholdBps, uint32 effectiveEpoch);
    /// @notice `operator`'s weight in `quorum` is `weight` from `effectiveEpoch` on (0: not a member).
    event OperatorWeightUpdated(
        uint8 indexed quorum, address indexed operator, bytes32 indexed keyHash, uint256 weight, uint32 effectiveEpoch
    );
    /// @notice `quorum`'s aggregate key is `apk` and its total weight `totalWeight` from `effectiveEpoch` on.
    event QuorumApkUpdated(uint8 indexed quorum, BN254.G1Point apk, uint256 totalWeight, uint32 effectiveEpoch);
}
