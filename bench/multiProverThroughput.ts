/**
 * Multi-prover confirmations per second end to end on a local devnet: anvil 31337 + 31338, 4 operators in 2 TEE
 * quorums with devnet TEE provers, the multi-prover aggregator and operator nodes in this process (the devnet's
 * services). The bench mines `blocks` blocks on 31338, requests the state of each over HTTP (`concurrency` in flight),
 * and waits until every one is confirmed on 31337 by confirmState. Confirmations per second = blocks / (last
 * confirmation − first request); latency of one = its confirmation time minus its request time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnet } from '../src/devnet/devnet.ts';
import { multiProverOnlyServices } from '../src/devnet/multiProverServices.ts';

/** Figures of one run. */
export type MultiProverThroughput = {
  blocks: number;
  confirmed: number;
  confirmationsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
};

type Task = { taskId: string; status: string; aggregatedAt: string | null; confirmation: { status: string; updatedAt: string } | null };

/** Runs one devnet and measures. */
export async function measureMultiProverThroughput(options: { blocks: number; concurrency: number; log?: (line: string) => void }): Promise<MultiProverThroughput> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-mp-'));
  const devnet = await startDevnet({ operators: 4, remoteChains: 1, dir, services: multiProverOnlyServices({ logLevel: 'silent', everyBlocks: false }) });
  try {
    const url = devnet.services!.multiProver!.aggregator.url;
    const remote = devnet.clients.get(31338)!;
    await remote.request({ method: 'anvil_mine', params: [`0x${(options.blocks + 4).toString(16)}`] } as never);
    const head = await remote.getBlockNumber();
    const numbers = Array.from({ length: options.blocks }, (_, i) => head - 2n - BigInt(i));
    log(`  requesting ${numbers.length} blocks of 31338, ${options.concurrency} in flight`);
    const sentAt = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < numbers.length) {
        const blockNumber = numbers[next++];
        const started = Date.now();
        const response = await fetch(`${url}/v1/multi-prover/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chainId: 31338, blockNumber: blockNumber.toString() }),
        });
        const task = (await response.json()) as Task;
        sentAt.set(task.taskId, started);
      }
    };
    const first = Date.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const done = new Map<string, number>();
    const deadline = Date.now() + 10 * 60_000;
    while (done.size < sentAt.size && Date.now() < deadline) {
      for (const id of sentAt.keys()) {
        if (done.has(id)) continue;
        const task = (await (await fetch(`${url}/v1/multi-prover/tasks/${id}`)).json()) as Task;
        if (task.confirmation?.status === 'confirmed') done.set(id, Date.parse(task.confirmation.updatedAt));
        else if (task.status === 'failed' || task.confirmation?.status === 'failed') done.set(id, Number.NaN);
      }
      if (done.size < sentAt.size) await new Promise((r) => setTimeout(r, 200));
    }
    const latencies = [...done].filter(([, at]) => Number.isFinite(at)).map(([id, at]) => at - (sentAt.get(id) as number)).sort((a, b) => a - b);
    const last = Math.max(...[...done.values()].filter(Number.isFinite));
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
    return {
      blocks: numbers.length,
      confirmed: latencies.length,
      confirmationsPerSecond: Math.round((latencies.length / ((last - first) / 1000)) * 10) / 10,
      latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 },
    };
  } finally {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
