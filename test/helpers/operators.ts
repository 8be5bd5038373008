/**
 * Test operators outside the devnet's seeded set.
 */
import { type Address, type Hex, zeroAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DelegationManagerAbi, DevnetTokenAbi, StrategyManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { TxQueue } from '../../src/core/chain/transactions.ts';
import type { Devnet } from '../../src/devnet/devnet.ts';

export /** A fresh EigenLayer operator (allocation delay 0) that restaked `stake` of the devnet token, with no AVS yet. */
async function restakedOperator(devnet: Devnet, stake: bigint): Promise<{ key: Hex; address: Address }> {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const main = devnet.deployment.chains[0]!;
  const client = devnet.clients.get(main.chainId)!;
  await client.request({ method: 'anvil_setBalance' as never, params: [account.address, '0x56bc75e2d63100000'] as never });
  const queue = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, account), client);
  const { delegationManager, strategyManager, strategies } = devnet.deployment.eigenlayer;
  await queue.write('registerAsOperator', delegationManager, DelegationManagerAbi, 'registerAsOperator', [zeroAddress, 0, '']);
  await queue.write('mint', devnet.token, DevnetTokenAbi, 'mint', [account.address, stake]);
  await queue.write('approve', devnet.token, DevnetTokenAbi, 'approve', [strategyManager, stake]);
  await queue.write('depositIntoStrategy', strategyManager, StrategyManagerAbi, 'depositIntoStrategy', [strategies[0]!, devnet.token, stake]);
  await queue.settle();
  return { key, address: account.address };
}
