// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {AllocationManager} from "../../../devnet/eigenlayer/AllocationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {StateManager} from "../../../src/services/state-proofs/StateManager.sol";
import {MainChainVerifier} from "../../../src/services/state-proofs/MainChainVerifier.sol";
import {RemoteChainVerifier} from "../../../src/services/state-proofs/RemoteChainVerifier.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {StateDisputeResolver} from "../../../src/services/state-proofs/StateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";
import {BlockHeaderRlp} from "./BlockHeaderRlp.sol";

/// @notice A challenger contract that refuses ether while `accept` is false.
contract ToggleReceiver {
    bool public accept;

    function setAccept(bool accept_) external {
        accept = accept_;
    }

    function challenge(StateDisputeResolver r, StateAttestation calldata a, bytes calldata sigData)
        external
        payable
        returns (bytes32)
    {
        return r.submitChallenge{value: msg.value}(a, sigData);
    }

    function withdraw(StateDisputeResolver r, address payable to) external {
        r.withdraw(to);
    }

    receive() external payable {
        require(accept, "no ether");
    }
}

/// @notice Drives the dispute path with random challenges (right and wrong claims, by EOAs and by a contract that
///         refuses ether, with all four signers or a minimal three in sigData), verifications, resolutions, EigenLayer
///         slashing paused and unpaused, retries of failed slashes, slashes of the signers left out, time, pool
///         funding and withdrawals. Records in ghost variables any resolution that contradicts the verified truth.
contract DisputeHandler is Test {
    struct Query {
        uint256 chainId;
        uint256 key;
        uint64 blockNumber;
        uint48 timestamp;
        uint256 value;
        bool exists;
    }

    struct Claim {
        uint256 value;
        bool exists;
        uint48 timestamp;
        uint256 queryIndex;
    }

    uint256 internal constant MIN_BLOCK_TIME = 60;
    uint256 internal constant REMOTE_CHAIN_ID = 31338;

    uint256 internal constant SLASHING_PAUSED = 1 << 1;

    StateDisputeResolver internal immutable resolver;
    ECDSAStakeRegistry internal immutable registry;
    StateProofsServiceManager internal immutable serviceManager;
    MainChainVerifier internal immutable verifier;
    RemoteChainVerifier internal immutable remoteVerifier;
    AllocationManager internal immutable allocationManager;
    address internal immutable user;
    address internal immutable pauser;
    uint256 internal immutable t0;
    uint256 internal immutable b0;

    /// @dev Operators sorted by address, with their signing keys.
    address[] internal _operators;
    uint256[] internal _signingPks;
    Query[] internal _queries;
    address[] internal _actors;
    ToggleReceiver public toggle;

    bytes32[] public ids;
    mapping(bytes32 id => bool) internal _known;
    mapping(bytes32 id => Claim) internal _claims;
    /// @notice Every digest challenged, once.
    bytes32[] public digests;
    mapping(bytes32 digest => bool) internal _knownDigest;
    /// @notice Per digest, 1 + the index of the operator left out of its latest sigData (0: none left out).
    mapping(bytes32 digest => uint256) public leftOut;
    /// @dev The signer list of the latest challenge of each id and digest (as a client keeps it from the logs).
    mapping(bytes32 id => address[]) internal _signersById;
    mapping(bytes32 digest => address[]) internal _signersOf;
    /// @notice Wei put into the reward pool through the handler.
    uint256 public funded;

    /// @notice Resolutions that contradicted the verified truth (must stay 0).
    uint256 public violations;
    /// @notice Challenges resolved as Slashed (each against a proven wrong attestation).
    uint256 public provenWrongSlashes;
    uint256 public submitted;
    uint256 public resolved;
    /// @notice Failed slashes retried, and left-out signers slashed.
    uint256 public retried;
    uint256 public added;

    constructor(
        StateDisputeResolver resolver_,
        ECDSAStakeRegistry registry_,
        MainChainVerifier verifier_,
        RemoteChainVerifier remoteVerifier_,
        address user_,
        address pauser_,
        address[] memory operators,
        uint256[] memory signingPks,
        Query[] memory queries
    ) {
        resolver = resolver_;
        registry = registry_;
        serviceManager = resolver_.serviceManager();
        verifier = verifier_;
        remoteVerifier = remoteVerifier_;
        allocationManager = AllocationManager(address(resolver_.allocationManager()));
        user = user_;
        pauser = pauser_;
        t0 = block.timestamp;
        b0 = block.number;
        _operators = operators;
        _signingPks = signingPks;
        for (uint256 i; i < queries.length; ++i) {
            _queries.push(queries[i]);
        }
        toggle = new ToggleReceiver();
        _actors.push(makeAddr("challenger A"));
        _actors.push(makeAddr("challenger B"));
        _actors.push(address(toggle));
    }

    // ---------------------------------------------------------------- actions

    function submit(uint256 querySeed, uint256 claimSeed, uint256 actorSeed, uint256 bondSeed) external {
        uint256 qi = querySeed % _queries.length;
        Query memory q = _queries[qi];
        (uint256 value, bool exists, uint48 timestamp) = (q.value, q.exists, q.timestamp);
        uint256 kind = claimSeed % 4;
        if (kind == 1) value = q.value + 1 + (claimSeed >> 8) % 1000;
        if (kind == 2) exists = !q.exists;
        if (kind == 3) timestamp = q.timestamp + 1 + uint48((claimSeed >> 8) % 1000);
        StateAttestation memory a = StateAttestation({
            user: user,
            chainId: q.chainId,
            blockNumber: q.blockNumber,
            timestamp: timestamp,
            key: q.key,
            value: value,
            exists: exists,
            epoch: registry.currentEpoch()
        });
        bytes32 id = resolver.challengeIdOf(a);
        if (resolver.challengeStatus(id) == IStateDisputeResolver.Status.Open) return;
        bytes32 digest = serviceManager.attestationDigest(a);
        if (resolver.slashedDigests(digest)) return;
        // Three of the four equal signers carry the threshold: sometimes one is left out of sigData.
        uint256 out = (claimSeed >> 16) % 5;
        bytes memory sigData = _sign(a, out);
        _submitAs(_actors[actorSeed % _actors.length], _bound(bondSeed, resolver.MIN_BOND(), 5 ether), a, sigData);
        _remember(id, digest, Claim({value: value, exists: exists, timestamp: timestamp, queryIndex: qi}), out);
        _keepSigners(id, digest, sigData);
    }

    /// @dev Keeps the signers of a submitted challenge, decoded from its sigData.
    function _keepSigners(bytes32 id, bytes32 digest, bytes memory sigData) internal {
        (address[] memory signers,,) = abi.decode(sigData, (address[], bytes[], uint32));
        _signersById[id] = signers;
        _signersOf[digest] = signers;
    }

    /// @dev `actor` posts the challenge with `bond` wei.
    function _submitAs(address actor, uint256 bond, StateAttestation memory a, bytes memory sigData) internal {
        vm.deal(address(this), bond);
        if (actor == address(toggle)) {
            toggle.challenge{value: bond}(resolver, a, sigData);
        } else {
            vm.deal(actor, bond);
            vm.prank(actor);
            resolver.submitChallenge{value: bond}(a, sigData);
        }
    }

    /// @dev Records a submitted challenge (a separate frame keeps challenge()'s stack small).
    function _remember(bytes32 id, bytes32 digest, Claim memory claim, uint256 out) internal {
        if (!_known[id]) {
            _known[id] = true;
            ids.push(id);
        }
        _claims[id] = claim;
        if (!_knownDigest[digest]) {
            _knownDigest[digest] = true;
            digests.push(digest);
        }
        leftOut[digest] = out < 4 ? out + 1 : 0;
        ++submitted;
    }

    function verify(uint256 querySeed) external {
        Query memory q = _queries[querySeed % _queries.length];
        (bool done,,,,) = verifier.getVerifiedState(q.chainId, user, q.key, q.blockNumber);
        if (done) return;
        bytes memory header = BlockHeaderRlp.header(bytes32(0), q.blockNumber, q.timestamp);
        vm.setBlockhash(q.blockNumber, keccak256(header));
        if (q.chainId == block.chainid) {
            verifier.verifyState(user, q.key, header);
        } else {
            uint256 fee = remoteVerifier.quoteFee();
            vm.deal(address(this), fee);
            uint256 mainChainId = block.chainid;
            vm.chainId(q.chainId);
            remoteVerifier.verifyState{value: fee}(user, q.key, header);
            vm.chainId(mainChainId);
        }
    }

    function resolve(uint256 idSeed) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        if (resolver.challengeStatus(id) != IStateDisputeResolver.Status.Open) return;
        // Half the time the resolver's caller first has the truth verified (so disputes reach an outcome often).
        if (resolver.previewResolution(id) == IStateDisputeResolver.Status.Open && idSeed & (1 << 128) != 0) {
            this.verify(_claims[id].queryIndex);
        }
        if (resolver.previewResolution(id) == IStateDisputeResolver.Status.Open) return;
        IStateDisputeResolver.Challenge memory c = resolver.getChallenge(id);
        IStateDisputeResolver.Status outcome = resolver.resolveChallenge(id, _signersById[id]);
        ++resolved;

        Claim memory claim = _claims[id];
        Query memory q = _queries[claim.queryIndex];
        (bool verified,,,, uint64 at) = verifier.getVerifiedState(q.chainId, user, q.key, q.blockNumber);
        bool inTime = verified && at <= c.deadline;
        bool wrong = claim.value != q.value || claim.exists != q.exists || claim.timestamp != q.timestamp;
        if (outcome == IStateDisputeResolver.Status.Slashed) {
            if (!inTime || !wrong) ++violations;
            ++provenWrongSlashes;
        } else if (outcome == IStateDisputeResolver.Status.Rejected) {
            if (!inTime || wrong) ++violations;
        } else if (outcome == IStateDisputeResolver.Status.Expired) {
            if (inTime) ++violations;
        } else {
            ++violations;
        }
    }

    function advance(uint256 seconds_) external {
        seconds_ = _bound(seconds_, 1, 300);
        vm.warp(block.timestamp + seconds_);
        uint256 target = b0 + (block.timestamp - t0) / MIN_BLOCK_TIME;
        if (target > block.number) vm.roll(target);
    }

    function fund(uint256 amount) external {
        amount = _bound(amount, 0, 3 ether);
        vm.deal(address(this), amount);
        resolver.fundRewardPool{value: amount}();
        funded += amount;
    }

    function pauseSlashing() external {
        uint256 status = allocationManager.paused() | SLASHING_PAUSED;
        vm.prank(pauser);
        allocationManager.pause(status);
    }

    function unpauseSlashing() external {
        uint256 status = allocationManager.paused() & ~SLASHING_PAUSED;
        vm.prank(pauser);
        allocationManager.unpause(status);
    }

    /// @dev Anyone retries the failed slashes of a proven-wrong digest.
    function retry(uint256 digestSeed) external {
        if (digests.length == 0) return;
        bytes32 digest = digests[digestSeed % digests.length];
        if (!resolver.slashedDigests(digest)) return;
        address[] memory ops = _signersOf[digest];
        (IStateDisputeResolver.SignerSlash[] memory recs,) = resolver.getSignerSlashes(digest, ops);
        uint256 n;
        for (uint256 i; i < ops.length; ++i) {
            if (recs[i].status == IStateDisputeResolver.SignerStatus.Failed) ops[n++] = ops[i];
        }
        if (n == 0) return;
        assembly ("memory-safe") {
            mstore(ops, n)
        }
        vm.prank(makeAddr("retrier"));
        resolver.retrySlashes(digest, ops);
        retried += n;
    }

    /// @dev Anyone slashes the signer left out of a proven-wrong digest's sigData, with its signature, at the digest's
    ///      reference epoch (refused once that epoch is too old).
    function slashLeftOut(uint256 digestSeed) external {
        if (digests.length == 0) return;
        bytes32 digest = digests[digestSeed % digests.length];
        uint256 out = leftOut[digest];
        if (out == 0 || !resolver.slashedDigests(digest)) return;
        address operator = _operators[out - 1];
        (IStateDisputeResolver.SignerSlash memory rec,) = resolver.getSignerSlash(digest, operator);
        if (rec.status != IStateDisputeResolver.SignerStatus.None) return;
        address[] memory ops = new address[](1);
        ops[0] = operator;
        bytes[] memory sigs = new bytes[](1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_signingPks[out - 1], digest);
        sigs[0] = abi.encodePacked(r, s, v);
        uint32 referenceEpoch = resolver.getSlashing(digest).referenceEpoch;
        vm.prank(makeAddr("watcher"));
        try resolver.slashAdditionalSigners(digest, referenceEpoch, ops, sigs) {
            ++added;
        } catch {}
    }

    function withdraw(uint256 actorSeed) external {
        address actor = _actors[actorSeed % _actors.length];
        if (resolver.pendingWithdrawals(actor) == 0) return;
        if (actor == address(toggle)) {
            toggle.withdraw(resolver, payable(makeAddr("sink")));
        } else {
            vm.prank(actor);
            resolver.withdraw(payable(actor));
        }
    }

    function toggleAccept(bool accept) external {
        toggle.setAccept(accept);
    }

    // ---------------------------------------------------------------- views for the invariants

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function digestCount() external view returns (uint256) {
        return digests.length;
    }

    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }

    function operatorAt(uint256 i) external view returns (address) {
        return _operators[i];
    }

    // ---------------------------------------------------------------- internals

    /// @dev sigData of every operator but the one at index `out` (none when out >= 4).
    function _sign(StateAttestation memory a, uint256 out) internal view returns (bytes memory) {
        bytes32 digest = serviceManager.attestationDigest(a);
        uint256 n = _operators.length;
        uint256 m = out < n ? n - 1 : n;
        address[] memory operators = new address[](m);
        bytes[] memory signatures = new bytes[](m);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            if (i == out) continue;
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_signingPks[i], digest);
            operators[k] = _operators[i];
            signatures[k++] = abi.encodePacked(r, s, v);
        }
        return abi.encode(operators, signatures, a.epoch);
    }

    receive() external payable {}
}

