/**
 * Block hashes for the verifiers: the parent-hash walk ({@link anchorBlockHash}) that makes a block older than the
 * chain's hash history verifiable by RemoteChainVerifier.verifyState and MainChainVerifier.verifyState. The headers'
 * RLP encoding itself is in core (src/core/chain/blockHeader.ts).
 */
import type { Address, Hex, PublicClient } from 'viem';
import { BlockHashAnchorsAbi } from '../../../core/chain/abis/generated/index.ts';
import { BlockNotFoundError, fetchBlockHeader } from '../../../core/chain/blockHeader.ts';

/** Options of {@link anchorBlockHash}. */
export type AnchorOptions = {
  client: PublicClient;
  /** The verifier (a BlockHashAnchors: MainChainVerifier or RemoteChainVerifier) on that chain. */
  verifier: Address;
  /** Sends one anchorBlockHash(headers) transaction and waits for it. */
  send: (headers: Hex[]) => Promise<Hex>;
  /** Headers per transaction; default 256 (about 10M gas). */
  batch?: number;
};

/**
 * Makes block `target` verifiable on `verifier`: if its hash is not known there (older than BLOCKHASH's 256 blocks, or
 * the EIP-2935 history's 8191 where the chain has it), walks parent hashes back from the oldest block whose hash is
 * known, in batches, each anchored with BlockHashAnchors.anchorBlockHash. Returns the transactions sent (none when the
 * hash was already known).
 */
export async function anchorBlockHash(target: bigint, options: AnchorOptions): Promise<Hex[]> {
  const { client, verifier } = options;
  const known = async (n: bigint): Promise<boolean> =>
    (await client.readContract({ address: verifier, abi: BlockHashAnchorsAbi, functionName: 'blockHashOf', args: [n] })) !==
    `0x${'0'.repeat(64)}`;
  if (await known(target)) return [];
  const head = await client.getBlockNumber({ cacheTime: 0 });
  // The transaction that verifies runs in a later block than this call, and BLOCKHASH there reads the 256 blocks
  // before it: a block that recent needs no anchoring, whatever this call (at the head) could read.
  if (head + 1n - target <= 256n) return [];
  // The oldest block still known a little while from now: deep in the EIP-2935 window, else in BLOCKHASH's.
  let start: bigint | undefined;
  for (const depth of [8000n, 200n]) {
    const candidate = head - depth;
    if (candidate > target && (await known(candidate))) {
      start = candidate;
      break;
    }
  }
  if (start === undefined) throw new BlockNotFoundError(`no block between ${target} and ${head} has a known hash on ${verifier}`);
  const batch = BigInt(options.batch ?? 256);
  const hashes: Hex[] = [];
  for (let top = start; top > target; ) {
    const bottom = top - batch > target ? top - batch : target;
    const headers: Hex[] = [];
    for (let n = top; n >= bottom; n--) headers.push((await fetchBlockHeader(client, n)).rlp);
    hashes.push(await options.send(headers));
    top = bottom;
  }
  return hashes;
}
