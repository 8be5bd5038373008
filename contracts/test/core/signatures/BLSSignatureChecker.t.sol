// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BLSSignatureChecker} from "../../../src/core/signatures/BLSSignatureChecker.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {BLSFixture} from "../registry/BLSFixture.sol";

/// @notice BLSSignatureChecker through a BLSApkRegistry: ten vector operators of weight 10 in quorum 1 (threshold
///         66.67 %) and quorum 2 (threshold 95 %), from epoch 1 on. The attacks first.
contract BLSSignatureCheckerTest is BLSFixture {
    bytes32 internal constant DIGEST = keccak256("attestation");
    uint8 internal constant Q = 1;
    uint8 internal constant Q_STRICT = 2;

    BN254.G2Point internal apkG2All; // operators 0..9
    BN254.G2Point internal apkG2Without0; // operators 1..9

    function setUp() public override {
        super.setUp();
        registry.createQuorum(Q, 6_667);
        registry.createQuorum(Q_STRICT, 9_500);
        for (uint256 i; i < 10; ++i) {
            _registerKey(i);
            registry.setOperatorWeight(Q, _operator(i), 10);
            registry.setOperatorWeight(Q_STRICT, _operator(i), 10);
        }
        _registerKey(10); // registered, not a member
        apkG2All = _g2(".bench[0].apkG2");
        apkG2Without0 = _g2(".bench[1].apkG2");
        assertEq(this.vectorUint(".bench[1].nonSigners"), 1);
        _warpToEpoch(1);
    }

    function _status(BLSSignatureChecker.SignatureParams memory params)
        internal
        view
        returns (BLSSignatureChecker.SignatureStatus status)
    {
        (status,,) = registry.signatureStatus(DIGEST, params);
        bytes4 magic = registry.isValidSignature(DIGEST, abi.encode(params));
        assertEq(magic == bytes4(0x1626ba7e), status == BLSSignatureChecker.SignatureStatus.Valid, "1271 agrees");
    }

    function _only(BN254.G1Point memory key) internal pure returns (BN254.G1Point[] memory keys) {
        keys = new BN254.G1Point[](1);
        keys[0] = key;
    }

    // ---- the attacks ----

    /// @dev Nine of ten signing genuinely is 90 %: enough for 66.67 %, never for 95 %.
    function test_genuineSignatureBelowThreshold_neverPasses() public view {
        BN254.G1Point memory sigma = _signRange(1, 10, DIGEST);
        BN254.G1Point[] memory nonSigners = _only(_keyG1(0));
        assertEq(uint8(_status(_params(Q, 1, nonSigners, apkG2Without0, sigma))), 0, "66.67 %: valid");
        (BLSSignatureChecker.SignatureStatus status, uint256 signed, uint256 threshold) =
            registry.signatureStatus(DIGEST, _params(Q_STRICT, 1, nonSigners, apkG2Without0, sigma));
        assertEq(uint8(status), uint8(BLSSignatureChecker.SignatureStatus.InsufficientSignedWeight));
        assertEq(signed, 90);
        assertEq(threshold, 95);
    }

    /// @dev Whatever set of operators the caller declares non-signing and whatever the weights, a signed weight below
    ///      the on-chain threshold is never Valid.
    function testFuzz_signerSetBelowThreshold_neverPasses(uint16 nonSignerMask, uint96[10] memory weights) public {
        _warpToEpoch(0);
        uint256 total;
        for (uint256 i; i < 10; ++i) {
            weights[i] = uint96(bound(weights[i], 1, 1e24));
            registry.setOperatorWeight(Q, _operator(i), weights[i]);
            total += weights[i];
        }
        _warpToEpoch(1);
        uint256 signed = total;
        uint256 count;
        for (uint256 i; i < 10; ++i) {
            if (nonSignerMask & (uint256(1) << i) != 0) ++count;
        }
        BN254.G1Point[] memory nonSigners = new BN254.G1Point[](count);
        uint256 secretSum;
        count = 0;
        for (uint256 i; i < 10; ++i) {
            if (nonSignerMask & (uint256(1) << i) != 0) {
                nonSigners[count++] = _keyG1(i);
                signed -= weights[i];
            } else {
                secretSum = addmod(secretSum, _secret(i), BN254.FR_MOD);
            }
        }
        nonSigners = _sortByHash(nonSigners);
        BN254.G1Point memory sigma = _signWith(secretSum, DIGEST);
        BLSSignatureChecker.SignatureStatus status = _status(_params(Q, 1, nonSigners, apkG2All, sigma));
        if (signed * 10_000 < total * 6_667) {
            assertEq(uint8(status), uint8(BLSSignatureChecker.SignatureStatus.InsufficientSignedWeight));
        }
        if (nonSignerMask & 0x3ff != 0) assertTrue(status != BLSSignatureChecker.SignatureStatus.Valid);
    }

    function test_nonSigners_unsortedOrDuplicated_areRefused() public view {
        BN254.G1Point[] memory sorted = _sortedKeys(0, 2);
        BN254.G1Point[] memory reversed = new BN254.G1Point[](2);
        reversed[0] = sorted[1];
        reversed[1] = sorted[0];
        BN254.G1Point[] memory duplicated = new BN254.G1Point[](2);
        duplicated[0] = sorted[0];
        duplicated[1] = sorted[0];
        BN254.G1Point memory sigma = _signRange(2, 10, DIGEST);
        uint8 notSorted = uint8(BLSSignatureChecker.SignatureStatus.NonSignersNotSorted);
        assertEq(uint8(_status(_params(Q, 1, reversed, apkG2All, sigma))), notSorted, "reversed");
        assertEq(uint8(_status(_params(Q, 1, duplicated, apkG2All, sigma))), notSorted, "duplicated");
    }

    function test_nonSigner_thatIsNotAMember_isRefused() public view {
        BN254.G1Point memory sigma = _signRange(0, 10, DIGEST);
        uint8 notMember = uint8(BLSSignatureChecker.SignatureStatus.NonSignerNotMember);
        assertEq(uint8(_status(_params(Q, 1, _only(_keyG1(10)), apkG2All, sigma))), notMember, "registered key");
        assertEq(uint8(_status(_params(Q, 1, _only(BN254.G1Point(1, 2)), apkG2All, sigma))), notMember, "G1");
        assertEq(uint8(_status(_params(Q, 1, _only(BN254.G1Point(5, 5)), apkG2All, sigma))), notMember, "off-curve");
    }

    /// @dev Operator 10 joins during epoch 1 (effective 2): at reference epoch 1 it is no member and its key is not in
    ///      the aggregate; from epoch 2 on, a signature by operators 0..9 must name it as a non-signer.
    function test_keyAddedAtNextEpoch_doesNotCountAtTheReferenceEpoch() public {
        registry.setOperatorWeight(Q, _operator(10), 10);
        _warpToEpoch(2);
        BN254.G1Point memory sigma = _signRange(0, 10, DIGEST);
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        (BLSSignatureChecker.SignatureStatus status, uint256 signed,) =
            registry.signatureStatus(DIGEST, _params(Q, 1, none, apkG2All, sigma));
        assertEq(uint8(status), 0, "epoch 1: operators 0..9 are all");
        assertEq(signed, 100);
        uint8 notMember = uint8(BLSSignatureChecker.SignatureStatus.NonSignerNotMember);
        assertEq(uint8(_status(_params(Q, 1, _only(_keyG1(10)), apkG2All, sigma))), notMember, "epoch 1: no member");
        uint8 invalid = uint8(BLSSignatureChecker.SignatureStatus.InvalidSignature);
        assertEq(uint8(_status(_params(Q, 2, none, apkG2All, sigma))), invalid, "epoch 2: its key is in the apk");
        (status, signed,) = registry.signatureStatus(DIGEST, _params(Q, 2, _only(_keyG1(10)), apkG2All, sigma));
        assertEq(uint8(status), 0, "epoch 2: named as non-signer");
        assertEq(signed, 100);
    }

    function test_wrongMessage_orForgedPoints_failWithoutReverting() public view {
        BN254.G1Point memory sigma = _signRange(0, 10, DIGEST);
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        uint8 invalid = uint8(BLSSignatureChecker.SignatureStatus.InvalidSignature);
        (BLSSignatureChecker.SignatureStatus status,,) =
            registry.signatureStatus(keccak256("other"), _params(Q, 1, none, apkG2All, sigma));
        assertEq(uint8(status), invalid, "other message");
        assertEq(uint8(_status(_params(Q, 1, none, apkG2Without0, sigma))), invalid, "wrong G2 key");
        assertEq(uint8(_status(_params(Q, 1, none, apkG2All, BN254.G1Point(1, 3)))), invalid, "sigma off-curve");
        BN254.G2Point memory junk = BN254.G2Point([uint256(1), 2], [uint256(3), 4]);
        assertEq(uint8(_status(_params(Q, 1, none, junk, sigma))), invalid, "G2 off-curve");
    }

    function test_allSign_isValid() public view {
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        (BLSSignatureChecker.SignatureStatus status, uint256 signed, uint256 threshold) =
            registry.signatureStatus(DIGEST, _params(Q, 1, none, apkG2All, _signRange(0, 10, DIGEST)));
        assertEq(uint8(status), 0);
        assertEq(signed, 100);
        assertEq(threshold, 67);
        assertEq(registry.isValidSignature(DIGEST, abi.encode(_params(Q, 1, none, apkG2All, _signRange(0, 10, DIGEST)))), bytes4(0x1626ba7e));
    }

    function test_epochRules() public {
        BN254.G1Point memory sigma = _signRange(0, 10, DIGEST);
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        uint8 future = uint8(BLSSignatureChecker.SignatureStatus.ReferenceEpochInFuture);
        assertEq(uint8(_status(_params(Q, 2, none, apkG2All, sigma))), future);
        assertEq(uint8(_status(_params(Q, 0, none, apkG2All, sigma))), uint8(BLSSignatureChecker.SignatureStatus.QuorumNotFound), "epoch 0");
        assertEq(uint8(_status(_params(9, 1, none, apkG2All, sigma))), uint8(BLSSignatureChecker.SignatureStatus.QuorumNotFound), "quorum 9");
        _warpToEpoch(1 + MAX_AGE);
        assertEq(uint8(_status(_params(Q, 1, none, apkG2All, sigma))), 0, "oldest admissible");
        _warpToEpoch(2 + MAX_AGE);
        assertEq(uint8(_status(_params(Q, 1, none, apkG2All, sigma))), uint8(BLSSignatureChecker.SignatureStatus.ProofTooOld));
        vm.warp(GENESIS - 1);
        assertEq(uint8(_status(_params(Q, 1, none, apkG2All, sigma))), uint8(BLSSignatureChecker.SignatureStatus.EpochsNotStarted));
    }

    function test_emptyQuorum_isRefused() public {
        _warpToEpoch(0);
        registry.createQuorum(3, 5_000);
        _warpToEpoch(1);
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        assertEq(
            uint8(_status(_params(3, 1, none, apkG2All, _signRange(0, 10, DIGEST)))),
            uint8(BLSSignatureChecker.SignatureStatus.EmptyQuorum)
        );
    }

    /// @dev isValidSignature never reverts, whatever the bytes.
    function testFuzz_isValidSignature_neverReverts(bytes calldata sigData) public view {
        assertEq(registry.isValidSignature(DIGEST, sigData), bytes4(0xffffffff));
    }

    function testFuzz_isValidSignature_forgedAggregate_neverReverts(uint256 x, uint256 y, uint256[4] memory g2) public view {
        BN254.G1Point[] memory none = new BN254.G1Point[](0);
        BN254.G2Point memory apkG2 = BN254.G2Point([g2[0], g2[1]], [g2[2], g2[3]]);
        assertEq(registry.isValidSignature(DIGEST, abi.encode(_params(Q, 1, none, apkG2, BN254.G1Point(x, y)))), bytes4(0xffffffff));
    }
}
