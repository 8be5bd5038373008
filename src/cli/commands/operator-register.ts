/**
 * `avs operator register|sign-registration|deregister`: an operator joins or leaves the AVS, itself or through an
 * admin or appointee that EigenLayer's PermissionController lets act for it (`--operator`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Address, type Hex, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { mainChainOf } from '../../core/chain/deployment.ts';
import type { StateProofsDeployment } from '../../services/state-proofs/deployment.ts';
import {
  type SignatureWithSaltAndExpiry,
  formatRegistrationSignatureFile,
  registrationSignatureFileSchema,
  signAvsRegistration,
} from '../../runtime/registration.ts';
import { registrationTarget } from '../../services/state-proofs/registration.ts';
import { resolveAccountKey } from '../account-key.ts';
import { FULL_MAGNITUDE, joinAvs, leaveAvs } from '../avs-registration.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { loadDeployment, parseAddress, parseUint } from '../options.ts';


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
      const joined = await joinAvs({
        client: makePublicClient(main.chainId, rpcUrl),
        wallet: makeWalletClient(main.chainId, rpcUrl, account),
        account,
        operator,
        target: registrationTarget(deployment),
        signingKey,
        magnitude,
        metadataUri: opts.metadataUri,
        registrationSignature: fileSignature,
        command: 'avs operator register',
        progress: createProgress({ quiet: opts.json }),
      });
      const { transactions: _transactions, ...result } = joined;
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
      // Leaves the operator set too (allowed once out of the registry); the stake stays slashable for the
      // AllocationManager's DEALLOCATION_DELAY blocks, which outlasts every proof the operator signed.
      const left = await leaveAvs({
        client: makePublicClient(main.chainId, rpcUrl),
        wallet: makeWalletClient(main.chainId, rpcUrl, account),
        account,
        operator,
        target: registrationTarget(deployment),
      });
      const result = { operator, effectiveEpoch: left.effectiveEpoch, operatorSetLeft: left.operatorSetLeft, transactionHash: left.transactionHash };
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

/** An address, or the address of a private key. */
function resolveSigningKeyAddress(text: string | undefined): Address {
  if (!text) throw new UsageError('--signing-key is required (or set AVS_SIGNING_KEY)');
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return getAddress(text);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return privateKeyToAccount((text.startsWith('0x') ? text : `0x${text}`) as Hex).address;
  throw new UsageError('--signing-key must be an address or a 32-byte hex private key');
}
