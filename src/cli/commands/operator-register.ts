/**
 * `avs operator register|sign-registration|deregister`: an operator joins or leaves the AVS, itself or through an
 * admin or appointee that EigenLayer's PermissionController lets act for it (`--operator`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Address, type Hex, type PublicClient, getAddress, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AVSDirectoryAbi, AllocationManagerAbi, DelegationManagerAbi, ECDSAStakeRegistryAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { mainChainOf } from '../../core/chain/deployment.ts';
import type { StateProofsDeployment } from '../../services/state-proofs/deployment.ts';
import {
  type SignatureWithSaltAndExpiry,
  formatRegistrationSignatureFile,
  isRegisteredInAvsDirectory,
  missingAppointments,
  readRegistrationState,
  registrationSignatureFileSchema,
  signAvsRegistration,
} from '../../runtime/registration.ts';
import { registrationTarget } from '../../services/state-proofs/registration.ts';
import { resolveAccountKey } from '../account-key.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { loadDeployment, parseAddress, parseUint } from '../options.ts';

/** All of an operator's magnitude (1e18 = 100%): what `operator register` allocates to the AVS operator set by default. */
const FULL_MAGNITUDE = 10n ** 18n;

type Globals = { deployment?: string; json?: boolean; rpc?: string };
type KeyOptions = { key?: string; ecdsaKeystore?: string; passwordFile?: string };

/** The sending key: the operator's own, or its admin's or appointee's with `--operator`; a keystore anywhere, plain hex on devnets. */
function senderKey(opts: KeyOptions, mainChainId: number): Promise<Hex> {
  return resolveAccountKey({ keyOption: '--key', key: opts.key, keyEnv: 'AVS_OPERATOR_KEY', keystore: opts.ecdsaKeystore, passwordFile: opts.passwordFile, mainChainId });
}

function keyFlags(command: Command, what: string): Command {
  return command
    .option('--ecdsa-keystore <file>', `${what} from an encrypted keystore, e.g. ~/.eigenlayer/operator_keys/op.ecdsa.key.json`)
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', `${what}, plain hex: devnets only (default: $AVS_OPERATOR_KEY)`);
}

