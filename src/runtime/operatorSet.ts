/**
 * The operator set the aggregator checks signatures against: per reference epoch, each registered operator's signing
 * key and weight, the total weight and the threshold weight, as the main chain's ECDSAStakeRegistry reports them
 * (checkpoints per effective epoch; a lookup returns the latest checkpoint at or before the epoch).
 *
 * An epoch at or before the current one is frozen (changes take effect at current + 1 or + 2), so its snapshot is
 * cached for good; a future epoch's snapshot is re-read after `refreshMs`.
 *
 * Operators the registry froze (its operator set's slasher reports them slashed, e.g. the state-proofs
 * StateDisputeResolver after a wrong attestation) are left out of every snapshot from then on (docs/architecture.md,
 * "Disputes": the aggregator stops serving proofs from them), even of epochs already cached.
 */
import { type Address, type PublicClient, getAddress, zeroAddress } from 'viem';
import { ECDSAStakeRegistryAbi } from '../core/chain/abis/generated/index.ts';
import type { G1Affine, G2Affine } from '../core/crypto/bls.ts';
import type { Logger } from '../core/logging.ts';
import { epochReader, registryOperatorEvents, snapshotCache } from './chainSnapshots.ts';

/** One operator at an epoch. */
export type OperatorEntry = {
  /** Operator address (checksummed). */
  operator: Address;
  /** The operator's signing key at the epoch (checksummed). */
  signingKey: Address;
  /** Weight at the epoch, in the registry's weight units (with quorums: the sum over its quorums). */
  weight: bigint;
  /** BLS registries: the operator's weight in each quorum it belongs to at the epoch (quorum number → weight). */
  quorumWeights?: ReadonlyMap<number, bigint>;
  /** BLS registries: the operator's registered BN254 key, both halves (the G2 half from its registration event). */
  blsKey?: { g1: G1Affine; g2: G2Affine };
};

/** One quorum of a BLS registry at one epoch. */
export type QuorumWeights = {
  /** Sum of the members' weights. */
  totalWeight: bigint;
  /** Signed weight a proof needs in this quorum: ceil(total × thresholdBps / 10000) (0: no proof can be valid). */
  thresholdWeight: bigint;
};

/** The operator set at one epoch. */
export type OperatorSetSnapshot = {
  epoch: number;
  /** Registered operators, keyed by lowercased operator address. */
  operators: Map<string, OperatorEntry>;
  /** Total weight at the epoch. */
  totalWeight: bigint;
  /** Signed weight a proof at this epoch needs (0: no proof can be valid). With quorums: the sum of theirs. */
  thresholdWeight: bigint;
  /**
   * BLS registries: each quorum's total and threshold weight (quorum number → weights). A task whose type names
   * quorums (`TaskType.quorumsOf`) is a proof once, in every quorum it names, its signers' weight reaches that
   * quorum's threshold.
   */
  quorums?: ReadonlyMap<number, QuorumWeights>;
};

/** Where operator sets come from. */
export type OperatorSetSource = {
  /** The main chain's current epoch. */
  currentEpoch(): Promise<number>;
  /** The epoch at which a registration made now takes effect (current + 1, or + 2 in the grace period). */
  effectiveEpoch(): Promise<number>;
  /** The operator set at `epoch`. */
  getSnapshot(epoch: number): Promise<OperatorSetSnapshot>;
  /** Stops background work. */
  close(): void;
};

/**
 * Builds a snapshot from entries (tests, devnets, the chain source). The total weight defaults to the sum of weights.
 */
export function buildOperatorSetSnapshot(
  epoch: number,
  entries: readonly { operator: Address; signingKey: Address; weight: bigint }[],
  weights: { thresholdWeight: bigint; totalWeight?: bigint },
): OperatorSetSnapshot {
  const operators = new Map<string, OperatorEntry>();
  let sum = 0n;
  for (const e of entries) {
    operators.set(e.operator.toLowerCase(), { operator: getAddress(e.operator), signingKey: getAddress(e.signingKey), weight: e.weight });
    sum += e.weight;
  }
  return { epoch, operators, totalWeight: weights.totalWeight ?? sum, thresholdWeight: weights.thresholdWeight };
}

/** A mutable in-memory source: set snapshots and epochs by hand (tests, embedded devnets). */
export type StaticOperatorSetSource = OperatorSetSource & {
  setSnapshot(snapshot: OperatorSetSnapshot): void;
  setCurrentEpoch(epoch: number, effectiveEpoch?: number): void;
};

/**
 * An in-memory {@link OperatorSetSource}. An epoch without a snapshot of its own gets the latest one before it (as the
 * registry's checkpoints do), or an empty set.
 */
