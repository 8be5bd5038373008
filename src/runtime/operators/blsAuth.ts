/**
 * Authentication of operators that hold BN254 BLS keys (the multi-prover's): `auth.signingKey` is the operator's own
 * address, and `auth.signature` is σ = sk·H(messageHash) as 64 bytes x‖y, checked against the G2 half of the key the
 * operator registered (`OperatorEntry.blsKey`).
 */
import { g1FromHex } from '../../core/crypto/bls.ts';
import { blsVerify } from '../../core/crypto/bls-signing.ts';
import type { OperatorAuthScheme } from './hub.ts';

/** The hub's {@link OperatorAuthScheme} for BLS operators. Never throws: a malformed signature fails. */
export function blsAuthScheme(): OperatorAuthScheme {
  return {
    verify(entry, messageHash, signature) {
      if (!entry.blsKey) return false;
      try {
        return blsVerify(g1FromHex(signature), messageHash, entry.blsKey.g2);
      } catch {
        return false;
      }
    },
  };
}