/// @notice Invariants of the dispute path: no funds are ever locked (the resolver's balance is exactly the open bonds,
///         the reward pool and the deferred payments, and every open challenge past its deadline can be resolved),
///         and only a proven wrong attestation slashes.
contract StateDisputeResolverInvariantTest is StateDisputeResolverFixture {
    DisputeHandler internal handler;
    address[] internal _opAddrs;

    function setUp() public override {
        super.setUp();
        Op[] memory ops = _sorted(_quorumOf(4));
        uint256[] memory pks = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            _opAddrs.push(ops[i].addr);
            pks[i] = ops[i].signingPk;
        }
        DisputeHandler.Query[] memory queries = new DisputeHandler.Query[](4);
        uint64 b1 = _writeRemote(1, 100);
        uint64 b2 = _writeRemote(2, 200);
        queries[0] = DisputeHandler.Query(REMOTE_CHAIN_ID, 1, b1, uint48(_timestampOf(b1)), 100, true);
        queries[1] = DisputeHandler.Query(REMOTE_CHAIN_ID, 2, b2, uint48(_timestampOf(b2)), 200, true);
        queries[2] = DisputeHandler.Query(REMOTE_CHAIN_ID, 3, b2, uint48(_timestampOf(b2)), 0, false);
        uint64 b3 = uint64(block.number);
        vm.prank(user);
        mainStateManager.setValue(4, 400);
        _advance(MIN_BLOCK_TIME);
        queries[3] = DisputeHandler.Query(MAIN_CHAIN_ID, 4, b3, uint48(_timestampOf(b3)), 400, true);

        handler = new DisputeHandler(resolver, registry, verifier, remoteVerifier, user, elOwner, _opAddrs, pks, queries);
        _fundPool(1 ether);
        targetContract(address(handler));
        // Only the actions (not the handler's views); submitting and resolving twice as often as the rest.
        bytes4[] memory actions = new bytes4[](13);
        actions[0] = DisputeHandler.submit.selector;
        actions[1] = DisputeHandler.submit.selector;
        actions[2] = DisputeHandler.verify.selector;
        actions[3] = DisputeHandler.resolve.selector;
        actions[4] = DisputeHandler.resolve.selector;
        actions[5] = DisputeHandler.advance.selector;
        actions[6] = DisputeHandler.fund.selector;
        actions[7] = DisputeHandler.withdraw.selector;
        actions[8] = DisputeHandler.toggleAccept.selector;
        actions[9] = DisputeHandler.pauseSlashing.selector;
        actions[10] = DisputeHandler.unpauseSlashing.selector;
        actions[11] = DisputeHandler.retry.selector;
        actions[12] = DisputeHandler.slashLeftOut.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: actions}));
    }

    function invariant_balanceIsOpenBondsPoolAndPendingWithdrawals() public view {
        assertEq(
            address(resolver).balance,
            resolver.totalOpenBonds() + resolver.rewardPool() + resolver.totalPendingWithdrawals(),
            "resolver balance"
        );
    }

    function invariant_openBondsAreTheOpenChallenges() public view {
        uint256 sum;
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            IStateDisputeResolver.Challenge memory c = resolver.getChallenge(handler.ids(i));
            if (c.status == IStateDisputeResolver.Status.Open) sum += c.bond;
        }
        assertEq(sum, resolver.totalOpenBonds());
    }

    function invariant_everyChallengePastItsDeadlineIsResolvable() public view {
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            bytes32 id = handler.ids(i);
            IStateDisputeResolver.Challenge memory c = resolver.getChallenge(id);
            if (c.status == IStateDisputeResolver.Status.Open && block.timestamp > c.deadline) {
                assertTrue(resolver.previewResolution(id) != IStateDisputeResolver.Status.Open, "locked challenge");
            }
        }
    }

    function invariant_onlyProvenWrongAttestationsSlash() public view {
        assertEq(handler.violations(), 0, "a resolution contradicted the verified truth");
        if (handler.provenWrongSlashes() == 0) {
            for (uint256 i; i < _opAddrs.length; ++i) {
                assertEq(allocationManager.getMaxMagnitude(_opAddrs[i], strategy), 1e18, "slashed without proof");
                assertEq(_shares(_opAddrs[i]), STAKE, "shares lost without proof");
            }
        }
    }

    function invariant_slashedDigestsAreWrongClaims() public view {
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            IStateDisputeResolver.Challenge memory c = resolver.getChallenge(handler.ids(i));
            if (c.status != IStateDisputeResolver.Status.Slashed) continue;
            assertTrue(resolver.slashedDigests(c.digest));
            (bool verified, uint256 value, bool exists, uint64 blockTimestamp,) =
                verifier.getVerifiedState(c.chainId, c.user, c.key, c.blockNumber);
            assertTrue(verified);
            assertTrue(
                value != c.claimedValue || exists != c.claimedExists || blockTimestamp != c.timestamp,
                "slashed a right claim"
            );
        }
    }

    /// @dev Every signer of a digest proven wrong is slashed, or still slashable: Failed (anyone may retry: the set can
    ///      still slash it), Pending, or left out of sigData (anyone may add it with its signature while the reference
    ///      epoch is admissible). None was skipped: no signer here ever leaves the set.
    function invariant_everySignerOfAProvenWrongDigestIsSlashedOrStillSlashable() public view {
        uint256 n = handler.digestCount();
        for (uint256 d; d < n; ++d) {
            bytes32 digest = handler.digests(d);
            if (!resolver.slashedDigests(digest)) continue;
            IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
            assertEq(s.slashed + s.failed + s.skipped + s.pending, s.signers, "every signer on record is counted once");
            assertEq(s.skipped, 0, "a slashable signer was skipped");
            for (uint256 i; i < _opAddrs.length; ++i) {
                (IStateDisputeResolver.SignerSlash memory rec,) = resolver.getSignerSlash(digest, _opAddrs[i]);
                if (rec.status == IStateDisputeResolver.SignerStatus.None) {
                    assertEq(handler.leftOut(digest), i + 1, "a signer of sigData is not on record");
                    continue;
                }
                assertTrue(
                    rec.status == IStateDisputeResolver.SignerStatus.Slashed
                        || rec.status == IStateDisputeResolver.SignerStatus.Failed
                        || rec.status == IStateDisputeResolver.SignerStatus.Pending,
                    "a signer escaped"
                );
                if (rec.status == IStateDisputeResolver.SignerStatus.Failed) {
                    assertTrue(allocationManager.isOperatorSlashable(_opAddrs[i], set), "failed and not retryable");
                }
            }
        }
    }

    /// @dev Each (digest, operator) pair is slashed at most once, and nothing else slashes: an operator's max
    ///      magnitude is exactly WAD_TO_SLASH taken once per digest that records it as Slashed.
    function invariant_eachPairSlashedAtMostOnce() public view {
        uint256 n = handler.digestCount();
        for (uint256 i; i < _opAddrs.length; ++i) {
            uint256 expected = 1e18;
            for (uint256 d; d < n; ++d) {
                (IStateDisputeResolver.SignerSlash memory rec,) = resolver.getSignerSlash(handler.digests(d), _opAddrs[i]);
                if (rec.status == IStateDisputeResolver.SignerStatus.Slashed) {
                    expected -= Math.mulDiv(expected, WAD_TO_SLASH, 1e18, Math.Rounding.Ceil);
                }
            }
            assertEq(allocationManager.getMaxMagnitude(_opAddrs[i], strategy), expected, "slashes match the records");
        }
    }

    /// @dev The pool pays only for stake slashed: per digest at most CHALLENGER_REWARD × weight slashed /
    ///      (WAD_TO_SLASH × signed weight) and at most CHALLENGER_REWARD; in all, exactly what left the pool.
    function invariant_rewardPoolPaysOnlyForStakeSlashed() public view {
        uint256 n = handler.digestCount();
        uint256 paid;
        for (uint256 d; d < n; ++d) {
            IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(handler.digests(d));
            uint256 full = Math.mulDiv(s.signedWeight, WAD_TO_SLASH, 1e18);
            uint256 earned = s.weightSlashed >= full ? REWARD : Math.mulDiv(REWARD, s.weightSlashed, full);
            assertLe(s.rewardPaid, earned, "paid more than the stake slashed earns");
            paid += s.rewardPaid;
        }
        assertEq(1 ether + handler.funded() - resolver.rewardPool(), paid, "the pool paid only rewards");
    }

    function afterInvariant() external {
        emit log_named_uint("challenges submitted", handler.submitted());
        emit log_named_uint("challenges resolved", handler.resolved());
        emit log_named_uint("proven wrong (slashed)", handler.provenWrongSlashes());
        emit log_named_uint("failed slashes retried", handler.retried());
        emit log_named_uint("left-out signers slashed", handler.added());
    }
}
