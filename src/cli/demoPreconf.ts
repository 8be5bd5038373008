/**
 * `avs demo preconf`: the preconf registry and gateway on a fresh devnet, one checked step at a time:
 *
 * 1. start a main and a remote chain, deploy the registry and the devnet EigenPodManager, and start the devnet beacon
 *    node and the gateway; operator 2's pod owner has a pod, delegated to operator 2, with 4 ACTIVE validators;
 * 2. operator 2 registers with a commitment for the two chains (the gateway's delegate key);
 * 3. it registers its pod's validators;
 * 4. the gateway serves the lookahead: operator 2's slots can preconfirm, slots of validators outside EigenLayer cannot;
 * 5. the gateway signs a preconfirmation for a slot of operator 2's validator, which the registry accepts on-chain;
 * 6. it refuses one for a chain the operator did not commit to;
 * 7. a commitment change waits for its delay (CommitmentChangeNotReady before it), then is in force;
 * 8. the operator leaves in two steps: validators deregistered, deregistration started, refused before the delay
 *    (DeregistrationDelayNotElapsed), finished after it (AVSDirectory: unregistered);
 * 9. everything is torn down.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, BaseError, ContractFunctionRevertedError, type Hex, type PublicClient, getAddress, parseEther, parseGwei } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AVSDirectoryAbi, IUniFiAVSManagerAbi } from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import { DEVNET_UNCOMMITTED_CHAIN_ID } from '../devnet/preconf.ts';
import { preconfOnlyServices } from '../devnet/preconfServices.ts';
import { signAvsRegistration } from '../runtime/registration.ts';
import { chainIdsToBitmap } from '../services/preconf/bitmap.ts';
import { type DemoStep, recordEscapedError, stepRunner, tearDownDemo, waitUntil } from './demoSteps.ts';
import { describeError } from './errors.ts';

/** A lookahead slot as the demo reports it. */
export type DemoLookaheadSlot = { slot: string; validatorIndex: string; operator: Address | null; chainIds: string[]; canPreconf: boolean };
/** A preconfirmation the gateway signed. */
export type DemoPreconf = { slot: string; txHash: Hex; signer: Address };

/** What `avs demo preconf --json` prints. */
export type PreconfDemoReport = { ok: boolean; steps: DemoStep[]; lookahead: DemoLookaheadSlot[]; preconfs: DemoPreconf[] };

/** Options of {@link runPreconfDemo}. */
export type PreconfDemoOptions = {
  logLevel?: string;
  onStep?: (step: DemoStep) => void;
  onStepStart?: (name: string) => void;
  /** How long to wait for each outcome (a slot of the operator, a delay to pass); default 120 s. */
  timeoutMs?: number;
};

/** The devnet operator whose pod the demo registers (operators 0 and 1 are registered at seeding). */
const DEMO_OPERATOR = 2;

type LookaheadJson = { slots: { slot: string; validatorIndex: string; operator: Address | null; chainIds: string[]; canPreconf: boolean; reason: string | null }[] };

