// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice Gas of submitChallenge against the registry's isValidSignature over the same sigData, cold storage, for
///         1, 10 and 50 signers. submitChallenge runs the registry's check once and stores what the slashing needs.
contract StateDisputeResolverGasTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;

    function test_gas_submitChallenge_1signer() public {
        _measure(1);
    }

    function test_gas_submitChallenge_10signers() public {
        _measure(10);
    }

    function test_gas_submitChallenge_50signers() public {
        _measure(50);
    }

    /// @dev `n` operators all sign a wrong attestation; logs both figures.
    function _measure(uint256 n) internal {
        Op[] memory ops = _quorumOf(n);
        uint64 blockNumber = _writeRemote(KEY, 1234);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, blockNumber, KEY, 999, true, registry.currentEpoch());
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData = _sigData(ops, digest, a.epoch);

        _coolAll();
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        uint256 verifyGas = vm.lastCallGas().gasTotalUsed;

        _coolAll();
        vm.prank(challenger);
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
        uint256 submitGas = vm.lastCallGas().gasTotalUsed;

        emit log_named_uint(string.concat("isValidSignature gas, signers ", vm.toString(n)), verifyGas);
        emit log_named_uint(string.concat("submitChallenge gas, signers ", vm.toString(n)), submitGas);
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
