// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {MockAbridge} from "./ChainVerifiersMockBridge.sol";
import {IAbridge} from "../../../src/bridge/IAbridge.sol";
import {MainChainVerifier} from "../../../src/services/state-proofs/MainChainVerifier.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {OwnerTimelock} from "../../../src/services/state-proofs/OwnerTimelock.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";
import {RegistryStateSender} from "../../../src/core/replication/RegistryStateSender.sol";

/// @notice No owner can slash honest operators by rerouting verification at once: with an OwnerTimelock (OpenZeppelin's
///         TimelockController) as owner whose delay is the resolver's EXPOSURE_WINDOW plus a reaction time, a route
///         change is public that long before it can run, so every operator who leaves within the reaction time is out
///         of every dispute's reach by the time the new route can write a single value.
contract ChainVerifiersTimelockTest is StateDisputeResolverFixture {
    /// @dev Time operators have to notice a scheduled call and leave, seconds.
    uint256 internal constant REACTION = 1 hours;

    address internal multisig = makeAddr("AVS multisig");
    OwnerTimelock internal timelock;
    MockAbridge internal evilBridge;
    address internal evilSender = makeAddr("evil remote verifier");
    bytes internal setRouteCall;

    function setUp() public override {
        super.setUp();
        address[] memory roles = new address[](1);
        roles[0] = multisig;
        timelock = new OwnerTimelock(resolver.EXPOSURE_WINDOW() + REACTION, roles, roles, address(0));
        vm.prank(avsOwner);
        verifier.transferOwnership(address(timelock));
        evilBridge = new MockAbridge(0);
        setRouteCall =
            abi.encodeCall(MainChainVerifier.setRoute, (REMOTE_CHAIN_ID, IAbridge(address(evilBridge)), evilSender));
    }

    function _schedule() internal returns (bytes32 id) {
        uint256 delay = timelock.getMinDelay();
        vm.prank(multisig);
        timelock.schedule(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0), delay);
        id = timelock.hashOperation(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0));
    }

    function test_timelock_delayCoversExposureWindow() public view {
        assertGt(timelock.getMinDelay(), resolver.EXPOSURE_WINDOW());
        assertEq(verifier.owner(), address(timelock));
    }

    function test_timelock_formerOwnerCannotSetRouteDirectly() public {
        vm.prank(multisig);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, multisig));
        verifier.setRoute(REMOTE_CHAIN_ID, IAbridge(address(evilBridge)), evilSender);
    }

    function test_timelock_cannotScheduleWithinExposureWindow() public {
        uint256 delay = resolver.EXPOSURE_WINDOW();
        uint256 minDelay = timelock.getMinDelay();
        vm.prank(multisig);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, delay, minDelay));
        timelock.schedule(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0), delay);
    }

    /// @dev The attack: reroute REMOTE_CHAIN_ID through a bridge the owner controls. It cannot run before the delay.
    function test_timelock_routeChangeCannotRunBeforeTheDelay() public {
        bytes32 id = _schedule();
        uint256 readyAt = block.timestamp + timelock.getMinDelay();
        assertEq(timelock.getTimestamp(id), readyAt);
        _advanceTo(readyAt - 1);
        vm.prank(multisig);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0));
        assertEq(address(verifier.getRoute(REMOTE_CHAIN_ID).bridge), address(bridge), "route unchanged");

        _advanceTo(readyAt);
        vm.prank(multisig);
        timelock.execute(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0));
        assertEq(address(verifier.getRoute(REMOTE_CHAIN_ID).bridge), address(evilBridge));
    }

    /// @dev An operator that leaves within the reaction time after the change is announced is out of reach before the
    ///      change can run: it leaves the registry and the set, stays slashable for DEALLOCATION_DELAY blocks (which
    ///      cover EXPOSURE_WINDOW), and the change runs EXPOSURE_WINDOW + REACTION after the announcement.
    function test_timelock_operatorLeavingWithinReactionTimeIsUnslashableWhenItRuns() public {
        Op[] memory ops = _quorumOf(1);
        bytes32 id = _schedule();
        _advance(REACTION - MIN_BLOCK_TIME);
        vm.prank(ops[0].addr);
        registry.deregisterOperator();
        _leaveSet(ops[0]);
        _advanceTo(timelock.getTimestamp(id));
        assertFalse(allocationManager.isOperatorSlashable(ops[0].addr, set), "out of reach when the route changes");
        vm.prank(multisig);
        timelock.execute(address(verifier), 0, setRouteCall, bytes32(0), bytes32(0));
    }

    /// @dev Runs `call` on `target` through the timelock: refused one second before the delay, done at the delay.
    function _onlyAfterDelay(address target, bytes memory call) internal {
        uint256 delay = timelock.getMinDelay();
        vm.prank(multisig);
        timelock.schedule(target, 0, call, bytes32(0), bytes32(0), delay);
        bytes32 id = timelock.hashOperation(target, 0, call, bytes32(0), bytes32(0));
        _advanceTo(timelock.getTimestamp(id) - 1);
        vm.prank(multisig);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(target, 0, call, bytes32(0), bytes32(0));
        _advance(1);
        vm.prank(multisig);
        timelock.execute(target, 0, call, bytes32(0), bytes32(0));
    }

    /// @dev The replication routes (which decide the remote registries' operator sets) wait for the same delay.
    function test_timelock_replicationRoutesWaitForTheDelay() public {
        RegistryStateSender sender = new RegistryStateSender(makeAddr("epoch manager"), address(timelock));
        address evilReceiver = makeAddr("evil receiver");
        _onlyAfterDelay(
            address(sender),
            abi.encodeCall(RegistryStateSender.setRoute, (REMOTE_CHAIN_ID, IAbridge(address(evilBridge)), evilReceiver, 1, 1))
        );
        assertEq(sender.getRoute(REMOTE_CHAIN_ID).receiver, evilReceiver);

        RegistryStateReceiver receiver =
            new RegistryStateReceiver(LightStakeRegistry(makeAddr("light registry")), address(timelock));
        _onlyAfterDelay(
            address(receiver), abi.encodeCall(RegistryStateReceiver.setRoute, (IAbridge(address(evilBridge)), evilSender))
        );
        assertEq(receiver.mainChainSender(), evilSender);
    }

    /// @dev Roles and the delay itself can only change through the timelock (it is its own admin).
    function test_timelock_delayChangeIsItselfTimelocked() public {
        vm.prank(multisig);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, multisig));
        timelock.updateDelay(0);
    }
}
