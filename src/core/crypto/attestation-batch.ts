/**
 * Batched attestations: operators sign one message per batch of attestation digests instead of one per digest
 * (docs/attestation-batches.md). The digests are the leaves of an OpenZeppelin standard Merkle tree (leaf encoding
 * `['bytes32']`), and operators sign {@link batchDigest} of its root; a proof of one attestation carries the batch
 * signatures and the digest's Merkle proof in the batched `sigData` (`BATCH_SIGDATA_TAG`).
 *
 * - leaf(digest) = `keccak256(bytes.concat(keccak256(abi.encode(digest))))`, @openzeppelin/merkle-tree's
 *   `StandardMerkleTree` leaf; inner nodes hash the sorted pair, as OpenZeppelin's `MerkleProof` verifies. The double
 *   hash keeps an inner node (a hash of 64 bytes) from passing as a leaf.
 * - Operators sign the EIP-712 hash of `AttestationBatch(bytes32 root)` in the domain {name: "avs-stack attestation
 *   batch", version: "1"}: no chainId and no verifyingContract, because each leaf is an EIP-712 digest already bound to
 *   its chain and contract, so one batch signature verifies on every chain.
 *
 * Speed: `StandardMerkleTree.of` plus `getProof` for every leaf costs 0.4–0.9 ms per leaf on this project's 2-core
 * machine (1,024 leaves: 0.1–0.3 s to build, 0.3–0.6 s for the proofs), mostly in @metamask/abi-utils (which builds an
 * Error with its stack trace for every assertion, even passing ones) and pure-JS keccak: 1,100–2,700 proofs/s per core.
 * So {@link computeBatchTree} uses the same library's tree functions (`makeMerkleTree` and `processProof` of its core)
 * with the leaf and node hashes on `core/crypto/keccak.ts` (WebAssembly), reads the paths off the library's tree array
 * ({@link pathOf}), and {@link computeBatchRoot}, what an operator needs, skips the paths. Their results are checked
 * against `StandardMerkleTree` once, on first use, and in the tests and shared vectors.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getProof, makeMerkleTree, processProof } from '@openzeppelin/merkle-tree/dist/core.js';
import { type Hex, domainSeparator, hashTypedData, keccak256, toBytes } from 'viem';
import { keccak256Bytes, keccak256Hex } from './keccak.ts';

/** First word of a batched `sigData`: `keccak256("avs-stack.sigdata.batched.v1")` (a single one starts with 0x60). */
export const BATCH_SIGDATA_TAG: Hex = keccak256(toBytes('avs-stack.sigdata.batched.v1'));

/** EIP-712 domain of batch signatures: a name and version only (see the module's note). */
export const ATTESTATION_BATCH_DOMAIN = { name: 'avs-stack attestation batch', version: '1' } as const;

/** EIP-712 types of the signed batch message. */
export const attestationBatchTypes = { AttestationBatch: [{ name: 'root', type: 'bytes32' }] } as const;

/** `keccak256("AttestationBatch(bytes32 root)")`. */
export const ATTESTATION_BATCH_TYPEHASH: Hex = keccak256(toBytes('AttestationBatch(bytes32 root)'));

/** `keccak256(abi.encode(keccak256("EIP712Domain(string name,string version)"), keccak256(name), keccak256(version)))`. */
export const ATTESTATION_BATCH_DOMAIN_SEPARATOR: Hex = domainSeparator({ domain: ATTESTATION_BATCH_DOMAIN });

/** Base class of the errors this module throws for bad input. */
export class AttestationBatchError extends Error {
  override name = 'AttestationBatchError';
}

/** A batch needs at least one digest. */
export class EmptyAttestationBatchError extends AttestationBatchError {
  override name = 'EmptyAttestationBatchError';
}

/**
 * The same digest twice in one batch. Refused rather than merged: the same digest is the same attestation, which the
 * caller should have grouped already, and refusing keeps `proofs[i]` the proof of `digests[i]` for every i.
 */
export class DuplicateBatchDigestError extends AttestationBatchError {
  override name = 'DuplicateBatchDigestError';
  constructor(
    readonly digest: Hex,
    readonly firstIndex: number,
    readonly secondIndex: number,
  ) {
    super(`digest ${digest} is at both index ${firstIndex} and index ${secondIndex} of the batch`);
  }
}

