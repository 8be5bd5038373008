/**
 * Local chains for the devnet: one anvil child process per chain, on a free port, stopped cleanly with its parent.
 *
 * Every anvil gets a guard (a tiny `sh` that blocks reading a pipe from this process): when this process dies in any
 * way, even by SIGKILL, the pipe closes and the guard terminates that anvil, so a devnet never leaves orphans behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { FoundryNotFoundError, foundryBinary } from './foundry.ts';

/** How an anvil chain produces blocks. */
export type MiningMode =
  /** A block per transaction, nothing in between (fastest for deploying; time only moves with transactions). */
  | { mode: 'auto' }
  /** A block every `blockTime` seconds, transactions wait for it. */
  | { mode: 'interval'; blockTime: number }
  /** A block per transaction and also a block every `blockTime` seconds (the devnet default: fast and live). */
  | { mode: 'mixed'; blockTime: number };

/** Options for {@link startAnvil}. */
export type AnvilOptions = {
  /** Chain id (31337 is the devnet's main chain). */
  chainId: number;
  /** TCP port; default 0, a free port chosen by the operating system. */
  port?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Block production; default `{ mode: 'mixed', blockTime: 1 }`. */
  mining?: MiningMode;
  /** Number of dev accounts (anvil's default mnemonic); default 20. */
  accounts?: number;
  /** EVM hardfork (anvil's `--hardfork`, e.g. `cancun` for a chain without the EIP-2935 history); default anvil's latest. */
  hardfork?: string;
  /** Ether balance of each dev account; default 10,000. */
  balance?: number;
  /** Genesis block timestamp (unix seconds); default now. */
  timestamp?: bigint;
  /** anvil executable; default {@link anvilBinary}: `ANVIL_PATH`, or this platform's `@foundry-rs/anvil-<os>-<arch>`. */
  binary?: string;
  /** Give up starting after this many milliseconds; default 30,000. */
  startTimeoutMs?: number;
  /** Receives anvil's output lines (block and transaction logs); default: discarded. */
  onLog?: (line: string, chainId: number) => void;
};

/** A running anvil chain. */
export type AnvilChain = {
  chainId: number;
  /** HTTP JSON-RPC endpoint. */
  rpcUrl: string;
  /** WebSocket JSON-RPC endpoint (same port). */
  wsUrl: string;
  port: number;
  pid: number;
  /** Resolves when the process has exited (after {@link AnvilChain.stop} or on its own). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Terminates the chain (SIGTERM, then SIGKILL after `graceMs`, default 5,000) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>;
};

/** Thrown when anvil cannot be found, does not start, or does not answer in time. */
export class AnvilStartError extends Error {
  override name = 'AnvilStartError';
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Path of the anvil executable: `ANVIL_PATH`, else the binary of this platform's `@foundry-rs/anvil-<os>-<arch>`
 * (src/devnet/foundry.ts).
 * @throws {AnvilStartError} when there is none, with the reason (unsupported platform, package not installed).
 */
export function anvilBinary(): string {
  try {
    return foundryBinary('anvil');
  } catch (error) {
    if (error instanceof FoundryNotFoundError) throw new AnvilStartError(error.message, { cause: error });
    throw error;
  }
}

function anvilArgs(options: AnvilOptions): string[] {
  const mining = options.mining ?? { mode: 'mixed', blockTime: 1 };
  const args = [
    '--chain-id', String(options.chainId),
    '--port', String(options.port ?? 0),
    '--host', options.host ?? '127.0.0.1',
    '--accounts', String(options.accounts ?? 20),
    '--balance', String(options.balance ?? 10_000),
    ...(options.hardfork ? ['--hardfork', options.hardfork] : []),
  ];
  if (options.timestamp !== undefined) args.push('--timestamp', options.timestamp.toString());
  if (mining.mode === 'interval') args.push('--block-time', String(mining.blockTime), '--no-mining');
  if (mining.mode === 'mixed') args.push('--block-time', String(mining.blockTime), '--mixed-mining');
  return args;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort on a normal exit; the guards cover signals and crashes.
  process.on('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Spawns a guard that terminates `pid` when this process dies: it blocks reading its stdin, a pipe only this process
 * holds, which the kernel closes however this process ends.
 */
function spawnGuard(pid: number): ChildProcess {
  const guard = spawn('sh', ['-c', 'read _ignored; kill -TERM "$1" 2>/dev/null', 'avs-anvil-guard', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  guard.on('error', () => {});
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}

/**
 * Starts one anvil chain and waits until it answers `eth_chainId` with the expected id.
 * @throws {AnvilStartError} when the process fails, exits early or does not answer within `startTimeoutMs`.
 */
export async function startAnvil(options: AnvilOptions): Promise<AnvilChain> {
  const binary = options.binary ?? anvilBinary();
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  installExitHook();

  const child = spawn(binary, anvilArgs(options), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  // A detached child would otherwise keep its own process group alive past us; the guard and exit hook handle that.
  child.unref();

  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    function fail(reason: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      const tail = output.slice(-5).join(' | ');
      reject(new AnvilStartError(`anvil (chain ${options.chainId}) ${reason}${tail ? `: ${tail}` : ''}`));
    }
    const onError = (error: Error) => fail(`could not be spawned from ${binary}: ${error.message}`);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited early (${signal ?? `code ${code}`})`);
    child.once('error', onError);
    child.once('exit', onEarlyExit);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trimEnd();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        if (output.length < 200) output.push(line);
        options.onLog?.(line, options.chainId);
        const match = /Listening on [^\s]*:(\d+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          child.off('error', onError);
          child.off('exit', onEarlyExit);
          child.on('error', () => {});
          resolve(Number(match[1]));
        }
      }
    };
    // Keep draining after start so a chatty anvil never blocks on a full pipe.
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  (child.stdout as unknown as Socket).unref();
  (child.stderr as unknown as Socket).unref();

  const guard = spawnGuard(child.pid!);
  void exited.then(() => {
    try {
      guard.kill('SIGKILL');
    } catch {
      // already gone
    }
  });

  const host = options.host ?? '127.0.0.1';
  const rpcUrl = `http://${host}:${port}`;
  await waitForChainId(rpcUrl, options.chainId, timeoutMs).catch(async (error: Error) => {
    child.kill('SIGKILL');
    await exited;
    throw new AnvilStartError(`anvil (chain ${options.chainId}) at ${rpcUrl} does not answer: ${error.message}`);
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  return { chainId: options.chainId, rpcUrl, wsUrl: `ws://${host}:${port}`, port, pid: child.pid!, exited, stop };
}

async function waitForChainId(rpcUrl: string, chainId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      const body = (await response.json()) as { result?: string };
      if (body.result !== undefined) {
        if (Number(body.result) === chainId) return;
        throw new AnvilStartError(`answers chain id ${Number(body.result)} instead of ${chainId}`);
      }
      last = JSON.stringify(body);
    } catch (error) {
      if (error instanceof AnvilStartError) throw error;
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(last);
}

/**
 * Starts several chains in parallel (e.g. 31337 and 31338). If any fails, the ones already started are stopped.
 * @throws {AnvilStartError} from the first chain that failed.
 */
export async function startAnvils(chainIds: readonly number[], options: Omit<AnvilOptions, 'chainId' | 'port'> = {}): Promise<AnvilChain[]> {
  const results = await Promise.allSettled(chainIds.map((chainId) => startAnvil({ ...options, chainId })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<AnvilChain>).value);
}

/** Stops chains in parallel; never throws. */
export async function stopAnvils(chains: readonly AnvilChain[]): Promise<void> {
  await Promise.allSettled(chains.map((c) => c.stop()));
}
