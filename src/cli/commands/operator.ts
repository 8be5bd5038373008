/**
 * `avs operator register|deregister|run`: an operator joins or leaves the AVS, or runs its node.
 */
import type { Command } from 'commander';
import { type Address, type Hex, getAddress, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AllocationManagerAbi, DelegationManagerAbi, ECDSAStakeRegistryAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { mainChainOf } from '../../core/chain/deployment.ts';
import { isRegisteredInAvsDirectory, readRegistrationState, signAvsRegistration } from '../../state-proofs/registration.ts';
import { devnetOperatorKeys } from '../../devnet/seed.ts';
import { keyOfConfigSource, resolveAccountKey } from '../account-key.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { loadDeployment, parseUint } from '../options.ts';
import { operatorSocketUrl } from '../aggregator-client.ts';
import { type FlagValue, finalityOf, rpcUrlsOf } from '../../core/config/index.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';

/** All of an operator's magnitude (1e18 = 100%): what `operator register` allocates to the AVS operator set by default. */
const FULL_MAGNITUDE = 10n ** 18n;

type Globals = { deployment?: string; json?: boolean; rpc?: string };

/** The operator's own (EigenLayer) key: a keystore on any network, plain hex on devnets. */
function operatorKey(opts: { key?: string; ecdsaKeystore?: string; passwordFile?: string }, mainChainId: number): Promise<Hex> {
  return resolveAccountKey({ keyOption: '--key', key: opts.key, keyEnv: 'AVS_OPERATOR_KEY', keystore: opts.ecdsaKeystore, passwordFile: opts.passwordFile, mainChainId });
}

/** Adds `operator register`, `operator deregister` and `operator run` to the program. */
export function registerOperatorCommands(program: Command): void {
  const operator = program.command('operator').description('join, leave, or run an operator of the state-proofs AVS');

  operator
    .command('register')
    .description(
      'join the AVS: register with EigenLayer (if needed), join the AVS operator set, allocate stake to it, and once the allocation is in effect register the key that will sign attestations; rerun it after a failed or pending step, it does only what is left',
    )
    .option('--ecdsa-keystore <file>', 'operator key from an encrypted keystore, e.g. ~/.eigenlayer/operator_keys/op.ecdsa.key.json')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', 'operator private key, plain hex: devnets only (default: $AVS_OPERATOR_KEY)')
    .option('--signing-key <address|hex>', 'signing key: its address, or its private key (default: $AVS_SIGNING_KEY)')
    .option('--metadata-uri <uri>', 'operator metadata URI for a new EigenLayer operator', '')
    .option('--magnitude <wad>', 'share of each strategy allocated (slashable) to the AVS operator set, 1e18 = all; your weight is the stake it makes slashable (default: all)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        Globals & { key?: string; ecdsaKeystore?: string; passwordFile?: string; signingKey?: string; metadataUri: string; magnitude?: string }
      >();
      const deployment = loadDeployment(opts.deployment);
      const magnitude = parseUint('--magnitude', opts.magnitude ?? FULL_MAGNITUDE.toString());
      if (magnitude === 0n || magnitude > FULL_MAGNITUDE) throw new UsageError(`--magnitude must be from 1 to ${FULL_MAGNITUDE} (1e18 = all)`);
      const account = privateKeyToAccount(await operatorKey(opts, deployment.mainChainId));
      const signingKey = resolveSigningKeyAddress(opts.signingKey ?? process.env.AVS_SIGNING_KEY);
      if (signingKey === account.address) {
        throw new UsageError('--signing-key must differ from the operator key (keep the operator key cold)');
      }
      const main = mainChainOf(deployment);
      const rpcUrl = opts.rpc ?? main.rpcUrl;
      const client = makePublicClient(main.chainId, rpcUrl);
      const wallet = makeWalletClient(main.chainId, rpcUrl, account);
      const progress = createProgress({ quiet: opts.json });
      const send = async (what: string, write: () => Promise<Hex>) => {
        progress.step(what);
        const receipt = await expectSuccess(client, await write(), what);
        progress.done();
        return receipt;
      };
      const plan = await readRegistrationState(client, deployment, account.address, magnitude);

      if (!plan.isOperator) {
        await send('registering as an EigenLayer operator', () =>
          wallet.writeContract({ address: deployment.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'registerAsOperator', args: [zeroAddress, 0, opts.metadataUri] }),
        );
        Object.assign(plan, await readRegistrationState(client, deployment, account.address, magnitude));
      } else if (!plan.allocationDelaySet) {
        // Nothing else can succeed before the delay is set: say how, and send nothing.
        throw new CommandFailedError(
          `operator ${account.address} has no allocation delay set in the AllocationManager (${deployment.eigenlayer.allocationManager}): ` +
            'set one first with AllocationManager.setAllocationDelay(operator, blocks) (e.g. `eigenlayer operator allocations set-delay`), wait for it to apply, then rerun this command',
        );
      }
      const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
      const avs = deployment.stateProofs.serviceManager;
      if (!plan.member) {
        await send('joining the AVS operator set', () =>
          wallet.writeContract({ ...allocationManager, functionName: 'registerForOperatorSets', args: [account.address, { avs, operatorSetIds: [0], data: '0x' }] }),
        );
      }
      if (plan.strategiesToAllocate.length !== 0) {
        await send(`allocating ${magnitude} (1e18 = all) of your stake to the AVS operator set`, () =>
          wallet.writeContract({
            ...allocationManager,
            functionName: 'modifyAllocations',
            args: [account.address, [{ operatorSet: { avs, id: 0 }, strategies: plan.strategiesToAllocate, newMagnitudes: plan.strategiesToAllocate.map(() => magnitude) }]],
          }),
        );
      }
      const registry = { address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
      let transactionHash: Hex | undefined;
      let effectiveEpoch: number | undefined;
      const after = await readRegistrationState(client, deployment, account.address, magnitude);
      const slashableFromBlock = after.allocationEffectBlock;
      const head = await client.getBlockNumber();
      if (!after.registered && slashableFromBlock > head) {
        // The allocation counts once its delay has passed: nothing to register before (the registry would refuse).
        const result = { operator: account.address, signingKey, status: 'allocation pending', slashableFromBlock, currentBlock: head, allocationDelayBlocks: after.allocationDelay, next: 'rerun `avs operator register` from that block on' };
        if (opts.json) printJson(result);
        else printFields(result);
        return;
      }
      if (!after.registered) {
        const slashable = await client.readContract({ ...registry, functionName: 'slashableWeight', args: [account.address] });
        const minimum = await client.readContract({ ...registry, functionName: 'minimumWeight' });
        if (slashable < minimum) {
          throw new CommandFailedError(
            `the stake the AVS operator set can slash gives weight ${slashable}, below the registry's minimum weight ${minimum}: allocate more (--magnitude) or restake more, then rerun`,
          );
        }
        progress.step('signing the AVSDirectory registration and registering with the AVS');
        const signature = await signAvsRegistration({ client, deployment, operator: account });
        transactionHash = await wallet.writeContract({ ...registry, functionName: 'registerOperatorWithSignature', args: [signature, signingKey] });
        const receipt = await expectSuccess(client, transactionHash, 'registerOperatorWithSignature');
        effectiveEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch', blockNumber: receipt.blockNumber });
        progress.done();
      }
      const [weight, inDirectory, registeredKey] = await Promise.all([
        client.readContract({ ...registry, functionName: 'getLatestOperatorWeight', args: [account.address] }),
        isRegisteredInAvsDirectory(client, deployment, account.address),
        client.readContract({ ...registry, functionName: 'getLatestOperatorSigningKey', args: [account.address] }),
      ]);
      const result = {
        operator: account.address,
        signingKey: registeredKey,
        status: transactionHash ? 'registered' : 'already registered',
        weight,
        effectiveEpoch,
        avsDirectoryRegistered: inDirectory,
        operatorSetJoined: true,
        transactionHash,
      };
      if (opts.json) printJson(result);
      else printFields(result);
    });

  operator
    .command('deregister')
    .description('leave the AVS (effective at the next epoch boundary; the operator counts until then)')
    .option('--ecdsa-keystore <file>', 'operator key from an encrypted keystore')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', 'operator private key, plain hex: devnets only (default: $AVS_OPERATOR_KEY)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & { key?: string; ecdsaKeystore?: string; passwordFile?: string }>();
      const deployment = loadDeployment(opts.deployment);
      const account = privateKeyToAccount(await operatorKey(opts, deployment.mainChainId));
      const main = mainChainOf(deployment);
      const rpcUrl = opts.rpc ?? main.rpcUrl;
      const client = makePublicClient(main.chainId, rpcUrl);
      const wallet = makeWalletClient(main.chainId, rpcUrl, account);
      const hash = await wallet.writeContract({
        address: deployment.stateProofs.stakeRegistry,
        abi: ECDSAStakeRegistryAbi,
        functionName: 'deregisterOperator',
        args: [],
      });
      const receipt = await expectSuccess(client, hash, 'deregisterOperator');
      const effectiveEpoch = await client.readContract({
        address: deployment.stateProofs.stakeRegistry,
        abi: ECDSAStakeRegistryAbi,
        functionName: 'effectiveEpoch',
        blockNumber: receipt.blockNumber,
      });
      // Leave the operator set too (allowed once out of the registry); the stake stays slashable for the
      // AllocationManager's DEALLOCATION_DELAY blocks, which outlasts every proof the operator signed.
      let operatorSetLeft = false;
      const avs = deployment.stateProofs.serviceManager;
      const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
      const member = await client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [account.address, { avs, id: 0 }] });
      if (member) {
        const leave = await wallet.writeContract({
          ...allocationManager,
          functionName: 'deregisterFromOperatorSets',
          args: [{ operator: account.address, avs, operatorSetIds: [0] }],
        });
        await expectSuccess(client, leave, 'deregisterFromOperatorSets');
        operatorSetLeft = true;
      }
      const result = { operator: account.address, effectiveEpoch, operatorSetLeft, transactionHash: hash };
      if (opts.json) printJson(result);
      else printFields(result);
    });

  operator
    .command('run')
    .description('run the operator node: dial the aggregator, read chains through your RPCs, sign attestations')
    .option(...CONFIG_OPTION)
    .option('--operator <address>', 'the operator’s address (default: $AVS_OPERATOR_ADDRESS)')
    .option('--devnet-operator <index>', 'local devnet only: run seeded operator <index> with its deterministic keys')
    .option('--signing-key <hex>', 'private key of the registered signing key, plain hex: devnets (default: $AVS_SIGNING_KEY)')
    .option('--ecdsa-keystore <file>', 'signing key from an encrypted keystore, e.g. <name>.ecdsa.key.json (default: $AVS_ECDSA_KEYSTORE)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--aggregator <url>', 'aggregator URL, http(s) or ws(s) (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--rpc <chainId=url...>', 'your own RPC endpoints, e.g. 31337=http://... 31338=http://...')
    .option('--confirmations <n>', 'blocks a read waits for (devnets), or "finalized"; default: 2 on a devnet, the finalized tag elsewhere')
    .option('--db <path>', 'SQLite journal file (default: .avs/operator-<address>.sqlite); DATABASE_URL for Postgres')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API (default 127.0.0.1)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        NodeRunOptions & { operator?: string; devnetOperator?: string; signingKey?: string; ecdsaKeystore?: string; passwordFile?: string }
      >();
      const read = readRunConfig('operator', cmd, [
        { key: 'address', flag: '--operator', value: opts.operator },
        ...signingKeyFlags(opts),
        { key: 'signingKey.passwordFile', flag: '--password-file', value: opts.passwordFile },
        ...nodeRunFlags(opts),
      ]);
      const values = read.values;
      // The keystore is opened first: a node with an unreadable keystore or a wrong password never starts.
      const keystoreKey =
        values.signingKey.keystore === undefined ? undefined : await keyOfConfigSource({ keystore: values.signingKey.keystore, passwordFile: values.signingKey.passwordFile });
      const loaded = loadRunDeployment(read);
      const { deployment } = loaded;
      let operatorAddress: Address;
      let signingPrivateKey: Hex;
      if (values.signingKey.devnetOperator !== undefined) {
        const keys = devnetOperatorKeys(values.signingKey.devnetOperator);
        operatorAddress = privateKeyToAccount(keys.operatorKey).address;
        signingPrivateKey = keys.signingKey;
        if (values.address !== undefined && values.address !== operatorAddress) {
          throw new UsageError(`devnet operator ${values.signingKey.devnetOperator} is ${operatorAddress}, not ${values.address}: give --devnet-operator or --operator, not both`);
        }
      } else {
        operatorAddress = values.address!;
        signingPrivateKey = keystoreKey ?? values.signingKey.privateKey!;
      }
      const aggregatorText = values.aggregatorUrl;
      if (!aggregatorText) throw new UsageError('no aggregator URL: pass --aggregator, set AVS_AGGREGATOR_URL or aggregatorUrl, or run `avs devnet`');
      const aggregatorUrl = operatorSocketUrl(aggregatorText.replace(/\/+$/, ''));
      const { startOperator } = await import('../../state-proofs/operator/run.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const running = await startOperator({
        deployment,
        aggregatorUrl,
        operator: operatorAddress,
        signingPrivateKey,
        rpcUrls: rpcUrlsOf(loaded),
        finality: finalityOf(values.confirmations, deployment.mainChainId),
        databaseUrl: values.database.url,
        sqlitePath: values.database.sqlitePath,
        nodeApi: values.nodeApi,
        logger: createLogger('operator', { level: values.logLevel }).child({ operator: operatorAddress }),
      });
      await untilSignal();
      await running.stop();
    });
}

