/**
 * The seam for answer signatures in a key scheme other than the task engine's built-in ECDSA (which verifies against
 * the signing key learned at authentication, in a worker thread): a service whose operators sign with BN254 BLS keys
 * passes {@link blsAnswerScheme} as the engine's `signatureScheme`.
 */
import type { Hex } from 'viem';
import { type BlsSignatureEntry, findInvalidBlsSignatures } from '../../core/crypto/bls-batch.ts';
import { g1FromHex } from '../../core/crypto/bls.ts';
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
 * BN254 BLS answers: the signature is σ = sk·H(digest) as 64 bytes x‖y (`g1ToHex`), checked against the G2 half of the
 * operator's registered key (`OperatorEntry.blsKey`; the registry verified at registration that both halves hold the
 * same secret). The answers of one batch that sign one digest are checked together (`findInvalidBlsSignatures`: one
 * batch pairing when all are right, a bisection down to the wrong ones otherwise). An operator without a BLS key, or a
 * malformed point, fails.
 */
export function blsAnswerScheme(): AnswerSignatureScheme {
  return {
    name: 'bls-bn254',
    async verify(jobs) {
      const results = jobs.map(() => false);
      const byDigest = new Map<Hex, { index: number; entry: BlsSignatureEntry }[]>();
      jobs.forEach(({ entry, digest, signature }, index) => {
        if (!entry.blsKey) return;
        let sigma;
        try {
          sigma = g1FromHex(signature);
        } catch {
          return;
        }
        const group = byDigest.get(digest) ?? [];
        group.push({ index, entry: { sigma, keyG2: entry.blsKey.g2 } });
        byDigest.set(digest, group);
      });
      for (const [digest, group] of byDigest) {
        const bad = new Set(findInvalidBlsSignatures(digest, group.map((g) => g.entry)));
        group.forEach((g, k) => {
          results[g.index] = !bad.has(k);
        });
      }
      return results;
    },
  };
}
