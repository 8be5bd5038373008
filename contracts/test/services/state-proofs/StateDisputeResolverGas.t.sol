// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice Gas of submitChallenge against the registry's isValidSignature over the same sigData, cold storage, for
///         1, 10 and 50 signers, single and batched (a proof of 10 levels). submitChallenge runs the registry's check
///         once and stores what the slashing needs (the challenge, and the signers only as the hash of their list):
///         from 10 signers on it costs at most isValidSignature + 150,000 (the challenge's 7 fresh slots are most of
///         that; with one signer, isValidSignature itself is small).
contract StateDisputeResolverGasTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;

    function test_gas_submitChallenge_1signer() public {
        _measure(1, false);
    }

    function test_gas_submitChallenge_10signers() public {
        assertLe(_measure(10, false), 150_000);
    }

    function test_gas_submitChallenge_50signers() public {
        assertLe(_measure(50, false), 150_000);
    }

    function test_gas_submitChallenge_50signersBatched() public {
        assertLe(_measure(50, true), 150_000);
    }

    /// @dev `n` operators all sign a wrong attestation, alone or in a batch (10 levels); logs both figures.
    /// @return extra submitChallenge gas above isValidSignature's (0 when below).
    function _measure(uint256 n, bool batched) internal returns (uint256 extra) {
        Op[] memory ops = _quorumOf(n);
        uint64 blockNumber = _writeRemote(KEY, 1234);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, blockNumber, KEY, 999, true, registry.currentEpoch());
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData;
        if (batched) {
            // Any path defines a root: the signers sign the batch digest of the root this one leads to.
            bytes32[] memory proof = new bytes32[](10);
            for (uint256 i; i < proof.length; ++i) {
                proof[i] = keccak256(abi.encode("sibling", i));
            }
            bytes32 root = MerkleProof.processProof(proof, AttestationBatch.leaf(digest));
            sigData = _batchSigData(ops, root, a.epoch, proof);
        } else {
            sigData = _sigData(ops, digest, a.epoch);
        }

        _coolAll();
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        uint256 verifyGas = vm.lastCallGas().gasTotalUsed;

        _coolAll();
        vm.prank(challenger);
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
        uint256 submitGas = vm.lastCallGas().gasTotalUsed;

        string memory label = string.concat(batched ? "batched, " : "single, ", "signers ", vm.toString(n));
        emit log_named_uint(string.concat("isValidSignature gas, ", label), verifyGas);
        emit log_named_uint(string.concat("submitChallenge gas, ", label), submitGas);
        extra = submitGas > verifyGas ? submitGas - verifyGas : 0;
    }

    function _coolAll() internal {
        vm.cool(address(resolver));
        vm.cool(address(registry));
        vm.cool(address(serviceManager));
        vm.cool(address(verifier));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        vm.cool(address(strategyManager));
    }
}
