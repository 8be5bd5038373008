// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {TEELivenessFixture} from "./TEELivenessFixture.sol";
import {TEELivenessVerifier} from "../../../src/services/multi-prover/TEELivenessVerifier.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {IAttestationVerifier} from "../../../src/services/multi-prover/attestation/IAttestationVerifier.sol";
import {DevnetAttestationVerifier} from "../../../src/services/multi-prover/attestation/DevnetAttestationVerifier.sol";

/// @notice DevnetAttestationVerifier: the report body layout it reads, the signature and DEBUG checks.
contract DevnetAttestationVerifierTest is TEELivenessFixture {
    bytes internal constant REPORT_DATA = abi.encodePacked(keccak256("a"), keccak256("b"));

    function test_constructor_revertsForAZeroKey() public {
        vm.expectRevert(DevnetAttestationVerifier.ZeroAttestationKey.selector);
        new DevnetAttestationVerifier(address(0));
    }

    function test_teeType_isDevnet() public view {
        assertEq(devnetVerifier.teeType(), uint8(ITEELivenessVerifier.TeeType.DEVNET));
        assertEq(devnetVerifier.attestationKey(), vm.addr(attestationKeyPk));
    }

    function test_reportTag_isTheDocumentedString() public view {
        assertEq(devnetVerifier.DEVNET_REPORT_TAG(), keccak256("avs-stack.multi-prover.DevnetSgxReport.v1"));
    }

    function testFuzz_verify_returnsMeasurementsAndReportData(
        bytes32 mrEnclave,
        bytes32 mrSigner,
        bytes32 head,
        bytes32 tail,
        uint64 flags,
        uint16 isvSvn
    ) public view {
        flags &= ~SGX_FLAGS_DEBUG;
        bytes memory reportData = abi.encodePacked(head, tail);
        bytes memory attestation = _sign(_body(mrEnclave, mrSigner, flags, isvSvn, reportData), attestationKeyPk);
        (IAttestationVerifier.Measurement[] memory m, bytes memory data) = devnetVerifier.verifyAttestation(attestation);
        assertEq(m.length, 2);
        assertEq(uint8(m[0].kind), uint8(IAttestationVerifier.MeasurementKind.MRENCLAVE));
        assertEq(m[0].value, mrEnclave);
        assertEq(uint8(m[1].kind), uint8(IAttestationVerifier.MeasurementKind.MRSIGNER));
        assertEq(m[1].value, mrSigner);
        assertEq(data, reportData);
    }

    function testFuzz_verify_revertsForAnyDebugEnclave(uint64 flags) public {
        flags |= SGX_FLAGS_DEBUG;
        bytes memory attestation = _sign(_body(MRENCLAVE, MRSIGNER, flags, 0, REPORT_DATA), attestationKeyPk);
        vm.expectRevert(DevnetAttestationVerifier.DebugEnclaveNotAllowed.selector);
        devnetVerifier.verifyAttestation(attestation);
    }

    function testFuzz_verify_revertsForAWrongLength(uint256 length) public {
        length = bound(length, 0, 2000);
        vm.assume(length != devnetVerifier.ATTESTATION_LENGTH());
        bytes memory attestation = new bytes(length);
        vm.expectRevert(abi.encodeWithSelector(DevnetAttestationVerifier.InvalidAttestationLength.selector, length));
        devnetVerifier.verifyAttestation(attestation);
    }

    function testFuzz_verify_revertsForAnotherSigner(uint256 pk) public {
        pk = bound(pk, 1, 115792089237316195423570985008687907852837564279074904382605163141518161494336);
        vm.assume(pk != attestationKeyPk);
        bytes memory attestation = _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, REPORT_DATA), pk);
        vm.expectRevert(DevnetAttestationVerifier.InvalidAttestationSignature.selector);
        devnetVerifier.verifyAttestation(attestation);
    }

    /// @dev Any flipped byte of the signed body (a measurement, the report data, the DEBUG flag) breaks the signature.
    function testFuzz_verify_revertsForAChangedBody(uint256 at, uint8 xor) public {
        at = bound(at, 0, 383);
        vm.assume(xor != 0);
        bytes memory attestation = _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, REPORT_DATA), attestationKeyPk);
        attestation[at] = bytes1(uint8(attestation[at]) ^ xor);
        vm.expectRevert(DevnetAttestationVerifier.InvalidAttestationSignature.selector);
        devnetVerifier.verifyAttestation(attestation);
    }

    /// @dev A signature over the body without the tag (what a key signing raw data would give) is not an attestation.
    function test_verify_revertsForASignatureWithoutTheTag() public {
        bytes memory body = _body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, REPORT_DATA);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attestationKeyPk, keccak256(body));
        vm.expectRevert(DevnetAttestationVerifier.InvalidAttestationSignature.selector);
        devnetVerifier.verifyAttestation(abi.encodePacked(body, r, s, v));
    }

    function test_verify_revertsForAHighSSignature() public {
        bytes memory body = _body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, REPORT_DATA);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attestationKeyPk, devnetVerifier.reportDigest(body));
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes memory malleated = abi.encodePacked(body, r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        assertEq(ecrecover(devnetVerifier.reportDigest(body), v == 27 ? 28 : 27, r, bytes32(n - uint256(s))), vm.addr(attestationKeyPk));
        vm.expectRevert(DevnetAttestationVerifier.InvalidAttestationSignature.selector);
        devnetVerifier.verifyAttestation(malleated);
    }

    function test_verify_revertsForABadV() public {
        bytes memory body = _body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, REPORT_DATA);
        (, bytes32 r, bytes32 s) = vm.sign(attestationKeyPk, devnetVerifier.reportDigest(body));
        vm.expectRevert(DevnetAttestationVerifier.InvalidAttestationSignature.selector);
        devnetVerifier.verifyAttestation(abi.encodePacked(body, r, s, uint8(0)));
    }
}

