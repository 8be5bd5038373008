/**
 * `npm run bench`: one run that prints every benchmark figure and writes them to bench/results/latest.json.
 *
 * - proofs per second end to end, p50/p99 latency from request to stored proof, and CPU ms per proof in the aggregator
 *   process and in an operator process (the mean of the operators), with 4 and with 10 operators, the aggregator on
 *   SQLite and on Postgres, batched (its default) and unbatched (`--batch-size 0`) (bench/throughput.ts). In
 *   latest.json, keyed by operator count:
 *     proofsPerSecond, latencyMs {p50, p99}, cpuMsPerProof {aggregator, operator, machine}   batched, SQLite
 *     reads {perSecond, aggregatorCpuMs}: every proof read back once after the burst (GET /v1/state-proofs/{taskId})
 *     postgres: {proofsPerSecond, latencyMs, cpuMsPerProof, reads}                 batched, Postgres
 *     unbatched: {sqlite: {…the same four}, postgres: {…the same four}}            unbatched
 *     batchRequests: {…all of the above}     the same, the client asking `requestBatch` proofs per HTTP request
 *   and settings {proofs, concurrency, requestBatch, batchConcurrency} of the latest throughput run. The client sends one
 *   proof per request (`POST /v1/state-proofs`, `concurrency` in flight), then batches of `requestBatch`
 *   (`POST /v1/state-proofs/batch`, `batchConcurrency` in flight); BENCH_REQUESTS=single or batch runs only one form;
 * - isValidSignature gas for 1, 2, 5, 10, 20 and 50 signers, total and marginal per signer, single sigData and batched
 *   in batches of 1, 64 and 1,024 (proofs of 0, 6 and 10 nodes) with the extra over single and per proof node (bench/gas.ts);
 * - dispute gas for 4, 10, 50 and 128 operators: submitChallenge, and resolveChallenge slashing all N signers
 *   (bench/disputeGas.ts);
 * - replication gas for 4, 10, 50 and 128 (the default MAX_OPERATORS) operators: the bridge delivery that reaches LightStakeRegistry.processEpochUpdate
 *   through RegistryStateReceiver.handleMessage, for a first sync, an unchanged set and one operator replaced
 *   (bench/replicationGas.ts; bench/devnetGas.ts runs both on one devnet per count).
 *
 * - multi-prover gas: the BN254 BLS quorum check for 10, 50 and 200 operators with 0, 1 and 10 % non-signers,
 *   confirmState for 10, 50 and 200 signers in 1 and 2 quorums, submitLivenessProof and slashEquivocation
 *   (bench/multiProverGas.ts, from the forge gas tests); and confirmations per second end to end
 *   (bench/multiProverThroughput.ts; BENCH_MP_BLOCKS blocks, default 300);
 *
 * - task store writes: CPU µs per task of the aggregator's SQLite store over one task's life, answers stored one row
 *   each or once per batch, with 4 and 10 operators, and once per batch with 102,400 tasks already stored; and the
 *   database's bytes per task stored
 *   (bench/taskStore.ts);
 * - aggregator task engine: CPU µs per proof of the state-proof engine in one process (batched, SQLite, no network):
 *   creating and sending tasks, taking every operator's batch answer, and the writes that follow, with 4 and 10
 *   operators (bench/aggregatorEngine.ts);
 * - operator node: CPU µs per task of one state-proofs operator node in one process (batches of 250 at final blocks,
 *   its anvil RPC and SQLite journal, this process playing the aggregator), with a fresh journal and with one already
 *   holding 200,000 entries (bench/operatorNode.ts);
 * - proof floor: CPU µs per proof of the work the protocol itself asks (digests, task ids, trees, proofs, signatures,
 *   the messages' JSON and zod, SQLite by bare prepared statements), with none of the servers and frameworks around it,
 *   and the proofs per second that bounds on this machine's cores, with 4 and 10 operators (bench/proofFloor.ts);
 *
 * - Intel DCAP attestation: gas of each IntelCollateralStore update and of verifyQuote for the real SGX and TDX quotes,
 *   with and without the P256VERIFY precompile (bench/intelGas.ts), and quotes verified per second off-chain
 *   (bench/intelQuoteVerify.ts);
 *
 * - automation: gas per workflow run batched and single, runs a block holds, and over a run of the service (BENCH_AUTOMATION_SECONDS,
 *   default 120) runs per block, verdict gas and the share of due runs executed within their slot (bench/automation.ts);
 *
 * - preconf: UniFiAVSManager gas of registerValidators and deregisterValidators for 1, 10 and 100 validators, of each
 *   operator step and of the registry's lookups (eth_estimateGas), and the gateway's lookahead answers and
 *   preconfirmations signed per second with p50/p99 latency (bench/preconf.ts; BENCH_PRECONF_SECONDS per gateway run,
 *   default 10; BENCH_PRECONF_CLIENTS concurrent clients, default 16);
 *
 * Parts: `npm run bench -- gas` (or BENCH_ONLY=gas) measures only the gas figures, skipping the long throughput run;
 * `npm run bench -- throughput` only throughput. A partial run keeps the other part's figures already in latest.json
 * (`measuredAt` says when each part was measured).
 *
 * Environment: BENCH_PROOFS (default 3000 per throughput run), BENCH_CONCURRENCY (default 128), BENCH_GAS_OPERATORS
 * (operator counts of the dispute and replication gas, default 4,10,50; at least 2 each, as one operator is replaced).
 * The throughput matrix can be cut down, e.g. BENCH_DATABASES=sqlite BENCH_MODES=batched BENCH_OPERATORS=4 for a quick
 * run: BENCH_DATABASES (sqlite,postgres), BENCH_MODES (batched,unbatched), BENCH_OPERATORS (4,10); such a run replaces
 * only the figures it measured. Postgres runs create a fresh database on BENCH_POSTGRES_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres, trust auth) and drop it after (bench/postgres.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { DEVNET_GAS_OPERATOR_COUNTS, type DevnetGasResult, measureDevnetGas } from './devnetGas.ts';
import { measureDigest } from './digest.ts';
import { type TaskStoreCost, measureTaskStore, measureTaskStoreWithHistory } from './taskStore.ts';
import { measureAggregatorEngine } from './aggregatorEngine.ts';
import { measureOperatorNode } from './operatorNode.ts';
import { measureProofFloor } from './proofFloor.ts';
import { type SignatureGas, BATCH_SIZES, SIGNER_COUNTS, gasPerProofNode, measureIsValidSignatureGas } from './gas.ts';
import { type MultiProverGas, measureMultiProverGas } from './multiProverGas.ts';
import { measureMultiProverThroughput } from './multiProverThroughput.ts';
import { measureIntelGas } from './intelGas.ts';
import { measureIntelQuoteVerify } from './intelQuoteVerify.ts';
import { measureAutomation } from './automation.ts';
import { type PreconfBench, measurePreconf } from './preconf.ts';
import { type BenchDatabaseKind, type ThroughputResult, measureThroughput } from './throughput.ts';

const PARTS = ['throughput', 'gas', 'digest', 'store', 'engine', 'operator', 'floor', 'multi-prover', 'intel', 'automation', 'preconf'] as const;
type Part = (typeof PARTS)[number];

const only = process.argv[2] ?? process.env.BENCH_ONLY;
if (only !== undefined && !PARTS.includes(only as Part)) usage(`unknown bench part "${only}": expected one of ${PARTS.join(', ')}`);
const parts: readonly Part[] = only ? [only as Part] : PARTS;
const proofs = Number(process.env.BENCH_PROOFS ?? 3_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 128);
const databases = listEnv<BenchDatabaseKind>('BENCH_DATABASES', ['sqlite', 'postgres']);
const modes = listEnv('BENCH_MODES', ['batched', 'unbatched']);
const requestForms = listEnv('BENCH_REQUESTS', ['single', 'batch']);
const requestBatch = Number(process.env.BENCH_REQUEST_BATCH ?? 250);
const batchConcurrency = Number(process.env.BENCH_BATCH_CONCURRENCY ?? 4);
if (!Number.isInteger(requestBatch) || requestBatch < 2 || requestBatch > 1_000) usage(`BENCH_REQUEST_BATCH must be an integer from 2 to 1000, got "${process.env.BENCH_REQUEST_BATCH}"`);
const operatorCounts = (process.env.BENCH_OPERATORS ?? '4,10').split(',').map(Number);
if (operatorCounts.some((n) => !Number.isInteger(n) || n < 1)) usage(`BENCH_OPERATORS must be positive integers separated by commas, got "${process.env.BENCH_OPERATORS}"`);
const gasOperators = process.env.BENCH_GAS_OPERATORS ? process.env.BENCH_GAS_OPERATORS.split(',').map(Number) : [...DEVNET_GAS_OPERATOR_COUNTS];
if (gasOperators.some((n) => !Number.isInteger(n) || n < 2)) usage(`BENCH_GAS_OPERATORS must be integers >= 2 separated by commas, got "${process.env.BENCH_GAS_OPERATORS}"`);
const log = (line: string) => console.error(line);
const pad = (value: string | number, width: number) => String(value).padStart(width);

console.log(`avs-stack bench — ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}; parts: ${parts.join(', ')}`);

const dir = new URL('./results/', import.meta.url);
const path = new URL('latest.json', dir);
const previous: Record<string, unknown> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
const now = new Date().toISOString();
const results: Record<string, unknown> = {
  ...previous,
  measuredAt: { ...(previous.measuredAt as Record<string, string> | undefined), ...Object.fromEntries(parts.map((p) => [p, now])) },
};

if (parts.includes('throughput')) {
  const throughput: ThroughputResult[] = [];
  for (const database of databases) {
    for (const mode of modes) {
      for (const form of requestForms) {
        for (const operators of operatorCounts) {
          const single = form === 'single';
          const inFlight = single ? `${concurrency} requests in flight` : `${requestBatch} per request, ${batchConcurrency} requests in flight`;
          console.log(`\nend to end, ${operators} operators, aggregator on ${database}, ${mode}: ${proofs} proofs, ${inFlight}`);
          const r = await measureThroughput({
            operators,
            proofs,
            concurrency: single ? concurrency : batchConcurrency,
            requestBatch: single ? 1 : requestBatch,
            database,
            batched: mode === 'batched',
            log,
          });
          throughput.push(r);
          console.log(`  ${r.proofsPerSecond} proofs/s; latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; failed ${r.failed}`);
          console.log(`  CPU per proof: aggregator ${r.cpuMsPerProof.aggregator} ms, operator ${r.cpuMsPerProof.operator} ms, whole machine ${r.cpuMsPerProof.machine} ms`);
          console.log(`  reading every proof back: ${r.reads.perSecond} GETs/s, aggregator CPU ${r.reads.aggregatorCpuMs} ms per GET`);
          console.log(`  late signatures extending a proof: ${r.extensionsPerProof} per proof`);
          // Each cell replaces only its own figures: a cut-down run keeps the rest of the matrix from earlier runs.
          const slot = throughputSlot(single ? results : childOf(results, 'batchRequests'), database, mode === 'batched');
          const n = String(operators);
          slot.proofsPerSecond = { ...(slot.proofsPerSecond as object | undefined), [n]: r.proofsPerSecond };
          slot.latencyMs = { ...(slot.latencyMs as object | undefined), [n]: { p50: r.latencyMs.p50, p99: r.latencyMs.p99 } };
          slot.cpuMsPerProof = { ...(slot.cpuMsPerProof as object | undefined), [n]: r.cpuMsPerProof };
          slot.reads = { ...(slot.reads as object | undefined), [n]: r.reads };
        }
      }
    }
  }
  printThroughput(throughput);
  Object.assign(results, { settings: { proofs, concurrency, requestBatch, batchConcurrency } });
}

if (parts.includes('gas')) {
  console.log('\nisValidSignature gas (valid proofs), single and batched sigData');
  const signatureGas = await measureIsValidSignatureGas(SIGNER_COUNTS, log, BATCH_SIZES);
  const gas = signatureGas.single;
  const perProofNode = gasPerProofNode(signatureGas.batched);
  printSignatureGas(signatureGas);
  const first = gas[0];
  const last = gas[gas.length - 1];
  const marginalTotal = Math.round((last.total - first.total) / (last.signers - first.signers));
  const marginalExecution = Math.round((last.execution - first.execution) / (last.signers - first.signers));
  console.log(`  per additional signer: ${marginalTotal} gas in a transaction, ${marginalExecution} gas of execution`);
  console.log(`  batched, per proof node: ${perProofNode.total} gas in a transaction, ${perProofNode.execution} gas of execution`);

  console.log(`\ndispute and replication gas, ${gasOperators.join(', ')} operators (one devnet each)`);
  const devnetGas = await measureDevnetGas(gasOperators, log);
  printDisputeGas(devnetGas);
  printReplicationGas(devnetGas);

  const byCount = <T>(f: (r: DevnetGasResult) => T) => Object.fromEntries(devnetGas.map((r) => [String(r.operators), f(r)]));
  Object.assign(results, {
    isValidSignatureGas: Object.fromEntries(gas.map((p) => [String(p.signers), p.total])),
    isValidSignatureExecutionGas: Object.fromEntries(gas.map((p) => [String(p.signers), p.execution])),
    marginalGasPerSigner: { total: marginalTotal, execution: marginalExecution },
    isValidSignatureBatched: {
      ...Object.fromEntries(
        BATCH_SIZES.map((size) => {
          const points = signatureGas.batched.filter((p) => p.batchSize === size);
          const bySigners = (f: (p: (typeof points)[number]) => number) => Object.fromEntries(points.map((p) => [String(p.signers), f(p)]));
          return [String(size), {
            proofLength: points[0].proofLength,
            total: bySigners((p) => p.total),
            execution: bySigners((p) => p.execution),
            extraTotal: bySigners((p) => p.extraTotal),
            extraExecution: bySigners((p) => p.extraExecution),
          }];
        }),
      ),
      perProofNode,
    },
    disputeGas: byCount(({ dispute: d }) => ({
      submitChallenge: d.submitChallenge.total,
      resolveChallenge: d.resolveChallenge.total,
      slashedSigners: d.resolveChallenge.slashed,
    })),
    disputeExecutionGas: byCount(({ dispute: d }) => ({ submitChallenge: d.submitChallenge.execution, resolveChallenge: d.resolveChallenge.execution })),
    replicationGas: byCount(({ replication: r }) => ({
      firstSync: r.firstSync.delivery,
      unchanged: r.unchanged.delivery,
      oneOperatorChanged: r.oneOperatorChanged.delivery,
    })),
    replicationHandleMessageGas: byCount(({ replication: r }) => ({
      firstSync: r.firstSync.handleMessage,
      unchanged: r.unchanged.handleMessage,
      oneOperatorChanged: r.oneOperatorChanged.handleMessage,
    })),
    replicationProcessEpochUpdateGas: byCount(({ replication: r }) => ({
      firstSync: r.firstSync.processEpochUpdate,
      unchanged: r.unchanged.processEpochUpdate,
      oneOperatorChanged: r.oneOperatorChanged.processEpochUpdate,
    })),
  });
}

if (parts.includes('digest')) {
  console.log('\ndigest hot path (src/services/state-proofs/digest.ts), one core, ops/s');
  const d = measureDigest();
  console.log(`  StateAttestation digest ${pad(d.digest, 9)}`);
  console.log(`  task id                 ${pad(d.taskId, 9)}`);
  console.log('  keccak256 alone         digest inputs (288 + 66 B)  task id input (98 B)');
  for (const [name, k] of Object.entries(d.keccak)) console.log(`  ${name.padEnd(22)} ${pad(k.digestInputs, 27)} ${pad(k.taskIdInput, 21)}`);
  Object.assign(results, { digestOpsPerSecond: { digest: d.digest, taskId: d.taskId }, keccakOpsPerSecond: d.keccak });
}

if (parts.includes('store')) {
  const s = await measureTaskStore();
  console.log(`\ntask store writes (SQLite, this process), CPU µs per task over one task's life, ${s.tasks} tasks in batches of ${s.batchSize}`);
  console.log('  operators  answers stored       total  insert  signing  completion  extension  bytes/task');
  for (const [n, forms] of Object.entries(s.byOperators)) {
    for (const [form, c] of Object.entries(forms)) {
      const label = form === 'single' ? 'one row per answer' : 'once per batch';
      console.log(`  ${n.padStart(9)}  ${label.padEnd(18)} ${pad(c.total, 6)} ${pad(c.insert, 7)} ${pad(c.signing, 8)} ${pad(c.completion, 11)} ${pad(c.extension, 10)} ${pad(c.bytesPerTask, 11)}`);
    }
  }
  const history = 102_400;
  const h = await measureTaskStoreWithHistory(history);
  console.log(`  ${'4'.padStart(9)}  ${'once per batch'.padEnd(18)} ${pad(h.total, 6)} ${pad(h.insert, 7)} ${pad(h.signing, 8)} ${pad(h.completion, 11)} ${pad(h.extension, 10)} ${pad(h.bytesPerTask, 11)}  with ${history} tasks stored`);
  // CPU and size under their own keys: one figure per unit.
  const byForm = <T>(f: (c: TaskStoreCost) => T) =>
    Object.fromEntries(Object.entries(s.byOperators).map(([n, forms]) => [n, { single: f(forms.single), batched: f(forms.batched) }]));
  Object.assign(results, {
    taskStoreCpuUsPerTask: byForm(({ bytesPerTask: _, ...cpu }) => cpu),
    taskStoreBytesPerTask: byForm((c) => c.bytesPerTask),
    taskStoreWithHistory: { storedTasks: history, ...h },
  });
}

if (parts.includes('engine')) {
  const e = await measureAggregatorEngine();
  console.log(`\naggregator task engine (state proofs, batched, SQLite, this process), CPU µs per proof, ${e.proofs} proofs in batches of ${e.batchSize}`);
  console.log('  operators   total  submit  answers  writes');
  for (const [n, c] of Object.entries(e.byOperators)) {
    console.log(`  ${n.padStart(9)} ${pad(c.total, 7)} ${pad(c.submit, 7)} ${pad(c.answers, 8)} ${pad(c.writes, 7)}`);
  }
  Object.assign(results, { aggregatorEngineCpuUsPerProof: e.byOperators });
}

if (parts.includes('operator')) {
  const o = await measureOperatorNode();
  console.log(`\noperator node (state proofs, batches of ${o.batchSize} at final blocks, SQLite journal, this process): ${o.cpuUsPerTask} CPU µs per task, ${o.tasksPerSecond} tasks/s over ${o.tasks} tasks`);
  const journalEntries = 200_000;
  const h = await measureOperatorNode({ journalEntries });
  console.log(`  with ${journalEntries} entries in the journal already: ${h.cpuUsPerTask} CPU µs per task, ${h.tasksPerSecond} tasks/s`);
  Object.assign(results, { operatorNodeCpuUsPerTask: o.cpuUsPerTask, operatorNodeWithHistory: { journalEntries, cpuUsPerTask: h.cpuUsPerTask } });
}

if (parts.includes('floor')) {
  const f = await measureProofFloor({ operatorCounts, cores: cpus().length });
  const list = (steps: Record<string, number>) => Object.entries(steps).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`\nproof floor (the work a batched proof needs, bare primitives, batches of ${f.batchSize}), CPU µs per proof`);
  console.log(`  aggregator: ${list(f.aggregator)}`);
  console.log(`  aggregator, per operator: ${list(f.aggregatorPerOperator)}`);
  console.log(`  each operator: ${list(f.operator)}`);
  for (const [n, t] of Object.entries(f.byOperators)) {
    console.log(`  ${n} operators: ${t.cpuUs} µs per proof, at most ${t.ceilingPerSecond} proofs/s on ${cpus().length} cores`);
  }
  Object.assign(results, { proofFloor: f });
}

if (parts.includes('multi-prover')) {
  console.log('\nmulti-prover gas (forge gas tests on the devnet EigenLayer core)');
  const g = measureMultiProverGas();
  printMultiProverGas(g);
  Object.assign(results, {
    blsQuorumCheckGas: Object.fromEntries(g.blsCheck.map((r) => [`${r.operators}/${r.nonSigners}`, { isValidSignature: r.isValidSignature, perNonSigner: r.perNonSigner }])),
    confirmStateGas: Object.fromEntries(g.confirmState.map((r) => [String(r.operators), { oneQuorum: r.oneQuorum, twoQuorums: r.twoQuorums }])),
    submitLivenessProofGas: g.submitLivenessProof,
    slashEquivocationGas: g.slashEquivocation,
  });
  const blocks = Number(process.env.BENCH_MP_BLOCKS ?? 300);
  console.log(`\nmulti-prover end to end: ${blocks} blocks of 31338 confirmed on 31337, 4 operators in 2 quorums`);
  const t = await measureMultiProverThroughput({ blocks, concurrency: 32, log });
  console.log(`  ${t.confirmationsPerSecond} confirmations/s; latency p50 ${t.latencyMs.p50} ms, p99 ${t.latencyMs.p99} ms, max ${t.latencyMs.max} ms; confirmed ${t.confirmed} of ${t.blocks}`);
  Object.assign(results, { multiProverConfirmationsPerSecond: t.confirmationsPerSecond, multiProverLatencyMs: t.latencyMs });
}

if (parts.includes('intel')) {
  console.log('\nIntel DCAP attestation (the real SGX v3 and TDX v4 quotes of test/fixtures/tee)');
  const g = await measureIntelGas();
  console.log('  collateral update                          gas');
  for (const [what, gas] of Object.entries(g.updates)) console.log(`  ${what.padEnd(38)} ${pad(gas, 10)}`);
  console.log('  verifyQuote (a transaction)      P256VERIFY precompile   OpenZeppelin Solidity P-256');
  for (const kind of ['sgx', 'tdx'] as const) console.log(`  ${kind.padEnd(32)} ${pad(g.verifyQuote[kind], 21)} ${pad(g.verifyQuoteWithoutPrecompile[kind], 29)}`);
  const v = measureIntelQuoteVerify();
  console.log('  verified off-chain per second (one core)   this repository   @phala/dcap-qvl alone');
  for (const kind of ['sgx', 'tdx'] as const) console.log(`  ${kind.padEnd(42)} ${pad(v[kind].wrapper, 15)} ${pad(v[kind].dcapQvl, 23)}`);
  Object.assign(results, { intelCollateralUpdateGas: g.updates, intelVerifyQuoteGas: g.verifyQuote, intelVerifyQuoteGasWithoutPrecompile: g.verifyQuoteWithoutPrecompile, intelQuotesVerifiedPerSecond: v });
}

if (parts.includes('automation')) {
  const seconds = Number(process.env.BENCH_AUTOMATION_SECONDS ?? 120);
  console.log(`\nautomation (devnet, 4 operators, slots of 6 blocks; the service for ${seconds} s)`);
  const a = await measureAutomation({ seconds, log });
  console.log(`  gas per workflow run: batched ${a.gasPerRun.batched} (batches of ${a.gasPerRun.batchSize}), single ${a.gasPerRun.single}`);
  console.log(`  workflow runs a 30M-gas block holds (batched): ${a.runsPerBlockCapacity}`);
  const r = a.longRun;
  console.log(`  ${r.runs} runs of ${r.workflows} workflows in ${r.blocksWithRuns} blocks (max ${r.maxRunsPerBlock} per block)`);
  console.log(`  ${r.slotsJudged} slots replayed: ${r.duePairs} due (workflow, slot) pairs, ${r.dueRunInSlot} run in their slot, ${r.leftUnrun} left unrun; ${r.faultSlots} slots at fault`);
  console.log(`  share of due runs that could execute run within their slot: ${(r.shareRunInSlot * 100).toFixed(2)} %`);
  console.log(`  ${r.verdictsPosted} verdicts posted, submitVerdict ${r.submitVerdictGas} gas on average`);
  Object.assign(results, { automation: a });
}

if (parts.includes('preconf')) {
  const seconds = Number(process.env.BENCH_PRECONF_SECONDS ?? 10);
  const clients = Number(process.env.BENCH_PRECONF_CLIENTS ?? 16);
  if (!(seconds > 0) || !Number.isInteger(clients) || clients < 1) usage('BENCH_PRECONF_SECONDS must be a positive number and BENCH_PRECONF_CLIENTS a positive integer');
  console.log(`\npreconf (devnet: UniFiAVSManager on the devnet EigenLayer core, beacon node and gateway; gateway runs of ${seconds} s)`);
  const p = await measurePreconf({ seconds, clients, log });
  printPreconf(p);
  Object.assign(results, { preconf: p });
}

Object.assign(results, { machine: { cores: cpus().length, node: process.version }, at: now });
mkdirSync(dir, { recursive: true });
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.pathname}`);

/**
 * Where one throughput cell's figures go in latest.json: batched SQLite at the top level (the layout before Postgres and
 * unbatched runs were measured), batched Postgres under `postgres`, unbatched under `unbatched.<database>`.
 */
