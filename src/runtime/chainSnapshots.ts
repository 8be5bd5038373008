/**
 * The parts every chain-backed {@link OperatorSetSource} shares, whatever registry it reads: the EpochManager's
 * current and effective epochs (re-read after `refreshMs`), a per-epoch snapshot cache (an epoch at or before the
 * current one cannot change any more and is kept for good; a later one is re-read after `refreshMs`; concurrent
 * requests for one epoch share one load), and an incremental scan of one contract event.
 */
import { type Abi, type Address, type ContractEventName, type GetContractEventsReturnType, type PublicClient, getAddress } from 'viem';
import { EpochManagerAbi } from '../core/chain/abis/generated/index.ts';
import type { Logger } from '../core/logging.ts';
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

/** Operators a registry's events name: those leaving (still in earlier epochs' sets) and those frozen after a slash. */
export type RegistryOperatorEvents = {
  /** Operators named in `OperatorDeregistered` (checksummed): candidates of every later snapshot. */
  departed: ReadonlySet<Address>;
  /** Operators named in `OperatorFrozen` (lowercased): left out of every snapshot from then on. */
  frozen: ReadonlySet<string>;
  /** Reads new `OperatorDeregistered` events; never throws (warns once when the RPC cannot serve logs). */
  scanDepartures(): Promise<void>;
  /** Reads new `OperatorFrozen` events in the background, at most once per `refreshMs`; the caller does not wait. */
  scanFreezes(): void;
};

/**
 * The `OperatorDeregistered(address indexed operator, …)` and `OperatorFrozen(address indexed operator, …)` events of
 * a stake registry (ECDSAStakeRegistry, MultiProverRegistry), scanned incrementally from `fromBlock`.
 */
export function registryOperatorEvents(options: {
  client: PublicClient;
  registry: Address;
  /** The registry's ABI (it declares both events). */
  abi: Abi;
  fromBlock?: bigint;
  refreshMs: number;
  logger?: Logger;
}): RegistryOperatorEvents {
  const { client, registry, abi, logger } = options;
  const departed = new Set<Address>();
  const frozen = new Set<string>();
  const operatorOf = (log: unknown) => (log as { args: { operator?: Address } }).args.operator;
  const deregistrations = eventScanner({
    client,
    address: registry,
    abi,
    eventName: 'OperatorDeregistered',
    fromBlock: options.fromBlock,
    onLogs: (logs) => {
      for (const log of logs) {
        const operator = operatorOf(log);
        if (operator) departed.add(getAddress(operator));
      }
    },
  });
  const freezes = eventScanner({
    client,
    address: registry,
    abi,
    eventName: 'OperatorFrozen',
    fromBlock: options.fromBlock,
    onLogs: (logs) => {
      for (const log of logs) {
        const operator = operatorOf(log);
        if (operator && !frozen.has(operator.toLowerCase())) {
          frozen.add(operator.toLowerCase());
          logger?.warn({ operator }, 'operator frozen after a slash; its signatures no longer count');
        }
      }
    },
  });
  let warned = false;
  let lastFreezeScan = 0;
  let freezeScanRunning = false;
  return {
    departed,
    frozen,
    async scanDepartures() {
      try {
        await deregistrations();
      } catch (error) {
        if (warned) return;
        warned = true;
        logger?.warn(
          { err: (error as Error).message.split('\n')[0] },
          'cannot scan OperatorDeregistered events; operators leaving at the next epoch may be missed until then',
        );
      }
    },
    scanFreezes() {
      if (freezeScanRunning || Date.now() - lastFreezeScan < options.refreshMs) return;
      lastFreezeScan = Date.now();
      freezeScanRunning = true;
      void freezes()
        .catch((error) => logger?.warn({ err: (error as Error).message.split('\n')[0] }, 'cannot scan OperatorFrozen events; retrying'))
        .finally(() => {
          freezeScanRunning = false;
        });
    },
  };
}
