// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {MultiProverServiceManager} from "../../../src/services/multi-prover/MultiProverServiceManager.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice Drives confirmState with valid, fully signed headers: 2 committees × 2 metadata × 3 states, prepared once.
///         Records the first state confirmed per (committee, metadata) and every confirmation that succeeded.
contract MultiProverConfirmHandler is Test {
    MultiProverServiceManager internal immutable sm;
    bytes[] internal _calls;
    bytes32[] internal _slots;
    bytes32[] internal _states;

    mapping(bytes32 slot => bytes32 stateHash) public firstState;
    mapping(bytes32 slot => uint256) public confirmations;

    constructor(MultiProverServiceManager sm_) {
        sm = sm_;
    }

    function add(bytes calldata call_, bytes32 slot, bytes32 stateHash) external {
        _calls.push(call_);
        _slots.push(slot);
        _states.push(stateHash);
    }

    function confirm(uint256 seed) external {
        uint256 i = seed % _calls.length;
        (bool ok,) = address(sm).call(_calls[i]);
        if (!ok) return;
        if (confirmations[_slots[i]]++ == 0) firstState[_slots[i]] = _states[i];
    }

    function slotCount() external view returns (uint256) {
        return _slots.length;
    }

    function slotAt(uint256 i) external view returns (bytes32) {
        return _slots[i];
    }
}

/// @notice Invariant: a confirmed (committee, metadata) never changes state and is never confirmed again.
contract MultiProverServiceManagerInvariantTest is MultiProverFixture {
    MultiProverConfirmHandler internal handler;
    uint256[] internal committees;
    bytes[] internal metadatas;

    function setUp() public virtual override {
        super.setUp();
        Op[] memory ops = _newMembers(0, 4, _quorums(0, 1));
        _warpToEpoch(1);
        handler = new MultiProverConfirmHandler(sm);
        committees.push(BOTH);
        committees.push(SGX_ONLY);
        metadatas.push("block 1");
        metadatas.push("block 2");
        for (uint256 c; c < 2; ++c) {
            for (uint256 m; m < 2; ++m) {
                for (uint256 s; s < 3; ++s) {
                    bytes memory state = abi.encode("state", s);
                    IMultiProverServiceManager.StateHeader memory header =
                        _header(committees[c], metadatas[m], state, 1);
                    uint256 quorums = header.quorumNumbers.length;
                    IMultiProverServiceManager.StateSignature memory signature =
                        _aggregate(sm.hashStateHeader(header), _everyone(ops, quorums));
                    handler.add(
                        abi.encodeCall(MultiProverServiceManager.confirmState, (header, signature)),
                        keccak256(abi.encode(committees[c], keccak256(metadatas[m]))),
                        keccak256(state)
                    );
                }
            }
        }
        targetContract(address(handler));
    }

    function invariant_confirmedStateNeverChangesAndIsConfirmedOnce() public view {
        for (uint256 c; c < 2; ++c) {
            for (uint256 m; m < 2; ++m) {
                bytes32 slot = keccak256(abi.encode(committees[c], keccak256(metadatas[m])));
                IMultiProverServiceManager.ConfirmedState memory stored = sm.getConfirmedState(committees[c], metadatas[m]);
                uint256 count = handler.confirmations(slot);
                assertLe(count, 1, "confirmed twice");
                if (count == 1) assertEq(stored.stateHash, handler.firstState(slot), "state changed");
                else assertEq(stored.confirmedAt, 0, "confirmed without a recorded call");
            }
        }
    }
}
