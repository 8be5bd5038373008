// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReplicationFixture} from "./ReplicationFixture.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";
import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";
import {RegistryStateSender} from "../../../src/core/replication/RegistryStateSender.sol";
import {AVSDirectory} from "../../../devnet/eigenlayer/AVSDirectory.sol";
import {DelegationManager} from "../../../devnet/eigenlayer/DelegationManager.sol";
import {StrategyManager} from "../../../devnet/eigenlayer/StrategyManager.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {IDelegationManagerTypes} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @notice Drives the main registry (registrations, deregistrations, key rotations, stake changes, threshold changes,
///         time), the replication path (sends through a queueing bridge, deliveries in any order and again), and an
///         attacker (forged `from` through the bridge, direct calls to the receiver, the light registry and the
///         sender, each with an arbitrary set signed by keys the attacker holds).
contract ReplicationHandler is Test {
    uint256 public constant N = 4;

    struct Deps {
        ECDSAStakeRegistry registry;
        EpochManager epochManager;
        address serviceManager;
        AVSDirectory avsDirectory;
        DelegationManager delegationManager;
        StrategyManager strategyManager;
        StrategyBase strategy;
        DevnetToken token;
        address owner;
        ReplicationMockAbridge bridge;
        RegistryStateSender stateSender;
        RegistryStateReceiver receiver;
        LightStakeRegistry light;
        uint256 remoteChain;
    }

    Deps internal d;
    address internal attacker = makeAddr("attacker");

    uint256[N] public operatorPk;
    address[N] public operatorAddr;
    bool[N] public registered;
    uint8[N] public currentKey;
    /// @notice Private key of every signing key in play (operators' two each, the attacker's four).
    mapping(address key => uint256 pk) public pkOf;
    uint256 internal saltCounter;

    /// @notice Set when something the model forbids happened (checked by the invariants).
    bool public forgeryAccepted;
    bool public legitDeliveryReverted;
    mapping(bytes32 => uint256) public calls;

    constructor(Deps memory deps, uint256[N] memory pks) {
        d = deps;
        for (uint256 i; i < N; ++i) {
            operatorPk[i] = pks[i];
            operatorAddr[i] = vm.addr(pks[i]);
            for (uint256 v; v < 2; ++v) {
                uint256 pk = _signingPk(i, v);
                pkOf[vm.addr(pk)] = pk;
            }
            uint256 apk = _attackerPk(i);
            pkOf[vm.addr(apk)] = apk;
        }
    }

    function _signingPk(uint256 i, uint256 version) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("replication invariant key", i, version)));
    }

    function _attackerPk(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("attacker key", i)));
    }

    /// @notice Operator `i`'s signing key number `version` (0 or 1).
    function signingKey(uint256 i, uint256 version) external pure returns (address) {
        return vm.addr(_signingPk(i, version));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // main chain
    // ---------------------------------------------------------------------------------------------------------------

    function register(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (registered[i]) return;
        bytes32 salt = bytes32(++saltCounter);
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 digest =
            d.avsDirectory.calculateOperatorAVSRegistrationDigestHash(operatorAddr[i], d.serviceManager, salt, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorPk[i], digest);
        vm.prank(operatorAddr[i]);
        d.registry
            .registerOperatorWithSignature(
                ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry(abi.encodePacked(r, s, v), salt, expiry),
                vm.addr(_signingPk(i, currentKey[i]))
            );
        registered[i] = true;
        calls["register"]++;
    }

    function deregister(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (!registered[i]) return;
        vm.prank(operatorAddr[i]);
        d.registry.deregisterOperator();
        registered[i] = false;
        calls["deregister"]++;
    }

    function rotateKey(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (!registered[i]) return;
        uint8 next = 1 - currentKey[i];
        vm.prank(operatorAddr[i]);
        d.registry.updateOperatorSigningKey(vm.addr(_signingPk(i, next)));
        currentKey[i] = next;
        calls["rotateKey"]++;
    }

    function deposit(uint256 i, uint256 amount) external {
        i = bound(i, 0, N - 1);
        amount = bound(amount, 1, 200 ether);
        d.token.mint(operatorAddr[i], amount);
        vm.startPrank(operatorAddr[i]);
        d.token.approve(address(d.strategyManager), amount);
        d.strategyManager.depositIntoStrategy(d.strategy, IERC20(address(d.token)), amount);
        vm.stopPrank();
        _refresh(i);
        calls["deposit"]++;
    }

    function withdraw(uint256 i, uint256 amount) external {
        i = bound(i, 0, N - 1);
        uint256 available = d.strategyManager.stakerDepositShares(operatorAddr[i], d.strategy);
        if (available == 0) return;
        amount = bound(amount, 1, available);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory p =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = d.strategy;
        uint256[] memory shares = new uint256[](1);
        shares[0] = amount;
        p[0] = IDelegationManagerTypes.QueuedWithdrawalParams(strategies, shares, address(0));
        vm.prank(operatorAddr[i]);
        d.delegationManager.queueWithdrawals(p);
        _refresh(i);
        calls["withdraw"]++;
    }

    function setThreshold(uint16 bps) external {
        bps = uint16(bound(bps, 1, 10_000));
        vm.prank(d.owner);
        d.registry.updateThresholdBps(bps);
        calls["setThreshold"]++;
    }

    function warp(uint256 seconds_) external {
        seconds_ = bound(seconds_, 1, 2 * d.epochManager.EPOCH_LENGTH());
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + 1);
        calls["warp"]++;
    }

    function _refresh(uint256 i) internal {
        address[] memory list = new address[](1);
        list[0] = operatorAddr[i];
        d.registry.updateOperators(list);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // replication
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Anyone sends the finalized epoch's set; the bridge queues it.
    function send(uint256 extra) external {
        extra = bound(extra, 0, 1 ether);
        uint256 fee = d.epochManager.quoteStateUpdates(d.remoteChain);
        vm.deal(address(this), fee + extra);
        d.epochManager.sendStateUpdates{value: fee + extra}(d.remoteChain);
        calls["send"]++;
    }

    /// @notice Delivers queued message `index` — in any order, and again (replays, stale epochs).
    function deliver(uint256 index) external {
        uint256 n = d.bridge.outboxLength();
        if (n == 0) return;
        try d.bridge.deliver(index % n) {
            calls["deliver"]++;
        } catch {
            legitDeliveryReverted = true;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // attacker
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev An arbitrary set: pool operators in `members`, keys the attacker holds, weights from `seed`, threshold 1.
    function _forgedMessage(uint32 epoch, uint256 members, uint256 seed) internal view returns (bytes memory) {
        RegistryStateMessage.OperatorSet memory s;
        s.epoch = epoch;
        uint256[] memory order = _byAddress();
        uint256 n;
        for (uint256 i; i < N; ++i) {
            if (members >> i & 1 == 1) ++n;
        }
        s.operators = new address[](n);
        s.signingKeys = new address[](n);
        s.weights = new uint256[](n);
        uint256 k;
        for (uint256 j; j < N; ++j) {
            uint256 i = order[j];
            if (members >> i & 1 == 0) continue;
            s.operators[k] = operatorAddr[i];
            s.signingKeys[k] = vm.addr(_attackerPk(i));
            s.weights[k] = (seed >> (8 * i) & 0xff) * 1 ether;
            s.totalWeight += s.weights[k];
            ++k;
        }
        s.thresholdWeight = s.totalWeight == 0 ? 0 : 1;
        return RegistryStateMessage.encode(s);
    }

    function _forgedEpoch(uint256 seed) internal view returns (uint32) {
        return d.epochManager.currentEpoch() + uint32(seed % 4) - (d.epochManager.currentEpoch() > 0 ? 1 : 0);
    }

    /// @notice The bridge delivers a message that claims to come from another main-chain contract.
    function forgeThroughBridge(address from, uint256 members, uint256 seed) external {
        if (from == address(d.stateSender)) from = attacker;
        bytes memory message = _forgedMessage(_forgedEpoch(seed), members, seed);
        try d.bridge.deliverRaw(from, address(d.receiver), message, bytes32(seed)) {
            forgeryAccepted = true;
        } catch {}
        calls["forgeThroughBridge"]++;
    }

    /// @notice The attacker calls the receiver itself, naming the real sender as `from`.
    function forgeToReceiver(uint256 members, uint256 seed) external {
        bytes memory message = _forgedMessage(_forgedEpoch(seed), members, seed);
        vm.prank(attacker);
        try d.receiver.handleMessage(address(d.stateSender), message, bytes32(seed)) {
            forgeryAccepted = true;
        } catch {}
        calls["forgeToReceiver"]++;
    }

    /// @notice The attacker calls the light registry directly.
    function forgeToRegistry(uint256 members, uint256 seed) external {
        RegistryStateMessage.OperatorSet memory s = this.decode(_forgedMessage(_forgedEpoch(seed), members, seed));
        vm.prank(attacker);
        try d.light
        .processEpochUpdate(s.epoch, s.operators, s.signingKeys, s.weights, s.totalWeight, s.thresholdWeight) {
            forgeryAccepted = true;
        } catch {}
        calls["forgeToRegistry"]++;
    }

    /// @notice The attacker asks the main-chain sender to send its own set.
    function forgeToSender(uint256 members, uint256 seed) external {
        bytes memory message = _forgedMessage(_forgedEpoch(seed), members, seed);
        vm.deal(attacker, 1 ether);
        vm.prank(attacker);
        try d.stateSender.sendStateUpdate{value: 1 ether}(d.remoteChain, message, 4, attacker) {
            forgeryAccepted = true;
        } catch {}
        calls["forgeToSender"]++;
    }

    function decode(bytes calldata message) external pure returns (RegistryStateMessage.OperatorSet memory) {
        return RegistryStateMessage.decode(message);
    }

    /// @notice Pool indices sorted by operator address.
    function _byAddress() internal view returns (uint256[] memory order) {
        order = new uint256[](N);
        for (uint256 i; i < N; ++i) {
            order[i] = i;
        }
        for (uint256 i = 1; i < N; ++i) {
            for (uint256 j = i; j > 0 && operatorAddr[order[j - 1]] > operatorAddr[order[j]]; --j) {
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
    }

    function byAddress() external view returns (uint256[] memory) {
        return _byAddress();
    }

    receive() external payable {}
}

/// @notice Whatever messages arrive, the light registry only ever holds sets the main chain had at the same epoch:
///         every epoch it received reads the main registry's keys, total and threshold of that epoch and at most its
///         checkpointed weights, every other epoch reads nothing, and every proof that verifies on it is one a dispute
///         on the main chain admits.
contract ReplicationInvariantTest is ReplicationFixture {
    ReplicationHandler internal handler;

    function setUp() public override {
        super.setUp();
        bridge.setDeliverOnSend(false);
        uint256[4] memory pks;
        for (uint256 i; i < 4; ++i) {
            Op memory op = _newOperator(i + 1, (i + 1) * 25 ether);
            _joinAndAllocate(op.addr, FULL_MAGNITUDE); // all of it slashable: weight = delegated shares
            pks[i] = op.pk;
        }
        handler = new ReplicationHandler(
            ReplicationHandler.Deps({
                registry: registry,
                epochManager: epochManager,
                serviceManager: address(serviceManager),
                avsDirectory: avsDirectory,
                delegationManager: delegationManager,
                strategyManager: strategyManager,
                strategy: strategy,
                token: stakeToken,
                owner: avsOwner,
                bridge: bridge,
                stateSender: stateSender,
                receiver: receiver,
                light: light,
                remoteChain: REMOTE_CHAIN
            }),
            pks
        );
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = ReplicationHandler.register.selector;
        selectors[1] = ReplicationHandler.deregister.selector;
        selectors[2] = ReplicationHandler.rotateKey.selector;
        selectors[3] = ReplicationHandler.deposit.selector;
        selectors[4] = ReplicationHandler.withdraw.selector;
        selectors[5] = ReplicationHandler.setThreshold.selector;
        selectors[6] = ReplicationHandler.warp.selector;
        selectors[7] = ReplicationHandler.send.selector;
        selectors[8] = ReplicationHandler.deliver.selector;
        selectors[9] = ReplicationHandler.forgeThroughBridge.selector;
        selectors[10] = ReplicationHandler.forgeToReceiver.selector;
        selectors[11] = ReplicationHandler.forgeToRegistry.selector;
        selectors[12] = ReplicationHandler.forgeToSender.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev sigData of the pool operators in `mask` at `epoch`, each signing with the key the light registry holds for
    ///      it then (else the main registry's, else its first key): the most favourable proof for the light registry.
    function _sigData(uint256 mask, uint32 epoch, bytes32 digest) internal view returns (bytes memory) {
        uint256[] memory order = handler.byAddress();
        uint256 n;
        for (uint256 i; i < 4; ++i) {
            if (mask >> i & 1 == 1) ++n;
        }
        address[] memory operators = new address[](n);
        bytes[] memory signatures = new bytes[](n);
        uint256 k;
        for (uint256 j; j < 4; ++j) {
            uint256 i = order[j];
            if (mask >> i & 1 == 0) continue;
            address op = handler.operatorAddr(i);
            address key = light.getOperatorSigningKeyAtEpoch(op, epoch);
            if (key == address(0)) key = registry.getOperatorSigningKeyAtEpoch(op, epoch);
            if (key == address(0)) key = handler.signingKey(i, 0);
            operators[k] = op;
            signatures[k] = _sign(handler.pkOf(key), digest);
            ++k;
        }
        return abi.encode(operators, signatures, epoch);
    }

    /// @dev The harness reaches the interesting states: a replicated epoch verifies on both, a skipped one only on
    ///      the main chain, forgeries bounce.
    function test_harness_replicatesAndRejectsForgeries() public {
        for (uint256 i; i < 4; ++i) {
            handler.register(i);
        }
        handler.warp(LENGTH - GRACE); // grace of epoch 0
        handler.send(0);
        handler.deliver(0);
        handler.forgeThroughBridge(makeAddr("x"), 15, 123);
        handler.forgeToReceiver(15, 456);
        handler.forgeToRegistry(15, 789);
        handler.forgeToSender(15, 1);
        assertFalse(handler.forgeryAccepted());
        handler.warp(GRACE); // epoch 1
        assertTrue(light.isEpochReceived(1));
        bytes32 digest = _digest(1);
        bytes memory all = _sigData(15, 1, digest);
        assertEq(light.isValidSignature(digest, all), MAGIC);
        assertEq(registry.isValidSignature(digest, all), MAGIC);
        handler.warp(LENGTH); // epoch 2, never sent
        digest = _digest(2);
        all = _sigData(15, 2, digest);
        assertEq(registry.isValidSignature(digest, all), MAGIC);
        assertEq(light.isValidSignature(digest, all), INVALID);
        handler.deliver(0); // a replay is dropped
        assertEq(light.epochCount(), 1);
        assertFalse(handler.legitDeliveryReverted());
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 32
    function invariant_lightHoldsOnlyTheMainChainsSets() public view {
        uint32 last = epochManager.finalizedEpoch();
        assertLe(light.latestEpoch(), last, "light registry ahead of the main chain's final sets");
        for (uint32 e; e <= last; ++e) {
            uint256 threshold = light.getThresholdWeightAtEpoch(e);
            if (!light.isEpochReceived(e)) {
                assertEq(threshold, 0, "threshold for an epoch not received");
                assertEq(light.getTotalWeightAtEpoch(e), 0, "total for an epoch not received");
                for (uint256 i; i < 4; ++i) {
                    assertFalse(light.isOperatorRegisteredAtEpoch(handler.operatorAddr(i), e), "member of no set");
                }
                continue;
            }
            assertEq(threshold, registry.getThresholdWeightAtEpoch(e), "threshold");
            assertEq(light.getTotalWeightAtEpoch(e), registry.getTotalWeightAtEpoch(e), "total");
            // The main registry sends each weight lowered to the slashable stake at send time and leaves out operators
            // with none: a replica holds the main chain's keys and at most its checkpointed weights, never more.
            for (uint256 i; i < 4; ++i) {
                address op = handler.operatorAddr(i);
                if (!light.isOperatorRegisteredAtEpoch(op, e)) continue;
                assertEq(light.getOperatorSigningKeyAtEpoch(op, e), registry.getOperatorSigningKeyAtEpoch(op, e), "key");
                assertLe(light.getOperatorWeightAtEpoch(op, e), registry.getOperatorWeightAtEpoch(op, e), "weight");
            }
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 32
    function invariant_everyProofVerifyingOnLightIsChallengeableOnMain() public view {
        uint32 current = epochManager.currentEpoch();
        uint32 low = current > MAX_AGE ? current - MAX_AGE : 0;
        for (uint32 e = low; e <= current; ++e) {
            bytes32 digest = _digest(e);
            for (uint256 mask = 1; mask < 16; ++mask) {
                bytes memory sigData = _sigData(mask, e, digest);
                bool lightOk = light.isValidSignature(digest, sigData) == MAGIC;
                // What a dispute admits: the main registry's check at its checkpointed weights.
                bool admissible = registry.isValidSignatureAtCheckpoints(digest, sigData) == MAGIC;
                if (lightOk) assertTrue(admissible, "light accepted a proof a dispute on the main chain would not admit");
                if (!light.isEpochReceived(e)) assertFalse(lightOk, "epoch not received verified");
            }
        }
    }

    /// @dev Shows each run reaches replicated epochs (not a vacuous pass): epochs received and the latest one.
    function afterInvariant() public {
        emit log_named_uint("epochs received", light.epochCount());
        emit log_named_uint("latest epoch received", light.latestEpoch());
        emit log_named_uint("operators in the latest set", light.getOperatorCount());
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 32
    function invariant_forgeriesBounceAndDeliveriesSucceed() public view {
        assertFalse(handler.forgeryAccepted(), "a forged message was accepted");
        assertFalse(handler.legitDeliveryReverted(), "a message the sender sent failed on delivery");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 32
    function invariant_noEtherStaysInReplicationContracts() public view {
        assertEq(address(epochManager).balance, 0);
        assertEq(address(stateSender).balance, 0);
        assertEq(address(receiver).balance, 0);
        assertEq(address(light).balance, 0);
    }
}
