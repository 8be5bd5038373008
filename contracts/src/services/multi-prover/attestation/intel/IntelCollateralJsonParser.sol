// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IntelCollateralJson} from "./IntelCollateralJson.sol";
import {QeIdentity, TcbInfo} from "./IntelCollateralTypes.sol";

/// @title IntelCollateralJsonParser
/// @notice Parses Intel's signed TCB info and QE identity JSON into the collateral types. Stateless; the
///         {IntelCollateralStore} deploys its own, which keeps the store under the EIP-170 code size limit.
contract IntelCollateralJsonParser {
    /// @notice The TCB info of `json` ("tcbInfo" object text). Reverts as IntelCollateralJson.parseTcbInfo.
    function parseTcbInfo(bytes calldata json) external pure returns (TcbInfo memory) {
        return IntelCollateralJson.parseTcbInfo(json);
    }

    /// @notice The QE identity of `json` ("enclaveIdentity" object text). Reverts as IntelCollateralJson.parseQeIdentity.
    function parseQeIdentity(bytes calldata json) external pure returns (QeIdentity memory) {
        return IntelCollateralJson.parseQeIdentity(json);
    }
}
