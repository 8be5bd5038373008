// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/core/signatures/BN254.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {MultiProverServiceManager} from "../../../src/services/multi-prover/MultiProverServiceManager.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice MultiProverServiceManager against test/vectors/multi-prover.json, the vectors the TypeScript digest and
///         aggregation (src/services/multi-prover/digest.ts, signature.ts) are tested with: the same EIP-712 digest of
///         every header, and an aggregated StateSignature, as TypeScript encodes it, that verifies with one pairing.
contract MultiProverVectorsTest is MultiProverFixture {
    string internal constant MP_VECTORS = "/../test/vectors/multi-prover.json";

    function _mpJson() internal view returns (string memory) {
        return vm.readFile(string.concat(vm.projectRoot(), MP_VECTORS));
    }

    /// @dev Runs the service manager's code at the vectors' verifyingContract on their chain id (the digest reads no
    ///      storage: the EIP-712 domain is rebuilt for that address and chain).
    function _atVectorDomain(string memory json) internal returns (MultiProverServiceManager at) {
        vm.chainId(vm.parseUint(vm.parseJsonString(json, ".domain.chainId")));
        address where = vm.parseJsonAddress(json, ".domain.verifyingContract");
        vm.etch(where, address(sm).code);
        return MultiProverServiceManager(where);
    }

    function _header(string memory json, string memory k) internal pure returns (IMultiProverServiceManager.StateHeader memory) {
        return IMultiProverServiceManager.StateHeader({
            committeeId: vm.parseUint(vm.parseJsonString(json, string.concat(k, ".header.committeeId"))),
            metadata: vm.parseJsonBytes(json, string.concat(k, ".header.metadata")),
            state: vm.parseJsonBytes(json, string.concat(k, ".header.state")),
            quorumNumbers: vm.parseJsonBytes(json, string.concat(k, ".header.quorumNumbers")),
            referenceEpoch: uint32(vm.parseJsonUint(json, string.concat(k, ".header.referenceEpoch")))
        });
    }

    function test_hashStateHeader_matchesSharedVectors() public {
        string memory json = _mpJson();
        MultiProverServiceManager at = _atVectorDomain(json);
        assertEq(at.domainSeparator(), vm.parseJsonBytes32(json, ".domain.separator"), "domain separator");
        uint256 checked;
        for (uint256 i; vm.keyExistsJson(json, string.concat(".headers[", vm.toString(i), "]")); ++i) {
            string memory k = string.concat(".headers[", vm.toString(i), "]");
            assertEq(at.hashStateHeader(_header(json, k)), vm.parseJsonBytes32(json, string.concat(k, ".digest")), k);
            ++checked;
        }
        assertGt(checked, 2, "no vectors");
    }

    function test_stateSignature_fromTypeScriptVerifiesWithOnePairing() public view {
        string memory json = _mpJson();
        bytes32 digest = vm.parseJsonBytes32(json, ".signature.digest");
        IMultiProverServiceManager.StateSignature memory signature =
            abi.decode(vm.parseJsonBytes(json, ".signature.encoded"), (IMultiProverServiceManager.StateSignature));
        // The contract's sum: every quorum's signer keys, an operator in two quorums counted twice.
        BN254.G1Point memory apk;
        for (uint256 q; q < signature.signerKeys.length; ++q) {
            for (uint256 s; s < signature.signerKeys[q].length; ++s) {
                if (s != 0) {
                    assertLt(
                        uint256(BN254.hashG1(signature.signerKeys[q][s - 1])),
                        uint256(BN254.hashG1(signature.signerKeys[q][s])),
                        "signers ascending by key hash"
                    );
                }
                (, apk) = BN254.add(apk, signature.signerKeys[q][s]);
            }
        }
        BN254.G1Point memory expected = BN254.G1Point(
            vm.parseUint(vm.parseJsonString(json, ".signature.apkG1.x")),
            vm.parseUint(vm.parseJsonString(json, ".signature.apkG1.y"))
        );
        assertEq(apk.X, expected.X, "apk x");
        assertEq(apk.Y, expected.Y, "apk y");
        assertTrue(BN254.verifyBLS(digest, apk, signature.apkG2, signature.sigma), "aggregate verifies");
        assertFalse(BN254.verifyBLS(keccak256(abi.encode(digest)), apk, signature.apkG2, signature.sigma), "other digest");
    }
}
