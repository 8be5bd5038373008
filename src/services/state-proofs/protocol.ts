/**
 * The state-proofs messages of the operators' WebSocket protocol (`runtime/operators/protocol.ts` has the handshake and
 * the envelope): a task asks an operator to read `getHistoryAtBlock(user, key, blockNumber)` on `chainId`; an answer
 * is the value it read, whether the entry exists, and its EIP-712 signature over the StateAttestation.
 */
import type { Hex } from 'viem';
import { z } from 'zod';
import { hexAddressSchema as address } from '../../core/chain/schemas.ts';
import { authMessage as runtimeAuthMessage, operatorProtocol } from '../../runtime/operators/protocol.ts';
import type { StateQuery } from './attestation.ts';

export { PROTOCOL_VERSION, authMessageSchema, challengeMessage, errorMessage, taskErrorsMessage, welcomeMessage } from '../../runtime/operators/protocol.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'expected 0x-prefixed hex');
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hash');
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative decimal integer string');

/** The service name operators sign in {@link authMessage}. */
export const STATE_PROOFS_SERVICE = 'state-proofs';

/** One task as operators receive it: read `getHistoryAtBlock(user, key, blockNumber)` on `chainId` and sign. */
export const wireTask = z.object({
  taskId: bytes32,
  chainId: decimal,
  user: address,
  key: decimal,
  blockNumber: decimal,
  /** Timestamp of `blockNumber` as the aggregator saw it; operators check it against their own RPC. */
  timestamp: decimal,
  /** Epoch the operator signs for (the proof's referenceEpoch). */
  referenceEpoch: z.number().int().nonnegative(),
});
export type WireTask = z.infer<typeof wireTask>;

/** The wire form of the task `taskId` asking `query`, signed for `referenceEpoch` (integers as decimal strings). */
export function toWireTask(taskId: Hex, query: StateQuery, referenceEpoch: number): WireTask {
  return {
    taskId,
    chainId: query.chainId.toString(),
    user: query.user,
    key: query.key.toString(),
    blockNumber: query.blockNumber.toString(),
    timestamp: query.timestamp.toString(),
    referenceEpoch,
  };
}

/** One signed answer: the operator's reading of the task and its EIP-712 signature over the StateAttestation. */
export const wireSignature = z.object({
  taskId: bytes32,
  value: decimal,
  exists: z.boolean(),
  referenceEpoch: z.number().int().nonnegative(),
  /** 65 bytes r‖s‖v, v ∈ {27, 28}. */
  signature: hex,
});
export type WireSignature = z.infer<typeof wireSignature>;

/** One answer inside a `batchSignature` message: the reading, without a signature of its own (the batch's covers it). */
export const wireBatchAnswer = wireSignature.omit({ signature: true });
export type WireBatchAnswer = z.infer<typeof wireBatchAnswer>;

/**
 * The state-proofs messages: `tasks` of {@link wireTask}, `signatures` of {@link wireSignature}, and `batch` /
 * `batchSignature` for tasks signed in batches (answers of {@link wireBatchAnswer}).
 */
export const stateProofsProtocol = operatorProtocol({ task: wireTask, answer: wireSignature, batchAnswer: wireBatchAnswer });

/** Aggregator → operator: a batch of tasks to sign. */
export const tasksMessage = stateProofsProtocol.tasksMessage;
/** Operator → aggregator: a batch of signatures. */
export const signaturesMessage = stateProofsProtocol.signaturesMessage;
/** Everything the aggregator may receive from an operator. */
export const operatorToAggregator = stateProofsProtocol.operatorToAggregator;
export type OperatorToAggregator = z.infer<typeof operatorToAggregator>;
/** Everything an operator may receive from the aggregator. */
export const aggregatorToOperator = stateProofsProtocol.aggregatorToOperator;
export type AggregatorToOperator = z.infer<typeof aggregatorToOperator>;

/** The text a state-proofs operator signs (EIP-191) to authenticate (see the runtime's `authMessage`). */
export function authMessage(params: { nonce: string; operator: string; signingKey: string; serviceManager: string }): string {
  return runtimeAuthMessage({ ...params, service: STATE_PROOFS_SERVICE });
}
