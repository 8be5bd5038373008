// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {ECDSAStakeRegistry} from "../../src/core/ECDSAStakeRegistry.sol";
import {AllocationManager} from "../../src/eigenlayer/AllocationManager.sol";
import {IStrategy} from "../../src/eigenlayer/interfaces/IStrategy.sol";
import {StateManager} from "../../src/state-proofs/StateManager.sol";
import {MainChainVerifier} from "../../src/state-proofs/MainChainVerifier.sol";
import {RemoteChainVerifier} from "../../src/state-proofs/RemoteChainVerifier.sol";
import {StateProofsServiceManager} from "../../src/state-proofs/StateProofsServiceManager.sol";
import {StateDisputeResolver} from "../../src/state-proofs/StateDisputeResolver.sol";
import {StateAttestation} from "../../src/state-proofs/StateAttestationLib.sol";
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
///         refuses ether), verifications, resolutions, time, pool funding and withdrawals. Records in ghost variables
///         any resolution that contradicts the verified truth.
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

    StateDisputeResolver internal immutable resolver;
    ECDSAStakeRegistry internal immutable registry;
    StateProofsServiceManager internal immutable serviceManager;
    MainChainVerifier internal immutable verifier;
    RemoteChainVerifier internal immutable remoteVerifier;
    AllocationManager internal immutable allocationManager;
    address internal immutable user;
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

    /// @notice Resolutions that contradicted the verified truth (must stay 0).
    uint256 public violations;
    /// @notice Challenges resolved as Slashed (each against a proven wrong attestation).
    uint256 public provenWrongSlashes;
    uint256 public submitted;
    uint256 public resolved;

    constructor(
        StateDisputeResolver resolver_,
        ECDSAStakeRegistry registry_,
        MainChainVerifier verifier_,
        RemoteChainVerifier remoteVerifier_,
        address user_,
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
        if (resolver.challengeStatus(id) == StateDisputeResolver.Status.Open) return;
        if (resolver.slashedDigests(serviceManager.attestationDigest(a))) return;
        bytes memory sigData = _sign(a);
        uint256 bond = _bound(bondSeed, resolver.MIN_BOND(), 5 ether);
        address actor = _actors[actorSeed % _actors.length];
        vm.deal(address(this), bond);
        if (actor == address(toggle)) {
            toggle.challenge{value: bond}(resolver, a, sigData);
        } else {
            vm.deal(actor, bond);
            vm.prank(actor);
            resolver.submitChallenge{value: bond}(a, sigData);
        }
        if (!_known[id]) {
            _known[id] = true;
            ids.push(id);
        }
        _claims[id] = Claim({value: value, exists: exists, timestamp: timestamp, queryIndex: qi});
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
        if (resolver.challengeStatus(id) != StateDisputeResolver.Status.Open) return;
        if (resolver.previewResolution(id) == StateDisputeResolver.Status.Open) return;
        StateDisputeResolver.Challenge memory c = resolver.getChallenge(id);
        StateDisputeResolver.Status outcome = resolver.resolveChallenge(id);
        ++resolved;

        Claim memory claim = _claims[id];
        Query memory q = _queries[claim.queryIndex];
        (bool verified,,,, uint64 at) = verifier.getVerifiedState(q.chainId, user, q.key, q.blockNumber);
        bool inTime = verified && at <= c.deadline;
        bool wrong = claim.value != q.value || claim.exists != q.exists || claim.timestamp != q.timestamp;
        if (outcome == StateDisputeResolver.Status.Slashed) {
            if (!inTime || !wrong) ++violations;
            ++provenWrongSlashes;
        } else if (outcome == StateDisputeResolver.Status.Rejected) {
            if (!inTime || wrong) ++violations;
        } else if (outcome == StateDisputeResolver.Status.Expired) {
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

    // ---------------------------------------------------------------- internals

    function _sign(StateAttestation memory a) internal view returns (bytes memory) {
        bytes32 digest = serviceManager.attestationDigest(a);
        uint256 n = _operators.length;
        bytes[] memory signatures = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_signingPks[i], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
        return abi.encode(_operators, signatures, a.epoch);
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

        handler = new DisputeHandler(resolver, registry, verifier, remoteVerifier, user, _opAddrs, pks, queries);
        _fundPool(1 ether);
        targetContract(address(handler));
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
            StateDisputeResolver.Challenge memory c = resolver.getChallenge(handler.ids(i));
            if (c.status == StateDisputeResolver.Status.Open) sum += c.bond;
        }
        assertEq(sum, resolver.totalOpenBonds());
    }

    function invariant_everyChallengePastItsDeadlineIsResolvable() public view {
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            bytes32 id = handler.ids(i);
            StateDisputeResolver.Challenge memory c = resolver.getChallenge(id);
            if (c.status == StateDisputeResolver.Status.Open && block.timestamp > c.deadline) {
                assertTrue(resolver.previewResolution(id) != StateDisputeResolver.Status.Open, "locked challenge");
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
            StateDisputeResolver.Challenge memory c = resolver.getChallenge(handler.ids(i));
            if (c.status != StateDisputeResolver.Status.Slashed) continue;
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

    function afterInvariant() external {
        emit log_named_uint("challenges submitted", handler.submitted());
        emit log_named_uint("challenges resolved", handler.resolved());
        emit log_named_uint("proven wrong (slashed)", handler.provenWrongSlashes());
    }
}
