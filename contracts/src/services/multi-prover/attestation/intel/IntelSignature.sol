// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";

/// @title IntelSignature
/// @notice ECDSA P-256 signatures as Intel makes them (certificates, CRLs, collateral, QE and ISV reports), checked
///         with OpenZeppelin's P256 library, which calls the EIP-7951 P256VERIFY precompile (0x100) where the chain has
///         it and falls back to Solidity otherwise.
/// @dev OpenZeppelin refuses s > n/2 (its users treat signatures as unique ids). Intel's signatures are not low-s,
///      and (r, s) verifies exactly when (r, n - s) does, so s is folded into the low half first. Nothing here uses a
///      signature as an id: the liveness verifier dedups on the report data, which the signature cannot change.
library IntelSignature {
    /// @dev The order of P-256.
    uint256 private constant N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551;

    /// @notice Whether (r, s) is a valid signature of digest `h` by the P-256 key (x, y).
    /// @param h The signed digest (sha256 of the signed bytes).
    function verify(bytes32 h, bytes32 r, bytes32 s, bytes32 x, bytes32 y) internal view returns (bool) {
        uint256 sv = uint256(s);
        if (sv > N / 2 && sv < N) sv = N - sv;
        return P256.verify(h, r, bytes32(sv), x, y);
    }
}
