/**
 * Epoch arithmetic shared by every service, mirroring `EpochManager.sol` (docs/architecture.md, "Epochs").
 *
 * Times are unix seconds of block time; epochs are uint32 counters from `genesis`.
 * `epoch(t) = floor((t - genesis) / length)`. A change made at time `t` takes effect at `epoch(t) + 1`,
 * or at `epoch(t) + 2` when `t` falls in the last `grace` seconds of its epoch.
 */

/** Deployment parameters of an epoch clock, all in seconds. */
export type EpochConfig = {
  /** Unix time (seconds) at which epoch 0 starts. */
  genesis: bigint;
  /** Epoch length in seconds (default 7 days). */
  length: bigint;
  /** Grace period in seconds at the end of each epoch (default 1 day); strictly less than `length`. */
  grace: bigint;
};

/** Start, grace start and end (exclusive) of one epoch, in unix seconds. */
export type EpochInterval = { start: bigint; graceStart: bigint; end: bigint };

/** Thrown when an epoch configuration is unusable or a time precedes genesis. */
export class EpochError extends Error {
  override name = 'EpochError';
}

/** Defaults of a deployment: 7-day epochs with a 1-day grace period. */
export const DEFAULT_EPOCH_LENGTH = 7n * 24n * 3600n;
export const DEFAULT_GRACE_PERIOD = 24n * 3600n;

/**
 * Checks an epoch configuration.
 * @throws {EpochError} when length is zero or grace is not below length.
 */
export function assertEpochConfig(config: EpochConfig): void {
  if (config.length <= 0n) throw new EpochError('epoch length must be positive');
  if (config.grace < 0n || config.grace >= config.length) {
    throw new EpochError('grace period must be at least 0 and shorter than the epoch length');
  }
}

/**
 * The epoch containing time `t`.
 * @throws {EpochError} when `t` is before genesis.
 */
export function epochAt(config: EpochConfig, t: bigint): number {
  if (t < config.genesis) throw new EpochError(`time ${t} is before epoch genesis ${config.genesis}`);
  return Number((t - config.genesis) / config.length);
}

/** Start, grace start and end (exclusive) of `epoch`, in unix seconds. */
export function epochInterval(config: EpochConfig, epoch: number): EpochInterval {
  const start = config.genesis + BigInt(epoch) * config.length;
  const end = start + config.length;
  return { start, graceStart: end - config.grace, end };
}

/** True when `t` falls in the grace period (the last `grace` seconds) of its epoch. */
export function isInGracePeriod(config: EpochConfig, t: bigint): boolean {
  return t >= epochInterval(config, epochAt(config, t)).graceStart;
}

/** The epoch at which a registry change made at time `t` takes effect. */
export function effectiveEpochAt(config: EpochConfig, t: bigint): number {
  return epochAt(config, t) + (isInGracePeriod(config, t) ? 2 : 1);
}
