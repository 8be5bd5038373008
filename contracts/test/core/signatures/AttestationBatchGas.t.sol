// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RegistryFixture} from "../registry/RegistryFixture.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @notice Gas of isValidSignature on the main registry, single form against batched with proofs of 0, 6 and 10
///         levels (1, 64 and 1,024 digests), for 1, 10 and 50 signers, cold storage. The batched form costs the Merkle
///         path and the longer head on top of the single form: asserted at most 1,000 + 1,000 per level.
contract AttestationBatchGasTest is RegistryFixture {
    function test_gas_isValidSignature_1signer() public {
        _measure(1);
    }

    function test_gas_isValidSignature_10signers() public {
        _measure(10);
    }

    function test_gas_isValidSignature_50signers() public {
        _measure(50);
    }

    function _measure(uint256 n) internal {
        Op[] memory ops = new Op[](n);
        for (uint256 i; i < n; ++i) {
            ops[i] = _newOperator(100 + i, STAKE);
            _register(ops[i]);
        }
        _warpToEpoch(1);
        bytes32 digest = _digest(1);
        uint256 single = _gas(digest, _sigData(ops, digest, 1));
        emit log_named_uint(string.concat("isValidSignature gas, single, signers ", vm.toString(n)), single);
        uint8[3] memory levels = [0, 6, 10];
        for (uint256 l; l < levels.length; ++l) {
            // Any path defines a root: the signers sign the batch digest of the root this one leads to.
            bytes32[] memory proof = new bytes32[](levels[l]);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = keccak256(abi.encode("sibling", i));
            }
            bytes32 root = MerkleProof.processProof(proof, AttestationBatch.leaf(digest));
            uint256 batched = _gas(digest, _batchSigData(ops, root, 1, proof));
            emit log_named_uint(
                string.concat(
                    "isValidSignature gas, batched, signers ", vm.toString(n), ", proof ", vm.toString(proof.length)
                ),
                batched
            );
            assertLe(batched, single + 1_000 + 1_000 * proof.length, "batched overhead");
        }
    }

    /// @dev Execution gas of one isValidSignature call (callee), cold storage; the proof must hold.
    function _gas(bytes32 digest, bytes memory sigData) internal returns (uint256) {
        vm.cool(address(registry));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        return vm.lastCallGas().gasTotalUsed;
    }
}
