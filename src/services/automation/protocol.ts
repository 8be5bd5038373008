/**
 * The automation messages of the operators' WebSocket protocol (`runtime/operators/protocol.ts` has the handshake and
 * the envelope): a task asks an attester for its verdict on the ended slot starting at `slotStartBlock`, whose executor
 * was `executor`; an answer is the verdict the attester's replay found (the due-workflow hash and fault) and its ECDSA
 * signature, by its signing key, of the SlotVerdict's EIP-712 digest. Operators authenticate with their signing key.
 */
import { z } from 'zod';
import { hexAddressSchema as address } from '../../core/chain/schemas.ts';
import { operatorProtocol } from '../../runtime/operators/protocol.ts';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hash');
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative decimal integer string');
const signature65 = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte ECDSA signature (r ‖ s ‖ v)');

/** The service name operators sign when they authenticate. */
export const AUTOMATION_SERVICE_NAME = 'automation';

/** One task: judge the slot starting at `slotStartBlock`, whose executor was `executor`. */
export const wireVerdictTask = z.object({
  taskId: bytes32,
  slotStartBlock: decimal,
  executor: address,
  /** The epoch of the slot's arrangement (SlotVerdict.referenceEpoch). */
  referenceEpoch: z.number().int().nonnegative(),
});
export type WireVerdictTask = z.infer<typeof wireVerdictTask>;

/** One signed verdict. */
export const wireVerdict = z.object({
  taskId: bytes32,
  /** keccak256 of the ABI-encoded due workflows the attester found (SlotVerdict.dueWorkflows). */
  dueWorkflows: bytes32,
  fault: z.boolean(),
  referenceEpoch: z.number().int().nonnegative(),
  signature: signature65,
});
export type WireVerdict = z.infer<typeof wireVerdict>;

/** The automation messages: `tasks` of {@link wireVerdictTask}, `signatures` of {@link wireVerdict}. */
export const automationProtocol = operatorProtocol({ task: wireVerdictTask, answer: wireVerdict });
