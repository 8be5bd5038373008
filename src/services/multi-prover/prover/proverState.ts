/**
 * The message a prover's enclave key signs for a block-state answer, and the check an operator runs on a prover's
 * answer before it BLS-signs the state header built from it.
 */
import { type Address, type Hex, encodeAbiParameters, getAddress, isAddress, keccak256, toHex } from 'viem';
import { InvalidSignatureError, publicKeyToAddress, recoverPublicKey, verifyDigest } from '../../../core/crypto/ecdsa.ts';
import type { BlockStateRequest, ProvenBlockState } from './types.ts';

/** The type string of the prover's signed message (a domain tag: a signature over it means nothing elsewhere). */
export const PROVER_STATE_TYPE = 'avs-stack.multi-prover.ProverState(uint256 chainId,uint64 blockNumber,bytes32 blockHash,bytes32 stateRoot)';
/** keccak256 of {@link PROVER_STATE_TYPE}. */
export const PROVER_STATE_TYPEHASH: Hex = keccak256(toHex(PROVER_STATE_TYPE));

/** A prover's answer that is malformed, is for another block than asked, or is not signed by the expected prover key. */
export class ProverStateError extends Error {
  override name = 'ProverStateError';
}

/**
 * keccak256(abi.encode(PROVER_STATE_TYPEHASH, chainId, blockNumber, blockHash, stateRoot)): what the enclave key signs.
 * @throws {ProverStateError} when chainId is not a uint256, blockNumber not a uint64, or a hash not 32 bytes.
 */
export function proverStateDigest(chainId: bigint, blockNumber: bigint, blockHash: Hex, stateRoot: Hex): Hex {
  if (chainId < 0n || chainId >= 1n << 256n) throw new ProverStateError(`chainId ${chainId} does not fit in uint256`);
  if (blockNumber < 0n || blockNumber >= 1n << 64n) throw new ProverStateError(`blockNumber ${blockNumber} does not fit in uint64`);
  for (const [name, value] of [['blockHash', blockHash], ['stateRoot', stateRoot]] as const) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ProverStateError(`${name} ${value} is not 32 bytes`);
  }
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'uint64' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [PROVER_STATE_TYPEHASH, chainId, blockNumber, blockHash, stateRoot],
    ),
  );
}

/**
 * Checks a prover's answer before an operator signs the state in it: it names `expectedProverKey` (the attested
 * enclave key of the prover the operator runs), its signature is that key's (65 bytes, low s, v ∈ {27, 28}) over
 * {@link proverStateDigest} of its fields, and, when `request` is given, it answers that request.
 * @returns the answer, unchanged, for chaining.
 * @throws {ProverStateError} on any mismatch, saying which.
 */
export function verifyProverState(result: ProvenBlockState, expectedProverKey: Address, request?: BlockStateRequest): ProvenBlockState {
  if (!isAddress(result.proverKey, { strict: false }) || getAddress(result.proverKey) !== getAddress(expectedProverKey)) {
    throw new ProverStateError(`the answer names prover key ${result.proverKey}, expected ${expectedProverKey}`);
  }
  if (request && (request.chainId !== result.chainId || request.blockNumber !== result.blockNumber)) {
    throw new ProverStateError(
      `asked for block ${request.blockNumber} of chain ${request.chainId}, the answer is for block ${result.blockNumber} of chain ${result.chainId}`,
    );
  }
  const digest = proverStateDigest(result.chainId, result.blockNumber, result.blockHash, result.stateRoot);
  let publicKey: Uint8Array;
  try {
    publicKey = recoverPublicKey(digest, result.proverSignature);
  } catch (error) {
    if (error instanceof InvalidSignatureError) throw new ProverStateError(`the prover signature is malformed: ${error.message}`, { cause: error });
    throw error;
  }
  const signer = getAddress(publicKeyToAddress(publicKey));
  if (signer !== getAddress(expectedProverKey)) {
    throw new ProverStateError(`the prover signature is by ${signer}, expected ${expectedProverKey}`);
  }
  // Recovery accepts a high s; the contracts (OpenZeppelin ECDSA) do not, so neither does this.
  if (!verifyDigest(publicKey, digest, result.proverSignature)) throw new ProverStateError('the prover signature has a high s');
  return result;
}
