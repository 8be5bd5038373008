// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RegistryFixture} from "./RegistryFixture.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";
import {AVSDirectory} from "../../../devnet/eigenlayer/AVSDirectory.sol";
import {DelegationManager} from "../../../devnet/eigenlayer/DelegationManager.sol";
import {StrategyManager} from "../../../devnet/eigenlayer/StrategyManager.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {IDelegationManagerTypes} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../../../src/eigenlayer/IAllocationManager.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @notice Drives the registry with random registrations, deregistrations, key rotations, stake changes, refreshes,
///         allocation changes, threshold changes and time, and keeps an independent model ("ghost") of what every
///         epoch should read: epochs computed here from the clock, weights from the AllocationManager's slashable stake
///         (kept to 58 significant bits, the registry's documented rounding).
contract RegistryHandler is Test {
    uint256 public constant N = 4;

    /// @dev One ghost checkpoint: from `epoch` on, signing key index (0 none, 1 or 2) and weight.
    struct G {
        uint32 epoch;
        uint8 key;
        uint256 weight;
    }

    struct T {
        uint32 epoch;
        uint16 bps;
    }

    ECDSAStakeRegistry internal registry;
    StateProofsServiceManager internal serviceManager;
    AVSDirectory internal avsDirectory;
    DelegationManager internal delegationManager;
    StrategyManager internal strategyManager;
    StrategyBase internal strategy;
    DevnetToken internal token;
    address internal owner;
    uint256 internal minimumWeight;
    IAllocationManager internal allocationManager;
    uint64 internal genesis;
    uint64 internal length;
    uint64 internal grace;

    uint256[N] public operatorPk;
    address[N] public operatorAddr;
    /// @dev Two signing keys per operator, unique across operators; the operator rotates between them.
    uint256[2][N] public signingPk;
    bool[N] public registered;
    uint8[N] public currentKey;

    mapping(uint256 operator => G[]) internal ghost;
    T[] internal ghostThreshold;
    uint256 internal saltCounter;

    mapping(bytes32 => uint256) public calls;

    constructor(
        ECDSAStakeRegistry registry_,
        StateProofsServiceManager serviceManager_,
        AVSDirectory avsDirectory_,
        DelegationManager delegationManager_,
        StrategyManager strategyManager_,
        StrategyBase strategy_,
        DevnetToken token_,
        address owner_,
        uint256[N] memory operatorPks
    ) {
        registry = registry_;
        serviceManager = serviceManager_;
        avsDirectory = avsDirectory_;
        delegationManager = delegationManager_;
        strategyManager = strategyManager_;
        strategy = strategy_;
        token = token_;
        owner = owner_;
        minimumWeight = registry_.minimumWeight();
        allocationManager = registry_.allocationManager();
        genesis = registry_.GENESIS();
        length = registry_.EPOCH_LENGTH();
        grace = registry_.GRACE_PERIOD();
        for (uint256 i; i < N; ++i) {
            operatorPk[i] = operatorPks[i];
            operatorAddr[i] = vm.addr(operatorPks[i]);
            signingPk[i][0] = uint256(keccak256(abi.encode("invariant key A", i)));
            signingPk[i][1] = uint256(keccak256(abi.encode("invariant key B", i)));
            currentKey[i] = 1;
        }
        ghostThreshold.push(T(0, registry_.thresholdBps()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // actions
    // ---------------------------------------------------------------------------------------------------------------

    function register(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (registered[i] || _weightNow(i) == 0) return; // the registry refuses stake below the minimum weight
        bytes32 salt = bytes32(++saltCounter);
        uint256 expiry = block.timestamp + 1 hours;
        bytes32 digest = avsDirectory.calculateOperatorAVSRegistrationDigestHash(
            operatorAddr[i], address(serviceManager), salt, expiry
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorPk[i], digest);
        vm.prank(operatorAddr[i]);
        registry.registerOperatorWithSignature(
            ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry(abi.encodePacked(r, s, v), salt, expiry),
            vm.addr(signingPk[i][currentKey[i] - 1])
        );
        registered[i] = true;
        _ghostPush(i, currentKey[i], _weightNow(i));
        calls["register"]++;
    }

    function deregister(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (!registered[i]) return;
        vm.prank(operatorAddr[i]);
        registry.deregisterOperator();
        registered[i] = false;
        _ghostPush(i, 0, 0);
        calls["deregister"]++;
    }

    function rotateKey(uint256 i) external {
        i = bound(i, 0, N - 1);
        if (!registered[i]) return;
        uint8 next = currentKey[i] == 1 ? 2 : 1;
        vm.prank(operatorAddr[i]);
        registry.updateOperatorSigningKey(vm.addr(signingPk[i][next - 1]));
        currentKey[i] = next;
        _ghostPush(i, next, _ghostLatest(i).weight);
        calls["rotateKey"]++;
    }

    /// @dev Operator `i` sets its allocation to the operator set to `magnitude` (a decrease stays slashable for the
    ///      deallocation delay, but stops counting at once; an increase beyond what is free is refused by the core).
    function reallocate(uint256 i, uint64 magnitude) external {
        i = bound(i, 0, N - 1);
        magnitude = uint64(bound(magnitude, 0, 1e18));
        IAllocationManagerTypes.AllocateParams[] memory p = new IAllocationManagerTypes.AllocateParams[](1);
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        uint64[] memory magnitudes = new uint64[](1);
        magnitudes[0] = magnitude;
        p[0] = IAllocationManagerTypes.AllocateParams({
            operatorSet: registry.operatorSet(), strategies: strategies, newMagnitudes: magnitudes
        });
        vm.prank(operatorAddr[i]);
        try allocationManager.modifyAllocations(operatorAddr[i], p) {
            calls["reallocate"]++;
        } catch {}
    }

    /// @notice What operator `i` can be slashed for now (after pending deallocations), in stake-token shares.
    function slashableNow(uint256 i) public view returns (uint256) {
        address[] memory ops = new address[](1);
        ops[0] = operatorAddr[i];
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        uint32 horizon = uint32(block.number) + allocationManager.DEALLOCATION_DELAY() + 1;
        return allocationManager.getMinimumSlashableStake(registry.operatorSet(), ops, strategies, horizon)[0][0];
    }

    function deposit(uint256 i, uint256 amount) external {
        i = bound(i, 0, N - 1);
        amount = bound(amount, 1, 200 ether);
        token.mint(operatorAddr[i], amount);
        vm.startPrank(operatorAddr[i]);
        token.approve(address(strategyManager), amount);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(token)), amount);
        vm.stopPrank();
        calls["deposit"]++;
    }

    function withdraw(uint256 i, uint256 amount) external {
        i = bound(i, 0, N - 1);
        uint256 available = strategyManager.stakerDepositShares(operatorAddr[i], strategy);
        if (available == 0) return;
        amount = bound(amount, 1, available);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory p =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        uint256[] memory shares = new uint256[](1);
        shares[0] = amount;
        p[0] = IDelegationManagerTypes.QueuedWithdrawalParams(strategies, shares, address(0));
        vm.prank(operatorAddr[i]);
        delegationManager.queueWithdrawals(p);
        calls["withdraw"]++;
    }

    function refresh(uint8 mask) external {
        address[] memory list = new address[](N);
        uint256 n;
        for (uint256 i; i < N; ++i) {
            if (mask & (1 << i) != 0) list[n++] = operatorAddr[i];
        }
        assembly {
            mstore(list, n)
        }
        registry.updateOperators(list);
        for (uint256 i; i < N; ++i) {
            if (mask & (1 << i) == 0 || !registered[i]) continue;
            uint256 w = _weightNow(i);
            if (w != _ghostLatest(i).weight) _ghostPush(i, currentKey[i], w);
        }
        calls["refresh"]++;
    }

    function setThreshold(uint16 bps) external {
        bps = uint16(bound(bps, 1, 10_000));
        vm.prank(owner);
        registry.updateThresholdBps(bps);
        uint32 e = _effectiveEpoch();
        if (ghostThreshold[ghostThreshold.length - 1].epoch == e) ghostThreshold.pop();
        ghostThreshold.push(T(e, bps));
        calls["setThreshold"]++;
    }

    function warp(uint256 seconds_) external {
        seconds_ = bound(seconds_, 1, 2 * length);
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + 1);
        calls["warp"]++;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the model
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The model's current epoch.
    function currentEpoch() public view returns (uint32) {
        return uint32((block.timestamp - genesis) / length);
    }

    /// @notice The model's signing key (private key; 0 when not registered) and weight of operator `i` at `epoch`.
    function stateAt(uint256 i, uint32 epoch) public view returns (uint256 keyPk, uint256 weight) {
        G[] storage g = ghost[i];
        for (uint256 k = g.length; k > 0; --k) {
            if (g[k - 1].epoch <= epoch) {
                return (g[k - 1].key == 0 ? 0 : signingPk[i][g[k - 1].key - 1], g[k - 1].weight);
            }
        }
        return (0, 0);
    }

    /// @notice The key operator `i` does not hold at `epoch` (a stale or future key), for negative cases.
    function otherKeyAt(uint256 i, uint32 epoch) external view returns (uint256) {
        (uint256 keyPk,) = stateAt(i, epoch);
        return keyPk == signingPk[i][0] ? signingPk[i][1] : signingPk[i][0];
    }

    /// @notice The model's total weight and threshold weight at `epoch`.
    function thresholdAt(uint32 epoch) public view returns (uint256 total, uint256 threshold) {
        for (uint256 i; i < N; ++i) {
            (, uint256 w) = stateAt(i, epoch);
            total += w;
        }
        uint16 bps;
        for (uint256 k = ghostThreshold.length; k > 0; --k) {
            if (ghostThreshold[k - 1].epoch <= epoch) {
                bps = ghostThreshold[k - 1].bps;
                break;
            }
        }
        threshold = (total * bps + 9999) / 10_000;
    }

    function _weightNow(uint256 i) internal view returns (uint256 w) {
        w = slashableNow(i); // multiplier 10000 = 1×
        if (w < minimumWeight) return 0;
        // Rounded down to 58 significant bits (shares here stay far below the 2^121 cap).
        uint256 bits;
        for (uint256 x = w; x != 0; x >>= 1) {
            ++bits;
        }
        if (bits > 58) w = (w >> (bits - 58)) << (bits - 58);
    }

    function _effectiveEpoch() internal view returns (uint32) {
        uint256 elapsed = block.timestamp - genesis;
        return uint32(elapsed / length + (elapsed % length >= length - grace ? 2 : 1));
    }

    function _ghostLatest(uint256 i) internal view returns (G memory) {
        G[] storage g = ghost[i];
        return g.length == 0 ? G(0, 0, 0) : g[g.length - 1];
    }

    function _ghostPush(uint256 i, uint8 key, uint256 weight) internal {
        uint32 e = _effectiveEpoch();
        G[] storage g = ghost[i];
        if (g.length != 0 && g[g.length - 1].epoch == e) g.pop();
        g.push(G(e, key, weight));
    }
}

/// @notice No set of signers whose weight at the reference epoch is below the threshold ever yields 0x1626ba7e, and
///         isValidSignature agrees with the model in every case.
contract StakeRegistryInvariantTest is RegistryFixture {
    RegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        _deployAvs(_quorum(10_000), THRESHOLD_BPS, 20 ether, 1);
        uint256[4] memory pks;
        for (uint256 i; i < 4; ++i) {
            Op memory op = _newOperator(i + 1, (i + 1) * 15 ether); // 15 (below the minimum), 30, 45, 60
            _joinAndAllocate(op.addr, FULL_MAGNITUDE); // all of it slashable: weight = delegated shares
            pks[i] = op.pk;
        }
        handler = new RegistryHandler(
            registry,
            serviceManager,
            avsDirectory,
            delegationManager,
            strategyManager,
            strategy,
            stakeToken,
            avsOwner,
            pks
        );
        targetContract(address(handler));
    }

    function _sigDataFor(uint256 mask, uint32 ref, bytes32 digest, bool staleFirst)
        internal
        view
        returns (bytes memory sigData, uint256 signed, bool allRegistered)
    {
        uint256 n;
        for (uint256 i; i < 4; ++i) {
            if (mask & (1 << i) != 0) n++;
        }
        address[] memory operators = new address[](n);
        bytes[] memory signatures = new bytes[](n);
        uint256[] memory order = _byAddress();
        allRegistered = true;
        uint256 k;
        for (uint256 j; j < 4; ++j) {
            if (mask & (1 << order[j]) == 0) continue;
            (bool isRegistered, uint256 weight) =
                _signer(order[j], ref, digest, staleFirst && k == 0, operators, signatures, k);
            allRegistered = allRegistered && isRegistered;
            signed += weight;
            k++;
        }
        sigData = abi.encode(operators, signatures, ref);
    }

    /// @dev Fills entry `k` with operator `i` signing `digest`: with its key at `ref`, or with the key it does not
    ///      hold then when `stale` (or when it holds none).
    function _signer(
        uint256 i,
        uint32 ref,
        bytes32 digest,
        bool stale,
        address[] memory operators,
        bytes[] memory signatures,
        uint256 k
    ) internal view returns (bool isRegistered, uint256 weight) {
        uint256 keyPk;
        (keyPk, weight) = handler.stateAt(i, ref);
        // A signature counts for what the operator can be slashed for now, at most its checkpointed weight.
        uint256 live = _round58(handler.slashableNow(i));
        if (live < weight) weight = live;
        isRegistered = keyPk != 0;
        if (!isRegistered || stale) keyPk = handler.otherKeyAt(i, ref);
        operators[k] = handler.operatorAddr(i);
        signatures[k] = _sign(keyPk, digest);
    }

    /// @dev Rounded down to 58 significant bits, as the registry stores weights.
    function _round58(uint256 w) internal pure returns (uint256) {
        uint256 bits;
        for (uint256 x = w; x != 0; x >>= 1) {
            ++bits;
        }
        return bits > 58 ? (w >> (bits - 58)) << (bits - 58) : w;
    }

    function _byAddress() internal view returns (uint256[] memory order) {
        order = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            order[i] = i;
        }
        for (uint256 i = 1; i < 4; ++i) {
            for (uint256 j = i; j > 0 && handler.operatorAddr(order[j - 1]) > handler.operatorAddr(order[j]); --j) {
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
    }

    function _referenceEpochs() internal view returns (uint32 low, uint32 high) {
        high = handler.currentEpoch();
        low = high >= 1 ? high - 1 : 0; // MAX_PROOF_AGE_EPOCHS = 1
    }

    /// @dev The harness itself: after registering everyone, the full set proves and a lone small signer does not.
    function test_harness_buildsValidAndInvalidProofs() public {
        for (uint256 i; i < 4; ++i) {
            handler.register(i);
        }
        handler.warp(2 * LENGTH);
        uint32 ref = handler.currentEpoch();
        bytes32 digest = serviceManager.attestationDigest(_attestation(ref));
        // Operator 0 (15 ether, below the minimum weight) could not register: the others sign.
        assertFalse(registry.operatorRegistered(handler.operatorAddr(0)));
        (bytes memory all, uint256 signed, bool allRegistered) = _sigDataFor(14, ref, digest, false);
        (, uint256 threshold) = handler.thresholdAt(ref);
        assertTrue(allRegistered);
        assertEq(signed, 30 ether + 45 ether + 60 ether);
        assertGe(signed, threshold);
        assertEq(registry.isValidSignature(digest, all), MAGIC);
        (bytes memory one,,) = _sigDataFor(2, ref, digest, false);
        assertEq(registry.isValidSignature(digest, one), INVALID);
        (bytes memory stale,,) = _sigDataFor(15, ref, digest, true);
        assertEq(registry.isValidSignature(digest, stale), INVALID);
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 24
    function invariant_noProofBelowThreshold() public view {
        (uint32 low, uint32 high) = _referenceEpochs();
        for (uint32 ref = low; ref <= high; ++ref) {
            bytes32 digest = serviceManager.attestationDigest(_attestation(ref));
            (, uint256 threshold) = handler.thresholdAt(ref);
            for (uint256 mask; mask < 16; ++mask) {
                (bytes memory sigData, uint256 signed, bool allRegistered) = _sigDataFor(mask, ref, digest, false);
                bytes4 result = registry.isValidSignature(digest, sigData);
                if (signed < threshold || threshold == 0) assertEq(result, INVALID, "below threshold passed");
                assertEq(result == MAGIC, allRegistered && threshold > 0 && signed >= threshold, "model disagrees");
            }
        }
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 24
    function invariant_staleOrForeignKeyNeverPasses() public view {
        (uint32 low, uint32 high) = _referenceEpochs();
        for (uint32 ref = low; ref <= high; ++ref) {
            bytes32 digest = serviceManager.attestationDigest(_attestation(ref));
            for (uint256 mask = 1; mask < 16; ++mask) {
                (bytes memory sigData,,) = _sigDataFor(mask, ref, digest, true);
                assertEq(registry.isValidSignature(digest, sigData), INVALID);
            }
        }
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 24
    function invariant_checkpointsMatchModel() public view {
        uint32 high = handler.currentEpoch() + 2;
        for (uint32 e; e <= high; ++e) {
            (uint256 total, uint256 threshold) = handler.thresholdAt(e);
            assertEq(registry.getTotalWeightAtEpoch(e), total, "total");
            assertEq(registry.getThresholdWeightAtEpoch(e), threshold, "threshold");
            for (uint256 i; i < 4; ++i) {
                (uint256 keyPk, uint256 weight) = handler.stateAt(i, e);
                address op = handler.operatorAddr(i);
                assertEq(registry.getOperatorSigningKeyAtEpoch(op, e), keyPk == 0 ? address(0) : vm.addr(keyPk), "key");
                assertEq(registry.getOperatorWeightAtEpoch(op, e), weight, "weight");
            }
        }
    }
}
