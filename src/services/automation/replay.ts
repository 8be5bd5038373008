/**
 * The attesters' replay of an ended slot (docs/decisions/automation-0003-replay.md): from chain data alone, which
 * workflows were due and runnable in each block of the slot, which the executor ran, and whether it left one unrun.
 * Every honest attester computes the same verdict, because every input is read pinned to a block.
 *
 * For block b of the slot, a workflow is *due and runnable* when, in the state b starts from (the state after b − 1):
 * - it is active;
 * - its trigger holds: time — b's timestamp ≥ nextRunAt; condition — `isDue` is true read at b − 1 (the contract's own
 *   check; a condition workflow run in b − 1 is therefore not counted due in b);
 * - it could be paid for at b's base fee: maxGasPrice ≥ base fee, and the vault's deposit ≥ maxGasLimit × base fee +
 *   fixedReward (the prefund at the lowest gas price b accepts).
 *
 * The executor *left it unrun* when it was due and runnable and not run (Succeeded or Failed) in each of
 * `reaction.blocks` + 1 consecutive blocks of the slot spanning at least `reaction.seconds` of chain time: the executor
 * had that many blocks and seconds to react. The verdict is a fault when any workflow was left unrun. It signs the list of workflows due and runnable in at least one block.
 */
import { type Address, type Hex, type PublicClient, encodeAbiParameters, keccak256 } from 'viem';
import { DittoEntryPointAbi, ProtocolFeesAbi } from '../../core/chain/abis/generated/index.ts';
import { type IndexedRun, type IndexedWorkflow, type WorkflowRef, compareRefs, refKey } from './chainIndex.ts';

/** The slot replayed. */
export type ReplayedSlot = {
  /** First block. */
  startBlock: bigint;
  /** First block after it. */
  endBlock: bigint;
  /** Its executor (an operator). */
  executor: Address;
  /** The epoch of its arrangement (the verdict's reference epoch). */
  epoch: number;
};

/** Inputs of {@link replaySlot}. */
export type ReplayInput = {
  client: PublicClient;
  contracts: { entryPoint: Address; protocolFees: Address };
  slot: ReplayedSlot;
  /** Every workflow registered before the slot's end and not cancelled before its start (more is harmless). */
  workflows: readonly IndexedWorkflow[];
  /** The entry point's `WorkflowRun` events in the slot's blocks. */
  runs: readonly IndexedRun[];
  /** Blocks and seconds the executor has to react (the deployment's `reactionBlocks` and `reactionSeconds`). */
  reaction: Reaction;
};

/** What an attester found. */
export type SlotReplay = {
  slot: ReplayedSlot;
  /** Workflows due and runnable in at least one block of the slot, by vault then id. */
  due: WorkflowRef[];
  /** keccak256(abi.encode((address vault, uint256 id)[] due)): SlotVerdict.dueWorkflows. */
  dueWorkflows: Hex;
  /** Of `due`, those left unrun, each with the first block of its unrun stretch. */
  unrun: (WorkflowRef & { fromBlock: bigint })[];
  /** Whether any workflow was left unrun. */
  fault: boolean;
  /** Runs (Succeeded or Failed) in the slot. */
  executed: number;
};

const DUE_LIST = [{ type: 'tuple[]', components: [{ name: 'vault', type: 'address' }, { name: 'id', type: 'uint256' }] }] as const;

/** SlotVerdict.dueWorkflows of a list (sorted here by vault then id). */
export function dueWorkflowsHash(due: readonly WorkflowRef[]): Hex {
  const sorted = [...due].sort(compareRefs);
  return keccak256(encodeAbiParameters(DUE_LIST, [sorted.map((r) => ({ vault: r.vault, id: r.id }))]));
}

/**
 * Replays `slot` (see the module comment).
 * @throws the client's error when a block or a pinned read is unavailable (the caller retries; an attester must not
 *   sign a verdict it could not compute).
 */
