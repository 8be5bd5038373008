/**
 * The signed message of the state-proof service and the proof blob that carries it
 * (docs/architecture.md, "State proofs"; the task id is also the challenge id of a dispute). The blob, `sigData`, is
 * single (signatures over the attestation digest) or batched (signatures over a Merkle root of many digests, plus the
 * digest's proof; docs/attestation-batches.md).
 *
 * Solidity counterparts: `StateAttestationLib.sol` (struct hash, task id) and
 * `StateProofsServiceManager.attestationDigest`. Both sides are checked against test/vectors/state-attestation.json.
 */
import {
  type Address,
  type Hex,
  decodeAbiParameters,
  encodeAbiParameters,
  encodePacked,
  hashStruct,
  hashTypedData,
  keccak256,
} from 'viem';
import { BATCH_SIGDATA_TAG } from '../../core/crypto/attestation-batch.ts';

/** What operators attest: the value `user` held under `key` on chain `chainId` at a block, signed at `epoch`. */
export type StateAttestation = {
  /** Owner of the history in StateManager. */
  user: Address;
  /** Chain whose StateManager holds the history. */
  chainId: bigint;
  /** Block the value is read at (uint64). */
  blockNumber: bigint;
  /** Timestamp of that block, unix seconds (uint48). */
  timestamp: bigint;
  /** History key (uint256). */
  key: bigint;
  /** Value at that block; 0 when `exists` is false. */
  value: bigint;
  /** Whether any history entry existed at or before the block (absence is attested too). */
  exists: boolean;
  /** Reference epoch of the signers' registry (uint32). */
  epoch: number;
};

/** EIP-712 domain: one per deployment, bound to the main chain and its ServiceManager. */
export type AttestationDomain = {
  /** Main chain id (where EigenLayer and the ServiceManager live). */
  chainId: number;
  /** The state-proofs ServiceManager. */
  verifyingContract: Address;
};

export const ATTESTATION_DOMAIN_NAME = 'avs-stack state-proofs';
export const ATTESTATION_DOMAIN_VERSION = '1';

/** EIP-712 types of the StateAttestation message. */
export const stateAttestationTypes = {
  StateAttestation: [
    { name: 'user', type: 'address' },
    { name: 'chainId', type: 'uint256' },
    { name: 'blockNumber', type: 'uint64' },
    { name: 'timestamp', type: 'uint48' },
    { name: 'key', type: 'uint256' },
    { name: 'value', type: 'uint256' },
    { name: 'exists', type: 'bool' },
    { name: 'epoch', type: 'uint32' },
  ],
} as const;

function fullDomain(domain: AttestationDomain) {
  return {
    name: ATTESTATION_DOMAIN_NAME,
    version: ATTESTATION_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  } as const;
}

/** EIP-712 struct hash of an attestation (`StateAttestationLib.hash`). */
export function attestationStructHash(attestation: StateAttestation): Hex {
  return hashStruct({ data: toTypedMessage(attestation), primaryType: 'StateAttestation', types: stateAttestationTypes });
}

/** The EIP-712 digest operators sign and `isValidSignature` checks. */
export function attestationDigest(domain: AttestationDomain, attestation: StateAttestation): Hex {
  return hashTypedData({
    domain: fullDomain(domain),
    types: stateAttestationTypes,
    primaryType: 'StateAttestation',
    message: toTypedMessage(attestation),
  });
}

/** viem types uint48 as a JS number; timestamps stay bigint in our own types. */
function toTypedMessage(attestation: StateAttestation) {
  return { ...attestation, timestamp: Number(attestation.timestamp) };
}

/** The subject of a proof: what is asked, without the answer. */
export type StateQuery = Pick<StateAttestation, 'user' | 'chainId' | 'blockNumber' | 'timestamp' | 'key'>;

/**
 * Task id, also the challenge id of a dispute about the attestation:
 * `keccak256(abi.encodePacked(address user, uint256 chainId, uint64 blockNumber, uint48 timestamp, uint256 key))`.
 */
