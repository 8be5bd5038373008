/**
 * Gas of an operator-set snapshot's arrival on a remote chain: `LightStakeRegistry.processEpochUpdate` as reached
 * through `RegistryStateReceiver.handleMessage`, inside the devnet bridge's delivery transaction
 * (`DevnetAbridge.deliverMessage`, sent by the devnet relayer); docs/decisions/replication-0001.md.
 *
 * The epoch publisher (`EpochPublisher.tick`) sends the main chain's finalized operator set with
 * `EpochManager.sendStateUpdates`; the relayer delivers it. Three cases, in this order on one devnet:
 * - `firstSync`: the remote registry is empty and receives all N operators;
 * - `unchanged`: the next epoch, same operators, keys and weights;
 * - `oneOperatorChanged`: the last operator deregisters and a new one registers; the epoch where both take effect.
 *
 * Per case three figures: the delivery transaction's gasUsed (what the relayer pays: 21,000 + calldata + the endpoint's
 * own work + the receiver), and from a `callTracer` trace of it the gas of the handleMessage call frame (what the bridge
 * message's gas limit must cover; what contracts/test/core/replication/LightStakeRegistry.gas.t.sol measures) and of the
 * processEpochUpdate frame inside it.
 */
import { Writable } from 'node:stream';
import { type Address, type Hex, type PublicClient, getAbiItem, getAddress, parseEventLogs, toFunctionSelector } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  ECDSAStakeRegistryAbi,
  EpochManagerAbi,
  LightStakeRegistryAbi,
  RegistryStateReceiverAbi,
} from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { chainOf, mainChainOf } from '../src/core/chain/deployment.ts';
import { createLogger } from '../src/core/logging.ts';
import { defaultStake, devnetOperatorKeys, registerDevnetOperator } from '../src/devnet/seed.ts';
import { advanceChainsToEpoch } from '../src/devnet/time.ts';
import { createStateProofsPublisher } from '../src/services/state-proofs/aggregator/publisher.ts';
import type { BenchDevnet } from './devnetGas.ts';
import { waitUntil } from './devnetGas.ts';

/** Gas of one snapshot's delivery. */
export type SnapshotDeliveryGas = {
  /** The epoch whose operator set was delivered. */
  epoch: number;
  /** Operators in the delivered set. */
  operators: number;
  /** gasUsed of the DevnetAbridge.deliverMessage transaction (receipt). */
  delivery: number;
  /** Gas of the RegistryStateReceiver.handleMessage call frame inside it. */
  handleMessage: number;
  /** Gas of the LightStakeRegistry.processEpochUpdate call frame inside handleMessage. */
  processEpochUpdate: number;
};

/** The replication cases of one devnet. */
export type ReplicationGas = {
  firstSync: SnapshotDeliveryGas;
  unchanged: SnapshotDeliveryGas;
  oneOperatorChanged: SnapshotDeliveryGas;
};

/** What {@link measureReplicationGas} returns. */
export type ReplicationRun = {
  gas: ReplicationGas;
  /** The operator set after the change: who may sign at `oneOperatorChanged.epoch` (signing keys are private keys). */
  operatorSet: { operator: Address; signingKey: Hex }[];
};

/** A frame of anvil's `debug_traceTransaction` callTracer output (gas as hex quantities). */
type CallFrame = { type: string; from: Address; to?: Address; input: Hex; gasUsed: Hex; error?: string; calls?: CallFrame[] };

const HANDLE_MESSAGE = toFunctionSelector(getAbiItem({ abi: RegistryStateReceiverAbi, name: 'handleMessage' }));
const PROCESS_EPOCH_UPDATE = toFunctionSelector(getAbiItem({ abi: LightStakeRegistryAbi, name: 'processEpochUpdate' }));

/**
 * Runs the three replication cases on `bench`'s devnet (fresh: its remote registry must not have received anything).
 * Leaves the chains in the epoch of the last case, with the changed operator set.
 * @throws {Error} when the remote registry is not empty at the start, a send or delivery fails, or the registry does
 *   not hold the expected set afterwards.
 */
