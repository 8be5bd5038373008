/**
 * `avs multi-prover collateral submit --collateral <file>`: puts Intel's DCAP collateral (root CA CRL, PCK CRL, TCB
 * info, QE identity) into the deployment's IntelCollateralStore, item by item, skipping those the store already has in
 * the same or a newer version. Anyone may submit: the contract accepts an item only with Intel's signature chain.
 *
 * `avs multi-prover collateral status [--fmspc <hex> --tee sgx|tdx]`: what the store holds (dates of each CRL, TCB
 * info and QE identity).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Address, type Hex, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { IntelCollateralStoreAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { mainChainOf } from '../../core/chain/deployment.ts';
import { devPrivateKey } from '../../devnet/accounts.ts';
import { type MultiProverDeployment, readMultiProverDeployment } from '../../services/multi-prover/deployment.ts';
import { DEVNET_MAIN_CHAIN_ID, resolveAccountKey } from '../account-key.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { DEFAULT_DEPLOYMENT_PATH, parseCount } from '../options.ts';
import { createProgress, printFields, printJson } from '../output.ts';

/** Adds `collateral submit` and `collateral status` under `multi-prover`. */
export function registerCollateralCommands(multiProver: Command): void {
  const collateral = multiProver.command('collateral').description("Intel DCAP collateral in the deployment's on-chain store");
  collateral
    .command('submit')
    .description('submit Intel collateral (CRLs, TCB info, QE identity) newer than what the store holds; anyone may')
    .requiredOption('--collateral <file>', 'the collateral JSON (Intel PCS/PCCS format: tcb_info, qe_identity, CRLs, issuer chains)')
    .option('--devnet-account <index>', 'local devnet only: send from anvil dev account <index>')
    .option('--ecdsa-keystore <file>', 'send from the key in this keystore (any funded account)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--key <hex>', 'send with this plain hex key: devnets only (default: $AVS_SUBMITTER_KEY)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        deployment?: string;
        collateral: string;
        devnetAccount?: string;
        ecdsaKeystore?: string;
        passwordFile?: string;
        key?: string;
        rpc?: string;
        json?: boolean;
      }>();
      const deployment = readMultiProverDeployment(opts.deployment ?? DEFAULT_DEPLOYMENT_PATH);
      const store = collateralStoreOf(deployment);
      const { parseIntelCollateral } = await import('../../services/multi-prover/tee/intelQuote.ts');
      const { submitIntelCollateral } = await import('../../services/multi-prover/tee/intelCollateralStore.ts');
      const collateral = parseIntelCollateral(readJson(opts.collateral));
      const key = await submitterKey(opts, deployment);
      const main = mainChainOf(deployment);
      const rpcUrl = opts.rpc ?? main.rpcUrl;
      const account = privateKeyToAccount(key);
      const progress = createProgress({ quiet: opts.json });
      progress.step(`submitting Intel collateral to ${store} from ${account.address}`);
      let result;
      try {
        result = await submitIntelCollateral({
          publicClient: makePublicClient(main.chainId, rpcUrl),
          walletClient: makeWalletClient(main.chainId, rpcUrl, account),
          store,
          collateral,
        });
      } catch (error) {
        progress.fail();
        throw error;
      }
      progress.done();
      if (opts.json) {
        printJson({ store, ...result });
        return;
      }
      printFields(
        Object.fromEntries(
          Object.entries(result).map(([item, r]) => [item, r.action === 'submitted' ? `submitted in ${r.tx}` : 'current (the store has it or a newer one)']),
        ),
      );
    });

  collateral
    .command('status')
    .description('what the store holds: the root CA CRL, the QE identities, and a PCK CRL and TCB info when asked for')
    .option('--fmspc <hex>', 'also the TCB info of this platform family (6 bytes of hex, e.g. 00A067110000)')
    .option('--tee <type>', 'the TCB info of --fmspc for sgx or tdx (default sgx)', 'sgx')
    .option('--pck-ca-key <hex>', 'also the CRL of the PCK CA with this public key (64 bytes x‖y, hex)')
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ deployment?: string; fmspc?: string; tee: string; pckCaKey?: string; rpc?: string; json?: boolean }>();
      if (opts.fmspc !== undefined && !/^(0x)?[0-9a-fA-F]{12}$/.test(opts.fmspc)) throw new UsageError(`--fmspc: expected 6 bytes of hex, got "${opts.fmspc}"`);
      if (opts.tee !== 'sgx' && opts.tee !== 'tdx') throw new UsageError(`--tee must be sgx or tdx, got "${opts.tee}"`);
      if (opts.pckCaKey !== undefined && !/^(0x)?[0-9a-fA-F]{128}$/.test(opts.pckCaKey)) throw new UsageError('--pck-ca-key: expected 64 bytes of hex (x‖y)');
      const deployment = readMultiProverDeployment(opts.deployment ?? DEFAULT_DEPLOYMENT_PATH);
      const store = collateralStoreOf(deployment);
      const main = mainChainOf(deployment);
      const client = makePublicClient(main.chainId, opts.rpc ?? main.rpcUrl);
      const read = <T>(functionName: string, args: readonly unknown[] = []) =>
        client.readContract({ address: store, abi: IntelCollateralStoreAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
      type Crl = { thisUpdate: bigint; nextUpdate: bigint; revokedCount: number };
      type Item = { issueDate: bigint; nextUpdate: bigint };
      const crl = (c: Crl) => (c.thisUpdate === 0n ? 'none' : `${time(c.thisUpdate)} .. ${time(c.nextUpdate)}, ${c.revokedCount} revoked`);
      const item = (i: Item) => (i.issueDate === 0n ? 'none' : `issued ${time(i.issueDate)}, valid until ${time(i.nextUpdate)}`);
      const status: Record<string, string> = {
        store,
        'root CA CRL': crl(await read<Crl>('rootCaCrl')),
        'QE identity (SGX QE)': item(await read<Item>('qeIdentityRecord', [0])),
        'QE identity (TDX TD_QE)': item(await read<Item>('qeIdentityRecord', [1])),
      };
      if (opts.fmspc) {
        const fmspc = `0x${opts.fmspc.replace(/^0x/, '').toLowerCase()}` as Hex;
        status[`TCB info (${opts.tee}, FMSPC ${fmspc.slice(2)})`] = item(await read<Item>('tcbInfoRecord', [opts.tee === 'tdx' ? 1 : 0, fmspc]));
      }
      if (opts.pckCaKey) {
        const keyHash = keccak256(`0x${opts.pckCaKey.replace(/^0x/, '')}`);
        status['PCK CRL'] = crl(await read<Crl>('pckCrl', [keyHash]));
      }
      if (opts.json) printJson(status);
      else printFields(status);
    });
}

