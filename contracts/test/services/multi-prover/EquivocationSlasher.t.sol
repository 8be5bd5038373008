// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/core/signatures/BN254.sol";
import {IAllocationManagerEvents, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IMultiProverRegistry} from "../../../src/services/multi-prover/IMultiProverRegistry.sol";
import {EquivocationSlasher} from "../../../src/services/multi-prover/EquivocationSlasher.sol";
import {IEquivocationSlasher} from "../../../src/services/multi-prover/IEquivocationSlasher.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {MultiProverRegistry} from "../../../src/services/multi-prover/MultiProverRegistry.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice EquivocationSlasher.slashEquivocation: an honest operator cannot be slashed by a forged pair (the attacks
///         first), then the slash, the freeze, the once-only rule, and committees updated or removed since signing.
contract EquivocationSlasherTest is MultiProverFixture {
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

    // ---- deployment ----

    function test_constructor_refusesAWadToSlashOutsideZeroToOne() public {
        for (uint256 i; i < 2; ++i) {
            uint256 wad = i == 0 ? 0 : 1e18 + 1;
            vm.expectRevert(abi.encodeWithSelector(IEquivocationSlasher.InvalidWadToSlash.selector, wad));
            new EquivocationSlasher(registry, wad);
        }
    }

    function test_constructor_refusesARegistryThatIsNotTheServiceManagers() public {
        MultiProverRegistry other = new MultiProverRegistry(epochManager, sm, MAX_AGE, maxOperators, avsOwner);
        vm.expectRevert(
            abi.encodeWithSelector(IEquivocationSlasher.NotTheStakeRegistry.selector, address(other), address(registry))
        );
        new EquivocationSlasher(other, WAD_TO_SLASH);
    }

    // ---- attacks ----

    function test_attack_attackersSignatureUnderTheHonestOperatorsName_isRefused() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory attackerG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.expectRevert(
            abi.encodeWithSelector(IEquivocationSlasher.InvalidOperatorSignature.selector, honest.addr)
        );
        slasher.slashEquivocation(a, b, attackerG2, sigmaA, sigmaB, honest.addr);
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
                abi.encodeWithSelector(IEquivocationSlasher.InvalidOperatorSignature.selector, honest.addr)
            );
            slasher.slashEquivocation(a, b, honestG2, sigmaA, forged[i], honest.addr);
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
        vm.expectRevert(IEquivocationSlasher.SameState.selector);
        slasher.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_quorumsChangedAfterSigning_isRefused() public {
        // The header's quorums are signed: a reporter cannot name others (here, to slash only in set 0).
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        a.quorumNumbers = hex"00";
        vm.expectRevert(abi.encodeWithSelector(IEquivocationSlasher.InvalidOperatorSignature.selector, attacker.addr));
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
    }

    function test_attack_quorumNeverTheCommittees_doesNotCount() public {
        // Headers of committee SGX_ONLY ([0]) naming quorum 1 could never be confirmed: membership there is no
        // membership of the committee, and set 1 is not slashed for them.
        IMultiProverServiceManager.StateHeader memory a = _header(SGX_ONLY, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(SGX_ONLY, META, "B", 1);
        (a.quorumNumbers, b.quorumNumbers) = (hex"01", hex"01");
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.expectRevert(
            abi.encodeWithSelector(IEquivocationSlasher.NotCommitteeMember.selector, attacker.addr, uint32(1))
        );
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
    }

    function test_attack_twoMetadatas_isNotEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, "chain 10, block 101", "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(IEquivocationSlasher.NotSameCommitteeAndMetadata.selector);
        slasher.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_twoCommittees_isNotEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(SGX_ONLY, META, "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(IEquivocationSlasher.NotSameCommitteeAndMetadata.selector);
        slasher.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    function test_attack_signaturesAtAnEpochBeforeMembership_areNotSlashable() public {
        // Epoch 0: the operators registered during it and count from epoch 1 only.
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 0);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory honestG2 = _keyG2(honest.index);
        BN254.G1Point memory sigmaA = _sign(honest, a);
        BN254.G1Point memory sigmaB = _sign(honest, b);
        vm.expectRevert(
            abi.encodeWithSelector(IEquivocationSlasher.NotCommitteeMember.selector, honest.addr, uint32(0))
        );
        slasher.slashEquivocation(a, b, honestG2, sigmaA, sigmaB, honest.addr);
    }

    // ---- the slash ----

    function test_slashEquivocation_slashesEveryQuorumFreezesAndEmits() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        uint256 sharesBefore = delegationManager.operatorShares(attacker.addr, strategy);

        vm.expectEmit(address(slasher));
        emit IEquivocationSlasher.EquivocationSlashed(
            attacker.addr, BOTH, keccak256(META), sm.hashStateHeader(a), sm.hashStateHeader(b), address(this)
        );
        vm.expectEmit(false, false, false, false, address(allocationManager));
        emit IAllocationManagerEvents.OperatorSlashed(
            attacker.addr, OperatorSet(address(sm), 0), _strategies(), new uint256[](1), ""
        );
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorFrozen(attacker.addr, address(slasher), registry.effectiveEpoch());
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);

        // Half of each 25 % allocation to sets 0 and 1: 25 % of its shares.
        assertEq(delegationManager.operatorShares(attacker.addr, strategy), sharesBefore * 3 / 4);
        assertTrue(registry.isFrozen(attacker.addr));
        assertFalse(registry.operatorRegistered(attacker.addr));
        assertTrue(slasher.equivocationSlashed(keccak256(abi.encode(attacker.addr, BOTH, keccak256(META)))));
        assertFalse(registry.isFrozen(honest.addr));
    }

    function test_slashEquivocation_afterTheCommitteeIsRemoved_stillSlashes() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        uint256 sharesBefore = delegationManager.operatorShares(attacker.addr, strategy);
        vm.prank(avsOwner);
        sm.removeCommittee(BOTH);
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
        assertEq(delegationManager.operatorShares(attacker.addr, strategy), sharesBefore * 3 / 4);
        assertTrue(registry.isFrozen(attacker.addr));
    }

    function test_slashEquivocation_acrossACommitteeUpdate_slashesTheQuorumsEachHeaderNamed() public {
        // Signed under SGX_ONLY = [0], then again after the committee became [1]: both sets are slashed.
        IMultiProverServiceManager.StateHeader memory a = _header(SGX_ONLY, META, "A", 1);
        vm.prank(avsOwner);
        sm.updateCommittee(IMultiProverServiceManager.Committee(SGX_ONLY, "tdx now", "", hex"01"));
        IMultiProverServiceManager.StateHeader memory b = _header(SGX_ONLY, META, "B", 1);
        assertEq(b.quorumNumbers, hex"01");
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        uint256 sharesBefore = delegationManager.operatorShares(attacker.addr, strategy);
        vm.expectEmit(address(slasher));
        emit IEquivocationSlasher.OperatorSlashed(attacker.addr, SGX_Q, 1, _oneShareAmount(sharesBefore / 8));
        vm.expectEmit(address(slasher));
        emit IEquivocationSlasher.OperatorSlashed(attacker.addr, TDX_Q, 1, _oneShareAmount(sharesBefore / 8));
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
        assertEq(delegationManager.operatorShares(attacker.addr, strategy), sharesBefore * 3 / 4);
    }

    function test_slashEquivocation_onlyInTheSetsOfTheQuorumsSigned() public {
        // Both headers of committee SGX_ONLY name quorum 0 only: set 1 keeps its allocation.
        IMultiProverServiceManager.StateHeader memory a = _header(SGX_ONLY, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(SGX_ONLY, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        uint256 sharesBefore = delegationManager.operatorShares(attacker.addr, strategy);
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
        assertEq(delegationManager.operatorShares(attacker.addr, strategy), sharesBefore * 7 / 8);
    }

    function test_slashEquivocation_twice_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        IMultiProverServiceManager.StateHeader memory c = _header(BOTH, META, "C", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        slasher.slashEquivocation(a, b, keyG2, _sign(attacker, a), _sign(attacker, b), attacker.addr);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaC = _sign(attacker, c);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEquivocationSlasher.AlreadySlashed.selector, attacker.addr, BOTH, keccak256(META)
            )
        );
        slasher.slashEquivocation(a, c, keyG2, sigmaA, sigmaC, attacker.addr);
    }

    function test_slashEquivocation_unknownCommittee_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        a.committeeId = 9;
        b.committeeId = 9;
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.expectRevert(abi.encodeWithSelector(IEquivocationSlasher.CommitteeNotFound.selector, 9));
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
    }

    function test_slashEquivocation_operatorWithoutKey_reverts() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IEquivocationSlasher.OperatorHasNoKey.selector, stranger));
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, stranger);
    }

    function test_slashEquivocation_frozenSignerNoLongerCountsAndCannotRegister() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        slasher.slashEquivocation(a, b, keyG2, _sign(attacker, a), _sign(attacker, b), attacker.addr);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorIsFrozen.selector, attacker.addr));
        _registerIn(attacker, _quorums(SGX_Q));
    }

    function test_gas_slashEquivocation() public {
        IMultiProverServiceManager.StateHeader memory a = _header(BOTH, META, "A", 1);
        IMultiProverServiceManager.StateHeader memory b = _header(BOTH, META, "B", 1);
        BN254.G2Point memory keyG2 = _keyG2(attacker.index);
        BN254.G1Point memory sigmaA = _sign(attacker, a);
        BN254.G1Point memory sigmaB = _sign(attacker, b);
        vm.cool(address(slasher));
        vm.cool(address(sm));
        vm.cool(address(registry));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        uint256 before = gasleft();
        slasher.slashEquivocation(a, b, keyG2, sigmaA, sigmaB, attacker.addr);
        uint256 used = before - gasleft();
        emit log_named_uint("slashEquivocation gas (2 quorums, cold)", used);
    }

    function _oneShareAmount(uint256 amount) internal pure returns (uint256[] memory shares) {
        shares = new uint256[](1);
        shares[0] = amount;
    }
}
