/**
 * The seam for answer signatures in a key scheme other than the task engine's built-in ECDSA (which verifies against
 * the signing key learned at authentication, in a worker thread): a service whose operators sign with BN254 BLS keys
 * passes {@link blsAnswerScheme} as the engine's `signatureScheme`.
 */
import type { Hex } from 'viem';
import { g1FromHex } from '../../core/crypto/bls.ts';
import { blsVerify } from '../../core/crypto/bls-signing.ts';
import type { OperatorEntry } from '../operatorSet.ts';

/** One answer's signature, to check against the operator's registered key at the task's reference epoch. */
export type AnswerSignatureJob = { entry: OperatorEntry; digest: Hex; signature: Hex };

/** Verifies answers' signatures; results in input order, `false` for anything that does not verify. */
export type AnswerSignatureScheme = {
  /** Short name for logs, e.g. `bls-bn254`. */
  readonly name: string;
  verify(jobs: readonly AnswerSignatureJob[]): Promise<boolean[]>;
};

/**
 * BN254 BLS answers: the signature is σ = sk·H(digest) as 64 bytes x‖y (`g1ToHex`), checked with one pairing
 * equation against the G2 half of the operator's registered key (`OperatorEntry.blsKey`; the registry verified at
 * registration that both halves hold the same secret). An operator without a BLS key, or a malformed point, fails.
 * Each check costs a pairing (tens of milliseconds in @noble/curves), so a task with n signers costs n of them.
 */
export function blsAnswerScheme(): AnswerSignatureScheme {
  return {
    name: 'bls-bn254',
    async verify(jobs) {
      return jobs.map(({ entry, digest, signature }) => {
        if (!entry.blsKey) return false;
        try {
          return blsVerify(g1FromHex(signature), digest, entry.blsKey.g2);
        } catch {
          return false;
        }
      });
    },
  };
}
