/**
 * `avs demo multi-prover`: the multi-prover's lifecycle on a fresh devnet, one checked step at a time:
 *
 * 1. start the chains, deploy both services' contracts, register 4 operators in 2 TEE quorums with BLS keys, start the
 *    multi-prover aggregator and operator nodes;
 * 2. each operator's devnet TEE prover attests (its enclave key bound to the operator, a recent block and the chain);
 * 3. a block of chain 31338 is requested from the aggregator's HTTP API;
 * 4. the operators' provers compute its state, the operators BLS-sign, the aggregator aggregates one signature and
 *    confirmState puts it on chain 31337; the confirmed state is checked on-chain and against chain 31338's block;
 * 5. a prover whose enclave measurement is not on the allowlist cannot attest (the contract refuses it);
 * 6. an operator whose prover's liveness lapsed is refused: the main chain's clock passes its liveness, the other
 *    provers re-attest, and a block needing its quorum is not confirmed;
 * 7. an operator that signs two different states for one committee and block is slashed through the AllocationManager
 *    and frozen;
 * 8. everything is torn down.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseError, ContractFunctionRevertedError, type Hex, getAddress } from 'viem';
import { MultiProverServiceManagerAbi, TEELivenessVerifierAbi } from '../core/chain/abis/generated/index.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import { type DevnetMultiProver, multiProverOnlyServices } from '../devnet/multiProverServices.ts';
import { advanceTimeTo, chainTime } from '../devnet/time.ts';
import type { BlockStateTaskResponse } from '../services/multi-prover/aggregator/api.ts';
import { blockMetadata, blockState } from '../services/multi-prover/digest.ts';
import { multiProverDeployment } from '../services/multi-prover/deployment.ts';
import { DEVNET_ENCLAVE_ATTRIBUTES, DEVNET_MRSIGNER, DevnetEnclave, devnetMrEnclave } from '../services/multi-prover/tee/devnetEnclave.ts';
import { DevnetQuotingKey } from '../services/multi-prover/tee/devnetQuotingKey.ts';
import { TeeType, buildLivenessReport, livenessReportData } from '../services/multi-prover/tee/liveness.ts';
import { type DemoStep, recordEscapedError, stepRunner, tearDownDemo, waitUntil } from './demoSteps.ts';
import { type EquivocationSlash, slashDevnetEquivocation } from './demoEquivocation.ts';

/** A state the demo saw confirmed on-chain. */
export type DemoConfirmation = { committeeId: string; metadata: Hex; state: Hex; txHash: Hex };

/** What `avs demo multi-prover --json` prints: the state-proofs demo's top-level shape plus `confirmations`. */
export type MultiProverDemoReport = {
  ok: boolean;
  steps: DemoStep[];
  /** The aggregated task of step 4 (its digest, StateSignature and signers), as the aggregator's API returns it. */
  proof: BlockStateTaskResponse | null;
  /** On-chain checks of the confirmed state. */
  verifications: { chainId: number; check: string; ok: boolean }[];
  /** The equivocation slash of step 7. */
  dispute: EquivocationSlash | null;
  confirmations: DemoConfirmation[];
};

/** Options of {@link runMultiProverDemo}. */
export type MultiProverDemoOptions = {
  /** pino level of the services' logs; default `silent`. */
  logLevel?: string;
  onStep?: (step: DemoStep) => void;
  onStepStart?: (name: string) => void;
  /** How long to wait for a confirmation; default 60 s. */
  confirmTimeoutMs?: number;
};

/** A task's deadline in the demo: long enough for a confirmation (about a second here), short enough to watch one fail. */
const DEMO_TASK_DEADLINE_MS = 8_000;