function throughputSlot(root: Record<string, unknown>, database: BenchDatabaseKind, batched: boolean): Record<string, unknown> {
  if (batched) return database === 'sqlite' ? root : childOf(root, 'postgres');
  return childOf(childOf(root, 'unbatched'), database);
}

/** `parent[key]`, replaced by a copy: `results` shares its nested objects with the figures read from the previous file. */
function childOf(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  return (parent[key] = { ...(parent[key] as object | undefined) }) as Record<string, unknown>;
}

function printThroughput(results: readonly ThroughputResult[]): void {
  console.log('\n  end to end                                                            CPU ms per proof');
  console.log('  database  mode       requests  operators  proofs/s  p50 ms  p99 ms  aggregator  operator  machine  failed  wrong');
  for (const r of results) {
    const mode = `${(r.batched ? 'batched' : 'unbatched').padEnd(9)}  ${(r.requestBatch === 1 ? 'single' : `by ${r.requestBatch}`).padEnd(8)}`;
    const cells = [pad(r.operators, 9), pad(r.proofsPerSecond, 9), pad(r.latencyMs.p50, 7), pad(r.latencyMs.p99, 7), pad(r.cpuMsPerProof.aggregator, 11), pad(r.cpuMsPerProof.operator, 9), pad(r.cpuMsPerProof.machine, 8), pad(r.failed, 7), pad(r.wrongValues, 6)];
    console.log(`  ${r.database.padEnd(8)}  ${mode.padEnd(9)} ${cells.join(' ')}`);
  }
}

