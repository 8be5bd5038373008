/**
 * Moving a devnet's clock: anvil's `evm_increaseTime` and `evm_mine`, in terms of epochs.
 */
import type { PublicClient } from 'viem';
import { type EpochConfig, epochAt, epochInterval } from '../core/epochs.ts';

/** Latest block timestamp of the chain, unix seconds. */
export async function chainTime(client: PublicClient): Promise<bigint> {
  return (await client.getBlock({ blockTag: 'latest' })).timestamp;
}

/**
 * Advances the chain's clock so that the next block is at least at `target` (unix seconds), and mines it.
 * Does nothing but mine when the chain is already there. Returns the new latest block timestamp.
 */
export async function advanceTimeTo(client: PublicClient, target: bigint): Promise<bigint> {
  const now = await chainTime(client);
  if (target > now) {
    await client.request({ method: 'evm_increaseTime', params: [`0x${(target - now).toString(16)}`] } as never);
  }
  await client.request({ method: 'evm_mine', params: [] } as never);
  return chainTime(client);
}

/** Advances the chain's clock to the start of `epoch` (plus `offset` seconds), unless it is already past it. */
export async function advanceToEpoch(client: PublicClient, config: EpochConfig, epoch: number, offset = 0n): Promise<bigint> {
  return advanceTimeTo(client, epochInterval(config, epoch).start + offset);
}

/** The epoch of the chain's latest block. */
export async function currentEpoch(client: PublicClient, config: EpochConfig): Promise<number> {
  return epochAt(config, await chainTime(client));
}

/**
 * Advances every chain's clock so that its next block is at least at `target` (unix seconds), and mines it. Remote
 * registries read their own chain's clock, so a devnet moves all its chains together.
 */
export async function advanceChainsTo(clients: readonly PublicClient[], target: bigint): Promise<void> {
  await Promise.all(clients.map((client) => advanceTimeTo(client, target)));
}

/** Advances every chain's clock to the start of `epoch` (plus `offset` seconds). */
export async function advanceChainsToEpoch(clients: readonly PublicClient[], config: EpochConfig, epoch: number, offset = 0n): Promise<void> {
  await advanceChainsTo(clients, epochInterval(config, epoch).start + offset);
}
