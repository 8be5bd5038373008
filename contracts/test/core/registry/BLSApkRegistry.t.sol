// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBLSApkRegistry} from "../../../src/core/registry/IBLSApkRegistry.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {BLSApkRegistryHarness, BLSFixture} from "./BLSFixture.sol";

/// @notice BLSApkRegistry: key registration with proof of possession (the attacks first), quorums, thresholds and
///         per-epoch checkpoints of weights and aggregate keys.
contract BLSApkRegistryTest is BLSFixture {
    // ---- attacks on key registration ----

    /// @dev A rogue key pk₁ − pk₀ would let operator 1 alone sign for {rogue, operator 0}; its secret is unknown, so
    ///      no proof of possession exists for it and registration is refused whatever proof is given.
    function test_rogueKey_cannotBeRegisteredWithoutItsSecret() public {
        BN254.G2Point memory keyG2of1 = _keyG2(1);
        _registerKey(0);
        BN254.G1Point memory rogueG1 = _g1(".rogue.publicKeyG1");
        BN254.G2Point memory rogueG2 = _g2(".rogue.publicKeyG2");
        address attacker = _operator(1);

        // The attack it would enable: rogue + victim = attacker's key, so the attacker's lone signature verifies.
        (bool ok, BN254.G1Point memory sum) = BN254.add(rogueG1, _keyG1(0));
        assertTrue(ok);
        bytes32 message = keccak256("task");
        assertTrue(BN254.verifyBLS(message, sum, keyG2of1, _signWith(_secret(1), message)), "attack premise");

        bytes32 popMessage = registry.popMessageHash(attacker, rogueG1);
        BN254.G1Point[3] memory proofs = [
            _signWith(_secret(1), popMessage), // the attacker's own key signing the rogue key's PoP message
            _signWith(_secret(0), popMessage), // the victim's secret (which the attacker does not even hold)
            BN254.G1Point(1, 2)
        ];
        for (uint256 i; i < proofs.length; ++i) {
            vm.prank(attacker);
            vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
            registry.registerBLSKey(rogueG1, rogueG2, proofs[i]);
        }
    }

    function test_popForAnotherOperator_isRefused() public {
        BN254.G2Point memory keyG2of0 = _keyG2(0);
        BN254.G1Point memory key = _keyG1(0);
        BN254.G1Point memory proof = _signWith(_secret(0), registry.popMessageHash(_operator(5), key));
        vm.prank(_operator(0));
        vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
        registry.registerBLSKey(key, keyG2of0, proof);
    }

    function test_popForAnotherChain_isRefused() public {
        BN254.G2Point memory keyG2of0 = _keyG2(0);
        BN254.G1Point memory key = _keyG1(0);
        BN254.G1Point memory proof = _signWith(_secret(0), registry.popMessageHash(_operator(0), key));
        vm.chainId(block.chainid + 1);
        vm.prank(_operator(0));
        vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
        registry.registerBLSKey(key, keyG2of0, proof);
    }

    function test_popForAnotherRegistry_isRefused() public {
        BN254.G2Point memory keyG2of0 = _keyG2(0);
        BLSApkRegistryHarness other = new BLSApkRegistryHarness(epochManager, MAX_AGE, address(this));
        BN254.G1Point memory key = _keyG1(0);
        BN254.G1Point memory proof = _signWith(_secret(0), other.popMessageHash(_operator(0), key));
        vm.prank(_operator(0));
        vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
        registry.registerBLSKey(key, keyG2of0, proof);
    }

    function test_mismatchedG1AndG2_isRefused() public {
        BN254.G2Point memory keyG2of1 = _keyG2(1);
        BN254.G1Point memory key = _keyG1(0);
        BN254.G1Point memory proof = _signWith(_secret(0), registry.popMessageHash(_operator(0), key));
        vm.prank(_operator(0));
        vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
        registry.registerBLSKey(key, keyG2of1, proof);
    }

    /// @dev Even the key's holder cannot register it for a second operator: key hash → operator is permanent.
    function test_keyRegisteredOnce_cannotBeRegisteredByAnotherOperator() public {
        BN254.G2Point memory keyG2of0 = _keyG2(0);
        _registerKey(0);
        BN254.G1Point memory key = _keyG1(0);
        address other = _operator(7);
        BN254.G1Point memory proof = _signWith(_secret(0), registry.popMessageHash(other, key));
        vm.prank(other);
        vm.expectRevert(
            abi.encodeWithSelector(IBLSApkRegistry.KeyAlreadyRegistered.selector, BN254.hashG1(key), _operator(0))
        );
        registry.registerBLSKey(key, keyG2of0, proof);
    }

    function test_operatorCannotReplaceItsKey() public {
        BN254.G2Point memory keyG2of1 = _keyG2(1);
        _registerKey(0);
        BN254.G1Point memory key = _keyG1(1);
        BN254.G1Point memory proof = _signWith(_secret(1), registry.popMessageHash(_operator(0), key));
        vm.prank(_operator(0));
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.OperatorAlreadyHasKey.selector, _operator(0)));
        registry.registerBLSKey(key, keyG2of1, proof);
    }

    function test_zeroKey_isRefused() public {
        BN254.G2Point memory zeroG2;
        vm.expectRevert(IBLSApkRegistry.ZeroKey.selector);
        registry.registerBLSKey(BN254.G1Point(0, 0), zeroG2, BN254.G1Point(0, 0));
    }

    /// @dev A proof by the right key over a message naming another operator, chain or registry is refused.
    function testFuzz_popBindsOperatorChainAndRegistry(address operator, uint64 chainId, address registryAddress)
        public
    {
        vm.assume(operator != _operator(0) && chainId != block.chainid && registryAddress != address(registry));
        vm.assume(operator != address(0));
        BN254.G1Point memory key = _keyG1(0);
        BN254.G2Point memory keyG2of0 = _keyG2(0);
        bytes32 wrongOperator =
            keccak256(abi.encode(registry.POP_TYPEHASH(), operator, block.chainid, address(registry), key.X, key.Y));
        bytes32 wrongChain =
            keccak256(abi.encode(registry.POP_TYPEHASH(), _operator(0), chainId, address(registry), key.X, key.Y));
        bytes32 wrongRegistry =
            keccak256(abi.encode(registry.POP_TYPEHASH(), _operator(0), block.chainid, registryAddress, key.X, key.Y));
        bytes32[3] memory messages = [wrongOperator, wrongChain, wrongRegistry];
        for (uint256 i; i < 3; ++i) {
            BN254.G1Point memory proof = _signWith(_secret(0), messages[i]);
            vm.prank(_operator(0));
            vm.expectRevert(IBLSApkRegistry.InvalidProofOfPossession.selector);
            registry.registerBLSKey(key, keyG2of0, proof);
        }
    }

    // ---- registration ----

    function test_registerKey_recordsKeyBothWaysAndEmits() public {
        BN254.G2Point memory keyG2of3 = _keyG2(3);
        BN254.G1Point memory key = _keyG1(3);
        bytes32 keyHash = BN254.hashG1(key);
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.BLSKeyRegistered(_operator(3), keyHash, key, keyG2of3);
        _registerKey(3);
        assertEq(registry.keyHashOperator(keyHash), _operator(3));
        assertEq(registry.operatorKeyHash(_operator(3)), keyHash);
        BN254.G1Point memory stored = registry.getOperatorKey(_operator(3));
        assertEq(stored.X, key.X);
        assertEq(stored.Y, key.Y);
    }

    // ---- quorums and thresholds ----

    function test_createQuorum_refusesZeroOrExcessiveThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.InvalidThreshold.selector, uint16(0)));
        registry.createQuorum(1, 0);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.InvalidThreshold.selector, uint16(10_001)));
        registry.createQuorum(1, 10_001);
        registry.createQuorum(1, 6_667);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.InvalidThreshold.selector, uint16(0)));
        registry.setQuorumThreshold(1, 0);
    }

    function test_quorumAdministration_isOwnerOnly() public {
        address stranger = address(0xBAD);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.createQuorum(1, 5_000);
        registry.createQuorum(1, 5_000);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.setQuorumThreshold(1, 6_000);
    }

    function test_createQuorum_twice_reverts_andUnknownQuorum_reverts() public {
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.QuorumCreated(1, 5_000, 1);
        registry.createQuorum(1, 5_000);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumExists.selector, uint8(1)));
        registry.createQuorum(1, 5_000);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumDoesNotExist.selector, uint8(2)));
        registry.setQuorumThreshold(2, 5_000);
        _registerKey(0);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.QuorumDoesNotExist.selector, uint8(2)));
        registry.setOperatorWeight(2, _operator(0), 1);
    }

    function test_threshold_takesEffectAtTheNextEffectiveEpoch() public {
        registry.createQuorum(1, 5_000);
        _warpToEpoch(3);
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.QuorumThresholdSet(1, 9_000, 4);
        registry.setQuorumThreshold(1, 9_000);
        assertEq(registry.getQuorumAt(1, 3).thresholdBps, 5_000);
        assertEq(registry.getQuorumAt(1, 4).thresholdBps, 9_000);
        assertEq(registry.getQuorumAt(1, 0).thresholdBps, 0, "before creation");
    }

    /// @dev Checkpoints at epochs 1 .. 7 (one per epoch, the later ones in the head and the older ones searched).
    function test_quorumHistory_answersEveryEpoch() public {
        registry.createQuorum(1, 1_000);
        for (uint32 e = 1; e <= 6; ++e) {
            _warpToEpoch(e);
            registry.setQuorumThreshold(1, uint16(1_000 + 1_000 * e));
        }
        assertEq(registry.getQuorumAt(1, 0).thresholdBps, 0, "before creation");
        for (uint32 e = 1; e <= 7; ++e) {
            assertEq(registry.getQuorumAt(1, e).thresholdBps, 1_000 * e, vm.toString(e));
            assertEq(registry.getQuorumAt(1, e).epoch, e);
        }
        assertEq(registry.getQuorumAt(1, 100).thresholdBps, 7_000, "carried forward");
        assertEq(registry.getLatestQuorum(1).thresholdBps, 7_000);
    }

    // ---- weights and aggregate keys by epoch ----

    function test_weight_requiresAKey() public {
        registry.createQuorum(1, 5_000);
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistry.OperatorHasNoKey.selector, _operator(0)));
        registry.setOperatorWeight(1, _operator(0), 1);
    }

    function test_weights_andApk_areCheckpointedAtTheEffectiveEpoch() public {
        registry.createQuorum(1, 5_000);
        _registerKey(0);
        _registerKey(1);
        vm.expectEmit(address(registry));
        emit IBLSApkRegistry.OperatorWeightUpdated(1, _operator(0), BN254.hashG1(_keyG1(0)), 10, 1);
        registry.setOperatorWeight(1, _operator(0), 10);
        registry.setOperatorWeight(1, _operator(1), 5);

        assertEq(registry.getQuorumAt(1, 0).totalWeight, 0, "nothing at epoch 0");
        IBLSApkRegistry.QuorumCheckpoint memory one = registry.getQuorumAt(1, 1);
        assertEq(one.totalWeight, 15);
        (, BN254.G1Point memory both) = BN254.add(_keyG1(0), _keyG1(1));
        assertEq(one.apk.X, both.X);
        assertEq(one.apk.Y, both.Y);

        // In the grace period of epoch 1 a change takes effect at epoch 3.
        vm.warp(GENESIS + 2 * EPOCH_LENGTH - GRACE);
        registry.setOperatorWeight(1, _operator(0), 0);
        assertEq(registry.getOperatorWeightAt(1, _operator(0), 2), 10, "epoch 2 unchanged");
        assertEq(registry.getOperatorWeightAt(1, _operator(0), 3), 0, "removed at 3");
        IBLSApkRegistry.QuorumCheckpoint memory three = registry.getQuorumAt(1, 3);
        BN254.G1Point memory key1 = _keyG1(1);
        assertEq(three.apk.X, key1.X);
        assertEq(three.apk.Y, key1.Y);
        assertEq(three.totalWeight, 5);
        assertEq(registry.getQuorumAt(1, 2).totalWeight, 15, "epoch 2 keeps the old set");
        assertEq(registry.getLatestOperatorWeight(1, _operator(0)), 0);
        assertEq(registry.getLatestQuorum(1).totalWeight, 5);
    }

    function test_weightChanges_withinOneEpoch_overwriteTheSameCheckpoint() public {
        registry.createQuorum(1, 5_000);
        _registerKey(0);
        registry.setOperatorWeight(1, _operator(0), 10);
        registry.setOperatorWeight(1, _operator(0), 0);
        registry.setOperatorWeight(1, _operator(0), 7);
        IBLSApkRegistry.QuorumCheckpoint memory one = registry.getQuorumAt(1, 1);
        BN254.G1Point memory key = _keyG1(0);
        assertEq(one.totalWeight, 7);
        assertEq(one.apk.X, key.X);
        assertEq(one.apk.Y, key.Y);
    }
}
