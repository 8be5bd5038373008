/**
 * The seam for answer signatures in a key scheme other than the task engine's built-in ECDSA (which verifies against
 * the signing key learned at authentication, in a worker thread): a service whose operators sign with BN254 BLS keys
 * passes {@link blsAnswerScheme} as the engine's `signatureScheme`.
 */
import type { Hex } from 'viem';
import { type SignedDigest, findInvalidBlsSignaturesOfKey } from '../../core/crypto/bls-batch.ts';
import { type G2Affine, g1FromHex } from '../../core/crypto/bls.ts';
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
 * same secret). The answers of one batch signed by one key (an operator's answers to many tasks arrive together) are
 * checked together, one pairing for the lot (`findInvalidBlsSignaturesOfKey`), with a bisection only when one is wrong.
 * An operator without a BLS key, or a malformed point, fails.
 */
export function blsAnswerScheme(): AnswerSignatureScheme {
  return {
    name: 'bls-bn254',
    async verify(jobs) {
      const results = jobs.map(() => false);
      const byKey = new Map<string, { keyG2: G2Affine; items: { index: number; entry: SignedDigest }[] }>();
      jobs.forEach(({ entry, digest, signature }, index) => {
        if (!entry.blsKey) return;
        let sigma;
        try {
          sigma = g1FromHex(signature);
        } catch {
          return;
        }
        const id = `${entry.blsKey.g1.x}:${entry.blsKey.g1.y}`;
        const group = byKey.get(id) ?? { keyG2: entry.blsKey.g2, items: [] };
        group.items.push({ index, entry: { digest, sigma } });
        byKey.set(id, group);
      });
      for (const { keyG2, items } of byKey.values()) {
        const bad = new Set(findInvalidBlsSignaturesOfKey(keyG2, items.map((g) => g.entry)));
        items.forEach((g, k) => {
          results[g.index] = !bad.has(k);
        });
      }
      return results;
    },
  };
}
