// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title BN254
/// @notice BN254 (alt_bn128) arithmetic over the EIP-196/EIP-197 precompiles (0x06 add, 0x07 mul, 0x08 pairing) and the
///         modexp precompile (0x05), and the hash to G1 that src/core/crypto/bls-signing.ts computes identically.
///         BLS signatures live in G1 (signature = sk · H(m)), public keys in G1 and G2 (sk · G1, sk · G2).
/// @dev Every function that calls a precompile returns `ok = false` instead of reverting when the precompile refuses
///      its input (a coordinate ≥ p, a point off the curve, a G2 point outside the r-torsion subgroup), so that a
///      never-reverting view can report a malformed point as a failure value. The point at infinity is (0, 0).
///      A G2 coordinate c0 + c1·u is written [c1, c0], the order EIP-197 reads.
library BN254 {
    /// @notice The base field modulus p.
    uint256 internal constant P_MOD = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice The group order r (scalar field modulus).
    uint256 internal constant FR_MOD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev (p + 1) / 4: since p ≡ 3 (mod 4), beta^((p+1)/4) is a square root of beta when one exists.
    uint256 private constant SQRT_EXPONENT =
        5472060717959818805561601436314318772174077789324455915672259473661306552146;

    /// @dev Gas handed to each precompile call: a precompile that refuses its input consumes all gas it is given, so
    ///      a never-reverting caller must not give it all it has. Each cap is several times the Cancun price (ecAdd 150,
    ///      ecMul 6,000, pairing 45,000 + 34,000 per pair).
    uint256 private constant ADD_GAS = 1_500;
    uint256 private constant MUL_GAS = 30_000;
    uint256 private constant PAIRING2_GAS = 300_000;

    /// @notice A G1 point in affine coordinates; (0, 0) is the point at infinity.
    struct G1Point {
        uint256 X;
        uint256 Y;
    }

    /// @notice A G2 point in affine coordinates; X = X[0]·u + X[1], Y = Y[0]·u + Y[1] (EIP-197 order).
    struct G2Point {
        uint256[2] X;
        uint256[2] Y;
    }

    /// @notice The generator of G1, (1, 2).
    function generatorG1() internal pure returns (G1Point memory) {
        return G1Point(1, 2);
    }

    /// @notice The negation of the generator of G2 (the pairing check's fixed second argument).
    function negGeneratorG2() internal pure returns (G2Point memory) {
        return G2Point(
            [
                11559732032986387107991004021392285783925812861821192530917403151452391805634,
                10857046999023057135944570762232829481370756359578518086990519993285655852781
            ],
            [
                17805874995975841540914202342111839520379459829704422454583296818431106115052,
                13392588948715843804641432497768002650278120570034223513918757245338268106653
            ]
        );
    }

    /// @notice −point (the identity stays the identity). Does not check that `point` is on the curve.
    function negate(G1Point memory point) internal pure returns (G1Point memory) {
        if (point.X == 0 && point.Y == 0) return point;
        return G1Point(point.X, P_MOD - (point.Y % P_MOD));
    }

    /// @notice keccak256(x ‖ y), 32-byte big-endian coordinates: the key hash (EigenLayer's operator id).
    function hashG1(G1Point memory point) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(point, 0x40)
        }
    }

    /// @notice a + b through precompile 0x06; ok = false when either is not a valid G1 point.
    function add(G1Point memory a, G1Point memory b) internal view returns (bool ok, G1Point memory sum) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, mload(a))
            mstore(add(input, 0x20), mload(add(a, 0x20)))
            mstore(add(input, 0x40), mload(b))
            mstore(add(input, 0x60), mload(add(b, 0x20)))
            ok := staticcall(ADD_GAS, 0x06, input, 0x80, sum, 0x40)
        }
    }

    /// @notice s · a through precompile 0x07; ok = false when `a` is not a valid G1 point.
    function mul(G1Point memory a, uint256 s) internal view returns (bool ok, G1Point memory product) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, mload(a))
            mstore(add(input, 0x20), mload(add(a, 0x20)))
            mstore(add(input, 0x40), s)
            ok := staticcall(MUL_GAS, 0x07, input, 0x60, product, 0x40)
        }
    }

    /// @notice Whether e(a1, a2) · e(b1, b2) = 1, through precompile 0x08 (one call, two pairs). False, not a revert,
    ///         when the precompile refuses a point.
    function pairing2(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2)
        internal
        view
        returns (bool)
    {
        uint256[12] memory input = [
            a1.X, a1.Y, a2.X[0], a2.X[1], a2.Y[0], a2.Y[1],
            b1.X, b1.Y, b2.X[0], b2.X[1], b2.Y[0], b2.Y[1]
        ];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(PAIRING2_GAS, 0x08, input, 0x180, out, 0x20)
        }
        return ok && out[0] == 1;
    }

    /// @notice Whether `signature` is the BLS signature of `message` by the key whose G1 half is `keyG1` and G2 half is
    ///         `keyG2`, and the two halves hold the same secret, in one pairing call:
    ///         e(σ + γ·pk₁, −G2) · e(H(m) + γ·G1, pk₂) = 1 with γ = keccak256(m, pk₁, pk₂, σ) mod r. For σ = s·H(m),
    ///         pk₁ = s·G1, pk₂ = s·G2 it holds; γ is fixed only once every input is, so it holds for another input only
    ///         with negligible probability (both e(σ, G2) = e(H(m), pk₂) and e(pk₁, G2) = e(G1, pk₂) are needed).
    ///         False, never a revert, for points the precompiles refuse.
    function verifyBLS(bytes32 message, G1Point memory keyG1, G2Point memory keyG2, G1Point memory signature)
        internal
        view
        returns (bool)
    {
        uint256 gamma = uint256(
            keccak256(
                abi.encode(
                    message, keyG1.X, keyG1.Y, keyG2.X[0], keyG2.X[1], keyG2.Y[0], keyG2.Y[1], signature.X, signature.Y
                )
            )
        ) % FR_MOD;
        (bool ok, G1Point memory left) = mul(keyG1, gamma);
        if (!ok) return false;
        (ok, left) = add(signature, left);
        if (!ok) return false;
        (bool okRight, G1Point memory right) = mul(generatorG1(), gamma);
        if (!okRight) return false;
        (okRight, right) = add(hashToG1(message), right);
        if (!okRight) return false;
        return pairing2(left, negGeneratorG2(), right, keyG2);
    }

    /// @notice Hash to G1 by try-and-increment: x = uint256(message) mod p, then the first x, x + 1, ... (mod p) with
    ///         x³ + 3 a square; y = (x³ + 3)^((p+1)/4) (the root modexp returns, not normalised). About half of all
    ///         x qualify, so the expected number of tries is 2 and the chance of more than k tries is 2^-k.
    /// @dev Mirrored by `hashToG1` in src/core/crypto/bls-signing.ts; both are checked against test/vectors/bls.json.
    ///      Reverts only if the modexp precompile fails, which it does not for these inputs.
    function hashToG1(bytes32 message) internal view returns (G1Point memory point) {
        uint256 x = uint256(message) % P_MOD;
        while (true) {
            uint256 beta = addmod(mulmod(mulmod(x, x, P_MOD), x, P_MOD), 3, P_MOD);
            uint256 y = _expMod(beta, SQRT_EXPONENT);
            if (mulmod(y, y, P_MOD) == beta) return G1Point(x, y);
            x = addmod(x, 1, P_MOD);
        }
    }

    /// @dev base^exponent mod p through the modexp precompile (0x05).
    function _expMod(uint256 base, uint256 exponent) private view returns (uint256 result) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, 0x20)
            mstore(add(input, 0x20), 0x20)
            mstore(add(input, 0x40), 0x20)
            mstore(add(input, 0x60), base)
            mstore(add(input, 0x80), exponent)
            mstore(add(input, 0xa0), P_MOD)
            if iszero(staticcall(gas(), 0x05, input, 0xc0, input, 0x20)) { revert(0, 0) }
            result := mload(input)
        }
    }
}
