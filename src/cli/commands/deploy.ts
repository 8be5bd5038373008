/**
 * `avs deploy`: deploys the state-proofs AVS on a public network (or any chain with an EigenLayer core) from a deploy
 * config (src/services/state-proofs/deployConfig.ts) and writes the deployment file every other command reads.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AllocationManagerAbi, DelegationManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient } from '../../core/chain/clients.ts';
import { MIN_CORE_VERSION, assertCoreVersion } from '../../core/chain/coreVersion.ts';
import { serializeDeployment } from '../../core/chain/deployment.ts';
import { type DeployConfig, readDeployConfig } from '../../services/state-proofs/deployConfig.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { resolveAccountKey } from '../account-key.ts';

type DeployOptions = { config: string; out: string; key?: string; ecdsaKeystore?: string; passwordFile?: string; force?: boolean; json?: boolean };

/**
 * The StateDisputeResolver's constructor rule, checked before anything is sent: a signer's stake must stay slashable
 * (EigenLayer's deallocation and withdrawal delays, in blocks) for the whole challenge window,
 * `(2 + maxProofAgeEpochs) × epoch.length + disputes.resolutionPeriod` seconds at `disputes.minBlockTime` s per block.
 * @throws {CommandFailedError} naming the config keys to change.
 */
async function assertChallengeWindowFits(client: PublicClient, config: DeployConfig): Promise<void> {
  const window = (2n + BigInt(config.maxProofAgeEpochs)) * config.epoch.length + config.disputes.resolutionPeriod;
  const minBlockTime = BigInt(config.disputes.minBlockTime);
  const required = (window + minBlockTime - 1n) / minBlockTime;
  const [deallocation, withdrawal] = await Promise.all([
    client.readContract({ address: config.eigenlayer.allocationManager, abi: AllocationManagerAbi, functionName: 'DEALLOCATION_DELAY' }),
    client.readContract({ address: config.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'minWithdrawalDelayBlocks' }),
  ]);
  const shortest = Math.min(deallocation, withdrawal);
  if (BigInt(shortest) < required) {
    throw new CommandFailedError(
      `the challenge window, (2 + maxProofAgeEpochs) × epoch.length + disputes.resolutionPeriod = ${window} s, is ${required} blocks at ` +
        `disputes.minBlockTime ${minBlockTime} s, longer than EigenLayer keeps stake slashable on chain ${config.mainChain.chainId} ` +
        `(${shortest} blocks): shorten epoch.length or disputes.resolutionPeriod, or lower maxProofAgeEpochs`,
    );
  }
}

/** Adds `deploy` to the program. */
export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description('deploy the state-proofs AVS onto an existing EigenLayer core and write its deployment file')
    .requiredOption('--config <file>', 'deploy config (JSON; templates config/deploy.mainnet.example.json and config/deploy.sepolia.example.json, keys in docs/avs-team-guide.md)')
    .option('--out <file>', 'where to write the deployment file', 'deployment.json')
    .option('--ecdsa-keystore <file>', 'deployer key from an encrypted keystore (default: $AVS_ECDSA_KEYSTORE)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', 'deployer private key, plain hex: devnets (chain 31337) only (default: $AVS_DEPLOYER_KEY)')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print the deployment as JSON')
    .addHelpText(
      'after',
      `\nThe network's EigenLayer core must be v${MIN_CORE_VERSION} or later (checked before anything is sent).\n` +
        '\nExample:\n  cp config/deploy.mainnet.example.json deploy.json      # then fill in your quorum, owner and accounts\n' +
        '  avs deploy --config deploy.json --ecdsa-keystore ~/.eigenlayer/operator_keys/deployer.ecdsa.key.json --out mainnet.json\n',
    )
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DeployOptions>();
      const config = readDeployConfig(opts.config);
      if (existsSync(opts.out) && !opts.force) {
        throw new UsageError(`${opts.out} exists: give another --out, or --force to overwrite it`);
      }
      const privateKey = await resolveAccountKey({
        keyOption: '--key',
        key: opts.key,
        keyEnv: 'AVS_DEPLOYER_KEY',
        keystore: opts.ecdsaKeystore,
        keystoreEnv: 'AVS_ECDSA_KEYSTORE',
        passwordFile: opts.passwordFile,
        mainChainId: config.mainChain.chainId,
      });
      const deployer = privateKeyToAccount(privateKey);

      const progress = createProgress({ quiet: opts.json });
      progress.step('checking the chains, the deployer and the EigenLayer core');
      const mainClient = makePublicClient(config.mainChain.chainId, config.mainChain.rpcUrl);
      for (const chain of [config.mainChain, ...config.remoteChains]) {
        const client = chain === config.mainChain ? mainClient : makePublicClient(chain.chainId, chain.rpcUrl);
        const [actual, balance] = await Promise.all([client.getChainId(), client.getBalance({ address: deployer.address })]);
        if (actual !== chain.chainId) {
          throw new CommandFailedError(`${chain.rpcUrl} serves chain ${actual}, but the config says ${chain.chainId}`);
        }
        if (balance === 0n) throw new CommandFailedError(`the deployer ${deployer.address} has no funds on chain ${chain.chainId}`);
      }
      for (const [name, address] of Object.entries(config.eigenlayer)) {
        const code = await mainClient.getCode({ address });
        if (!code || code === '0x') throw new CommandFailedError(`eigenlayer.${name}: no contract at ${address} on chain ${config.mainChain.chainId}`);
      }
      // Before anything else of the core is read: an older core may not even have the functions read below.
      const core = await assertCoreVersion(mainClient, config.eigenlayer, config.mainChain.chainId);
      await assertChallengeWindowFits(mainClient, config);
      const head = await mainClient.getBlock();
      const genesis = config.epoch.genesis ?? head.timestamp;
      // Every contract of the AVS is deployed after this block: where the aggregator's event scans may start.
      const fromBlock = head.number + 1n;
      progress.done();

      const { deployStateProofs } = await import('../../services/state-proofs/deploy.ts');
      const deployment = await deployStateProofs({
        deployer,
        main: config.mainChain,
        remotes: config.remoteChains,
        eigenlayer: config.eigenlayer,
        quorum: config.quorum,
        epoch: { genesis, length: config.epoch.length, grace: config.epoch.grace },
        thresholdBps: config.thresholdBps,
        minimumWeight: config.minimumWeight,
        maxProofAgeEpochs: config.maxProofAgeEpochs,
        owner: config.owner,
        rewardsInitiator: config.rewardsInitiator ?? deployer.address,
        metadataUri: config.metadataUri,
        disputes: config.disputes,
        send: { mode: 'confirmed', confirmations: config.confirmations },
        onProgress: (line) => progress.step(line),
      });
      progress.done();
      writeFileSync(opts.out, serializeDeployment(deployment));
      if (opts.json) {
        printJson({
          deploymentFile: opts.out,
          fromBlock: fromBlock.toString(),
          eigenlayerVersion: core.version,
          deployment: JSON.parse(serializeDeployment(deployment)),
        });
        return;
      }
      printFields({
        deploymentFile: opts.out,
        serviceManager: deployment.stateProofs.serviceManager,
        stakeRegistry: deployment.stateProofs.stakeRegistry,
        epochManager: deployment.stateProofs.epochManager,
        stateDisputeResolver: deployment.stateProofs.stateDisputeResolver,
        owner: config.owner ?? deployer.address,
        eigenlayerVersion: `${core.version} (${core.contract}.version())`,
        fromBlock: `${fromBlock} (give it to the aggregator as registryFromBlock)`,
      });
    });
}
