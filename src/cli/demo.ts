/**
 * `avs demo`: the whole state-proof lifecycle on a fresh devnet, one checked step at a time (ARCHITECTURE.md,
 * "State proofs", steps 1 to 5):
 *
 * 1. start the chains, deploy, seed operators, start the aggregator and operator nodes;
 * 2. a user writes a value with `setValue` on the remote chain (31338);
 * 3. the user asks the aggregator's HTTP API for a proof of that value at that block;
 * 4. the user waits for it (SSE, with polling as a fallback) and checks that it attests exactly what was written,
 *    under the digest TypeScript computes for it;
 * 5. `isValidSignature(digest, sigData)` on the main chain's ECDSAStakeRegistry returns 0x1626ba7e;
 * 6. the same sigData over a tampered value returns 0xffffffff;
 * 7. a proof rebuilt with a single (lightest) signer, below the threshold, returns 0xffffffff;
 * 8. everything is torn down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { StateManagerAbi } from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import type { ServicesStarter } from '../devnet/devnet.ts';
import {
  ERC1271_INVALID,
  ERC1271_MAGIC_VALUE,
  type StateAttestation,
  attestationDigest,
  computeTaskId,
  decodeSigData,
  encodeSigData,
} from '../state-proofs/attestation.ts';
import { type ProofTask, requestProof, waitForProof } from './aggregator-client.ts';
import { describeError } from './errors.ts';
import { type OnChainVerification, verifyOnChain } from './verify.ts';

/** One step of the demo as reported. */
export type DemoStep = { name: string; ok: boolean; detail: string };

/** One `isValidSignature` call of the demo. */
export type DemoVerification = {
  /** Which proof was checked: the aggregator's, one over a tampered value, or one below the threshold. */
  case: 'proof' | 'tampered-value' | 'below-threshold';
  chainId: number;
  registry: Address;
  /** What `isValidSignature` returned. */
  result: Hex;
  /** What the demo expected it to return. */
  expected: Hex;
  reason?: string;
};

/** The proof the aggregator produced. */
export type DemoProof = {
  taskId: Hex;
  digest: Hex;
  sigData: Hex;
  chainId: number;
  user: Address;
  key: string;
  value: string;
  exists: boolean;
  blockNumber: string;
  timestamp: string;
  referenceEpoch: number;
  signers: { operator: Address; weight: string }[];
  signedWeight: string;
  thresholdWeight: string;
};

/** What `avs demo --json` prints. */
export type DemoReport = { ok: boolean; steps: DemoStep[]; proof: DemoProof | null; verifications: DemoVerification[] };

/** Options for {@link runDemo}. */
export type DemoOptions = {
  /** Starts the aggregator and operator nodes of the devnet. */
  services: ServicesStarter;
  /** Number of operators; default 4. */
  operators?: number;
  /** Called as each step ends (to print a line per step). */
  onStep?: (step: DemoStep) => void;
  /** Called as each step starts. */
  onStepStart?: (name: string) => void;
  /** How long to wait for the proof; default 60 s. */
  proofTimeoutMs?: number;
};

class StepFailed extends Error {}

