// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBLSApkRegistry} from "../../../src/core/registry/IBLSApkRegistry.sol";
import {ServiceManagerBase} from "../../../src/core/avs/ServiceManagerBase.sol";
import {IAVSDirectoryTypes} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {IAllocationManagerTypes, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {IMultiProverRegistry} from "../../../src/services/multi-prover/IMultiProverRegistry.sol";
import {MultiProverRegistry} from "../../../src/services/multi-prover/MultiProverRegistry.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice MultiProverRegistry: quorum configuration, registration (through the AVSDirectory and the
///         PermissionController), weights from slashable stake, refresh, deregistration and freezing.
contract MultiProverRegistryTest is MultiProverFixture {
    uint256 internal constant WEIGHT = STAKE * MAGNITUDE / 1e18; // 25 ether per quorum

    // ---- deployment and quorums ----

    function test_constructor_refusesZeroServiceManagerAndMaxOperators() public {
        vm.expectRevert(IMultiProverRegistry.ZeroAddress.selector);
        new MultiProverRegistry(epochManager, ServiceManagerBase(address(0)), MAX_AGE, 1, avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.InvalidMaxOperators.selector, 0));
        new MultiProverRegistry(epochManager, sm, MAX_AGE, 0, avsOwner);
    }

    function test_createQuorum_twoArgumentForm_isDisabled() public {
        vm.prank(avsOwner);
        vm.expectRevert(IMultiProverRegistry.QuorumNeedsStrategies.selector);
        registry.createQuorum(5, 5000);
    }

    function test_createQuorum_needsTheOperatorSet() public {
        IMultiProverRegistry.QuorumConfig memory config = _config(10_000, MIN_WEIGHT);
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorSetDoesNotExist.selector, 5));
        registry.createQuorum(5, 5000, config);
    }

    function test_createQuorum_onlyOwner() public {
        IMultiProverRegistry.QuorumConfig memory config = _config(10_000, MIN_WEIGHT);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        registry.createQuorum(5, 5000, config);
    }

    function test_createQuorum_existing_reverts() public {
        IMultiProverRegistry.QuorumConfig memory config = _config(10_000, MIN_WEIGHT);
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumExists.selector, SGX_Q));
        registry.createQuorum(SGX_Q, 5000, config);
    }

    function test_createQuorum_emitsAndStoresTheConfig() public {
        _createSet(2);
        IMultiProverRegistry.QuorumConfig memory config = _config(5_000, 2 ether);
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.QuorumCreated(2, 5000, registry.effectiveEpoch());
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.QuorumConfigSet(2, config);
        vm.prank(avsOwner);
        registry.createQuorum(2, 5000, config);
        assertEq(registry.getQuorumConfig(2).minimumWeight, 2 ether);
        assertEq(registry.quorumNumbers(), hex"000102");
    }

    function test_quorumNumbers_areAscendingWhateverTheCreationOrder() public {
        _createSet(200);
        _createSet(7);
        vm.startPrank(avsOwner);
        registry.createQuorum(200, 5000, _config(10_000, MIN_WEIGHT));
        registry.createQuorum(7, 5000, _config(10_000, MIN_WEIGHT));
        vm.stopPrank();
        assertEq(registry.quorumNumbers(), hex"000107c8");
    }

    function test_setQuorumConfig_refusesInvalidStrategiesAndZeroMinimum() public {
        IMultiProverRegistry.QuorumConfig memory config = _config(10_000, MIN_WEIGHT);
        config.strategies = new IMultiProverRegistry.StrategyParams[](0);
        vm.startPrank(avsOwner);
        vm.expectRevert(IMultiProverRegistry.InvalidStrategies.selector);
        registry.setQuorumConfig(SGX_Q, config);
        vm.expectRevert(IMultiProverRegistry.InvalidStrategies.selector);
        registry.setQuorumConfig(SGX_Q, _config(0, MIN_WEIGHT));
        config = _config(10_000, MIN_WEIGHT);
        config.strategies = new IMultiProverRegistry.StrategyParams[](2);
        config.strategies[0] = IMultiProverRegistry.StrategyParams(IStrategy(address(strategy)), 1);
        config.strategies[1] = IMultiProverRegistry.StrategyParams(IStrategy(address(strategy)), 1);
        vm.expectRevert(IMultiProverRegistry.InvalidStrategies.selector);
        registry.setQuorumConfig(SGX_Q, config);
        vm.expectRevert(IMultiProverRegistry.ZeroMinimumWeight.selector);
        registry.setQuorumConfig(SGX_Q, _config(10_000, 0));
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumDoesNotExist.selector, 9));
        registry.setQuorumConfig(9, _config(10_000, MIN_WEIGHT));
        vm.stopPrank();
    }

    function test_setQuorumConfig_refreshesWeightsAndRemovesThoseBelowTheNewMinimum() public {
        Op memory op = _newMember(0, _quorums(SGX_Q, TDX_Q));
        vm.prank(avsOwner);
        registry.setQuorumConfig(SGX_Q, _config(20_000, MIN_WEIGHT));
        assertEq(registry.getLatestOperatorWeight(SGX_Q, op.addr), 2 * WEIGHT);
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorDeregistered(op.addr, TDX_Q, registry.effectiveEpoch());
        vm.prank(avsOwner);
        registry.setQuorumConfig(TDX_Q, _config(10_000, WEIGHT + 1));
        assertFalse(registry.isOperatorInQuorum(op.addr, TDX_Q));
        assertTrue(registry.operatorRegistered(op.addr));
    }

    // ---- registration ----

    function test_register_setsWeightsRegistersInTheAVSDirectoryAndEmits() public {
        Op memory op = _makeOp(0);
        _joinSets(op, _quorums(SGX_Q, TDX_Q));
        _registerKey(op);
        uint32 effective = registry.effectiveEpoch();
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorRegistered(op.addr, SGX_Q, WEIGHT, effective);
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorRegistered(op.addr, TDX_Q, WEIGHT, effective);
        _registerIn(op, _quorums(SGX_Q, TDX_Q));
        assertEq(registry.getOperatorWeightAt(SGX_Q, op.addr, effective), WEIGHT);
        assertEq(registry.getOperatorWeightAt(TDX_Q, op.addr, effective - 1), 0);
        assertEq(registry.getOperatorQuorumBitmap(op.addr), 3);
        assertTrue(registry.operatorRegistered(op.addr));
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(sm), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
    }

    function test_register_inASecondQuorumLater_doesNotRegisterInTheAVSDirectoryAgain() public {
        Op memory op = _makeOp(0);
        _joinSets(op, _quorums(SGX_Q, TDX_Q));
        _registerKey(op);
        _registerIn(op, _quorums(SGX_Q));
        _registerIn(op, _quorums(TDX_Q)); // a second AVSDirectory registration would revert
        assertEq(registry.getOperatorQuorumBitmap(op.addr), 3);
    }

    function test_register_refusals() public {
        Op memory op = _makeOp(0);
        vm.startPrank(op.addr);
        vm.expectRevert(IMultiProverRegistry.NoQuorums.selector);
        registry.registerOperator(new uint8[](0), _signAVSRegistration(op.pk, address(sm)));
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.OperatorHasNoKey.selector, op.addr));
        registry.registerOperator(_quorums(SGX_Q), _signAVSRegistration(op.pk, address(sm)));
        vm.stopPrank();
        _registerKey(op);
        vm.startPrank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumDoesNotExist.selector, 7));
        registry.registerOperator(_quorums(7), _signAVSRegistration(op.pk, address(sm)));
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.NotInOperatorSet.selector, op.addr, SGX_Q));
        registry.registerOperator(_quorums(SGX_Q), _signAVSRegistration(op.pk, address(sm)));
        vm.stopPrank();
        _joinSets(op, _quorums(SGX_Q));
        vm.startPrank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorAlreadyRegistered.selector, op.addr, SGX_Q));
        registry.registerOperator(_quorums(SGX_Q, SGX_Q), _signAVSRegistration(op.pk, address(sm)));
        vm.stopPrank();
    }

    function test_register_belowTheMinimumWeight_reverts() public {
        vm.prank(avsOwner);
        registry.setQuorumConfig(SGX_Q, _config(10_000, WEIGHT + 1));
        Op memory op = _makeOp(0);
        _joinSets(op, _quorums(SGX_Q));
        _registerKey(op);
        vm.prank(op.addr);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultiProverRegistry.InsufficientSlashableStake.selector, op.addr, SGX_Q, WEIGHT, WEIGHT + 1
            )
        );
        registry.registerOperator(_quorums(SGX_Q), _signAVSRegistration(op.pk, address(sm)));
    }

    function test_register_beyondMaxOperators_reverts() public {
        maxOperators = 1;
        _deployStack();
        _newMember(0, _quorums(SGX_Q));
        Op memory op = _makeOp(1);
        _joinSets(op, _quorums(SGX_Q));
        _registerKey(op);
        vm.prank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorSetFull.selector, SGX_Q, 1));
        registry.registerOperator(_quorums(SGX_Q), _signAVSRegistration(op.pk, address(sm)));
    }

    function test_register_forAnotherOperator_needsItsPermission() public {
        Op memory op = _makeOp(0);
        _joinSets(op, _quorums(SGX_Q));
        _registerKey(op);
        address appointee = makeAddr("appointee");
        uint8[] memory quorums = _quorums(SGX_Q);
        vm.expectRevert(
            abi.encodeWithSelector(IMultiProverRegistry.CallerCannotActForOperator.selector, appointee, op.addr)
        );
        vm.prank(appointee);
        registry.registerOperator(op.addr, quorums, _signAVSRegistration(op.pk, address(sm)));
        bytes4 selector = bytes4(keccak256("registerOperator(address,uint8[],(bytes,bytes32,uint256))"));
        vm.prank(op.addr);
        permissionController.setAppointee(op.addr, appointee, address(registry), selector);
        vm.prank(appointee);
        registry.registerOperator(op.addr, quorums, _signAVSRegistration(op.pk, address(sm)));
        assertTrue(registry.isOperatorInQuorum(op.addr, SGX_Q));
    }

    // ---- weights, deregistration ----

    function test_updateOperators_refreshesFromSlashableStake() public {
        Op memory op = _newMember(0, _quorums(SGX_Q));
        _depositStake(op.addr, STAKE); // doubles its shares, so its allocated stake
        address[] memory list = new address[](2);
        (list[0], list[1]) = (op.addr, makeAddr("not registered"));
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.OperatorWeightUpdated(
            SGX_Q, op.addr, registry.operatorKeyHash(op.addr), 2 * WEIGHT, registry.effectiveEpoch()
        );
        registry.updateOperators(SGX_Q, list);
        assertEq(registry.getLatestOperatorWeight(SGX_Q, op.addr), 2 * WEIGHT);
    }

    function test_updateOperators_belowTheMinimum_removesAndLeavesTheAVS() public {
        Op memory op = _newMember(0, _quorums(SGX_Q));
        vm.prank(avsOwner);
        registry.setQuorumConfig(TDX_Q, _config(10_000, MIN_WEIGHT)); // unrelated quorum: no effect
        // Deallocate to zero: slashable weight 0 at the DEALLOCATION_DELAY + 1 horizon.
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        params[0] = IAllocationManagerTypes.AllocateParams(OperatorSet(address(sm), SGX_Q), _strategies(), new uint64[](1));
        vm.prank(op.addr);
        allocationManager.modifyAllocations(op.addr, params);
        address[] memory list = new address[](1);
        list[0] = op.addr;
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorDeregistered(op.addr, SGX_Q, registry.effectiveEpoch());
        registry.updateOperators(SGX_Q, list);
        assertFalse(registry.operatorRegistered(op.addr));
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(sm), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED)
        );
    }

    function test_deregister_leavesQuorumsThenTheAVS() public {
        Op memory op = _newMember(0, _quorums(SGX_Q, TDX_Q));
        vm.startPrank(op.addr);
        vm.expectRevert(IMultiProverRegistry.NoQuorums.selector);
        registry.deregisterOperator(new uint8[](0));
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorDeregistered(op.addr, SGX_Q, registry.effectiveEpoch());
        registry.deregisterOperator(_quorums(SGX_Q));
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OperatorNotRegistered.selector, op.addr, SGX_Q));
        registry.deregisterOperator(_quorums(SGX_Q));
        assertTrue(registry.operatorRegistered(op.addr));
        registry.deregisterOperator(_quorums(TDX_Q));
        vm.stopPrank();
        assertFalse(registry.operatorRegistered(op.addr));
        assertEq(registry.getLatestOperatorWeight(TDX_Q, op.addr), 0);
    }

    function test_leavingAnOperatorSet_refusedOnlyWhileInThatQuorum() public {
        Op memory op = _newMember(0, _quorums(SGX_Q, TDX_Q));
        uint32[] memory ids = new uint32[](1);
        ids[0] = SGX_Q;
        vm.prank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OperatorStillInStakeRegistry.selector, op.addr));
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(op.addr, address(sm), ids));
        vm.prank(op.addr);
        registry.deregisterOperator(_quorums(SGX_Q));
        vm.prank(op.addr); // still in quorum 1, but it may leave set 0
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(op.addr, address(sm), ids));
    }

    // ---- freezing ----

    function test_freezeOperator_onlyTheSlasher() public {
        Op memory op = _newMember(0, _quorums(SGX_Q));
        vm.expectRevert(abi.encodeWithSelector(IMultiProverRegistry.OnlySlasher.selector, address(this)));
        registry.freezeOperator(op.addr);
    }

    function test_freezeOperator_removesFromEveryQuorumOnce() public {
        Op memory op = _newMember(0, _quorums(SGX_Q, TDX_Q));
        vm.expectEmit(address(registry));
        emit IMultiProverRegistry.OperatorFrozen(op.addr, address(slasher), registry.effectiveEpoch());
        vm.prank(address(slasher));
        registry.freezeOperator(op.addr);
        assertTrue(registry.isFrozen(op.addr));
        assertEq(registry.getOperatorQuorumBitmap(op.addr), 0);
        assertEq(registry.getLatestOperatorWeight(TDX_Q, op.addr), 0);
        assertEq(registry.computeOperatorWeight(SGX_Q, op.addr), 0);
        vm.recordLogs();
        vm.prank(address(slasher));
        registry.freezeOperator(op.addr); // no-op
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function _createSet(uint32 id) internal {
        IAllocationManagerTypes.CreateSetParamsV2[] memory sets = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        sets[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: id, strategies: _strategies(), slasher: address(slasher)});
        vm.prank(avsOwner);
        sm.createOperatorSets(sets);
    }
}
