// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EigenLayerDeployer} from "../../devnet/eigenlayer/EigenLayerDeployer.sol";
import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";
import {BLSSignerSetChecker} from "../../../src/core/signatures/BLSSignerSetChecker.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {IAVSDirectory} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../../src/eigenlayer/IRewardsCoordinator.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {IMultiProverRegistry} from "../../../src/services/multi-prover/IMultiProverRegistry.sol";
import {EquivocationSlasher} from "../../../src/services/multi-prover/EquivocationSlasher.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {MultiProverRegistry} from "../../../src/services/multi-prover/MultiProverRegistry.sol";
import {MultiProverServiceManager} from "../../../src/services/multi-prover/MultiProverServiceManager.sol";
import {MultiProverG2Math} from "./MultiProverG2Math.sol";
import {ManuallySetTEELiveness} from "./MultiProverTestLiveness.sol";

/// @notice The devnet EigenLayer core plus EpochManager → MultiProverServiceManager → MultiProverRegistry (quorum 0:
///         SGX, quorum 1: TDX, threshold 66.67 %) → EquivocationSlasher (slasher of operator sets 0 and 1), a test-only
///         liveness verifier, committee 1 = [0, 1] and committee 2 = [0]. Operators are EigenLayer operators (secp256k1 keys) with the BLS
///         keys of test/vectors/bls.json; helpers register them, sign headers and aggregate signatures.
abstract contract MultiProverFixture is EigenLayerDeployer {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint64 internal constant LENGTH = 120;
    uint64 internal constant GRACE = 20;
    uint32 internal constant MAX_AGE = 2;
    uint16 internal constant THRESHOLD_BPS = 6667;
    uint256 internal constant STAKE = 100 ether;
    uint256 internal constant MIN_WEIGHT = 1 ether;
    uint256 internal constant WAD_TO_SLASH = 0.5e18;
    uint64 internal constant MAGNITUDE = 0.25e18;
    uint8 internal constant SGX_Q = 0;
    uint8 internal constant TDX_Q = 1;
    uint256 internal constant BOTH = 1;
    uint256 internal constant SGX_ONLY = 2;
    uint256 internal constant LIVE_FOR = 1 days;
    string internal constant VECTORS = "/../test/vectors/bls.json";

    address internal avsOwner = makeAddr("avs owner");
    EpochManager internal epochManager;
    MultiProverServiceManager internal sm;
    MultiProverRegistry internal registry;
    EquivocationSlasher internal slasher;
    ManuallySetTEELiveness internal liveness;
    uint256 internal maxOperators = 256;

    /// @notice Operator i: its EigenLayer key and address; its BLS key is vector operator i's.
    struct Op {
        uint256 index;
        uint256 pk;
        address addr;
    }

    mapping(uint256 index => BN254.G2Point) internal _g2Cache;
    mapping(uint256 index => bool) internal _g2Cached;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(GENESIS + 1);
        _deployStack();
    }

    // ---- deployment ----

    function _deployStack() internal {
        vm.startPrank(avsOwner);
        epochManager = new EpochManager(GENESIS, LENGTH, GRACE, avsOwner);
        sm = new MultiProverServiceManager(
            IAVSDirectory(address(avsDirectory)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
        registry = new MultiProverRegistry(epochManager, sm, MAX_AGE, maxOperators, avsOwner);
        sm.setStakeRegistry(address(registry));
        slasher = new EquivocationSlasher(registry, WAD_TO_SLASH);
        sm.updateAVSMetadataURI("ipfs://multi-prover");
        IAllocationManagerTypes.CreateSetParamsV2[] memory sets = new IAllocationManagerTypes.CreateSetParamsV2[](2);
        sets[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 0, strategies: _strategies(), slasher: address(slasher)});
        sets[1] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 1, strategies: _strategies(), slasher: address(slasher)});
        sm.createOperatorSets(sets);
        registry.createQuorum(SGX_Q, THRESHOLD_BPS, _config(10_000, MIN_WEIGHT));
        registry.createQuorum(TDX_Q, THRESHOLD_BPS, _config(10_000, MIN_WEIGHT));
        liveness = new ManuallySetTEELiveness();
        sm.setLivenessVerifier(liveness);
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.INTEL_SGX, SGX_Q));
        sm.addTeeQuorum(IMultiProverServiceManager.TeeQuorum(ITEELivenessVerifier.TeeType.INTEL_TDX, TDX_Q));
        sm.addCommittee(IMultiProverServiceManager.Committee(BOTH, "sgx and tdx", "", hex"0001"));
        sm.addCommittee(IMultiProverServiceManager.Committee(SGX_ONLY, "sgx", "", hex"00"));
        vm.stopPrank();
        vm.label(address(sm), "MultiProverServiceManager");
        vm.label(address(registry), "MultiProverRegistry");
        vm.label(address(slasher), "EquivocationSlasher");
    }

    function _config(uint96 multiplier, uint256 minimumWeight)
        internal
        view
        returns (IMultiProverRegistry.QuorumConfig memory config)
    {
        config.strategies = new IMultiProverRegistry.StrategyParams[](1);
        config.strategies[0] = IMultiProverRegistry.StrategyParams(IStrategy(address(strategy)), multiplier);
        config.minimumWeight = minimumWeight;
    }

    // ---- time ----

    /// @dev Moves to the first second of `epoch` (outside its grace period), one block on.
    function _warpToEpoch(uint32 epoch) internal {
        vm.warp(GENESIS + uint256(epoch) * LENGTH);
        vm.roll(block.number + 1);
    }

    // ---- operators ----

    /// @dev An EigenLayer operator with STAKE self-delegated (vector BLS key `index`), not yet in the AVS.
    function _makeOp(uint256 index) internal returns (Op memory op) {
        op.index = index;
        op.pk = uint256(keccak256(abi.encode("multi-prover operator", index))) % (SECP256K1_ORDER - 1) + 1;
        op.addr = _makeOperator(op.pk, STAKE);
    }

    /// @dev As `op`: joins the current ServiceManager's operator sets `quorums` with MAGNITUDE each.
    function _joinSets(Op memory op, uint8[] memory quorums) internal {
        uint32[] memory ids = new uint32[](quorums.length);
        IAllocationManagerTypes.AllocateParams[] memory params =
            new IAllocationManagerTypes.AllocateParams[](quorums.length);
        uint64[] memory magnitudes = new uint64[](1);
        magnitudes[0] = MAGNITUDE;
        for (uint256 i; i < quorums.length; ++i) {
            ids[i] = quorums[i];
            params[i] = IAllocationManagerTypes.AllocateParams(OperatorSet(address(sm), quorums[i]), _strategies(), magnitudes);
        }
        vm.startPrank(op.addr);
        allocationManager.registerForOperatorSets(op.addr, IAllocationManagerTypes.RegisterParams(address(sm), ids, ""));
        allocationManager.modifyAllocations(op.addr, params);
        vm.stopPrank();
    }

    /// @dev As `op`: registers its vector BLS key with the current registry.
    function _registerKey(Op memory op) internal {
        BN254.G1Point memory key = _keyG1(op.index);
        BN254.G1Point memory proof = _signWith(_secret(op.index), registry.popMessageHash(op.addr, key));
        BN254.G2Point memory keyG2 = _keyG2(op.index);
        vm.prank(op.addr);
        registry.registerBLSKey(key, keyG2, proof);
    }

    /// @dev As `op`: registers in `quorums` (sets joined, key registered before).
    function _registerIn(Op memory op, uint8[] memory quorums) internal {
        vm.prank(op.addr);
        registry.registerOperator(quorums, _signAVSRegistration(op.pk, address(sm)));
    }

    /// @dev A new operator, in the sets, with its key, registered in `quorums`, its provers live for LIVE_FOR.
    function _newMember(uint256 index, uint8[] memory quorums) internal returns (Op memory op) {
        op = _makeOp(index);
        _joinAvs(op, quorums);
    }

    /// @dev `op` joins the current stack in `quorums`, with live provers.
    function _joinAvs(Op memory op, uint8[] memory quorums) internal {
        _joinSets(op, quorums);
        _registerKey(op);
        _registerIn(op, quorums);
        _setLive(op.addr, ITEELivenessVerifier.TeeType.INTEL_SGX, true);
        _setLive(op.addr, ITEELivenessVerifier.TeeType.INTEL_TDX, true);
    }

    function _setLive(address operator, ITEELivenessVerifier.TeeType teeType, bool live) internal {
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 now_ = uint64(block.timestamp);
        liveness.setProver(operator, teeType, live ? now_ : 0, live ? now_ + uint64(LIVE_FOR) : 0);
    }

    function _quorums(uint8 a) internal pure returns (uint8[] memory q) {
        q = new uint8[](1);
        q[0] = a;
    }

    function _quorums(uint8 a, uint8 b) internal pure returns (uint8[] memory q) {
        q = new uint8[](2);
        (q[0], q[1]) = (a, b);
    }

    /// @dev `n` members (vector indices `from` .. `from + n - 1`) in `quorums`.
    function _newMembers(uint256 from, uint256 n, uint8[] memory quorums) internal returns (Op[] memory ops) {
        ops = new Op[](n);
        for (uint256 i; i < n; ++i) {
            ops[i] = _newMember(from + i, quorums);
        }
    }

    // ---- BLS ----

    function _secret(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("avs-stack.bls.vector", i))) % (BN254.FR_MOD - 1) + 1;
    }

    function _keyG1(uint256 i) internal view returns (BN254.G1Point memory key) {
        (, key) = BN254.mul(BN254.generatorG1(), _secret(i));
    }

    function _keyG2(uint256 i) internal returns (BN254.G2Point memory key) {
        if (_g2Cached[i]) return _g2Cache[i];
        key = this.vectorG2(string.concat(".operators[", vm.toString(i), "].publicKeyG2"));
        _g2Cache[i] = key;
        _g2Cached[i] = true;
    }

    /// @notice The G2 point at `path` of test/vectors/bls.json (read in its own call frame: the file is large).
    function vectorG2(string calldata path) external view returns (BN254.G2Point memory) {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), VECTORS));
        return BN254.G2Point(
            [
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".x[0]"))),
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".x[1]")))
            ],
            [
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".y[0]"))),
                vm.parseUint(vm.parseJsonString(json, string.concat(path, ".y[1]")))
            ]
        );
    }

    function _signWith(uint256 secret, bytes32 message) internal view returns (BN254.G1Point memory sigma) {
        (, sigma) = BN254.mul(BN254.hashToG1(message), secret);
    }

    // ---- headers and signatures ----

    function _header(uint256 committeeId, bytes memory metadata, bytes memory state, uint32 epoch)
        internal
        view
        returns (IMultiProverServiceManager.StateHeader memory)
    {
        return IMultiProverServiceManager.StateHeader(
            committeeId, metadata, state, sm.getCommittee(committeeId).teeQuorumNumbers, epoch
        );
    }

    /// @dev The aggregate signature of `digest` by `signers[q]` listed in quorum index q (vector indices, any order):
    ///      keys sorted by key hash, apkG2 and sigma over every listing.
    function _aggregate(bytes32 digest, uint256[][] memory signers)
        internal
        returns (IMultiProverServiceManager.StateSignature memory signature)
    {
        signature.signerKeys = new BN254.G1Point[][](signers.length);
        uint256 secretSum;
        for (uint256 q; q < signers.length; ++q) {
            signature.signerKeys[q] = new BN254.G1Point[](signers[q].length);
            for (uint256 i; i < signers[q].length; ++i) {
                uint256 index = signers[q][i];
                signature.signerKeys[q][i] = _keyG1(index);
                secretSum = addmod(secretSum, _secret(index), BN254.FR_MOD);
                signature.apkG2 = MultiProverG2Math.add(signature.apkG2, _keyG2(index));
            }
            _sortByHash(signature.signerKeys[q]);
        }
        signature.sigma = _signWith(secretSum, digest);
    }

    /// @dev Every op of `ops` signs in each of `quorumCount` quorum indices.
    function _everyone(Op[] memory ops, uint256 quorumCount) internal pure returns (uint256[][] memory signers) {
        signers = new uint256[][](quorumCount);
        for (uint256 q; q < quorumCount; ++q) {
            signers[q] = new uint256[](ops.length);
            for (uint256 i; i < ops.length; ++i) {
                signers[q][i] = ops[i].index;
            }
        }
    }

    function _sortByHash(BN254.G1Point[] memory keys) internal pure {
        for (uint256 i = 1; i < keys.length; ++i) {
            BN254.G1Point memory k = keys[i];
            uint256 h = uint256(BN254.hashG1(k));
            uint256 j = i;
            while (j > 0 && uint256(BN254.hashG1(keys[j - 1])) > h) {
                keys[j] = keys[j - 1];
                --j;
            }
            keys[j] = k;
        }
    }

    /// @dev The signer-set params the ServiceManager builds for `header` and `signature`.
    function _params(
        IMultiProverServiceManager.StateHeader memory header,
        IMultiProverServiceManager.StateSignature memory signature
    ) internal pure returns (BLSSignerSetChecker.SignerSetParams memory) {
        return BLSSignerSetChecker.SignerSetParams(
            header.referenceEpoch, header.quorumNumbers, signature.signerKeys, signature.apkG2, signature.sigma
        );
    }

    /// @dev Expects confirmState to revert with InvalidStateSignature(status, quorumIndex).
    function _expectInvalid(BLSSignerSetChecker.SignerSetStatus status, uint256 quorumIndex) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IMultiProverServiceManager.InvalidStateSignature.selector, status, quorumIndex)
        );
    }
}
