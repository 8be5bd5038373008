// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StakeRegistryVerifier} from "./StakeRegistryVerifier.sol";

/// @title ECDSAKeyScheme
/// @notice The ECDSA key scheme of {StakeRegistryVerifier}: `sigData = abi.encode(address[] operators,
///         bytes[] signatures, uint32 referenceEpoch)` (or its batched form, SigDataLayout) with exactly one signature
///         per operator, `signatures[i]` being operators[i]'s plain ECDSA signature of the signed hash (the digest, or
///         the batch digest) by its signing key (an address): 65 bytes r‖s‖v with v ∈ {27, 28} and low s, checked with
///         ecrecover. Never ERC-1271: a contract or EIP-7702-delegated key could
///         answer differently when the proof is challenged.
/// @dev The signatures are read in place from calldata with explicit bounds checks, and a signature is checked
///      without allocating memory (ecrecover's input is built past the free memory pointer).
abstract contract ECDSAKeyScheme is StakeRegistryVerifier {
    /// @dev secp256k1n / 2: larger s values are the malleable twin of a valid signature and are rejected.
    uint256 private constant _HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @inheritdoc StakeRegistryVerifier
    /// @dev `bytes[]`: its length word and head must lie inside sigData, and it must hold one signature per signer.
    ///      Returns the head's absolute offset; element offsets are relative to it.
    function _decodeSignatures(uint256 section, uint256 end, uint256 signerCount)
        internal
        pure
        override
        returns (bytes memory reason, uint256 signatures)
    {
        uint256 length;
        bool malformed;
        assembly ("memory-safe") {
            length := calldataload(section)
            signatures := add(section, 0x20)
            // Every head word must lie inside sigData.
            malformed := gt(length, shr(5, sub(sub(end, section), 0x20)))
        }
        if (malformed) return (abi.encodeWithSelector(MalformedSigData.selector), signatures);
        if (signerCount != length) {
            return (abi.encodeWithSelector(LengthMismatch.selector, signerCount, length), signatures);
        }
    }

    /// @inheritdoc StakeRegistryVerifier
    /// @dev signatures[index]: its offset, length word and bytes must lie inside sigData.
    function _signatureEntry(uint256 signatures, uint256 end, uint256 index)
        internal
        pure
        override
        returns (bool wellFormed, uint256 entry, uint256 entryLength)
    {
        assembly ("memory-safe") {
            // Bytes of sigData from the head on, minus a length word: the largest element offset whose length word
            // lies inside sigData (end - signatures >= 32 × the signature count > index, so this does not wrap).
            let maxRel := sub(sub(end, signatures), 0x20)
            let rel := calldataload(add(signatures, shl(5, index)))
            let lengthPos := add(signatures, rel)
            entryLength := calldataload(lengthPos)
            entry := add(lengthPos, 0x20)
            // end - entry = maxRel - rel bytes follow the length word. (Read before the offset is known to be in
            // bounds: calldataload past the end gives 0 and never reverts, and the result is not used then.)
            wellFormed := and(iszero(gt(rel, maxRel)), iszero(gt(entryLength, sub(maxRel, rel))))
        }
    }

    /// @inheritdoc StakeRegistryVerifier
    /// @dev Nothing left: every signature was checked on its own.
    function _verifySignatures(bytes32, uint256) internal pure override returns (bytes memory reason) {}

    /// @inheritdoc StakeRegistryVerifier
    function _verifyOperatorSignature(bytes32 digest, address signingKey, bytes calldata signature)
        internal
        view
        override
        returns (bool)
    {
        uint256 sigStart;
        assembly ("memory-safe") {
            sigStart := signature.offset
        }
        return _verifySigner(digest, signingKey, sigStart, signature.length);
    }

    /// @inheritdoc StakeRegistryVerifier
    /// @dev Whether the `sigLen` calldata bytes at absolute offset `sigStart` are `signingKey`'s ECDSA signature of
    ///      `digest`: 65 bytes r‖s‖v, v ∈ {27, 28}, low s (as OpenZeppelin's ECDSA), checked with the ecrecover
    ///      precompile (input in free memory, not reserved; output in scratch space). Plain ECDSA only, never ERC-1271:
    ///      a contract key (or an EOA delegated under EIP-7702) could answer "valid" while a proof is used and "invalid"
    ///      when it is challenged, and the signer would escape slashing. ecrecover's answer never changes.
    function _verifySigner(bytes32 digest, address signingKey, uint256 sigStart, uint256 sigLen)
        internal
        view
        override
        returns (bool valid)
    {
        assembly ("memory-safe") {
            if eq(sigLen, 65) {
                // p: digest ‖ v ‖ r ‖ s (v's byte is copied to p + 0x80, then moved to p + 0x20).
                let p := mload(0x40)
                mstore(p, digest)
                calldatacopy(add(p, 0x40), sigStart, 0x41)
                mstore(add(p, 0x20), shr(248, mload(add(p, 0x80))))
                if and(lt(sub(mload(add(p, 0x20)), 27), 2), iszero(gt(mload(add(p, 0x60)), _HALF_CURVE_ORDER))) {
                    // (Yul evaluates arguments right to left: the result is read only after the call.)
                    if staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20) {
                        // (An address variable's upper bits may be dirty in assembly: mask it.)
                        valid := and(eq(returndatasize(), 0x20), eq(mload(0x00), shr(96, shl(96, signingKey))))
                    }
                }
            }
        }
    }
}
