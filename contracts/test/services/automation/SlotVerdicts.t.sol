// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAllocationManager} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IPermissionController} from "../../../src/eigenlayer/IPermissionController.sol";
import {ExecutorSchedule} from "../../../src/services/automation/ExecutorSchedule.sol";
import {SlotVerdicts} from "../../../src/services/automation/SlotVerdicts.sol";
import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";

/// @notice SlotVerdicts on the real devnet EigenLayer core: the attacks first (a verdict without the threshold, an
///         executor voting for itself, naming an operator that was not the slot's executor, replaying signatures of
///         another slot, posting twice, judging a slot before it ended), then the slash a fault verdict brings.
contract SlotVerdictsTest is RegistryFixture {
    uint64 internal constant SLOT_BLOCKS = 4;
    uint256 internal constant WAD_TO_SLASH = 0.1e18;
    bytes32 internal constant DUE = keccak256("due workflows");

    ExecutorSchedule internal schedule;
    SlotVerdicts internal verdicts;
    Op[] internal ops;
    uint256 internal slotStart;
    address internal executor;

    function setUp() public override {
        super.setUp();
        schedule = new ExecutorSchedule(
            epochManager, registry, IPermissionController(address(permissionController)), SLOT_BLOCKS
        );
        verdicts = new SlotVerdicts(
            schedule, IAllocationManager(address(allocationManager)), address(serviceManager), 0, WAD_TO_SLASH
        );
        // The operator set (created at the first registration) names the verdict contract as its slasher.
        slasher = address(verdicts);
        for (uint256 i; i < 4; ++i) {
            Op memory op = _newOperator(i + 1, STAKE * (i + 1));
            _register(op);
            ops.push(op);
            vm.prank(op.addr);
            schedule.activateExecutor(op.addr);
        }
        _warpToEpoch(1);
        schedule.arrangeExecutors();
        slotStart = block.number;
        (executor,,,) = schedule.executorAt(slotStart);
        vm.roll(block.number + SLOT_BLOCKS);
    }

    function _verdict(bool fault) internal view returns (SlotVerdicts.SlotVerdict memory) {
        return SlotVerdicts.SlotVerdict({
            slotStartBlock: slotStart, executor: executor, dueWorkflows: DUE, fault: fault, referenceEpoch: 1
        });
    }

    /// @dev Signatures of `verdict` by the operators whose bit is set in `mask` (ascending by address).
    function _sign(SlotVerdicts.SlotVerdict memory verdict, uint256 mask)
        internal
        view
        returns (address[] memory signers, bytes[] memory signatures)
    {
        Op[] memory sorted = _sortedOps();
        uint256 n;
        for (uint256 i; i < sorted.length; ++i) {
            if (mask & (1 << i) != 0) ++n;
        }
        signers = new address[](n);
        signatures = new bytes[](n);
        bytes32 digest = verdicts.verdictDigest(verdict);
        uint256 k;
        for (uint256 i; i < sorted.length; ++i) {
            if (mask & (1 << i) == 0) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(sorted[i].signingPk, digest);
            signers[k] = sorted[i].addr;
            signatures[k] = abi.encodePacked(r, s, v);
            ++k;
        }
    }

    function _sortedOps() internal view returns (Op[] memory sorted) {
        sorted = ops;
        for (uint256 i = 1; i < sorted.length; ++i) {
            Op memory x = sorted[i];
            uint256 j = i;
            while (j > 0 && sorted[j - 1].addr > x.addr) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = x;
        }
    }

    /// @dev Bits of every operator but the executor, in {_sortedOps} order.
    function _attestersMask() internal view returns (uint256 mask) {
        Op[] memory sorted = _sortedOps();
        for (uint256 i; i < sorted.length; ++i) {
            if (sorted[i].addr != executor) mask |= 1 << i;
        }
    }

    function _executorMagnitude() internal view returns (uint64) {
        return allocationManager.getAllocation(executor, operatorSet, strategy).currentMagnitude;
    }

    // ---- attacks ----

    function test_submitVerdict_refusesAVerdictBelowTheThreshold() public {
        Op[] memory sorted = _sortedOps();
        // The lightest attester alone.
        uint256 lightest = type(uint256).max;
        uint256 bit;
        for (uint256 i; i < sorted.length; ++i) {
            if (sorted[i].addr == executor) continue;
            uint256 w = registry.getOperatorWeightAtEpoch(sorted[i].addr, 1);
            if (w < lightest) (lightest, bit) = (w, 1 << i);
        }
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), bit);
        vm.expectPartialRevert(SlotVerdicts.BelowThreshold.selector);
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    function test_submitVerdict_refusesTheExecutorsOwnSignature() public {
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(false), 0xf);
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.ExecutorCannotAttest.selector, executor));
        verdicts.submitVerdict(_verdict(false), signers, sigs);
    }

    function test_submitVerdict_refusesNamingAnOperatorThatWasNotTheExecutor() public {
        SlotVerdicts.SlotVerdict memory v = _verdict(true);
        address other = ops[0].addr == executor ? ops[1].addr : ops[0].addr;
        v.executor = other;
        (address[] memory signers, bytes[] memory sigs) = _sign(v, _attestersMask());
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.NotTheExecutor.selector, other, executor));
        verdicts.submitVerdict(v, signers, sigs);
    }

    function test_submitVerdict_refusesSignaturesOfAnotherSlot() public {
        SlotVerdicts.SlotVerdict memory signed = _verdict(true);
        signed.slotStartBlock = slotStart + SLOT_BLOCKS;
        (address[] memory signers, bytes[] memory sigs) = _sign(signed, _attestersMask());
        vm.expectPartialRevert(SlotVerdicts.InvalidAttesterSignature.selector);
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    function test_submitVerdict_refusesASlotThatHasNotEnded() public {
        vm.roll(slotStart + SLOT_BLOCKS - 1);
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), _attestersMask());
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.SlotNotEnded.selector, slotStart, slotStart + SLOT_BLOCKS));
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    function test_submitVerdict_refusesABlockThatIsNotASlotStart() public {
        SlotVerdicts.SlotVerdict memory v = _verdict(true);
        v.slotStartBlock = slotStart + 1;
        (address[] memory signers, bytes[] memory sigs) = _sign(v, _attestersMask());
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.NotASlotStart.selector, slotStart + 1));
        verdicts.submitVerdict(v, signers, sigs);
    }

    function test_submitVerdict_refusesAnotherReferenceEpoch() public {
        SlotVerdicts.SlotVerdict memory v = _verdict(true);
        v.referenceEpoch = 0;
        (address[] memory signers, bytes[] memory sigs) = _sign(v, _attestersMask());
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.WrongReferenceEpoch.selector, uint32(0), uint32(1)));
        verdicts.submitVerdict(v, signers, sigs);
    }

    function test_submitVerdict_postsOncePerSlot() public {
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(false), _attestersMask());
        verdicts.submitVerdict(_verdict(false), signers, sigs);
        (signers, sigs) = _sign(_verdict(true), _attestersMask());
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.VerdictAlreadyPosted.selector, slotStart));
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    function test_submitVerdict_refusesUnsortedSigners() public {
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), _attestersMask());
        (signers[0], signers[1]) = (signers[1], signers[0]);
        (sigs[0], sigs[1]) = (sigs[1], sigs[0]);
        vm.expectRevert(SlotVerdicts.MalformedSignatures.selector);
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    // ---- outcomes ----

    /// @dev The attack: attesters deallocate from the operator set (or withdraw), so that nothing of theirs can be
    ///      slashed, and still sign a fault verdict with their checkpointed weight. Their signatures count only the
    ///      stake the set can slash now, so the verdict falls below the threshold.
    function test_submitVerdict_countsOnlyTheAttestersSlashableStake() public {
        uint256 mask = _attestersMask();
        Op[] memory sorted = _sortedOps();
        for (uint256 i; i < sorted.length; ++i) {
            if (mask & (1 << i) != 0) _allocateIn(sorted[i].addr, strategy, 0);
        }
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), mask);
        vm.expectPartialRevert(SlotVerdicts.BelowThreshold.selector);
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    /// @dev A withdrawing attester's signature counts nothing at once (its delegated shares left when it queued).
    function test_submitVerdict_withdrawingAttesterCountsNothing() public {
        uint256 mask = _attestersMask();
        Op[] memory sorted = _sortedOps();
        uint256 expected;
        for (uint256 i; i < sorted.length; ++i) {
            if (mask & (1 << i) == 0) continue;
            _withdrawStake(sorted[i], registry.getOperatorWeightAtEpoch(sorted[i].addr, 1));
        }
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), mask);
        uint256 attesters = registry.getTotalWeightAtEpoch(1) - registry.getOperatorWeightAtEpoch(executor, 1);
        uint256 threshold = (attesters * registry.getThresholdBpsAtEpoch(1) + 9_999) / 10_000;
        vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.BelowThreshold.selector, expected, threshold));
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }

    function test_faultVerdict_slashesTheExecutor() public {
        uint64 before = _executorMagnitude();
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), _attestersMask());
        vm.expectEmit(address(verdicts));
        emit SlotVerdicts.VerdictPosted(
            slotStart, executor, true, DUE, registry.getTotalWeightAtEpoch(1) - registry.getOperatorWeightAtEpoch(executor, 1)
        );
        verdicts.submitVerdict(_verdict(true), signers, sigs);
        assertTrue(verdicts.verdictPosted(slotStart));
        assertEq(_executorMagnitude(), before - uint64(uint256(before) * WAD_TO_SLASH / 1e18));
    }

    function test_noFaultVerdict_slashesNobody() public {
        uint64 before = _executorMagnitude();
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(false), _attestersMask());
        verdicts.submitVerdict(_verdict(false), signers, sigs);
        assertEq(_executorMagnitude(), before);
    }

    /// @notice Any subset of the attesters posts a verdict exactly when its weight reaches the threshold share of the
    ///         attesters' weight (the executor's weight counts on neither side).
    function testFuzz_submitVerdict_acceptedExactlyAtTheThreshold(uint256 mask) public {
        mask = mask & _attestersMask();
        vm.assume(mask != 0);
        Op[] memory sorted = _sortedOps();
        uint256 signed;
        for (uint256 i; i < sorted.length; ++i) {
            if (mask & (1 << i) != 0) signed += registry.getOperatorWeightAtEpoch(sorted[i].addr, 1);
        }
        uint256 attesters = registry.getTotalWeightAtEpoch(1) - registry.getOperatorWeightAtEpoch(executor, 1);
        uint256 threshold = (attesters * registry.getThresholdBpsAtEpoch(1) + 9_999) / 10_000;
        (address[] memory signers, bytes[] memory sigs) = _sign(_verdict(true), mask);
        if (signed < threshold) {
            vm.expectRevert(abi.encodeWithSelector(SlotVerdicts.BelowThreshold.selector, signed, threshold));
        }
        verdicts.submitVerdict(_verdict(true), signers, sigs);
    }
}
