/**
 * `avs state set|get`: write and read values in the StateManager of any chain of the deployment.
 */
import type { Command } from 'commander';
import type { Address } from 'viem';
import { StateManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { printFields, printJson } from '../output.ts';
import { loadDeployment, parseAddress, parseUint, resolveChain, resolvePrivateKey } from '../options.ts';

type ChainOptions = { deployment?: string; chain?: string; rpc?: string; json?: boolean };

/** Adds `state set` and `state get` to the program. */
export function registerStateCommands(program: Command): void {
  const state = program.command('state').description('write and read values in StateManager');

  state
    .command('set')
    .description('append <value> to your history under <key> (setValue) and wait for the receipt')
    .argument('<key>', 'uint256 key')
    .argument('<value>', 'uint256 value')
    .option('--chain <id>', 'chain id (default: the main chain)')
    .option('--rpc <url>', 'RPC endpoint (default: the deployment’s)')
    .option('--key <hex>', 'private key of the writer (default: $AVS_PRIVATE_KEY)')
    .option('--json', 'print the result as JSON')
    .action(async (keyText: string, valueText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ChainOptions & { key?: string }>();
      const key = parseUint('<key>', keyText);
      const value = parseUint('<value>', valueText);
      const account = resolvePrivateKey('--key', opts.key, 'AVS_PRIVATE_KEY');
      const deployment = loadDeployment(opts.deployment);
      const chain = resolveChain(deployment, opts.chain, opts.rpc);
      const wallet = makeWalletClient(chain.chainId, chain.rpcUrl, account);
      const client = makePublicClient(chain.chainId, chain.rpcUrl);
      const hash = await wallet.writeContract({
        address: chain.stateManager,
        abi: StateManagerAbi,
        functionName: 'setValue',
        args: [key, value],
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`setValue transaction ${hash} reverted`);
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      const result = {
        chainId: chain.chainId,
        user: account.address,
        key,
        value,
        blockNumber: receipt.blockNumber,
        timestamp: block.timestamp,
        transactionHash: hash,
      };
      if (opts.json) printJson(result);
      else printFields(result);
    });

  state
    .command('get')
    .description('read the value <user> held under <key> at a block or time (default: latest)')
    .argument('<user>', 'address of the history owner')
    .argument('<key>', 'uint256 key')
    .option('--chain <id>', 'chain id (default: the main chain)')
    .option('--rpc <url>', 'RPC endpoint (default: the deployment’s)')
    .option('--block <n>', 'block number')
    .option('--timestamp <t>', 'unix seconds (the last block at or before it)')
    .option('--json', 'print the result as JSON')
    .action(async (userText: string, keyText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ChainOptions & { block?: string; timestamp?: string }>();
      const user: Address = parseAddress('<user>', userText);
      const key = parseUint('<key>', keyText);
      if (opts.block !== undefined && opts.timestamp !== undefined) throw new UsageError('give --block or --timestamp, not both');
      const at = opts.block !== undefined ? parseUint('--block', opts.block) : undefined;
      const time = opts.timestamp !== undefined ? parseUint('--timestamp', opts.timestamp) : undefined;
      const deployment = loadDeployment(opts.deployment);
      const chain = resolveChain(deployment, opts.chain, opts.rpc);
      const client = makePublicClient(chain.chainId, chain.rpcUrl);
      const head = await client.getBlockNumber();
      if (at !== undefined && at > head) throw new CommandFailedError(`block ${at} is ahead of the head of chain ${chain.chainId} (${head})`);
      const blockNumber = at ?? head;
      const [exists, entry] = await client.readContract({
        address: chain.stateManager,
        abi: StateManagerAbi,
        ...(time !== undefined
          ? { functionName: 'tryGetHistoryAtTimestamp', args: [user, key, time] }
          : { functionName: 'tryGetHistoryAtBlock', args: [user, key, blockNumber] }),
      } as const);
      const result = {
        chainId: chain.chainId,
        user,
        key,
        exists,
        value: entry.value,
        ...(time !== undefined ? { atTimestamp: time } : { atBlock: blockNumber }),
        writtenInBlock: exists ? BigInt(entry.blockNumber) : null,
        writtenAt: exists ? BigInt(entry.timestamp) : null,
      };
      if (opts.json) printJson(result);
      else printFields(result);
    });
}
