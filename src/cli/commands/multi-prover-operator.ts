/**
 * `avs multi-prover operator register|attest|run`: an EigenLayer operator joins the multi-prover AVS with its BLS key,
 * proves its TEE prover live on-chain, and runs its node.
 */
import type { Command } from 'commander';
import { type Hex, isAddressEqual, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TEELivenessVerifierAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { mainChainOf } from '../../core/chain/deployment.ts';
import type { BlsKeyPair } from '../../core/crypto/bls.ts';
import { devnetBlsKey } from '../../devnet/accounts.ts';
import { devnetOperatorKeys } from '../../devnet/seed.ts';
import { operatorRole } from '../../services/multi-prover/config.ts';
import { type MultiProverDeployment, TEE_TYPE_NUMBERS, readMultiProverDeployment, teeTypeSchema } from '../../services/multi-prover/deployment.ts';
import { AllocationPendingError, registerMultiProverOperator } from '../../services/multi-prover/registration.ts';
import { AttestationKeeper, DevnetTee, devnetAttestationKeyOf, devnetProverMeasurement } from '../../services/multi-prover/operator/attestation.ts';
import { DevnetEnclave } from '../../services/multi-prover/tee/devnetEnclave.ts';
import { DEVNET_MAIN_CHAIN_ID, keyOfConfigSource, resolveAccountKey } from '../account-key.ts';
import { CommandFailedError, UsageError, describeError } from '../errors.ts';
import { DEFAULT_DEPLOYMENT_PATH, parseAddress, parseCount, parseUint } from '../options.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';
import { resolveKeystorePassword } from './keys.ts';
import { rpcFlags, untilSignal } from './operator.ts';

/** One whole wad of magnitude: all of an operator's stake in a strategy. */
const WAD = 10n ** 18n;

type Globals = { deployment?: string; json?: boolean; rpc?: string };
type KeyOptions = { devnetOperator?: string; key?: string; ecdsaKeystore?: string; passwordFile?: string };

/** Adds `operator register`, `operator attest` and `operator run` under `multi-prover`. */
export function registerMultiProverOperatorCommands(multiProver: Command): void {
  const operator = multiProver.command('operator').description('join the multi-prover AVS, keep your TEE prover live, and run your node');
  registerRegister(operator);
  registerAttest(operator);
  registerRun(operator);
}

/** The deployment named by `--deployment`, as the multi-prover reads it (exit 1 when it has no multi-prover section). */
function loadMultiProverDeployment(path: string | undefined): MultiProverDeployment {
  return readMultiProverDeployment(path ?? DEFAULT_DEPLOYMENT_PATH);
}

/** A devnet operator index, refused off a devnet. */
function devnetOperatorIndex(text: string, deployment: MultiProverDeployment): number {
  const index = parseCount('--devnet-operator', text, { max: 1000 });
  if (deployment.mainChainId !== DEVNET_MAIN_CHAIN_ID) throw new UsageError('--devnet-operator only works on a local devnet (main chain 31337)');
  return index;
}

/** The operator's (or its appointee's) ECDSA key: a devnet operator's, a keystore, or plain hex on devnets. */
async function accountKey(opts: KeyOptions, deployment: MultiProverDeployment): Promise<{ key: Hex; devnetIndex?: number }> {
  if (opts.devnetOperator !== undefined) {
    if (opts.key !== undefined || opts.ecdsaKeystore !== undefined) throw new UsageError('give --devnet-operator or --ecdsa-keystore/--key, not both');
    const index = devnetOperatorIndex(opts.devnetOperator, deployment);
    return { key: devnetOperatorKeys(index).operatorKey, devnetIndex: index };
  }
  const key = await resolveAccountKey({
    keyOption: '--key',
    key: opts.key,
    keyEnv: 'AVS_OPERATOR_KEY',
    keystore: opts.ecdsaKeystore,
    passwordFile: opts.passwordFile,
    mainChainId: deployment.mainChainId,
  });
  return { key };
}

function keyFlags(command: Command, what: string): Command {
  return command
    .option('--devnet-operator <index>', 'local devnet only: seeded operator <index> with its deterministic keys')
    .option('--ecdsa-keystore <file>', `${what} from an encrypted keystore, e.g. ~/.eigenlayer/operator_keys/op.ecdsa.key.json`)
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', `${what}, plain hex: devnets only (default: $AVS_OPERATOR_KEY)`)
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON');
}

function registerRegister(operator: Command): void {
  keyFlags(
    operator
      .command('register')
      .description(
        'register your BLS key, join the quorums’ operator sets, allocate stake to them, and register in the MultiProverRegistry; rerun it after a failed or pending step, it does only what is left',
      ),
    'the operator key (it sends every transaction and signs the AVSDirectory registration)',
  )
    .option('--bls-keystore <file>', 'the BLS key to register: an EIP-2335 or EigenLayer .bls.key.json keystore')
    .option('--bls-password-file <path>', 'the BLS keystore’s password file (default: --password-file, else $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .requiredOption('--quorums <list>', 'quorums to join, e.g. 0,1 (each the ServiceManager’s operator set of that number)')
    .option('--magnitude <wad>', 'share of each quorum strategy allocated to each quorum’s operator set, 1e18 = all (default: all, split evenly over the quorums)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & KeyOptions & { blsKeystore?: string; blsPasswordFile?: string; quorums: string; magnitude?: string }>();
      const quorums = parseQuorums(opts.quorums);
      const deployment = loadMultiProverDeployment(opts.deployment);
      const known = deployment.multiProver.teeQuorums.map((q) => q.quorumNumber);
      const unknown = quorums.filter((q) => !known.includes(q));
      if (unknown.length > 0) throw new UsageError(`--quorums: ${unknown.join(', ')} not a quorum of the deployment (it has ${known.join(', ')})`);
      const magnitude = opts.magnitude === undefined ? WAD / BigInt(quorums.length) : parseUint('--magnitude', opts.magnitude);
      if (magnitude === 0n || magnitude > WAD) throw new UsageError(`--magnitude must be from 1 to ${WAD} (1e18 = all)`);
      if (opts.devnetOperator !== undefined && opts.blsKeystore !== undefined) throw new UsageError('give --devnet-operator or --bls-keystore, not both');
      if (opts.devnetOperator === undefined && opts.blsKeystore === undefined) throw new UsageError('--bls-keystore is required (or --devnet-operator on a devnet)');
      const { key, devnetIndex } = await accountKey(opts, deployment);
      let blsKey: BlsKeyPair;
      if (devnetIndex !== undefined) {
        blsKey = devnetBlsKey(devnetIndex);
      } else {
        const { readBlsKeystoreFile } = await import('../../core/crypto/keystore-bls.ts');
        const password = await resolveKeystorePassword({ passwordFile: opts.blsPasswordFile ?? opts.passwordFile, what: opts.blsKeystore! });
        blsKey = await readBlsKeystoreFile(opts.blsKeystore!, password);
      }
      const main = mainChainOf(deployment);
      const client = makePublicClient(main.chainId, opts.rpc ?? main.rpcUrl);
      const devnet = deployment.mainChainId === DEVNET_MAIN_CHAIN_ID;
      const progress = createProgress({ quiet: opts.json });
      const account = privateKeyToAccount(key);
      let result: Record<string, unknown>;
      try {
        const registration = await registerMultiProverOperator({
          client,
          deployment,
          operator: account,
          blsKey,
          quorums,
          magnitude,
          mineAllocationDelay: devnet,
          // Off a devnet each step is confirmed before the next is sent, so a failure leaves a clear state to resume from.
          send: devnet ? undefined : { mode: 'confirmed' },
          onProgress: (m) => progress.info(m),
        });
        result = {
          operator: registration.operator,
          operatorId: registration.operatorId,
          status: registration.changed ? 'registered' : 'already registered',
          quorums,
          weights: Object.fromEntries(Object.entries(registration.weights).map(([q, w]) => [q, w.toString()])),
          steps: Object.fromEntries(registration.steps.map((s) => [s.step, s.outcome])),
        };
      } catch (error) {
        if (!(error instanceof AllocationPendingError)) throw namedError(error);
        // Not a failure: the allocation counts once its delay has passed, and the same command finishes the job then.
        result = { operator: account.address, status: 'allocation pending', effectBlock: error.effectBlock, next: 'rerun `avs multi-prover operator register` from that block on' };
      }
      if (opts.json) printJson(result);
      else printFields(result);
    });
}

function parseQuorums(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) {
    throw new UsageError(`--quorums must be quorum numbers from 0 to 255 separated by commas, e.g. 0,1; got "${text}"`);
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

function registerAttest(operator: Command): void {
  keyFlags(
    operator
      .command('attest')
      .description(
        'prove a new TEE prover live for the operator once (TEELivenessVerifier.submitLivenessProof) and print its key and liveUntil: checks the attestation path before a node runs (devnet TEE today)',
      ),
    'the sending key: the operator key, or an appointee’s for submitLivenessProof (with --operator)',
  )
    .option('--operator <address>', 'the operator the prover serves (default: the key’s own address)')
    .option('--tee <type>', 'TEE type: devnet (sgx and tdx provers attest from the running node)', 'devnet')
    .option('--code-identity <id>', 'devnet TEE: the code identity the enclave is measured as (default the devnet prover build’s)')
    .option('--replace', 'replace a prover that is live now (a running node re-attests its own at its next round)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & KeyOptions & { operator?: string; tee: string; codeIdentity?: string; replace?: boolean }>();
      const teeType = teeTypeSchema.safeParse(opts.tee);
      if (!teeType.success) throw new UsageError(`--tee must be one of ${teeTypeSchema.options.join(', ')}, got "${opts.tee}"`);
      if (teeType.data !== 'devnet') {
        throw new CommandFailedError(
          `${teeType.data} provers attest from the running node (\`avs multi-prover operator run\` with attestation.intel): their key is generated inside the TEE and lives only in that process`,
        );
      }
      const deployment = loadMultiProverDeployment(opts.deployment);
      const { multiProver } = deployment;
      const verifier = multiProver.attestationVerifiers.devnet;
      if (!verifier) throw new CommandFailedError('the deployment has no devnet attestation verifier (services.multi-prover.attestationVerifiers.devnet)');
      const { key } = await accountKey(opts, deployment);
      const account = privateKeyToAccount(key);
      const operatorAddress = opts.operator === undefined ? account.address : parseAddress('--operator', opts.operator);
      const main = mainChainOf(deployment);
      const rpcUrl = opts.rpc ?? main.rpcUrl;
      const client = makePublicClient(main.chainId, rpcUrl);
      const current = await client.readContract({
        address: multiProver.livenessVerifier,
        abi: TEELivenessVerifierAbi,
        functionName: 'getProver',
        args: [operatorAddress, TEE_TYPE_NUMBERS.devnet],
      });
      const now = (await client.getBlock({ blockTag: 'latest' })).timestamp;
      if (!opts.replace && !isAddressEqual(current.proverKey, zeroAddress) && current.liveUntil > now) {
        throw new CommandFailedError(
          `operator ${operatorAddress}'s prover ${current.proverKey} is live until ${current.liveUntil} (a running node's?): attesting a new enclave replaces it; pass --replace to do so`,
        );
      }
      const attestationKey = multiProver.devnetAttestationKey ?? (await devnetAttestationKeyOf(client, verifier));
      const tee = new DevnetTee({ attestationKey, enclave: new DevnetEnclave(devnetProverMeasurement(opts.codeIdentity)) });
      // The keeper's round reports what it did, not the transaction: this wallet keeps the hash of the one it sends.
      const wallet = makeWalletClient(main.chainId, rpcUrl, account);
      let transactionHash: Hex | undefined;
      const recording = Object.assign(Object.create(wallet) as typeof wallet, {
        writeContract: async (request: Parameters<typeof wallet.writeContract>[0]) => (transactionHash = await wallet.writeContract(request)),
      });
      const keeper = new AttestationKeeper({ tee, operator: operatorAddress, client, wallet: recording, livenessVerifier: multiProver.livenessVerifier });
      const progress = createProgress({ quiet: opts.json });
      progress.step(`attesting a devnet prover for operator ${operatorAddress}`);
      let round;
      try {
        round = await keeper.refresh();
      } catch (error) {
        progress.fail();
        throw namedError(error);
      }
      progress.done();
      const result = {
        operator: operatorAddress,
        teeType: teeType.data,
        proverKey: round.proverKey,
        liveUntil: round.liveUntil,
        liveUntilTime: new Date(round.liveUntil * 1000).toISOString(),
        action: round.action,
        transactionHash: transactionHash ?? null,
      };
      if (opts.json) printJson(result);
      else printFields(result);
    });
}

/**
 * The keepers' and the registration's named errors as one line that keeps their name (`MeasurementNotAllowedError:
 * …`); viem's errors as the CLI describes them (a revert names its custom error).
 */
function namedError(error: unknown): unknown {
  if (error instanceof Error && !(error instanceof UsageError) && !(error instanceof CommandFailedError) && error.name.endsWith('Error') && error.name !== 'Error' && !('shortMessage' in error)) {
    return new CommandFailedError(`${error.name}: ${describeError(error)}`);
  }
  return error;
}

function registerRun(operator: Command): void {
  operator
    .command('run')
    .description('run the operator node: keep the prover live, dial the aggregator, prove block states in the TEE, sign them with your BLS key')
    .option(...CONFIG_OPTION)
    .option('--operator <address>', 'the operator’s EigenLayer address')
    .option('--devnet-operator <index>', 'local devnet only: run seeded operator <index> with its deterministic keys')
    .option('--bls-keystore <file>', 'the registered BLS key: an EIP-2335 or EigenLayer .bls.key.json keystore')
    .option('--password-file <path>', 'the BLS keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--liveness-keystore <file>', 'the account sending liveness proofs (the operator or its appointee), from a keystore')
    .option('--liveness-key <hex>', 'that account as a plain hex key: devnets only')
    .option('--liveness-password-file <path>', 'the liveness keystore’s password file')
    .option('--aggregator <url>', 'multi-prover aggregator URL, http(s) or ws(s) (default: the deployment file’s)')
    .option('--rpc <chainId=url...>', 'your own RPC endpoints, e.g. 31337=http://... 31338=http://...')
    .option('--db <path>', 'SQLite journal file (default: .avs/multi-prover-operator-<address>.sqlite); DATABASE_URL for Postgres')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API (default 127.0.0.1)')
    .option('--code-identity <id>', 'devnet TEE: the code identity the enclave is measured as')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        operator?: string;
        devnetOperator?: string;
        blsKeystore?: string;
        passwordFile?: string;
        livenessKeystore?: string;
        livenessKey?: string;
        livenessPasswordFile?: string;
        aggregator?: string;
        rpc?: string[];
        db?: string;
        nodeApiPort?: string;
        nodeApiHost?: string;
        codeIdentity?: string;
      }>();
      const read = readRunConfig(operatorRole, cmd, [
        { key: 'address', flag: '--operator', value: opts.operator },
        ...keySourceFlags([
          { key: 'blsKey.devnetOperator', flag: '--devnet-operator', value: opts.devnetOperator },
          { key: 'blsKey.keystore', flag: '--bls-keystore', value: opts.blsKeystore },
        ]),
        { key: 'blsKey.passwordFile', flag: '--password-file', value: opts.passwordFile },
        ...keySourceFlags([
          { key: 'livenessKey.keystore', flag: '--liveness-keystore', value: opts.livenessKeystore },
          { key: 'livenessKey.privateKey', flag: '--liveness-key', value: opts.livenessKey },
        ]),
        { key: 'livenessKey.passwordFile', flag: '--liveness-password-file', value: opts.livenessPasswordFile },
        { key: 'aggregatorUrl', flag: '--aggregator', value: opts.aggregator },
        ...rpcFlags(opts.rpc),
        { key: 'database.sqlitePath', flag: '--db', value: opts.db },
        { key: 'nodeApi.port', flag: '--node-api-port', value: opts.nodeApiPort },
        { key: 'nodeApi.host', flag: '--node-api-host', value: opts.nodeApiHost },
        { key: 'attestation.codeIdentity', flag: '--code-identity', value: opts.codeIdentity },
      ]);
      const config = loadRunDeployment(read);
      if (!config.values.aggregatorUrl) {
        throw new UsageError('no multi-prover aggregator URL: pass --aggregator, set aggregatorUrl, or run `avs devnet` (it writes aggregator.multiProverUrl)');
      }
      const { startMultiProverOperatorFromConfig } = await import('../../services/multi-prover/operator/run.ts');
      const running = await startMultiProverOperatorFromConfig(config, {
        password: (source) => resolveKeystorePassword({ passwordFile: source.passwordFile, what: source.keystore }),
        ecdsaKeystore: (source) => keyOfConfigSource(source),
        devnetOperator: (index) => ({ operatorKey: devnetOperatorKeys(index).operatorKey, blsSecret: devnetBlsKey(index).secret }),
      }).catch((error: unknown) => {
        throw namedError(error);
      });
      await untilSignal();
      await running.stop();
    });
}
