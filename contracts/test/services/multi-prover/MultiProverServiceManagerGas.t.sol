// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {console} from "forge-std/console.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice Gas of confirmState with every operator signing, for 10, 50 and 200 operators, with a one-quorum committee
///         (SGX) and a two-quorum committee (SGX and TDX; every operator is in both, so it is listed twice). Cold
///         storage (vm.cool) for the ServiceManager, the registry and the liveness verifier; call gas, without the
///         calldata's intrinsic cost. Logs the figures.
contract MultiProverServiceManagerGasTest is MultiProverFixture {
    function test_gas_confirmState_10() public {
        _measure(10);
    }

    function test_gas_confirmState_50() public {
        _measure(50);
    }

    function test_gas_confirmState_200() public {
        _measure(200);
    }

    function _measure(uint256 n) internal {
        Op[] memory ops = _newMembers(0, n, _quorums(SGX_Q, TDX_Q));
        _warpToEpoch(1);
        uint256 one = _confirm(_header(SGX_ONLY, "m", "s", 1), ops, 1);
        uint256 two = _confirm(_header(BOTH, "m", "s", 1), ops, 2);
        console.log("operators %d: confirmState 1 quorum %d gas, 2 quorums %d gas", n, one, two);
    }

    function _confirm(IMultiProverServiceManager.StateHeader memory header, Op[] memory ops, uint256 quorums)
        internal
        returns (uint256 used)
    {
        IMultiProverServiceManager.StateSignature memory signature =
            _aggregate(sm.hashStateHeader(header), _everyone(ops, quorums));
        vm.cool(address(sm));
        vm.cool(address(registry));
        vm.cool(address(liveness));
        uint256 before = gasleft();
        sm.confirmState(header, signature);
        used = before - gasleft();
        assertTrue(sm.isStateConfirmed(header.committeeId, header.metadata, header.state));
    }
}
