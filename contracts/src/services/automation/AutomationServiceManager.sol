// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IAllocationManager} from "../../eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../eigenlayer/IRewardsCoordinator.sol";

/// @title AutomationServiceManager
/// @notice The automation AVS in EigenLayer: its operator set (whose slashable stake is the executors' and attesters'
///         weight in its ECDSAStakeRegistry, and whose slasher is SlotVerdicts), registration through the AVSDirectory
///         and the AllocationManager, and rewards submissions. All of it is the core's ServiceManagerBase; the
///         service's own rules live in ExecutorSchedule, DittoEntryPoint and SlotVerdicts.
contract AutomationServiceManager is ServiceManagerBase {
    /// @param avsDirectory_ EigenLayer AVSDirectory.
    /// @param rewardsCoordinator_ EigenLayer RewardsCoordinator.
    /// @param allocationManager_ EigenLayer AllocationManager.
    /// @param owner_ Owner of this ServiceManager.
    constructor(
        IAVSDirectory avsDirectory_,
        IRewardsCoordinator rewardsCoordinator_,
        IAllocationManager allocationManager_,
        address owner_
    ) ServiceManagerBase(avsDirectory_, rewardsCoordinator_, allocationManager_, owner_) {}
}
