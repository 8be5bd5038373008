/**
 * Block headers as the chain hashes them: the RLP encoding of a block's header (the preimage of its block hash), built
 * from eth_getBlockByNumber's fields and checked against the hash the node reports. Verifier contracts take this RLP to
 * check a block against the chain's block hashes; off-chain readers use the check to refuse an RPC answer whose fields
 * do not belong to the block it names.
 */
import { type Hex, type PublicClient, keccak256, numberToHex, toRlp } from 'viem';

/** A block as eth_getBlockByNumber returns it (hex fields as on the wire; fork fields absent before their fork). */
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

/** The node answered for another block than the one asked for (its header's number differs). */
export class BlockNumberMismatchError extends Error {
  override name = 'BlockNumberMismatchError';
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
 * @returns the RLP bytes (0x-prefixed hex); keccak256 of them is `block.hash`.
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

/** A block header read and checked by {@link fetchBlockHeader}. */
export type FetchedBlockHeader = {
  /** The header's RLP encoding; keccak256(rlp) = hash. */
  rlp: Hex;
  /** The block hash. */
  hash: Hex;
  /** The block's state root (a field of the hashed header). */
  stateRoot: Hex;
  /** The block's timestamp, unix seconds. */
  timestamp: bigint;
  /** The fields as the node returned them. */
  header: RpcBlockHeader;
};

/**
 * The RLP header of block `blockNumber`, read with eth_getBlockByNumber and checked against its hash and number. Every
 * returned field is one the hash covers; what the check cannot catch is a node that invents a whole consistent header
 * (its hash is then not the chain's, which only a comparison with the chain's own block hashes reveals).
 * @throws {BlockNotFoundError} when the chain has no such block yet.
 * @throws {BlockNumberMismatchError} when the node returns another block.
 * @throws {HeaderHashMismatchError} see {@link encodeBlockHeader}.
 */
export async function fetchBlockHeader(client: PublicClient, blockNumber: bigint): Promise<FetchedBlockHeader> {
  const block = (await client.request({
    method: 'eth_getBlockByNumber',
    params: [numberToHex(blockNumber), false],
  } as never)) as RpcBlockHeader | null;
  if (!block) throw new BlockNotFoundError(`block ${blockNumber} does not exist yet on chain ${client.chain?.id ?? '?'}`);
  const rlp = encodeBlockHeader(block);
  if (BigInt(block.number) !== blockNumber) {
    throw new BlockNumberMismatchError(`asked chain ${client.chain?.id ?? '?'} for block ${blockNumber}, the node returned block ${BigInt(block.number)}`);
  }
  return { rlp, hash: block.hash, stateRoot: block.stateRoot, timestamp: BigInt(block.timestamp), header: block };
}
