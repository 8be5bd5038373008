/**
 * The multi-prover's signed message: a `StateHeader` (MultiProverServiceManager.confirmState's header), its EIP-712
 * digest (what every operator BLS-signs), and the metadata and state encodings of block-state tasks. Checked against
 * test/vectors/multi-prover.json, which the forge tests read too.
 */
import {
  type Address,
  type Hex,
  decodeAbiParameters,
  encodeAbiParameters,
  hashDomain,
  hashStruct,
  hashTypedData,
  keccak256,
  size,
  toHex,
} from 'viem';

/** What MultiProverServiceManager.confirmState confirms; the fields of the Solidity struct, in its order. */
export type StateHeader = {
  /** The committee (uint256) whose provers computed the state. */
  committeeId: bigint;
  /** What was proven, task-type specific (block-state tasks: {@link blockMetadata}). */
  metadata: Hex;
  /** The result, task-type specific (block-state tasks: {@link blockState}). */
  state: Hex;
  /** The quorums (one byte each, uint8) whose operators' signatures count. */
  quorumNumbers: Hex;
  /** The epoch (uint32) whose keys, weights and thresholds apply. */
  referenceEpoch: number;
};

/** The EIP-712 domain of one deployment: name "avs-stack multi-prover", version "1". */
export type MultiProverDomain = {
  /** The main chain's id. */
  chainId: bigint | number;
  /** The MultiProverServiceManager. */
  verifyingContract: Address;
};

/** A header field out of its Solidity type's range, or a malformed encoding. */
export class StateHeaderEncodingError extends Error {
  override name = 'StateHeaderEncodingError';
}

/** EIP-712 name of the domain. */
export const MULTI_PROVER_DOMAIN_NAME = 'avs-stack multi-prover';
/** EIP-712 version of the domain. */
export const MULTI_PROVER_DOMAIN_VERSION = '1';
/** The EIP-712 type string of {@link StateHeader}. */
export const STATE_HEADER_TYPE = 'StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)';
/** keccak256 of {@link STATE_HEADER_TYPE}. */
export const STATE_HEADER_TYPEHASH: Hex = keccak256(toHex(STATE_HEADER_TYPE));

const TYPES = {
  StateHeader: [
    { name: 'committeeId', type: 'uint256' },
    { name: 'metadata', type: 'bytes' },
    { name: 'state', type: 'bytes' },
    { name: 'quorumNumbers', type: 'bytes' },
    { name: 'referenceEpoch', type: 'uint32' },
  ],
} as const;

function typedDomain(domain: MultiProverDomain) {
  return { name: MULTI_PROVER_DOMAIN_NAME, version: MULTI_PROVER_DOMAIN_VERSION, chainId: BigInt(domain.chainId), verifyingContract: domain.verifyingContract };
}

function checked(header: StateHeader): StateHeader {
  if (header.committeeId < 0n || header.committeeId >= 1n << 256n) throw new StateHeaderEncodingError(`committeeId ${header.committeeId} does not fit in uint256`);
  if (!Number.isInteger(header.referenceEpoch) || header.referenceEpoch < 0 || header.referenceEpoch > 0xffff_ffff) {
    throw new StateHeaderEncodingError(`referenceEpoch ${header.referenceEpoch} does not fit in uint32`);
  }
  return header;
}

/**
 * The EIP-712 digest of `header` in `domain`: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(header)), the 32-byte
 * message each operator signs with BLS (σ = sk·hashToG1(digest)).
 * @throws {StateHeaderEncodingError} when committeeId or referenceEpoch is out of range.
 */
export function stateHeaderDigest(header: StateHeader, domain: MultiProverDomain): Hex {
  return hashTypedData({ domain: typedDomain(domain), types: TYPES, primaryType: 'StateHeader', message: checked(header) });
}

/** The EIP-712 domain separator of `domain` (bytes32). */
export function multiProverDomainSeparator(domain: MultiProverDomain): Hex {
  return hashDomain({ domain: typedDomain(domain), types: { EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ] } });
}

/**
 * hashStruct(header): keccak256(abi.encode(STATE_HEADER_TYPEHASH, committeeId, keccak256(metadata), keccak256(state),
 * keccak256(quorumNumbers), referenceEpoch)).
 * @throws {StateHeaderEncodingError} when committeeId or referenceEpoch is out of range.
 */
export function stateHeaderStructHash(header: StateHeader): Hex {
  return hashStruct({ data: checked(header), primaryType: 'StateHeader', types: TYPES });
}

