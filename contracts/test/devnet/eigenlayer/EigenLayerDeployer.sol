// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DelegationManager} from "../../../devnet/eigenlayer/DelegationManager.sol";
import {StrategyManager} from "../../../devnet/eigenlayer/StrategyManager.sol";
import {AllocationManager} from "../../../devnet/eigenlayer/AllocationManager.sol";
import {AVSDirectory} from "../../../devnet/eigenlayer/AVSDirectory.sol";
import {RewardsCoordinator} from "../../../devnet/eigenlayer/RewardsCoordinator.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {PermissionController} from "../../../devnet/eigenlayer/PermissionController.sol";
import {EigenPodManager} from "../../../devnet/eigenlayer/EigenPodManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {IAllocationManagerTypes, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @title EigenLayerDeployer: a forge test base that deploys the devnet EigenLayer core
/// @notice Inherit it and call `super.setUp()` (or `_deployEigenLayer()`) in your setUp. It deploys, in the
///         README's order: DelegationManager, StrategyManager, AllocationManager, DelegationManager.initialize,
///         AVSDirectory, RewardsCoordinator, EigenPodManager, a DevnetToken ("stake token") and a whitelisted StrategyBase for it.
///         Stable API (keep it so): the state variables below, `_makeOperator`, `_depositStake`, `_delegate`,
///         `_signAVSRegistration` (two overloads), `_avsRegistrationDigest`, `_strategies`, `_createOperatorSet`, `_allocate`,
///         `_makePod`, `_activateValidator`, `_withdrawValidator`, `_validatorPubkey`, `_pubkeyHash`.
abstract contract EigenLayerDeployer is Test {
    /// @notice Blocks before a queued withdrawal can be completed.
    uint32 internal constant EL_MIN_WITHDRAWAL_DELAY_BLOCKS = 10;
    /// @notice Blocks a deallocation or deregistration stays slashable.
    uint32 internal constant EL_DEALLOCATION_DELAY = 10;
    /// @notice Blocks before an operator's changed allocation delay applies.
    uint32 internal constant EL_ALLOCATION_CONFIGURATION_DELAY = 5;
    /// @notice Rewards calculation interval (seconds).
    uint32 internal constant EL_REWARDS_INTERVAL = 1 days;
    /// @notice Longest rewards duration (seconds).
    uint32 internal constant EL_MAX_REWARDS_DURATION = 70 days;
    /// @notice How far back a rewards submission may start (seconds).
    uint32 internal constant EL_MAX_RETROACTIVE_LENGTH = 90 days;
    /// @notice How far ahead a rewards submission may start (seconds).
    uint32 internal constant EL_MAX_FUTURE_LENGTH = 30 days;

    /// @notice Owner of the StrategyManager (deposit whitelist) and the AllocationManager's pauser.
    address internal elOwner = makeAddr("eigenlayer owner");

    PermissionController internal permissionController;
    DelegationManager internal delegationManager;
    StrategyManager internal strategyManager;
    AllocationManager internal allocationManager;
    AVSDirectory internal avsDirectory;
    RewardsCoordinator internal rewardsCoordinator;
    /// @notice Pods; `elBeaconChainOracle` activates and withdraws their validators.
    EigenPodManager internal eigenPodManager;
    address internal elBeaconChainOracle = makeAddr("beacon chain oracle");
    /// @notice The stake token (open mint) and its whitelisted strategy.
    DevnetToken internal stakeToken;
    StrategyBase internal strategy;

    /// @notice Deploys the core. Override and call super.setUp() to add your own deployment.
    function setUp() public virtual {
        _deployEigenLayer();
    }

    /// @notice Deploys and wires the whole devnet core (see the contract NatSpec for the order).
    function _deployEigenLayer() internal {
        vm.startPrank(elOwner);
        permissionController = new PermissionController();
        delegationManager = new DelegationManager(permissionController, EL_MIN_WITHDRAWAL_DELAY_BLOCKS);
        strategyManager = new StrategyManager(elOwner, delegationManager);
        allocationManager = new AllocationManager(
            delegationManager, permissionController, EL_DEALLOCATION_DELAY, EL_ALLOCATION_CONFIGURATION_DELAY, elOwner
        );
        delegationManager.initialize(strategyManager, allocationManager);
        avsDirectory = new AVSDirectory(delegationManager);
        rewardsCoordinator = new RewardsCoordinator(
            strategyManager,
            permissionController,
            EL_REWARDS_INTERVAL,
            EL_MAX_REWARDS_DURATION,
            EL_MAX_RETROACTIVE_LENGTH,
            EL_MAX_FUTURE_LENGTH,
            0
        );
        eigenPodManager = new EigenPodManager(elBeaconChainOracle);
        stakeToken = new DevnetToken("Devnet Stake", "dSTAKE", 18);
        strategy = new StrategyBase(strategyManager, IERC20(address(stakeToken)));
        strategyManager.addStrategiesToDepositWhitelist(_strategies());
        vm.stopPrank();

        vm.label(address(permissionController), "PermissionController");
        vm.label(address(delegationManager), "DelegationManager");
        vm.label(address(strategyManager), "StrategyManager");
        vm.label(address(allocationManager), "AllocationManager");
        vm.label(address(avsDirectory), "AVSDirectory");
        vm.label(address(rewardsCoordinator), "RewardsCoordinator");
        vm.label(address(eigenPodManager), "EigenPodManager");
        vm.label(address(stakeToken), "StakeToken");
        vm.label(address(strategy), "StakeStrategy");
    }

    /// @notice Makes the address of `privateKey` an operator (no delegation approver, allocation delay 0, so
    ///         allocations apply at once) with `stake` stake-token units deposited and self-delegated.
    /// @param privateKey The operator's secp256k1 key (used later with `_signAVSRegistration`).
    /// @param stake Token units to mint and deposit (0: none).
    /// @return operator The operator's address.
    function _makeOperator(uint256 privateKey, uint256 stake) internal returns (address operator) {
        operator = vm.addr(privateKey);
        if (stake != 0) _depositStake(operator, stake);
        vm.prank(operator);
        delegationManager.registerAsOperator(address(0), 0, "ipfs://operator-metadata");
    }

    /// @notice Mints `amount` stake tokens to `staker` and deposits them into `strategy` as `staker`.
    /// @return shares Deposit shares credited.
    function _depositStake(address staker, uint256 amount) internal returns (uint256 shares) {
        stakeToken.mint(staker, amount);
        vm.startPrank(staker);
        stakeToken.approve(address(strategyManager), amount);
        shares = strategyManager.depositIntoStrategy(strategy, IERC20(address(stakeToken)), amount);
        vm.stopPrank();
    }

    /// @notice Delegates `staker` to `operator` (an operator without a delegation approver).
    function _delegate(address staker, address operator) internal {
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory none;
        vm.prank(staker);
        delegationManager.delegateTo(operator, none, bytes32(0));
    }

    /// @notice Signs the AVSDirectory registration digest of `avs` with the operator's key.
    /// @param operatorPrivateKey The operator's key.
    /// @param avs The address that will call AVSDirectory.registerOperatorToAVS (e.g. a ServiceManager).
    /// @param salt Single-use salt.
    /// @param expiry Unix timestamp (seconds).
    function _signAVSRegistration(uint256 operatorPrivateKey, address avs, bytes32 salt, uint256 expiry)
        internal
        view
        returns (ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory)
    {
        bytes32 digest = _avsRegistrationDigest(vm.addr(operatorPrivateKey), avs, salt, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(operatorPrivateKey, digest);
        return ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry({
            signature: abi.encodePacked(r, s, v), salt: salt, expiry: expiry
        });
    }

    /// @notice The AVSDirectory registration digest, computed here from the EIP-712 definition (no external call,
    ///         so it is safe to use as an argument right after `vm.prank`).
    function _avsRegistrationDigest(address operator, address avs, bytes32 salt, uint256 expiry)
        internal
        view
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("EigenLayer"),
                keccak256("v1"),
                block.chainid,
                address(avsDirectory)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)"),
                operator,
                avs,
                salt,
                expiry
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @notice As above with salt keccak256(operator, avs, block.number, block.timestamp) and expiry in one hour.
    function _signAVSRegistration(uint256 operatorPrivateKey, address avs)
        internal
        view
        returns (ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory)
    {
        bytes32 salt = keccak256(abi.encode(vm.addr(operatorPrivateKey), avs, block.number, block.timestamp));
        return _signAVSRegistration(operatorPrivateKey, avs, salt, block.timestamp + 1 hours);
    }

    /// @notice A one-element array holding `strategy`.
    function _strategies() internal view returns (IStrategy[] memory list) {
        list = new IStrategy[](1);
        list[0] = strategy;
    }

    /// @notice As `avs`: publishes metadata (if needed) and creates operator set `operatorSetId` with `strategy`
    ///         and `slasher`.
    function _createOperatorSet(address avs, uint32 operatorSetId, address slasher)
        internal
        returns (OperatorSet memory operatorSet)
    {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({
            operatorSetId: operatorSetId, strategies: _strategies(), slasher: slasher
        });
        vm.startPrank(avs);
        allocationManager.updateAVSMetadataURI(avs, "ipfs://avs-metadata");
        allocationManager.createOperatorSets(avs, params);
        vm.stopPrank();
        return OperatorSet(avs, operatorSetId);
    }

    /// @notice As `operator`: sets its allocation of `strategy` to `operatorSet` to `magnitude` (wad).
    function _allocate(address operator, OperatorSet memory operatorSet, uint64 magnitude) internal {
        _allocateAs(operator, operator, operatorSet, magnitude);
    }

    /// @notice As `sender` (the operator, or an admin or appointee of it): sets `operator`'s allocation of `strategy`
    ///         to `operatorSet` to `magnitude` (wad).
    function _allocateAs(address sender, address operator, OperatorSet memory operatorSet, uint64 magnitude) internal {
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory magnitudes = new uint64[](1);
        magnitudes[0] = magnitude;
        params[0] = IAllocationManagerTypes.AllocateParams({
            operatorSet: operatorSet, strategies: _strategies(), newMagnitudes: magnitudes
        });
        vm.prank(sender);
        allocationManager.modifyAllocations(operator, params);
    }

    /// @notice Deploys `podOwner`'s EigenPod.
    function _makePod(address podOwner) internal returns (address pod) {
        vm.prank(podOwner);
        pod = eigenPodManager.createPod();
    }

    /// @notice A deterministic 48-byte BLS public key for test validator `n`.
    function _validatorPubkey(uint256 n) internal pure returns (bytes memory) {
        return abi.encodePacked(keccak256(abi.encode("validator", n)), bytes16(keccak256(abi.encode("pad", n))));
    }

    /// @notice sha256(pubkey ‖ bytes16(0)): how EigenPods key validators.
    function _pubkeyHash(bytes memory pubkey) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(pubkey, bytes16(0)));
    }

    /// @notice As the beacon-chain oracle: validator `pubkey` at beacon index `validatorIndex` becomes ACTIVE in
    ///         `podOwner`'s pod.
    /// @return pubkeyHash Its sha256 key.
    function _activateValidator(address podOwner, bytes memory pubkey, uint64 validatorIndex)
        internal
        returns (bytes32 pubkeyHash)
    {
        vm.prank(elBeaconChainOracle);
        eigenPodManager.devnetActivateValidator(podOwner, pubkey, validatorIndex);
        return _pubkeyHash(pubkey);
    }

    /// @notice As the beacon-chain oracle: the validator exits and is withdrawn (WITHDRAWN in its pod).
    function _withdrawValidator(bytes32 pubkeyHash) internal {
        vm.prank(elBeaconChainOracle);
        eigenPodManager.devnetWithdrawValidator(pubkeyHash);
    }
}
