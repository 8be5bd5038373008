// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RegistryFixture} from "./RegistryFixture.sol";
import {IECDSAStakeRegistry} from "../../../src/core/registry/IECDSAStakeRegistry.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";
import {IAllocationManagerTypes} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";

/// @notice A proof is worth what its signers can lose: a signature counts for at most the stake the operator set can
///         slash from its signer now, whatever the checkpoints say and whether or not anyone refreshed them.
contract SlashableWeightTest is RegistryFixture {
    Op[] internal ops;

    function setUp() public override {
        super.setUp();
        Op[] memory list = _registerOperators(3); // 100 ether each, effective at epoch 1
        for (uint256 i; i < list.length; ++i) {
            ops.push(list[i]);
        }
        _warpToEpoch(1);
    }

    function _all() internal view returns (Op[] memory list) {
        list = new Op[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            list[i] = ops[i];
        }
    }

    function _threshold() internal pure returns (uint256) {
        return (3 * STAKE * THRESHOLD_BPS + 9999) / 10_000;
    }

    function _slash(address operator, uint256 wad) internal {
        IAllocationManagerTypes.SlashingParams memory p;
        p.operator = operator;
        p.operatorSetId = 0;
        p.strategies = _strategies();
        p.wadsToSlash = new uint256[](1);
        p.wadsToSlash[0] = wad;
        p.description = "test";
        vm.prank(slasher);
        allocationManager.slashOperator(address(serviceManager), p);
    }

    /// @dev The attack: an operator deallocates after joining and keeps signing with its old weight. Its signature
    ///      counts 0 at once (the deallocation is pending, its stake still slashable, but not for long), no publisher.
    function test_isValidSignature_deallocatedOperatorCountsNothingAtOnce() public {
        bytes32 digest = _digest(1);
        bytes memory sigData = _sigData(_all(), digest, 1);
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        _allocateIn(ops[0].addr, strategy, 0);
        _allocateIn(ops[1].addr, strategy, 0);
        assertEq(registry.getOperatorWeightAtEpoch(ops[0].addr, 1), STAKE, "checkpoint untouched");
        assertEq(registry.getSigningWeightAtEpoch(ops[0].addr, 1), 0);
        vm.expectRevert(
            abi.encodeWithSelector(StakeRegistryVerifier.InsufficientSignedWeight.selector, STAKE, _threshold())
        );
        registry.checkSignatures(digest, sigData);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
    }

    function test_isValidSignature_partialDeallocationCountsTheRest() public {
        _allocateIn(ops[0].addr, strategy, FULL_MAGNITUDE / 4);
        assertEq(registry.getSigningWeightAtEpoch(ops[0].addr, 1), STAKE / 4);
        bytes32 digest = _digest(1);
        (uint256 signed,) = registry.checkSignatures(digest, _sigData(_all(), digest, 1));
        assertEq(signed, 2 * STAKE + STAKE / 4);
    }

    /// @dev Withdrawn stake leaves the operator's shares when queued: it stops counting at once.
    function test_isValidSignature_withdrawingOperatorCountsNothingAtOnce() public {
        _withdrawStake(ops[0], STAKE);
        _withdrawStake(ops[1], STAKE);
        bytes32 digest = _digest(1);
        assertEq(registry.isValidSignature(digest, _sigData(_all(), digest, 1)), INVALID);
    }

    /// @dev A slash reaches the weight in the same block; the slasher's freeze zeroes it.
    function test_isValidSignature_slashedOperatorLosesWeightAtOnce() public {
        _slash(ops[0].addr, 0.5e18);
        assertEq(registry.getSigningWeightAtEpoch(ops[0].addr, 1), STAKE / 2);
        vm.prank(slasher);
        registry.freezeOperator(ops[0].addr);
        assertTrue(registry.isFrozen(ops[0].addr));
        assertEq(registry.getSigningWeightAtEpoch(ops[0].addr, 1), 0);
        bytes32 digest = _digest(1);
        // 2 × 100 ether signed, below the 66.67 % of 300 ether checkpointed: the proof no longer verifies.
        vm.expectRevert(
            abi.encodeWithSelector(StakeRegistryVerifier.InsufficientSignedWeight.selector, 2 * STAKE, _threshold())
        );
        registry.checkSignatures(digest, _sigData(_all(), digest, 1));
        assertFalse(registry.operatorRegistered(ops[0].addr), "deregistered");
    }

    function test_freezeOperator_onlyTheOperatorSetsSlasher() public {
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OnlySlasher.selector, address(this)));
        registry.freezeOperator(ops[0].addr);
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OnlySlasher.selector, avsOwner));
        registry.freezeOperator(ops[0].addr);
    }

    function test_register_refusesFrozenOperator() public {
        vm.prank(slasher);
        registry.freezeOperator(ops[0].addr);
        _warpToEpoch(3);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OperatorIsFrozen.selector, ops[0].addr));
        _registerOnly(ops[0], makeAddr("new key"));
    }

    /// @dev Anyone removes an operator whose slashable stake fell below the minimum weight.
    function test_ejectOperator_byAnyoneBelowMinimumWeight() public {
        vm.prank(avsOwner);
        registry.updateMinimumWeight(10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.OperatorNotEjectable.selector, ops[0].addr, STAKE, 10 ether)
        );
        registry.ejectOperator(ops[0].addr);
        _allocateIn(ops[0].addr, strategy, FULL_MAGNITUDE / 20); // 5 ether
        vm.prank(makeAddr("anyone"));
        registry.ejectOperator(ops[0].addr);
        assertFalse(registry.operatorRegistered(ops[0].addr));
        assertFalse(registry.isOperatorRegisteredAtEpoch(ops[0].addr, 2));
    }

    /// @dev Replicas get weights lowered to slashable stake, and never an operator that carries nothing.
    function test_getOperatorSetAtEpoch_leavesOutOperatorsWithoutSlashableStake() public {
        _allocateIn(ops[0].addr, strategy, 0);
        _allocateIn(ops[1].addr, strategy, FULL_MAGNITUDE / 2);
        (address[] memory operators,, uint256[] memory weights, uint256 total, uint256 threshold) =
            registry.getOperatorSetAtEpoch(1);
        assertEq(operators.length, 2);
        uint256 sum;
        for (uint256 i; i < operators.length; ++i) {
            assertTrue(operators[i] != ops[0].addr);
            assertEq(weights[i], operators[i] == ops[1].addr ? STAKE / 2 : STAKE);
            sum += weights[i];
        }
        assertEq(total, 3 * STAKE, "checkpointed total");
        assertLe(sum, total);
        assertEq(threshold, _threshold());
    }

    /// @dev What a replica accepts (checkpointed weights at most) is what a dispute admits, even after the signers
    ///      lowered their stake on the main chain.
    function test_isValidSignatureAtCheckpoints_admitsWhatReplicasMayAccept() public {
        bytes32 digest = _digest(1);
        bytes memory sigData = _sigData(_all(), digest, 1);
        _allocateIn(ops[0].addr, strategy, 0);
        _allocateIn(ops[1].addr, strategy, 0);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
        assertEq(registry.isValidSignatureAtCheckpoints(digest, sigData), MAGIC);
    }

    function test_isValidOperatorSignature_checksOneSignerAtAnAdmissibleEpoch() public {
        bytes32 digest = _digest(1);
        bytes memory sig = _sign(ops[0].signingPk, digest);
        assertTrue(registry.isValidOperatorSignature(ops[0].addr, digest, sig, 1));
        assertFalse(registry.isValidOperatorSignature(ops[1].addr, digest, sig, 1), "someone else's");
        assertFalse(registry.isValidOperatorSignature(ops[0].addr, digest, sig, 0), "not registered then");
        assertFalse(registry.isValidOperatorSignature(ops[0].addr, digest, sig, 2), "future epoch");
        _warpToEpoch(1 + MAX_AGE + 1);
        assertFalse(
            registry.isValidOperatorSignature(ops[0].addr, digest, sig, 1), "too old: a rotated key cannot frame"
        );
    }

    /// @dev Whatever the operators allocate, deallocate or withdraw after signing, a proof verifies only if the stake
    ///      the set can slash from its signers reaches the threshold.
    function testFuzz_isValidSignature_neverAboveSlashableStake(uint64[3] memory magnitudes, uint96[3] memory withdrawn)
        public
    {
        bytes32 digest = _digest(1);
        bytes memory sigData = _sigData(_all(), digest, 1);
        uint256 slashable;
        for (uint256 i; i < 3; ++i) {
            uint64 m = uint64(bound(magnitudes[i], 0, FULL_MAGNITUDE));
            if (m != FULL_MAGNITUDE) _allocateIn(ops[i].addr, strategy, m);
            uint256 w = bound(withdrawn[i], 0, STAKE);
            if (w != 0) _withdrawStake(ops[i], w);
            IStrategy[] memory s = _strategies();
            address[] memory one = new address[](1);
            one[0] = ops[i].addr;
            slashable += allocationManager.getMinimumSlashableStake(
                operatorSet, one, s, uint32(block.number + 1000)
            )[0][0];
        }
        if (registry.isValidSignature(digest, sigData) == MAGIC) assertGe(slashable, _threshold());
        else assertLt(slashable, _threshold() + 3 * 512); // rounding to 58 bits loses < 2^9 per signer here
    }
}