/** Adds `operator register`, `operator sign-registration` and `operator deregister` to the `operator` command. */
export function registerOperatorRegistrationCommands(operator: Command): void {
  keyFlags(
    operator
      .command('register')
      .description(
        'join the AVS: register with EigenLayer (if needed), join the AVS operator set, allocate stake to it, and once the allocation is in effect register the key that will sign attestations; rerun it after a failed or pending step, it does only what is left',
      ),
    'the sending key: the operator key, or with --operator an admin or appointee of the operator',
  )
    .option('--operator <address>', 'act for this operator as its admin or appointee in the EigenLayer PermissionController (default: the key’s own address)')
    .option('--registration-signature <file>', 'with --operator: the operator’s AVSDirectory signature, written by `avs operator sign-registration`')
    .option('--signing-key <address|hex>', 'signing key: its address, or its private key (default: $AVS_SIGNING_KEY)')
    .option('--metadata-uri <uri>', 'operator metadata URI for a new EigenLayer operator', '')
    .option('--magnitude <wad>', 'share of each strategy allocated (slashable) to the AVS operator set, 1e18 = all; your weight is the stake it makes slashable (default: all)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        Globals & KeyOptions & { operator?: string; registrationSignature?: string; signingKey?: string; metadataUri: string; magnitude?: string }
      >();
      const deployment = loadDeployment(opts.deployment);
      const magnitude = parseUint('--magnitude', opts.magnitude ?? FULL_MAGNITUDE.toString());
      if (magnitude === 0n || magnitude > FULL_MAGNITUDE) throw new UsageError(`--magnitude must be from 1 to ${FULL_MAGNITUDE} (1e18 = all)`);
      const account = privateKeyToAccount(await senderKey(opts, deployment.mainChainId));
      const operator = opts.operator === undefined ? account.address : parseAddress('--operator', opts.operator);
      const actingForAnother = operator !== account.address;
      if (!actingForAnother && opts.registrationSignature !== undefined) {
        throw new UsageError('--registration-signature is for an admin or appointee registering another operator (--operator)');
      }
      const signingKey = resolveSigningKeyAddress(opts.signingKey ?? process.env.AVS_SIGNING_KEY);
      if (signingKey === operator || signingKey === account.address) {
        throw new UsageError('--signing-key must differ from the operator key and the sending key (keep those cold)');
      }
      // Read the signature file before anything is sent: a bad file must cost nothing.
      const fileSignature = actingForAnother ? readRegistrationSignature(opts.registrationSignature, operator, deployment) : undefined;
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
      const target = registrationTarget(deployment);
      const plan = await readRegistrationState(client, target, operator, magnitude);

      if (!plan.isOperator) {
        if (actingForAnother) {
          throw new CommandFailedError(`${operator} is not an EigenLayer operator: only its own key can register it (DelegationManager.registerAsOperator); do that first, then rerun`);
        }
        await send('registering as an EigenLayer operator', () =>
          wallet.writeContract({ address: deployment.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'registerAsOperator', args: [zeroAddress, 0, opts.metadataUri] }),
        );
        Object.assign(plan, await readRegistrationState(client, target, operator, magnitude));
      } else if (!plan.allocationDelaySet) {
        // Nothing else can succeed before the delay is set: say how, and send nothing.
        throw new CommandFailedError(
          `operator ${operator} has no allocation delay set in the AllocationManager (${deployment.eigenlayer.allocationManager}): ` +
            'set one first with AllocationManager.setAllocationDelay(operator, blocks) (e.g. `eigenlayer operator allocations set-delay`), wait for it to apply, then rerun this command',
        );
      }
      if (actingForAnother) {
        // Say every appointment still needed before sending anything, so the operator's admin makes them in one go.
        const missing = await missingAppointments(client, target, operator, account.address, plan);
        if (missing.length !== 0) {
          throw new CommandFailedError(
            `${account.address} may not act for operator ${operator}: an admin of the operator must first call ` +
              missing.map((m) => `PermissionController.setAppointee(${operator}, ${account.address}, ${m.target}, ${m.selector}) for ${m.signature}`).join('; '),
          );
        }
      }
      const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
      const avs = deployment.stateProofs.serviceManager;
      if (!plan.member) {
        await send('joining the AVS operator set', () =>
          wallet.writeContract({ ...allocationManager, functionName: 'registerForOperatorSets', args: [operator, { avs, operatorSetIds: [0], data: '0x' }] }),
        );
      }
      if (plan.strategiesToAllocate.length !== 0) {
        await send(`allocating ${magnitude} (1e18 = all) of the operator's stake to the AVS operator set`, () =>
          wallet.writeContract({
            ...allocationManager,
            functionName: 'modifyAllocations',
            args: [operator, [{ operatorSet: { avs, id: 0 }, strategies: plan.strategiesToAllocate, newMagnitudes: plan.strategiesToAllocate.map(() => magnitude) }]],
          }),
        );
      }
      const registry = { address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
      let transactionHash: Hex | undefined;
      let effectiveEpoch: number | undefined;
      const after = await readRegistrationState(client, target, operator, magnitude);
      const slashableFromBlock = after.allocationEffectBlock;
      const head = await client.getBlockNumber({ cacheTime: 0 });
      if (!after.registered && slashableFromBlock > head) {
        // The allocation counts once its delay has passed: nothing to register before (the registry would refuse).
        const result = { operator, signingKey, status: 'allocation pending', slashableFromBlock, currentBlock: head, allocationDelayBlocks: after.allocationDelay, next: 'rerun `avs operator register` from that block on' };
        if (opts.json) printJson(result);
        else printFields(result);
        return;
      }
      if (!after.registered) {
        const slashable = await client.readContract({ ...registry, functionName: 'slashableWeight', args: [operator] });
        const minimum = await client.readContract({ ...registry, functionName: 'minimumWeight' });
        if (slashable < minimum) {
          throw new CommandFailedError(
            `the stake the AVS operator set can slash gives weight ${slashable}, below the registry's minimum weight ${minimum}: allocate more (--magnitude) or restake more, then rerun`,
          );
        }
        progress.step('registering with the AVS');
        if (fileSignature) {
          await checkSignatureUsable(client, deployment, operator, fileSignature);
          transactionHash = await wallet.writeContract({ ...registry, functionName: 'registerOperatorWithSignature', args: [operator, fileSignature, signingKey] });
        } else {
          const signature = await signAvsRegistration({ client, avs: target, operator: account });
          transactionHash = await wallet.writeContract({ ...registry, functionName: 'registerOperatorWithSignature', args: [signature, signingKey] });
        }
        const receipt = await expectSuccess(client, transactionHash, 'registerOperatorWithSignature');
        effectiveEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch', blockNumber: receipt.blockNumber });
        progress.done();
      }
      const [weight, inDirectory, registeredKey] = await Promise.all([
        client.readContract({ ...registry, functionName: 'getLatestOperatorWeight', args: [operator] }),
        isRegisteredInAvsDirectory(client, target, operator),
        client.readContract({ ...registry, functionName: 'getLatestOperatorSigningKey', args: [operator] }),
      ]);
      const result = {
        operator,
        sentBy: account.address,
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

  keyFlags(
    operator
      .command('sign-registration')
      .description(
        'sign the AVSDirectory registration with the operator key and write it to a file, for an admin or appointee to register the operator with `avs operator register --operator <address> --registration-signature <file>`',
      ),
    'the operator key',
  )
    .requiredOption('--out <file>', 'where to write the signature (JSON)')
    .option('--expiry <seconds>', 'how long the signature stays usable, seconds', '86400')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & KeyOptions & { out: string; expiry: string }>();
      const deployment = loadDeployment(opts.deployment);
      const lifetime = parseUint('--expiry', opts.expiry);
      if (lifetime === 0n) throw new UsageError('--expiry must be at least 1 second');
      const account = privateKeyToAccount(await senderKey(opts, deployment.mainChainId));
      const main = mainChainOf(deployment);
      const client = makePublicClient(main.chainId, opts.rpc ?? main.rpcUrl);
      const expiry = (await client.getBlock()).timestamp + lifetime;
      const target = registrationTarget(deployment);
      const signature = await signAvsRegistration({ client, avs: target, operator: account, expiry });
      const avs = deployment.stateProofs.serviceManager;
      try {
        writeFileSync(opts.out, formatRegistrationSignatureFile(account.address, avs, signature), { mode: 0o600 });
      } catch (error) {
        throw new CommandFailedError(`cannot write ${opts.out}: ${(error as Error).message}`);
      }
      const result = { operator: account.address, avs, expiry: signature.expiry, file: opts.out };
      if (opts.json) printJson(result);
      else printFields(result);
    });

  keyFlags(operator.command('deregister').description('leave the AVS (effective at the next epoch boundary; the operator counts until then)'), 'the sending key')
    .option('--operator <address>', 'act for this operator as its admin or appointee (default: the key’s own address)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<Globals & KeyOptions & { operator?: string }>();
      const deployment = loadDeployment(opts.deployment);
      const account = privateKeyToAccount(await senderKey(opts, deployment.mainChainId));
      const operator = opts.operator === undefined ? account.address : parseAddress('--operator', opts.operator);
      const main = mainChainOf(deployment);
      const rpcUrl = opts.rpc ?? main.rpcUrl;
      const client = makePublicClient(main.chainId, rpcUrl);
      const wallet = makeWalletClient(main.chainId, rpcUrl, account);
      const registry = { address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
      const hash =
        operator === account.address
          ? await wallet.writeContract({ ...registry, functionName: 'deregisterOperator', args: [] })
          : await wallet.writeContract({ ...registry, functionName: 'deregisterOperator', args: [operator] });
      const receipt = await expectSuccess(client, hash, 'deregisterOperator');
      const effectiveEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch', blockNumber: receipt.blockNumber });
      // Leave the operator set too (allowed once out of the registry); the stake stays slashable for the
      // AllocationManager's DEALLOCATION_DELAY blocks, which outlasts every proof the operator signed.
      let operatorSetLeft = false;
      const avs = deployment.stateProofs.serviceManager;
      const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
      const member = await client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [operator, { avs, id: 0 }] });
      if (member) {
        const leave = await wallet.writeContract({ ...allocationManager, functionName: 'deregisterFromOperatorSets', args: [{ operator, avs, operatorSetIds: [0] }] });
        await expectSuccess(client, leave, 'deregisterFromOperatorSets');
        operatorSetLeft = true;
      }
      const result = { operator, effectiveEpoch, operatorSetLeft, transactionHash: hash };
      if (opts.json) printJson(result);
      else printFields(result);
    });
}

