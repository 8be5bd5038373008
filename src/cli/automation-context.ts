/**
 * What every `avs automation` command starts from: the deployment's `services.automation` section, the main chain's
 * clients, the sending key (a keystore anywhere, plain hex on devnets), and the key options they share.
 */
import type { Command } from 'commander';
import type { Account, Chain, Hex, PrivateKeyAccount, PublicClient, Transport, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import { mainChainOf, readDeployment } from '../core/chain/deployment.ts';
import type { AvsRegistrationTarget } from '../runtime/registration.ts';
import { type AutomationDeployment, automationDeployment } from '../services/automation/deployment.ts';
import { resolveAccountKey } from './account-key.ts';
import { CommandFailedError } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';
import { printFields, printJson } from './output.ts';

/** Options every automation command takes (the global `--deployment` included). */
export type AutomationGlobals = { deployment?: string; rpc?: string; json?: boolean };
/** The sending key's options. */
export type KeyOptions = { key?: string; ecdsaKeystore?: string; passwordFile?: string };

/** Adds the sending key's options (`--ecdsa-keystore`, `--password-file`, `--key`) plus `--rpc` and `--json`. */
export function keyOptions(command: Command, what: string, keyEnv: string): Command {
  return command
    .option('--ecdsa-keystore <file>', `${what} from an encrypted keystore`)
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', `${what}, plain hex: devnets only (default: $${keyEnv})`)
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON');
}

/** Adds `--rpc` and `--json` (read commands). */
export function readOptions(command: Command): Command {
  return command.option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)').option('--json', 'print the result as JSON');
}

/** The deployment and a public client of its main chain. */
export type AutomationReader = { deployment: AutomationDeployment; client: PublicClient };
/** A reader plus the sending account and its wallet. */
export type AutomationWriter = AutomationReader & { account: PrivateKeyAccount; wallet: WalletClient<Transport, Chain, Account> };

/**
 * Reads the deployment named by `--deployment` (default `.avs/devnet.json`) with its automation section.
 * @throws {DeploymentError} naming `services.automation` when the file has no (valid) automation section (exit 1).
 */
export function loadAutomation(opts: AutomationGlobals): AutomationReader {
  const path = opts.deployment ?? DEFAULT_DEPLOYMENT_PATH;
  const deployment = automationDeployment(readDeployment(path), path);
  const main = mainChainOf(deployment);
  return { deployment, client: makePublicClient(main.chainId, opts.rpc ?? main.rpcUrl) };
}

/**
 * {@link loadAutomation} plus the sending key from `--ecdsa-keystore`, or `--key` / `$keyEnv` on a devnet.
 * @throws {UsageError} for a missing or malformed key; {CommandFailedError} for an unreadable keystore.
 */
export async function loadAutomationWriter(opts: AutomationGlobals & KeyOptions, keyEnv: string): Promise<AutomationWriter> {
  const reader = loadAutomation(opts);
  const main = mainChainOf(reader.deployment);
  const key: Hex = await resolveAccountKey({
    keyOption: '--key',
    key: opts.key,
    keyEnv,
    keystore: opts.ecdsaKeystore,
    passwordFile: opts.passwordFile,
    mainChainId: reader.deployment.mainChainId,
  });
  const account = privateKeyToAccount(key);
  return { ...reader, account, wallet: makeWalletClient(main.chainId, opts.rpc ?? main.rpcUrl, account) };
}

/**
 * Operator set of the automation AVS (AUTOMATION_OPERATOR_SET_ID of services/automation/deploy.ts, not imported: that
 * module carries the contracts' bytecode, which no command here needs).
 */
const AUTOMATION_OPERATOR_SET_ID = 0;

/** Where an automation operator registers: the AVS's ServiceManager, stake registry and operator set 0. */
export function automationTarget(deployment: AutomationDeployment): AvsRegistrationTarget {
  return {
    eigenlayer: deployment.eigenlayer,
    serviceManager: deployment.automation.serviceManager,
    stakeRegistry: deployment.automation.stakeRegistry,
    operatorSetId: AUTOMATION_OPERATOR_SET_ID,
  };
}

/**
 * Sends a transaction and waits for it.
 * @returns the receipt.
 * @throws {CommandFailedError} naming `what` when it reverted (a revert at estimation surfaces as the contract's error).
 */
export async function sendAndWait(client: PublicClient, what: string, write: () => Promise<Hex>) {
  const hash = await write();
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new CommandFailedError(`${what} transaction ${hash} reverted`);
  return receipt;
}

/** Prints a result: JSON with `--json`, else aligned fields. */
export function printResult(result: Record<string, unknown>, json: boolean | undefined): void {
  if (json) printJson(result);
  else printFields(result);
}
