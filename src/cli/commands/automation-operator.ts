/**
 * `avs automation operator generate|register|set-signer|activate|deactivate|deregister`: an EigenLayer operator joins
 * the automation AVS with a signing key (its attestations of executors' slots), names a delegated signer (the hot key
 * that sends its executions), and takes turns as executor once active.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type Address, type Hex, getAddress, isAddress, isAddressEqual } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ExecutorScheduleAbi } from '../../core/chain/abis/generated/index.ts';
import { encryptKeystore, keystoreAddress, readKeystoreJson } from '../../core/crypto/keystore.ts';
import { joinAvs, leaveAvs, parseMagnitude } from '../avs-registration.ts';
import {
  type AutomationGlobals,
  type KeyOptions,
  automationTarget,
  keyOptions,
  loadAutomationWriter,
  printResult,
  sendAndWait,
} from '../automation-context.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { parseAddress } from '../options.ts';
import { createProgress } from '../output.ts';
import { defaultKeysDir, keyFilePath, resolveKeystorePassword } from './keys.ts';

const OPERATOR_KEY_ENV = 'AVS_OPERATOR_KEY';

/** Adds `operator …` under `automation`. */
export function registerAutomationOperatorCommands(automation: Command): void {
  const operator = automation.command('operator').description('join or leave the automation AVS, name your delegated signer, and take turns as executor');
  registerGenerate(operator);
  registerRegister(operator);
  registerSetSigner(operator);
  registerActivation(operator, 'activate');
  registerActivation(operator, 'deactivate');
  registerDeregister(operator);
}

function registerGenerate(operator: Command): void {
  operator
    .command('generate')
    .description(
      'generate the two keys an automation operator needs, each saved encrypted as <dir>/<name>-<role>.ecdsa.key.json: the signing key (registered in the stake registry) and the delegated signer (sends executions)',
    )
    .requiredOption('--name <name>', 'key name prefix (letters, digits, - and _)')
    .option('--dir <path>', 'key directory (default: ~/.eigenlayer/operator_keys)')
    .option('--password-file <path>', 'file holding the password of both keystores (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { name: string; dir?: string; passwordFile?: string; json?: boolean }) => {
      if (!/^[A-Za-z0-9_-]{1,56}$/.test(opts.name)) throw new UsageError(`--name must be 1 to 56 letters, digits, "-" or "_", got "${opts.name}"`);
      const dir = resolve(opts.dir ?? defaultKeysDir());
      const files = { signing: keyFilePath(dir, `${opts.name}-signing`, 'ecdsa'), signer: keyFilePath(dir, `${opts.name}-signer`, 'ecdsa') };
      // Both or neither: refuse before asking for a password.
      for (const file of Object.values(files)) if (existsSync(file)) throw new CommandFailedError(`key file already exists: ${file}`);
      const password = await resolveKeystorePassword({ passwordFile: opts.passwordFile, create: true, what: `the automation keys "${opts.name}"` });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const made: Record<string, { file: string; address: Address }> = {};
      for (const [role, file] of Object.entries(files)) {
        const key = randomKey();
        try {
          await writeFile(file, JSON.stringify(await encryptKeystore(key, password)), { flag: 'wx', mode: 0o600 });
        } catch (error) {
          throw new CommandFailedError(`cannot write ${file}: ${(error as Error).message}`);
        }
        made[role] = { file, address: privateKeyToAccount(key).address };
      }
      printResult(
        {
          signingKey: made.signing!.address,
          signingKeyFile: made.signing!.file,
          delegatedSigner: made.signer!.address,
          delegatedSignerFile: made.signer!.file,
          next: `avs automation operator register --signing-key ${made.signing!.file}, then set-signer ${made.signer!.address} and activate`,
        },
        opts.json,
      );
    });
}

function registerRegister(operator: Command): void {
  keyOptions(
    operator
      .command('register')
      .description(
        'join the automation AVS: register with EigenLayer (if needed), join operator set 0, allocate stake to it, and once the allocation is in effect register your signing key; rerun it after a failed or pending step, it does only what is left',
      ),
    'the operator key',
    OPERATOR_KEY_ENV,
  )
    .option('--signing-key <address|keystore>', 'the signing key: its address, or its keystore file (only the address is read; default: $AVS_SIGNING_KEY)')
    .option('--magnitude <wad|percent>', 'share of each strategy allocated (slashable) to operator set 0: a wad (1e18 = all) or a percentage like 50% (default: all)')
    .option('--metadata-uri <uri>', 'operator metadata URI for a new EigenLayer operator', '')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { signingKey?: string; magnitude?: string; metadataUri: string }>();
      const magnitude = parseMagnitude('--magnitude', opts.magnitude);
      const signingKey = await signingKeyAddress(opts.signingKey ?? process.env.AVS_SIGNING_KEY);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, OPERATOR_KEY_ENV);
      if (isAddressEqual(signingKey, account.address)) throw new UsageError('--signing-key must differ from the operator key (keep that one cold)');
      const result = await joinAvs({
        client,
        wallet,
        account,
        operator: account.address,
        target: automationTarget(deployment),
        signingKey,
        magnitude,
        metadataUri: opts.metadataUri,
        command: 'avs automation operator register',
        progress: createProgress({ quiet: opts.json }),
      });
      printResult(result, opts.json);
    });
}

