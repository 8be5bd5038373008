/**
 * The multi-prover's operator set, read from the main chain's MultiProverRegistry: per reference epoch, each operator's
 * weight in every quorum (its slashable stake in that quorum's operator set, checkpointed per effective epoch), its
 * BN254 key (G1 from the registry, G2 from its `BLSKeyRegistered` event, which the registry emitted only after the
 * proof of possession bound both halves), and each quorum's total and threshold weight. Operators the registry froze
 * after a slash leave every snapshot from then on.
 *
 * The hub authenticates a BLS operator by its own address (`OperatorEntry.signingKey` is the operator) and its BLS
 * signature; the engine counts an answer in every quorum the operator belongs to at the epoch.
 */
import { type Address, type PublicClient, getAddress, hexToBytes } from 'viem';
import { MultiProverRegistryAbi } from '../../../core/chain/abis/generated/index.ts';
import type { G2Affine } from '../../../core/crypto/bls.ts';
import type { Logger } from '../../../core/logging.ts';
import { epochReader, eventScanner, registryOperatorEvents, snapshotCache } from '../../../runtime/chainSnapshots.ts';
import { type OperatorEntry, type OperatorSetSnapshot, type OperatorSetSource, type QuorumWeights, withoutOperators } from '../../../runtime/operatorSet.ts';

/** Options of {@link createMultiProverOperatorSetSource}. */
export type MultiProverOperatorSetOptions = {
  client: PublicClient;
  /** The MultiProverRegistry. */
  registry: Address;
  /** The EpochManager. */
  epochManager: Address;
  /** How long the current epoch and future epochs' snapshots are reused, ms (default 2,000). */
  refreshMs?: number;
  /** First block to scan for the registry's events (default 0). */
  fromBlock?: bigint;
  logger?: Logger;
};

const BPS = 10_000n;

/** An {@link OperatorSetSource} over the MultiProverRegistry (see the module comment). */
export function createMultiProverOperatorSetSource(options: MultiProverOperatorSetOptions): OperatorSetSource {
  const { client, registry, logger } = options;
  const refreshMs = options.refreshMs ?? 2_000;
  const epochs = epochReader(client, options.epochManager, refreshMs);
  const read = <F extends string>(functionName: F, args: readonly unknown[] = []) =>
    client.readContract({ address: registry, abi: MultiProverRegistryAbi, functionName, args } as never) as Promise<unknown>;

  const g2Keys = new Map<string, G2Affine>();
  const scanKeys = eventScanner({
    client,
    address: registry,
    abi: MultiProverRegistryAbi,
    eventName: 'BLSKeyRegistered',
    fromBlock: options.fromBlock,
    onLogs: (logs) => {
      for (const log of logs) {
        const { operator, keyG2 } = log.args;
        // The contract's G2Point is EIP-197 ordered: X = [c1, c0].
        if (operator && keyG2) g2Keys.set(operator.toLowerCase(), { x: { c0: keyG2.X[1], c1: keyG2.X[0] }, y: { c0: keyG2.Y[1], c1: keyG2.Y[0] } });
      }
    },
  });
  const events = registryOperatorEvents({ client, registry, abi: MultiProverRegistryAbi, fromBlock: options.fromBlock, refreshMs, logger });

  async function load(epoch: number): Promise<OperatorSetSnapshot> {
    const [quorumBytes] = await Promise.all([read('quorumNumbers') as Promise<`0x${string}`>, scanKeys(), events.scanDepartures()]);
    const quorumList = [...hexToBytes(quorumBytes)];
    const members = await Promise.all(quorumList.map((q) => read('getQuorumOperators', [q]) as Promise<readonly Address[]>));
    const candidates = [...new Set([...members.flat().map((a) => getAddress(a)), ...events.departed])];
    const quorums = new Map<number, QuorumWeights>();
    await Promise.all(
      quorumList.map(async (q) => {
        const at = (await read('getQuorumAt', [q, epoch])) as { thresholdBps: number; totalWeight: bigint };
        if (at.thresholdBps === 0) return;
        quorums.set(q, { totalWeight: at.totalWeight, thresholdWeight: (at.totalWeight * BigInt(at.thresholdBps) + BPS - 1n) / BPS });
      }),
    );
    const operators = new Map<string, OperatorEntry>();
    await Promise.all(
      candidates.map(async (operator) => {
        const [key, ...weights] = await Promise.all([
          read('getOperatorKey', [operator]) as Promise<{ X: bigint; Y: bigint }>,
          ...quorumList.map((q) => read('getOperatorWeightAt', [q, operator, epoch]) as Promise<bigint>),
        ]);
        const quorumWeights = new Map<number, bigint>();
        weights.forEach((w, i) => {
          if (w > 0n) quorumWeights.set(quorumList[i], w);
        });
        const g2 = g2Keys.get(operator.toLowerCase());
        if (quorumWeights.size === 0 || !g2) return;
        operators.set(operator.toLowerCase(), {
          operator,
          signingKey: operator,
          weight: [...quorumWeights.values()].reduce((a, b) => a + b, 0n),
          quorumWeights,
          blsKey: { g1: { x: key.X, y: key.Y }, g2 },
        });
      }),
    );
    const sum = (pick: (w: QuorumWeights) => bigint) => [...quorums.values()].reduce((a, w) => a + pick(w), 0n);
    return { epoch, operators, totalWeight: sum((w) => w.totalWeight), thresholdWeight: sum((w) => w.thresholdWeight), quorums };
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