/**
 * `quorumNumbers` bytes of a list of quorums, one byte each, in the order given.
 * @throws {StateHeaderEncodingError} for a quorum outside 0 … 255.
 */
export function encodeQuorumNumbers(quorums: readonly number[]): Hex {
  for (const q of quorums) if (!Number.isInteger(q) || q < 0 || q > 255) throw new StateHeaderEncodingError(`quorum ${q} is not a uint8`);
  return toHex(Uint8Array.from(quorums));
}

/** The quorums of `quorumNumbers` bytes, one per byte, in order. */
export function decodeQuorumNumbers(quorumNumbers: Hex): number[] {
  const body = quorumNumbers.slice(2);
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new StateHeaderEncodingError(`quorumNumbers ${quorumNumbers} is not bytes`);
  return Array.from({ length: body.length / 2 }, (_, i) => Number.parseInt(body.slice(2 * i, 2 * i + 2), 16));
}

/** What a block-state task proves: chain `chainId`'s block `blockNumber`. */
export type BlockMetadata = { chainId: bigint; blockNumber: bigint };
/** A block-state task's result: the block's hash and state root. */
export type BlockState = { blockHash: Hex; stateRoot: Hex };

const METADATA_PARAMS = [{ type: 'uint256' }, { type: 'uint64' }] as const;
const STATE_PARAMS = [{ type: 'bytes32' }, { type: 'bytes32' }] as const;

/**
 * A block-state task's `metadata`: abi.encode(uint256 chainId, uint64 blockNumber), 64 bytes.
 * @throws {StateHeaderEncodingError} when chainId or blockNumber is out of range.
 */
export function blockMetadata(chainId: bigint, blockNumber: bigint): Hex {
  if (chainId < 0n || chainId >= 1n << 256n) throw new StateHeaderEncodingError(`chainId ${chainId} does not fit in uint256`);
  if (blockNumber < 0n || blockNumber >= 1n << 64n) throw new StateHeaderEncodingError(`blockNumber ${blockNumber} does not fit in uint64`);
  return encodeAbiParameters(METADATA_PARAMS, [chainId, blockNumber]);
}

/**
 * Reads {@link blockMetadata}'s encoding.
 * @throws {StateHeaderEncodingError} when it is not exactly 64 bytes of (uint256, uint64).
 */
export function decodeBlockMetadata(metadata: Hex): BlockMetadata {
  const [chainId, blockNumber] = strictDecode(METADATA_PARAMS, metadata, 'metadata');
  return { chainId, blockNumber };
}

/**
 * A block-state task's `state`: abi.encode(bytes32 blockHash, bytes32 stateRoot), 64 bytes.
 * @throws {StateHeaderEncodingError} when either is not 32 bytes.
 */
export function blockState(blockHash: Hex, stateRoot: Hex): Hex {
  for (const [name, value] of [['blockHash', blockHash], ['stateRoot', stateRoot]] as const) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new StateHeaderEncodingError(`${name} ${value} is not 32 bytes`);
  }
  return encodeAbiParameters(STATE_PARAMS, [blockHash, stateRoot]);
}

/**
 * Reads {@link blockState}'s encoding.
 * @throws {StateHeaderEncodingError} when it is not exactly 64 bytes.
 */
export function decodeBlockState(state: Hex): BlockState {
  const [blockHash, stateRoot] = strictDecode(STATE_PARAMS, state, 'state');
  return { blockHash, stateRoot };
}

/** abi.decode of exactly two static words, refusing any other length or a value its type does not hold (as Solidity's abi.decode does). */
function strictDecode<const P extends readonly [{ type: string }, { type: string }]>(params: P, data: Hex, what: string) {
  let length: number;
  try {
    length = size(data);
  } catch {
    throw new StateHeaderEncodingError(`${what} ${data} is not bytes`);
  }
  if (length !== 64) throw new StateHeaderEncodingError(`${what} must be 64 bytes, got ${length}`);
  try {
    const decoded = decodeAbiParameters(params, data);
    // viem does not check that a uint64 word's upper bytes are zero; Solidity's abi.decode reverts on them.
    if (encodeAbiParameters(params, decoded as never).toLowerCase() !== data.toLowerCase()) throw new Error('not canonical');
    return decoded;
  } catch (error) {
    throw new StateHeaderEncodingError(`${what} is not abi.encode(${params.map((p) => p.type).join(', ')})`, { cause: error });
  }
}
