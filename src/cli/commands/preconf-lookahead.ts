/**
 * `avs preconf lookahead`: the proposer lookahead as a preconf gateway serves it (`GET /v1/lookahead?chainId=`): each
 * upcoming slot's proposer, the registry's view of it, and whether the gateway can preconfirm in it now and why not.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { readJsonFile } from '../../core/chain/deployment.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { DEFAULT_DEPLOYMENT_PATH, parseUint } from '../options.ts';
import { printJson } from '../output.ts';
import type { PreconfGlobals } from '../preconf-context.ts';
import { PRECONF_GATEWAY_PORT } from '../../services/preconf/config.ts';

/** The gateway's URL when neither `--gateway` nor the deployment file names one. */
export const DEFAULT_GATEWAY_URL = `http://127.0.0.1:${PRECONF_GATEWAY_PORT}`;

const decimal = z.string().regex(/^\d+$/, { error: 'expected a decimal string' });
const lookaheadResponseSchema = z.object({
  chainId: decimal.nullable(),
  slots: z.array(
    z.object({
      slot: decimal,
      startsAt: z.string().nullable(),
      validatorIndex: decimal,
      pubkey: z.string(),
      blsPubKeyHash: z.string(),
      operator: z.string().nullable(),
      registered: z.boolean(),
      backedByStake: z.boolean(),
      delegateKey: z.string().nullable(),
      chainIds: z.array(decimal),
      canPreconf: z.boolean(),
      reason: z.string().nullable(),
    }),
  ),
});

/** The gateway's lookahead as `GET /v1/lookahead` answers it (numbers as decimal strings, times as ISO 8601). */
export type GatewayLookahead = z.infer<typeof lookaheadResponseSchema>;

/**
 * The gateway's base URL: `option`, else `aggregator.preconfUrl` of the deployment file (written by `avs devnet`) when
 * the file exists and has one, else {@link DEFAULT_GATEWAY_URL}; without a trailing slash.
 * @throws {UsageError} when the URL given is not an http(s) URL.
 */
export function resolveGatewayUrl(option: string | undefined, deploymentPath: string | undefined): string {
  const url = option ?? preconfUrlOfDeploymentFile(deploymentPath ?? DEFAULT_DEPLOYMENT_PATH) ?? DEFAULT_GATEWAY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--gateway must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--gateway must be an http(s) URL, got "${url}"`);
  return url.replace(/\/+$/, '');
}

/** `aggregator.preconfUrl` of a deployment file, or undefined when the file cannot be read or has none. */
function preconfUrlOfDeploymentFile(path: string): string | undefined {
  try {
    const json = readJsonFile(path, 'deployment file', (message) => new Error(message)) as { aggregator?: { preconfUrl?: unknown } } | null;
    return typeof json?.aggregator?.preconfUrl === 'string' ? json.aggregator.preconfUrl : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the gateway's lookahead, judged for `chainId` when given.
 * @throws {CommandFailedError} naming the URL when the gateway cannot be reached, answers an error, or answers
 *         something that is not a lookahead.
 */
export async function fetchGatewayLookahead(gatewayUrl: string, chainId: bigint | undefined): Promise<GatewayLookahead> {
  const url = `${gatewayUrl}/v1/lookahead${chainId === undefined ? '' : `?chainId=${chainId}`}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(15_000), headers: { accept: 'application/json' } });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CommandFailedError(`cannot reach the preconf gateway at ${gatewayUrl}: ${cause} (pass --gateway, or start one)`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CommandFailedError(`GET ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 120)}`);
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | null)?.message;
    throw new CommandFailedError(`GET ${url} answered ${response.status}: ${typeof message === 'string' ? message : text.slice(0, 200)}`);
  }
  const parsed = lookaheadResponseSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new CommandFailedError(`GET ${url} answered something that is not a lookahead: ${first.path.join('.') || '(root)'}: ${first.message}`);
  }
  return parsed.data;
}

/** Adds `lookahead` under `preconf`. */
export function registerPreconfLookaheadCommand(preconf: Command): void {
  preconf
    .command('lookahead')
    .description(
      'the upcoming beacon slots as a preconf gateway sees them: proposer, its operator and chains, and whether the gateway can preconfirm in the slot now (for --chain-id, else for any chain) and why not',
    )
    .option('--gateway <url>', `the gateway’s base URL (default: aggregator.preconfUrl of the deployment file, else ${DEFAULT_GATEWAY_URL})`)
    .option('--chain-id <n>', 'judge each slot for this chain (EIP-155 id)')
    .option('--json', 'print the gateway’s answer as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<PreconfGlobals & { gateway?: string; chainId?: string }>();
      const chainId = opts.chainId === undefined ? undefined : parseUint('--chain-id', opts.chainId);
      if (chainId === 0n) throw new UsageError('--chain-id must be a positive chain id');
      const gateway = resolveGatewayUrl(opts.gateway, opts.deployment);
      const lookahead = await fetchGatewayLookahead(gateway, chainId);
      if (opts.json) {
        printJson(lookahead);
        return;
      }
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const open = lookahead.slots.filter((s) => s.canPreconf).length;
      out(`${gateway}: ${lookahead.slots.length} slots, ${open} preconfirmable ${lookahead.chainId === null ? 'for some chain' : `for chain ${lookahead.chainId}`}`);
      if (lookahead.slots.length === 0) return;
      const rows = lookahead.slots.map((s) => [
        s.slot,
        s.startsAt ?? '',
        s.validatorIndex,
        s.operator ?? '(not registered)',
        s.chainIds.length ? s.chainIds.join(',') : '-',
        s.canPreconf ? 'yes' : `no: ${s.reason ?? 'unknown'}`,
      ]);
      printTable(['slot', 'starts', 'validator', 'operator', 'chains', 'preconf'], rows, out);
    });
}

/** Left-aligned columns two spaces apart. */
function printTable(header: readonly string[], rows: readonly (readonly string[])[], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  out(line(header));
  for (const r of rows) out(line(r));
}
