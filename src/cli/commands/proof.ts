/**
 * `avs proof request|get|verify`: ask the aggregator for a state proof, read it, and check it on any chain of the
 * deployment with `isValidSignature`.
 */
import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient } from '../../core/chain/clients.ts';
import { type ProofTask, getProof, requestProof, resolveAggregatorUrl, waitForProof } from '../aggregator-client.ts';
import { ExitCode, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { loadDeployment, parseAddress, parseBytes32, parseCount, parseHexBytes, parseUint, resolveChain } from '../options.ts';
import { stakeRegistryOn, verifyOnChain } from '../../services/state-proofs/verify.ts';

type Globals = { deployment?: string; aggregator?: string; json?: boolean; wait?: boolean; timeout: string };

/** Adds `proof request`, `proof get` and `proof verify` to the program. */
export function registerProofCommands(program: Command): void {
  const proof = program.command('proof').description('request, read and verify state proofs');

  proof
    .command('request')
    .description('ask the aggregator to attest the value <user> held under <key> on a chain at a block or time')
    .option('--chain <id>', 'chain whose StateManager holds the value (default: the main chain)')
    .option('--user <address>', 'history owner (default: the address of $AVS_PRIVATE_KEY)')
    .requiredOption('--key <n>', 'uint256 key')
    .option('--block <n>', 'block number (default: latest)')
    .option('--timestamp <t>', 'unix seconds (the last block at or before it)')
    .option('--aggregator <url>', 'aggregator URL (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--wait', 'wait until the proof is aggregated or failed')
    .option('--timeout <seconds>', 'with --wait, give up after this long', '60')
    .option('--json', 'print the task as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & { chain?: string; user?: string; key: string; block?: string; timestamp?: string }>();
      if (opts.block !== undefined && opts.timestamp !== undefined) throw new UsageError('give --block or --timestamp, not both');
      const user = opts.user !== undefined ? parseAddress('--user', opts.user) : userFromEnv();
      const key = parseUint('--key', opts.key);
      const deployment = loadDeployment(opts.deployment);
      const chain = resolveChain(deployment, opts.chain, undefined);
      const timeoutMs = parseCount('--timeout', opts.timeout, { min: 1 }) * 1000;
      const base = resolveAggregatorUrl(opts.aggregator, opts.deployment);
      let blockNumber = opts.block !== undefined ? parseUint('--block', opts.block) : undefined;
      const timestamp = opts.timestamp !== undefined ? parseUint('--timestamp', opts.timestamp) : undefined;
      if (blockNumber === undefined && timestamp === undefined) {
        blockNumber = await makePublicClient(chain.chainId, chain.rpcUrl).getBlockNumber();
      }
      let task = await requestProof(base, { chainId: chain.chainId, user, key, blockNumber, timestamp });
      if (opts.wait) task = await waitWithProgress(base, task.taskId, timeoutMs, !!opts.json);
      printTask(task, !!opts.json);
      if (opts.wait && task.status === 'failed') process.exitCode = ExitCode.failure;
    });

  proof
    .command('get')
    .description('show a proof task')
    .argument('<taskId>', 'task id (0x, 32 bytes)')
    .option('--aggregator <url>', 'aggregator URL (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--wait', 'wait until the proof is aggregated or failed')
    .option('--timeout <seconds>', 'with --wait, give up after this long', '60')
    .option('--json', 'print the task as JSON')
    .action(async (taskIdText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals>();
      const taskId = parseBytes32('<taskId>', taskIdText);
      const timeoutMs = parseCount('--timeout', opts.timeout, { min: 1 }) * 1000;
      const base = resolveAggregatorUrl(opts.aggregator, opts.deployment);
      const task = opts.wait ? await waitWithProgress(base, taskId, timeoutMs, !!opts.json) : await getProof(base, taskId);
      printTask(task, !!opts.json);
      if (opts.wait && task.status === 'failed') process.exitCode = ExitCode.failure;
    });

  proof
    .command('verify')
    .description('check a proof with isValidSignature on a chain’s stake registry (exit 0 only when it holds)')
    .argument('[taskId]', 'task id; its digest and sigData are fetched from the aggregator')
    .option('--digest <hex>', 'digest to verify (instead of a task id)')
    .option('--sig-data <hex>', 'sigData to verify (with --digest)')
    .option('--chain <id>', 'chain to verify on (default: the main chain)')
    .option('--rpc <url>', 'RPC endpoint of that chain (default: the deployment’s)')
    .option('--aggregator <url>', 'aggregator URL (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--json', 'print the verification as JSON')
    .action(async (taskIdText: string | undefined, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & { digest?: string; sigData?: string; chain?: string; rpc?: string }>();
      let digest: Hex;
      let sigData: Hex;
      if (taskIdText !== undefined) {
        if (opts.digest || opts.sigData) throw new UsageError('give a task id or --digest and --sig-data, not both');
        const task = await getProof(resolveAggregatorUrl(opts.aggregator, opts.deployment), parseBytes32('<taskId>', taskIdText));
        if (task.status !== 'aggregated' || !task.digest || !task.sigData) {
          throw new UsageError(`proof ${task.taskId} is ${task.status}${task.failureReason ? ` (${task.failureReason})` : ''}, nothing to verify yet`);
        }
        digest = task.digest;
        sigData = task.sigData;
      } else {
        if (!opts.digest || !opts.sigData) throw new UsageError('give a task id, or both --digest and --sig-data');
        digest = parseBytes32('--digest', opts.digest);
        sigData = parseHexBytes('--sig-data', opts.sigData);
      }
      const deployment = loadDeployment(opts.deployment);
      const chain = resolveChain(deployment, opts.chain, opts.rpc);
      const registry = stakeRegistryOn(deployment, chain.chainId).address;
      const verification = await verifyOnChain({ client: makePublicClient(chain.chainId, chain.rpcUrl), chainId: chain.chainId, registry, digest, sigData });
      if (opts.json) printJson(verification);
      else
        printFields({
          chainId: verification.chainId,
          registry: verification.registry,
          result: `${verification.result} (${verification.valid ? 'valid' : 'invalid'})`,
          ...(verification.reason ? { reason: verification.reason } : {}),
          ...(verification.signedWeight !== undefined ? { signedWeight: verification.signedWeight, thresholdWeight: verification.thresholdWeight } : {}),
        });
      if (!verification.valid) process.exitCode = ExitCode.failure;
    });
}

