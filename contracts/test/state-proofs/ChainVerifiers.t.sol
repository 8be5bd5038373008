// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../src/bridge/IAbridge.sol";
import {StateManager} from "../../src/state-proofs/StateManager.sol";
import {MainChainVerifier} from "../../src/state-proofs/MainChainVerifier.sol";
import {RemoteChainVerifier} from "../../src/state-proofs/RemoteChainVerifier.sol";
import {MockAbridge} from "./ChainVerifiersMockBridge.sol";

/// @notice RemoteChainVerifier → (mock) Abridge → MainChainVerifier, and the main chain's direct path. The "remote
///         chain" is this EVM with vm.chainId switched to REMOTE for the calls made there.
contract ChainVerifiersTest is Test {
    uint256 internal constant MAIN = 31337;
    uint256 internal constant REMOTE = 31338;
    uint256 internal constant OTHER = 31339;
    uint256 internal constant FEE = 0.01 ether;
    uint128 internal constant GAS = 200_000;

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
        uint256 value,
        bool exists,
        uint256 fee
    );
    event RouteSet(uint256 indexed chainId, address bridge, address remoteVerifier);
    event StateVerified(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 value,
        bool exists,
        bytes32 guid
    );
    event DuplicateVerificationIgnored(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 value,
        bool exists,
        bool matches
    );
    event RouteUpdated(address indexed receiver, address indexed sender, bool allowed);

    function setUp() public {
        vm.roll(100);
        mainStateManager = new StateManager();
        remoteStateManager = new StateManager();
        bridge = new MockAbridge(FEE);
        verifier = new MainChainVerifier(mainStateManager, owner);
        remoteVerifier = new RemoteChainVerifier(remoteStateManager, IAbridge(address(bridge)), address(verifier), GAS);
        vm.prank(owner);
        verifier.setRoute(REMOTE, IAbridge(address(bridge)), address(remoteVerifier));
        vm.deal(caller, 10 ether);
    }

    function _write(StateManager sm, uint256 key, uint256 value) internal returns (uint256 blockNumber) {
        blockNumber = block.number;
        vm.prank(user);
        sm.setValue(key, value);
        vm.roll(block.number + 1);
    }

    function _verifyRemote(uint256 key, uint256 blockNumber, uint256 value) internal returns (bytes32 guid) {
        vm.chainId(REMOTE);
        vm.prank(caller);
        guid = remoteVerifier.verifyState{value: value}(user, key, blockNumber);
        vm.chainId(MAIN);
    }

    function _message(uint256 chainId, uint256 key, uint256 blockNumber, uint256 value, bool exists)
        internal
        view
        returns (bytes memory)
    {
        return abi.encode(chainId, user, key, blockNumber, value, exists);
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

    function test_remote_verifyState_bridgesItsOwnChainId() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        _verifyRemote(1, b, FEE);
        (bool verified, uint256 value, bool exists, uint64 at) = verifier.getVerifiedState(REMOTE, user, 1, b);
        assertTrue(verified);
        assertEq(value, 42);
        assertTrue(exists);
        assertEq(at, block.timestamp);
        (verified,,,) = verifier.getVerifiedState(MAIN, user, 1, b);
        assertFalse(verified, "not filed under the main chain's id");
    }

    function test_remote_verifyState_emitsStateSent() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        bytes32 guid = keccak256(
            abi.encode(address(bridge), uint256(0), address(remoteVerifier), address(verifier), _message(REMOTE, 1, b, 42, true))
        );
        vm.expectEmit(address(remoteVerifier));
        emit StateSent(guid, user, 1, b, 42, true, FEE);
        assertEq(_verifyRemote(1, b, FEE), guid);
    }

    function test_remote_verifyState_readsLastWriteAtOrBeforeBlock() public {
        uint256 b1 = _write(remoteStateManager, 1, 10);
        _write(remoteStateManager, 1, 20);
        vm.roll(block.number + 5);
        _verifyRemote(1, b1 + 3, FEE); // after both writes
        (, uint256 value,,) = verifier.getVerifiedState(REMOTE, user, 1, b1 + 3);
        assertEq(value, 20);
        _verifyRemote(1, b1, FEE);
        (, value,,) = verifier.getVerifiedState(REMOTE, user, 1, b1);
        assertEq(value, 10);
    }

    function test_remote_verifyState_attestsAbsence() public {
        _verifyRemote(9, block.number - 1, FEE);
        (bool verified, uint256 value, bool exists,) = verifier.getVerifiedState(REMOTE, user, 9, block.number - 1);
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
        vm.chainId(REMOTE);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.InsufficientFee.selector, FEE - 1, FEE));
        remoteVerifier.verifyState{value: FEE - 1}(user, 1, b);
    }

    function test_remote_verifyState_revertsForCurrentBlock() public {
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.BlockNotInPast.selector, block.number, block.number));
        remoteVerifier.verifyState{value: FEE}(user, 1, block.number);
    }

    function test_remote_verifyState_revertsForFutureBlock() public {
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(RemoteChainVerifier.BlockNotInPast.selector, block.number + 1, block.number)
        );
        remoteVerifier.verifyState{value: FEE}(user, 1, block.number + 1);
    }

    function test_remote_verifyState_revertsOnNonNativeFee() public {
        bridge.setFee(FEE, address(0xFEE));
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.UnsupportedFeeToken.selector, address(0xFEE)));
        remoteVerifier.verifyState{value: FEE}(user, 1, block.number - 1);
    }

    function test_remote_verifyState_revertsWhenRefundFails() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        vm.deal(address(this), 1 ether);
        vm.chainId(REMOTE);
        vm.expectRevert(abi.encodeWithSelector(RemoteChainVerifier.RefundFailed.selector, address(this), 1 ether - FEE));
        remoteVerifier.verifyState{value: 1 ether}(user, 1, b); // this test contract has no receive()
    }

    function test_remote_quoteFee_matchesBridge() public view {
        assertEq(remoteVerifier.quoteFee(user, 1, 5), FEE);
    }

    // ---------------------------------------------------------------- MainChainVerifier: routes

    function test_main_constructor_revertsOnZeroStateManager() public {
        vm.expectRevert(MainChainVerifier.ZeroAddress.selector);
        new MainChainVerifier(StateManager(address(0)), owner);
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
        vm.chainId(REMOTE);
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(MockAbridge.RouteNotAllowed.selector, address(verifier), address(remoteVerifier))
        );
        remoteVerifier.verifyState{value: FEE}(user, 1, b);
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
        emit StateVerified(REMOTE, user, 3, 50, 7, true, bytes32(uint256(9)));
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
        vm.expectRevert();
        verifier.handleMessage(address(remoteVerifier), hex"00", bytes32(0));
    }

    function test_main_handleMessage_ignoresDuplicate() public {
        bytes memory first = _message(REMOTE, 3, 50, 7, true);
        bytes memory second = _message(REMOTE, 3, 50, 8, true);
        vm.startPrank(address(bridge));
        verifier.handleMessage(address(remoteVerifier), first, bytes32(0));
        uint64 at = uint64(block.timestamp);
        vm.warp(block.timestamp + 100);
        vm.expectEmit(address(verifier));
        emit DuplicateVerificationIgnored(REMOTE, user, 3, 50, 8, true, false);
        bytes4 ret = verifier.handleMessage(address(remoteVerifier), second, bytes32(0));
        vm.stopPrank();
        assertEq(ret, IAbridgeMessageHandler.handleMessage.selector, "accepted, so the bridge does not retry");
        (, uint256 value,, uint64 verifiedAt) = verifier.getVerifiedState(REMOTE, user, 3, 50);
        assertEq(value, 7);
        assertEq(verifiedAt, at);
    }

    function test_main_handleMessage_duplicateThatAgreesIsMarkedMatching() public {
        uint256 b = _write(remoteStateManager, 1, 42);
        _verifyRemote(1, b, FEE);
        vm.expectEmit(address(verifier));
        emit DuplicateVerificationIgnored(REMOTE, user, 1, b, 42, true, true);
        _verifyRemote(1, b, FEE);
    }

    // ---------------------------------------------------------------- MainChainVerifier: local path

    function test_main_verifyState_readsLocalStateManager() public {
        uint256 b = _write(mainStateManager, 4, 77);
        vm.expectEmit(address(verifier));
        emit StateVerified(MAIN, user, 4, b, 77, true, bytes32(0));
        verifier.verifyState(user, 4, b);
        (bool verified, uint256 value, bool exists,) = verifier.getVerifiedState(MAIN, user, 4, b);
        assertTrue(verified);
        assertEq(value, 77);
        assertTrue(exists);
    }

    function test_main_verifyState_revertsForCurrentBlock() public {
        vm.expectRevert(abi.encodeWithSelector(MainChainVerifier.BlockNotInPast.selector, block.number, block.number));
        verifier.verifyState(user, 4, block.number);
    }

    function test_main_getVerifiedState_zeroWhenUnverified() public view {
        (bool verified, uint256 value, bool exists, uint64 at) = verifier.getVerifiedState(REMOTE, user, 1, 1);
        assertFalse(verified);
        assertEq(value, 0);
        assertFalse(exists);
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
        (bool verified,,,) = verifier.getVerifiedState(REMOTE, user, 1, b);
        assertFalse(verified);
        bridge.relay(0);
        (verified,,,) = verifier.getVerifiedState(REMOTE, user, 1, b);
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
        (bool verified, uint256 v, bool e,) = verifier.getVerifiedState(REMOTE, user, key, at);
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