/**
 * The signing key source given by flags; the sources not given are removed, so a flag replaces a source named by the
 * file or the environment (two source flags together are refused by the schema).
 */
function signingKeyFlags(opts: { devnetOperator?: string; signingKey?: string; ecdsaKeystore?: string }): FlagValue[] {
  return keySourceFlags([
    { key: 'signingKey.devnetOperator', flag: '--devnet-operator', value: opts.devnetOperator },
    { key: 'signingKey.privateKey', flag: '--signing-key', value: opts.signingKey },
    { key: 'signingKey.keystore', flag: '--ecdsa-keystore', value: opts.ecdsaKeystore },
  ]);
}

/** `--rpc 31337=http://...` values as config entries `rpc.<chainId>`. */
export function rpcFlags(values: string[] | undefined): FlagValue[] {
  return (values ?? []).map((item) => {
    const match = /^(\d+)=(.+)$/.exec(item);
    if (!match) throw new UsageError(`--rpc must look like <chainId>=<url>, got "${item}"`);
    return { key: `rpc.${match[1]}`, flag: '--rpc', value: match[2] };
  });
}

/** The options `operator run` and `challenger run` share. */
export type NodeRunOptions = { aggregator?: string; rpc?: string[]; confirmations?: string; db?: string; nodeApiPort?: string; nodeApiHost?: string };