/** Runs the demo on a fresh devnet in a temporary directory and tears it down. Never throws: failures are steps. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const steps: DemoStep[] = [];
  const verifications: DemoVerification[] = [];
  let proof: DemoProof | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'avs-demo-'));
  let devnet: Devnet | undefined;

  const step = async <T>(name: string, run: () => Promise<{ value: T; detail: string; ok?: boolean }>): Promise<T> => {
    options.onStepStart?.(name);
    let outcome: { value: T; detail: string; ok?: boolean };
    try {
      outcome = await run();
    } catch (error) {
      const failed = { name, ok: false, detail: describeError(error) };
      steps.push(failed);
      options.onStep?.(failed);
      throw new StepFailed(name);
    }
    const done = { name, ok: outcome.ok !== false, detail: outcome.detail };
    steps.push(done);
    options.onStep?.(done);
    if (!done.ok) throw new StepFailed(name);
    return outcome.value;
  };

  try {
    devnet = await step('start a fresh devnet', async () => {
      const started = await startDevnet({ operators: options.operators ?? 4, remoteChains: 1, dir, services: options.services });
      if (!started.services?.aggregatorUrl) throw new Error('the devnet services did not start an aggregator');
      const chains = started.chains.map((c) => c.chainId).join(' + ');
      return {
        value: started,
        detail: `chains ${chains}; ${started.operators.length} operators registered through the AVSDirectory, active from epoch ${started.seed.activeEpoch}; aggregator at ${started.services.aggregatorUrl}`,
      };
    });
    const aggregatorUrl = devnet.services!.aggregatorUrl!;
    const remote = devnet.chains.find((c) => c.chainId !== devnet!.deployment.mainChainId)!;
    const remoteDeployment = devnet.deployment.chains.find((c) => c.chainId === remote.chainId)!;
    const client = devnet.clients.get(remote.chainId)!;
    const key = 42n;
    const value = BigInt(Date.now());

    const written = await step(`user writes setValue(${key}, ${value}) on chain ${remote.chainId}`, async () => {
      const wallet = makeWalletClient(remote.chainId, remote.rpcUrl, devnet!.user);
      const hash = await wallet.writeContract({ address: remoteDeployment.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [key, value] });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`setValue reverted (${hash})`);
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      return {
        value: { blockNumber: receipt.blockNumber, timestamp: block.timestamp },
        detail: `user ${devnet!.user.address} in block ${receipt.blockNumber} (tx ${hash})`,
      };
    });

    const requested = await step('request a proof from the aggregator HTTP API', async () => {
      const task = await requestProof(aggregatorUrl, { chainId: remote.chainId, user: devnet!.user.address, key, blockNumber: written.blockNumber });
      const expectedId = computeTaskId({
        user: devnet!.user.address,
        chainId: BigInt(remote.chainId),
        blockNumber: written.blockNumber,
        timestamp: written.timestamp,
        key,
      });
      return {
        value: task,
        ok: task.taskId.toLowerCase() === expectedId.toLowerCase(),
        detail:
          task.taskId.toLowerCase() === expectedId.toLowerCase()
            ? `task ${task.taskId} (the challengeId of the query), status ${task.status}`
            : `task id ${task.taskId} is not the query's challengeId ${expectedId}`,
      };
    });

    const aggregated: ProofTask = await step('wait for the operators to sign and the aggregator to aggregate', async () => {
      const task = await waitForProof(aggregatorUrl, requested.taskId, { timeoutMs: options.proofTimeoutMs ?? 60_000 });
      if (task.status !== 'aggregated') return { value: task, ok: false, detail: `proof ${task.status}: ${task.failureReason ?? 'no reason given'}` };
      return {
        value: task,
        detail: `${task.signers.length} of ${devnet!.operators.length} operators signed, weight ${task.signedWeight} ≥ threshold ${task.thresholdWeight}, reference epoch ${task.attestation.epoch}`,
      };
    });

    const attestation: StateAttestation = {
      user: devnet.user.address,
      chainId: BigInt(remote.chainId),
      blockNumber: written.blockNumber,
      timestamp: written.timestamp,
      key,
      value,
      exists: true,
      epoch: aggregated.attestation.epoch,
    };
    const domain = { chainId: devnet.deployment.mainChainId, verifyingContract: devnet.deployment.stateProofs.serviceManager };

    await step('the proof attests the value written, under the expected EIP-712 digest', async () => {
      const a = aggregated.attestation;
      const expectedDigest = attestationDigest(domain, attestation);
      const problems: string[] = [];
      if (a.value !== value) problems.push(`value ${a.value} ≠ ${value}`);
      if (a.exists !== true) problems.push('exists is not true');
      if (a.blockNumber !== written.blockNumber) problems.push(`block ${a.blockNumber} ≠ ${written.blockNumber}`);
      if (a.timestamp !== written.timestamp) problems.push(`timestamp ${a.timestamp} ≠ ${written.timestamp}`);
      if (aggregated.digest?.toLowerCase() !== expectedDigest.toLowerCase()) problems.push(`digest ${aggregated.digest} ≠ ${expectedDigest}`);
      return {
        value: undefined,
        ok: problems.length === 0,
        detail: problems.length === 0 ? `value ${a.value} at block ${a.blockNumber}, digest ${aggregated.digest}` : problems.join('; '),
      };
    });

    proof = {
      taskId: aggregated.taskId,
      digest: aggregated.digest!,
      sigData: aggregated.sigData!,
      chainId: remote.chainId,
      user: devnet.user.address,
      key: key.toString(),
      value: value.toString(),
      exists: true,
      blockNumber: written.blockNumber.toString(),
      timestamp: written.timestamp.toString(),
      referenceEpoch: aggregated.attestation.epoch,
      signers: aggregated.signers.map((s) => ({ operator: s.operator, weight: s.weight.toString() })),
      signedWeight: aggregated.signedWeight.toString(),
      thresholdWeight: aggregated.thresholdWeight.toString(),
    };

    const mainId = devnet.deployment.mainChainId;
    const mainClient = devnet.clients.get(mainId)!;
    const registry = devnet.deployment.stateProofs.stakeRegistry;
    const check = async (which: DemoVerification['case'], digest: Hex, sigData: Hex, expected: Hex) => {
      const v: OnChainVerification = await verifyOnChain({ client: mainClient, chainId: mainId, registry, digest, sigData });
      verifications.push({ case: which, chainId: mainId, registry, result: v.result, expected, ...(v.reason ? { reason: v.reason } : {}) });
      return v;
    };

    await step(`isValidSignature on chain ${mainId}'s ECDSAStakeRegistry accepts the proof`, async () => {
      const v = await check('proof', proof!.digest, proof!.sigData, ERC1271_MAGIC_VALUE);
      return { value: undefined, ok: v.valid, detail: `returned ${v.result}${v.reason ? ` (${v.reason})` : ''}` };
    });

    await step('a tampered value does not verify', async () => {
      const tampered = attestationDigest(domain, { ...attestation, value: value + 1n });
      const v = await check('tampered-value', tampered, proof!.sigData, ERC1271_INVALID);
      return { value: undefined, ok: v.result.toLowerCase() === ERC1271_INVALID, detail: `value ${value + 1n}: returned ${v.result}${v.reason ? ` (${v.reason})` : ''}` };
    });

    await step('a proof signed below the threshold is refused', async () => {
      const decoded = decodeSigData(proof!.sigData);
      const weights = new Map(devnet!.operators.map((o) => [o.address.toLowerCase(), o.weight]));
      let lightest = 0;
      decoded.operators.forEach((op, i) => {
        if ((weights.get(op.toLowerCase()) ?? 0n) < (weights.get(decoded.operators[lightest].toLowerCase()) ?? 0n)) lightest = i;
      });
      const single = encodeSigData([{ operator: decoded.operators[lightest], signature: decoded.signatures[lightest] }], decoded.referenceEpoch);
      const v = await check('below-threshold', proof!.digest, single, ERC1271_INVALID);
      return {
        value: undefined,
        ok: v.result.toLowerCase() === ERC1271_INVALID,
        detail: `only ${decoded.operators[lightest]} (weight ${weights.get(decoded.operators[lightest].toLowerCase())}): returned ${v.result}${v.reason ? ` (${v.reason})` : ''}`,
      };
    });
  } catch (error) {
    if (!(error instanceof StepFailed)) {
      const failed = { name: 'demo', ok: false, detail: describeError(error) };
      steps.push(failed);
      options.onStep?.(failed);
    }
  } finally {
    options.onStepStart?.('tear down');
    try {
      await devnet?.stop();
      rmSync(dir, { recursive: true, force: true });
      const done = { name: 'tear down', ok: true, detail: 'aggregator, operator nodes and chains stopped' };
      steps.push(done);
      options.onStep?.(done);
    } catch (error) {
      const failed = { name: 'tear down', ok: false, detail: describeError(error) };
      steps.push(failed);
      options.onStep?.(failed);
    }
  }
  return { ok: steps.length > 0 && steps.every((s) => s.ok) && proof !== null, steps, proof, verifications };
}
