/**
 * The parts every chain-backed {@link OperatorSetSource} shares, whatever registry it reads: the EpochManager's
 * current and effective epochs (re-read after `refreshMs`), a per-epoch snapshot cache (an epoch at or before the
 * current one cannot change any more and is kept for good; a later one is re-read after `refreshMs`; concurrent
 * requests for one epoch share one load), and an incremental scan of one contract event.
 */
import type { Abi, Address, ContractEventName, GetContractEventsReturnType, PublicClient } from 'viem';
import { EpochManagerAbi } from '../core/chain/abis/generated/index.ts';
import type { OperatorSetSnapshot } from './operatorSet.ts';

/** The main chain's current epoch and the epoch a change made now takes effect at. */
export type Epochs = { current: number; effective: number };

/** Reads `EpochManager.currentEpoch/effectiveEpoch`, reusing the answer for `refreshMs` (concurrent calls share one read). */
export function epochReader(client: PublicClient, epochManager: Address, refreshMs: number): () => Promise<Epochs> {
  let epochs: (Epochs & { at: number }) | undefined;
  let loading: Promise<Epochs> | undefined;
  return async () => {
    if (epochs && Date.now() - epochs.at < refreshMs) return epochs;
    loading ??= Promise.all([
      client.readContract({ address: epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch' }),
      client.readContract({ address: epochManager, abi: EpochManagerAbi, functionName: 'effectiveEpoch' }),
    ])
      .then(([current, effective]) => {
        epochs = { current: Number(current), effective: Number(effective), at: Date.now() };
        return epochs;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}

/**
 * A per-epoch cache around `load` (see the module comment). At most 64 epochs are kept: the current one and a few
 * before it serve every live task.
 */
export function snapshotCache(options: {
  refreshMs: number;
  epochs: () => Promise<Epochs>;
  load: (epoch: number) => Promise<OperatorSetSnapshot>;
}): (epoch: number) => Promise<OperatorSetSnapshot> {
  const snapshots = new Map<number, { snapshot: OperatorSetSnapshot; at: number; frozen: boolean }>();
  const loading = new Map<number, Promise<OperatorSetSnapshot>>();
  return (epoch) => {
    const cached = snapshots.get(epoch);
    if (cached && (cached.frozen || Date.now() - cached.at < options.refreshMs)) return Promise.resolve(cached.snapshot);
    const running = loading.get(epoch);
    if (running) return running;
    const pending = (async () => {
      const { current } = await options.epochs();
      const snapshot = await options.load(epoch);
      snapshots.set(epoch, { snapshot, at: Date.now(), frozen: epoch <= current });
      if (snapshots.size > 64) snapshots.delete(Math.min(...snapshots.keys()));
      return snapshot;
    })().finally(() => loading.delete(epoch));
    loading.set(epoch, pending);
    return pending;
  };
}

/**
 * Scans `eventName` of `address` from `fromBlock` on, each call reading only the blocks after the last one read, and
 * hands every new log to `onLogs`. Concurrent calls share one scan. Throws what the RPC throws (the caller decides
 * whether a missed scan matters); the next call retries from where the last successful one stopped.
 */
export function eventScanner<const abi extends Abi, name extends ContractEventName<abi>>(options: {
  client: PublicClient;
  address: Address;
  abi: abi;
  eventName: name;
  fromBlock?: bigint;
  onLogs: (logs: GetContractEventsReturnType<abi, name>) => void;
}): () => Promise<void> {
  let scannedTo = (options.fromBlock ?? 0n) - 1n;
  let running: Promise<void> | undefined;
  return () => {
    running ??= (async () => {
      const head = await options.client.getBlockNumber();
      if (head <= scannedTo) return;
      const logs = (await options.client.getContractEvents({
        address: options.address,
        abi: options.abi,
        eventName: options.eventName,
        fromBlock: scannedTo + 1n,
        toBlock: head,
      } as never)) as GetContractEventsReturnType<abi, name>;
      options.onLogs(logs);
      scannedTo = head;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