/** The flags of `operator run` and `challenger run` that mean the same in both, as config entries. */
export function nodeRunFlags(opts: NodeRunOptions): FlagValue[] {
  return [
    { key: 'aggregatorUrl', flag: '--aggregator', value: opts.aggregator },
    ...rpcFlags(opts.rpc),
    { key: 'confirmations', flag: '--confirmations', value: opts.confirmations },
    { key: 'database.sqlitePath', flag: '--db', value: opts.db },
    { key: 'nodeApi.port', flag: '--node-api-port', value: opts.nodeApiPort },
    { key: 'nodeApi.host', flag: '--node-api-host', value: opts.nodeApiHost },
  ];
}

/** An address, or the address of a private key. */
function resolveSigningKeyAddress(text: string | undefined): Address {
  if (!text) throw new UsageError('--signing-key is required (or set AVS_SIGNING_KEY)');
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return getAddress(text);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return privateKeyToAccount((text.startsWith('0x') ? text : `0x${text}`) as Hex).address;
  throw new UsageError('--signing-key must be an address or a 32-byte hex private key');
}

async function expectSuccess(client: ReturnType<typeof makePublicClient>, hash: Hex, what: string) {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new CommandFailedError(`${what} transaction ${hash} reverted`);
  return receipt;
}

/** Resolves on SIGINT or SIGTERM (keeping the process alive until then). */
export async function untilSignal(): Promise<NodeJS.Signals> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  clearInterval(keepAlive);
  return signal;
}
