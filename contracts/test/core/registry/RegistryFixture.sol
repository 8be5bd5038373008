// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EigenLayerDeployer} from "../../devnet/eigenlayer/EigenLayerDeployer.sol";
import {IDelegationManagerTypes} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {IECDSAStakeRegistry} from "../../../src/core/registry/IECDSAStakeRegistry.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {IAVSDirectory} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {IRewardsCoordinator} from "../../../src/eigenlayer/IRewardsCoordinator.sol";
import {
    IAllocationManager,
    IAllocationManagerTypes,
    OperatorSet
} from "../../../src/eigenlayer/IAllocationManager.sol";

/// @notice Deploys the real devnet EigenLayer core plus EpochManager → StateProofsServiceManager →
///         ECDSAStakeRegistry (the devnet deploy order) and offers helpers to register operators and sign proofs.
abstract contract RegistryFixture is EigenLayerDeployer {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint64 internal constant LENGTH = 120;
    uint64 internal constant GRACE = 20;
    uint16 internal constant THRESHOLD_BPS = 6667;
    uint32 internal constant MAX_AGE = 2;
    uint256 internal constant STAKE = 100 ether;
    /// @notice Most operators the fixture's registry accepts.
    uint256 internal constant MAX_OPERATORS = 200;
    /// @notice All of a strategy's magnitude (wad).
    uint64 internal constant FULL_MAGNITUDE = 1e18;

    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;

    address internal avsOwner = makeAddr("avs owner");
    EpochManager internal epochManager;
    StateProofsServiceManager internal serviceManager;
    ECDSAStakeRegistry internal registry;
    /// @notice The operator set's slasher (stands in for the StateDisputeResolver) when the fixture creates the set.
    address internal slasher = makeAddr("slasher");
    /// @notice The AVS's operator set 0, whose slashable stake is the weight.
    OperatorSet internal operatorSet;
    /// @dev MAX_OPERATORS of the next {_deployAvs}.
    uint256 internal maxOperators = MAX_OPERATORS;

    /// @notice An operator: its EigenLayer key/address and its attestation signing key.
    struct Op {
        uint256 pk;
        address addr;
        uint256 signingPk;
        address signingKey;
    }

    function setUp() public virtual override {
        super.setUp();
        vm.warp(GENESIS + 1);
        _deployAvs(_quorum(10_000), THRESHOLD_BPS, 1, MAX_AGE);
    }

    function _quorum(uint96 multiplier) internal view returns (IECDSAStakeRegistry.StrategyParams[] memory q) {
        q = new IECDSAStakeRegistry.StrategyParams[](1);
        q[0] = IECDSAStakeRegistry.StrategyParams({strategy: IStrategy(address(strategy)), multiplier: multiplier});
    }

    function _deployAvs(
        IECDSAStakeRegistry.StrategyParams[] memory quorum,
        uint16 thresholdBps,
        uint256 minimumWeight,
        uint32 maxAge
    ) internal {
        vm.startPrank(avsOwner);
        epochManager = new EpochManager(GENESIS, LENGTH, GRACE, avsOwner);
        serviceManager = new StateProofsServiceManager(
            IAVSDirectory(address(avsDirectory)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
        registry = new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: quorum,
                thresholdBps: thresholdBps,
                minimumWeight: minimumWeight,
                maxProofAgeEpochs: maxAge,
                operatorSetId: 0,
                maxOperators: maxOperators
            })
        );
        epochManager.setStakeRegistry(address(registry));
        serviceManager.setStakeRegistry(address(registry));
        vm.stopPrank();
        operatorSet = OperatorSet(address(serviceManager), 0);
        vm.label(address(epochManager), "EpochManager");
        vm.label(address(serviceManager), "ServiceManager");
        vm.label(address(registry), "ECDSAStakeRegistry");
    }

    /// @dev Redeploys the AVS with room for `n` operators.
    function _deployAvsWithMaxOperators(uint256 n) internal {
        maxOperators = n;
        _deployAvs(_quorum(10_000), THRESHOLD_BPS, 1, MAX_AGE);
    }

    // ---- time ----

    /// @dev Moves to the first second of `epoch` (outside its grace period).
    function _warpToEpoch(uint32 epoch) internal {
        vm.warp(GENESIS + uint256(epoch) * LENGTH);
        vm.roll(block.number + 1);
    }

    /// @dev Moves to the first second of `epoch`'s grace period.
    function _warpToGrace(uint32 epoch) internal {
        vm.warp(GENESIS + uint256(epoch + 1) * LENGTH - GRACE);
        vm.roll(block.number + 1);
    }

    // ---- operators ----

    /// @dev An EigenLayer operator with `stake` self-delegated, not yet registered with the AVS.
    function _newOperator(uint256 seed, uint256 stake) internal returns (Op memory op) {
        op.pk = uint256(keccak256(abi.encode("operator", seed))) % (SECP256K1_ORDER - 1) + 1;
        op.signingPk = uint256(keccak256(abi.encode("signing key", seed))) % (SECP256K1_ORDER - 1) + 1;
        op.signingKey = vm.addr(op.signingPk);
        op.addr = _makeOperator(op.pk, stake);
        vm.label(op.addr, string.concat("operator", vm.toString(seed)));
    }

    /// @dev Registers `op` with the AVS through the registry (real AVSDirectory signature), after joining the operator
    ///      set and allocating all of its magnitude to it (allocation delay 0: slashable at once).
    function _register(Op memory op) internal {
        _register(op, op.signingKey);
    }

    function _register(Op memory op, address signingKey) internal {
        if (!allocationManager.isMemberOfOperatorSet(op.addr, operatorSet)) _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        _registerOnly(op, signingKey);
    }

    /// @dev As `operator`: joins the AVS's operator set and allocates `magnitude` (wad) of the stake strategy to it.
    function _joinAndAllocate(address operator, uint64 magnitude) internal {
        // Created on first use, so tests that create the set themselves (with another slasher) still can.
        if (!allocationManager.isOperatorSet(operatorSet)) _createOperatorSet(address(serviceManager), 0, slasher);
        uint32[] memory ids = new uint32[](1);
        vm.prank(operator);
        allocationManager.registerForOperatorSets(
            operator,
            IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
        );
        _allocate(operator, operatorSet, magnitude);
    }

    /// @dev As `operator`: sets its allocation of `strategy_` to the operator set to `magnitude` (wad).
    function _allocateIn(address operator, IStrategy strategy_, uint64 magnitude) internal {
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy_;
        uint64[] memory magnitudes = new uint64[](1);
        magnitudes[0] = magnitude;
        params[0] =
            IAllocationManagerTypes.AllocateParams({operatorSet: operatorSet, strategies: strategies, newMagnitudes: magnitudes});
        vm.prank(operator);
        allocationManager.modifyAllocations(operator, params);
    }

    /// @dev The registry call alone (no operator-set step).
    function _registerOnly(Op memory op, address signingKey) internal {
        bytes32 salt = keccak256(abi.encode(op.addr, block.number, block.timestamp, signingKey));
        vm.prank(op.addr);
        registry.registerOperatorWithSignature(
            _signAVSRegistration(op.pk, address(serviceManager), salt, block.timestamp + 1 hours), signingKey
        );
    }

    /// @dev `n` operators with `STAKE` each, registered in the current epoch.
    function _registerOperators(uint256 n) internal returns (Op[] memory ops) {
        ops = new Op[](n);
        for (uint256 i; i < n; ++i) {
            ops[i] = _newOperator(i + 1, STAKE);
            _register(ops[i]);
        }
    }

    /// @dev Withdraws `shares` of `op`'s own deposit (its delegated shares drop at once).
    function _withdrawStake(Op memory op, uint256 shares) internal {
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory p =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = shares;
        p[0] = IDelegationManagerTypes.QueuedWithdrawalParams({
            strategies: _strategies(), depositShares: amounts, __deprecated_withdrawer: address(0)
        });
        vm.prank(op.addr);
        delegationManager.queueWithdrawals(p);
    }

    function _refresh(Op memory op) internal {
        address[] memory list = new address[](1);
        list[0] = op.addr;
        registry.updateOperators(list);
    }

    // ---- proofs ----

    function _attestation(uint32 epoch) internal pure returns (StateAttestation memory) {
        return StateAttestation({
            user: address(0xBEEF),
            chainId: 31338,
            blockNumber: 42,
            timestamp: 1_700_000_000,
            key: 1,
            value: 1234,
            exists: true,
            epoch: epoch
        });
    }

    function _digest(uint32 epoch) internal view returns (bytes32) {
        return serviceManager.attestationDigest(_attestation(epoch));
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev sigData of `ops` (sorted here by operator address) signing `digest` with their signing keys.
    function _sigData(Op[] memory ops, bytes32 digest, uint32 referenceEpoch) internal pure returns (bytes memory) {
        Op[] memory sorted = _sorted(ops);
        address[] memory operators = new address[](sorted.length);
        bytes[] memory signatures = new bytes[](sorted.length);
        for (uint256 i; i < sorted.length; ++i) {
            operators[i] = sorted[i].addr;
            signatures[i] = _sign(sorted[i].signingPk, digest);
        }
        return abi.encode(operators, signatures, referenceEpoch);
    }

    /// @dev Batched sigData of `ops` (sorted here) signing the batch digest of `root`, carrying `proof`.
    function _batchSigData(Op[] memory ops, bytes32 root, uint32 referenceEpoch, bytes32[] memory proof)
        internal
        pure
        returns (bytes memory)
    {
        Op[] memory sorted = _sorted(ops);
        address[] memory operators = new address[](sorted.length);
        bytes[] memory signatures = new bytes[](sorted.length);
        bytes32 signed = AttestationBatch.batchDigest(root);
        for (uint256 i; i < sorted.length; ++i) {
            operators[i] = sorted[i].addr;
            signatures[i] = _sign(sorted[i].signingPk, signed);
        }
        return abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, signatures, referenceEpoch, proof);
    }

    function _one(Op memory op) internal pure returns (Op[] memory list) {
        list = new Op[](1);
        list[0] = op;
    }

    function _sorted(Op[] memory ops) internal pure returns (Op[] memory sorted) {
        sorted = new Op[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            sorted[i] = ops[i];
        }
        for (uint256 i = 1; i < sorted.length; ++i) {
            for (uint256 j = i; j > 0 && sorted[j - 1].addr > sorted[j].addr; --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
            }
        }
    }
}