export function staticOperatorSetSource(snapshots: readonly OperatorSetSnapshot[], currentEpoch: number): StaticOperatorSetSource {
  const byEpoch = new Map<number, OperatorSetSnapshot>(snapshots.map((s) => [s.epoch, s]));
  let current = currentEpoch;
  let effective = currentEpoch + 1;
  return {
    async currentEpoch() {
      return current;
    },
    async effectiveEpoch() {
      return effective;
    },
    async getSnapshot(epoch) {
      let best: OperatorSetSnapshot | undefined;
      for (const s of byEpoch.values()) if (s.epoch <= epoch && (!best || s.epoch > best.epoch)) best = s;
      return best ? { ...best, epoch } : { epoch, operators: new Map(), totalWeight: 0n, thresholdWeight: 0n };
    },
    setSnapshot(snapshot) {
      byEpoch.set(snapshot.epoch, snapshot);
    },
    setCurrentEpoch(epoch, effectiveEpoch = epoch + 1) {
      current = epoch;
      effective = effectiveEpoch;
    },
    close() {},
  };
}

/** Options of {@link createChainOperatorSetSource}. */
export type ChainOperatorSetSourceOptions = {
  /** Main-chain client. */
  client: PublicClient;
  /** The ECDSAStakeRegistry. */
  stakeRegistry: Address;
  /** The EpochManager. */
  epochManager: Address;
  /** How long the current epoch and future epochs' snapshots are reused, in milliseconds (default 2,000). */
  refreshMs?: number;
  /** First block to scan for `OperatorDeregistered` and `OperatorFrozen` events (default 0). */
  fromBlock?: bigint;
  logger?: Logger;
};

/**
 * An {@link OperatorSetSource} reading the main chain: `EpochManager.currentEpoch/effectiveEpoch`, and per epoch
 * `ECDSAStakeRegistry.getOperators`, `getOperatorSigningKeyAtEpoch`, `getSigningWeightAtEpoch` (the weight a signature
 * counts for on-chain now: the checkpointed weight lowered to the slashable stake),
 * `getTotalWeightAtEpoch` and `getThresholdWeightAtEpoch` (concurrent calls, which the project's HTTP transport
 * batches into one JSON-RPC request).
 *
 * `getOperators()` lists operators as of the latest change, so an operator whose deregistration is queued but not yet
 * effective is missing from it; operators named in `OperatorDeregistered` events (scanned incrementally from
 * `fromBlock`) are added to the candidates, and every candidate is kept only if it has a signing key at the epoch.
 */
export function createChainOperatorSetSource(options: ChainOperatorSetSourceOptions): OperatorSetSource {
  const { client, stakeRegistry, epochManager, logger } = options;
  const refreshMs = options.refreshMs ?? 2_000;
  const epochs = epochReader(client, epochManager, refreshMs);
  const events = registryOperatorEvents({ client, registry: stakeRegistry, abi: ECDSAStakeRegistryAbi, fromBlock: options.fromBlock, refreshMs, logger });

  async function load(epoch: number): Promise<OperatorSetSnapshot> {
    const [listed] = await Promise.all([
      client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getOperators' }),
      events.scanDepartures(),
    ]);
    const candidates = [...new Set([...listed.map((a) => getAddress(a)), ...events.departed])];
    const e = epoch;
    const [rows, totalWeight, thresholdWeight] = await Promise.all([
      Promise.all(
        candidates.map(async (operator) => {
          const [signingKey, weight] = await Promise.all([
            client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getOperatorSigningKeyAtEpoch', args: [operator, e] }),
            client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getSigningWeightAtEpoch', args: [operator, e] }),
          ]);
          return { operator, signingKey, weight };
        }),
      ),
      client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getTotalWeightAtEpoch', args: [e] }),
      client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getThresholdWeightAtEpoch', args: [e] }),
    ]);
    const registered = rows.filter((r) => r.signingKey !== zeroAddress);
    return buildOperatorSetSnapshot(epoch, registered, { thresholdWeight, totalWeight });
  }

  const snapshot = snapshotCache({ refreshMs, epochs, load });
  return {
    async currentEpoch() {
      return (await epochs()).current;
    },
    async effectiveEpoch() {
      return (await epochs()).effective;
    },
    async getSnapshot(epoch) {
      events.scanFreezes();
      return withoutOperators(await snapshot(epoch), events.frozen);
    },
    close() {},
  };
}

/**
 * `snapshot` without the operators in `excluded` (lowercased addresses): frozen operators leave every snapshot, even
 * of epochs already cached. The same object when none of them is in it.
 */
export function withoutOperators(snapshot: OperatorSetSnapshot, excluded: ReadonlySet<string>): OperatorSetSnapshot {
  if (excluded.size === 0) return snapshot;
  let removed = false;
  for (const key of snapshot.operators.keys()) if (excluded.has(key)) removed = true;
  if (!removed) return snapshot;
  return { ...snapshot, operators: new Map([...snapshot.operators].filter(([key]) => !excluded.has(key))) };
}
