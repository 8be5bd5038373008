// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {IAVSDirectoryErrors, IAVSDirectoryEvents, IAVSDirectoryTypes} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {IDelegationManager} from "../../../src/eigenlayer/IDelegationManager.sol";
import {
    ISignatureUtilsMixinErrors,
    ISignatureUtilsMixinTypes
} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @dev A smart-contract operator whose signatures are its owner's ECDSA signatures (ERC-1271).
contract ContractOperator is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function register(IDelegationManager delegation) external {
        delegation.registerAsOperator(address(0), 0, "");
    }

    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4) {
        (address signer,,) = ECDSA.tryRecover(hash, signature);
        return signer == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

contract AVSDirectoryTest is EigenLayerDeployer {
    uint256 internal constant OPERATOR_KEY = 0xA11CE;
    bytes32 internal constant SALT = keccak256("salt");
    address internal operator;
    address internal avs = makeAddr("avs");

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        operator = _makeOperator(OPERATOR_KEY, 10 ether);
    }

    function test_registerOperatorToAVS_withRealSignature() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, avs, SALT, block.timestamp + 1 hours);
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.OperatorAVSRegistrationStatusUpdated(
            operator, avs, IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED
        );
        vm.prank(avs);
        avsDirectory.registerOperatorToAVS(operator, sig);

        assertEq(
            uint8(avsDirectory.avsOperatorStatus(avs, operator)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
        assertTrue(avsDirectory.operatorSaltIsSpent(operator, SALT));
    }

    function test_calculateDigest_matchesEIP712Definition() public view {
        bytes32 salt = keccak256("s");
        uint256 expiry = 12345;
        assertEq(
            avsDirectory.calculateOperatorAVSRegistrationDigestHash(operator, avs, salt, expiry),
            _avsRegistrationDigest(operator, avs, salt, expiry)
        );
        assertEq(
            avsDirectory.OPERATOR_AVS_REGISTRATION_TYPEHASH(),
            keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)")
        );
    }

    function test_registerOperatorToAVS_revertsOnSaltReuse() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, avs, SALT, block.timestamp + 1 hours);
        vm.startPrank(avs);
        avsDirectory.registerOperatorToAVS(operator, sig);
        avsDirectory.deregisterOperatorFromAVS(operator);
        vm.expectRevert(IAVSDirectoryErrors.SaltSpent.selector);
        avsDirectory.registerOperatorToAVS(operator, sig);
        vm.stopPrank();
    }

    function test_registerOperatorToAVS_revertsWhenExpired() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, avs, SALT, block.timestamp - 1);
        vm.prank(avs);
        vm.expectRevert(ISignatureUtilsMixinErrors.SignatureExpired.selector);
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_registerOperatorToAVS_acceptsExpiryEqualToNow() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, avs, SALT, block.timestamp);
        vm.prank(avs);
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_registerOperatorToAVS_revertsForWrongSigner() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(0xB0B, avs, SALT, block.timestamp + 1 hours);
        vm.prank(avs);
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_registerOperatorToAVS_revertsWhenSignedForAnotherAVS() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, makeAddr("other avs"), SALT, block.timestamp + 1 hours);
        vm.prank(avs);
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_registerOperatorToAVS_revertsForNonOperator() public {
        uint256 key = 0xC0FFEE;
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(key, avs, SALT, block.timestamp + 1 hours);
        address notOperator = vm.addr(key);
        vm.prank(avs);
        vm.expectRevert(IAVSDirectoryErrors.OperatorNotRegisteredToEigenLayer.selector);
        avsDirectory.registerOperatorToAVS(notOperator, sig);
    }

    function test_registerOperatorToAVS_revertsWhenAlreadyRegistered() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig1 =
            _signAVSRegistration(OPERATOR_KEY, avs, keccak256("one"), block.timestamp + 1 hours);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig2 =
            _signAVSRegistration(OPERATOR_KEY, avs, keccak256("two"), block.timestamp + 1 hours);
        vm.startPrank(avs);
        avsDirectory.registerOperatorToAVS(operator, sig1);
        vm.expectRevert(IAVSDirectoryErrors.OperatorAlreadyRegisteredToAVS.selector);
        avsDirectory.registerOperatorToAVS(operator, sig2);
        vm.stopPrank();
    }

    function test_registerOperatorToAVS_revertsAfterSaltCancelled() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(OPERATOR_KEY, avs, SALT, block.timestamp + 1 hours);
        vm.prank(operator);
        avsDirectory.cancelSalt(SALT);
        vm.prank(avs);
        vm.expectRevert(IAVSDirectoryErrors.SaltSpent.selector);
        avsDirectory.registerOperatorToAVS(operator, sig);
    }

    function test_registerOperatorToAVS_acceptsERC1271Operator() public {
        uint256 ownerKey = 0xD00D;
        ContractOperator wallet = new ContractOperator(vm.addr(ownerKey));
        wallet.register(delegationManager);
        bytes32 digest = _avsRegistrationDigest(address(wallet), avs, SALT, block.timestamp + 1 hours);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, digest);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = ISignatureUtilsMixinTypes
            .SignatureWithSaltAndExpiry({
            signature: abi.encodePacked(r, s, v),
            salt: SALT,
            expiry: block.timestamp + 1 hours
        });
        vm.prank(avs);
        avsDirectory.registerOperatorToAVS(address(wallet), sig);
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(avs, address(wallet))),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
    }

    function test_deregisterOperatorFromAVS_setsUnregistered() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signAVSRegistration(OPERATOR_KEY, avs);
        vm.startPrank(avs);
        avsDirectory.registerOperatorToAVS(operator, sig);
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.OperatorAVSRegistrationStatusUpdated(
            operator, avs, IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED
        );
        avsDirectory.deregisterOperatorFromAVS(operator);
        vm.stopPrank();
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(avs, operator)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED)
        );
    }

    function test_deregisterOperatorFromAVS_revertsWhenNotRegistered() public {
        vm.prank(avs);
        vm.expectRevert(IAVSDirectoryErrors.OperatorNotRegisteredToAVS.selector);
        avsDirectory.deregisterOperatorFromAVS(operator);
    }

    function test_updateAVSMetadataURI_emits() public {
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.AVSMetadataURIUpdated(avs, "ipfs://x");
        vm.prank(avs);
        avsDirectory.updateAVSMetadataURI("ipfs://x");
    }
}
