/**
 * `avs demo`: the whole state-proof lifecycle on a fresh devnet, one checked step at a time (docs/architecture.md,
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
 * 8. the epoch publisher sends the epoch's operator set through the bridge, and the proof verifies on the remote chain's
 *    LightStakeRegistry too;
 * 9. an operator leaves and a new one joins; once their epoch starts and reaches the remote chain, a new proof verifies
 *    on both chains, and the departed operator's signature no longer counts on the remote chain;
 * 10. the devnet's faulty operators sign a wrong value for {@link DEMO_FAULT_KEY}; the challenger catches the proof,
 *    challenges it, has the truth bridged from the source chain and resolves: the signers are slashed;
 * 11. everything is torn down.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Address, type Hex, type PublicClient, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AllocationManagerAbi,
  ECDSAStakeRegistryAbi,
  LightStakeRegistryAbi,
  StateManagerAbi,
  StateProofsServiceManagerAbi,
} from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { signDigest, signingKeyFromPrivateKey } from '../core/crypto/ecdsa.ts';
import { createLogger } from '../core/logging.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import type { ServicesStarter } from '../devnet/devnet.ts';
import { defaultStake, devnetOperatorKeys, registerDevnetOperator } from '../devnet/seed.ts';
import { advanceChainsToEpoch } from '../devnet/time.ts';
import { operatorSocketUrl } from './aggregator-client.ts';
import type { OperatorFault } from '../services/state-proofs/operator/node.ts';
import { type RunningOperator, startOperator } from '../services/state-proofs/operator/run.ts';
import {
  ERC1271_INVALID,
  ERC1271_MAGIC_VALUE,
  type StateAttestation,
  attestationDigest,
  computeTaskId,
  decodeSigData,
  encodeSigData,
} from '../services/state-proofs/attestation.ts';
import { type ProofTask, getProof, requestProof, waitForProof } from './aggregator-client.ts';
import { type DemoStep, StepFailed, stepRunner, waitUntil } from './demoSteps.ts';
import { describeError } from './errors.ts';
import { type OnChainVerification, verifyOnChain } from '../services/state-proofs/verify.ts';

export type { DemoStep } from './demoSteps.ts';

/** The history key the devnet's faulty operators lie about in the demo (they sign `value + 1`). */
export const DEMO_FAULT_KEY = 666n;

/** The fault the demo's devnet runs its operators with: honest, except for {@link DEMO_FAULT_KEY}. */
export const demoFault: OperatorFault = { signsWrongValue: (query) => query.key === DEMO_FAULT_KEY };

