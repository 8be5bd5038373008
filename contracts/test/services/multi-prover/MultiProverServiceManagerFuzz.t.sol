// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BLSSignerSetChecker} from "../../../src/core/signatures/BLSSignerSetChecker.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice Fuzz: six operators in both quorums (25 ether each, 150 in all; 5 of 6 needed). Any signer lists, any
///         provers down and any operators frozen: a state confirms exactly when, in each quorum, the listed signers
///         that are live in its TEE type and not frozen reach the threshold. So a set below a threshold never
///         confirms, and a non-live or frozen signer's key never counts.
contract MultiProverServiceManagerFuzzTest is MultiProverFixture {
    uint256 internal constant N = 6;
    uint256 internal constant WEIGHT = 25 ether;
    Op[] internal ops;

    function setUp() public virtual override {
        super.setUp();
        Op[] memory created = _newMembers(0, N, _quorums(SGX_Q, TDX_Q));
        for (uint256 i; i < N; ++i) {
            ops.push(created[i]);
        }
        _warpToEpoch(1);
    }

    function testFuzz_confirmsExactlyWhenLiveUnfrozenSignersReachEveryThreshold(
        uint8 sgxSigners,
        uint8 tdxSigners,
        uint8 sgxDown,
        uint8 tdxDown,
        uint8 frozen
    ) public {
        frozen &= 0x03; // freezing more would leave too few to ever confirm; two frozen already decide it
        for (uint256 i; i < N; ++i) {
            if (sgxDown & (1 << i) != 0) _setLive(ops[i].addr, ITEELivenessVerifier.TeeType.INTEL_SGX, false);
            if (tdxDown & (1 << i) != 0) _setLive(ops[i].addr, ITEELivenessVerifier.TeeType.INTEL_TDX, false);
            if (frozen & (1 << i) != 0) {
                vm.prank(address(slasher));
                registry.freezeOperator(ops[i].addr);
            }
        }
        uint256[][] memory signers = new uint256[][](2);
        signers[0] = _subset(sgxSigners);
        signers[1] = _subset(tdxSigners);
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, "m", "s", 1);
        IMultiProverServiceManager.StateSignature memory signature = _aggregate(sm.hashStateHeader(header), signers);

        uint256 threshold = (N * WEIGHT * THRESHOLD_BPS + 9_999) / 10_000;
        bool sgxOk = _counted(sgxSigners, sgxDown, frozen) >= threshold;
        bool tdxOk = _counted(tdxSigners, tdxDown, frozen) >= threshold;
        (IMultiProverServiceManager.ConfirmationStatus status, BLSSignerSetChecker.SignerSetResult memory result) =
            sm.confirmationStatus(header, signature);
        if (sgxOk && tdxOk) {
            assertEq(uint8(status), uint8(IMultiProverServiceManager.ConfirmationStatus.Valid));
            sm.confirmState(header, signature);
            assertTrue(sm.isStateConfirmed(BOTH, "m", "s"));
        } else {
            assertEq(uint8(result.status), uint8(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight));
            assertEq(result.quorumIndex, sgxOk ? 1 : 0);
            vm.expectRevert();
            sm.confirmState(header, signature);
        }
    }

    function _subset(uint8 mask) internal view returns (uint256[] memory list) {
        uint256 count;
        for (uint256 i; i < N; ++i) {
            if (mask & (1 << i) != 0) ++count;
        }
        list = new uint256[](count);
        count = 0;
        for (uint256 i; i < N; ++i) {
            if (mask & (1 << i) != 0) list[count++] = ops[i].index;
        }
    }

    function _counted(uint8 signed, uint8 down, uint8 frozen) internal pure returns (uint256 weight) {
        for (uint256 i; i < N; ++i) {
            uint256 bit = 1 << i;
            if (signed & bit != 0 && down & bit == 0 && frozen & bit == 0) weight += WEIGHT;
        }
    }
}
