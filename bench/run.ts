/**
 * `npm run bench`: one run that prints every figure issue 2 asks for and writes them to bench/results/latest.json.
 *
 * - proofs per second end to end, and p50/p99 latency from request to stored proof, with 4 and with 10 operators
 *   (bench/throughput.ts);
 * - isValidSignature gas for 1, 2, 5, 10, 20 and 50 signers, total and marginal per signer (bench/gas.ts).
 *
 * Environment: BENCH_PROOFS (default 3000 per operator count), BENCH_CONCURRENCY (default 128).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { SIGNER_COUNTS, measureIsValidSignatureGas } from './gas.ts';
import { type ThroughputResult, measureThroughput } from './throughput.ts';

const proofs = Number(process.env.BENCH_PROOFS ?? 3_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 128);
const log = (line: string) => console.error(line);

console.log(`avs-stack bench — ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);

const throughput: Record<string, ThroughputResult> = {};
for (const operators of [4, 10]) {
  console.log(`\nend to end, ${operators} operators: ${proofs} proofs, ${concurrency} requests in flight`);
  const r = await measureThroughput({ operators, proofs, concurrency, log });
  throughput[operators] = r;
  console.log(`  ${r.proofsPerSecond} proofs/s; latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; failed ${r.failed}`);
}

console.log('\nisValidSignature gas (valid proofs)');
const gas = await measureIsValidSignatureGas(SIGNER_COUNTS, log);
console.log('  signers      total  execution');
for (const p of gas) console.log(`  ${String(p.signers).padStart(7)} ${String(p.total).padStart(10)} ${String(p.execution).padStart(10)}`);
const first = gas[0];
const last = gas[gas.length - 1];
const marginalTotal = Math.round((last.total - first.total) / (last.signers - first.signers));
const marginalExecution = Math.round((last.execution - first.execution) / (last.signers - first.signers));
console.log(`  per additional signer: ${marginalTotal} gas in a transaction, ${marginalExecution} gas of execution`);

const results = {
  proofsPerSecond: Object.fromEntries(Object.entries(throughput).map(([n, r]) => [n, r.proofsPerSecond])),
  latencyMs: Object.fromEntries(Object.entries(throughput).map(([n, r]) => [n, { p50: r.latencyMs.p50, p99: r.latencyMs.p99 }])),
  isValidSignatureGas: Object.fromEntries(gas.map((p) => [String(p.signers), p.total])),
  isValidSignatureExecutionGas: Object.fromEntries(gas.map((p) => [String(p.signers), p.execution])),
  marginalGasPerSigner: { total: marginalTotal, execution: marginalExecution },
  machine: { cores: cpus().length, node: process.version },
  settings: { proofs, concurrency },
  at: new Date().toISOString(),
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const path = new URL('latest.json', dir);
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.pathname}`);
