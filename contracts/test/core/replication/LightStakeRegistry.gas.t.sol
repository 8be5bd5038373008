// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";

/// @notice Gas of a snapshot's arrival on a remote chain, cold storage (vm.cool before each measurement), for 4, 10
///         and 50 operators: RegistryStateReceiver.handleMessage (what the bridge's gas limit must cover: decoding plus
///         LightStakeRegistry.processEpochUpdate) in four cases — first sync, unchanged set, every weight changed,
///         one operator replaced. Figures are logged; bounds are asserted against the recommended route formula
///         (docs/decisions/replication-0001.md: 150,000 + 75,000 per operator).
contract LightStakeRegistryGasTest is Test {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint256 internal constant BASE_GAS = 150_000;
    uint256 internal constant GAS_PER_OPERATOR = 75_000;

    address internal owner = makeAddr("owner");
    address internal bridge;
    address internal mainSender = makeAddr("main sender");
    LightStakeRegistry internal light;
    RegistryStateReceiver internal receiver;

    function setUp() public {
        light = new LightStakeRegistry(GENESIS, 120, 2, owner);
        receiver = new RegistryStateReceiver(light, owner);
        ReplicationMockAbridge b = new ReplicationMockAbridge(0, 0);
        bridge = address(b);
        vm.startPrank(owner);
        light.setStateReceiver(address(receiver));
        receiver.setRoute(b, mainSender);
        vm.stopPrank();
    }

    /// @dev n operators 0x…01‥n (ascending), random-looking keys, weights (i + 1 + bump) ether; `skip` leaves operator
    ///      index `skip` out and adds one past the end instead (type(uint256).max: none).
    function _message(uint32 epoch, uint256 n, uint256 bump, uint256 skip) internal pure returns (bytes memory) {
        RegistryStateMessage.OperatorSet memory s;
        s.epoch = epoch;
        s.operators = new address[](n);
        s.signingKeys = new address[](n);
        s.weights = new uint256[](n);
        uint256 k;
        for (uint256 i; k < n; ++i) {
            if (i == skip) continue;
            s.operators[k] = address(uint160(0x1000 + i));
            s.signingKeys[k] = vm.addr(uint256(keccak256(abi.encode("gas key", i))));
            s.weights[k] = (i + 1 + bump) * 1 ether;
            s.totalWeight += s.weights[k];
            ++k;
        }
        s.thresholdWeight = (s.totalWeight * 6667 + 9999) / 10_000;
        return RegistryStateMessage.encode(s);
    }

    function _deliver(bytes memory message) internal returns (uint256 gasUsed) {
        vm.cool(address(light));
        vm.cool(address(receiver));
        uint256 nonce = vm.getNonce(address(light));
        if (nonce > 1) vm.cool(vm.computeCreateAddress(address(light), nonce - 1)); // the latest operator list
        vm.prank(bridge);
        gasUsed = gasleft();
        receiver.handleMessage(mainSender, message, bytes32(0));
        gasUsed -= gasleft();
    }

    function _measure(uint256 n) internal {
        uint256 first = _deliver(_message(1, n, 0, type(uint256).max));
        uint256 unchanged = _deliver(_message(2, n, 0, type(uint256).max));
        uint256 weights = _deliver(_message(3, n, 1, type(uint256).max));
        uint256 replaced = _deliver(_message(4, n, 1, n / 2));
        string memory tag = string.concat(vm.toString(n), " operators");
        emit log_named_uint(string.concat("handleMessage, first sync, ", tag), first);
        emit log_named_uint(string.concat("handleMessage, unchanged set, ", tag), unchanged);
        emit log_named_uint(string.concat("handleMessage, every weight changed, ", tag), weights);
        emit log_named_uint(string.concat("handleMessage, one operator replaced, ", tag), replaced);
        uint256 budget = BASE_GAS + n * GAS_PER_OPERATOR;
        assertLe(first, budget, "first sync over the route formula");
        assertLe(weights, budget, "weight sync over the route formula");
        assertLe(replaced, budget, "replacement over the route formula");
        // Only calldata work per operator (~1,800 gas: checks, hash, decoding); one cold read each would add 2,100.
        assertLe(unchanged, 75_000 + n * 2_000, "an unchanged set must not cost per-operator storage");
        assertEq(light.getOperatorCount(), n);
    }

    function test_gas_handleMessage_4Operators() public {
        _measure(4);
    }

    function test_gas_handleMessage_10Operators() public {
        _measure(10);
    }

    function test_gas_handleMessage_50Operators() public {
        _measure(50);
    }

    function test_gas_processEpochUpdate_50Operators() public {
        bytes memory message = _message(1, 50, 0, type(uint256).max);
        RegistryStateMessage.OperatorSet memory s = this.decode(message);
        vm.prank(address(receiver));
        uint256 g = gasleft();
        light.processEpochUpdate(s.epoch, s.operators, s.signingKeys, s.weights, s.totalWeight, s.thresholdWeight);
        g -= gasleft();
        emit log_named_uint("processEpochUpdate alone, first sync, 50 operators", g);
        s.epoch = 2;
        vm.cool(address(light));
        vm.prank(address(receiver));
        g = gasleft();
        light.processEpochUpdate(s.epoch, s.operators, s.signingKeys, s.weights, s.totalWeight, s.thresholdWeight);
        g -= gasleft();
        emit log_named_uint("processEpochUpdate alone, unchanged set, 50 operators", g);
    }

    function decode(bytes calldata message) external pure returns (RegistryStateMessage.OperatorSet memory) {
        return RegistryStateMessage.decode(message);
    }
}
