/**
 * Block headers for the verifiers: the RLP encoding of a block's header (the preimage of its hash), which
 * RemoteChainVerifier.verifyState and MainChainVerifier.verifyState check against the chain's block hashes, and the
 * parent-hash walk ({@link anchorBlockHash}) that makes a block older than the chain's hash history verifiable.
 */
import { type Address, type Hex, type PublicClient, keccak256, numberToHex, toRlp } from 'viem';
import { BlockHashAnchorsAbi } from '../../../core/chain/abis/generated/index.ts';

/** A block as eth_getBlockByNumber returns it (hex fields as on the wire). */
export type RpcBlockHeader = {
  hash: Hex;
  parentHash: Hex;
  sha3Uncles: Hex;
  miner: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  difficulty: Hex;
  number: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  extraData: Hex;
  mixHash: Hex;
  nonce: Hex;
  baseFeePerGas?: Hex;
  withdrawalsRoot?: Hex;
  blobGasUsed?: Hex;
  excessBlobGas?: Hex;
  parentBeaconBlockRoot?: Hex;
  requestsHash?: Hex;
};

/** The header's RLP does not hash to the block hash the node reported (an unknown fork's fields, or a lying node). */
export class HeaderHashMismatchError extends Error {
  override name = 'HeaderHashMismatchError';
}

/** The block does not exist (yet) on that chain. */
export class BlockNotFoundError extends Error {
  override name = 'BlockNotFoundError';
}

/** Fields after the nonce, in the order the forks added them (London, Shanghai, Cancun ×3, Prague). */
const FORK_FIELDS = ['baseFeePerGas', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash'] as const;
/** Integer fields: RLP-encoded big-endian without leading zeros (0 is the empty string). */
const QUANTITIES = new Set<string>(['difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas', 'blobGasUsed', 'excessBlobGas']);

function field(block: RpcBlockHeader, name: keyof RpcBlockHeader): Hex {
  const value = block[name] as Hex;
  if (!QUANTITIES.has(name)) return value;
  const n = BigInt(value);
  return n === 0n ? '0x' : numberToHex(n);
}

/**
 * The RLP encoding of `block`'s header: the 15 base fields, then every fork field the block has (a field is included
 * only if all fields before it are), checked to hash to `block.hash`.
 * @throws {HeaderHashMismatchError} when it does not (a field this encoder does not know, or a wrong block).
 */
export function encodeBlockHeader(block: RpcBlockHeader): Hex {
  const base: (keyof RpcBlockHeader)[] = [
    'parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'difficulty',
    'number', 'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce',
  ];
  const fields = base.map((name) => field(block, name));
  for (const name of FORK_FIELDS) {
    if (block[name] === undefined || block[name] === null) break;
    fields.push(field(block, name));
  }
  const rlp = toRlp(fields);
  const hash = keccak256(rlp);
  if (hash !== block.hash) {
    throw new HeaderHashMismatchError(`header of block ${BigInt(block.number)} hashes to ${hash}, the node says ${block.hash}`);
  }
  return rlp;
}

/**
 * The RLP header of block `blockNumber`, read with eth_getBlockByNumber and checked against its hash.
 * @throws {BlockNotFoundError} when the chain has no such block yet.
 * @throws {HeaderHashMismatchError} see {@link encodeBlockHeader}.
 */
export async function fetchBlockHeader(client: PublicClient, blockNumber: bigint): Promise<{ rlp: Hex; hash: Hex; timestamp: bigint }> {
  const block = (await client.request({
    method: 'eth_getBlockByNumber',
    params: [numberToHex(blockNumber), false],
  } as never)) as RpcBlockHeader | null;
  if (!block) throw new BlockNotFoundError(`block ${blockNumber} does not exist yet on chain ${client.chain?.id ?? '?'}`);
  return { rlp: encodeBlockHeader(block), hash: block.hash, timestamp: BigInt(block.timestamp) };
}

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
