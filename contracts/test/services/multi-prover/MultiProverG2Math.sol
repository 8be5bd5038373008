// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../../src/core/signatures/BN254.sol";

/// @notice TEST HELPER ONLY: affine addition of BN254 G2 points (EVM has no G2 precompile), so that tests can build the
///         aggregate G2 key of any signer list from the per-operator keys of test/vectors/bls.json. Slow (one Fp2
///         inversion per addition); never for production code. Fp2 = Fp[u]/(u² + 1); a G2Point holds [c1, c0].
library MultiProverG2Math {
    uint256 internal constant P = BN254.P_MOD;

    /// @dev c0 + c1·u.
    struct Fp2 {
        uint256 c0;
        uint256 c1;
    }

    /// @notice a + b ((0, 0, 0, 0) is the point at infinity).
    function add(BN254.G2Point memory a, BN254.G2Point memory b) internal pure returns (BN254.G2Point memory) {
        if (_isZero(a)) return b;
        if (_isZero(b)) return a;
        Fp2 memory ax = Fp2(a.X[1], a.X[0]);
        Fp2 memory ay = Fp2(a.Y[1], a.Y[0]);
        Fp2 memory bx = Fp2(b.X[1], b.X[0]);
        Fp2 memory by = Fp2(b.Y[1], b.Y[0]);
        Fp2 memory lambda;
        if (ax.c0 == bx.c0 && ax.c1 == bx.c1) {
            if (ay.c0 != by.c0 || ay.c1 != by.c1) return BN254.G2Point([uint256(0), 0], [uint256(0), 0]);
            Fp2 memory xx = _mul(ax, ax);
            lambda = _mul(_add(_add(xx, xx), xx), _inv(_add(ay, ay))); // 3x² / 2y
        } else {
            lambda = _mul(_sub(by, ay), _inv(_sub(bx, ax)));
        }
        Fp2 memory x = _sub(_sub(_mul(lambda, lambda), ax), bx);
        Fp2 memory y = _sub(_mul(lambda, _sub(ax, x)), ay);
        return BN254.G2Point([x.c1, x.c0], [y.c1, y.c0]);
    }

    function _add(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(addmod(a.c0, b.c0, P), addmod(a.c1, b.c1, P));
    }

    function _sub(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(addmod(a.c0, P - b.c0, P), addmod(a.c1, P - b.c1, P));
    }

    function _mul(Fp2 memory a, Fp2 memory b) private pure returns (Fp2 memory) {
        return Fp2(
            addmod(mulmod(a.c0, b.c0, P), P - mulmod(a.c1, b.c1, P), P),
            addmod(mulmod(a.c0, b.c1, P), mulmod(a.c1, b.c0, P), P)
        );
    }

    function _inv(Fp2 memory a) private pure returns (Fp2 memory) {
        uint256 t = _pow(addmod(mulmod(a.c0, a.c0, P), mulmod(a.c1, a.c1, P), P), P - 2);
        return Fp2(mulmod(a.c0, t, P), mulmod(P - a.c1, t, P));
    }

    function _isZero(BN254.G2Point memory a) private pure returns (bool) {
        return a.X[0] == 0 && a.X[1] == 0 && a.Y[0] == 0 && a.Y[1] == 0;
    }

    function _pow(uint256 base, uint256 e) private pure returns (uint256 r) {
        r = 1;
        while (e != 0) {
            if (e & 1 == 1) r = mulmod(r, base, P);
            base = mulmod(base, base, P);
            e >>= 1;
        }
    }
}