/// @notice Solidity against test/vectors/devnet-tee.json, the vectors src/services/multi-prover/tee/ is tested with:
///         the TypeScript devnet enclave's attestations verify here (or fail with the same error), its report data
///         commitment equals reportDataHash, and its first valid attestation makes a prover live end to end.
contract DevnetTeeVectorsTest is TEELivenessFixture {
    string internal json;

    function setUp() public override {
        super.setUp();
        json = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/devnet-tee.json"));
        devnetVerifier = new DevnetAttestationVerifier(vm.parseJsonAddress(json, ".attestationKey.address"));
        assertEq(vm.addr(vm.parseJsonUint(json, ".attestationKey.privateKey")), devnetVerifier.attestationKey());
    }

    function _case(uint256 i) internal pure returns (string memory) {
        return string.concat(".cases[", vm.toString(i), "]");
    }

    function _vectorReport(string memory k) internal view returns (ITEELivenessVerifier.LivenessReport memory r) {
        r.proverKey = vm.parseJsonAddress(json, string.concat(k, ".report.proverKey"));
        r.operator = vm.parseJsonAddress(json, string.concat(k, ".report.operator"));
        r.referenceBlockNumber = vm.parseUint(vm.parseJsonString(json, string.concat(k, ".report.referenceBlockNumber")));
        r.referenceBlockHash = vm.parseJsonBytes32(json, string.concat(k, ".report.referenceBlockHash"));
    }

    /// @dev A liveness verifier at the case's address on the case's chain, with the vectors' attestation key.
    function _livenessAt(string memory k) internal returns (TEELivenessVerifier at) {
        vm.chainId(vm.parseUint(vm.parseJsonString(json, string.concat(k, ".chainId"))));
        at = TEELivenessVerifier(vm.parseJsonAddress(json, string.concat(k, ".verifier")));
        deployCodeTo(
            "TEELivenessVerifier.sol:TEELivenessVerifier", abi.encode(owner, permissionController, true, VALIDITY), address(at)
        );
    }

    /// @dev The selector of a DevnetAttestationVerifier error named in the vectors.
    function _errorSelector(string memory name) internal pure returns (bytes4) {
        bytes32 h = keccak256(bytes(name));
        if (h == keccak256("InvalidAttestationLength")) return DevnetAttestationVerifier.InvalidAttestationLength.selector;
        if (h == keccak256("InvalidAttestationSignature")) return DevnetAttestationVerifier.InvalidAttestationSignature.selector;
        if (h == keccak256("DebugEnclaveNotAllowed")) return DevnetAttestationVerifier.DebugEnclaveNotAllowed.selector;
        revert(string.concat("unknown error in the vectors: ", name));
    }

    function test_constants_matchTheVectors() public view {
        assertEq(vm.parseJsonBytes32(json, ".livenessTypehash"), liveness.LIVENESS_TYPEHASH());
        assertEq(vm.parseJsonBytes32(json, ".devnetReportTag"), devnetVerifier.DEVNET_REPORT_TAG());
    }

    function test_verifyAttestation_matchesTheVectors() public {
        uint256 n;
        for (; vm.keyExistsJson(json, _case(n)); ++n) {
            string memory k = _case(n);
            bytes memory attestation = vm.parseJsonBytes(json, string.concat(k, ".attestation"));
            bytes memory body = vm.parseJsonBytes(json, string.concat(k, ".reportBody"));
            assertEq(devnetVerifier.reportDigest(body), vm.parseJsonBytes32(json, string.concat(k, ".reportDigest")), k);
            assertEq(keccak256(attestation), vm.parseJsonBytes32(json, string.concat(k, ".attestationHash")), k);
            string memory error = vm.parseJsonString(json, string.concat(k, ".error"));
            if (bytes(error).length == 0) {
                (IAttestationVerifier.Measurement[] memory m, bytes memory data) = devnetVerifier.verifyAttestation(attestation);
                assertEq(m[0].value, vm.parseJsonBytes32(json, ".measurement.mrEnclave"), k);
                assertEq(m[1].value, vm.parseJsonBytes32(json, ".measurement.mrSigner"), k);
                assertEq(data, vm.parseJsonBytes(json, string.concat(k, ".reportData")), k);
            } else {
                bytes4 selector = _errorSelector(error);
                vm.expectPartialRevert(selector);
                devnetVerifier.verifyAttestation(attestation);
            }
        }
        assertGt(n, 4, "too few vectors");
    }

    function test_reportDataHash_matchesTheVectors() public {
        uint256 n;
        for (; vm.keyExistsJson(json, _case(n)); ++n) {
            string memory k = _case(n);
            TEELivenessVerifier at = _livenessAt(k);
            bytes32 expected = vm.parseJsonBytes32(json, string.concat(k, ".reportDataHash"));
            assertEq(at.reportDataHash(_vectorReport(k)), expected, k);
            assertEq(vm.parseJsonBytes(json, string.concat(k, ".reportData")), abi.encodePacked(expected, bytes32(0)), k);
        }
    }

    function test_submitLivenessProof_acceptsTheFirstVector() public {
        string memory k = _case(0);
        TEELivenessVerifier at = _livenessAt(k);
        ITEELivenessVerifier.LivenessReport memory r = _vectorReport(k);
        vm.roll(r.referenceBlockNumber + 1);
        vm.setBlockhash(r.referenceBlockNumber, r.referenceBlockHash);
        vm.startPrank(owner);
        at.setAttestationVerifier(DEVNET, devnetVerifier);
        at.setMeasurementAllowed(
            DEVNET, IAttestationVerifier.MeasurementKind.MRENCLAVE, vm.parseJsonBytes32(json, ".measurement.mrEnclave"), true
        );
        vm.stopPrank();
        bytes memory attestation = vm.parseJsonBytes(json, string.concat(k, ".attestation"));
        vm.prank(r.operator);
        at.submitLivenessProof(DEVNET, r, attestation);
        assertTrue(at.isProverLive(r.operator, DEVNET, block.timestamp));
        assertEq(at.getProver(r.operator, DEVNET).proverKey, r.proverKey);
    }
}
