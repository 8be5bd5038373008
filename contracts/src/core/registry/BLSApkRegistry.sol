// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EpochManager} from "../epochs/EpochManager.sol";
import {EpochMath} from "../epochs/EpochMath.sol";
import {BLSSignatureChecker} from "../signatures/BLSSignatureChecker.sol";
import {BN254} from "../signatures/BN254.sol";
import {IBLSApkRegistry} from "./IBLSApkRegistry.sol";

/// @title BLSApkRegistry
/// @notice BN254 BLS keys of operators and, per quorum (uint8), each member's weight, the total weight, the threshold
///         and the aggregate G1 key, checkpointed per effective epoch with the epoch rules of the ECDSA registry: a
///         change made at time t takes effect at EpochMath.effectiveEpochAt(t) (the next epoch, or the one after in the
///         grace period), so a proof at reference epoch E is checked against the state of E ({BLSSignatureChecker}).
///
///         Keys: an operator registers one key, G1 and G2 halves, with a proof of possession: the BLS signature by the
///         key of {popMessageHash}, which binds the operator, the chain id, this registry and the key. One pairing
///         checks the signature and that both halves hold the same secret. A key belongs to its first operator
///         forever (key hash → operator), and an operator's key cannot be replaced.
/// @dev Abstract: where weights come from is the deploying registry's concern; it calls {_updateOperatorWeight} when an
///      operator's weight in a quorum changes (0 removes it from the quorum).
abstract contract BLSApkRegistry is IBLSApkRegistry, BLSSignatureChecker, Ownable {
    using Checkpoints for Checkpoints.Trace224;

    /// @dev A quorum's checkpoints: the latest at a fixed place, so that a check at or after its epoch (the usual case)
    ///      reads three slots and no length; the older ones, oldest first, in `past[0 .. count - 2]`.
    struct QuorumHistory {
        QuorumCheckpoint head;
        uint256 count;
        mapping(uint256 index => QuorumCheckpoint) past;
    }

    /// @notice keccak256 of the proof-of-possession type string (the domain tag of {popMessageHash}).
    bytes32 public constant POP_TYPEHASH = keccak256(
        "avs-stack.BN254.ProofOfPossession(address operator,uint256 chainId,address registry,uint256 pkX,uint256 pkY)"
    );

    /// @notice Grace period, seconds (copied from the EpochManager).
    uint64 public immutable GRACE_PERIOD;

    /// @notice The operator that registered the key whose hash is `keyHash` (zero: none).
    mapping(bytes32 keyHash => address operator) public keyHashOperator;
    /// @notice The hash of `operator`'s key (zero: none).
    mapping(address operator => bytes32 keyHash) public operatorKeyHash;
    /// @dev operator => its G1 key.
    mapping(address operator => BN254.G1Point) internal _operatorKey;
    /// @dev quorum => its checkpoints (count 0: the quorum does not exist).
    mapping(uint8 quorum => QuorumHistory) internal _quorumHistory;
    /// @dev quorum => key hash => effective epoch => weight (0: not a member).
    mapping(uint8 quorum => mapping(bytes32 keyHash => Checkpoints.Trace224)) internal _weightHistory;

    /// @param epochManager The epoch clock (its genesis, length and grace period are copied).
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be.
    /// @param owner_ Creates quorums and sets their thresholds.
    constructor(EpochManager epochManager, uint32 maxProofAgeEpochs, address owner_)
        BLSSignatureChecker(epochManager.GENESIS(), epochManager.EPOCH_LENGTH(), maxProofAgeEpochs)
        Ownable(owner_)
    {
        GRACE_PERIOD = epochManager.GRACE_PERIOD();
    }

    /// @notice Registers the caller's BLS key. `keyG1` and `keyG2` must hold the same secret and `proof` must be that
    ///         key's signature of {popMessageHash}(caller, keyG1); the key must be new to this registry.
    /// @dev Reverts with {OperatorAlreadyHasKey}, {ZeroKey}, {KeyAlreadyRegistered} or {InvalidProofOfPossession}.
    /// @param keyG1 The G1 key (sk·G1).
    /// @param keyG2 The G2 key (sk·G2).
    /// @param proof sk·H(popMessageHash(caller, keyG1)).
    function registerBLSKey(BN254.G1Point calldata keyG1, BN254.G2Point calldata keyG2, BN254.G1Point calldata proof)
        external
    {
        address operator = msg.sender;
        if (operatorKeyHash[operator] != bytes32(0)) revert OperatorAlreadyHasKey(operator);
        if (keyG1.X == 0 && keyG1.Y == 0) revert ZeroKey();
        BN254.G1Point memory key = keyG1;
        bytes32 keyHash = BN254.hashG1(key);
        address owner_ = keyHashOperator[keyHash];
        if (owner_ != address(0)) revert KeyAlreadyRegistered(keyHash, owner_);
        if (!BN254.verifyBLS(popMessageHash(operator, key), key, keyG2, proof)) revert InvalidProofOfPossession();
        keyHashOperator[keyHash] = operator;
        operatorKeyHash[operator] = keyHash;
        _operatorKey[operator] = key;
        emit BLSKeyRegistered(operator, keyHash, key, keyG2);
    }

    /// @notice Creates `quorum` with a threshold of `thresholdBps`; it exists (empty) from the next effective epoch on.
    ///         Owner only.
    /// @dev Reverts with {QuorumExists} or {InvalidThreshold} (0 or above 10000).
    /// @param quorum The quorum number.
    /// @param thresholdBps Signed weight needed, basis points of the total (1 .. 10000).
    function createQuorum(uint8 quorum, uint16 thresholdBps) external virtual onlyOwner {
        _createQuorum(quorum, thresholdBps);
    }

    /// @dev Creates `quorum` (see {createQuorum}); for registries whose quorums carry more configuration.
    function _createQuorum(uint8 quorum, uint16 thresholdBps) internal {
        QuorumHistory storage history = _quorumHistory[quorum];
        if (history.count != 0) revert QuorumExists(quorum);
        _checkThreshold(thresholdBps);
        uint32 effective = _effectiveEpoch();
        history.head =
            QuorumCheckpoint({epoch: effective, thresholdBps: thresholdBps, totalWeight: 0, apk: BN254.G1Point(0, 0)});
        history.count = 1;
        emit QuorumCreated(quorum, thresholdBps, effective);
    }

    /// @notice Sets `quorum`'s threshold from the next effective epoch on. Owner only.
    /// @dev Reverts with {QuorumDoesNotExist} or {InvalidThreshold}.
    /// @param quorum The quorum number.
    /// @param thresholdBps Signed weight needed, basis points of the total (1 .. 10000).
    function setQuorumThreshold(uint8 quorum, uint16 thresholdBps) external onlyOwner {
        _checkThreshold(thresholdBps);
        QuorumCheckpoint memory next = _latestQuorum(quorum);
        uint32 effective = _effectiveEpoch();
        next.thresholdBps = thresholdBps;
        _pushQuorum(quorum, next, effective);
        emit QuorumThresholdSet(quorum, thresholdBps, effective);
    }

    /// @notice The message an operator's proof of possession signs: keccak256(abi.encode(POP_TYPEHASH, operator,
    ///         block.chainid, this registry, key.X, key.Y)).
    /// @param operator The registering operator.
    /// @param key Its G1 key.
    function popMessageHash(address operator, BN254.G1Point memory key) public view returns (bytes32) {
        return keccak256(abi.encode(POP_TYPEHASH, operator, block.chainid, address(this), key.X, key.Y));
    }

    /// @notice `operator`'s G1 key ((0, 0): none).
    /// @param operator The operator.
    function getOperatorKey(address operator) external view returns (BN254.G1Point memory) {
        return _operatorKey[operator];
    }

    /// @notice `quorum`'s state at `epoch` (the latest checkpoint at or before it; all zero when there is none).
    /// @param quorum The quorum number.
    /// @param epoch An effective epoch.
    function getQuorumAt(uint8 quorum, uint32 epoch) external view returns (QuorumCheckpoint memory checkpoint) {
        (bool found, QuorumCheckpoint storage at) = _quorumCheckpointAt(quorum, epoch);
        if (found) checkpoint = at;
    }

    /// @notice `quorum`'s latest state (pending changes included).
    /// @dev Reverts with {QuorumDoesNotExist}.
    /// @param quorum The quorum number.
    function getLatestQuorum(uint8 quorum) external view returns (QuorumCheckpoint memory) {
        return _latestQuorum(quorum);
    }

    /// @notice `operator`'s weight in `quorum` at `epoch` (0: not a member then).
    /// @param quorum The quorum number.
    /// @param operator The operator.
    /// @param epoch An effective epoch.
    function getOperatorWeightAt(uint8 quorum, address operator, uint32 epoch) external view returns (uint256) {
        return _keyWeightAt(quorum, operatorKeyHash[operator], epoch);
    }

    /// @notice `operator`'s latest weight in `quorum` (pending changes included).
    /// @param quorum The quorum number.
    /// @param operator The operator.
    function getLatestOperatorWeight(uint8 quorum, address operator) external view returns (uint256) {
        return _weightHistory[quorum][operatorKeyHash[operator]].latest();
    }

    /// @notice The epoch at which a change made now takes effect.
    function effectiveEpoch() external view returns (uint32) {
        return _effectiveEpoch();
    }

    /// @dev Sets `operator`'s weight in `quorum` from the next effective epoch on, adding its key to the quorum's
    ///      aggregate key when it joins (0 → positive) and removing it when it leaves (positive → 0).
    ///      Reverts with {QuorumDoesNotExist}, {OperatorHasNoKey} or {TotalWeightOverflow}.
    function _updateOperatorWeight(uint8 quorum, address operator, uint96 weight) internal {
        QuorumCheckpoint memory next = _latestQuorum(quorum);
        bytes32 keyHash = operatorKeyHash[operator];
        if (keyHash == bytes32(0)) revert OperatorHasNoKey(operator);
        Checkpoints.Trace224 storage history = _weightHistory[quorum][keyHash];
        uint256 previous = history.latest();
        if (previous == weight) return;
        uint32 effective = _effectiveEpoch();
        if (previous == 0 || weight == 0) {
            BN254.G1Point memory key = _operatorKey[operator];
            (bool ok, BN254.G1Point memory apk) = BN254.add(next.apk, weight == 0 ? BN254.negate(key) : key);
            // Registered keys passed the pairing precompile, so they are valid points.
            assert(ok);
            next.apk = apk;
        }
        uint256 total = uint256(next.totalWeight) - previous + weight;
        if (total > type(uint96).max) revert TotalWeightOverflow(quorum);
        // forge-lint: disable-next-line(unsafe-typecast)
        next.totalWeight = uint96(total);
        history.push(effective, weight);
        _pushQuorum(quorum, next, effective);
        emit OperatorWeightUpdated(quorum, operator, keyHash, weight, effective);
        emit QuorumApkUpdated(quorum, next.apk, total, effective);
    }

    /// @inheritdoc BLSSignatureChecker
    function _quorumAt(uint8 quorum, uint32 epoch)
        internal
        view
        override
        returns (uint16 thresholdBps, uint256 totalWeight, BN254.G1Point memory apk)
    {
        (bool found, QuorumCheckpoint storage checkpoint) = _quorumCheckpointAt(quorum, epoch);
        if (!found) return (0, 0, apk);
        return (checkpoint.thresholdBps, checkpoint.totalWeight, checkpoint.apk);
    }

    /// @inheritdoc BLSSignatureChecker
    function _keyWeightAt(uint8 quorum, bytes32 keyHash, uint32 epoch) internal view override returns (uint256) {
        return _weightHistory[quorum][keyHash].upperLookupRecent(epoch);
    }

    /// @dev `quorum`'s latest checkpoint at or before `epoch`: the head first (the usual case, and a quorum that does not
    ///      exist has a zero head whose zero threshold reads as "not found"), then a binary search of the older ones.
    function _quorumCheckpointAt(uint8 quorum, uint32 epoch)
        private
        view
        returns (bool found, QuorumCheckpoint storage checkpoint)
    {
        QuorumHistory storage history = _quorumHistory[quorum];
        checkpoint = history.head;
        if (checkpoint.epoch <= epoch) return (checkpoint.thresholdBps != 0, checkpoint);
        uint256 low;
        uint256 high = history.count - 1;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (history.past[mid].epoch > epoch) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (false, checkpoint);
        return (true, history.past[low - 1]);
    }

    /// @dev Writes `checkpoint` as `quorum`'s state from `effective` on (overwriting the head when it is at that epoch).
    function _pushQuorum(uint8 quorum, QuorumCheckpoint memory checkpoint, uint32 effective) private {
        QuorumHistory storage history = _quorumHistory[quorum];
        checkpoint.epoch = effective;
        if (history.head.epoch != effective) {
            uint256 count = history.count;
            history.past[count - 1] = history.head;
            history.count = count + 1;
        }
        history.head = checkpoint;
    }

    /// @dev `quorum`'s latest checkpoint, copied. Reverts with {QuorumDoesNotExist}.
    function _latestQuorum(uint8 quorum) private view returns (QuorumCheckpoint memory) {
        QuorumHistory storage history = _quorumHistory[quorum];
        if (history.count == 0) revert QuorumDoesNotExist(quorum);
        return history.head;
    }

    function _checkThreshold(uint16 thresholdBps) private pure {
        if (thresholdBps == 0 || thresholdBps > BPS_DENOMINATOR) revert InvalidThreshold(thresholdBps);
    }

    function _effectiveEpoch() private view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }
}
