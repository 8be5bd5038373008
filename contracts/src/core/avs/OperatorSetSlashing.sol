// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";

/// @title OperatorSetSlashing
/// @notice What a slasher of an operator set needs to call AllocationManager.slashOperator: the set's strategies in
///         the ascending order slashOperator requires, and the parameters slashing one fraction of each.
library OperatorSetSlashing {
    /// @notice The parameters that slash `wadToSlash` (a fraction of 1e18, in (0, 1e18]) of `operator`'s allocation to
    ///         `operatorSet` in every strategy of the set (ascending by address), with `description`.
    /// @param allocationManager The EigenLayer AllocationManager.
    /// @param operatorSet The operator set (its AVS is the `avs` argument of slashOperator).
    /// @param operator The operator slashed.
    /// @param wadToSlash The fraction slashed in every strategy, wad.
    /// @param description The reason, emitted by the AllocationManager.
    function params(
        IAllocationManager allocationManager,
        OperatorSet memory operatorSet,
        address operator,
        uint256 wadToSlash,
        string memory description
    ) internal view returns (IAllocationManagerTypes.SlashingParams memory p) {
        IStrategy[] memory strategies = sortAscending(allocationManager.getStrategiesInOperatorSet(operatorSet));
        uint256[] memory wads = new uint256[](strategies.length);
        for (uint256 i; i < strategies.length; ++i) {
            wads[i] = wadToSlash;
        }
        p = IAllocationManagerTypes.SlashingParams({
            operator: operator,
            operatorSetId: operatorSet.id,
            strategies: strategies,
            wadsToSlash: wads,
            description: description
        });
    }

    /// @notice Sorts `strategies` in place ascending by address and returns it (insertion sort: sets are small).
    function sortAscending(IStrategy[] memory strategies) internal pure returns (IStrategy[] memory) {
        for (uint256 i = 1; i < strategies.length; ++i) {
            IStrategy s = strategies[i];
            uint256 j = i;
            while (j > 0 && address(strategies[j - 1]) > address(s)) {
                strategies[j] = strategies[j - 1];
                --j;
            }
            strategies[j] = s;
        }
        return strategies;
    }
}
