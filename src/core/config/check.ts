/**
 * Probes behind `avs config check`: each reaches one thing a configuration names (an RPC endpoint, the database, a
 * keystore, the aggregator, a listening port) and reports ok or a failure in one line. Probes never throw and never
 * put a secret in their detail: URLs are shown without credentials, paths or query, keys by their address only.
 */
import { access, constants, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { type Address, createPublicClient, http } from 'viem';
import { type DecryptedKey, keystoreAddress, readKeystoreFile, readKeystoreJson } from '../crypto/keystore.ts';
import { openDatabase } from '../db/index.ts';

/** The outcome of one probe. */
export type ConfigCheck = {
  /** What was checked, e.g. `rpc 31337`, `database`, `keystore`. */
  name: string;
  ok: boolean;
  /** One line: what was found (`chain 31337, block 120, 3 ms`) or what is wrong. Never a secret. */
  detail: string;
  /** Figures of a passed check, for `--json` (block number, latency in ms, address). */
  data?: Record<string, string | number | boolean>;
};

/** A URL as safe to print: scheme, host and port only (paths and queries often carry API keys). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname !== '/' || u.search ? '/…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

/**
 * Calls `eth_chainId` and `eth_blockNumber` on `url` (no retries) and compares the chain id with `chainId`.
 * Latency is the `eth_chainId` round trip in ms.
 */
export async function probeRpc(chainId: number, url: string, timeoutMs = 5_000): Promise<ConfigCheck> {
  const name = `rpc ${chainId}`;
  const client = createPublicClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0 }) });
  try {
    const started = performance.now();
    const actual = await client.getChainId();
    const latencyMs = Math.round(performance.now() - started);
    if (actual !== chainId) {
      return { name, ok: false, detail: `${displayUrl(url)} serves chain ${actual}, not ${chainId}` };
    }
    const block = await client.getBlockNumber({ cacheTime: 0 });
    return {
      name,
      ok: true,
      detail: `${displayUrl(url)}: chain ${actual}, block ${block}, ${latencyMs} ms`,
      data: { chainId: actual, blockNumber: block.toString(), latencyMs },
    };
  } catch (error) {
    return { name, ok: false, detail: `cannot reach ${displayUrl(url)}: ${shortReason(error)}` };
  }
}

/**
 * The database: Postgres is opened (the pool runs `select 1`) and closed; an SQLite file that exists is opened and
 * queried, one that does not yet exist must have a writable directory (nothing is created).
 */
export async function probeDatabase(database: { url?: string; sqlitePath: string }): Promise<ConfigCheck> {
  const name = 'database';
  if (database.url) {
    try {
      const db = await openDatabase({ url: database.url });
      const location = db.location;
      await db.close();
      return { name, ok: true, detail: `Postgres ${location} reachable`, data: { dialect: 'postgres' } };
    } catch (error) {
      return { name, ok: false, detail: shortReason(error) };
    }
  }
  const path = resolve(database.sqlitePath);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    const dir = await nearestExisting(dirname(path));
    if (!dir.isDirectory) return { name, ok: false, detail: `SQLite ${path} cannot be created: ${dir.path} is not a directory` };
    try {
      await access(dir.path, constants.W_OK);
      return { name, ok: true, detail: `SQLite ${path} will be created (${dir.path} is writable)`, data: { dialect: 'sqlite' } };
    } catch {
      return { name, ok: false, detail: `SQLite ${path} cannot be created: ${dir.path} is not writable` };
    }
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
    const db = await openDatabase({ sqlitePath: path });
    try {
      await db.kysely.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    } finally {
      await db.close();
    }
    return { name, ok: true, detail: `SQLite ${path} opens and is writable`, data: { dialect: 'sqlite' } };
  } catch (error) {
    return { name, ok: false, detail: `SQLite ${path}: ${shortReason(error)}` };
  }
}

/** The nearest existing ancestor of `dir` (itself included), and whether it is a directory. */
async function nearestExisting(dir: string): Promise<{ path: string; isDirectory: boolean }> {
  let current = dir;
  for (;;) {
    const found = await stat(current).then(
      (s) => ({ path: current, isDirectory: s.isDirectory() }),
      () => undefined,
    );
    if (found) return found;
    if (dirname(current) === current) return { path: current, isDirectory: false };
    current = dirname(current);
  }
}