/** The deployment's IntelCollateralStore. @throws {CommandFailedError} when it has none. */
function collateralStoreOf(deployment: MultiProverDeployment): Address {
  const store = deployment.multiProver.intelCollateralStore;
  if (!store) throw new CommandFailedError('the deployment has no Intel collateral store (services.multi-prover.intelCollateralStore): it accepts no SGX or TDX quotes');
  return store;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandFailedError(`cannot read the collateral ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The sending key: a devnet dev account, a keystore, or plain hex on devnets. */
async function submitterKey(
  opts: { devnetAccount?: string; ecdsaKeystore?: string; passwordFile?: string; key?: string },
  deployment: MultiProverDeployment,
): Promise<Hex> {
  if (opts.devnetAccount !== undefined) {
    if (opts.key !== undefined || opts.ecdsaKeystore !== undefined) throw new UsageError('give --devnet-account or --ecdsa-keystore/--key, not both');
    if (deployment.mainChainId !== DEVNET_MAIN_CHAIN_ID) throw new UsageError('--devnet-account only works on a local devnet (main chain 31337)');
    return devPrivateKey(parseCount('--devnet-account', opts.devnetAccount, { max: 19 }));
  }
  return resolveAccountKey({
    keyOption: '--key',
    key: opts.key,
    keyEnv: 'AVS_SUBMITTER_KEY',
    keystore: opts.ecdsaKeystore,
    passwordFile: opts.passwordFile,
    mainChainId: deployment.mainChainId,
  });
}

function time(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