export async function replaySlot(input: ReplayInput): Promise<SlotReplay> {
  const { client, contracts, slot } = input;
  const candidates = input.workflows.filter(
    (w) => w.registeredBlock < slot.endBlock - 1n && (w.cancelledBlock === null || w.cancelledBlock >= slot.startBlock),
  );
  const ran = new Set<string>();
  for (const r of input.runs) if (r.status === 'Succeeded' || r.status === 'Failed') ran.add(`${refKey(r)}@${r.blockNumber}`);

  const blocks: bigint[] = [];
  for (let b = slot.startBlock; b < slot.endBlock; b++) blocks.push(b);
  const timestamps: bigint[] = new Array(blocks.length);
  // dueAt[i][j]: candidate i due and runnable in block blocks[j].
  const dueAt = await Promise.all(
    blocks.map(async (b) => {
      const [header, fees] = await Promise.all([
        client.getBlock({ blockNumber: b }),
        client.readContract({ address: contracts.protocolFees, abi: ProtocolFeesAbi, functionName: 'feeParams', blockNumber: b - 1n }),
      ]);
      const baseFee = header.baseFeePerGas ?? 0n;
      timestamps[Number(b - slot.startBlock)] = header.timestamp;
      return Promise.all(
        candidates.map((w) =>
          w.registeredBlock < b && (w.cancelledBlock === null || w.cancelledBlock >= b)
            ? dueAndRunnable(client, contracts.entryPoint, w, b, header.timestamp, baseFee, fees.fixedReward)
            : false,
        ),
      );
    }),
  );

  const { due, unrun } = judgeBlocks(
    blocks.map((number, j) => ({ number, timestamp: timestamps[j]! })),
    candidates.map((w, i) => ({ ref: { vault: w.vault, id: w.id }, due: dueAt.map((row) => row[i]!), ran: blocks.map((b) => ran.has(`${refKey(w)}@${b}`)) })),
    input.reaction,
  );
  const executed = input.runs.filter((r) => r.status === 'Succeeded' || r.status === 'Failed').length;
  return { slot, due, dueWorkflows: dueWorkflowsHash(due), unrun, fault: unrun.length > 0, executed };
}

/** One workflow's replay: per block of the slot, whether it was due and runnable, and whether it ran. */
export type WorkflowBlocks = { ref: WorkflowRef; due: readonly boolean[]; ran: readonly boolean[] };

/** How long an executor has to react to a due workflow: this many blocks after the first, and this much chain time. */
export type Reaction = { blocks: number; seconds: number };

/**
 * The pure part of the replay: which workflows were due in some block, and which were left unrun — due and runnable
 * but not run in each of at least `reaction.blocks` + 1 consecutive blocks whose timestamps span at least
 * `reaction.seconds` (each with the first block of that stretch).
 * @param blocks The slot's blocks (number, timestamp in unix seconds), in order; `due` and `ran` are indexed like them.
 */
export function judgeBlocks(
  blocks: readonly { number: bigint; timestamp: bigint }[],
  workflows: readonly WorkflowBlocks[],
  reaction: Reaction,
): { due: WorkflowRef[]; unrun: (WorkflowRef & { fromBlock: bigint })[] } {
  const due: WorkflowRef[] = [];
  const unrun: (WorkflowRef & { fromBlock: bigint })[] = [];
  for (const w of workflows) {
    let first = -1;
    let flagged = false;
    blocks.forEach((b, j) => {
      if (!w.due[j] || w.ran[j]) {
        first = -1;
        return;
      }
      if (first < 0) first = j;
      const start = blocks[first]!;
      if (!flagged && j - first >= reaction.blocks && b.timestamp - start.timestamp >= BigInt(reaction.seconds)) {
        flagged = true;
        unrun.push({ ...w.ref, fromBlock: start.number });
      }
    });
    if (w.due.some(Boolean)) due.push(w.ref);
  }
  due.sort(compareRefs);
  unrun.sort(compareRefs);
  return { due, unrun };
}

/** Whether `w` is due and runnable in block `b` (see the module comment), reading the state after b − 1. */
async function dueAndRunnable(
  client: PublicClient,
  entryPoint: Address,
  w: IndexedWorkflow,
  b: bigint,
  timestamp: bigint,
  baseFee: bigint,
  fixedReward: bigint,
): Promise<boolean> {
  const at = { address: entryPoint, abi: DittoEntryPointAbi, blockNumber: b - 1n } as const;
  const [stored, deposit] = await Promise.all([
    client.readContract({ ...at, functionName: 'workflow', args: [w.vault, w.id] }),
    client.readContract({ ...at, functionName: 'depositOf', args: [w.vault] }),
  ]);
  if (stored.status !== 1) return false;
  if (stored.maxGasPrice < baseFee) return false;
  if (deposit < stored.maxGasLimit * baseFee + fixedReward) return false;
  if (stored.kind === 0) return timestamp >= stored.nextRunAt;
  const [isDue] = await client.readContract({ ...at, functionName: 'isDue', args: [w.vault, w.id] });
  return isDue;
}
