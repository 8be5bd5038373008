// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAVSDirectory} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {IAllocationManager} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../../src/eigenlayer/IRewardsCoordinator.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {MultiProverServiceManager} from "../../../src/services/multi-prover/MultiProverServiceManager.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice MultiProverServiceManager configuration: liveness verifier, TEE quorums, committees
///         (events, owner-only, validation) and the EIP-712 digest.
contract MultiProverServiceManagerConfigTest is MultiProverFixture {
    function test_setLivenessVerifier_emitsAndRefusesZero() public {
        vm.startPrank(avsOwner);
        vm.expectRevert(IMultiProverServiceManager.InvalidParameter.selector);
        sm.setLivenessVerifier(ITEELivenessVerifier(address(0)));
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.LivenessVerifierSet(address(0xbeef));
        sm.setLivenessVerifier(ITEELivenessVerifier(address(0xbeef)));
        vm.stopPrank();
        assertEq(address(sm.livenessVerifier()), address(0xbeef));
    }

    function test_addTeeQuorum_emitsAndRefusesNoneAndDuplicates() public {
        vm.startPrank(avsOwner);
        vm.expectRevert(IMultiProverServiceManager.InvalidTeeType.selector);
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.NONE, 2));
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.TeeQuorumExists.selector, SGX_Q));
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.DEVNET, SGX_Q));
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.TeeQuorumAdded(2, ITEELivenessVerifier.TeeType.DEVNET);
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.DEVNET, 2));
        vm.stopPrank();
        assertEq(sm.teeQuorumNumbers(), hex"000102");
        assertEq(uint8(sm.getTeeQuorum(2).teeType), uint8(ITEELivenessVerifier.TeeType.DEVNET));
    }

    function test_committees_addUpdateRemove_emit() public {
        IMultiProverServiceManager.Committee memory c = IMultiProverServiceManager.Committee(3, "c", "m", hex"01");
        vm.startPrank(avsOwner);
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.CommitteeAdded(3, "c", "m", hex"01");
        sm.addCommittee(c);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeExists.selector, 3));
        sm.addCommittee(c);
        c.teeQuorumNumbers = hex"0001";
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.CommitteeUpdated(3, "c", "m", hex"0001");
        sm.updateCommittee(c);
        assertEq(sm.getCommittee(3).teeQuorumNumbers, hex"0001");
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.CommitteeRemoved(3);
        sm.removeCommittee(3);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeNotFound.selector, 3));
        sm.removeCommittee(3);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeNotFound.selector, 3));
        sm.updateCommittee(c);
        vm.stopPrank();
    }

    function test_committeeQuorumsEver_keepsEveryQuorumAfterUpdatesAndRemoval() public {
        assertEq(sm.committeeQuorumsEver(BOTH), 0x03);
        assertEq(sm.committeeQuorumsEver(SGX_ONLY), 0x01);
        assertEq(sm.committeeQuorumsEver(9), 0);
        vm.startPrank(avsOwner);
        sm.updateCommittee(IMultiProverServiceManager.Committee(SGX_ONLY, "tdx now", "", hex"01"));
        assertEq(sm.committeeQuorumsEver(SGX_ONLY), 0x03);
        sm.removeCommittee(SGX_ONLY);
        vm.stopPrank();
        assertEq(sm.committeeQuorumsEver(SGX_ONLY), 0x03);
    }

    function test_addCommittee_refusesTheIdOfARemovedCommittee() public {
        vm.startPrank(avsOwner);
        sm.removeCommittee(SGX_ONLY);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeIdRetired.selector, SGX_ONLY));
        sm.addCommittee(IMultiProverServiceManager.Committee(SGX_ONLY, "tdx", "", hex"01"));
        vm.stopPrank();
    }

    function test_committees_mayOnlyNameTeeQuorumsInAscendingOrder() public {
        bytes[4] memory bad = [bytes(""), hex"0100", hex"0000", hex"0005"];
        vm.startPrank(avsOwner);
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.InvalidCommitteeQuorums.selector, bad[i]));
            sm.addCommittee(IMultiProverServiceManager.Committee(9, "", "", bad[i]));
        }
        vm.stopPrank();
    }

    function test_configuration_isOwnerOnly() public {
        bytes memory unauthorized = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this));
        vm.expectRevert(unauthorized);
        sm.setLivenessVerifier(liveness);
        vm.expectRevert(unauthorized);
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.DEVNET, 2));
        vm.expectRevert(unauthorized);
        sm.addCommittee(IMultiProverServiceManager.Committee(9, "", "", hex"00"));
        vm.expectRevert(unauthorized);
        sm.updateCommittee(IMultiProverServiceManager.Committee(BOTH, "", "", hex"00"));
        vm.expectRevert(unauthorized);
        sm.removeCommittee(BOTH);
    }

    function test_confirmState_withoutALivenessVerifier_reverts() public {
        _deployStackWithoutLiveness();
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, "m", "s", 0);
        IMultiProverServiceManager.StateSignature memory signature;
        vm.expectRevert(IMultiProverServiceManager.NotConfigured.selector);
        sm.confirmState(header, signature);
    }

    function test_hashStateHeader_isTheEIP712DigestOfTheTypeString() public view {
        IMultiProverServiceManager.StateHeader memory h =
            IMultiProverServiceManager.StateHeader(7, "meta", "state", hex"0001", 42);
        bytes32 typeHash = keccak256(
            "StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)"
        );
        assertEq(sm.STATE_HEADER_TYPEHASH(), typeHash);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("avs-stack multi-prover"),
                keccak256("1"),
                block.chainid,
                address(sm)
            )
        );
        assertEq(sm.domainSeparator(), domain);
        bytes32 structHash = keccak256(
            abi.encode(typeHash, h.committeeId, keccak256(h.metadata), keccak256(h.state), keccak256(h.quorumNumbers), h.referenceEpoch)
        );
        assertEq(sm.hashStateHeader(h), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
    }

    function _deployStackWithoutLiveness() internal {
        vm.prank(avsOwner);
        sm = new MultiProverServiceManager(
            IAVSDirectory(address(avsDirectory)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
        vm.startPrank(avsOwner);
        sm.setStakeRegistry(address(registry));
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.INTEL_SGX, SGX_Q));
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.INTEL_TDX, TDX_Q));
        sm.addCommittee(IMultiProverServiceManager.Committee(BOTH, "", "", hex"0001"));
        vm.stopPrank();
    }
}
