// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/core/signatures/BN254.sol";
import {IAllocationManagerEvents, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IMultiProverRegistry} from "../../../src/services/multi-prover/IMultiProverRegistry.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice MultiProverServiceManager.slashEquivocation: an honest operator cannot be slashed by a forged pair (the
///         attacks first), then the slash, the freeze and the once-only rule.
contract MultiProverServiceManagerEquivocationTest is MultiProverFixture {
    Op internal honest;
    Op internal attacker;
    bytes internal constant META = "chain 10, block 100";

    function setUp() public virtual override {
        super.setUp();
        honest = _newMember(0, _quorums(SGX_Q, TDX_Q));
        attacker = _newMember(1, _quorums(SGX_Q, TDX_Q));
        _warpToEpoch(1);
    }

    function _sign(Op memory op, IMultiProverServiceManager.StateHeader memory header)
        internal
        view
        returns (BN254.G1Point memory)
    {
        return _signWith(_secret(op.index), sm.hashStateHeader(header));
    }

    // ---- attacks ----

    function test_attack_attackersSignatureUnderTheHonestOperatorsName_isRefused() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory attackerG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.expectRevert(
            abi.encodeWithSelector(IMultiProverServiceManager.InvalidOperatorSignature.selector, honest.addr)
        );
        sm.slashEquivocation(a, b, attackerG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_honestSignatureAndAForgedSecond_isRefused() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        // Re-using the honest signature of a for b, or the attacker's signature of b, fails the pairing.
        BN254.G1Point[2] memory forged = [sigmaA, _sign(attacker, b)];
        for (uint256 i; i < 2; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IMultiProverServiceManager.InvalidOperatorSignature.selector, honest.addr)
            );
            sm.slashEquivocation(a, b, honestG2, sigmaA, forged[i], honest.addr);
        }
    }

    function test_attack_sameStateSignedTwiceAtTwoEpochs_isNotEquivocation() public {
        // An honest operator re-signs the same state with a newer reference epoch (a retried aggregation).
        _warpToEpoch(2);
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "A", 2);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(IMultiProverServiceManager.SameState.selector);
        sm.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_twoMetadatas_isNotEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, "chain 10, block 101", "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(IMultiProverServiceManager.NotSameCommitteeAndMetadata.selector);
        sm.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_twoCommittees_isNotEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(SGX_ONLY, META, "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(IMultiProverServiceManager.NotSameCommitteeAndMetadata.selector);
        sm.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_signaturesAtAnEpochBeforeMembership_areNotSlashable() public {
        // Epoch 0: the operators registered during it and count from epoch 1 only.
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 0);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(
            abi.encodeWithSelector(IMultiProverServiceManager.NotCommitteeMember.selector, honest.addr, uint32(0))
        );
        sm.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    // ---- the slash ----

    function test_slashEquivocation_slashesEveryQuorumFreezesAndEmits() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        uint256 sharesBefore = delegationManager.operatorShares(attacker.addr, strategy);

        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.EquivocationSlashed(
            attacker.addr, BOTH, keccak256(META), sm.hashStateHeader(a), sm.hashStateHeader(b), address(this)
        );
        vm.expectEmit(false, false, false, false, address(allocationManager));
        emit IAllocationManagerEvents.OperatorSlashed(
            attacker.addr, OperatorSet(address(sm), 0), _strategies(), new uint256[](1), ""
        );
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorFrozen(attacker.addr, address(sm), registry.effectiveEpoch());
        sm.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);

        // Half of each 25 % allocation to sets 0 and 1: 25 % of its shares.
        assertEq(delegationManager.operatorShares(attacker.addr, strategy), sharesBefore * 3 / 4);
        assertTrue(registry.isFrozen(attacker.addr));
        assertFalse(registry.operatorRegistered(attacker.addr));
        assertTrue(sm.equivocationSlashed(keccak256(abi.encode(attacker.addr, BOTH, keccak256(META)))));
        assertFalse(registry.isFrozen(honest.addr));
    }

    function test_slashEquivocation_twice_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        IMultiProverServiceManager.StateHeader memory c = _header(BOTH, META, "C", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        sm.slashEquivocation(a, b, keyG2, _sign(attacker, a), _sign(attacker, b), attacker.addr);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaC = _sign(attacker, c);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultiProverServiceManager.AlreadySlashed.selector, attacker.addr, BOTH, keccak256(META)
            )
        );
        sm.slashEquivocation(a, c, keyG2, sigmaA, sigmaC, attacker.addr);
    }

    function test_slashEquivocation_unknownCommittee_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        a.committeeId = 9;
        b.committeeId = 9;
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeNotFound.selector, 9));
        sm.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
    }

    function test_slashEquivocation_operatorWithoutKey_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.OperatorHasNoKey.selector, stranger));
        sm.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, stranger);
    }

    function test_slashEquivocation_frozenSignerNoLongerCountsAndCannotRegister() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        sm.slashEquivocation(a, b, keyG2, _sign(attacker, a), _sign(attacker, b), attacker.addr);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorIsFrozen.selector, attacker.addr));
        _registerIn(attacker, _quorums(SGX_Q));
    }

    function test_gas_slashEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.cool(address(sm));
        vm.cool(address(registry));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        uint256 before = gasleft();
        sm.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
        uint256 used = before - gasleft();
        emit log_named_uint("slashEquivocation gas (2 quorums, cold)", used);
    }
}
