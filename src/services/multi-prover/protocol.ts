/**
 * The multi-prover messages of the operators' WebSocket protocol (`runtime/operators/protocol.ts` has the handshake
 * and the envelope): a task asks an operator's prover for the state of block `blockNumber` of chain `chainId` for
 * committee `committeeId`; an answer is the state (block hash and state root) and the operator's BLS signature of the
 * StateHeader's EIP-712 digest. Operators authenticate with their BLS key (`auth.signingKey` is the operator address,
 * `auth.signature` a BLS signature, 64 bytes x‖y).
 */
import { z } from 'zod';
import { authMessage as runtimeAuthMessage, operatorProtocol } from '../../runtime/operators/protocol.ts';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hash');
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative decimal integer string');
const g1 = z.string().regex(/^0x[0-9a-fA-F]{128}$/, 'expected a BN254 G1 point: 64 bytes of hex (x ‖ y)');

/** The service name operators sign in {@link authMessage}. */
export const MULTI_PROVER_SERVICE = 'multi-prover';

/** One task as operators receive it: prove block `blockNumber` of `chainId` for committee `committeeId`, then sign. */
export const wireTask = z.object({
  taskId: bytes32,
  committeeId: decimal,
  chainId: decimal,
  blockNumber: decimal,
  /** The committee's quorums (uint8 each), in the header's order. */
  quorumNumbers: z.array(z.number().int().min(0).max(255)).min(1).max(256),
  /** Epoch the operator signs for (the header's referenceEpoch). */
  referenceEpoch: z.number().int().nonnegative(),
});
export type WireTask = z.infer<typeof wireTask>;

/** One signed answer: the state the operator's prover computed and the operator's BLS signature of the header digest. */
export const wireSignature = z.object({
  taskId: bytes32,
  blockHash: bytes32,
  stateRoot: bytes32,
  referenceEpoch: z.number().int().nonnegative(),
  /** σ = sk·hashToG1(digest), 64 bytes x ‖ y. */
  signature: g1,
});
export type WireSignature = z.infer<typeof wireSignature>;

/** The multi-prover messages: `tasks` of {@link wireTask}, `signatures` of {@link wireSignature}. */
export const multiProverProtocol = operatorProtocol({ task: wireTask, answer: wireSignature });

/** The text a multi-prover operator signs to authenticate (see the runtime's `authMessage`). */
export function authMessage(params: { nonce: string; operator: string; signingKey: string; serviceManager: string }): string {
  return runtimeAuthMessage({ ...params, service: MULTI_PROVER_SERVICE });
}
