// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../eigenlayer/IAVSRegistrar.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../../eigenlayer/IRewardsCoordinator.sol";
import {ISignatureUtilsMixinTypes} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {IPermissionController, IPermissionControllerMixin} from "../../eigenlayer/IPermissionController.sol";

/// @notice The part of an AVS stake registry the ServiceManager reads (ECDSAStakeRegistry implements it).
interface IOperatorRegistry {
    /// @notice Whether `operator` is registered as of the latest change (pending deregistrations already removed).
    function operatorRegistered(address operator) external view returns (bool);
}

/// @title ServiceManagerBase
/// @notice The AVS's address in EigenLayer, shared by every service of avs-stack: registers and deregisters operators
///         with the AVSDirectory on behalf of the AVS's stake registry, publishes the AVS metadata URI, manages the
///         AVS's operator sets in the AllocationManager and acts as their AVS registrar (IAVSRegistrar), and forwards
///         rewards submissions to the RewardsCoordinator.
///
///         Two registrations, in this order (docs/decisions/disputes-0001.md):
///         1. the slashing path: AllocationManager.registerForOperatorSets → {registerOperator(address,address,uint32[],bytes)}
///            (any operator), then AllocationManager.modifyAllocations, which makes its stake slashable by the set's
///            slasher once the allocation delay has passed;
///         2. the legacy path: stake registry → {registerOperator} → AVSDirectory (makes the operator a signer,
///            with the slashable stake as its weight; refused below the registry's minimum weight).
///         Leaving goes the other way: an operator may leave the operator sets only once it has left the stake
///         registry, so it stays slashable (AllocationManager.DEALLOCATION_DELAY blocks) after its last signing epoch.
///
///         Who may act for the AVS in the core is the PermissionController's answer: the owner names admins and
///         appointees through this contract ({addPendingAdmin}, {setAppointee}, ...), and this contract stays an admin
///         of itself so its own functions keep working.
/// @dev Not upgradeable: dependencies are immutables, the stake registry is set once. Roles: the owner (metadata,
///      rewards initiator, stake registry, operator sets, core permissions), the stake registry (legacy operator registration), the
///      AllocationManager (operator-set registration callbacks), the rewards initiator (rewards).
abstract contract ServiceManagerBase is Ownable, IAVSRegistrar {
    using SafeERC20 for IERC20;

    /// @notice The EigenLayer AVSDirectory (legacy M2 registration path).
    IAVSDirectory public immutable avsDirectory;
    /// @notice The EigenLayer RewardsCoordinator.
    IRewardsCoordinator public immutable rewardsCoordinator;
    /// @notice The EigenLayer AllocationManager (operator sets and slashing; used by later services).
    IAllocationManager public immutable allocationManager;
    /// @notice The EigenLayer PermissionController (the AllocationManager's).
    IPermissionController public immutable permissionController;

    /// @notice The registry allowed to register and deregister operators (set once by the owner).
    address public stakeRegistry;
    /// @notice The address allowed to create rewards submissions (zero: nobody).
    address public rewardsInitiator;
    /// @notice Whether this contract has made itself an explicit admin of itself in the PermissionController.
    bool public isSelfAdmin;

    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The stake registry may be set only once.
    error StakeRegistryAlreadySet(address stakeRegistry);
    /// @notice `caller` is not the stake registry.
    error OnlyStakeRegistry(address caller);
    /// @notice `caller` is not the rewards initiator.
    error OnlyRewardsInitiator(address caller);
    /// @notice `caller` is not the AllocationManager.
    error OnlyAllocationManager(address caller);
    /// @notice An AllocationManager callback named `avs`, which is not this AVS.
    error UnsupportedAVS(address avs);
    /// @notice `operator` must leave the stake registry before it leaves the operator sets (it would otherwise go on
    ///         signing after it stopped being slashable).
    error OperatorStillInStakeRegistry(address operator);
    /// @notice This contract cannot stop being an admin of itself: its own functions act for the AVS in the core.
    error CannotRemoveSelfAsAdmin();

    /// @notice The stake registry was set.
    event StakeRegistrySet(address indexed stakeRegistry);
    /// @notice The rewards initiator changed from `previous` to `current`.
    event RewardsInitiatorUpdated(address previous, address current);
    /// @notice `operator` joined operator sets `operatorSetIds` of this AVS (AllocationManager callback).
    event OperatorJoinedOperatorSets(address indexed operator, uint32[] operatorSetIds);
    /// @notice `operator` left operator sets `operatorSetIds` of this AVS (AllocationManager callback); it stays
    ///         slashable for AllocationManager.DEALLOCATION_DELAY blocks.
    event OperatorLeftOperatorSets(address indexed operator, uint32[] operatorSetIds);
    /// @notice An operator-directed rewards submission of `totalAmount` `token` units, for `operatorCount` operators over
    ///         [startTimestamp, startTimestamp + duration) (unix seconds), went to the RewardsCoordinator.
    event RewardSubmitted(
        IERC20 indexed token, uint256 totalAmount, uint256 operatorCount, uint32 startTimestamp, uint32 duration
    );

    /// @param avsDirectory_ EigenLayer AVSDirectory.
    /// @param rewardsCoordinator_ EigenLayer RewardsCoordinator.
    /// @param allocationManager_ EigenLayer AllocationManager.
    /// @param owner_ Owner of this ServiceManager.
    constructor(
        IAVSDirectory avsDirectory_,
        IRewardsCoordinator rewardsCoordinator_,
        IAllocationManager allocationManager_,
        address owner_
    ) Ownable(owner_) {
        if (
            address(avsDirectory_) == address(0) || address(rewardsCoordinator_) == address(0)
                || address(allocationManager_) == address(0)
        ) revert ZeroAddress();
        avsDirectory = avsDirectory_;
        rewardsCoordinator = rewardsCoordinator_;
        allocationManager = allocationManager_;
        permissionController = IPermissionControllerMixin(address(allocationManager_)).permissionController();
    }

    modifier onlyStakeRegistry() {
        if (msg.sender != stakeRegistry) revert OnlyStakeRegistry(msg.sender);
        _;
    }

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager(msg.sender);
        _;
    }

    modifier onlyRewardsInitiator() {
        if (msg.sender != rewardsInitiator) revert OnlyRewardsInitiator(msg.sender);
        _;
    }

    /// @notice Sets the stake registry, the only caller of {registerOperator} and {deregisterOperator}. Owner only, once.
    /// @param registry The AVS's stake registry on this (main) chain.
    function setStakeRegistry(address registry) external onlyOwner {
        if (registry == address(0)) revert ZeroAddress();
        if (stakeRegistry != address(0)) revert StakeRegistryAlreadySet(stakeRegistry);
        stakeRegistry = registry;
        emit StakeRegistrySet(registry);
    }

    /// @notice Sets the rewards initiator. Owner only.
    /// @param initiator The new rewards initiator (zero disables rewards submissions).
    function setRewardsInitiator(address initiator) external onlyOwner {
        emit RewardsInitiatorUpdated(rewardsInitiator, initiator);
        rewardsInitiator = initiator;
    }

    /// @notice Registers `operator` to this AVS in the AVSDirectory. Stake registry only.
    /// @param operator A registered EigenLayer operator.
    /// @param operatorSignature The operator's EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, this, salt, expiry) (expiry in unix seconds).
    function registerOperator(
        address operator,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature
    ) external onlyStakeRegistry {
        avsDirectory.registerOperatorToAVS(operator, operatorSignature);
    }

    /// @notice Deregisters `operator` from this AVS in the AVSDirectory. Stake registry only.
    /// @param operator An operator registered to this AVS.
    function deregisterOperator(address operator) external onlyStakeRegistry {
        avsDirectory.deregisterOperatorFromAVS(operator);
    }

    /// @notice Publishes this AVS's metadata URI through the AVSDirectory and the AllocationManager (each emits it;
    ///         the AllocationManager needs it once before {createOperatorSets}). Owner only.
    /// @param metadataURI URI of the AVS metadata JSON.
    function updateAVSMetadataURI(string calldata metadataURI) external onlyOwner {
        avsDirectory.updateAVSMetadataURI(metadataURI);
        allocationManager.updateAVSMetadataURI(address(this), metadataURI);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operator sets (EigenLayer slashing, v1.12.0 AllocationManager)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Creates operator sets of this AVS in the AllocationManager. Owner only. Publish the metadata URI
    ///         ({updateAVSMetadataURI}) first. The slasher of each set is fixed here: for state proofs, the
    ///         StateDisputeResolver (docs/decisions/disputes-0001.md).
    /// @param params (operatorSetId, strategies, slasher) per set; strategies are those of the stake registry's quorum.
    function createOperatorSets(IAllocationManagerTypes.CreateSetParamsV2[] calldata params) external onlyOwner {
        allocationManager.createOperatorSets(address(this), params);
    }

    /// @notice Adds strategies to one of this AVS's operator sets. Owner only.
    /// @param operatorSetId The operator set.
    /// @param strategies Strategies not yet in the set.
    function addStrategiesToOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external onlyOwner {
        allocationManager.addStrategiesToOperatorSet(address(this), operatorSetId, strategies);
    }

    /// @notice Removes strategies from one of this AVS's operator sets. Owner only.
    /// @param operatorSetId The operator set.
    /// @param strategies Strategies in the set.
    function removeStrategiesFromOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external onlyOwner {
        allocationManager.removeStrategiesFromOperatorSet(address(this), operatorSetId, strategies);
    }

    /// @notice Names a new slasher of one of this AVS's operator sets (e.g. a new dispute contract), effective after
    ///         the AllocationManager's configuration delay (blocks). Owner only; deployments make the owner a timelock
    ///         longer than the exposure window, so operators can leave before a new slasher can reach them.
    /// @param operatorSetId The operator set.
    /// @param slasher The new slasher (non-zero).
    function updateSlasher(uint32 operatorSetId, address slasher) external onlyOwner {
        allocationManager.updateSlasher(OperatorSet({avs: address(this), id: operatorSetId}), slasher);
    }

    /// @notice Names the contract the AllocationManager calls when operators join or leave this AVS's operator sets.
    ///         Owner only. Unset, the AllocationManager calls this contract anyway; setting it to this contract
    ///         makes that explicit (AllocationManager.getAVSRegistrar).
    /// @param registrar The registrar; must return true from supportsAVS(this).
    function setAVSRegistrar(IAVSRegistrar registrar) external onlyOwner {
        allocationManager.setAVSRegistrar(address(this), registrar);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Who may act for this AVS in the core (v1.12.0 PermissionController; the account is this contract)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Offers `admin` the admin role of this AVS in the PermissionController; `admin` then calls
    ///         PermissionController.acceptAdmin(this). Owner only. The first time, this contract first makes itself an
    ///         explicit admin: an account with admins is no longer its own admin, and this contract's own functions
    ///         (operator sets, slasher, rewards) act for the AVS.
    /// @dev Reverts with the PermissionController's AdminAlreadySet or AdminAlreadyPending, or NotAdmin if another
    ///      admin removed this contract.
    /// @param admin The address offered the role.
    function addPendingAdmin(address admin) external onlyOwner {
        if (!isSelfAdmin) {
            isSelfAdmin = true;
            permissionController.addPendingAdmin(address(this), address(this));
            permissionController.acceptAdmin(address(this));
        }
        permissionController.addPendingAdmin(address(this), admin);
    }

    /// @notice Withdraws the admin offer to `admin`. Owner only.
    /// @param admin A pending admin of this AVS.
    function removePendingAdmin(address admin) external onlyOwner {
        permissionController.removePendingAdmin(address(this), admin);
    }

    /// @notice Removes `admin` from this AVS's admins. Owner only. Reverts with {CannotRemoveSelfAsAdmin} for this
    ///         contract.
    /// @param admin An admin of this AVS.
    function removeAdmin(address admin) external onlyOwner {
        if (admin == address(this)) revert CannotRemoveSelfAsAdmin();
        permissionController.removeAdmin(address(this), admin);
    }

    /// @notice Lets `appointee` call `selector` on `target` for this AVS (e.g. AllocationManager.updateSlasher, or
    ///         RewardsCoordinator.createOperatorDirectedAVSRewardsSubmission). Owner only.
    /// @param appointee The address given the permission.
    /// @param target The core contract.
    /// @param selector The function's selector.
    function setAppointee(address appointee, address target, bytes4 selector) external onlyOwner {
        permissionController.setAppointee(address(this), appointee, target, selector);
    }

    /// @notice Revokes what {setAppointee} gave. Owner only.
    /// @param appointee The appointee.
    /// @param target The core contract.
    /// @param selector The function's selector.
    function removeAppointee(address appointee, address target, bytes4 selector) external onlyOwner {
        permissionController.removeAppointee(address(this), appointee, target, selector);
    }

    /// @inheritdoc IAVSRegistrar
    /// @dev AllocationManager only, for this AVS. Any EigenLayer operator may join: joining and allocating come first,
    ///      and the stake registry then registers only members whose allocated (slashable) stake reaches its minimum
    ///      weight. Membership alone gives no weight and is not replicated. `data` is unused.
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata)
        external
        virtual
        onlyAllocationManager
    {
        if (avs != address(this)) revert UnsupportedAVS(avs);
        emit OperatorJoinedOperatorSets(operator, operatorSetIds);
    }

    /// @inheritdoc IAVSRegistrar
    /// @dev AllocationManager only, for this AVS. Refuses an operator still registered in the stake registry: its
    ///      signatures would outlive its slashability. Once it has left the registry it may always leave.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds)
        external
        virtual
        onlyAllocationManager
    {
        if (avs != address(this)) revert UnsupportedAVS(avs);
        address registry = stakeRegistry;
        if (registry != address(0) && IOperatorRegistry(registry).operatorRegistered(operator)) {
            revert OperatorStillInStakeRegistry(operator);
        }
        emit OperatorLeftOperatorSets(operator, operatorSetIds);
    }

    /// @inheritdoc IAVSRegistrar
    function supportsAVS(address avs) external view returns (bool) {
        return avs == address(this);
    }

    /// @notice Creates rewards submissions for this AVS, split by stake. Rewards initiator only.
    ///         Pulls each submission's `amount` of `token` from the initiator (approve this contract first), approves
    ///         the RewardsCoordinator and forwards the submissions unchanged.
    /// @param submissions Rewards submissions (token units; start timestamp and duration in seconds).
    function createAVSRewardsSubmission(IRewardsCoordinatorTypes.RewardsSubmission[] calldata submissions)
        external
        virtual
        onlyRewardsInitiator
    {
        uint256 n = submissions.length;
        for (uint256 i; i < n; ++i) {
            _pullAndApprove(submissions[i].token, submissions[i].amount);
        }
        rewardsCoordinator.createAVSRewardsSubmission(submissions);
    }

    /// @notice Creates operator-directed rewards submissions for this AVS. Rewards initiator only.
    ///         Pulls the sum of each submission's operator amounts from the initiator, approves the RewardsCoordinator
    ///         and forwards the submissions unchanged.
    /// @param submissions Operator-directed submissions (token units; start timestamp and duration in seconds).
    function createOperatorDirectedAVSRewardsSubmission(IRewardsCoordinatorTypes
                .OperatorDirectedRewardsSubmission[] calldata submissions) external virtual onlyRewardsInitiator {
        uint256 n = submissions.length;
        for (uint256 i; i < n; ++i) {
            _pullAndApprove(submissions[i].token, _operatorRewardsTotal(submissions[i].operatorRewards));
        }
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(address(this), submissions);
    }

    /// @notice Pays one period's rewards to the operators named in `submission`, as computed off-chain from who signed
    ///         which proofs. Rewards initiator only. Pulls the sum of the operator amounts of `submission.token` from
    ///         the initiator (approve this contract first) and forwards the submission to RewardsCoordinator.createOperatorDirectedAVSRewardsSubmission,
    ///         which validates it (operators strictly ascending, amounts > 0, period on the calculation grid and ended).
    /// @param submission Strategies (ascending) and multipliers, token, operator amounts (token units), start timestamp
    ///        and duration (unix seconds), description.
    function submitReward(IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission calldata submission)
        external
        virtual
        onlyRewardsInitiator
    {
        uint256 total = _operatorRewardsTotal(submission.operatorRewards);
        _pullAndApprove(submission.token, total);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory submissions =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        submissions[0] = submission;
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(address(this), submissions);
        emit RewardSubmitted(
            submission.token, total, submission.operatorRewards.length, submission.startTimestamp, submission.duration
        );
    }

    /// @dev Sum of the operator amounts (token units); overflow reverts.
    function _operatorRewardsTotal(IRewardsCoordinatorTypes.OperatorReward[] calldata rewards)
        internal
        pure
        returns (uint256 total)
    {
        uint256 n = rewards.length;
        for (uint256 j; j < n; ++j) {
            total += rewards[j].amount;
        }
    }

    /// @dev Moves `amount` of `token` from the caller to this contract and lets the RewardsCoordinator take it.
    function _pullAndApprove(IERC20 token, uint256 amount) internal {
        token.safeTransferFrom(msg.sender, address(this), amount);
        token.safeIncreaseAllowance(address(rewardsCoordinator), amount);
    }
}