/** A comma-separated list from `name`, each entry one of `allowed`; all of them when unset. */
function listEnv<T extends string>(name: string, allowed: readonly T[]): T[] {
  const value = process.env[name];
  if (value === undefined || value === '') return [...allowed];
  const list = value.split(',').map((v) => v.trim());
  const unknown = list.filter((v) => !allowed.includes(v as T));
  if (unknown.length > 0) usage(`${name} must list some of ${allowed.join(', ')}, got "${value}"`);
  return list as T[];
}

function printSignatureGas({ single, batched }: SignatureGas): void {
  const cell = (p: { total: number; execution: number }) => `${p.total} (${p.execution})`;
  const sizes = [...new Set(batched.map((p) => p.batchSize))];
  const heads = sizes.map((size) => `batched ×${size.toLocaleString('en-US')}`);
  console.log('  gas in the transaction (execution); batched: proofs of ' + sizes.map((size) => batched.find((p) => p.batchSize === size)!.proofLength).join(', ') + ' nodes');
  console.log(`  signers ${pad('single', 18)} ${heads.map((h) => pad(h, 18)).join(' ')}`);
  for (const s of single) {
    const row = sizes.map((size) => pad(cell(batched.find((p) => p.signers === s.signers && p.batchSize === size)!), 18));
    console.log(`  ${pad(s.signers, 7)} ${pad(cell(s), 18)} ${row.join(' ')}`);
  }
  console.log('  extra of the batched form over the single one, in the transaction (execution)');
  console.log(`  signers ${heads.map((h) => pad(h, 18)).join(' ')}`);
  for (const s of single) {
    const row = sizes.map((size) => {
      const p = batched.find((q) => q.signers === s.signers && q.batchSize === size)!;
      return pad(`${p.extraTotal} (${p.extraExecution})`, 18);
    });
    console.log(`  ${pad(s.signers, 7)} ${row.join(' ')}`);
  }
}

