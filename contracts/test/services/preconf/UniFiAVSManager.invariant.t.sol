// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {DelegationManager} from "../../../devnet/eigenlayer/DelegationManager.sol";
import {EigenPodManager} from "../../../devnet/eigenlayer/EigenPodManager.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";
import {IUniFiAVSManagerTypes} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {UniFiAVSManager} from "../../../src/services/preconf/UniFiAVSManager.sol";
import {UniFiFixture} from "./UniFiFixture.sol";

/// @notice Drives the registry with random validator registrations and deregistrations (by operators and by
///         strangers), withdrawals, redelegations, commitment changes, chain-id assignments and block rolls. Calls the
///         registry refuses are expected; the invariants hold after every call either way.
contract UniFiHandler is Test {
    /// @notice Chain ids the handler assigns are drawn from [0, CHAIN_RANGE).
    uint256 public constant CHAIN_RANGE = 24;

    UniFiAVSManager internal immutable unifi;
    EigenPodManager internal immutable podManager;
    DelegationManager internal immutable delegation;
    address internal immutable oracle;
    address internal immutable registryOwner;
    address[] internal operators;
    address[] internal podOwners;
    bytes32[] internal validators;
    mapping(bytes32 => address) internal podOwnerOf;
    /// @notice Calls the registry accepted, per action (to see that the run reached the registry's state changes).
    mapping(bytes4 => uint256) public accepted;

    constructor(
        UniFiAVSManager unifi_,
        EigenPodManager podManager_,
        DelegationManager delegation_,
        address oracle_,
        address registryOwner_,
        address[] memory operators_,
        address[] memory podOwners_,
        bytes32[] memory validators_,
        address[] memory validatorOwners_
    ) {
        unifi = unifi_;
        podManager = podManager_;
        delegation = delegation_;
        oracle = oracle_;
        registryOwner = registryOwner_;
        operators = operators_;
        podOwners = podOwners_;
        validators = validators_;
        for (uint256 i; i < validators_.length; ++i) {
            podOwnerOf[validators_[i]] = validatorOwners_[i];
        }
    }

    function registerValidators(uint256 opSeed, uint256 valSeed, uint256 mask) external {
        bytes32 first = validators[valSeed % validators.length];
        address owner = podOwnerOf[first];
        // Mostly the pod owner's operator (the registry refuses any other).
        address op = delegation.delegatedTo(owner);
        if (op == address(0) || opSeed % 4 == 0) op = operators[opSeed % operators.length];
        // Up to three validators of the same pod, duplicates possible (the registry refuses those).
        bytes32[] memory hashes = new bytes32[](1 + mask % 3);
        for (uint256 i; i < hashes.length; ++i) {
            bytes32 h = validators[((valSeed % 256) + ((mask >> (8 * i)) % 256)) % validators.length];
            hashes[i] = podOwnerOf[h] == owner ? h : first;
        }
        vm.prank(op);
        try unifi.registerValidators(owner, hashes) {
            ++accepted[msg.sig];
        } catch {}
    }

    function deregisterValidator(uint256 callerSeed, uint256 valSeed) external {
        // The first validator from a random start that is registered without a deregistration under way, if any.
        bytes32 h = validators[valSeed % validators.length];
        for (uint256 i; i < validators.length; ++i) {
            bytes32 candidate = validators[(valSeed % validators.length + i) % validators.length];
            if (unifi.getValidator(candidate).registeredUntil == type(uint64).max) {
                h = candidate;
                break;
            }
        }
        // Mostly its operator; otherwise a stranger (accepted only once the validator lost its stake).
        address caller = unifi.getValidator(h).operator;
        if (caller == address(0) || callerSeed % 3 == 2) caller = address(uint160(callerSeed));
        vm.prank(caller);
        try unifi.deregisterValidators(_one(h)) {
            ++accepted[msg.sig];
        } catch {}
    }

    function withdrawValidator(uint256 valSeed) external {
        vm.prank(oracle);
        try podManager.devnetWithdrawValidator(validators[valSeed % validators.length]) {} catch {}
    }

    function redelegate(uint256 ownerSeed, uint256 opSeed) external {
        address owner = podOwners[ownerSeed % podOwners.length];
        if (delegation.delegatedTo(owner) != address(0)) {
            vm.prank(owner);
            delegation.undelegate(owner);
        }
        if (opSeed % 4 == 0) return; // stays undelegated
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory none;
        vm.prank(owner);
        delegation.delegateTo(operators[opSeed % operators.length], none, bytes32(0));
    }

    function setCommitment(uint256 opSeed, uint256 bitmap) external {
        vm.prank(operators[opSeed % operators.length]);
        try unifi.setOperatorCommitment(
            IUniFiAVSManagerTypes.OperatorCommitment({
                delegateKey: abi.encodePacked(address(uint160(bitmap))), chainIDBitMap: bitmap & ~uint256(1)
            })
        ) {}
            catch {}
    }

    function setChainID(uint8 index, uint256 chainSeed) external {
        vm.prank(registryOwner);
        try unifi.setChainID(index, chainSeed % CHAIN_RANGE) {} catch {}
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 40));
    }

    function _one(bytes32 h) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](1);
        list[0] = h;
    }
}

