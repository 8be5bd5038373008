/**
 * Writes test/vectors/attestation-batch.json, the shared vectors of batched attestations that Solidity (forge) and
 * TypeScript tests both check: the sigData tag, the batch domain and type, trees of 1, 2, 3, 7, 64 and 1,024 digests
 * with their roots, batch digests, leaves and proofs, and one batched sigData signed by three anvil dev accounts.
 * Run: `node --import tsx scripts/gen-batch-vectors.ts`. The file is committed; regenerate only when the format changes
 * on purpose.
 *
 * Trees come straight from @openzeppelin/merkle-tree's `StandardMerkleTree`, not from the fast path of
 * src/core/crypto/attestation-batch.ts, so the unit test compares that path with the library's own output.
 */
import { writeFileSync } from 'node:fs';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { type Hex, keccak256, toBytes } from 'viem';
import {
  ATTESTATION_BATCH_DOMAIN_SEPARATOR,
  ATTESTATION_BATCH_TYPEHASH,
  BATCH_SIGDATA_TAG,
  batchDigest,
} from '../src/core/crypto/attestation-batch.ts';
import { compareAddresses, encodeBatchedSigData } from '../src/services/state-proofs/attestation.ts';
import { devAccount } from '../src/devnet/accounts.ts';

/** Digest `i` of the case of `n` leaves: any distinct 32-byte values serve; these are easy to recompute. */
const vectorDigest = (n: number, i: number): Hex => keccak256(toBytes(`attestation-batch vector ${n}.${i}`));

function makeCase(n: number, proven: (digests: Hex[], tree: StandardMerkleTree<[Hex]>) => number[]) {
  const digests = Array.from({ length: n }, (_, i) => vectorDigest(n, i));
  const tree = StandardMerkleTree.of(digests.map((d): [Hex] => [d]), ['bytes32']);
  const root = tree.root as Hex;
  return {
    digests,
    root,
    batchDigest: batchDigest(root),
    leaves: proven(digests, tree).map((i) => ({
      digest: digests[i],
      leaf: tree.leafHash([digests[i]]) as Hex,
      proof: tree.getProof(i) as Hex[],
    })),
  };
}

const every = (digests: Hex[]) => digests.map((_, i) => i);
/** For the large tree: the first, middle and last digests, and those whose leaves are the smallest and largest. */
const some = (digests: Hex[], tree: StandardMerkleTree<[Hex]>) => {
  const byLeaf = digests.map((_, i) => i).sort((a, b) => (tree.leafHash([digests[a]]) < tree.leafHash([digests[b]]) ? -1 : 1));
  return [...new Set([0, 1, digests.length / 2 - 1, digests.length / 2, digests.length - 1, byLeaf[0], byLeaf[byLeaf.length - 1]])];
};

const cases = [...[1, 2, 3, 7, 64].map((n) => makeCase(n, every)), makeCase(1024, some)];

// One batched proof: the second digest of the three-leaf batch, signed at reference epoch 7 by anvil's dev accounts
// 1-3 (keys of a public mnemonic).
const batch = cases[2];
const proven = batch.leaves[1];
const signers = await Promise.all(
  [1, 2, 3].map(async (index) => {
    const account = devAccount(index);
    return { operator: account.address, signature: await account.sign({ hash: batch.batchDigest }) };
  }),
);
signers.sort((a, b) => compareAddresses(a.operator, b.operator));
const referenceEpoch = 7;
const sigData = {
  digest: proven.digest,
  root: batch.root,
  batchDigest: batch.batchDigest,
  operators: signers.map((s) => s.operator),
  signatures: signers.map((s) => s.signature),
  referenceEpoch,
  proof: proven.proof,
  encoded: encodeBatchedSigData({
    operators: signers.map((s) => s.operator),
    signatures: signers.map((s) => s.signature),
    referenceEpoch,
    proof: proven.proof,
  }),
};

const vectors = {
  tag: BATCH_SIGDATA_TAG,
  domainSeparator: ATTESTATION_BATCH_DOMAIN_SEPARATOR,
  typehash: ATTESTATION_BATCH_TYPEHASH,
  cases,
  sigData,
};

writeFileSync(new URL('../test/vectors/attestation-batch.json', import.meta.url), JSON.stringify(vectors, null, 2) + '\n');
console.log('wrote test/vectors/attestation-batch.json');
