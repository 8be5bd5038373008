// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAllocationManager} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IPermissionController} from "../../../src/eigenlayer/IPermissionController.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {ExecutorSchedule} from "../../../src/services/automation/ExecutorSchedule.sol";
import {SlotVerdicts} from "../../../src/services/automation/SlotVerdicts.sol";
import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";

/// @notice Submits verdicts for random ended slots, signed by random subsets of operators (the executor sometimes
///         among them), and records what the contract accepted.
contract SlotVerdictsHandler is Test {
    SlotVerdicts internal immutable verdicts;
    ExecutorSchedule internal immutable schedule;
    ECDSAStakeRegistry internal immutable registry;
    uint256 internal immutable firstSlotStart;
    address[] internal operators;
    uint256[] internal signingKeys;

    /// @notice Posted verdicts whose signers' weight was below the threshold share of the attesters' weight.
    uint256 public postedBelowThreshold;
    /// @notice Posted verdicts signed by their own executor, or naming an operator other than the slot's executor.
    uint256 public postedWrongly;
    /// @notice Fault verdicts posted, per executor.
    mapping(address => uint256) public faultsOf;
    uint256 public posted;

    constructor(
        SlotVerdicts verdicts_,
        ExecutorSchedule schedule_,
        uint256 firstSlotStart_,
        address[] memory operators_,
        uint256[] memory signingKeys_
    ) {
        verdicts = verdicts_;
        schedule = schedule_;
        registry = schedule_.registry();
        firstSlotStart = firstSlotStart_;
        operators = operators_;
        signingKeys = signingKeys_;
    }

    function submit(uint256 slotSeed, uint256 mask, bool fault, uint256 nameSeed) external {
        uint256 slotBlocks = schedule.slotBlocks();
        uint256 slotStart = firstSlotStart + bound(slotSeed, 0, 40) * slotBlocks;
        vm.roll(slotStart + 41 * slotBlocks);
        (address executor,,,) = schedule.executorAt(slotStart);
        // Mostly the executor; sometimes another operator (which must never be accepted).
        address named = nameSeed % 7 == 3 ? operators[nameSeed % operators.length] : executor;
        SlotVerdicts.SlotVerdict memory v = SlotVerdicts.SlotVerdict({
            slotStartBlock: slotStart, executor: named, dueWorkflows: keccak256(abi.encode(slotSeed)), fault: fault, referenceEpoch: 1
        });
        bytes32 digest = verdicts.verdictDigest(v);
        // Mostly without the executor's signature; sometimes with it (which must never be accepted).
        if ((mask >> 8) % 4 != 0) mask &= ~_bitOf(executor);
        (address[] memory signers, bytes[] memory sigs, uint256 signedWeight, bool executorSigned) =
            _signatures(digest, mask, executor);
        try verdicts.submitVerdict(v, signers, sigs) {
            ++posted;
            uint256 attesters = registry.getTotalWeightAtEpoch(1) - registry.getOperatorWeightAtEpoch(executor, 1);
            if (signedWeight * 10_000 < attesters * registry.getThresholdBpsAtEpoch(1)) ++postedBelowThreshold;
            if (executorSigned || named != executor) ++postedWrongly;
            if (fault) ++faultsOf[named];
        } catch {}
    }

    function _bitOf(address operator) internal view returns (uint256) {
        for (uint256 i; i < operators.length; ++i) {
            if (operators[i] == operator) return 1 << i;
        }
        return 0;
    }

    function _signatures(bytes32 digest, uint256 mask, address executor)
        internal
        view
        returns (address[] memory signers, bytes[] memory sigs, uint256 weight, bool executorSigned)
    {
        uint256 n;
        for (uint256 i; i < operators.length; ++i) {
            if (mask & (1 << i) != 0) ++n;
        }
        signers = new address[](n);
        sigs = new bytes[](n);
        uint256 k;
        // operators are kept sorted ascending by the test's setUp.
        for (uint256 i; i < operators.length; ++i) {
            if (mask & (1 << i) == 0) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signingKeys[i], digest);
            signers[k] = operators[i];
            sigs[k] = abi.encodePacked(r, s, v);
            ++k;
            weight += registry.getOperatorWeightAtEpoch(operators[i], 1);
            if (operators[i] == executor) executorSigned = true;
        }
    }
}

/// @notice Invariants of SlotVerdicts under random submissions: no verdict without the threshold share of the
///         attesters' weight; none signed by its executor or naming another operator; a slot judged at most once; an
///         operator's allocation shrinks only by the fault verdicts posted against it.
contract SlotVerdictsInvariantTest is RegistryFixture {
    uint64 internal constant SLOT_BLOCKS = 3;
    uint256 internal constant WAD_TO_SLASH = 0.05e18;

    ExecutorSchedule internal schedule;
    SlotVerdicts internal verdicts;
    SlotVerdictsHandler internal handler;
    address[] internal operators;
    mapping(address => uint64) internal initialMagnitude;

    function setUp() public override {
        super.setUp();
        schedule = new ExecutorSchedule(
            epochManager, registry, IPermissionController(address(permissionController)), SLOT_BLOCKS
        );
        verdicts = new SlotVerdicts(
            schedule, IAllocationManager(address(allocationManager)), address(serviceManager), 0, WAD_TO_SLASH
        );
        slasher = address(verdicts);
        Op[] memory ops = new Op[](5);
        for (uint256 i; i < 5; ++i) {
            ops[i] = _newOperator(i + 1, STAKE * (i + 1));
            _register(ops[i]);
            vm.prank(ops[i].addr);
            schedule.activateExecutor(ops[i].addr);
        }
        // Ascending by address, as verdict signers must be.
        for (uint256 i = 1; i < 5; ++i) {
            Op memory x = ops[i];
            uint256 j = i;
            while (j > 0 && ops[j - 1].addr > x.addr) {
                ops[j] = ops[j - 1];
                --j;
            }
            ops[j] = x;
        }
        uint256[] memory keys = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            operators.push(ops[i].addr);
            keys[i] = ops[i].signingPk;
        }
        _warpToEpoch(1);
        schedule.arrangeExecutors();
        handler = new SlotVerdictsHandler(verdicts, schedule, block.number, operators, keys);
        for (uint256 i; i < 5; ++i) {
            initialMagnitude[operators[i]] = allocationManager.getAllocation(operators[i], operatorSet, strategy).currentMagnitude;
        }
        targetContract(address(handler));
    }

    function invariant_noVerdictWithoutTheThreshold() public view {
        assertEq(handler.postedBelowThreshold(), 0);
    }

    function invariant_noVerdictByItsExecutorOrAgainstAnotherOperator() public view {
        assertEq(handler.postedWrongly(), 0);
    }

    function invariant_onlyFaultVerdictsShrinkAnAllocation() public view {
        for (uint256 i; i < operators.length; ++i) {
            address op = operators[i];
            uint64 magnitude = allocationManager.getAllocation(op, operatorSet, strategy).currentMagnitude;
            uint64 expected = initialMagnitude[op];
            for (uint256 f; f < handler.faultsOf(op); ++f) {
                // The AllocationManager rounds the slashed magnitude up.
                expected -= uint64(Math.mulDiv(expected, WAD_TO_SLASH, 1e18, Math.Rounding.Ceil));
            }
            assertEq(magnitude, expected);
        }
    }
}
