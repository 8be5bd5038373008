/**
 * How the task engine records an answer that was signed as part of a batch: the operator signed one EIP-712
 * `AttestationBatch(bytes32 root)` message over the Merkle root of its batch's digests, not the answer's digest
 * itself. The stored signature of such an answer is that 65-byte signature followed by the 32-byte root
 * (97 bytes), so a stored answer alone says which root its signer committed to; an answer signed on its own keeps its
 * 65-byte signature.
 */
import type { Hex } from 'viem';

/** Hex length of a batched answer's stored signature: `0x` + 65-byte signature + 32-byte root. */
const BATCHED_LENGTH = 2 + 2 * (65 + 32);

/** The stored signature of an answer signed in the batch of `root` (`signature`: 65 bytes r‖s‖v over the batch message). */
export function encodeBatchedAnswerSignature(signature: Hex, root: Hex): Hex {
  return `${signature.toLowerCase()}${root.slice(2).toLowerCase()}` as Hex;
}

/** The batch root of a stored answer signature, or undefined for an answer signed on its own. */
export function batchRootOfSignature(signature: Hex): Hex | undefined {
  return signature.length === BATCHED_LENGTH ? (`0x${signature.slice(2 + 130)}` as Hex) : undefined;
}

/** The 65-byte signature (r‖s‖v) inside a stored answer signature, batched or not. */
export function signatureOfAnswer(signature: Hex): Hex {
  return signature.length === BATCHED_LENGTH ? (signature.slice(0, 2 + 130) as Hex) : signature;
}
