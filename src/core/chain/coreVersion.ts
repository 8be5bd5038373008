/**
 * Which EigenLayer core release a network runs, read from its contracts' `version()`, and the check that it is one
 * avs-stack works with.
 *
 * In eigenlayer-contracts v1.12.0, `version()` (SemVerMixin, a SemVer 2.0 string such as "1.12.0"; older deploy
 * configs used a leading "v") is exposed by the DelegationManager, the StrategyManager and the AVSDirectory; the
 * AllocationManager, the RewardsCoordinator and the PermissionController have none. Each release stamps only the
 * contracts it redeploys with its own version (v1.12.0 redeployed the StrategyManager and the RewardsCoordinator and
 * kept the rest from v1.9.0), so the core's release is the newest version any of its contracts reports.
 */
import {
  AbiDecodingDataSizeTooSmallError,
  AbiDecodingZeroDataError,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  type PublicClient,
  parseAbi,
} from 'viem';

/**
 * The oldest EigenLayer core release avs-stack supports: v1.9.0-rc.0 brought what it needs (operator sets created with
 * their slasher, `updateSlasher`, `getMinimumSlashableStake`), unchanged through v1.12.0 for every function avs-stack
 * calls. Sepolia and Hoodi run v1.9.0-rc.0.
 */
export const MIN_CORE_VERSION = '1.9.0-rc.0';

const semVerAbi = parseAbi(['function version() view returns (string)']);

/** A parsed semantic version. */
export type SemVer = { major: number; minor: number; patch: number; prerelease: readonly string[] };

/** Parses `1.12.0`, `v1.12.0`, `1.9.0-rc.0` (build metadata, `+…`, is ignored); undefined if it is not SemVer. */
export function parseSemVer(text: string): SemVer | undefined {
  const match = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ? match[4].split('.') : [] };
}

/** SemVer 2.0 precedence: negative if `a` < `b`, 0 if equal, positive if `a` > `b` (a pre-release precedes its release). */
export function compareSemVer(a: SemVer, b: SemVer): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const [x, y] = [a.prerelease[i], b.prerelease[i]];
    const [xNum, yNum] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xNum && yNum && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (xNum !== yNum) return xNum ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.prerelease.length - b.prerelease.length;
}

/** One core contract's answer to `version()`; `version` undefined when it has no such function. */
export type CoreVersionReading = { contract: string; address: Address; version?: string };

/** The core is older than avs-stack supports, or its versions cannot be read as SemVer. */
export class CoreVersionError extends Error {
  override name = 'CoreVersionError';
}

/**
 * Checks the core's release (the newest `version()` of its contracts) against `minimum`.
 * @returns the release and the contract that reports it.
 * @throws {CoreVersionError} naming the newest contract, its version and the minimum; or the contract whose version
 *   is not SemVer; or, when no contract has `version()`, every contract asked.
 */
export function checkCoreVersions(readings: readonly CoreVersionReading[], options: { minimum?: string; chainId?: number } = {}): { version: string; contract: string } {
  const minimum = options.minimum ?? MIN_CORE_VERSION;
  const floor = parseSemVer(minimum);
  if (!floor) throw new RangeError(`minimum core version "${minimum}" is not SemVer`);
  const where = options.chainId === undefined ? '' : ` on chain ${options.chainId}`;
  let newest: { reading: CoreVersionReading; version: SemVer } | undefined;
  for (const reading of readings) {
    if (reading.version === undefined) continue;
    const version = parseSemVer(reading.version);
    if (!version) {
      throw new CoreVersionError(`EigenLayer ${reading.contract} at ${reading.address}${where} reports version() "${reading.version}", not a semantic version: is it an EigenLayer core contract?`);
    }
    if (!newest || compareSemVer(version, newest.version) > 0) newest = { reading, version };
  }
  const others = readings
    .filter((r) => r !== newest?.reading)
    .map((r) => `${r.contract} ${r.version ?? 'without version()'}`)
    .join(', ');
  if (!newest) {
    throw new CoreVersionError(
      `none of the EigenLayer core contracts${where} has version() (${readings.map((r) => `${r.contract} at ${r.address}`).join(', ')}): ` +
        `not an EigenLayer core, or one older than v${minimum}, the oldest avs-stack supports`,
    );
  }
  if (compareSemVer(newest.version, floor) < 0) {
    throw new CoreVersionError(
      `the EigenLayer core${where} is older than v${minimum}, the oldest avs-stack supports: its newest contract, ` +
        `${newest.reading.contract} at ${newest.reading.address}, is version ${newest.reading.version}${others ? ` (${others})` : ''}; ` +
        `use a network whose core is v${minimum} or later`,
    );
  }
  return { version: newest.reading.version!, contract: newest.reading.contract };
}

/** The core contracts of a deploy config or deployment, by config key. */
export type CoreAddresses = { delegationManager: Address; strategyManager: Address; avsDirectory: Address; allocationManager: Address; rewardsCoordinator: Address };

const CONTRACT_NAMES: Record<keyof CoreAddresses, string> = {
  delegationManager: 'DelegationManager',
  strategyManager: 'StrategyManager',
  avsDirectory: 'AVSDirectory',
  allocationManager: 'AllocationManager',
  rewardsCoordinator: 'RewardsCoordinator',
};

/**
 * Asks every core contract for `version()`; a contract without it (the call reverts or returns nothing) reads as
 * undefined. Transport failures are thrown, not taken for a missing function.
 */
export async function readCoreVersions(client: PublicClient, core: CoreAddresses): Promise<CoreVersionReading[]> {
  return Promise.all(
    (Object.keys(CONTRACT_NAMES) as (keyof CoreAddresses)[]).map(async (key) => {
      const address = core[key];
      try {
        const version = await client.readContract({ address, abi: semVerAbi, functionName: 'version' });
        return { contract: CONTRACT_NAMES[key], address, version };
      } catch (error) {
        if (!hasNoVersionFunction(error)) throw error;
        return { contract: CONTRACT_NAMES[key], address };
      }
    }),
  );
}

function hasNoVersionFunction(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return Boolean(
    error.walk(
      (e) =>
        e instanceof ContractFunctionRevertedError ||
        e instanceof ContractFunctionZeroDataError ||
        e instanceof AbiDecodingZeroDataError ||
        e instanceof AbiDecodingDataSizeTooSmallError,
    ),
  );
}

/**
 * Reads the core's versions and checks them ({@link checkCoreVersions}).
 * @throws {CoreVersionError} when the core is older than {@link MIN_CORE_VERSION}.
 */
export async function assertCoreVersion(client: PublicClient, core: CoreAddresses, chainId?: number): Promise<{ version: string; contract: string }> {
  return checkCoreVersions(await readCoreVersions(client, core), { chainId });
}