/// @notice Invariants of the UniFiAVSManager: each operator's validatorCount is the number of its validators still
///         registered without a deregistration under way; the position ↔ chain-id map stays a bijection on its
///         mapped part; and isValidatorInChainId agrees with bitmapToChainIDs for every validator.
contract UniFiAVSManagerInvariantTest is UniFiFixture {
    UniFiHandler internal handler;
    address[] internal ops;
    bytes32[] internal allValidators;

    function setUp() public override {
        super.setUp();
        _registerDefault(OPERATOR_KEY);
        _registerWith(OTHER_OPERATOR_KEY, _commitment(makeAddr("other delegate"), 1 << 5));
        ops.push(operator);
        ops.push(otherOperator);

        address[] memory owners = new address[](3);
        address[] memory validatorOwners = new address[](12);
        for (uint256 p; p < 3; ++p) {
            owners[p] = makeAddr(string.concat("pod owner ", vm.toString(p)));
            // casting to 'uint64' is safe because p < 3
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes32[] memory hs = _podWithValidators(owners[p], ops[p % 2], 4 * p, 4, uint64(4 * p));
            for (uint256 i; i < 4; ++i) {
                allValidators.push(hs[i]);
                validatorOwners[4 * p + i] = owners[p];
            }
        }
        handler = new UniFiHandler(
            unifi,
            eigenPodManager,
            delegationManager,
            elBeaconChainOracle,
            registryOwner,
            ops,
            owners,
            allValidators,
            validatorOwners
        );
        targetContract(address(handler));
    }

    function invariant_validatorCountIsItsRegisteredValidators() public view {
        for (uint256 o; o < ops.length; ++o) {
            uint256 expected;
            for (uint256 i; i < allValidators.length; ++i) {
                IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(allValidators[i]);
                if (v.operator == ops[o] && v.registeredUntil == type(uint64).max) ++expected;
            }
            assertEq(unifi.getOperator(ops[o]).validatorCount, expected);
        }
    }

    function invariant_everyMappedPositionMapsBack() public view {
        assertEq(unifi.getChainID(0), 0);
        for (uint256 i = 1; i < 256; ++i) {
            // casting to 'uint8' is safe because i < 256
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 chainId = unifi.getChainID(uint8(i));
            if (chainId != 0) assertEq(unifi.getBitmapIndex(chainId), i);
        }
    }

    function invariant_noChainIdAtTwoPositions() public view {
        assertEq(unifi.getBitmapIndex(0), 0, "chain id 0 has no position");
        uint256 range = handler.CHAIN_RANGE();
        uint256[] memory positions = new uint256[](range);
        for (uint256 i = 1; i < 256; ++i) {
            // casting to 'uint8' is safe because i < 256
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 chainId = unifi.getChainID(uint8(i));
            if (chainId < range) ++positions[chainId];
        }
        for (uint256 c = 1; c < range; ++c) {
            assertLe(positions[c], 1, "at one position at most");
            assertEq(positions[c], unifi.getBitmapIndex(c) == 0 ? 0 : 1, "a reverse mapping exactly when mapped");
        }
    }

    function invariant_isValidatorInChainIdAgreesWithBitmapToChainIDs() public view {
        for (uint256 i; i < allValidators.length; ++i) {
            IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(allValidators[i]);
            uint256[] memory ids = unifi.bitmapToChainIDs(v.chainIDBitMap);
            for (uint256 j; j < ids.length; ++j) {
                assertEq(unifi.isValidatorInChainId(allValidators[i], ids[j]), v.registered);
            }
            for (uint256 c = 1; c < handler.CHAIN_RANGE(); ++c) {
                bool listed;
                for (uint256 j; j < ids.length; ++j) {
                    if (ids[j] == c) listed = true;
                }
                if (!listed) assertFalse(unifi.isValidatorInChainId(allValidators[i], c));
            }
        }
    }
}
