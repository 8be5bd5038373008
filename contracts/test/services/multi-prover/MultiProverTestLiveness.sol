// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";

/// @notice TEST ONLY: an ITEELivenessVerifier whose provers the test sets by hand, with no attestation at all. It
///         exists so the ServiceManager's liveness rule can be tested before and apart from the real
///         TEELivenessVerifier; never deploy it.
contract ManuallySetTEELiveness is ITEELivenessVerifier {
    mapping(address operator => mapping(TeeType => Prover)) internal _provers;

    /// @notice Sets `operator`'s prover of `teeType` live over [attestedAt, liveUntil) (unix seconds).
    function setProver(address operator, TeeType teeType, uint64 attestedAt, uint64 liveUntil) external {
        _provers[operator][teeType] = Prover({proverKey: operator, attestedAt: attestedAt, liveUntil: liveUntil});
    }

    /// @inheritdoc ITEELivenessVerifier
    function reportDataHash(LivenessReport calldata report) external view returns (bytes32) {
        return keccak256(abi.encode(report, block.chainid, address(this)));
    }

    /// @inheritdoc ITEELivenessVerifier
    function getProver(address operator, TeeType teeType) external view returns (Prover memory) {
        return _provers[operator][teeType];
    }

    /// @inheritdoc ITEELivenessVerifier
    function isProverLive(address operator, TeeType teeType, uint256 timestamp) external view returns (bool) {
        Prover storage prover = _provers[operator][teeType];
        return prover.attestedAt <= timestamp && timestamp < prover.liveUntil;
    }
}
