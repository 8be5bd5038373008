// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/core/signatures/BN254.sol";
import {BLSFixture} from "../registry/BLSFixture.sol";

/// @notice BN254 and the BLS registry against test/vectors/bls.json, the vectors src/core/crypto/bls-signing.ts is
///         tested with (test/unit/bls-signing.test.ts).
contract BLSVectorsTest is BLSFixture {
    function test_hashToG1_matchesSharedVectors() public view {
        string memory json = _json();
        uint256 checked;
        for (uint256 i; vm.keyExistsJson(json, string.concat(".hashToG1[", vm.toString(i), "]")); ++i) {
            string memory k = string.concat(".hashToG1[", vm.toString(i), "]");
            bytes32 message = vm.parseJsonBytes32(json, string.concat(k, ".message"));
            BN254.G1Point memory expected = _g1From(json, string.concat(k, ".point"));
            BN254.G1Point memory actual = BN254.hashToG1(message);
            assertEq(actual.X, expected.X, string.concat(k, " x"));
            assertEq(actual.Y, expected.Y, string.concat(k, " y"));
            ++checked;
        }
        assertGt(checked, 3, "no vectors");
    }

    function test_proofOfPossession_matchesSharedVector() public {
        string memory json = _json();
        address operator = vm.parseJsonAddress(json, ".pop.operator");
        address at = vm.parseJsonAddress(json, ".pop.registry");
        vm.chainId(vm.parseUint(vm.parseJsonString(json, ".pop.chainId")));
        // The PoP binds the registry's address: run this registry's code there (it reads no storage to verify).
        vm.etch(at, address(registry).code);
        BN254.G1Point memory keyG1 = _g1From(json, ".pop.publicKeyG1");
        BN254.G2Point memory keyG2 = _g2From(json, ".pop.publicKeyG2");
        BN254.G1Point memory proof = _g1From(json, ".pop.signature");
        uint256 secret = vm.parseUint(vm.parseJsonString(json, ".pop.secret"));

        (bool ok, BN254.G1Point memory derived) = BN254.mul(BN254.generatorG1(), secret);
        assertTrue(ok);
        assertEq(derived.X, keyG1.X);
        assertEq(derived.Y, keyG1.Y);
        bytes32 message = BLSFixtureView(at).popMessageHash(operator, keyG1);
        assertEq(message, vm.parseJsonBytes32(json, ".pop.messageHash"), "message hash");
        BN254.G1Point memory expected = _signWith(secret, message);
        assertEq(proof.X, expected.X, "signature x");
        assertEq(proof.Y, expected.Y, "signature y");
        assertTrue(BN254.verifyBLS(message, keyG1, keyG2, proof), "verifies");

        vm.prank(operator);
        BLSFixtureView(at).registerBLSKey(keyG1, keyG2, proof);
        assertEq(BLSFixtureView(at).keyHashOperator(BN254.hashG1(keyG1)), operator);
    }

    /// @dev The sigData TypeScript encodes verifies on-chain: quorum 1 = operators {0, 1, 2, 3, 4, 5, 8}, 0 and 4 not
    ///      signing, reference epoch 7.
    function test_typeScriptSigData_verifiesOnChain() public {
        string memory json = _json();
        bytes32 message = vm.parseJsonBytes32(json, ".aggregate.message");
        bytes memory sigData = vm.parseJsonBytes(json, ".aggregate.sigData");
        registry.createQuorum(1, 6_000);
        uint8[7] memory members = [0, 1, 2, 3, 4, 5, 8];
        for (uint256 i; i < members.length; ++i) {
            _registerKey(members[i]);
            registry.setOperatorWeight(1, _operator(members[i]), 1 ether);
        }
        _warpToEpoch(7);
        assertEq(registry.isValidSignature(message, sigData), bytes4(0x1626ba7e), "valid");
        assertEq(registry.isValidSignature(keccak256("other"), sigData), bytes4(0xffffffff), "other message");
        // Operator 4 leaves from epoch 8 on: a proof at reference epoch 7 still holds during epoch 8.
        registry.setOperatorWeight(1, _operator(4), 0);
        _warpToEpoch(8);
        assertEq(registry.isValidSignature(message, sigData), bytes4(0x1626ba7e), "epoch 7 still valid");
    }

    /// @dev The fixture derives the operators' secrets as test/helpers/bls-vectors.ts does; the file holds the same.
    function test_operatorSecrets_matchSharedVectors() public view {
        string memory json = _json();
        uint256 checked;
        for (uint256 i; vm.keyExistsJson(json, string.concat(".operators[", vm.toString(i), "]")); i += 13) {
            string memory k = string.concat(".operators[", vm.toString(i), "]");
            assertEq(_secret(i), vm.parseUint(vm.parseJsonString(json, string.concat(k, ".secret"))), k);
            assertEq(_operator(i), vm.parseJsonAddress(json, string.concat(k, ".operator")), k);
            BN254.G1Point memory expected = _g1From(json, string.concat(k, ".publicKeyG1"));
            BN254.G1Point memory derived = _keyG1(i);
            assertEq(derived.X, expected.X, k);
            assertEq(derived.Y, expected.Y, k);
            ++checked;
        }
        assertGt(checked, 10, "no vectors");
    }

    function test_aggregateSignature_matchesSharedVector() public view {
        string memory json = _json();
        bytes32 message = vm.parseJsonBytes32(json, ".aggregate.message");
        uint256[] memory signers = vm.parseJsonUintArray(json, ".aggregate.signers");
        BN254.G1Point memory apk = BN254.G1Point(0, 0);
        uint256 secretSum;
        for (uint256 i; i < signers.length; ++i) {
            bool ok;
            (ok, apk) = BN254.add(apk, _keyG1(signers[i]));
            assertTrue(ok);
            secretSum = addmod(secretSum, _secret(signers[i]), BN254.FR_MOD);
        }
        BN254.G1Point memory expectedApk = _g1From(json, ".aggregate.apkG1");
        assertEq(apk.X, expectedApk.X, "apk x");
        assertEq(apk.Y, expectedApk.Y, "apk y");
        BN254.G1Point memory sigma = _g1From(json, ".aggregate.signature");
        BN254.G1Point memory expectedSigma = _signWith(secretSum, message);
        assertEq(sigma.X, expectedSigma.X, "sigma x");
        assertEq(sigma.Y, expectedSigma.Y, "sigma y");
        BN254.G2Point memory apkG2 = _g2From(json, ".aggregate.apkG2");
        assertTrue(BN254.verifyBLS(message, apk, apkG2, sigma), "aggregate verifies");
        assertFalse(BN254.verifyBLS(keccak256("another message"), apk, apkG2, sigma), "other message");
        assertFalse(BN254.verifyBLS(message, _keyG1(signers[0]), apkG2, sigma), "G1/G2 mismatch");

        // The sigData TypeScript encodes (encodeBlsSignatureParams) is abi.encode(SignatureParams).
        BN254.G1Point[] memory nonSigners = new BN254.G1Point[](2);
        (nonSigners[0], nonSigners[1]) = (_keyG1(0), _keyG1(4));
        if (uint256(BN254.hashG1(nonSigners[0])) > uint256(BN254.hashG1(nonSigners[1]))) {
            (nonSigners[0], nonSigners[1]) = (nonSigners[1], nonSigners[0]);
        }
        assertEq(
            abi.encode(_params(1, 7, nonSigners, apkG2, sigma)), vm.parseJsonBytes(json, ".aggregate.sigData"), "sigData"
        );
    }
}

/// @dev The registry functions the vector test calls at the vector's registry address.
interface BLSFixtureView {
    function popMessageHash(address operator, BN254.G1Point memory key) external view returns (bytes32);
    function registerBLSKey(BN254.G1Point calldata keyG1, BN254.G2Point calldata keyG2, BN254.G1Point calldata proof)
        external;
    function keyHashOperator(bytes32 keyHash) external view returns (address);
}
