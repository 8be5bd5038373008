// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAVSDirectory} from "../eigenlayer/interfaces/IAVSDirectory.sol";
import {IAllocationManager} from "../eigenlayer/interfaces/IAllocationManager.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../eigenlayer/interfaces/IRewardsCoordinator.sol";
import {ISignatureUtilsMixinTypes} from "../eigenlayer/interfaces/ISignatureUtilsMixin.sol";

/// @title ServiceManagerBase
/// @notice The AVS's address in EigenLayer, shared by every service of avs-stack: registers and deregisters operators
///         with the AVSDirectory on behalf of the AVS's stake registry, publishes the AVS metadata URI, and forwards
///         rewards submissions to the RewardsCoordinator.
/// @dev Not upgradeable: dependencies are immutables, the stake registry is set once. Roles: the owner (metadata,
///      rewards initiator, stake registry), the stake registry (operator registration), the rewards initiator (rewards).
abstract contract ServiceManagerBase is Ownable {
    using SafeERC20 for IERC20;

    /// @notice The EigenLayer AVSDirectory (legacy M2 registration path).
    IAVSDirectory public immutable avsDirectory;
    /// @notice The EigenLayer RewardsCoordinator.
    IRewardsCoordinator public immutable rewardsCoordinator;
    /// @notice The EigenLayer AllocationManager (operator sets and slashing; used by later services).
    IAllocationManager public immutable allocationManager;

    /// @notice The registry allowed to register and deregister operators (set once by the owner).
    address public stakeRegistry;
    /// @notice The address allowed to create rewards submissions (zero: nobody).
    address public rewardsInitiator;

    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The stake registry may be set only once.
    error StakeRegistryAlreadySet(address stakeRegistry);
    /// @notice `caller` is not the stake registry.
    error OnlyStakeRegistry(address caller);
    /// @notice `caller` is not the rewards initiator.
    error OnlyRewardsInitiator(address caller);

    /// @notice The stake registry was set.
    event StakeRegistrySet(address indexed stakeRegistry);
    /// @notice The rewards initiator changed from `previous` to `current`.
    event RewardsInitiatorUpdated(address previous, address current);

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
    }

    modifier onlyStakeRegistry() {
        if (msg.sender != stakeRegistry) revert OnlyStakeRegistry(msg.sender);
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

    /// @notice Publishes this AVS's metadata URI through the AVSDirectory (which emits it). Owner only.
    /// @param metadataURI URI of the AVS metadata JSON.
    function updateAVSMetadataURI(string calldata metadataURI) external onlyOwner {
        avsDirectory.updateAVSMetadataURI(metadataURI);
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
    function createOperatorDirectedAVSRewardsSubmission(
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] calldata submissions
    ) external virtual onlyRewardsInitiator {
        uint256 n = submissions.length;
        for (uint256 i; i < n; ++i) {
            IRewardsCoordinatorTypes.OperatorReward[] calldata rewards = submissions[i].operatorRewards;
            uint256 total;
            for (uint256 j; j < rewards.length; ++j) {
                total += rewards[j].amount;
            }
            _pullAndApprove(submissions[i].token, total);
        }
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(address(this), submissions);
    }

    /// @dev Moves `amount` of `token` from the caller to this contract and lets the RewardsCoordinator take it.
    function _pullAndApprove(IERC20 token, uint256 amount) internal {
        token.safeTransferFrom(msg.sender, address(this), amount);
        token.safeIncreaseAllowance(address(rewardsCoordinator), amount);
    }
}