/** Runs the demo on a fresh devnet in a temporary directory and tears it down. Never throws: failures are steps. */
export async function runMultiProverDemo(options: MultiProverDemoOptions = {}): Promise<MultiProverDemoReport> {
  const steps: DemoStep[] = [];
  const report: MultiProverDemoReport = { ok: false, steps, proof: null, verifications: [], dispute: null, confirmations: [] };
  const step = stepRunner(steps, options);
  const dir = mkdtempSync(join(tmpdir(), 'avs-demo-multi-prover-'));
  let devnet: Devnet | undefined;
  const timeoutMs = options.confirmTimeoutMs ?? 60_000;
  try {
    devnet = await step('start a fresh devnet with the multi-prover', async () => {
      const started = await startDevnet({
        operators: 4,
        remoteChains: 1,
        dir,
        services: multiProverOnlyServices({ logLevel: options.logLevel ?? 'silent', everyBlocks: false, taskDeadlineMs: DEMO_TASK_DEADLINE_MS }),
      });
      const quorums = new Map<number, number[]>();
      for (const o of started.multiProver?.operators ?? []) for (const q of o.quorums) quorums.set(q, [...(quorums.get(q) ?? []), o.index]);
      return {
        value: started,
        detail: `chains ${started.chains.map((c) => c.chainId).join(' + ')}; ${started.multiProver?.operators.length ?? 0} operators with BLS keys in ${[...quorums].map(([q, ops]) => `quorum ${q} (operators ${ops.join(', ')})`).join(' and ')}`,
      };
    });
    const mp = devnet.services?.multiProver as DevnetMultiProver;
    const deployment = multiProverDeployment(devnet.deployment, 'devnet');
    const main = devnet.clients.get(deployment.mainChainId)!;
    const provenChain = deployment.multiProver.provenChains[0];
    const remote = devnet.clients.get(provenChain)!;
    const url = mp.aggregator.url;

    await step('each operator’s devnet TEE prover attests and is live on-chain', async () => {
      const provers = await Promise.all(
        mp.operators.map(async (o) => {
          const record = await main.readContract({ address: deployment.multiProver.livenessVerifier, abi: TEELivenessVerifierAbi, functionName: 'getProver', args: [o.address, TeeType.DEVNET] });
          return { operator: o.address, proverKey: record.proverKey, liveUntil: record.liveUntil };
        }),
      );
      const now = await chainTime(main);
      const live = provers.filter((p) => p.liveUntil > now);
      return {
        value: provers,
        ok: live.length === provers.length,
        detail: `${live.length} of ${provers.length} provers live until ${new Date(Number(provers[0]?.liveUntil ?? 0n) * 1000).toISOString()} (enclave keys ${provers.map((p) => short(p.proverKey)).join(', ')})`,
      };
    });

    const requested = await step(`request the state of a block of chain ${provenChain} from the aggregator`, async () => {
      const blockNumber = (await remote.getBlockNumber()) - 2n;
      const task = await requestBlockState(url, provenChain, blockNumber);
      return { value: task, detail: `task ${task.taskId} for block ${blockNumber}, status ${task.status}` };
    });

    const confirmed = await step(`operators prove and BLS-sign it; one aggregated signature confirms it on chain ${deployment.mainChainId}`, async () => {
      const task = await waitUntil(async () => {
        const t = await getTask(url, requested.taskId as Hex);
        return t.status === 'failed' || (t.confirmation && t.confirmation.status !== 'submitted') ? t : undefined;
      }, timeoutMs, 'the confirmation');
      if (task.confirmation?.status !== 'confirmed' || !task.state || !task.confirmation.txHash) {
        return { value: task, ok: false, detail: `not confirmed: ${task.failureReason ?? task.confirmation?.reason ?? task.status}` };
      }
      return {
        value: task,
        detail: `${task.signers.length} signers over quorums ${task.quorumNumbers.join(', ')}, confirmState in tx ${task.confirmation.txHash} (block ${task.confirmation.blockNumber})`,
      };
    });
    report.proof = confirmed;
    const state = blockState(confirmed.state!.blockHash as Hex, confirmed.state!.stateRoot as Hex);
    const metadata = blockMetadata(BigInt(provenChain), BigInt(confirmed.blockNumber));
    report.confirmations.push({ committeeId: confirmed.committeeId, metadata, state, txHash: confirmed.confirmation!.txHash as Hex });

    await step('the confirmed state is on-chain and is the block’s real hash and state root', async () => {
      const onChain = await main.readContract({
        address: deployment.multiProver.serviceManager,
        abi: MultiProverServiceManagerAbi,
        functionName: 'isStateConfirmed',
        args: [BigInt(confirmed.committeeId), metadata, state],
      });
      const block = await remote.getBlock({ blockNumber: BigInt(confirmed.blockNumber) });
      const real = block.hash === confirmed.state!.blockHash && block.stateRoot === confirmed.state!.stateRoot;
      report.verifications.push({ chainId: deployment.mainChainId, check: 'isStateConfirmed(committee, metadata, state)', ok: onChain });
      report.verifications.push({ chainId: provenChain, check: `block ${confirmed.blockNumber} hash and state root`, ok: real });
      return {
        value: undefined,
        ok: onChain && real,
        detail: `isStateConfirmed → ${onChain}; block ${confirmed.blockNumber} of chain ${provenChain} has hash ${short(block.hash)} and state root ${short(block.stateRoot)}: ${real ? 'the same' : 'DIFFERENT'}`,
      };
    });

    await step('a prover whose enclave measurement is not on the allowlist cannot attest', async () => {
      const operator = mp.operators[0];
      const enclave = new DevnetEnclave({ mrEnclave: devnetMrEnclave('multi-prover/prover@tampered'), mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES });
      const reference = await main.getBlock({ blockNumber: (await main.getBlockNumber()) - 1n });
      const livenessReport = buildLivenessReport({ proverKey: enclave.address, operator: operator.address, referenceBlock: { number: reference.number, hash: reference.hash } });
      const attestation = new DevnetQuotingKey().quote(enclave.attest(livenessReportData(livenessReport, deployment.mainChainId, deployment.multiProver.livenessVerifier)));
      const error = await revertName(() =>
        main.simulateContract({
          account: getAddress(operator.address),
          address: deployment.multiProver.livenessVerifier,
          abi: TEELivenessVerifierAbi,
          functionName: 'submitLivenessProof',
          args: [TeeType.DEVNET, livenessReport, attestation],
        }),
      );
      return { value: undefined, ok: error === 'MeasurementNotAllowed', detail: `submitLivenessProof reverts with ${error ?? 'nothing (accepted!)'}` };
    });

    await step('an operator whose prover’s liveness lapsed is refused, and its quorum cannot confirm without it', async () => {
      const lapsed = mp.operators[mp.operators.length - 1];
      await lapsed.keeper.stop();
      const validity = await main.readContract({ address: deployment.multiProver.livenessVerifier, abi: TEELivenessVerifierAbi, functionName: 'attestValiditySeconds' });
      await advanceTimeTo(main, (await chainTime(main)) + BigInt(validity) + 60n);
      for (const o of mp.operators) if (o !== lapsed) await o.keeper.refresh();
      const refusal = await waitUntil(async () => {
        const operators = (await (await fetch(`${url}/v1/multi-prover/operators`)).json()) as { operators: { operator: string; liveness: string | null }[] };
        const ours = operators.operators.find((o) => o.operator.toLowerCase() === lapsed.address.toLowerCase());
        const others = operators.operators.filter((o) => o !== ours);
        return ours?.liveness && others.every((o) => o.liveness === null) ? ours.liveness : undefined;
      }, timeoutMs, 'the aggregator to see the lapse and the other provers re-attest');
      const blockNumber = (await remote.getBlockNumber()) - 2n;
      const task = await requestBlockState(url, provenChain, blockNumber);
      const ended = await waitUntil(async () => {
        const t = await getTask(url, task.taskId as Hex);
        return t.status === 'failed' || t.confirmation ? t : undefined;
      }, DEMO_TASK_DEADLINE_MS + timeoutMs, 'the task to end');
      return {
        value: undefined,
        ok: ended.status === 'failed',
        detail: `operator ${short(lapsed.address)} refused (${refusal}); block ${blockNumber}: ${ended.status === 'failed' ? ended.failureReason : `confirmed anyway (${ended.confirmation?.txHash})`}`,
      };
    });

    report.dispute = await step('an operator that signs two states for one committee and block is slashed and frozen', async () => {
      const slash = await slashDevnetEquivocation(devnet!, deployment, { committeeId: BigInt(confirmed.committeeId), chainId: BigInt(provenChain), blockNumber: BigInt(confirmed.blockNumber), quorumNumbers: confirmed.quorumNumbers, referenceEpoch: confirmed.referenceEpoch });
      return {
        value: slash,
        ok: slash.frozen && BigInt(slash.sharesAfter) < BigInt(slash.sharesBefore),
        detail: `operator ${short(slash.operator)}: slashable shares ${slash.sharesBefore} → ${slash.sharesAfter}, frozen ${slash.frozen} (tx ${slash.txHash})`,
      };
    });
    report.ok = steps.every((s) => s.ok);
  } catch (error) {
    recordEscapedError(steps, options, error);
  } finally {
    await tearDownDemo(step, devnet, dir, 'services stopped, chains killed');
  }
  report.ok = steps.length > 0 && steps.every((s) => s.ok) && report.dispute !== null;
  return report;
}

function short(hex: string): string {
  return `${hex.slice(0, 10)}…`;
}

async function requestBlockState(url: string, chainId: number, blockNumber: bigint): Promise<BlockStateTaskResponse> {
  const response = await fetch(`${url}/v1/multi-prover/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chainId, blockNumber: blockNumber.toString() }),
  });
  const body = (await response.json()) as BlockStateTaskResponse & { message?: string };
  if (response.status >= 300) throw new Error(`the aggregator refused the request (${response.status}): ${body.message}`);
  return body;
}

async function getTask(url: string, taskId: Hex): Promise<BlockStateTaskResponse> {
  const response = await fetch(`${url}/v1/multi-prover/tasks/${taskId}`);
  if (!response.ok) throw new Error(`GET task ${taskId}: ${response.status}`);
  return (await response.json()) as BlockStateTaskResponse;
}

/** The custom error a simulated call reverts with, or undefined when it would succeed. */
async function revertName(call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? 'reverted';
    throw error;
  }
}