function printDisputeGas(results: readonly DevnetGasResult[]): void {
  console.log('\n  StateDisputeResolver: a wrong attestation signed by every operator; gas in the transaction (execution)');
  console.log('  operators     submitChallenge          resolveChallenge  slashes');
  for (const { operators, dispute: d } of results) {
    const submit = `${d.submitChallenge.total} (${d.submitChallenge.execution})`;
    const resolve = `${d.resolveChallenge.total} (${d.resolveChallenge.execution})`;
    console.log(`  ${pad(operators, 9)} ${pad(submit, 19)} ${pad(resolve, 25)}  ${d.resolveChallenge.slashed} signers`);
  }
}

function printReplicationGas(results: readonly DevnetGasResult[]): void {
  console.log('\n  Replication to the remote chain: DevnetAbridge.deliverMessage → RegistryStateReceiver.handleMessage →');
  console.log('  LightStakeRegistry.processEpochUpdate; gas of the delivery transaction and of the two call frames');
  console.log('  operators  case                    delivery  handleMessage  processEpochUpdate');
  for (const { operators, replication: r } of results) {
    const rows = [
      ['first sync', r.firstSync],
      ['unchanged set', r.unchanged],
      ['one operator replaced', r.oneOperatorChanged],
    ] as const;
    for (const [i, [label, g]] of rows.entries()) {
      console.log(`  ${pad(i === 0 ? operators : '', 9)}  ${label.padEnd(22)} ${pad(g.delivery, 9)} ${pad(g.handleMessage, 14)} ${pad(g.processEpochUpdate, 19)}`);
    }
  }
}