export function computeTaskId(query: StateQuery): Hex {
  return keccak256(
    encodePacked(
      ['address', 'uint256', 'uint64', 'uint48', 'uint256'],
      [query.user, query.chainId, query.blockNumber, Number(query.timestamp), query.key],
    ),
  );
}

const sigDataParameters = [
  { name: 'operators', type: 'address[]' },
  { name: 'signatures', type: 'bytes[]' },
  { name: 'referenceEpoch', type: 'uint32' },
] as const;

const batchedSigDataParameters = [
  { name: 'tag', type: 'bytes32' },
  { name: 'operators', type: 'address[]' },
  { name: 'signatures', type: 'bytes[]' },
  { name: 'referenceEpoch', type: 'uint32' },
  { name: 'proof', type: 'bytes32[]' },
] as const;

/** A single `sigData`: operators strictly ascending, one 65-byte signature each (over the attestation digest), the reference epoch. */
export type SingleSigData = { form: 'single'; operators: readonly Address[]; signatures: readonly Hex[]; referenceEpoch: number };

/**
 * A batched `sigData`: the signatures are over the batch digest of a Merkle root (`batchDigest` in
 * src/core/crypto/attestation-batch.ts), and `proof` proves the attestation digest to be a leaf of that root.
 */
export type BatchedSigData = {
  form: 'batched';
  operators: readonly Address[];
  signatures: readonly Hex[];
  referenceEpoch: number;
  /** Sibling hashes from the digest's leaf to the root; `[]` for a batch of one. */
  proof: readonly Hex[];
};

/** Decoded `sigData` of either form ({@link decodeSigData}). */
export type SigData = SingleSigData | BatchedSigData;

/** Thrown for a `sigData` that is neither form, or whose parts do not fit together. */
export class MalformedSigDataError extends Error {
  override name = 'MalformedSigDataError';
}

/**
 * `sigData = abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch)`.
 * Signers are sorted by operator address here, so callers may pass them in any order.
 */
export function encodeSigData(
  signers: readonly { operator: Address; signature: Hex }[],
  referenceEpoch: number,
): Hex {
  const sorted = [...signers].sort((a, b) => compareAddresses(a.operator, b.operator));
  return encodeAbiParameters(sigDataParameters, [
    sorted.map((s) => s.operator),
    sorted.map((s) => s.signature),
    referenceEpoch,
  ]);
}

/**
 * Batched `sigData` heads by signer set: `abi.encode` of everything before the proof (tag, offsets, operators,
 * signatures, epoch), first in, first out beyond {@link HEAD_CACHE_SIZE}. Every task of a batch signed by the same
 * operators has the same head; only the Merkle path differs.
 */
const heads = new Map<string, string>();
const HEAD_CACHE_SIZE = 256;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * Batched `sigData = abi.encode(bytes32 BATCH_SIGDATA_TAG, address[] operators, bytes[] signatures, uint32 referenceEpoch,
 * bytes32[] proof)`. `signatures[i]` is `operators[i]`'s signature over the batch digest; the pairs are sorted by
 * operator address here, so they may come in any order.
 *
 * The proof is the last parameter, so its offset depends only on what comes before it: the encoding is the encoding
 * with an empty proof, less its zero length word, then the proof's length and words. That head is encoded by viem once
 * per signer set and reused (checked against the whole encoding in the tests).
 * @throws {MalformedSigDataError} when operators and signatures differ in number.
 */