/**
 * The registration signature file named by `--registration-signature`, checked to be `operator`'s for this AVS.
 * @throws {UsageError} when the file is not given; {CommandFailedError} when it is unreadable, malformed, or for
 *         another operator or AVS.
 */
function readRegistrationSignature(path: string | undefined, operator: Address, deployment: StateProofsDeployment): SignatureWithSaltAndExpiry {
  if (path === undefined) {
    throw new UsageError(
      `acting for operator ${operator} needs its AVSDirectory signature: have the operator run \`avs operator sign-registration --out <file>\` with its key, then pass --registration-signature <file>`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CommandFailedError(`cannot read the registration signature ${path}: ${(error as Error).message}`);
  }
  const parsed = registrationSignatureFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CommandFailedError(`registration signature ${path}: ${issue.path.join('.') || '(file)'} ${issue.message}`);
  }
  const file = parsed.data;
  if (file.operator !== operator) throw new CommandFailedError(`registration signature ${path} is operator ${file.operator}'s, not ${operator}'s`);
  if (file.avs !== getAddress(deployment.stateProofs.serviceManager)) {
    throw new CommandFailedError(`registration signature ${path} is for AVS ${file.avs}, not this deployment's ${deployment.stateProofs.serviceManager}`);
  }
  return { signature: file.signature, salt: file.salt, expiry: file.expiry };
}