function printMultiProverGas(g: MultiProverGas): void {
  console.log('  BLS quorum check (one aggregate signature, apk minus non-signers, cold storage)');
  console.log('  operators  non-signers  isValidSignature  per non-signer');
  for (const r of g.blsCheck) console.log(`  ${pad(r.operators, 9)} ${pad(r.nonSigners, 12)} ${pad(r.isValidSignature, 17)} ${pad(r.perNonSigner || '', 15)}`);
  console.log('  confirmState, every operator signing (explicit signers, liveness checked per signer)');
  console.log('  operators   1 quorum  2 quorums');
  for (const r of g.confirmState) console.log(`  ${pad(r.operators, 9)} ${pad(r.oneQuorum, 10)} ${pad(r.twoQuorums, 10)}`);
  console.log(`  submitLivenessProof (devnet verifier): first proof ${g.submitLivenessProof.firstProof}, renewal ${g.submitLivenessProof.renewal}`);
  console.log(`  slashEquivocation (2 quorums): ${g.slashEquivocation}`);
}

function printPreconf(p: PreconfBench): void {
  console.log('  validators  registerValidators  per validator  deregisterValidators  per validator');
  for (const [i, r] of p.registerValidators.entries()) {
    const d = p.deregisterValidators[i]!;
    console.log(`  ${pad(r.validators, 10)} ${pad(r.total, 19)} ${pad(r.perValidator, 14)} ${pad(d.total, 21)} ${pad(d.perValidator, 14)}`);
  }
  console.log(`  one more validator in a call: register ${p.registerValidatorsMarginal}, deregister ${p.deregisterValidatorsMarginal}`);
  console.log('  operator step                         gas');
  for (const [step, gas] of Object.entries(p.operatorGas)) console.log(`  ${step.padEnd(32)} ${pad(gas, 9)}`);
  console.log('  lookup (eth_estimateGas, in a transaction)');
  const lookups: [string, number][] = [
    ['getValidator(hash)', p.lookupGas.getValidatorByHash],
    ['getValidator(index)', p.lookupGas.getValidatorByIndex],
    ['getValidators, 16 hashes', p.lookupGas.getValidators16],
    ['isValidatorInChainId', p.lookupGas.isValidatorInChainId],
    ['bitmapToChainIDs, 3 chains', p.lookupGas.bitmapToChainIDs3],
    ['isValidPreconfirmation (valid)', p.lookupGas.isValidPreconfirmation],
  ];
  for (const [name, gas] of lookups) console.log(`  ${name.padEnd(32)} ${pad(gas, 9)}`);
  const g = p.gateway;
  console.log('  gateway over HTTP                       answers/s  p50 ms  p99 ms  max ms  not as asked');
  const rows: [string, typeof g.lookahead][] = [
    [`GET /v1/lookahead, ${g.clients} clients`, g.lookahead],
    ['POST /v1/preconfs, 1 client', g.preconfsSequential],
    [`POST /v1/preconfs, ${g.clients} clients`, g.preconfsConcurrent],
  ];
  for (const [name, r] of rows) {
    const failed = Object.entries(r.failed).map(([status, n]) => `${n}×${status}`).join(' ') || '0';
    console.log(`  ${name.padEnd(38)} ${pad(r.perSecond, 9)} ${pad(r.latencyMs.p50, 7)} ${pad(r.latencyMs.p99, 7)} ${pad(r.latencyMs.max, 7)}  ${failed}${r.ranOut ? ` (ran out of transactions after ${r.seconds} s)` : ''}`);
  }
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