export function encodeBatchedSigData(parts: {
  operators: readonly Address[];
  signatures: readonly Hex[];
  referenceEpoch: number;
  proof: readonly Hex[];
}): Hex {
  const { operators, signatures, referenceEpoch, proof } = parts;
  if (operators.length !== signatures.length) {
    throw new MalformedSigDataError(`${operators.length} operators but ${signatures.length} signatures`);
  }
  const sorted = operators.map((operator, i) => ({ operator, signature: signatures[i] })).sort((a, b) => compareAddresses(a.operator, b.operator));
  const sortedOperators = sorted.map((s) => s.operator);
  const sortedSignatures = sorted.map((s) => s.signature);
  // Anything but plain 32-byte words goes through viem whole, for its checks and errors.
  if (!proof.every((p) => typeof p === 'string' && BYTES32.test(p))) {
    return encodeAbiParameters(batchedSigDataParameters, [BATCH_SIGDATA_TAG, sortedOperators, sortedSignatures, referenceEpoch, proof]);
  }
  const key = `${referenceEpoch}:${sortedOperators.join()}:${sortedSignatures.join()}`;
  let head = heads.get(key);
  if (head === undefined) {
    const empty = encodeAbiParameters(batchedSigDataParameters, [BATCH_SIGDATA_TAG, sortedOperators, sortedSignatures, referenceEpoch, []]);
    head = empty.slice(0, -64);
    if (heads.size >= HEAD_CACHE_SIZE) heads.delete(heads.keys().next().value!);
    heads.set(key, head);
  }
  let out = head + proof.length.toString(16).padStart(64, '0');
  for (const p of proof) out += p.slice(2);
  return out as Hex;
}

/**
 * Length in characters (`0x` included) of a batched `sigData`'s head: everything before the proof's length word, the
 * part {@link encodeBatchedSigData} shares between every task signed in one batch by the same operators. Read from the
 * proof's offset, the head's fifth word; 0 for a single `sigData`, and for anything whose offset does not point
 * inside it (such text is stored whole and left to {@link decodeSigData} to refuse).
 */
export function batchedSigDataHeadLength(sigData: Hex): number {
  if (sigData.length < 2 + 64 * 6 || sigData.slice(0, 66).toLowerCase() !== BATCH_SIGDATA_TAG) return 0;
  const offset = Number.parseInt(sigData.slice(2 + 64 * 4, 2 + 64 * 5), 16);
  const length = 2 + 2 * offset;
  return Number.isSafeInteger(offset) && offset % 32 === 0 && length >= 2 + 64 * 5 && length + 64 <= sigData.length ? length : 0;
}

/**
 * Decodes either form of `sigData`, told apart by the first word as the stake registries do: {@link BATCH_SIGDATA_TAG}
 * for a batched one, anything else (0x60 from `abi.encode`) for a single one.
 * @throws {MalformedSigDataError} for input shorter than a word, not ABI-decodable as its form, or with a reference epoch
 * above uint32 (the cause carries viem's decoding error).
 */
export function decodeSigData(sigData: Hex): SigData {
  if (typeof sigData !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(sigData) || sigData.length < 2 + 64) {
    throw new MalformedSigDataError('sigData must be hex of at least one 32-byte word');
  }
  const batched = sigData.slice(0, 66).toLowerCase() === BATCH_SIGDATA_TAG;
  let decoded: SigData;
  try {
    if (batched) {
      const [, operators, signatures, referenceEpoch, proof] = decodeAbiParameters(batchedSigDataParameters, sigData);
      decoded = { form: 'batched', operators, signatures, referenceEpoch, proof };
    } else {
      const [operators, signatures, referenceEpoch] = decodeAbiParameters(sigDataParameters, sigData);
      decoded = { form: 'single', operators, signatures, referenceEpoch };
    }
  } catch (cause) {
    throw new MalformedSigDataError(`sigData does not decode as the ${batched ? 'batched' : 'single'} form: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  // viem reads a uint32 from the whole word; the registries refuse one with bits above 32 set.
  if (!Number.isInteger(decoded.referenceEpoch) || decoded.referenceEpoch < 0 || decoded.referenceEpoch > 0xffffffff) {
    throw new MalformedSigDataError(`sigData reference epoch ${decoded.referenceEpoch} does not fit uint32`);
  }
  return decoded;
}

/** Orders addresses as uint160, the order `isValidSignature` requires. */
export function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ERC-1271 magic value returned by a valid proof. */
export const ERC1271_MAGIC_VALUE = '0x1626ba7e';
/** Value returned by a proof that does not hold. */
export const ERC1271_INVALID = '0xffffffff';
