// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";
import {MockAbridge} from "./ChainVerifiersMockBridge.sol";
import {IAbridge} from "../../../src/bridge/IAbridge.sol";
import {IAllocationManagerTypes, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../../src/eigenlayer/IAVSRegistrar.sol";
import {IDelegationManager} from "../../../src/eigenlayer/IDelegationManager.sol";
import {StateManager} from "../../../src/services/state-proofs/StateManager.sol";
import {MainChainVerifier} from "../../../src/services/state-proofs/MainChainVerifier.sol";
import {RemoteChainVerifier} from "../../../src/services/state-proofs/RemoteChainVerifier.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {IStateProofsStakeRegistry} from "../../../src/services/state-proofs/IStateProofsStakeRegistry.sol";
import {StateDisputeResolver} from "../../../src/services/state-proofs/StateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {BlockHeaderRlp} from "./BlockHeaderRlp.sol";

/// @notice The whole dispute path on the devnet EigenLayer core: RegistryFixture's AVS plus a main StateManager and
///         MainChainVerifier, a "remote" chain (REMOTE_CHAIN_ID: its StateManager and RemoteChainVerifier, reached by
///         switching vm.chainId) behind a synchronous MockAbridge, and a StateDisputeResolver that is the slasher of
///         operator set SET_ID. Time moves one block per MIN_BLOCK_TIME seconds, as the resolver's window check assumes.
abstract contract StateDisputeResolverFixture is RegistryFixture {
    uint256 internal constant MAIN_CHAIN_ID = 31337;
    uint256 internal constant REMOTE_CHAIN_ID = 31338;
    uint32 internal constant SET_ID = 0;
    uint256 internal constant MIN_BOND = 1 ether;
    uint64 internal constant RESOLUTION_PERIOD = 120;
    uint64 internal constant WAD_TO_SLASH = 0.25e18;
    uint256 internal constant REWARD = 0.5 ether;
    /// @dev (2 + MAX_AGE) × LENGTH + RESOLUTION_PERIOD = 600 s = 10 blocks of 60 s = EL_DEALLOCATION_DELAY.
    uint32 internal constant MIN_BLOCK_TIME = 60;
    uint256 internal constant BRIDGE_FEE = 0.01 ether;
    uint128 internal constant HANDLE_GAS = 200_000;
    /// @dev MainChainVerifier.MAX_CLOCK_SKEW, seconds.
    uint64 internal constant CLOCK_SKEW = 30;

    address internal treasury = makeAddr("treasury");
    address internal challenger = makeAddr("challenger");
    address internal user = makeAddr("user");

    StateManager internal mainStateManager;
    StateManager internal remoteStateManager;
    MainChainVerifier internal verifier;
    MockAbridge internal bridge;
    RemoteChainVerifier internal remoteVerifier;
    StateDisputeResolver internal resolver;
    OperatorSet internal set;
    /// @dev The signer list of the latest challenge of each id and of each digest, as ChallengeSubmitted carried it:
    ///      what a client keeps from the logs and hands to the calls that walk the list.
    mapping(bytes32 challengeId => address[]) internal _signersById;
    mapping(bytes32 digest => address[]) internal _signersOf;
    /// @dev Clock origin of the block model: block = _b0 + floor((timestamp - _t0) / MIN_BLOCK_TIME).
    uint256 internal _t0;
    uint256 internal _b0;

    function setUp() public virtual override {
        super.setUp();
        _t0 = block.timestamp;
        _b0 = block.number;
        mainStateManager = new StateManager();
        remoteStateManager = new StateManager();
        bridge = new MockAbridge(BRIDGE_FEE);
        verifier = new MainChainVerifier(mainStateManager, avsOwner, CLOCK_SKEW);
        remoteVerifier = new RemoteChainVerifier(remoteStateManager, IAbridge(address(bridge)), address(verifier), HANDLE_GAS);
        vm.prank(avsOwner);
        verifier.setRoute(REMOTE_CHAIN_ID, IAbridge(address(bridge)), address(remoteVerifier));

        resolver = new StateDisputeResolver(_config());
        _wireOperatorSet(address(resolver));

        vm.label(address(verifier), "MainChainVerifier");
        vm.label(address(remoteVerifier), "RemoteChainVerifier");
        vm.label(address(bridge), "MockAbridge");
        vm.label(address(resolver), "StateDisputeResolver");
        vm.deal(challenger, 100 ether);
    }

    function _config() internal view returns (IStateDisputeResolver.Config memory) {
        return IStateDisputeResolver.Config({
            serviceManager: serviceManager,
            stakeRegistry: IStateProofsStakeRegistry(address(registry)),
            verifier: verifier,
            delegationManager: IDelegationManager(address(delegationManager)),
            operatorSetId: SET_ID,
            minBond: MIN_BOND,
            resolutionPeriod: RESOLUTION_PERIOD,
            wadToSlash: WAD_TO_SLASH,
            challengerReward: REWARD,
            bondRecipient: treasury,
            minBlockTime: MIN_BLOCK_TIME
        });
    }

    /// @dev As the AVS owner: metadata, operator set SET_ID with the quorum's strategy and `slasher`, registrar.
    function _wireOperatorSet(address slasher) internal {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: SET_ID, strategies: _strategies(), slasher: slasher});
        vm.startPrank(avsOwner);
        serviceManager.updateAVSMetadataURI("ipfs://state-proofs");
        serviceManager.createOperatorSets(params);
        serviceManager.setAVSRegistrar(IAVSRegistrar(address(serviceManager)));
        vm.stopPrank();
        set = OperatorSet(address(serviceManager), SET_ID);
    }

    // ---- time: blocks exactly MIN_BLOCK_TIME seconds apart (the most blocks the resolver's window check allows) ----

    /// @dev Advances the clock by `seconds_`; the block number follows the clock.
    function _advance(uint256 seconds_) internal {
        vm.warp(block.timestamp + seconds_);
        uint256 target = _b0 + (block.timestamp - _t0) / MIN_BLOCK_TIME;
        if (target > block.number) vm.roll(target);
    }

    /// @dev Advances to `timestamp` (not before now).
    function _advanceTo(uint256 timestamp) internal {
        _advance(timestamp - block.timestamp);
    }

    // ---- operators ----

    /// @dev `op` joins operator set SET_ID and allocates `magnitude` of the strategy to it (allocation delay 0).
    function _join(Op memory op, uint64 magnitude) internal {
        if (!allocationManager.isMemberOfOperatorSet(op.addr, set)) {
            uint32[] memory ids = new uint32[](1);
            ids[0] = set.id;
            vm.prank(op.addr);
            allocationManager.registerForOperatorSets(
                op.addr,
                IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
            );
        }
        if (allocationManager.getAllocation(op.addr, set, strategy).currentMagnitude != magnitude) {
            _allocate(op.addr, set, magnitude);
        }
    }

    /// @dev `n` operators registered in the registry, members of the set with all their stake allocated; the clock
    ///      moved to epoch 1, where their registrations are in effect.
    function _quorumOf(uint256 n) internal returns (Op[] memory ops) {
        ops = _registerOperators(n);
        for (uint256 i; i < n; ++i) {
            _join(ops[i], 1e18);
        }
        _advanceTo(GENESIS + LENGTH);
    }

    function _leaveSet(Op memory op) internal {
        uint32[] memory ids = new uint32[](1);
        ids[0] = set.id;
        vm.prank(op.addr);
        allocationManager.deregisterFromOperatorSets(
            IAllocationManagerTypes.DeregisterParams({operator: op.addr, avs: address(serviceManager), operatorSetIds: ids})
        );
    }

    // ---- state and attestations ----

    /// @dev `user` writes `value` under `key` on the remote chain's StateManager; returns the block, then moves one
    ///      block on (remote blocks follow the same clock here).
    function _writeRemote(uint256 key, uint256 value) internal returns (uint64 blockNumber) {
        blockNumber = uint64(block.number);
        vm.prank(user);
        remoteStateManager.setValue(key, value);
        _advance(MIN_BLOCK_TIME);
    }

    function _attest(uint256 chainId, uint64 blockNumber, uint256 key, uint256 value, bool exists, uint32 epoch)
        internal
        view
        returns (StateAttestation memory)
    {
        return StateAttestation({
            user: user,
            chainId: chainId,
            blockNumber: blockNumber,
            timestamp: uint48(_timestampOf(blockNumber)),
            key: key,
            value: value,
            exists: exists,
            epoch: epoch
        });
    }

    function _sigDataFor(Op[] memory signers, StateAttestation memory a) internal view returns (bytes memory) {
        return _sigData(signers, serviceManager.attestationDigest(a), a.epoch);
    }

    function _challenge(StateAttestation memory a, bytes memory sigData) internal returns (bytes32 id) {
        vm.prank(challenger);
        id = resolver.submitChallenge{value: MIN_BOND}(a, sigData);
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
    }

    /// @dev Keeps the signers of challenge `id` of `digest`, decoded from `sigData` (either form), as a client does.
    function _noteSigners(bytes32 id, bytes32 digest, bytes memory sigData) internal {
        address[] memory signers = _signersIn(sigData);
        _signersById[id] = signers;
        _signersOf[digest] = signers;
    }

    /// @dev The operators of a single or batched sigData.
    function _signersIn(bytes memory sigData) internal pure returns (address[] memory signers) {
        if (sigData.length >= 32 && bytes32(sigData) == AttestationBatch.BATCH_SIGDATA_TAG) {
            (, signers,,,) = abi.decode(sigData, (bytes32, address[], bytes[], uint32, bytes32[]));
        } else {
            (signers,,) = abi.decode(sigData, (address[], bytes[], uint32));
        }
    }

    function _addresses(Op[] memory ops) internal pure returns (address[] memory list) {
        list = new address[](ops.length);
        for (uint256 i; i < ops.length; ++i) {
            list[i] = ops[i].addr;
        }
    }

    /// @dev resolveChallenge with the challenge's signer list.
    function _resolve(bytes32 id) internal returns (IStateDisputeResolver.Status) {
        return _resolveOn(resolver, id);
    }

    function _resolveOn(StateDisputeResolver r, bytes32 id) internal returns (IStateDisputeResolver.Status) {
        return r.resolveChallenge(id, _signersById[id]);
    }

    /// @dev slashRemainingSigners with the digest's signer list.
    function _slashRemaining(bytes32 digest) internal {
        resolver.slashRemainingSigners(digest, _signersOf[digest]);
    }

    /// @dev getSignerSlashes of the digest's challenged signers (Pending reported for those not attempted yet).
    function _signerSlashes(bytes32 digest)
        internal
        view
        returns (address[] memory ops, IStateDisputeResolver.SignerSlash[] memory records, bytes[] memory reasons)
    {
        ops = _signersOf[digest];
        (records, reasons) = resolver.getSignerSlashes(digest, ops);
    }

    /// @dev The timestamp of block `blockNumber` in the block model (the earliest second of that block).
    function _timestampOf(uint256 blockNumber) internal view returns (uint256) {
        return _t0 + (blockNumber - _b0) * MIN_BLOCK_TIME;
    }

    /// @dev A header of past block `blockNumber` with `timestamp`, made that block's hash (vm.setBlockhash).
    function _headerAt(uint256 blockNumber, uint256 timestamp) internal returns (bytes memory header) {
        header = BlockHeaderRlp.header(keccak256(abi.encode("parent", blockNumber)), blockNumber, timestamp);
        vm.setBlockhash(blockNumber, keccak256(header));
    }

    /// @dev The header of past block `blockNumber` in the block model.
    function _header(uint256 blockNumber) internal returns (bytes memory) {
        return _headerAt(blockNumber, _timestampOf(blockNumber));
    }

    /// @dev verifyState on the remote chain (vm.chainId switched for the call) with the block's header, delivered at
    ///      once by the mock bridge.
    function _verifyRemote(uint256 key, uint64 blockNumber) internal {
        _verifyRemoteHeader(key, _header(blockNumber));
    }

    function _verifyRemoteHeader(uint256 key, bytes memory header) internal {
        address caller = makeAddr("verify caller");
        vm.deal(caller, BRIDGE_FEE);
        vm.chainId(REMOTE_CHAIN_ID);
        vm.prank(caller);
        remoteVerifier.verifyState{value: BRIDGE_FEE}(user, key, header);
        vm.chainId(MAIN_CHAIN_ID);
    }

    /// @dev reportUnproduced on the remote chain for `blockNumber`, delivered at once by the mock bridge.
    function _reportUnproducedRemote(uint256 blockNumber) internal {
        address caller = makeAddr("verify caller");
        vm.deal(caller, BRIDGE_FEE);
        vm.chainId(REMOTE_CHAIN_ID);
        vm.prank(caller);
        remoteVerifier.reportUnproduced{value: BRIDGE_FEE}(blockNumber);
        vm.chainId(MAIN_CHAIN_ID);
    }

    function _fundPool(uint256 amount) internal {
        vm.deal(address(this), address(this).balance + amount);
        resolver.fundRewardPool{value: amount}();
    }

    function _shares(address operator) internal view returns (uint256) {
        return delegationManager.getOperatorShares(operator, _strategies())[0];
    }

    function _magnitude(address operator) internal view returns (uint64) {
        return allocationManager.getAllocation(operator, set, strategy).currentMagnitude;
    }
}
