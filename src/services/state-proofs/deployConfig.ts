/**
 * The file `avs deploy` reads: where to deploy the state-proofs AVS on a public network (or any chain with an EigenLayer
 * core) and with which parameters. Documented key by key in docs/avs-team-guide.md; templates in config/
 * (deploy.mainnet.example.json, deploy.sepolia.example.json).
 */
import { isAddress } from 'viem';
import { z } from 'zod';
import { readJsonFile } from '../../core/chain/deployment.ts';
import { addressSchema as address, decimalSchema as uint, eigenLayerCoreSchema, rpcUrlSchema } from '../../core/chain/schemas.ts';

const chain = z.object({ chainId: z.number().int().positive(), name: z.string().optional(), rpcUrl: rpcUrlSchema });

/** Schema of a deploy config file; amounts in wei, durations in seconds. */
export const deployConfigSchema = z
  .object({
    mainChain: chain,
    /** Each remote chain and the Abridge endpoints connecting it to the main chain (`main` lives on the main chain). */
    remoteChains: z.array(chain.extend({ bridge: z.object({ local: address, main: address }) })).default([]),
    eigenlayer: eigenLayerCoreSchema,
    /** Strategies of the quorum with multipliers in basis points of a share (10,000 = 1×). */
    quorum: z.array(z.object({ strategy: address, multiplier: uint.default(10_000n) })).min(1, 'the quorum needs at least one strategy'),
    epoch: z.object({
      /** Unix seconds; default: the main chain's latest block time when the deployment starts. */
      genesis: uint.optional(),
      /**
       * Required: with slashing, `(2 + maxProofAgeEpochs) × length + disputes.resolutionPeriod` must fit in EigenLayer's
       * deallocation and withdrawal delays (14 days on Ethereum mainnet), which rules out the 7-day default of devnets' docs.
       */
      length: uint,
      grace: uint,
    }),
    thresholdBps: z.number().int().min(1).max(10_000).default(6_667),
    minimumWeight: uint.refine((w) => w > 0n, "must be above 0: operators below it cannot register").default(10n ** 18n),
    maxProofAgeEpochs: z.number().int().min(1).max(1_000).default(2),
    /** Final owner of every contract (e.g. a multisig); default the deployer. */
    owner: address.optional(),
    /** The aggregator's epoch publisher account (submits rewards); default the deployer. */
    rewardsInitiator: address.optional(),
    metadataUri: z.string().url(),
    disputes: z.object({
      minBond: uint,
      resolutionPeriod: uint,
      /** Wad (1e18 = 100%) of each wrong signer's allocation. */
      wadToSlash: uint,
      challengerReward: uint,
      bondRecipient: address,
      /** Lower bound of the main chain's block time, seconds (12 on Ethereum networks). */
      minBlockTime: z.number().int().min(1).default(12),
      /** Funding of the challenger reward pool sent with the deployment, wei. */
      rewardPool: uint.default(0n),
    }),
    /** Blocks each deployment transaction waits on top of its receipt. */
    confirmations: z.number().int().min(1).max(64).default(2),
  })
  // Strict: a misspelt key is an error, not a silently ignored setting.
  .strict()
  .superRefine((config, ctx) => {
    const ids = [config.mainChain.chainId, ...config.remoteChains.map((c) => c.chainId)];
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['remoteChains', i - 1, 'chainId'], message: `chain ${id} is listed twice` });
    });
    // The refinement runs even when a strategy failed its own check (a `<placeholder>`): compare valid addresses only.
    const strategies = config.quorum.map((q) => (isAddress(q.strategy, { strict: false }) ? BigInt(q.strategy) : undefined));
    for (let i = 1; i < strategies.length; i++) {
      const [previous, current] = [strategies[i - 1], strategies[i]];
      if (previous !== undefined && current !== undefined && current <= previous) {
        ctx.addIssue({ code: 'custom', path: ['quorum', i, 'strategy'], message: 'strategies must be in ascending address order, without repeats' });
      }
    }
    if (config.epoch.grace >= config.epoch.length) {
      ctx.addIssue({ code: 'custom', path: ['epoch', 'grace'], message: 'the grace period must be shorter than the epoch' });
    }
    if (config.disputes.wadToSlash === 0n || config.disputes.wadToSlash > 10n ** 18n) {
      ctx.addIssue({ code: 'custom', path: ['disputes', 'wadToSlash'], message: 'must be from 1 to 1e18 (100%)' });
    }
  });

/** A validated deploy config. */
export type DeployConfig = z.infer<typeof deployConfigSchema>;

/** Thrown for an unreadable or invalid deploy config; the message names the file and the key. */
export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/**
 * Validates a parsed deploy config. Keys starting with `$` (e.g. `$comment`) are notes, ignored at any level, as in
 * the other config files.
 * @throws {DeployConfigError} listing every invalid key, e.g. `deploy.json: disputes.minBond: expected a decimal integer`.
 */
export function parseDeployConfig(value: unknown, source = 'deploy config'): DeployConfig {
  const result = deployConfigSchema.safeParse(withoutNotes(value));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new DeployConfigError(`${source}: ${problems.join('; ')}`);
}

/** `value` without its `$`-keys, recursively (JSON has no comments; `$comment` is the convention). */
function withoutNotes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNotes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('$')).map(([key, child]) => [key, withoutNotes(child)]));
}

/**
 * Reads and validates a deploy config JSON file.
 * @throws {DeployConfigError} when the file cannot be read or parsed, or is invalid.
 */
export function readDeployConfig(path: string): DeployConfig {
  return parseDeployConfig(readJsonFile(path, 'deploy config', (message) => new DeployConfigError(message)), path);
}