/** Runs the demo on a fresh devnet in a temporary directory and tears it down. Never throws: failures are steps. */
export async function runPreconfDemo(options: PreconfDemoOptions = {}): Promise<PreconfDemoReport> {
  const steps: DemoStep[] = [];
  const report: PreconfDemoReport = { ok: false, steps, lookahead: [], preconfs: [] };
  const step = stepRunner(steps, options);
  const dir = mkdtempSync(join(tmpdir(), 'avs-demo-preconf-'));
  const timeoutMs = options.timeoutMs ?? 120_000;
  let devnet: Devnet | undefined;
  try {
    devnet = await step('start a fresh devnet with the preconf registry, a beacon node and the gateway', async () => {
      const started = await startDevnet({ operators: 4, remoteChains: 1, multiProver: false, automation: false, dir, services: preconfOnlyServices({ logLevel: options.logLevel ?? 'silent' }) });
      const p = started.preconf!;
      return {
        value: started,
        detail: `${p.validators.length} beacon validators; pods of operators ${p.pods.map((x) => x.operatorIndex).join(', ')} with ${p.pods[0]!.validators.length} validators each; operators ${p.registered.map((r) => r.operatorIndex).join(', ')} registered; gateway ${started.services!.preconf!.gateway.url}`,
      };
    });
    const preconf = devnet.preconf!;
    const gatewayUrl = devnet.services!.preconf!.gateway.url;
    const { registry } = preconf.section;
    const client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const pod = preconf.pods.find((p) => p.operatorIndex === DEMO_OPERATOR)!;
    const operatorKey = devnet.operators.find((o) => o.index === DEMO_OPERATOR)!.operatorKey;
    const operator = privateKeyToAccount(operatorKey);
    const wallet = makeWalletClient(devnet.deployment.mainChainId, devnet.chains[0]!.rpcUrl, operator);
    const send = async (functionName: string, args: readonly unknown[]) => {
      const hash = await wallet.writeContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName, args } as never);
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${functionName} transaction ${hash} reverted`);
      return receipt;
    };
    const [main, remote] = devnet.chains.map((c) => BigInt(c.chainId)) as [bigint, bigint];
    const delegateKey = preconf.delegateKey.address;

    await step(`operator ${DEMO_OPERATOR} registers with a commitment for chains ${main} and ${remote}`, async () => {
      const signature = await signAvsRegistration({ client, avs: { eigenlayer: devnet!.deployment.eigenlayer, serviceManager: registry }, operator });
      const chainIDBitMap = await chainIdsToBitmap(client, registry, [main, remote]);
      await send('registerOperatorWithCommitment', [signature, { delegateKey, chainIDBitMap }]);
      const data = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getOperator', args: [operator.address] });
      const chains = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'bitmapToChainIDs', args: [data.commitment.chainIDBitMap] });
      return { value: undefined, ok: data.isRegistered && chains.length === 2, detail: `${operator.address} registered; delegate key ${getAddress(data.commitment.delegateKey)}, chains ${chains.join(', ')}` };
    });

    await step(`operator ${DEMO_OPERATOR} registers its pod's ${pod.validators.length} validators`, async () => {
      await send('registerValidators', [pod.owner.address, pod.validators.map((v) => v.pubkeyHash)]);
      const records = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getValidators', args: [pod.validators.map((v) => v.pubkeyHash)] });
      return {
        value: undefined,
        ok: records.every((r) => r.registered && r.backedByStake && r.operator === operator.address),
        detail: `validators ${pod.validators.map((v) => v.index).join(', ')} of pod ${pod.pod} (owner ${pod.owner.address}): registered, backed by stake`,
      };
    });

    const mine = new Set(pod.validators.map((v) => v.index.toString()));
    const target = await step('the gateway serves the lookahead: the operator’s slots can preconfirm, others cannot', async () => {
      // Wait for a slot of one of the operator's validators at least two slots ahead (time to sign before it starts).
      const found = await waitUntil(
        async () => {
          const body = (await (await fetch(`${gatewayUrl}/v1/lookahead?chainId=${remote}`)).json()) as LookaheadJson;
          const slot = body.slots.slice(2).find((s) => mine.has(s.validatorIndex));
          return slot ? { slot, body } : undefined;
        },
        timeoutMs,
        `a slot of operator ${DEMO_OPERATOR}'s validators in the lookahead`,
      );
      report.lookahead = found.body.slots.map((s) => ({ slot: s.slot, validatorIndex: s.validatorIndex, operator: s.operator, chainIds: s.chainIds, canPreconf: s.canPreconf }));
      const outside = found.body.slots.filter((s) => s.operator === null);
      const ok = found.slot.canPreconf && found.body.slots.filter((s) => mine.has(s.validatorIndex)).every((s) => s.canPreconf || s.reason === 'slot-passed') && outside.every((s) => !s.canPreconf);
      return {
        value: found.slot,
        ok,
        detail: `${found.body.slots.length} slots from ${found.body.slots[0]!.slot}: ${found.body.slots.filter((s) => s.canPreconf).length} can preconfirm for chain ${remote}, ${outside.length} have unregistered proposers; slot ${found.slot.slot} is validator ${found.slot.validatorIndex}'s`,
      };
    });

    const signTransfer = (chainId: bigint, nonce: number) =>
      devnet!.user.signTransaction({ chainId: Number(chainId), type: 'eip1559', to: devnet!.deployer.address, value: parseEther('0.01'), nonce, gas: 21_000n, maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') });

    await step(`the gateway signs a preconfirmation for slot ${target.slot} on chain ${remote}; the registry accepts it`, async () => {
      const signedTransaction = await signTransfer(remote, 0);
      const response = await fetch(`${gatewayUrl}/v1/preconfs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chainId: remote.toString(), slot: target.slot, signedTransaction }) });
      const body = (await response.json()) as { preconfirmation: { chainId: string; slot: string; txHash: Hex; blsPubKeyHash: Hex }; signer: Address; signature: Hex; digest: Hex; message?: string };
      if (response.status !== 201) throw new Error(`gateway answered ${response.status}: ${body.message}`);
      const p = body.preconfirmation;
      const valid = await client.readContract({
        address: registry,
        abi: IUniFiAVSManagerAbi,
        functionName: 'isValidPreconfirmation',
        args: [{ chainId: BigInt(p.chainId), slot: BigInt(p.slot), txHash: p.txHash, blsPubKeyHash: p.blsPubKeyHash }, body.signature],
      });
      report.preconfs.push({ slot: p.slot, txHash: p.txHash, signer: body.signer });
      return { value: undefined, ok: valid && body.signer === delegateKey, detail: `tx ${p.txHash.slice(0, 12)}… signed by delegate key ${body.signer}; UniFiAVSManager.isValidPreconfirmation: ${valid}` };
    });

    await step(`the gateway refuses a preconfirmation for chain ${DEVNET_UNCOMMITTED_CHAIN_ID}, which the operator did not commit to`, async () => {
      const signedTransaction = await signTransfer(DEVNET_UNCOMMITTED_CHAIN_ID, 0);
      const response = await fetch(`${gatewayUrl}/v1/preconfs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chainId: DEVNET_UNCOMMITTED_CHAIN_ID.toString(), slot: target.slot, signedTransaction }) });
      const body = (await response.json()) as { reason?: string; message?: string };
      return { value: undefined, ok: response.status === 422 && body.reason === 'chain-not-committed', detail: `${response.status}: ${body.message}` };
    });

    await step('a commitment change waits for its delay, then is in force', async () => {
      const chainIDBitMap = await chainIdsToBitmap(client, registry, [main, remote, DEVNET_UNCOMMITTED_CHAIN_ID]);
      await send('setOperatorCommitment', [{ delegateKey, chainIDBitMap }]);
      const pending = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getOperator', args: [operator.address] });
      const early = await revertName(client, operator.address, registry, 'updateOperatorCommitment', []);
      await waitForBlock(client, BigInt(pending.commitmentValidAfter), timeoutMs);
      await send('updateOperatorCommitment', []);
      const data = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getOperator', args: [operator.address] });
      const chains = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'bitmapToChainIDs', args: [data.commitment.chainIDBitMap] });
      return {
        value: undefined,
        ok: early === 'CommitmentChangeNotReady' && chains.includes(DEVNET_UNCOMMITTED_CHAIN_ID),
        detail: `updateOperatorCommitment before block ${pending.commitmentValidAfter}: ${early}; after it: chains ${chains.join(', ')}`,
      };
    });

    await step('the operator leaves in two steps: validators deregistered, deregistration started, finished after the delay', async () => {
      await send('deregisterValidators', [pod.validators.map((v) => v.pubkeyHash)]);
      const started = await send('startDeregisterOperator', []);
      const early = await revertName(client, operator.address, registry, 'finishDeregisterOperator', []);
      const delay = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getDeregistrationDelay' });
      await waitForBlock(client, started.blockNumber + delay, timeoutMs);
      await send('finishDeregisterOperator', []);
      const status = await client.readContract({ address: devnet!.deployment.eigenlayer.avsDirectory, abi: AVSDirectoryAbi, functionName: 'avsOperatorStatus', args: [registry, operator.address] });
      const validator = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getValidator', args: [pod.validators[0]!.pubkeyHash] });
      return {
        value: undefined,
        ok: early === 'DeregistrationDelayNotElapsed' && status === 0 && !validator.registered,
        detail: `finishDeregisterOperator before block ${started.blockNumber + delay}: ${early}; after it: AVSDirectory status ${status === 0 ? 'UNREGISTERED' : 'REGISTERED'}, validator ${pod.validators[0]!.index} registered: ${validator.registered}`,
      };
    });
    report.ok = steps.every((s) => s.ok);
  } catch (error) {
    recordEscapedError(steps, options, error);
  } finally {
    await tearDownDemo(step, devnet, dir, 'gateway and beacon node stopped, chains killed');
  }
  report.ok = steps.length > 0 && steps.every((s) => s.ok) && report.preconfs.length > 0;
  return report;
}

/** The custom error a call of `functionName` by `from` reverts with now, or 'none' if it would succeed. */
async function revertName(client: PublicClient, from: Address, registry: Address, functionName: string, args: readonly unknown[]): Promise<string> {
  try {
    await client.simulateContract({ account: from, address: registry, abi: IUniFiAVSManagerAbi, functionName, args } as never);
    return 'none';
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    return reverted instanceof ContractFunctionRevertedError ? (reverted.data?.errorName ?? 'revert') : describeError(error);
  }
}

/** Resolves once the chain's head is at least `block` (the devnet mines a block a second). */
async function waitForBlock(client: PublicClient, block: bigint, timeoutMs: number): Promise<void> {
  await waitUntil(async () => (await client.getBlockNumber({ cacheTime: 0 })) >= block, timeoutMs, `block ${block}`);
}
