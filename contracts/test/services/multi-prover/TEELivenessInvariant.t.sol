// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {TEELivenessFixture} from "./TEELivenessFixture.sol";
import {PermissionController} from "../../../devnet/eigenlayer/PermissionController.sol";
import {TEELivenessVerifier} from "../../../src/services/multi-prover/TEELivenessVerifier.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";

/// @notice Drives a TEELivenessVerifier with honest proofs, proofs of measurements not on the allowlist, replays of
///         accepted attestations (as is, or for another operator), revocations, and the passing of time and blocks;
///         counts what should never be accepted.
contract TEELivenessHandler is TEELivenessFixture {
    address[3] internal operators = [makeAddr("op0"), makeAddr("op1"), makeAddr("op2")];
    bytes32[3] internal enclaves = [MRENCLAVE, keccak256("unlisted build 1"), keccak256("unlisted build 2")];

    struct Accepted {
        ITEELivenessVerifier.LivenessReport report;
        bytes attestation;
    }

    Accepted[] internal accepted;
    /// @dev Per operator: the key of its last accepted proof and when that proof stops (revocation included).
    mapping(address operator => address key) public lastKey;
    mapping(address operator => uint256 until) public lastUntil;
    uint256 public acceptedUnlisted;
    uint256 public acceptedReplays;
    uint256 public acceptedHonest;

    constructor(TEELivenessVerifier liveness_, PermissionController permissionController_, uint256 attestationKeyPk_) {
        liveness = liveness_;
        permissionController = permissionController_;
        attestationKeyPk = attestationKeyPk_;
    }

    function operatorAt(uint256 i) external view returns (address) {
        return operators[i];
    }

    function submit(uint256 opSeed, uint256 keySeed, uint256 enclaveSeed, uint256 ageSeed) external {
        address op = operators[opSeed % 3];
        address key = address(uint160(0x1000 + keySeed % 5));
        bytes32 mrEnclave = enclaves[enclaveSeed % 3];
        ITEELivenessVerifier.LivenessReport memory r = _report(key, op, 1 + ageSeed % liveness.MAX_REFERENCE_BLOCK_AGE());
        bytes memory attestation = _sign(_body(mrEnclave, MRSIGNER, SGX_FLAGS_PROD, 0, _reportData(r)), attestationKeyPk);
        vm.prank(op);
        try liveness.submitLivenessProof(DEVNET, r, attestation) {
            if (mrEnclave != MRENCLAVE) ++acceptedUnlisted;
            ++acceptedHonest;
            accepted.push(Accepted(r, attestation));
            lastKey[op] = key;
            lastUntil[op] = block.timestamp + liveness.attestValiditySeconds();
        } catch {}
    }

    /// @dev An accepted attestation again, for its operator or (with the report edited) for another.
    function replay(uint256 index, uint256 opSeed) external {
        if (accepted.length == 0) return;
        Accepted memory a = accepted[index % accepted.length];
        ITEELivenessVerifier.LivenessReport memory r = a.report;
        r.operator = operators[opSeed % 3];
        // The chain still knows that block's hash (forge keeps set hashes only within one call of the campaign).
        vm.setBlockhash(r.referenceBlockNumber, r.referenceBlockHash);
        vm.prank(r.operator);
        try liveness.submitLivenessProof(DEVNET, r, a.attestation) {
            ++acceptedReplays;
        } catch {}
    }

    function revoke(uint256 opSeed) external {
        address op = operators[opSeed % 3];
        vm.prank(op);
        try liveness.revokeProver(op, DEVNET) {
            lastUntil[op] = block.timestamp;
        } catch {}
    }

    function advance(uint256 blocks, uint256 secs) external {
        vm.roll(block.number + bound(blocks, 1, 50));
        vm.warp(block.timestamp + bound(secs, 0, 2 hours));
    }
}

/// @notice A measurement off the allowlist or a replayed attestation never makes a prover live, and a live prover is
///         always the one of its operator's last accepted proof, within its validity.
contract TEELivenessInvariantTest is TEELivenessFixture {
    TEELivenessHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new TEELivenessHandler(liveness, permissionController, attestationKeyPk);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = TEELivenessHandler.submit.selector;
        selectors[1] = TEELivenessHandler.replay.selector;
        selectors[2] = TEELivenessHandler.revoke.selector;
        selectors[3] = TEELivenessHandler.advance.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_unlistedMeasurementNeverAccepted() public view {
        assertEq(handler.acceptedUnlisted(), 0);
    }

    function invariant_replayNeverAccepted() public view {
        assertEq(handler.acceptedReplays(), 0);
    }

    function invariant_liveProverIsTheLastAcceptedOne() public view {
        for (uint256 i; i < 3; ++i) {
            address op = handler.operatorAt(i);
            bool live = liveness.isProverLive(op, DEVNET, block.timestamp);
            assertEq(live, block.timestamp < handler.lastUntil(op), "live exactly while its last proof lasts");
            if (live) assertEq(liveness.getProver(op, DEVNET).proverKey, handler.lastKey(op));
        }
    }

    /// @dev The handler's honest path is accepted (so the invariants above are not vacuous), and its replay is not.
    function test_handler_acceptsAnHonestProofAndNotItsReplay() public {
        handler.submit(0, 0, 0, 0);
        assertEq(handler.acceptedHonest(), 1);
        assertTrue(liveness.isProverLive(handler.operatorAt(0), DEVNET, block.timestamp));
        handler.replay(0, 0);
        handler.replay(0, 1);
        assertEq(handler.acceptedReplays(), 0);
        handler.submit(1, 1, 1, 0);
        assertEq(handler.acceptedHonest(), 1, "an unlisted build is refused");
    }
}
