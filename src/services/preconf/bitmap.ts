/**
 * The registry's chain-id bitmap: bit i (1..255) set means "committed to the chain id at position i"
 * (UniFiAVSManager.getChainID(i)); bit 0 and chain id 0 are never used.
 */
import type { Address, PublicClient } from 'viem';
import { IUniFiAVSManagerAbi } from '../../core/chain/abis/generated/index.ts';

/** A chain id the registry has no bitmap position for. */
export class UnknownChainIdError extends Error {
  override name = 'UnknownChainIdError';
  constructor(readonly chainId: bigint) {
    super(`chain id ${chainId} has no position in the registry's chain bitmap`);
  }
}

/**
 * The bitmap with the given positions set.
 * @throws {RangeError} for a position outside 1..255.
 */
export function bitmapFromPositions(positions: Iterable<number>): bigint {
  let bitmap = 0n;
  for (const p of positions) {
    if (!Number.isInteger(p) || p < 1 || p > 255) throw new RangeError(`bitmap position ${p} is not in 1..255`);
    bitmap |= 1n << BigInt(p);
  }
  return bitmap;
}

/** The positions set in `bitmap`, ascending (bit 0 ignored, as the registry ignores it). */
export function bitmapPositions(bitmap: bigint): number[] {
  const positions: number[] = [];
  for (let p = 1; p <= 255; p++) if ((bitmap >> BigInt(p)) & 1n) positions.push(p);
  return positions;
}

/**
 * The bitmap of `chainIds`, with each chain id's position read from the registry (getBitmapIndex).
 * @throws {UnknownChainIdError} for a chain id the registry does not map.
 */
export async function chainIdsToBitmap(client: PublicClient, registry: Address, chainIds: readonly bigint[]): Promise<bigint> {
  const positions = await Promise.all(
    chainIds.map((chainId) => client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getBitmapIndex', args: [chainId] })),
  );
  positions.forEach((p, i) => {
    if (p === 0) throw new UnknownChainIdError(chainIds[i]!);
  });
  return bitmapFromPositions(positions);
}
