/**
 * The automation task type for the runtime's task engine: a task asks the attesters' verdict on one ended slot
 * ({@link SlotQuery}); an attester answers what its replay found ({@link SlotFinding}) with its ECDSA signature of the
 * SlotVerdict digest. The slot's executor may not answer, and the caller gives each task the threshold SlotVerdicts
 * checks (over every operator but the executor) and the slot's epoch. The proof is `abi.encode(address[] operators,
 * bytes[] signatures)`, operators ascending: submitVerdict's last two arguments.
 */
import { type Address, type Hex, decodeAbiParameters, encodeAbiParameters, getAddress } from 'viem';
import type { TaskCodec, TaskType } from '../../../runtime/tasks/taskType.ts';
import type { WireVerdict, WireVerdictTask } from '../protocol.ts';
import { type VerdictDomain, slotVerdictDigest } from '../verdict.ts';

/** What a task asks: the verdict on the slot starting at `slotStartBlock`, whose executor was `executor`. */
export type SlotQuery = { slotStartBlock: bigint; executor: Address };
/** What an attester found. */
export type SlotFinding = { dueWorkflows: Hex; fault: boolean };

/** The automation task type of the engine. */
export type SlotVerdictTaskType = TaskType<SlotQuery, SlotFinding, WireVerdictTask, WireVerdict>;

const PROOF = [{ type: 'address[]' }, { type: 'bytes[]' }] as const;

/** Stored text: `{"slotStartBlock":"120","executor":"0x…"}` and `{"dueWorkflows":"0x…","fault":false}`. */
export const slotVerdictCodec: TaskCodec<SlotQuery, SlotFinding> = {
  encodeQuery: (q) => JSON.stringify({ slotStartBlock: q.slotStartBlock.toString(), executor: q.executor }),
  decodeQuery(text) {
    const q = JSON.parse(text) as { slotStartBlock: string; executor: Address };
    return { slotStartBlock: BigInt(q.slotStartBlock), executor: getAddress(q.executor) };
  },
  encodeAnswer: (a) => JSON.stringify({ dueWorkflows: a.dueWorkflows.toLowerCase(), fault: a.fault }),
  decodeAnswer: (text) => JSON.parse(text) as SlotFinding,
};

/** The signers and signatures of a proof written by the task type. */
export function decodeVerdictProof(sigData: Hex): { operators: readonly Address[]; signatures: readonly Hex[] } {
  const [operators, signatures] = decodeAbiParameters(PROOF, sigData);
  return { operators, signatures };
}

/** The task type for a deployment whose verdicts are signed under `domain`. */
export function slotVerdictTaskType(domain: VerdictDomain): SlotVerdictTaskType {
  return {
    name: 'slot-verdict',
    codec: slotVerdictCodec,
    wireTask: (record) => ({
      taskId: record.taskId,
      slotStartBlock: record.query.slotStartBlock.toString(),
      executor: record.query.executor,
      referenceEpoch: record.referenceEpoch,
    }),
    readAnswer: (wire) => ({ answer: { dueWorkflows: wire.dueWorkflows.toLowerCase() as Hex, fault: wire.fault } }),
    answerKey: (a) => `${a.dueWorkflows.toLowerCase()}:${a.fault}`,
    digest: (query, answer, referenceEpoch) =>
      slotVerdictDigest({ slotStartBlock: query.slotStartBlock, executor: query.executor, ...answer, referenceEpoch }, domain),
    encodeProof(signers) {
      const sorted = [...signers].sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1));
      return encodeAbiParameters(PROOF, [sorted.map((s) => getAddress(s.operator)), sorted.map((s) => s.signature)]);
    },
    proofSigners: (sigData) => decodeVerdictProof(sigData).operators,
    excludedOperators: (query) => [query.executor],
  };
}