/** A digest, root or proof node that is not 32 bytes of 0x-prefixed hex. */
export class MalformedBatchValueError extends AttestationBatchError {
  override name = 'MalformedBatchValueError';
}

/** {@link AttestationBatch.proofOf} asked for a digest the batch does not hold. */
export class DigestNotInBatchError extends AttestationBatchError {
  override name = 'DigestNotInBatchError';
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

function checkHex32(value: string, what: string): Hex {
  if (typeof value !== 'string' || !HEX32.test(value)) throw new MalformedBatchValueError(`${what} must be 32 bytes of 0x hex, got ${String(value)}`);
  return value.toLowerCase() as Hex;
}

/**
 * The EIP-712 digest operators sign for a batch: `hashTypedData` of `AttestationBatch(bytes32 root)` in
 * {@link ATTESTATION_BATCH_DOMAIN}, i.e. `keccak256(0x1901 ‖ ATTESTATION_BATCH_DOMAIN_SEPARATOR ‖
 * keccak256(abi.encode(ATTESTATION_BATCH_TYPEHASH, root)))`. Computed here from those bytes (viem's generic
 * `hashTypedData` cost about 0.6 ms per batch, 2–3 % of an operator's work), and checked against `hashTypedData` once,
 * on first use.
 * @throws {MalformedBatchValueError} when `root` is not 32 bytes of hex.
 */
export function batchDigest(root: Hex): Hex {
  if (!batchDigestChecked) checkBatchDigest();
  return fastBatchDigest(checkHex32(root, 'root'));
}

/** `abi.encode(ATTESTATION_BATCH_TYPEHASH, root)`, its root filled per call (synchronously). */
const batchStruct = Buffer.concat([Buffer.from(ATTESTATION_BATCH_TYPEHASH.slice(2), 'hex'), Buffer.alloc(32)]);
/** `0x1901 ‖ ATTESTATION_BATCH_DOMAIN_SEPARATOR ‖ structHash`, its struct hash filled per call. */
const batchMessage = Buffer.concat([Buffer.from([0x19, 0x01]), Buffer.from(ATTESTATION_BATCH_DOMAIN_SEPARATOR.slice(2), 'hex'), Buffer.alloc(32)]);
let batchDigestChecked = false;

/** {@link batchDigest} of a checked, lowercase root. */
function fastBatchDigest(root: Hex): Hex {
  batchStruct.write(root.slice(2), 32, 'hex');
  batchMessage.set(keccak256Bytes(batchStruct), 34);
  return keccak256Hex(batchMessage);
}

/** Compares {@link fastBatchDigest} with viem's `hashTypedData` once, so a drift in the message fails loudly. */
function checkBatchDigest(): void {
  const probe = keccak256(toBytes('attestation batch digest probe'));
  const reference = hashTypedData({ domain: ATTESTATION_BATCH_DOMAIN, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { root: probe } });
  if (fastBatchDigest(probe) !== reference) throw new Error('the batch digest disagrees with hashTypedData: the AttestationBatch message changed');
  batchDigestChecked = true;
}

/** Lowercase 0x hex of 32 bytes. */
function hex32(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('hex')}`;
}

/** Leaf hash of the library's standard tree for `['bytes32']`: abi.encode of a bytes32 is the 32 bytes themselves. */
function leafBytes(digest: Hex): Uint8Array {
  return keccak256Bytes(keccak256Bytes(Buffer.from(digest.slice(2), 'hex')));
}

/** {@link leafBytes} as lowercase hex. */
function leafHash(digest: Hex): Hex {
  return hex32(leafBytes(digest));
}

/**
 * The tree's leaf for an attestation digest: `keccak256(bytes.concat(keccak256(abi.encode(digest))))`.
 * @throws {MalformedBatchValueError} when `digest` is not 32 bytes of hex.
 */
export function batchLeaf(digest: Hex): Hex {
  return leafHash(checkHex32(digest, 'digest'));
}

/** Reused by {@link nodeHash}, which fills and hashes it synchronously. */
const pair = Buffer.alloc(64);

/**
 * The library's standard node hash (keccak256 of the sorted pair) on lowercase 0x hex of 32 bytes, which every value
 * handed to it here is: for such strings, string order is numeric order.
 */
function nodeHash(a: unknown, b: unknown): Hex {
  const x = a as string;
  const y = b as string;
  const [low, high] = x < y ? [x, y] : [y, x];
  pair.write(low.slice(2), 0, 'hex');
  pair.write(high.slice(2), 32, 'hex');
  return keccak256Hex(pair);
}

/**
 * A batch as plain data (strings and arrays only, so it passes to and from a worker thread as is).
 * `proofs[i]` is the Merkle proof (sibling hashes, leaf to root) of `digests[i]`; a batch of one has proof `[]`.
 */
export type BatchTree = {
  /** The attestation digests, lowercase, in the order given. */
  digests: readonly Hex[];
  /** Merkle root of their leaves. */
  root: Hex;
  /** {@link batchDigest} of `root`: what operators sign. */
  batchDigest: Hex;
  /** One proof per digest, same order. */
  proofs: readonly (readonly Hex[])[];
};

let checkedAgainstLibrary = false;

/**
 * Builds the tree of `digests` and every digest's proof: a pure function, for the calling thread or a worker. Leaves are
 * ordered as `StandardMerkleTree.of(digests.map((d) => [d]), ['bytes32'])` orders them (by leaf hash), so root and
 * proofs are that tree's. About 7 µs per leaf for 250 leaves here (see the module's note).
 * @throws {EmptyAttestationBatchError} for no digests.
 * @throws {MalformedBatchValueError} for a digest that is not 32 bytes of hex.
 * @throws {DuplicateBatchDigestError} for a digest given twice (compared case-insensitively).
 */
export function computeBatchTree(digests: readonly Hex[]): BatchTree {
  if (!checkedAgainstLibrary) checkAgainstLibrary();
  return buildTree(digests);
}

/**
 * The root of the tree of `digests` and its {@link batchDigest}, without the proofs: what an operator signs. Same root
 * as {@link computeBatchTree}, for about half the work.
 * @throws {EmptyAttestationBatchError}, {@link MalformedBatchValueError}, {@link DuplicateBatchDigestError} as
 * {@link computeBatchTree} does.
 */
export function computeBatchRoot(digests: readonly Hex[]): { root: Hex; batchDigest: Hex } {
  if (!checkedAgainstLibrary) checkAgainstLibrary();
  const root = treeNodes(digests).tree[0];
  return { root, batchDigest: batchDigest(root) };
}

/** The checked, lowercase digests, the tree's node array (root first) and the tree position order of the leaves. */
function treeNodes(input: readonly Hex[]): { digests: Hex[]; tree: Hex[]; order: number[] } {
  if (input.length === 0) throw new EmptyAttestationBatchError('an attestation batch needs at least one digest');
  const digests = input.map((d, i) => checkHex32(d, `digest ${i}`));
  const seen = new Map<Hex, number>();
  digests.forEach((d, i) => {
    const first = seen.get(d);
    if (first !== undefined) throw new DuplicateBatchDigestError(d, first, i);
    seen.set(d, i);
  });
  // Leaves go to the library as bytes: given hex, it parses each one twice to check it.
  const leaves = digests.map(leafBytes);
  // The library's default (sortLeaves): leaves in ascending order, the smallest at the highest tree index.
  const order = leaves.map((_, i) => i).sort((i, j) => Buffer.compare(leaves[i], leaves[j]));
  const tree = makeMerkleTree(order.map((i) => leaves[i]), nodeHash) as Hex[];
  return { digests, tree, order };
}

function buildTree(input: readonly Hex[]): BatchTree {
  const { digests, tree, order } = treeNodes(input);
  const proofs = new Array<Hex[]>(digests.length);
  order.forEach((digestIndex, position) => {
    proofs[digestIndex] = pathOf(tree, tree.length - 1 - position);
  });
  const root = tree[0];
  return { digests, root, batchDigest: batchDigest(root), proofs };
}

/**
 * The Merkle path of the leaf at tree index `index`: its sibling, then each ancestor's sibling, up to the root. The
 * library's `getProof` walks the same indices but re-parses every node it returns to check it is hex, which its own
 * `makeMerkleTree` already made sure of: 3.6 µs per leaf of a 250-leaf batch here, a third of building the whole batch.
 * The result is compared with `getProof` in {@link checkAgainstLibrary}.
 */
function pathOf(tree: readonly Hex[], index: number): Hex[] {
  const path: Hex[] = [];
  for (let i = index; i > 0; i = (i - 1) >> 1) path.push(tree[i % 2 === 1 ? i + 1 : i - 1]);
  return path;
}

/** Compares the fast path with `StandardMerkleTree` once, so a change of the library's tree layout fails loudly. */
function checkAgainstLibrary(): void {
  const probe = [1, 2, 3].map((i) => keccak256(toBytes(`attestation batch probe ${i}`)));
  const reference = StandardMerkleTree.of(probe.map((d) => [d]), ['bytes32']);
  const fast = buildTree(probe);
  const { tree } = treeNodes(probe);
  const same =
    fast.root === reference.root &&
    tree[0] === reference.root &&
    probe.every((_, i) => reference.getProof(i).join() === fast.proofs[i].join()) &&
    probe.every((_, i) => getProof(tree, tree.length - 1 - i).join() === pathOf(tree, tree.length - 1 - i).join());
  if (!same) throw new Error('the attestation batch tree disagrees with @openzeppelin/merkle-tree StandardMerkleTree: its layout changed');
  checkedAgainstLibrary = true;
}

/** A {@link BatchTree} with its proofs looked up by digest. */
export type AttestationBatch = BatchTree & {
  /**
   * The proof of `digest` (any hex case).
   * @throws {DigestNotInBatchError} when the batch does not hold it.
   */
  proofOf(digest: Hex): readonly Hex[];
};

/**
 * Builds the batch of `digests` ({@link computeBatchTree}) with a lookup of proofs by digest.
 * @throws {EmptyAttestationBatchError}, {@link MalformedBatchValueError}, {@link DuplicateBatchDigestError} as
 * {@link computeBatchTree} does.
 */
export function buildAttestationBatch(digests: readonly Hex[]): AttestationBatch {
  return withProofLookup(computeBatchTree(digests));
}

/** Adds the lookup of {@link AttestationBatch} to a {@link BatchTree}, e.g. one a worker computed. */
export function withProofLookup(tree: BatchTree): AttestationBatch {
  const index = new Map(tree.digests.map((d, i) => [d.toLowerCase(), i]));
  return {
    ...tree,
    proofOf(digest: Hex): readonly Hex[] {
      const i = typeof digest === 'string' ? index.get(digest.toLowerCase()) : undefined;
      if (i === undefined) throw new DigestNotInBatchError(`digest ${digest} is not in the batch of root ${tree.root}`);
      return tree.proofs[i];
    },
  };
}

/**
 * The root that `proof` leads to from `digest`'s leaf: what a stake registry computes from a batched `sigData`, whose
 * signatures must then be over {@link batchDigest} of it (the root itself is not carried). The library's `processProof`.
 * @returns lowercase hex.
 * @throws {MalformedBatchValueError} when `digest` or a proof node is not 32 bytes of hex.
 */
export function batchRootFromProof(digest: Hex, proof: readonly Hex[]): Hex {
  const nodes = proof.map((p, i) => checkHex32(p, `proof node ${i}`));
  return processProof(batchLeaf(digest), nodes, nodeHash) as Hex;
}

/**
 * Whether `proof` proves that `digest` is a leaf of the tree of `root`: the library's `processProof` from
 * {@link batchLeaf}(digest), as OpenZeppelin's `MerkleProof.verify(proof, root, leaf)` does on chain. Any hex case.
 * @returns false, never throws, also for malformed values.
 */
export function verifyBatchProof(digest: Hex, proof: readonly Hex[], root: Hex): boolean {
  try {
    return batchRootFromProof(digest, proof) === checkHex32(root, 'root');
  } catch {
    return false;
  }
}
