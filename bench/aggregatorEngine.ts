/**
 * CPU per proof of the aggregator's task engine in this process: the state-proof task type with batched signing, on
 * SQLite, without the network and without operator processes, so what the end-to-end bench measures for the whole
 * aggregator process (HTTP, WebSocket frames, the rest of the machine's load) is left out.
 *
 * Each round submits one batch of tasks as the API does (`fastTaskId`, `TaskEngine.submit`), lets the engine send it,
 * then hands it every operator's answer, computed beforehand as operator nodes compute them (the digest of each
 * reading, the batch root, one ECDSA signature), in the order the end-to-end run sees most: the operators of the
 * threshold first (their answers written, the proofs completed), then the last one (the proofs extended).
 *
 * Reported per proof: `submit` (creating, storing and sending the tasks), `answers` (taking every operator's batch
 * answer: checks, digests, tree, signature, counting), `writes` (the flushes that follow: the answers, the status
 * changes, the proofs, and their commits) and their `total`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { computeBatchRoot } from '../src/core/crypto/attestation-batch.ts';
import { signDigest, signingKeyFromPrivateKey } from '../src/core/crypto/ecdsa.ts';
import { openDatabase } from '../src/core/db/database.ts';
import { buildOperatorSetSnapshot, staticOperatorSetSource } from '../src/runtime/operatorSet.ts';
import { TaskEngine } from '../src/runtime/tasks/engine.ts';
import type { OperatorSession } from '../src/runtime/tasks/sessions.ts';
import type { AttestationDomain, StateQuery } from '../src/services/state-proofs/attestation.ts';
import { STATE_PROOFS_SQLITE_PAGE_SIZE, createStateProofStore } from '../src/services/state-proofs/aggregator/store.ts';
import { stateProofTaskType } from '../src/services/state-proofs/aggregator/taskType.ts';
import { createAttestationDigester, fastTaskId } from '../src/services/state-proofs/digest.ts';
import type { WireTask } from '../src/services/state-proofs/protocol.ts';

/** CPU µs per proof, by phase. */
export type AggregatorEngineCost = { total: number; submit: number; answers: number; writes: number };

/** Figures by operator count. */
export type AggregatorEngineResult = { proofs: number; batchSize: number; byOperators: Record<number, AggregatorEngineCost> };

/** Options of {@link measureAggregatorEngine}. */
export type AggregatorEngineOptions = { operators?: readonly number[]; rounds?: number; warmRounds?: number; batchSize?: number };

const EPOCH = 1;
const DOMAIN: AttestationDomain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
const USER: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** Measures each operator count on a fresh SQLite file. */
export async function measureAggregatorEngine(options: AggregatorEngineOptions = {}): Promise<AggregatorEngineResult> {
  const rounds = options.rounds ?? 40;
  const batchSize = options.batchSize ?? 250;
  const byOperators: AggregatorEngineResult['byOperators'] = {};
  for (const n of options.operators ?? [4, 10]) byOperators[n] = await measureOne(n, rounds, options.warmRounds ?? 8, batchSize);
  return { proofs: rounds * batchSize, batchSize, byOperators };
}

/** The operators whose answers reach the threshold of two thirds. */
const early = (operatorCount: number) => Math.ceil((operatorCount * 2) / 3);

