// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {UniFiAVSManager} from "../../../src/services/preconf/UniFiAVSManager.sol";
import {IUniFiAVSManagerTypes} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {EigenLayerDeployer} from "../../devnet/eigenlayer/EigenLayerDeployer.sol";

/// @notice The UniFiAVSManager on the real devnet EigenLayer core (DelegationManager, AVSDirectory, EigenPodManager
///         with its beacon-chain oracle), with three chain ids mapped and helpers for operators, pods and validators.
abstract contract UniFiFixture is EigenLayerDeployer {
    /// @notice Blocks of every delay of the registry under test.
    uint64 internal constant DELAY = 32;
    /// @notice Chain ids mapped at positions 1, 2 and 5.
    uint256 internal constant CHAIN_1 = 1;
    uint256 internal constant CHAIN_2 = 10;
    uint256 internal constant CHAIN_5 = 8453;
    /// @notice Bitmap of CHAIN_1 and CHAIN_2 (positions 1 and 2).
    uint256 internal constant BITMAP_1_2 = (1 << 1) | (1 << 2);

    uint256 internal constant OPERATOR_KEY = 0xA11CE;
    uint256 internal constant OTHER_OPERATOR_KEY = 0xB0B;
    uint256 internal constant DELEGATE_KEY = 0xDE1E6A7E;

    address internal registryOwner = makeAddr("unifi owner");
    address internal podOwner = makeAddr("pod owner");
    UniFiAVSManager internal unifi;
    address internal operator;
    address internal otherOperator;
    address internal delegate;

    function setUp() public virtual override {
        super.setUp();
        unifi = new UniFiAVSManager(eigenPodManager, delegationManager, avsDirectory, DELAY, new uint256[](0), "", registryOwner);
        vm.label(address(unifi), "UniFiAVSManager");
        operator = _makeOperator(OPERATOR_KEY, 0);
        otherOperator = _makeOperator(OTHER_OPERATOR_KEY, 0);
        delegate = vm.addr(DELEGATE_KEY);
        vm.startPrank(registryOwner);
        unifi.setChainID(1, CHAIN_1);
        unifi.setChainID(2, CHAIN_2);
        unifi.setChainID(5, CHAIN_5);
        vm.stopPrank();
    }

    /// @notice A commitment with the 20-byte delegate key `key` and `bitmap`.
    function _commitment(address key, uint256 bitmap)
        internal
        pure
        returns (IUniFiAVSManagerTypes.OperatorCommitment memory)
    {
        return IUniFiAVSManagerTypes.OperatorCommitment({delegateKey: abi.encodePacked(key), chainIDBitMap: bitmap});
    }

    /// @notice Registers the operator of `key` to the AVS without a commitment.
    function _register(uint256 key) internal returns (address op) {
        op = vm.addr(key);
        vm.prank(op);
        unifi.registerOperator(_signAVSRegistration(key, address(unifi)));
    }

    /// @notice Registers the operator of `key` with `commitment` in force.
    function _registerWith(uint256 key, IUniFiAVSManagerTypes.OperatorCommitment memory commitment)
        internal
        returns (address op)
    {
        op = vm.addr(key);
        vm.prank(op);
        unifi.registerOperatorWithCommitment(_signAVSRegistration(key, address(unifi)), commitment);
    }

    /// @notice Registers the operator of `key` with (delegate, CHAIN_1 and CHAIN_2) in force.
    function _registerDefault(uint256 key) internal returns (address) {
        return _registerWith(key, _commitment(delegate, BITMAP_1_2));
    }

    /// @notice Gives `owner` a pod delegated to `op` with `count` ACTIVE validators: test validators
    ///         `firstN`… at beacon indices `firstIndex`….
    function _podWithValidators(address owner, address op, uint256 firstN, uint256 count, uint64 firstIndex)
        internal
        returns (bytes32[] memory hashes)
    {
        _makePod(owner);
        _delegate(owner, op);
        hashes = _activate(owner, firstN, count, firstIndex);
    }

    /// @notice Activates `count` more validators in `owner`'s existing pod.
    function _activate(address owner, uint256 firstN, uint256 count, uint64 firstIndex)
        internal
        returns (bytes32[] memory hashes)
    {
        hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            // casting to 'uint64' is safe because test counts are small
            // forge-lint: disable-next-line(unsafe-typecast)
            hashes[i] = _activateValidator(owner, _validatorPubkey(firstN + i), firstIndex + uint64(i));
        }
    }

    /// @notice As `op`: registers `hashes` of `owner`'s pod.
    function _registerValidators(address op, address owner, bytes32[] memory hashes) internal {
        vm.prank(op);
        unifi.registerValidators(owner, hashes);
    }

    /// @notice The operator registered with the default commitment, and `count` validators of `podOwner` (indices
    ///         0…) registered with it.
    function _ready(uint256 count) internal returns (bytes32[] memory hashes) {
        _registerDefault(OPERATOR_KEY);
        hashes = _podWithValidators(podOwner, operator, 0, count, 0);
        _registerValidators(operator, podOwner, hashes);
    }

    /// @notice A one-element array.
    function _one(bytes32 hash) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](1);
        list[0] = hash;
    }

    /// @notice As `staker`: undelegates (the pod owner has no strategy shares, so nothing is queued).
    function _undelegate(address staker) internal {
        vm.prank(staker);
        delegationManager.undelegate(staker);
    }
}