function userFromEnv(): Address {
  const key = process.env.AVS_PRIVATE_KEY;
  if (!key) throw new UsageError('--user is required (or set AVS_PRIVATE_KEY to use its address)');
  try {
    return privateKeyToAccount((key.startsWith('0x') ? key : `0x${key}`) as Hex).address;
  } catch {
    throw new UsageError('AVS_PRIVATE_KEY is not a valid private key');
  }
}

async function waitWithProgress(base: string, taskId: Hex, timeoutMs: number, quiet: boolean): Promise<ProofTask> {
  const progress = createProgress({ quiet });
  progress.step(`waiting for proof ${taskId}`);
  const task = await waitForProof(base, taskId, { timeoutMs });
  if (task.status === 'aggregated') progress.done(`proof aggregated: ${task.signers.length} signers, weight ${task.signedWeight} of ${task.thresholdWeight} needed`);
  else progress.fail(`proof failed: ${task.failureReason ?? 'no reason given'}`);
  return task;
}

function printTask(task: ProofTask, json: boolean): void {
  if (json) {
    printJson(task);
    return;
  }
  const a = task.attestation;
  printFields({
    taskId: task.taskId,
    status: task.status,
    chainId: a.chainId,
    user: a.user,
    key: a.key,
    blockNumber: a.blockNumber,
    timestamp: a.timestamp,
    value: a.value ?? '(pending)',
    exists: a.exists ?? '(pending)',
    epoch: a.epoch,
    digest: task.digest ?? '(pending)',
    sigData: task.sigData ?? '(pending)',
    signers: task.signers.map((s) => s.operator).join(', ') || '(none yet)',
    signedWeight: `${task.signedWeight} of ${task.thresholdWeight} needed`,
    ...(task.failureReason ? { failureReason: task.failureReason } : {}),
  });
}