function registerSetSigner(operator: Command): void {
  keyOptions(
    operator
      .command('set-signer')
      .description('name the delegated signer: the hot key that sends your executions and may (de)activate you; it replaces the previous one')
      .argument('<address>', 'the delegated signer’s address (not the operator’s own, nor another operator’s signer)'),
    'the operator key (or, with --operator, its admin’s or appointee’s)',
    OPERATOR_KEY_ENV,
  )
    .option('--operator <address>', 'act for this operator as its admin or appointee (default: the key’s own address)')
    .action(async (signerText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { operator?: string }>();
      const signer = parseAddress('<address>', signerText);
      const operatorAddress = opts.operator === undefined ? undefined : parseAddress('--operator', opts.operator);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, OPERATOR_KEY_ENV);
      const operator = operatorAddress ?? account.address;
      const schedule = { address: deployment.automation.executorSchedule, abi: ExecutorScheduleAbi } as const;
      const previous = await client.readContract({ ...schedule, functionName: 'delegatedSigner', args: [operator] });
      const receipt = await sendAndWait(client, 'setDelegatedSigner', () => wallet.writeContract({ ...schedule, functionName: 'setDelegatedSigner', args: [operator, signer] }));
      printResult({ operator, delegatedSigner: signer, previous: getAddress(previous), transactionHash: receipt.transactionHash }, opts.json);
    });
}

function registerActivation(operator: Command, action: 'activate' | 'deactivate'): void {
  const activate = action === 'activate';
  keyOptions(
    operator
      .command(action)
      .description(
        activate
          ? 'become an executor from the next arrangement (the next epoch’s ExecutorSchedule.arrangeExecutors); you must be registered'
          : 'stop being an executor from the next arrangement: until then the slots you were drawn for stay your duty (run their due workflows or be slashed)',
      ),
    'the operator key or its delegated signer',
    OPERATOR_KEY_ENV,
  )
    .option('--operator <address>', 'the operator, when the key is its delegated signer (default: the key’s own address)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { operator?: string }>();
      const operatorAddress = opts.operator === undefined ? undefined : parseAddress('--operator', opts.operator);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, OPERATOR_KEY_ENV);
      const operator = operatorAddress ?? account.address;
      const schedule = { address: deployment.automation.executorSchedule, abi: ExecutorScheduleAbi } as const;
      const functionName = activate ? 'activateExecutor' : 'deactivateExecutor';
      const receipt = await sendAndWait(client, functionName, () => wallet.writeContract({ ...schedule, functionName, args: [operator] }));
      const active = await client.readContract({ ...schedule, functionName: 'isActive', args: [operator], blockNumber: receipt.blockNumber });
      printResult(
        {
          operator,
          active,
          takesEffect: 'at the next arrangement (ExecutorSchedule.arrangeExecutors, once per epoch); slots already arranged keep their executor',
          transactionHash: receipt.transactionHash,
        },
        opts.json,
      );
    });
}

function registerDeregister(operator: Command): void {
  keyOptions(
    operator.command('deregister').description('leave the automation AVS: out of the stake registry at the next epoch boundary, then out of operator set 0'),
    'the operator key (or, with --operator, its admin’s or appointee’s)',
    OPERATOR_KEY_ENV,
  )
    .option('--operator <address>', 'act for this operator as its admin or appointee (default: the key’s own address)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AutomationGlobals & KeyOptions & { operator?: string }>();
      const operatorAddress = opts.operator === undefined ? undefined : parseAddress('--operator', opts.operator);
      const { deployment, client, account, wallet } = await loadAutomationWriter(opts, OPERATOR_KEY_ENV);
      const result = await leaveAvs({ client, wallet, account, operator: operatorAddress ?? account.address, target: automationTarget(deployment) });
      printResult(result, opts.json);
    });
}

/**
 * The signing key's address: given as an address, or read from a keystore file's `address` field (no password needed).
 * @throws {UsageError} naming --signing-key.
 */
async function signingKeyAddress(text: string | undefined): Promise<Address> {
  if (!text) throw new UsageError('--signing-key is required (or set AVS_SIGNING_KEY): the address of your signing key, or its keystore file');
  if (isAddress(text, { strict: false })) return getAddress(text);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return privateKeyToAccount((text.startsWith('0x') ? text : `0x${text}`) as Hex).address;
  if (!existsSync(text)) throw new UsageError(`--signing-key must be an address, a private key or a keystore file, got "${text}"`);
  const address = keystoreAddress(await readKeystoreJson(text), text);
  if (!address) throw new UsageError(`--signing-key ${text} names no address: give the key's address instead`);
  return address;
}

function randomKey(): Hex {
  for (;;) {
    const key = `0x${randomBytes(32).toString('hex')}` as Hex;
    try {
      privateKeyToAccount(key);
      return key;
    } catch {
      // 0 or ≥ n: astronomically unlikely; draw again.
    }
  }
}
