// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RegistryFixture} from "../registry/RegistryFixture.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";
import {RegistryStateSender} from "../../../src/core/replication/RegistryStateSender.sol";

/// @notice RegistryFixture (real EigenLayer devnet core, EpochManager, ServiceManager, ECDSAStakeRegistry) plus the
///         replication path to one "remote chain" in the same EVM: RegistryStateSender → ReplicationMockAbridge →
///         RegistryStateReceiver → LightStakeRegistry, with the light registry on the main registry's clock.
abstract contract ReplicationFixture is RegistryFixture {
    uint256 internal constant REMOTE_CHAIN = 31_338;
    /// @dev The destination gas formula the deployment docs recommend (docs/decisions/replication-0001.md).
    uint64 internal constant BASE_GAS = 150_000;
    uint64 internal constant GAS_PER_OPERATOR = 75_000;
    uint256 internal constant BRIDGE_BASE_FEE = 0.001 ether;
    uint256 internal constant BRIDGE_FEE_PER_BYTE = 1 gwei;

    ReplicationMockAbridge internal bridge;
    RegistryStateSender internal stateSender;
    LightStakeRegistry internal light;
    RegistryStateReceiver internal receiver;
    address internal publisher = makeAddr("publisher");

    function setUp() public virtual override {
        super.setUp();
        _deployReplication();
    }

    function _deployReplication() internal {
        bridge = new ReplicationMockAbridge(BRIDGE_BASE_FEE, BRIDGE_FEE_PER_BYTE);
        vm.startPrank(avsOwner);
        stateSender = new RegistryStateSender(address(epochManager), avsOwner);
        epochManager.setStateSender(stateSender);
        light = new LightStakeRegistry(GENESIS, LENGTH, MAX_AGE, avsOwner);
        receiver = new RegistryStateReceiver(light, avsOwner);
        light.setStateReceiver(address(receiver));
        receiver.setRoute(bridge, address(stateSender));
        stateSender.setRoute(REMOTE_CHAIN, bridge, address(receiver), BASE_GAS, GAS_PER_OPERATOR);
        vm.stopPrank();
        vm.deal(publisher, 100 ether);
        vm.label(address(bridge), "MockAbridge");
        vm.label(address(stateSender), "RegistryStateSender");
        vm.label(address(light), "LightStakeRegistry");
        vm.label(address(receiver), "RegistryStateReceiver");
    }

    /// @dev The publisher sends the finalized epoch's set, paying the quoted fee.
    function _sync() internal returns (bytes32 guid) {
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.prank(publisher);
        guid = epochManager.sendStateUpdates{value: fee}(REMOTE_CHAIN);
    }

    /// @dev Asserts the light registry holds exactly the main registry's set at `epoch`.
    function _assertReplicated(uint32 epoch) internal view {
        assertTrue(light.isEpochReceived(epoch), "epoch not received");
        (
            address[] memory operators,
            address[] memory keys,
            uint256[] memory weights,
            uint256 totalWeight,
            uint256 thresholdWeight
        ) = registry.getOperatorSetAtEpoch(epoch);
        assertEq(light.getTotalWeightAtEpoch(epoch), totalWeight, "total");
        assertEq(light.getThresholdWeightAtEpoch(epoch), thresholdWeight, "threshold");
        assertEq(thresholdWeight, registry.getThresholdWeightAtEpoch(epoch), "main threshold");
        for (uint256 i; i < operators.length; ++i) {
            assertEq(light.getOperatorSigningKeyAtEpoch(operators[i], epoch), keys[i], "key");
            assertEq(light.getOperatorWeightAtEpoch(operators[i], epoch), weights[i], "weight");
        }
    }
}
