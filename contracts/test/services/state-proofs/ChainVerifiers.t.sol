// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";
import {StateManager} from "../../../src/services/state-proofs/StateManager.sol";
import {MainChainVerifier} from "../../../src/services/state-proofs/MainChainVerifier.sol";
import {RemoteChainVerifier, StateVerificationMessage} from "../../../src/services/state-proofs/RemoteChainVerifier.sol";
import {BlockHashAnchors} from "../../../src/services/state-proofs/BlockHashAnchors.sol";
import {BlockHeaderLib} from "../../../src/services/state-proofs/BlockHeaderLib.sol";
import {MockAbridge} from "./ChainVerifiersMockBridge.sol";
import {BlockHeaderRlp} from "./BlockHeaderRlp.sol";

/// @notice RemoteChainVerifier → (mock) Abridge → MainChainVerifier, and the main chain's direct path. The "remote
///         chain" is this EVM with vm.chainId switched to REMOTE for the calls made there.
contract ChainVerifiersTest is Test {
    uint256 internal constant MAIN = 31337;
    uint256 internal constant REMOTE = 31338;
    uint256 internal constant OTHER = 31339;
    uint256 internal constant FEE = 0.01 ether;
    uint128 internal constant GAS = 200_000;
    uint64 internal constant SKEW = 30;

    address internal owner = makeAddr("owner");
    address internal user = makeAddr("user");
    address internal caller = makeAddr("caller");

    StateManager internal mainStateManager;
    StateManager internal remoteStateManager;
    MainChainVerifier internal verifier;
    MockAbridge internal bridge;
    RemoteChainVerifier internal remoteVerifier;

    event StateSent(
        bytes32 indexed guid,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        uint256 fee
    );
    event UnproducedSent(bytes32 indexed guid, uint256 indexed blockNumber, uint256 sourceTime, uint256 fee);
    event RouteSet(uint256 indexed chainId, address bridge, address remoteVerifier);
    event RouteRevocationFailed(uint256 indexed chainId, address bridge, address remoteVerifier, bytes reason);
    event StateVerified(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        bytes32 guid
    );
    event DuplicateVerificationIgnored(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        bool matches
    );
    event UnproducedRecorded(uint256 indexed chainId, uint256 indexed blockNumber, uint256 sourceTime, bytes32 guid);
    event UnproducedIgnored(
        uint256 indexed chainId, uint256 indexed blockNumber, uint256 sourceTime, uint256 latestSourceTime
    );
    event RouteUpdated(address indexed receiver, address indexed sender, bool allowed);

    function setUp() public {
        vm.roll(100);
        vm.warp(1_750_000_000);
        mainStateManager = new StateManager();
        remoteStateManager = new StateManager();
        bridge = new MockAbridge(FEE);
        verifier = new MainChainVerifier(mainStateManager, owner, SKEW);
        remoteVerifier = new RemoteChainVerifier(remoteStateManager, IAbridge(address(bridge)), address(verifier), GAS);
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(bridge)), address(remoteVerifier));
        vm.deal(caller, 10 ether);
    }

    /// @dev Writes at the current block, then moves one block and 12 s on.
    function _write(StateManager sm, uint256 key, uint256 value) internal returns (uint256 blockNumber) {
        blockNumber = block.number;
        vm.prank(user);
        sm.setValue(key, value);
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }

    /// @dev The timestamp the test headers give block `n`.
    function _ts(uint256 n) internal pure returns (uint256) {
        return 1_700_000_000 + n * 12;
    }

    /// @dev A header of past block `n`, made its hash (vm.setBlockhash).
    function _header(uint256 n) internal returns (bytes memory header) {
        header = BlockHeaderRlp.header(keccak256(abi.encode("parent", n)), n, _ts(n));
        vm.setBlockhash(n, keccak256(header));
    }

    function _verifyRemote(uint256 key, uint256 blockNumber, uint256 value) internal returns (bytes32 guid) {
        bytes memory header = _header(blockNumber);
        vm.chainId(REMOTE);
        vm.prank(caller);
        guid = remoteVerifier.verifyState{value: value}(user, key, header);
        vm.chainId(MAIN);
    }

    function _message(uint256 chainId, uint256 key, uint256 blockNumber, uint256 value, bool exists)
        internal
        view
        returns (bytes memory)
    {
        return abi.encode(uint256(1), chainId, user, key, blockNumber, _ts(blockNumber), value, exists);
    }

    function _unproduced(uint256 chainId, uint256 blockNumber, uint256 sourceTime) internal pure returns (bytes memory) {
        return abi.encode(uint256(2), chainId, blockNumber, sourceTime);
    }

    // ---------------------------------------------------------------- RemoteChainVerifier

    function test_remote_constructor_setsImmutables() public view {
        assertEq(address(remoteVerifier.stateManager()), address(remoteStateManager));
        assertEq(address(remoteVerifier.bridge()), address(bridge));
        assertEq(remoteVerifier.mainChainVerifier(), address(verifier));
        assertEq(remoteVerifier.handleMessageGasLimit(), GAS);
    }

    function test_remote_constructor_revertsOnZeroAddress() public {
        vm.expectRevert(RemoteChainVerifier.ZeroAddress.selector);
        new RemoteChainVerifier(remoteStateManager, IAbridge(address(bridge)), address(0), GAS);
    }

    function test_remote_constructor_revertsOnZeroGasLimit() public {
        vm.expectRevert(RemoteChainVerifier.ZeroGasLimit.selector);
        new RemoteChainVerifier(remoteStateManager, IAbridge(address(bridge)), address(verifier), 0);
    }

    function test_remote_verifyState_bridgesItsOwnChainIdAndTheBlockTimestamp() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        _verifyRemote(1, b, FEE);
        (bool verified, uint256 value, bool exists, uint64 blockTimestamp, uint64 at) =
            verifier.getVerifiedState(REMOTE, user, 1, b);
        assertTrue(verified);
        assertEq(value, 42);
        assertTrue(exists);
        assertEq(blockTimestamp, _ts(b), "the header's timestamp");
        assertEq(at, block.timestamp);
        (verified,,,,) = verifier.getVerifiedState(MAIN, user, 1, b);
        assertFalse(verified, "not filed under the main chain's id");
    }

    function test_remote_verifyState_emitsStateSent() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes32 guid = keccak256(
            abi.encode(address(bridge), uint256(0), address(remoteVerifier), address(verifier), _message(REMOTE, 1, b, 42, true))
        );
        vm.expectEmit(address(remoteVerifier));
        emit StateSent(guid, user, 1, b, _ts(b), 42, true, FEE);
        assertEq(_verifyRemote(1, b, FEE), guid);
    }

    function test_remote_verifyState_readsLastWriteAtOrBeforeBlock() public {
        uint256 b1 = _write(remoteStateManager, 1, 10);
        _write(remoteStateManager, 1, 20);
        vm.roll(block.number + 5);
        _verifyRemote(1, b1 + 3, FEE); // after both writes
        (, uint256 value,,,) = verifier.getVerifiedState(REMOTE, user, 1, b1 + 3);
        assertEq(value, 20);
        _verifyRemote(1, b1, FEE);
        (, value,,,) = verifier.getVerifiedState(REMOTE, user, 1, b1);
        assertEq(value, 10);
    }

    function test_remote_verifyState_attestsAbsence() public {
        _verifyRemote(9, block.number - 1, FEE);
        (bool verified, uint256 value, bool exists,,) = verifier.getVerifiedState(REMOTE, user, 9, block.number - 1);
        assertTrue(verified);
        assertEq(value, 0);
        assertFalse(exists);
    }

    function test_remote_verifyState_refundsExcessFee() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        uint256 before = caller.balance;
        _verifyRemote(1, b, 1 ether);
        assertEq(caller.balance, before - FEE);
        assertEq(address(bridge).balance, FEE);
        assertEq(address(remoteVerifier).balance, 0);
    }

    function test_remote_verifyState_revertsOnInsufficientFee() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes memory header = _header(b);
        vm.chainId(REMOTE);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.InsufficientFee.selector, FEE - 1, FEE));
        remoteVerifier.verifyState{value: FEE - 1}(user, 1, header);
    }

    /// @dev The attack of a lying verifier caller: a header whose hash is not the block's is refused.
    function test_remote_verifyState_revertsOnForgedHeader() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes32 real = keccak256(_header(b));
        bytes memory forged = BlockHeaderRlp.header(keccak256(abi.encode("parent", b)), b, _ts(b) + 600);
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(BlockHashAnchors.HeaderHashMismatch.selector, b, keccak256(forged), real)
        );
        remoteVerifier.verifyState{value: FEE}(user, 1, forged);
    }

    function test_remote_verifyState_revertsForCurrentBlock() public {
        bytes memory header = BlockHeaderRlp.header(bytes32(0), block.number, block.timestamp);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.UnknownBlockHash.selector, block.number));
        remoteVerifier.verifyState{value: FEE}(user, 1, header);
    }

    function test_remote_verifyState_revertsForFutureBlock() public {
        bytes memory header = BlockHeaderRlp.header(bytes32(0), block.number + 1, block.timestamp + 12);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.UnknownBlockHash.selector, block.number + 1));
        remoteVerifier.verifyState{value: FEE}(user, 1, header);
    }

    function test_remote_verifyState_revertsOnMalformedHeader() public {
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(BlockHeaderLib.MalformedHeader.selector, 1));
        remoteVerifier.verifyState{value: FEE}(user, 1, hex"c0"); // an empty list: too few items
    }

    function test_remote_verifyState_revertsOnNonNativeFee() public {
        bytes memory header = _header(block.number - 1);
        bridge.setFee(FEE, address(0xFEE));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.UnsupportedFeeToken.selector, address(0xFEE)));
        remoteVerifier.verifyState{value: FEE}(user, 1, header);
    }

    function test_remote_verifyState_revertsWhenRefundFails() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes memory header = _header(b);
        vm.deal(address(this), 1 ether);
        vm.chainId(REMOTE);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.RefundFailed.selector, address(this), 1 ether - FEE));
        remoteVerifier.verifyState{value: 1 ether}(user, 1, header); // this test contract has no receive()
    }

    function test_remote_quoteFee_matchesBridge() public view {
        assertEq(remoteVerifier.quoteFee(), FEE);
    }

    function test_remote_reportUnproduced_bridgesTheSourceTime() public {
        uint256 future = block.number + 10;
        bytes32 guid = keccak256(
            abi.encode(
                address(bridge), uint256(0), address(remoteVerifier), address(verifier), _unproduced(REMOTE, future, block.timestamp)
            )
        );
        vm.expectEmit(address(remoteVerifier));
        emit UnproducedSent(guid, future, block.timestamp, FEE);
        vm.chainId(REMOTE);
        vm.prank(caller);
        remoteVerifier.reportUnproduced{value: FEE}(future);
        vm.chainId(MAIN);
        assertEq(verifier.latestUnproduced(REMOTE, future), block.timestamp);
        assertEq(verifier.unproducedRecordedAt(REMOTE, future, uint48(block.timestamp)), block.timestamp);
        assertEq(verifier.unproducedRecordedAt(REMOTE, future, uint48(block.timestamp + 1)), 0, "proves nothing later");
    }

    function test_remote_reportUnproduced_revertsForCurrentBlock() public {
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.BlockProduced.selector, block.number, block.number));
        remoteVerifier.reportUnproduced{value: FEE}(block.number);
    }

    // ---------------------------------------------------------------- MainChainVerifier: routes

    function test_main_constructor_revertsOnZeroStateManager() public {
        vm.expectRevert(MainChainVerifier.ZeroAddress.selector);
        new MainChainVerifier(StateManager(address(0)), owner, SKEW);
    }

    function test_main_constructor_revertsOnExcessiveClockSkew() public {
        vm.expectRevert(abi.encodeWithSelector(MainChainVerifier.ClockSkewTooLarge.selector, uint64(1 days + 1)));
        new MainChainVerifier(mainStateManager, owner, 1 days + 1);
    }

    function test_main_setRoute_recordsAndAllowsSenderOnBridge() public view {
        assertEq(address(verifier.getRoute(REMOTE).bridge), address(bridge));
        assertEq(verifier.getRoute(REMOTE).remoteVerifier, address(remoteVerifier));
        assertTrue(bridge.allowed(address(verifier), address(remoteVerifier)));
        assertTrue(verifier.isSupportedChain(REMOTE));
        assertTrue(verifier.isSupportedChain(MAIN));
        assertFalse(verifier.isSupportedChain(OTHER));
    }

    function test_main_setRoute_emits() public {
        address newRemote = makeAddr("new remote verifier");
        vm.expectEmit(address(verifier));
        emit RouteSet(REMOTE, address(bridge), newRemote);
        vm.expectEmit(address(bridge));
        emit RouteUpdated(address(verifier), address(remoteVerifier), false);
        vm.expectEmit(address(bridge));
        emit RouteUpdated(address(verifier), newRemote, true);
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(bridge)), newRemote);
    }

    function test_main_setRoute_replacingForbidsOldSender() public {
        address newRemote = makeAddr("new remote verifier");
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(bridge)), newRemote);
        assertFalse(bridge.allowed(address(verifier), address(remoteVerifier)));
        assertTrue(bridge.allowed(address(verifier), newRemote));
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes memory header = _header(b);
        vm.chainId(REMOTE);
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(MockAbridge.RouteNotAllowed.selector, address(verifier), address(remoteVerifier))
        );
        remoteVerifier.verifyState{value: FEE}(user, 1, header);
    }

    /// @dev A dead old bridge (updateRoute reverts) must not block moving the route to a working one.
    function test_main_setRoute_survivesDeadOldBridge() public {
        bridge.setDead(true);
        MockAbridge newBridge = new MockAbridge(FEE);
        address newRemote = makeAddr("new remote verifier");
        vm.expectEmit(address(verifier));
        emit RouteRevocationFailed(
            REMOTE, address(bridge), address(remoteVerifier), abi.encodeWithSelector(MockAbridge.Dead.selector)
        );
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(newBridge)), newRemote);
        assertEq(address(verifier.getRoute(REMOTE).bridge), address(newBridge));
        assertTrue(newBridge.allowed(address(verifier), newRemote));
        // The old route is rejected by the verifier itself.
        vm.prank(address(bridge));
        vm.expectRevert(
            abi.encodeWithSelector(
                MainChainVerifier.UnauthorizedSource.selector, REMOTE, address(bridge), address(remoteVerifier)
            )
        );
        verifier.handleMessage(address(remoteVerifier), _message(REMOTE, 1, 50, 7, true), bytes32(0));
    }

    function test_main_setRoute_removalSurvivesDeadBridge() public {
        bridge.setDead(true);
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(0)), address(0));
        assertFalse(verifier.isSupportedChain(REMOTE));
    }

    function test_main_setRoute_removes() public {
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(0)), address(0));
        assertFalse(verifier.isSupportedChain(REMOTE));
        assertFalse(bridge.allowed(address(verifier), address(remoteVerifier)));
    }

    function test_main_setRoute_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        verifier.setRoute(OTHER, IAbridge(address(bridge)), address(1));
    }

    function test_main_setRoute_revertsForMainChain() public {
        vm.prank(owner);
        vm.expectRevert(MainChainVerifier.MainChainNeedsNoRoute.selector);
        verifier.setRoute(MAIN, IAbridge(address(bridge)), address(1));
    }

    function test_main_setRoute_revertsOnHalfZeroRoute() public {
        vm.prank(owner);
        vm.expectRevert(MainChainVerifier.ZeroAddress.selector);
        verifier.setRoute(OTHER, IAbridge(address(bridge)), address(0));
    }

    // ---------------------------------------------------------------- MainChainVerifier: handleMessage

    function test_main_handleMessage_returnsSelectorAndEmits() public {
        bytes memory m = _message(REMOTE, 3, 50, 7, true);
        vm.expectEmit(address(verifier));
        emit StateVerified(REMOTE, user, 3, 50, _ts(50), 7, true, bytes32(uint256(9)));
        vm.prank(address(bridge));
        bytes4 ret = verifier.handleMessage(address(remoteVerifier), m, bytes32(uint256(9)));
        assertEq(ret, IAbridgeMessageHandler.handleMessage.selector);
    }

    function test_main_handleMessage_revertsFromUnregisteredBridge() public {
        bytes memory m = _message(REMOTE, 3, 50, 7, true);
        vm.prank(makeAddr("another bridge"));
        vm.expectRevert(
            abi.encodeWithSelector(
                MainChainVerifier.UnauthorizedSource.selector, REMOTE, makeAddr("another bridge"), address(remoteVerifier)
            )
        );
        verifier.handleMessage(address(remoteVerifier), m, bytes32(0));
    }

    function test_main_handleMessage_revertsFromUnregisteredSender() public {
        bytes memory m = _message(REMOTE, 3, 50, 7, true);
        vm.prank(address(bridge));
        vm.expectRevert(
            abi.encodeWithSelector(MainChainVerifier.UnauthorizedSource.selector, REMOTE, address(bridge), address(this))
        );
        verifier.handleMessage(address(this), m, bytes32(0));
    }

    function test_main_handleMessage_revertsForChainIdOfAnotherRoute() public {
        // The REMOTE route's bridge and verifier cannot write values of another chain.
        MockAbridge otherBridge = new MockAbridge(FEE);
        vm.prank(owner);
        verifier.setRoute(OTHER, IAbridge(address(otherBridge)), makeAddr("other remote verifier"));
        bytes memory m = _message(OTHER, 3, 50, 7, true);
        vm.prank(address(bridge));
        vm.expectRevert(
            abi.encodeWithSelector(
                MainChainVerifier.UnauthorizedSource.selector, OTHER, address(bridge), address(remoteVerifier)
            )
        );
        verifier.handleMessage(address(remoteVerifier), m, bytes32(0));
    }

    function test_main_handleMessage_revertsForUnroutedChain() public {
        bytes memory m = _message(OTHER, 3, 50, 7, true);
        vm.prank(address(0));
        vm.expectRevert(
            abi.encodeWithSelector(MainChainVerifier.UnauthorizedSource.selector, OTHER, address(0), address(0))
        );
        verifier.handleMessage(address(0), m, bytes32(0));
    }

    function test_main_handleMessage_revertsForMainChainId() public {
        bytes memory m = _message(MAIN, 3, 50, 7, true);
        vm.prank(address(bridge));
        vm.expectRevert(
            abi.encodeWithSelector(
                MainChainVerifier.UnauthorizedSource.selector, MAIN, address(bridge), address(remoteVerifier)
            )
        );
        verifier.handleMessage(address(remoteVerifier), m, bytes32(0));
    }

    function test_main_handleMessage_revertsOnMalformedMessage() public {
        vm.prank(address(bridge));
        vm.expectRevert(abi.encodeWithSelector(StateVerificationMessage.UnknownMessage.selector, 0, 1));
        verifier.handleMessage(address(remoteVerifier), hex"00", bytes32(0));
    }

    function test_main_handleMessage_revertsOnUnknownKind() public {
        bytes memory m = abi.encode(uint256(3), REMOTE, uint256(1), uint256(2));
        vm.prank(address(bridge));
        vm.expectRevert(abi.encodeWithSelector(StateVerificationMessage.UnknownMessage.selector, 3, 128));
        verifier.handleMessage(address(remoteVerifier), m, bytes32(0));
    }

    function test_main_handleMessage_recordsUnproducedAndKeepsFirstRecordingTime() public {
        vm.startPrank(address(bridge));
        vm.expectEmit(address(verifier));
        emit UnproducedRecorded(REMOTE, 500, 1000, bytes32(uint256(1)));
        verifier.handleMessage(address(remoteVerifier), _unproduced(REMOTE, 500, 1000), bytes32(uint256(1)));
        uint256 first = block.timestamp;
        vm.warp(block.timestamp + 100);
        verifier.handleMessage(address(remoteVerifier), _unproduced(REMOTE, 500, 2000), bytes32(uint256(2)));
        vm.warp(block.timestamp + 100);
        // An earlier observation arriving late proves less than one already recorded: ignored.
        vm.expectEmit(address(verifier));
        emit UnproducedIgnored(REMOTE, 500, 1500, 2000);
        verifier.handleMessage(address(remoteVerifier), _unproduced(REMOTE, 500, 1500), bytes32(uint256(3)));
        vm.stopPrank();
        assertEq(verifier.latestUnproduced(REMOTE, 500), 2000);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 500, 0), first);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 500, 1000), first);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 500, 1001), first + 100);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 500, 2000), first + 100);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 500, 2001), 0);
        assertEq(verifier.unproducedRecordedAt(REMOTE, 501, 0), 0, "per block");
    }

    function test_main_handleMessage_unproducedFromUnroutedSourceReverts() public {
        vm.prank(makeAddr("another bridge"));
        vm.expectRevert(
            abi.encodeWithSelector(
                MainChainVerifier.UnauthorizedSource.selector, REMOTE, makeAddr("another bridge"), address(remoteVerifier)
            )
        );
        verifier.handleMessage(address(remoteVerifier), _unproduced(REMOTE, 500, 1000), bytes32(0));
    }

    function test_main_handleMessage_ignoresDuplicate() public {
        bytes memory first = _message(REMOTE, 3, 50, 7, true);
        bytes memory second = _message(REMOTE, 3, 50, 8, true);
        vm.startPrank(address(bridge));
        verifier.handleMessage(address(remoteVerifier), first, bytes32(0));
        uint64 at = uint64(block.timestamp);
        vm.warp(block.timestamp + 100);
        vm.expectEmit(address(verifier));
        emit DuplicateVerificationIgnored(REMOTE, user, 3, 50, _ts(50), 8, true, false);
        bytes4 ret = verifier.handleMessage(address(remoteVerifier), second, bytes32(0));
        vm.stopPrank();
        assertEq(ret, IAbridgeMessageHandler.handleMessage.selector, "accepted, so the bridge does not retry");
        (, uint256 value,,, uint64 verifiedAt) = verifier.getVerifiedState(REMOTE, user, 3, 50);
        assertEq(value, 7);
        assertEq(verifiedAt, at);
    }

    function test_main_handleMessage_duplicateThatAgreesIsMarkedMatching() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        _verifyRemote(1, b, FEE);
        vm.expectEmit(address(verifier));
        emit DuplicateVerificationIgnored(REMOTE, user, 1, b, _ts(b), 42, true, true);
        _verifyRemote(1, b, FEE);
    }

    // ---------------------------------------------------------------- MainChainVerifier: local path

    function test_main_verifyState_readsLocalStateManager() public {
        uint256 b = _write(mainStateManager, 4, 77);
        bytes memory header = _header(b);
        vm.expectEmit(address(verifier));
        emit StateVerified(MAIN, user, 4, b, _ts(b), 77, true, bytes32(0));
        verifier.verifyState(user, 4, header);
        (bool verified, uint256 value, bool exists, uint64 blockTimestamp,) = verifier.getVerifiedState(MAIN, user, 4, b);
        assertTrue(verified);
        assertEq(value, 77);
        assertTrue(exists);
        assertEq(blockTimestamp, _ts(b));
    }

    function test_main_verifyState_revertsForCurrentBlock() public {
        bytes memory header = BlockHeaderRlp.header(bytes32(0), block.number, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(BlockHashAnchors.UnknownBlockHash.selector, block.number));
        verifier.verifyState(user, 4, header);
    }

    function test_main_verifyState_revertsOnForgedTimestamp() public {
        uint256 b = _write(mainStateManager, 4, 77);
        bytes32 real = keccak256(_header(b));
        bytes memory forged = BlockHeaderRlp.header(keccak256(abi.encode("parent", b)), b, _ts(b) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(BlockHashAnchors.HeaderHashMismatch.selector, b, keccak256(forged), real)
        );
        verifier.verifyState(user, 4, forged);
    }

    function test_main_reportUnproduced_recordsTheMainChainTime() public {
        vm.expectEmit(address(verifier));
        emit UnproducedRecorded(MAIN, block.number + 1, block.timestamp, bytes32(0));
        verifier.reportUnproduced(block.number + 1);
        assertEq(verifier.latestUnproduced(MAIN, block.number + 1), block.timestamp);
        assertEq(verifier.unproducedRecordedAt(MAIN, block.number + 1, uint48(block.timestamp)), block.timestamp);
    }

    function test_main_reportUnproduced_revertsForProducedBlock() public {
        vm.expectRevert(abi.encodeWithSelector(MainChainVerifier.BlockProduced.selector, block.number, block.number));
        verifier.reportUnproduced(block.number);
    }

    function test_main_reportUnproduced_repeatInSameSecondIgnored() public {
        verifier.reportUnproduced(block.number + 5);
        vm.expectEmit(address(verifier));
        emit UnproducedIgnored(MAIN, block.number + 5, block.timestamp, block.timestamp);
        verifier.reportUnproduced(block.number + 5);
    }

    function test_main_getVerifiedState_zeroWhenUnverified() public view {
        (bool verified, uint256 value, bool exists, uint64 blockTimestamp, uint64 at) =
            verifier.getVerifiedState(REMOTE, user, 1, 1);
        assertFalse(verified);
        assertEq(value, 0);
        assertFalse(exists);
        assertEq(blockTimestamp, 0);
        assertEq(at, 0);
    }

    function test_main_stateKey_isAbiEncodedHash() public view {
        assertEq(verifier.stateKey(REMOTE, user, 1, 2), keccak256(abi.encode(REMOTE, user, uint256(1), uint256(2))));
    }

    // ---------------------------------------------------------------- queued bridge, fuzz

    function test_queuedBridge_recordsOnRelay() public {
        bridge.setQueued(true);
        uint256 b = _write(remoteStateManager, 1, 42);
        _verifyRemote(1, b, FEE);
        (bool verified,,,,) = verifier.getVerifiedState(REMOTE, user, 1, b);
        assertFalse(verified);
        bridge.relay(0);
        (verified,,,,) = verifier.getVerifiedState(REMOTE, user, 1, b);
        assertTrue(verified);
    }

    /// @dev Whatever was written, the main chain records exactly what StateManager returns at that block.
    function testFuzz_verifyState_recordsStateManagerReading(uint256 key, uint256 value, uint8 gap, bool write) public {
        uint256 b = block.number;
        if (write) {
            vm.prank(user);
            remoteStateManager.setValue(key, value);
        }
        vm.roll(block.number + 1 + gap);
        uint256 at = b + uint256(gap) / 2;
        _verifyRemote(key, at, FEE);
        (bool exists, StateManager.History memory entry) = remoteStateManager.tryGetHistoryAtBlock(user, key, at);
        (bool verified, uint256 v, bool e, uint64 t,) = verifier.getVerifiedState(REMOTE, user, key, at);
        assertEq(t, _ts(at));
        assertTrue(verified);
        assertEq(v, entry.value);
        assertEq(e, exists);
        assertEq(e, write);
    }

    /// @dev Only the registered (bridge, sender) pair can write a chain's values.
    function testFuzz_handleMessage_rejectsOtherSources(address bridgeCaller, address from) public {
        vm.assume(bridgeCaller != address(bridge) || from != address(remoteVerifier));
        bytes memory m = _message(REMOTE, 3, 50, 7, true);
        vm.prank(bridgeCaller);
        vm.expectRevert(
            abi.encodeWithSelector(MainChainVerifier.UnauthorizedSource.selector, REMOTE, bridgeCaller, from)
        );
        verifier.handleMessage(from, m, bytes32(0));
    }
}