/**
 * A Web3 Secret Storage keystore: readable and well-formed; with a password, decrypted (the key itself is returned to
 * the caller for comparisons and never printed).
 */
export async function probeKeystore(file: string, password: string | undefined): Promise<{ check: ConfigCheck; key?: DecryptedKey }> {
  const name = 'keystore';
  try {
    const json = await readKeystoreJson(file);
    const declared = keystoreAddress(json, file);
    if (password === undefined) {
      return {
        check: {
          name,
          ok: true,
          detail: `${file} readable${declared ? ` (address ${declared})` : ''}; not decrypted: no password file or AVS_KEYSTORE_PASSWORD`,
          data: declared ? { address: declared } : undefined,
        },
      };
    }
    const key = await readKeystoreFile(file, password);
    return { check: { name, ok: true, detail: `${file} decrypts to ${key.address}`, data: { address: key.address } }, key };
  } catch (error) {
    return { check: { name, ok: false, detail: shortReason(error) } };
  }
}

/** Compares a signing key's address with the one registered for `operator` (`registered` from the chain). */
export function compareSigningKey(operator: Address, actual: Address, registered: Address): ConfigCheck {
  const name = 'signing key';
  if (registered.toLowerCase() === actual.toLowerCase()) {
    return { name, ok: true, detail: `${actual} is the registered signing key of ${operator}`, data: { address: actual } };
  }
  if (/^0x0{40}$/.test(registered)) return { name, ok: false, detail: `${operator} has no registered signing key` };
  return { name, ok: false, detail: `key is ${actual} but ${operator} registered ${registered}` };
}

/** The aggregator's node API health (`GET /eigen/node/health`): 200 or 206 count as reachable. */
export async function probeAggregator(aggregatorUrl: string, timeoutMs = 5_000): Promise<ConfigCheck> {
  const name = 'aggregator';
  let base: URL;
  try {
    base = new URL(aggregatorUrl);
  } catch {
    return { name, ok: false, detail: 'not a URL' };
  }
  // An operator may name the WebSocket endpoint; the health route is on the same host, over HTTP.
  if (base.protocol === 'ws:' || base.protocol === 'wss:') base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:';
  const health = new URL('/eigen/node/health', base);
  try {
    const started = performance.now();
    const response = await fetch(health, { signal: AbortSignal.timeout(timeoutMs) });
    const latencyMs = Math.round(performance.now() - started);
    await response.body?.cancel();
    if (response.status === 200 || response.status === 206) {
      return { name, ok: true, detail: `${displayUrl(base.toString())} health ${response.status}, ${latencyMs} ms`, data: { status: response.status, latencyMs } };
    }
    return { name, ok: false, detail: `${displayUrl(base.toString())} health answered ${response.status}` };
  } catch (error) {
    return { name, ok: false, detail: `cannot reach ${displayUrl(base.toString())}: ${shortReason(error)}` };
  }
}

/** Whether `host:port` can be listened on now (bound and released at once). Port 0 always can. */
export async function probePort(host: string, port: number): Promise<ConfigCheck> {
  const name = 'listen';
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolvePromise({ name, ok: false, detail: `cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'in use' : (error.code ?? error.message)}` }),
    );
    server.listen(port, host, () => server.close(() => resolvePromise({ name, ok: true, detail: `${host}:${port} is free` })));
  });
}

/**
 * One line for an error: its short message, then the innermost cause (e.g. `ECONNREFUSED`), with URLs reduced to
 * their host (they may carry credentials or API keys).
 */
export function shortReason(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  let text = e?.shortMessage ?? e?.message ?? String(error);
  if (/^The request took too long/.test(text)) text = 'timed out';
  type Cause = { cause?: unknown; code?: unknown; message?: unknown };
  let inner = (error as Cause | undefined)?.cause as Cause | undefined;
  let deepest: string | undefined;
  for (let depth = 0; inner && depth < 8; depth++) {
    const why = typeof inner.code === 'string' ? inner.code : typeof inner.message === 'string' ? inner.message : undefined;
    if (why) deepest = why;
    inner = inner.cause as Cause | undefined;
  }
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim().replace(/\.$/, '') ?? 'unknown error';
  const full = deepest && !line.includes(deepest) ? `${line}: ${deepest.split('\n')[0]}` : line;
  return full.replace(/\b(https?|wss?|postgres(?:ql)?):\/\/[^\s"')]+/g, (u) => displayUrl(u));
}