/** Refuses a signature the AVSDirectory would refuse for its expiry or its spent salt, before sending it. */
async function checkSignatureUsable(client: PublicClient, deployment: StateProofsDeployment, operator: Address, signature: SignatureWithSaltAndExpiry): Promise<void> {
  const [block, spent] = await Promise.all([
    client.getBlock(),
    client.readContract({ address: deployment.eigenlayer.avsDirectory, abi: AVSDirectoryAbi, functionName: 'operatorSaltIsSpent', args: [operator, signature.salt] }),
  ]);
  if (signature.expiry < block.timestamp) {
    throw new CommandFailedError(`the operator's registration signature expired at ${signature.expiry} (chain time ${block.timestamp}): have the operator sign again`);
  }
  if (spent) throw new CommandFailedError(`the operator's registration signature was already used (salt ${signature.salt}): have the operator sign again`);
}

/** An address, or the address of a private key. */
function resolveSigningKeyAddress(text: string | undefined): Address {
  if (!text) throw new UsageError('--signing-key is required (or set AVS_SIGNING_KEY)');
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return getAddress(text);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return privateKeyToAccount((text.startsWith('0x') ? text : `0x${text}`) as Hex).address;
  throw new UsageError('--signing-key must be an address or a 32-byte hex private key');
}

async function expectSuccess(client: PublicClient, hash: Hex, what: string) {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new CommandFailedError(`${what} transaction ${hash} reverted`);
  return receipt;
}
