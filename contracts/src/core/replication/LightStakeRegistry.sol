// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {OperatorCheckpoints} from "../registry/OperatorCheckpoints.sol";
import {OperatorHistoryRegistry} from "../registry/OperatorHistoryRegistry.sol";
import {ECDSAKeyScheme} from "../signatures/ECDSAKeyScheme.sol";
import {StakeRegistryVerifier} from "../signatures/StakeRegistryVerifier.sol";

/// @title LightStakeRegistry
/// @notice The replica of the main chain's ECDSAStakeRegistry on a remote chain (decision replication-0001). It holds
///         the complete operator sets the main chain sent, one per epoch received, and checks proofs with the same
///         {StakeRegistryVerifier} and {ECDSAKeyScheme} as the main registry (same GENESIS, EPOCH_LENGTH and
///         MAX_PROOF_AGE_EPOCHS), so a proof verifies here exactly when it verifies on the main chain, for every
///         epoch this registry received.
///
///         {processEpochUpdate} (the RegistryStateReceiver only) REPLACES the set from the epoch it names on:
///         operators missing from the new set lose their key and weight from that epoch on; new and changed operators
///         get a checkpoint; unchanged ones cost nothing but a read. Epochs must arrive in increasing order.
///
///         Safety rule: only an epoch that was received has a set. The threshold weight of any other epoch — one
///         after the latest received, or one skipped between two received epochs — is zero, so every proof whose
///         reference epoch is such an epoch fails with {ZeroThreshold}. A proof is thus never checked against a set
///         the main chain did not have at its epoch (carrying an older set forward would accept departed operators).
///         The per-epoch views return zero for such epochs too.
/// @dev Storage: per operator an {OperatorCheckpoints.History} written only on changes (a lookup at a received epoch
///      finds the latest checkpoint at or before it, which is the operator's state in that epoch's set, because
///      every update is diffed against the previous received set); per received epoch its threshold weight (the one
///      slot a proof reads) and total weight; the latest set's operator list as the code of a data contract (one
///      EXTCODECOPY to read, written only when membership changes) and a hash of the latest set, so an unchanged set
///      costs no per-operator work at all. Not upgradeable.
contract LightStakeRegistry is OperatorHistoryRegistry, ECDSAKeyScheme, Ownable {
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @notice What was received for one epoch.
    /// @param thresholdWeight The signed weight a proof at this epoch needs (weight units).
    /// @param totalWeight The main registry's total weight of the epoch (≥ Σ weights of the set; weight units).
    /// @param received Whether the epoch's set was received.
    struct EpochTotals {
        uint256 thresholdWeight;
        uint248 totalWeight;
        bool received;
    }

    /// @notice Most operators one set may hold: the operator list is kept as contract code (≤ 24,576 bytes,
    ///         EIP-170) of one leading STOP byte and 20 bytes per operator: floor(24,575 / 20).
    uint256 public constant MAX_OPERATORS = 1228;

    /// @dev Init code that deploys the bytes following it as runtime code:
    ///      PUSH2 size, DUP1, PUSH1 0x0a (init code length), PUSH0, CODECOPY, PUSH0, RETURN (80 bits; `size` is OR-ed
    ///      into bits 56-71).
    uint256 private constant _LIST_INIT_CODE = 0x6100008060_0a5f395ff3;
    uint256 private constant _LIST_INIT_CODE_LENGTH = 10;

    /// @notice The only caller of {processEpochUpdate} (set once by the owner).
    address public stateReceiver;

    /// @dev The data contract holding the latest set's operators (zero: no operators).
    address private _operatorList;
    /// @notice The latest epoch received (meaningful when {epochCount} > 0).
    uint32 public latestEpoch;
    /// @notice Number of epochs received.
    uint32 public epochCount;
    /// @dev {_hashSet} of the latest set.
    bytes32 private _operatorSetHash;
    /// @dev epoch => what was received for it (all zero when not received).
    mapping(uint32 epoch => EpochTotals) private _epochTotals;

    /// @notice The epoch length is zero.
    error ZeroEpochLength();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The state receiver may be set only once.
    error StateReceiverAlreadySet(address stateReceiver);
    /// @notice `caller` is not the state receiver.
    error OnlyStateReceiver(address caller);
    /// @notice `epoch` is not after the latest epoch received, `latestEpoch`.
    error StaleEpoch(uint32 epoch, uint32 latestEpoch);
    /// @notice The operators, signingKeys and weights arrays differ in length.
    error ArrayLengthMismatch(uint256 operators, uint256 signingKeys, uint256 weights);
    /// @notice The set has `count` operators, more than {MAX_OPERATORS}.
    error TooManyOperators(uint256 count);
    /// @notice Operators are not strictly ascending by address.
    error OperatorsNotAscending();
    /// @notice `operator` has a zero signing key.
    error ZeroSigningKey(address operator);
    /// @notice The weights sum to `sum`, above the total weight `totalWeight`.
    error TotalWeightMismatch(uint256 sum, uint256 totalWeight);
    /// @notice The threshold weight `thresholdWeight` is above the total weight `totalWeight`.
    error ThresholdAboveTotal(uint256 thresholdWeight, uint256 totalWeight);
    /// @notice Writing the operator list's data contract failed.
    error OperatorListWriteFailed();

    /// @notice The state receiver was set.
    event StateReceiverSet(address indexed stateReceiver);
    /// @notice The set of `epoch` was received: `operatorCount` operators, `totalWeight` and `thresholdWeight`
    ///         (weight units); `setChanged` is false when operators, keys and weights equal the previous set's.
    event EpochUpdated(
        uint32 indexed epoch, uint256 operatorCount, uint256 totalWeight, uint256 thresholdWeight, bool setChanged
    );
    /// @notice From `epoch` on, `operator` is in the set with `signingKey` and `weight` (new or changed).
    event OperatorUpdated(address indexed operator, uint32 indexed epoch, address signingKey, uint256 weight);
    /// @notice From `epoch` on, `operator` is no longer in the set.
    event OperatorRemoved(address indexed operator, uint32 indexed epoch);

    /// @param genesis Start of epoch 0, unix seconds (the main chain EpochManager's GENESIS).
    /// @param epochLength Epoch length, seconds (the main chain's EPOCH_LENGTH; > 0).
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be (the main
    ///        registry's MAX_PROOF_AGE_EPOCHS).
    /// @param owner_ Sets the state receiver.
    constructor(uint64 genesis, uint64 epochLength, uint32 maxProofAgeEpochs, address owner_)
        StakeRegistryVerifier(genesis, epochLength, maxProofAgeEpochs)
        Ownable(owner_)
    {
        if (epochLength == 0) revert ZeroEpochLength();
    }

    /// @notice Sets the RegistryStateReceiver, the only caller of {processEpochUpdate}. Owner only, once.
    /// @param receiver The receiver on this chain.
    function setStateReceiver(address receiver) external onlyOwner {
        if (receiver == address(0)) revert ZeroAddress();
        if (stateReceiver != address(0)) revert StateReceiverAlreadySet(stateReceiver);
        stateReceiver = receiver;
        emit StateReceiverSet(receiver);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Replication
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Replaces the operator set from `epoch` on with the main chain's complete set of `epoch`
    ///         (RegistryStateMessage layout: the arguments are the message's fields). State receiver only.
    /// @dev Reverts with {StaleEpoch} unless `epoch` is after {latestEpoch} (the receiver drops such messages before
    ///      calling), and on a set the main registry cannot produce: unequal lengths, operators not strictly
    ///      ascending, a zero signing key, weights not summing to the total, threshold above total, a weight with
    ///      more than 58 significant bits (OperatorCheckpoints.WeightNotRepresentable), more than {MAX_OPERATORS}.
    /// @param epoch The effective epoch of the set.
    /// @param operators Every operator registered at `epoch` on the main chain, strictly ascending.
    /// @param signingKeys Their signing keys at `epoch` (non-zero).
    /// @param weights Their weights at `epoch` (weight units).
    /// @param totalWeight The main registry's total weight at `epoch` (≥ Σ weights; weight units).
    /// @param thresholdWeight The signed weight a proof at `epoch` needs (weight units).
    function processEpochUpdate(
        uint32 epoch,
        address[] calldata operators,
        address[] calldata signingKeys,
        uint256[] calldata weights,
        uint256 totalWeight,
        uint256 thresholdWeight
    ) external {
        if (msg.sender != stateReceiver) revert OnlyStateReceiver(msg.sender);
        uint32 count = epochCount;
        if (count != 0 && epoch <= latestEpoch) revert StaleEpoch(epoch, latestEpoch);
        _checkSet(operators, signingKeys, weights, totalWeight, thresholdWeight);

        bytes32 setHash = _hashSet(operators, signingKeys, weights);
        bool setChanged = setHash != _operatorSetHash;
        if (setChanged) {
            _operatorSetHash = setHash;
            _replaceSet(epoch, operators, signingKeys, weights);
        }
        // casting to 'uint248' is safe because _checkSet made the total the sum of at most MAX_OPERATORS weights
        // of at most OperatorCheckpoints.MAX_WEIGHT (< 2^122 each): below 2^133
        // forge-lint: disable-next-line(unsafe-typecast)
        uint248 total248 = uint248(totalWeight);
        _epochTotals[epoch] = EpochTotals({thresholdWeight: thresholdWeight, totalWeight: total248, received: true});
        latestEpoch = epoch;
        unchecked {
            epochCount = count + 1; // one per epoch: at most 2^32 - 1 epochs
        }
        emit EpochUpdated(epoch, operators.length, totalWeight, thresholdWeight, setChanged);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views (mirroring ECDSAStakeRegistry)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Whether the set of `epoch` was received (only such epochs verify proofs).
    function isEpochReceived(uint32 epoch) external view returns (bool) {
        return _epochTotals[epoch].received;
    }

    /// @notice Whether {processEpochUpdate} would take `epoch` now (nothing received yet, or after {latestEpoch}).
    function acceptsEpoch(uint32 epoch) external view returns (bool) {
        return epochCount == 0 || epoch > latestEpoch;
    }

    /// @notice Whether `operator` is in the set of `epoch` (false for an epoch not received).
    function isOperatorRegisteredAtEpoch(address operator, uint32 epoch) external view returns (bool) {
        (address signingKey,) = _receivedOperatorAt(operator, epoch);
        return signingKey != address(0);
    }

    /// @notice `operator`'s signing key at `epoch` (zero when not in the set or the epoch was not received).
    function getOperatorSigningKeyAtEpoch(address operator, uint32 epoch) external view returns (address) {
        (address signingKey,) = _receivedOperatorAt(operator, epoch);
        return signingKey;
    }

    /// @notice `operator`'s weight at `epoch` (weight units; zero when not in the set or the epoch was not received).
    function getOperatorWeightAtEpoch(address operator, uint32 epoch) external view returns (uint256) {
        (, uint256 weight) = _receivedOperatorAt(operator, epoch);
        return weight;
    }

    /// @notice Total weight of the set of `epoch` (weight units; zero for an epoch not received).
    function getTotalWeightAtEpoch(uint32 epoch) external view returns (uint256) {
        return _epochTotals[epoch].totalWeight;
    }

    /// @notice The signed weight a proof at `epoch` needs (weight units); zero — no proof valid — for an epoch not
    ///         received.
    function getThresholdWeightAtEpoch(uint32 epoch) external view returns (uint256) {
        return _epochTotals[epoch].thresholdWeight;
    }

    /// @notice Operators of the latest set, strictly ascending.
    function getOperators() external view returns (address[] memory) {
        return _readList(_operatorList);
    }

    /// @notice Number of operators in the latest set.
    function getOperatorCount() external view returns (uint256) {
        address list = _operatorList;
        return list == address(0) ? 0 : (list.code.length - 1) / 20;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc StakeRegistryVerifier
    function _thresholdWeightAt(uint32 epoch) internal view override returns (uint256) {
        return _epochTotals[epoch].thresholdWeight;
    }

    function _receivedOperatorAt(address operator, uint32 epoch) private view returns (address, uint256) {
        if (!_epochTotals[epoch].received) return (address(0), 0);
        return _operatorHistory[operator].lookup(epoch);
    }

    /// @dev Checks the set is one the main registry can produce (see {processEpochUpdate}); weights' representability
    ///      is checked by OperatorCheckpoints.push when they are written.
    function _checkSet(
        address[] calldata operators,
        address[] calldata signingKeys,
        uint256[] calldata weights,
        uint256 totalWeight,
        uint256 thresholdWeight
    ) private pure {
        uint256 n = operators.length;
        if (signingKeys.length != n || weights.length != n) {
            revert ArrayLengthMismatch(n, signingKeys.length, weights.length);
        }
        if (n > MAX_OPERATORS) revert TooManyOperators(n);
        uint256 sum;
        address previous;
        for (uint256 i; i < n; ++i) {
            address operator = operators[i];
            if (i != 0 && operator <= previous) revert OperatorsNotAscending();
            previous = operator;
            if (signingKeys[i] == address(0)) revert ZeroSigningKey(operator);
            uint256 weight = weights[i];
            // A weight above MAX_WEIGHT is rejected here already, so the sum below cannot overflow.
            if (weight > OperatorCheckpoints.MAX_WEIGHT) revert OperatorCheckpoints.WeightNotRepresentable(weight);
            unchecked {
                sum += weight;
            }
        }
        // The main registry sends each weight lowered to what the operator can be slashed for when sent, and the
        // checkpointed total: the sum may be below the total, never above it.
        if (sum > totalWeight) revert TotalWeightMismatch(sum, totalWeight);
        if (thresholdWeight > totalWeight) revert ThresholdAboveTotal(thresholdWeight, totalWeight);
    }

    /// @dev keccak256 of the three arrays' elements back to back (operators ‖ signingKeys ‖ weights, 32 bytes each),
    ///      copied straight from calldata. Equal lengths are checked before; the split of 3n words is then unambiguous.
    function _hashSet(address[] calldata operators, address[] calldata signingKeys, uint256[] calldata weights)
        private
        pure
        returns (bytes32 h)
    {
        assembly ("memory-safe") {
            let size := shl(5, operators.length)
            let p := mload(0x40) // scratch in free memory, not reserved
            calldatacopy(p, operators.offset, size)
            calldatacopy(add(p, size), signingKeys.offset, size)
            calldatacopy(add(p, shl(1, size)), weights.offset, size)
            h := keccak256(p, mul(3, size))
        }
    }

    /// @dev Diffs the new set against the latest one (both ascending) and checkpoints only the differences at `epoch`.
    function _replaceSet(
        uint32 epoch,
        address[] calldata operators,
        address[] calldata signingKeys,
        uint256[] calldata weights
    ) private {
        address[] memory old = _readList(_operatorList);
        uint256 n = operators.length;
        uint256 i; // into old
        uint256 j; // into the new set
        bool membershipChanged = old.length != n;
        while (i < old.length || j < n) {
            if (j == n || (i < old.length && old[i] < operators[j])) {
                // In the latest set, not in the new one: removed from `epoch` on.
                _operatorHistory[old[i]].push(epoch, address(0), 0);
                emit OperatorRemoved(old[i], epoch);
                membershipChanged = true;
                ++i;
            } else {
                bool wasMember = i < old.length && old[i] == operators[j];
                if (wasMember) ++i;
                else membershipChanged = true;
                _putOperator(epoch, operators[j], signingKeys[j], weights[j], wasMember);
                ++j;
            }
        }
        if (membershipChanged) _operatorList = _writeList(operators);
    }

    /// @dev Checkpoints `operator` with `signingKey` and `weight` from `epoch` on, unless it was in the latest set
    ///      with the same key and weight.
    function _putOperator(uint32 epoch, address operator, address signingKey, uint256 weight, bool wasMember) private {
        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        if (wasMember) {
            (address latestKey, uint256 latestWeight) = history.latest();
            if (latestKey == signingKey && latestWeight == weight) return;
        }
        history.push(epoch, signingKey, weight);
        emit OperatorUpdated(operator, epoch, signingKey, weight);
    }

    /// @dev Deploys a data contract whose code is a STOP byte (so calling it does nothing) followed by the operators'
    ///      20-byte addresses; zero for an empty list.
    function _writeList(address[] calldata operators) private returns (address list) {
        uint256 n = operators.length;
        if (n == 0) return address(0);
        uint256 size = 1 + 20 * n; // runtime code; <= 24,561 by MAX_OPERATORS
        bool failed;
        assembly ("memory-safe") {
            // Built in free memory (not reserved: only read by CREATE): init code in the first 10 bytes, then code.
            let p := mload(0x40)
            mstore(p, shl(176, or(_LIST_INIT_CODE, shl(56, size))))
            let code := add(p, _LIST_INIT_CODE_LENGTH)
            mstore8(code, 0x00)
            let dst := add(code, 1)
            let src := operators.offset
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                // Each store writes 32 bytes; the next address overwrites the 12-byte tail.
                mstore(add(dst, mul(k, 20)), shl(96, calldataload(add(src, shl(5, k)))))
            }
            list := create(0, p, add(_LIST_INIT_CODE_LENGTH, size))
            failed := iszero(list)
        }
        if (failed) revert OperatorListWriteFailed();
    }

    /// @dev The addresses held by data contract `list` (empty for zero).
    function _readList(address list) private view returns (address[] memory operators) {
        if (list == address(0)) return operators;
        uint256 n = (list.code.length - 1) / 20;
        operators = new address[](n);
        assembly ("memory-safe") {
            // Copy the packed addresses past the array (free memory), then spread them into its words.
            let buffer := mload(0x40)
            extcodecopy(list, buffer, 1, mul(n, 20))
            let dst := add(operators, 0x20)
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                mstore(add(dst, shl(5, k)), shr(96, mload(add(buffer, mul(k, 20)))))
            }
        }
    }
}
