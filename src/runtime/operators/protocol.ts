/**
 * The WebSocket protocol between operator nodes and an aggregator, for any service (docs/architecture.md, "Processes").
 *
 * Operators dial the aggregator (they need no inbound port). The aggregator sends `challenge`; the operator answers
 * `auth`, an EIP-191 signature over {@link authMessage} by its signing key; the aggregator checks that the key is the
 * operator's registered signing key and replies `welcome`. Then the aggregator pushes `tasks` in batches and the operator
 * answers with `signatures` (or `taskErrors`). What a task and an answer hold is the service's: it passes their schemas
 * to {@link operatorProtocol}. All integers above 2^53 travel as decimal strings; addresses and hashes as 0x hex. Every
 * message is a JSON object with a `type`.
 */
import { z } from 'zod';
import { hexAddressSchema as address } from '../../core/chain/schemas.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'expected 0x-prefixed hex');
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hash');

/** Protocol version; bumped on incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** Largest number of tasks, answers or errors in one message. */
export const MAX_ITEMS_PER_MESSAGE = 10_000;

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

/** Operator → aggregator: tasks it will not sign, and why (unknown chain, block mismatch, ...). */
export const taskErrorsMessage = z.object({
  type: z.literal('taskErrors'),
  errors: z.array(z.object({ taskId: bytes32, reason: z.string().max(500) })).max(MAX_ITEMS_PER_MESSAGE),
});

/** Either side: a fatal protocol error; the connection closes after it. */
export const errorMessage = z.object({ type: z.literal('error'), message: z.string() });

/**
 * The messages of one service: `tasks` carries the service's `task` schema, `signatures` its `answer` schema (every
 * answer names `taskId`, `referenceEpoch` and `signature`; see `runtime/tasks/taskType.ts`).
 *
 * Services whose tasks may be signed in batches also pass `batchAnswer` (an answer without its own signature): the
 * aggregator then sends `batch` (tasks under a `batchId`) and the operator answers `batchSignature`: its answers to
 * the batch's tasks and one EIP-712 signature over `AttestationBatch(root)`, `root` being the Merkle root of the
 * answers' digests (`core/crypto/attestation-batch.ts`).
 */
export function operatorProtocol<T extends z.ZodType, A extends z.ZodType, B extends z.ZodType = z.ZodNever>(schemas: { task: T; answer: A; batchAnswer?: B }) {
  const tasksMessage = z.object({ type: z.literal('tasks'), tasks: z.array(schemas.task).max(MAX_ITEMS_PER_MESSAGE) });
  const signaturesMessage = z.object({ type: z.literal('signatures'), signatures: z.array(schemas.answer).max(MAX_ITEMS_PER_MESSAGE) });
  const batchMessage = z.object({ type: z.literal('batch'), batchId: bytes32, tasks: z.array(schemas.task).min(1).max(MAX_ITEMS_PER_MESSAGE) });
  const batchSignatureMessage = z.object({
    type: z.literal('batchSignature'),
    batchId: bytes32,
    root: bytes32,
    /** 65 bytes r‖s‖v over the EIP-712 `AttestationBatch(root)` message. */
    signature: hex,
    answers: z.array((schemas.batchAnswer ?? z.never()) as B).min(1).max(MAX_ITEMS_PER_MESSAGE),
  });
  return {
    tasksMessage,
    signaturesMessage,
    batchMessage,
    batchSignatureMessage,
    /** Everything the aggregator may receive from an operator. */
    operatorToAggregator: z.discriminatedUnion('type', [authMessageSchema, signaturesMessage, taskErrorsMessage, batchSignatureMessage]),
    /** Everything an operator may receive from the aggregator. */
    aggregatorToOperator: z.discriminatedUnion('type', [challengeMessage, welcomeMessage, tasksMessage, batchMessage, errorMessage]),
  };
}

/**
 * The text an operator signs (EIP-191) to authenticate. It names the service, the aggregator's nonce, the operator and
 * its signing key, and the ServiceManager, so a signature cannot be replayed on another connection, service or
 * deployment.
 */
export function authMessage(params: { service: string; nonce: string; operator: string; signingKey: string; serviceManager: string }): string {
  return [
    `avs-stack ${params.service} operator authentication`,
    `service manager: ${params.serviceManager.toLowerCase()}`,
    `operator: ${params.operator.toLowerCase()}`,
    `signing key: ${params.signingKey.toLowerCase()}`,
    `nonce: ${params.nonce}`,
  ].join('\n');
}