/** One `isValidSignature` call of the demo. */
export type DemoVerification = {
  /**
   * Which proof was checked: the aggregator's first proof, one over a tampered value, one below the threshold, the proof
   * made after the operator set changed, or one that counts the departed operator.
   */
  case: 'proof' | 'tampered-value' | 'below-threshold' | 'next-epoch-proof' | 'departed-signer';
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

/** The dispute of the wrong proof: who was slashed, and their slashable shares in the AllocationManager. */
export type DemoDispute = {
  challengeId: Hex;
  resolved: boolean;
  /** Shares (token units) allocated to the AVS's operator set, before and after resolution. */
  slashed: { operator: Address; sharesBefore: string; sharesAfter: string }[];
};

/** What `avs demo --json` prints. */
export type DemoReport = {
  ok: boolean;
  steps: DemoStep[];
  proof: DemoProof | null;
  verifications: DemoVerification[];
  dispute: DemoDispute | null;
};

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

/** Runs the demo on a fresh devnet in a temporary directory and tears it down. Never throws: failures are steps. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const steps: DemoStep[] = [];
  const verifications: DemoVerification[] = [];
  let proof: DemoProof | null = null;
  let dispute: DemoDispute | null = null;
  const extraNodes: RunningOperator[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'avs-demo-'));
  let devnet: Devnet | undefined;

  const step = stepRunner(steps, options);

  try {
    devnet = await step('start a fresh devnet', async () => {
      const started = await startDevnet({ operators: options.operators ?? 4, remoteChains: 1, dir, services: options.services, writeDeployment: join(dir, 'devnet.json') });
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

    const mainRpc = devnet.chains.find((c) => c.chainId === mainId)!.rpcUrl;
    const strategy = devnet.deployment.eigenlayer.strategies[0];
    const allocatedShares = async (operators: Address[]): Promise<bigint[]> => {
      const stake = await mainClient.readContract({
        address: devnet!.deployment.eigenlayer.allocationManager,
        abi: AllocationManagerAbi,
        functionName: 'getAllocatedStake',
        args: [{ avs: devnet!.deployment.stateProofs.serviceManager, id: 0 }, operators, [strategy]],
      });
      return stake.map((row) => row[0]);
    };
    /** Writes `newValue` under `newKey` on the remote chain and waits for its proof at `epoch`. */
    const proveValue = async (label: string, newKey: bigint, newValue: bigint, epoch: number, expectWrong = false): Promise<ProofTask> => {
      const at = await step(`user writes setValue(${label}, ${newValue}) on chain ${remote.chainId}`, async () => {
        const wallet = makeWalletClient(remote.chainId, remote.rpcUrl, devnet!.user);
        const hash = await wallet.writeContract({ address: remoteDeployment.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [newKey, newValue] });
        const receipt = await expectSuccess(client, hash, 'setValue');
        return { value: receipt.blockNumber, detail: `block ${receipt.blockNumber}` };
      });
      return step(expectWrong ? 'the faulty operators sign a wrong value and the aggregator publishes it' : `a new proof is aggregated at epoch ${epoch}`, async () => {
        const task = await requestProof(aggregatorUrl, { chainId: remote.chainId, user: devnet!.user.address, key: newKey, blockNumber: at });
        const done = await waitForProof(aggregatorUrl, task.taskId, { timeoutMs: options.proofTimeoutMs ?? 60_000 });
        if (done.status !== 'aggregated') return { value: done, ok: false, detail: `proof ${done.status}: ${done.failureReason ?? 'no reason given'}` };
        const attested = done.attestation.value;
        const ok = done.attestation.epoch === epoch && (expectWrong ? attested !== newValue : attested === newValue);
        return {
          value: done,
          ok,
          detail: `task ${done.taskId}: value ${attested}${expectWrong ? ` (written: ${newValue})` : ''}, ${done.signers.length} signers, reference epoch ${done.attestation.epoch}`,
        };
      });
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

    // ----- Cross-chain: the operator set reaches the remote chain, which then verifies the same proof. -----
    const light = { address: remoteDeployment.lightStakeRegistry!, abi: LightStakeRegistryAbi } as const;
    const remoteCheck = async (which: DemoVerification['case'], digest: Hex, sigData: Hex, expected: Hex) => {
      const v = await verifyOnChain({ client, chainId: remote.chainId, registry: light.address, digest, sigData });
      verifications.push({ case: which, chainId: remote.chainId, registry: light.address, result: v.result, expected, ...(v.reason ? { reason: v.reason } : {}) });
      return v;
    };
    const waitForEpochOnRemote = (epoch: number) =>
      step(`the epoch publisher sends epoch ${epoch}'s operator set to chain ${remote.chainId} through the bridge`, async () => {
        await waitUntil(() => client.readContract({ ...light, functionName: 'isEpochReceived', args: [epoch] }), 60_000, `epoch ${epoch} to reach chain ${remote.chainId}`);
        const count = await client.readContract({ ...light, functionName: 'getOperatorCount' });
        return { value: undefined, detail: `LightStakeRegistry ${light.address} holds epoch ${epoch}: ${count} operators` };
      });

    await waitForEpochOnRemote(proof.referenceEpoch);
    await step(`isValidSignature on chain ${remote.chainId}'s LightStakeRegistry accepts the same proof`, async () => {
      const v = await remoteCheck('proof', proof!.digest, proof!.sigData, ERC1271_MAGIC_VALUE);
      return { value: undefined, ok: v.valid, detail: `returned ${v.result}${v.reason ? ` (${v.reason})` : ''}` };
    });

    // ----- The operator set changes: operator `leaving` deregisters, operator `joining` registers and runs a node. -----
    const leaving = devnet.operators[devnet.operators.length - 1];
    const joiningIndex = devnet.operators.length;
    const joiningKeys = devnetOperatorKeys(joiningIndex);
    const joining = privateKeyToAccount(joiningKeys.operatorKey);
    const registryContract = { address: registry, abi: ECDSAStakeRegistryAbi } as const;
    let joinedWith: { stake: bigint; weight: bigint } | undefined;
    const nextEpoch = await step(`operator ${leaving.address} leaves and operator ${joining.address} joins`, async () => {
      const leaver = privateKeyToAccount(leaving.operatorKey);
      const hash = await makeWalletClient(mainId, mainRpc, leaver).writeContract({ ...registryContract, functionName: 'deregisterOperator' });
      await expectSuccess(mainClient, hash, 'deregisterOperator');
      await mainClient.request({ method: 'anvil_setBalance', params: [joining.address, '0x56bc75e2d63100000'] } as never);
      // EigenLayer steps here; the AVS steps through the operator CLI, with half of the stake allocated to the set.
      const stake = defaultStake(joiningIndex) * 10n ** 18n;
      await registerDevnetOperator({
        client: mainClient,
        deployment: devnet!.deployment,
        token: devnet!.token,
        account: joining,
        signingKey: joiningKeys.signingKey,
        stake,
        index: joiningIndex,
        joinAvs: false,
      });
      const registered = await runOperatorRegister(devnet!.deploymentPath!, joiningKeys.operatorKey, joiningKeys.signingKey, HALF_MAGNITUDE);
      joinedWith = { stake, weight: registered.weight };
      const epoch = await mainClient.readContract({ ...registryContract, functionName: 'effectiveEpoch' });
      extraNodes.push(
        await startOperator({
          deployment: devnet!.deployment,
          aggregatorUrl: operatorSocketUrl(aggregatorUrl),
          operator: joining.address,
          signingPrivateKey: joiningKeys.signingKey,
          finality: { confirmations: 2 },
          sqlitePath: join(dir, `operator-${joiningIndex}.sqlite`),
          fault: demoFault,
          logger: createLogger('operator', { level: process.env.LOG_LEVEL ?? 'silent' }).child({ operator: joining.address }),
        }),
      );
      const weight = await mainClient.readContract({ ...registryContract, functionName: 'getLatestOperatorWeight', args: [joining.address] });
      return {
        value: epoch,
        detail: `both take effect at epoch ${epoch}; \`avs operator register --magnitude ${HALF_MAGNITUDE}\` allocated half of the new operator's stake ${joinedWith!.stake} to the operator set, so its weight is ${weight}; it runs its node`,
      };
    });

    await step(`the chains reach epoch ${nextEpoch}`, async () => {
      await advanceChainsToEpoch([...devnet!.clients.values()], devnet!.deployment.epoch, nextEpoch, 1n);
      // The aggregator refreshes its view of the operator set every few seconds; new tasks take its current epoch.
      await waitUntil(
        async () => ((await (await fetch(`${aggregatorUrl}/v1/operators`)).json()) as { epoch: number }).epoch === nextEpoch,
        60_000,
        `the aggregator to reach epoch ${nextEpoch}`,
      );
      return { value: undefined, detail: `clocks of chains ${devnet!.chains.map((c) => c.chainId).join(' and ')} advanced to epoch ${nextEpoch}` };
    });
    await waitForEpochOnRemote(nextEpoch);

    await step(`the epoch publisher pays epoch ${proof.referenceEpoch}'s rewards to the operators who signed its proofs`, async () => {
      const event = await waitUntil(async () => {
        const events = await mainClient.getContractEvents({
          address: devnet!.deployment.stateProofs.serviceManager,
          abi: StateProofsServiceManagerAbi,
          eventName: 'RewardSubmitted',
          fromBlock: 0n,
        });
        return events[0];
      }, 60_000, 'the publisher to call submitReward');
      const a = event.args;
      return {
        value: undefined,
        detail: `ServiceManager.submitReward → RewardsCoordinator: ${a.totalAmount} token units to ${a.operatorCount} operators for [${a.startTimestamp}, +${a.duration} s) (tx ${event.transactionHash})`,
      };
    });

    let second = await proveValue(`${key + 1n}`, key + 1n, value + 7n, nextEpoch);
    await step(`the new proof verifies on chain ${mainId} and on chain ${remote.chainId}`, async () => {
      // The quorum can be reached before the new operator's signature arrives; signatures within the aggregator's
      // late window still extend the proof, so wait for that before judging who signed.
      const joined = (t: ProofTask) => t.signers.some((x) => x.operator.toLowerCase() === joining.address.toLowerCase());
      if (!joined(second)) second = (await waitUntil(async () => {
        const t = await getProof(aggregatorUrl, second.taskId);
        return joined(t) ? t : undefined;
      }, 10_000, 'the new operator’s signature').catch(() => undefined)) ?? second;
      const onMain = await check('next-epoch-proof', second.digest!, second.sigData!, ERC1271_MAGIC_VALUE);
      const onRemote = await remoteCheck('next-epoch-proof', second.digest!, second.sigData!, ERC1271_MAGIC_VALUE);
      const signers = second.signers.map((x) => x.operator.toLowerCase());
      const problems = [
        ...(signers.includes(leaving.address.toLowerCase()) ? [`the departed operator signed`] : []),
        ...(signers.includes(joining.address.toLowerCase()) ? [] : ['the new operator did not sign']),
      ];
      return {
        value: undefined,
        ok: onMain.valid && onRemote.valid && problems.length === 0,
        detail: `signed by ${second.signers.length} operators including the new one; ${mainId}: ${onMain.result}, ${remote.chainId}: ${onRemote.result}${problems.length ? ` (${problems.join('; ')})` : ''}`,
      };
    });

    await step(`the departed operator's signature no longer counts on chain ${remote.chainId}`, async () => {
      const decoded = decodeSigData(second.sigData!);
      const entries = decoded.operators.map((operator, i) => ({ operator, signature: decoded.signatures[i] }));
      entries.push({ operator: leaving.address, signature: signDigest(signingKeyFromPrivateKey(leaving.signingKey), second.digest!) });
      entries.sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1));
      const withDeparted = encodeSigData(entries, decoded.referenceEpoch);
      const v = await remoteCheck('departed-signer', second.digest!, withDeparted, ERC1271_INVALID);
      return {
        value: undefined,
        ok: v.result.toLowerCase() === ERC1271_INVALID,
        detail: `the proof plus ${leaving.address}'s signature: returned ${v.result}${v.reason ? ` (${v.reason})` : ''}`,
      };
    });

    // ----- A wrong proof: the faulty operators lie about DEMO_FAULT_KEY; the challenger gets them slashed. -----
    const wrong = await proveValue(`${DEMO_FAULT_KEY} (the faulty operators' key)`, DEMO_FAULT_KEY, value + 11n, nextEpoch, true);
    const signers = wrong.signers.map((x) => getAddress(x.operator));
    const sharesBefore = await allocatedShares(signers);
    const challengeId = wrong.taskId;
    const resolution = await step('the challenger catches the wrong proof: challenge, verification through the bridge, resolution', async () => {
      const journal = devnet!.services?.challenger?.journal;
      if (!journal) throw new Error('the devnet runs no challenger');
      const found = await waitUntil(async () => {
        const d = await journal.get(challengeId);
        return d && (d.stage === 'resolved' || d.stage === 'abandoned') ? d : undefined;
      }, 120_000, 'the challenger to resolve the dispute');
      return {
        value: found,
        ok: found.stage === 'resolved' && /^slashed/.test(found.detail ?? ''),
        detail: `challenge ${challengeId}: claimed ${found.claimed.value}, source chain holds ${found.truth.value}; ${found.stage}: ${found.detail}`,
      };
    });
    await step('the signers of the wrong proof were slashed in the AllocationManager', async () => {
      const after = await allocatedShares(signers);
      dispute = {
        challengeId,
        resolved: resolution.stage === 'resolved',
        slashed: signers.map((operator, i) => ({ operator, sharesBefore: sharesBefore[i].toString(), sharesAfter: after[i].toString() })),
      };
      const reduced = after.every((a, i) => a < sharesBefore[i]);
      return {
        value: undefined,
        ok: reduced,
        detail: dispute.slashed.map((x) => `${x.operator}: ${x.sharesBefore} → ${x.sharesAfter}`).join('; '),
      };
    });

    await step('the aggregator stops counting the slashed operators', async () => {
      const slashedSet = new Set(signers.map((a) => a.toLowerCase()));
      const listed = await waitUntil(async () => {
        const response = await fetch(`${aggregatorUrl}/v1/operators`);
        const body = (await response.json()) as { operators: { operator: string }[] };
        const left = body.operators.map((o) => o.operator.toLowerCase());
        return left.some((o) => slashedSet.has(o)) ? undefined : left;
      }, 30_000, 'the aggregator to drop the slashed operators');
      return { value: undefined, detail: `GET /v1/operators lists ${listed.length} operators, none of the ${slashedSet.size} slashed` };
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
      for (const node of extraNodes) await node.stop();
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
  return { ok: steps.length > 0 && steps.every((s) => s.ok) && proof !== null && (dispute as DemoDispute | null)?.resolved === true, steps, proof, verifications, dispute };
}

async function expectSuccess(client: PublicClient, hash: Hex, what: string) {
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== 'success') throw new Error(`${what} reverted (${hash})`);
  return receipt;
}

/** Half of a strategy's magnitude (wad): what the demo's joining operator allocates. */
const HALF_MAGNITUDE = 5n * 10n ** 17n;

/**
 * Runs `avs operator register` as an operator would (a child process of this CLI) and returns its JSON result.
 * @throws {Error} with the command's stderr when it exits non-zero.
 */
async function runOperatorRegister(deploymentPath: string, operatorKey: Hex, signingKey: Hex, magnitude: bigint): Promise<{ weight: bigint }> {
  const bin = fileURLToPath(new URL('../../bin/avs.js', import.meta.url));
  const args = [bin, 'operator', 'register', '--signing-key', privateKeyToAccount(signingKey).address, '--magnitude', magnitude.toString(), '--deployment', deploymentPath, '--json'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, AVS_OPERATOR_KEY: operatorKey } }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`avs operator register failed: ${error.stderr?.trim() || error.message}`);
  });
  return { weight: BigInt((JSON.parse(stdout) as { weight: string }).weight) };
}
