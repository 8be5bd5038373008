/**
 * The signed message of the state-proof service and the proof blob that carries it
 * (docs/architecture.md, "State proofs"; the task id is also the challenge id of a dispute).
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

/** Decoded `sigData`: operators strictly ascending, one 65-byte signature each, and the reference epoch. */
export type SigData = { operators: readonly Address[]; signatures: readonly Hex[]; referenceEpoch: number };

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

/** Inverse of {@link encodeSigData}. Throws viem's decoding error on malformed input. */
export function decodeSigData(sigData: Hex): SigData {
  const [operators, signatures, referenceEpoch] = decodeAbiParameters(sigDataParameters, sigData);
  return { operators, signatures, referenceEpoch };
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