async function measureOne(operatorCount: number, rounds: number, warmRounds: number, batchSize: number): Promise<AggregatorEngineCost> {
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-engine-'));
  const database = await openDatabase({ sqlitePath: join(dir, 'aggregator.sqlite') , sqlitePageSize: STATE_PROOFS_SQLITE_PAGE_SIZE });
  const operators = Array.from({ length: operatorCount }, (_, i) => ({
    operator: `0x${(0xa0 + i).toString(16).padStart(40, '0')}` as Address,
    key: signingKeyFromPrivateKey(keccak256(toHex(`bench operator ${i}`))),
    weight: 10n ** 18n,
  }));
  // Two thirds of the weight: with 4 operators the third answer completes a proof and the fourth extends it.
  const total = BigInt(operatorCount) * 10n ** 18n;
  const snapshot = buildOperatorSetSnapshot(
    EPOCH,
    operators.map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })),
    { thresholdWeight: (total * 2n) / 3n },
  );
  const engine = new TaskEngine({
    taskType: stateProofTaskType(DOMAIN),
    store: await createStateProofStore(database),
    operatorSet: staticOperatorSetSource([snapshot], EPOCH),
    mainChainId: DOMAIN.chainId,
    batching: { maxSize: batchSize, maxDelayMs: 2 },
    sweepIntervalMs: 60_000,
  });
  const received: { batchId: Hex; tasks: readonly WireTask[] }[] = [];
  const sessions: OperatorSession<WireTask>[] = operators.map((o, i) => ({
    operator: o.operator,
    signingKey: o.key.address,
    publicKey: o.key.publicKey,
    connectedAt: 0,
    send: () => {},
    sendBatch: (batchId, tasks) => {
      if (i === 0) received.push({ batchId, tasks });
    },
  }));
  const digest = createAttestationDigester(DOMAIN);
  const cpu = { submit: 0, answers: 0, writes: 0 };
  const timed = async (key: keyof typeof cpu | undefined, work: () => unknown) => {
    const start = process.cpuUsage();
    await work();
    const used = process.cpuUsage(start);
    if (key) cpu[key] += used.user + used.system;
  };
  try {
    await engine.start();
    for (const s of sessions) engine.attachOperator(s);
    let next = 0;
    for (let round = 0; round < warmRounds + rounds; round++) {
      const measured = round >= warmRounds;
      const queries: StateQuery[] = Array.from({ length: batchSize }, () => ({
        user: USER,
        chainId: 31338n,
        blockNumber: 87n,
        timestamp: 1_796_537_754n,
        key: BigInt(next++),
      }));
      await timed(measured ? 'submit' : undefined, async () => {
        await Promise.all(queries.map((q) => engine.submit(fastTaskId(q), q)));
        while (received.length === 0) await new Promise((r) => setTimeout(r, 1));
      });
      const batch = received.shift()!;
      // What every honest operator signs: the same readings, so the same root.
      const answers = batch.tasks.map((t) => ({ taskId: t.taskId, value: (BigInt(t.key) * 7n + 1n).toString(), exists: true, referenceEpoch: t.referenceEpoch }));
      const digests = batch.tasks.map((t, i) =>
        digest({
          user: t.user as Address,
          chainId: BigInt(t.chainId),
          blockNumber: BigInt(t.blockNumber),
          timestamp: BigInt(t.timestamp),
          key: BigInt(t.key),
          value: BigInt(answers[i]!.value),
          exists: true,
          epoch: t.referenceEpoch,
        }),
      );
      const { root, batchDigest } = computeBatchRoot(digests);
      const messages = operators.map((o) => ({ batchId: batch.batchId, root, signature: signDigest(o.key, batchDigest), answers }));
      // The operators of the threshold, then the rest: a completion, then an extension.
      for (const [from, to] of [[0, early(operatorCount)], [early(operatorCount), operatorCount]] as const) {
        await timed(measured ? 'answers' : undefined, () => {
          for (let i = from; i < to; i++) engine.handleBatchAnswers(sessions[i]!, messages[i]!);
        });
        await timed(measured ? 'writes' : undefined, () => engine.idle());
      }
    }
    // A run whose answers were refused would measure nothing: every proof must be aggregated, and extended once.
    const proofs = (warmRounds + rounds) * batchSize;
    const { tasksAggregated, proofsExtended, signaturesRejected } = engine.stats;
    if (tasksAggregated !== proofs || signaturesRejected !== 0 || (early(operatorCount) < operatorCount && proofsExtended !== proofs)) {
      throw new Error(`bench engine: ${tasksAggregated} of ${proofs} proofs aggregated, ${proofsExtended} extended, ${signaturesRejected} answers rejected`);
    }
    const per = (us: number) => Math.round((us / (rounds * batchSize)) * 10) / 10;
    const cost = { submit: per(cpu.submit), answers: per(cpu.answers), writes: per(cpu.writes) };
    return { total: Math.round((cost.submit + cost.answers + cost.writes) * 10) / 10, ...cost };
  } finally {
    await engine.stop();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