export async function measureReplicationGas(bench: BenchDevnet): Promise<ReplicationRun> {
  const { devnet, log } = bench;
  const { deployment } = devnet;
  const main = mainChainOf(deployment);
  const mainClient = devnet.clients.get(main.chainId)!;
  const remote = chainOf(deployment, bench.remoteChainId);
  const light = { address: remote.lightStakeRegistry!, abi: LightStakeRegistryAbi } as const;
  const remoteClient = devnet.clients.get(remote.chainId)!;
  const clients = [...devnet.clients.values()];

  if ((await remoteClient.readContract({ ...light, functionName: 'getOperatorCount' })) !== 0n) {
    throw new Error(`the LightStakeRegistry on ${remote.chainId} is not empty: a first sync cannot be measured`);
  }
  const firstSync = await replicateFinalizedSet(bench);
  log(`  ${devnet.operators.length} operators, first sync (epoch ${firstSync.epoch}): delivery ${firstSync.delivery} gas`);

  await advanceChainsToEpoch(clients, deployment.epoch, firstSync.epoch + 1, 1n);
  const unchanged = await replicateFinalizedSet(bench);
  log(`  ${devnet.operators.length} operators, unchanged set (epoch ${unchanged.epoch}): delivery ${unchanged.delivery} gas`);

  // One operator leaves and a new one joins, as in `avs demo`; both take effect at the registry's effective epoch.
  const registry = { address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
  const leaving = devnet.operators[devnet.operators.length - 1];
  const leave = await makeWalletClient(main.chainId, main.rpcUrl, privateKeyToAccount(leaving.operatorKey)).writeContract({
    ...registry,
    functionName: 'deregisterOperator',
  });
  await expectSuccess(mainClient, leave, 'deregisterOperator');
  const joiningIndex = devnet.operators.length;
  const joiningKeys = devnetOperatorKeys(joiningIndex);
  const joining = privateKeyToAccount(joiningKeys.operatorKey);
  await mainClient.request({ method: 'anvil_setBalance', params: [joining.address, '0x56bc75e2d63100000'] } as never);
  await registerDevnetOperator({
    client: mainClient,
    deployment,
    token: devnet.token,
    account: joining,
    signingKey: joiningKeys.signingKey,
    stake: defaultStake(joiningIndex) * 10n ** 18n,
    index: joiningIndex,
  });
  const changeEpoch = await mainClient.readContract({ ...registry, functionName: 'effectiveEpoch' });
  await advanceChainsToEpoch(clients, deployment.epoch, changeEpoch, 1n);
  const oneOperatorChanged = await replicateFinalizedSet(bench);
  log(`  ${devnet.operators.length} operators, one operator replaced (epoch ${oneOperatorChanged.epoch}): delivery ${oneOperatorChanged.delivery} gas`);
  if (oneOperatorChanged.epoch !== changeEpoch) {
    throw new Error(`the set sent after the change is epoch ${oneOperatorChanged.epoch}'s, not epoch ${changeEpoch}'s`);
  }

  const operatorSet = [
    ...devnet.operators.slice(0, -1).map((o) => ({ operator: o.address, signingKey: o.signingKey })),
    { operator: joining.address, signingKey: joiningKeys.signingKey },
  ];
  const held = new Set((await remoteClient.readContract({ ...light, functionName: 'getOperators' })).map((a) => getAddress(a)));
  if (held.size !== operatorSet.length || operatorSet.some((o) => !held.has(getAddress(o.operator)))) {
    throw new Error(`the LightStakeRegistry on ${remote.chainId} does not hold the changed operator set`);
  }
  return { gas: { firstSync, unchanged, oneOperatorChanged }, operatorSet };
}

/**
 * Has an epoch publisher (a fresh one: it refreshes stale weights, then sends the finalized set) replicate the main
 * chain's finalized operator set to the remote chain, waits for the relayer's delivery, and measures it.
 */
async function replicateFinalizedSet(bench: BenchDevnet): Promise<SnapshotDeliveryGas> {
  const { devnet } = bench;
  const { deployment } = devnet;
  const mainClient = devnet.clients.get(deployment.mainChainId)!;
  const remote = chainOf(deployment, bench.remoteChainId);
  const remoteClient = devnet.clients.get(remote.chainId)!;
  const epoch = await mainClient.readContract({ address: deployment.stateProofs.epochManager, abi: EpochManagerAbi, functionName: 'finalizedEpoch' });
  const seen = bench.deliveries.length;

  // Warnings are kept so a failed pass says why.
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      warnings.push(String(chunk).trim());
      done();
    },
  });
  const logger = createLogger('bench-publisher', { level: 'warn', destination });
  const publisher = createStateProofsPublisher({ deployment, account: devnet.publisher, clients: devnet.clients, logger });
  await publisher.tick();
  if (publisher.stats.errors > 0 || publisher.stats.stateUpdatesSent !== 1) {
    throw new Error(
      `the epoch publisher did not send epoch ${epoch}'s operator set to chain ${remote.chainId} (${JSON.stringify(publisher.stats)}): ${warnings.join(' | ')}`,
    );
  }
  const delivery = await waitUntil(`the relayer to deliver epoch ${epoch}'s operator set to chain ${remote.chainId}`, async () =>
    bench.deliveries.slice(seen).find((d) => d.destinationChainId === remote.chainId),
  );
  if (delivery.outcome !== 'delivered') throw new Error(`the delivery of epoch ${epoch}'s set failed on chain ${remote.chainId}: ${delivery.reason}`);

  const receipt = await remoteClient.getTransactionReceipt({ hash: delivery.transactionHash });
  const received = parseEventLogs({ abi: RegistryStateReceiverAbi, logs: receipt.logs, eventName: 'StateUpdateReceived' });
  if (received.length !== 1 || received[0].args.epoch !== epoch) {
    throw new Error(`delivery ${delivery.transactionHash} did not hand epoch ${epoch}'s set to the LightStakeRegistry`);
  }
  const trace = await remoteClient.request({
    method: 'debug_traceTransaction',
    params: [delivery.transactionHash, { tracer: 'callTracer' }],
  } as never) as CallFrame;
  const handle = findFrame(trace, remote.registryStateReceiver!, HANDLE_MESSAGE);
  const process = handle && findFrame(handle, remote.lightStakeRegistry!, PROCESS_EPOCH_UPDATE);
  if (!handle || !process) throw new Error(`no handleMessage → processEpochUpdate call in the trace of ${delivery.transactionHash}`);
  return {
    epoch,
    operators: Number(received[0].args.operatorCount),
    delivery: Number(receipt.gasUsed),
    handleMessage: Number(BigInt(handle.gasUsed)),
    processEpochUpdate: Number(BigInt(process.gasUsed)),
  };
}

/** The first successful call frame (depth first) to `to` whose input starts with `selector`. */
function findFrame(frame: CallFrame, to: Address, selector: Hex): CallFrame | undefined {
  for (const call of frame.calls ?? []) {
    if (!call.error && call.to?.toLowerCase() === to.toLowerCase() && call.input.slice(0, 10).toLowerCase() === selector) return call;
    const found = findFrame(call, to, selector);
    if (found) return found;
  }
  return undefined;
}

async function expectSuccess(client: PublicClient, hash: Hex, what: string): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== 'success') throw new Error(`${what} reverted (${hash})`);
}
