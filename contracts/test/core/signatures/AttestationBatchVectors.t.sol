// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {AttestationBatchTree} from "./AttestationBatchTree.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";

/// @dev Calls the library's calldata functions (the proof is calldata there, as in the verifier).
contract AttestationBatchHarness {
    function root(bytes32 digest, bytes32[] calldata proof) external pure returns (bytes32) {
        return AttestationBatch.root(digest, proof);
    }
}

/// @notice AttestationBatch's constants and hashes against their definitions, and against test/vectors/
///         attestation-batch.json, the vectors the TypeScript batch builder writes (skipped until it exists).
contract AttestationBatchVectorsTest is Test {
    string internal constant VECTORS = "/../test/vectors/attestation-batch.json";

    AttestationBatchHarness internal harness;

    function setUp() public {
        harness = new AttestationBatchHarness();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // constants and hashes against their definitions
    // ---------------------------------------------------------------------------------------------------------------

    function test_tag_isTheHashOfItsName() public pure {
        assertEq(AttestationBatch.BATCH_SIGDATA_TAG, keccak256("avs-stack.sigdata.batched.v1"));
    }

    function test_typehash_matchesTypeString() public pure {
        assertEq(AttestationBatch.ATTESTATION_BATCH_TYPEHASH, keccak256("AttestationBatch(bytes32 root)"));
    }

    function test_domainSeparator_hasNameAndVersionOnly() public pure {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version)"),
                keccak256("avs-stack attestation batch"),
                keccak256("1")
            )
        );
        assertEq(AttestationBatch.BATCH_DOMAIN_SEPARATOR, expected);
    }

    /// @dev The single form's first word is an offset below the length of sigData: never the tag.
    function test_tag_isNoPlausibleOffset() public pure {
        assertGt(uint256(AttestationBatch.BATCH_SIGDATA_TAG), type(uint64).max);
    }

    function testFuzz_leaf_isOpenZeppelinsStandardLeaf(bytes32 digest) public pure {
        assertEq(AttestationBatch.leaf(digest), keccak256(bytes.concat(keccak256(abi.encode(digest)))));
    }

    function testFuzz_batchDigest_isEip712OfTheRoot(bytes32 root) public pure {
        bytes32 structHash = keccak256(abi.encode(AttestationBatch.ATTESTATION_BATCH_TYPEHASH, root));
        assertEq(
            AttestationBatch.batchDigest(root),
            keccak256(abi.encodePacked("\x19\x01", AttestationBatch.BATCH_DOMAIN_SEPARATOR, structHash))
        );
    }

    /// @dev batchDigest uses memory past the free pointer as scratch: nothing allocated is overwritten.
    function test_batchDigest_leavesAllocatedMemoryAlone() public pure {
        bytes32[] memory kept = new bytes32[](3);
        kept[0] = bytes32(uint256(1));
        kept[1] = bytes32(uint256(2));
        kept[2] = bytes32(uint256(3));
        AttestationBatch.batchDigest(keccak256("root"));
        assertEq(kept[0], bytes32(uint256(1)));
        assertEq(kept[1], bytes32(uint256(2)));
        assertEq(kept[2], bytes32(uint256(3)));
    }

    function test_root_ofEveryDigestIsTheTreeRoot() public view {
        bytes32[] memory digests = new bytes32[](13);
        for (uint256 i; i < digests.length; ++i) {
            digests[i] = keccak256(abi.encode("digest", i));
        }
        bytes32[] memory tree = AttestationBatchTree.build(digests);
        for (uint256 i; i < digests.length; ++i) {
            assertEq(harness.root(digests[i], AttestationBatchTree.proof(tree, digests[i])), tree[0]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // shared vectors
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The committed vectors; a missing file fails the test (scripts/gen-batch-vectors.ts writes it).
    function _json() internal view returns (string memory) {
        return vm.readFile(string.concat(vm.projectRoot(), VECTORS));
    }

    function test_vectors_constantsMatch() public {
        string memory json = _json();
        assertEq(vm.parseJsonBytes32(json, ".tag"), AttestationBatch.BATCH_SIGDATA_TAG, "tag");
        assertEq(vm.parseJsonBytes32(json, ".domainSeparator"), AttestationBatch.BATCH_DOMAIN_SEPARATOR, "domain");
        assertEq(vm.parseJsonBytes32(json, ".typehash"), AttestationBatch.ATTESTATION_BATCH_TYPEHASH, "typehash");
    }

    /// @dev Per case: the root of the digests' tree (built here as OpenZeppelin does), the batch digest, and per leaf
    ///      its hash and the root its proof leads to.
    function test_vectors_rootsLeavesProofsAndBatchDigestsMatch() public {
        string memory json = _json();
        uint256 leaves;
        uint256 i;
        for (; vm.keyExistsJson(json, string.concat(".cases[", vm.toString(i), "]")); ++i) {
            string memory k = string.concat(".cases[", vm.toString(i), "]");
            bytes32 root = vm.parseJsonBytes32(json, string.concat(k, ".root"));
            bytes32[] memory digests = vm.parseJsonBytes32Array(json, string.concat(k, ".digests"));
            assertEq(AttestationBatchTree.root(digests), root, string.concat(k, ".root"));
            assertEq(
                AttestationBatch.batchDigest(root),
                vm.parseJsonBytes32(json, string.concat(k, ".batchDigest")),
                string.concat(k, ".batchDigest")
            );
            for (uint256 j; vm.keyExistsJson(json, string.concat(k, ".leaves[", vm.toString(j), "]")); ++j) {
                string memory l = string.concat(k, ".leaves[", vm.toString(j), "]");
                bytes32 digest = vm.parseJsonBytes32(json, string.concat(l, ".digest"));
                assertEq(AttestationBatch.leaf(digest), vm.parseJsonBytes32(json, string.concat(l, ".leaf")), l);
                bytes32[] memory proof = _proofAt(json, string.concat(l, ".proof"));
                assertEq(harness.root(digest, proof), root, string.concat(l, ".proof"));
                ++leaves;
            }
        }
        assertGt(i, 0, "no cases");
        assertGt(leaves, 0, "no leaves");
    }

    /// @dev The batched sigData TypeScript encodes: the same bytes as abi.encode here, its proof leads to its root, and
    ///      it verifies on a LightStakeRegistry whose set at its reference epoch is its operators, each signing with its
    ///      own address as signing key and weight 1 (threshold: all of them).
    function test_vectors_sigDataIsEncodedAsHereAndVerifies() public {
        string memory json = _json();
        bytes32 digest = vm.parseJsonBytes32(json, ".sigData.digest");
        bytes32 root = vm.parseJsonBytes32(json, ".sigData.root");
        address[] memory operators = vm.parseJsonAddressArray(json, ".sigData.operators");
        bytes[] memory signatures = vm.parseJsonBytesArray(json, ".sigData.signatures");
        uint32 epoch = uint32(vm.parseJsonUint(json, ".sigData.referenceEpoch"));
        bytes32[] memory proof = _proofAt(json, ".sigData.proof");
        bytes memory encoded = vm.parseJsonBytes(json, ".sigData.encoded");
        assertEq(encoded, abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, signatures, epoch, proof));
        assertEq(harness.root(digest, proof), root, "root");
        assertEq(AttestationBatch.batchDigest(root), vm.parseJsonBytes32(json, ".sigData.batchDigest"), "batchDigest");

        uint64 length = 120;
        LightStakeRegistry light = new LightStakeRegistry(1_700_000_000, length, 0, address(this));
        light.setStateReceiver(address(this));
        vm.warp(1_700_000_000 + uint256(epoch) * length);
        uint256[] memory weights = new uint256[](operators.length);
        for (uint256 i; i < operators.length; ++i) {
            weights[i] = 1;
        }
        light.processEpochUpdate(epoch, operators, operators, weights, operators.length, operators.length);
        assertEq(light.isValidSignature(digest, encoded), bytes4(0x1626ba7e), "verifies");
        (uint256 signed,) = light.checkSignatures(digest, encoded);
        assertEq(signed, operators.length);
    }

    /// @dev The proof at `key` (an empty JSON array is read as no proof).
    function _proofAt(string memory json, string memory key) internal view returns (bytes32[] memory proof) {
        if (!vm.keyExistsJson(json, string.concat(key, "[0]"))) return new bytes32[](0);
        return vm.parseJsonBytes32Array(json, key);
    }
}
