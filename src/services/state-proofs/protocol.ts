/**
 * The WebSocket protocol between operator nodes and the aggregator (docs/architecture.md, "Processes").
 *
 * Operators dial the aggregator (they need no inbound port). The aggregator sends `challenge`; the operator answers
 * `auth`, an EIP-191 signature over {@link authMessage} by its signing key; the aggregator checks that the key is the
 * operator's registered signing key and replies `welcome`. Then the aggregator pushes `tasks` in batches and the operator
 * answers with `signatures` (or `taskErrors`). All integers above 2^53 travel as decimal strings; addresses and hashes as
 * 0x hex. Every message is a JSON object with a `type`.
 */
import { z } from 'zod';
import { hexAddressSchema as address } from '../../core/chain/schemas.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'expected 0x-prefixed hex');
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hash');
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative decimal integer string');

/** Protocol version; bumped on incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** Aggregator → operator, first message on a connection. */
export const challengeMessage = z.object({
  type: z.literal('challenge'),
  version: z.number().int(),
  nonce: bytes32,
  /** Main chain id and ServiceManager: the EIP-712 domain the operator must sign under. */
  chainId: z.number().int(),
  serviceManager: address,
});

/** Operator → aggregator: proves control of the signing key registered for `operator`. */
export const authMessageSchema = z.object({
  type: z.literal('auth'),
  operator: address,
  signingKey: address,
  /** EIP-191 personal_sign over {@link authMessage}(nonce, operator, signingKey). */
  signature: hex,
  /** Free-form node version, for the aggregator's operator list. */
  nodeVersion: z.string().max(64).optional(),
});

/** Aggregator → operator after a successful `auth`. */
export const welcomeMessage = z.object({ type: z.literal('welcome'), operator: address, epoch: z.number().int() });

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

/** Aggregator → operator: a batch of tasks to sign. */
export const tasksMessage = z.object({ type: z.literal('tasks'), tasks: z.array(wireTask).max(10_000) });

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

/** Operator → aggregator: a batch of signatures. */
export const signaturesMessage = z.object({ type: z.literal('signatures'), signatures: z.array(wireSignature).max(10_000) });

/** Operator → aggregator: tasks it will not sign, and why (unknown chain, block mismatch, ...). */
export const taskErrorsMessage = z.object({
  type: z.literal('taskErrors'),
  errors: z.array(z.object({ taskId: bytes32, reason: z.string().max(500) })).max(10_000),
});

/** Either side: a fatal protocol error; the connection closes after it. */
export const errorMessage = z.object({ type: z.literal('error'), message: z.string() });

/** Everything the aggregator may receive from an operator. */
export const operatorToAggregator = z.discriminatedUnion('type', [authMessageSchema, signaturesMessage, taskErrorsMessage]);
export type OperatorToAggregator = z.infer<typeof operatorToAggregator>;

/** Everything an operator may receive from the aggregator. */
export const aggregatorToOperator = z.discriminatedUnion('type', [challengeMessage, welcomeMessage, tasksMessage, errorMessage]);
export type AggregatorToOperator = z.infer<typeof aggregatorToOperator>;

/**
 * The text an operator signs (EIP-191) to authenticate. It names the aggregator's nonce, the operator and its signing
 * key, and the ServiceManager, so a signature cannot be replayed on another connection or deployment.
 */
export function authMessage(params: { nonce: string; operator: string; signingKey: string; serviceManager: string }): string {
  return [
    'avs-stack state-proofs operator authentication',
    `service manager: ${params.serviceManager.toLowerCase()}`,
    `operator: ${params.operator.toLowerCase()}`,
    `signing key: ${params.signingKey.toLowerCase()}`,
    `nonce: ${params.nonce}`,
  ].join('\n');
}
