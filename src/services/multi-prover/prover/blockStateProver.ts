/**
 * The block-state prover: reads a block's header from the chain's RPC node, checks that its RLP encoding hashes to the
 * block hash the node reports (so the state root is the one that hash commits to) and that it is the block asked for,
 * and signs hash and state root with the enclave key. Run inside the TEE, this makes the state root the enclave's
 * word for what the node served; a node that invents a whole self-consistent header is caught only by comparing the
 * hash with other provers' (the multi-prover quorum) or with the chain's own block hashes.
 */
import type { Hex, PublicClient } from 'viem';
import { fetchBlockHeader } from '../../../core/chain/blockHeader.ts';
import { proverStateDigest } from './proverState.ts';
import type { BlockStateRequest, EnclaveSigner, ProvenBlockState, StateProver } from './types.ts';

/** A request for a chain the prover was not given a client for (the deployment does not know it). */
export class UnknownChainError extends Error {
  override name = 'UnknownChainError';
}

/** The RPC node behind a chain's client serves another chain (its eth_chainId differs). */
export class ChainIdMismatchError extends Error {
  override name = 'ChainIdMismatchError';
}

/** Options of {@link BlockStateProver}. */
export type BlockStateProverOptions = {
  /** A viem public client per chain id: only the chains of the deployment. */
  clients: ReadonlyMap<number, PublicClient> | Readonly<Record<number, PublicClient>>;
  /** The enclave key that signs the answers. */
  enclave: EnclaveSigner;
};

/**
 * A {@link StateProver} for block states: {@link BlockStateProver.prove} returns block `blockNumber`'s hash and state
 * root on chain `chainId`, signed by the enclave over `proverStateDigest`.
 */
export class BlockStateProver implements StateProver {
  readonly #clients: ReadonlyMap<number, PublicClient>;
  readonly #enclave: EnclaveSigner;
  /** Per chain, the check that its node serves that chain (once, at first use; retried after a failure). */
  readonly #chainChecks = new Map<number, Promise<void>>();

  /** @param options the chains' clients (copied: later changes to the map are not seen) and the enclave key. */
  constructor(options: BlockStateProverOptions) {
    this.#clients =
      options.clients instanceof Map
        ? new Map(options.clients)
        : new Map(Object.entries(options.clients as Record<string, PublicClient>).map(([id, client]) => [Number(id), client]));
    this.#enclave = options.enclave;
  }

  /** The chain ids this prover answers for, ascending. */
  get chainIds(): number[] {
    return [...this.#clients.keys()].sort((a, b) => a - b);
  }

  /**
   * Block `blockNumber` of chain `chainId`: its hash and state root, checked against each other and signed.
   * @throws {UnknownChainError} for a chain without a client.
   * @throws {ChainIdMismatchError} when that client's node serves another chain.
   * @throws {BlockNotFoundError} (core/chain/blockHeader) when the block does not exist yet.
   * @throws {BlockNumberMismatchError} / {HeaderHashMismatchError} (core/chain/blockHeader) when the node's answer is
   *   another block, or its fields do not hash to its block hash.
   */
  async prove(request: BlockStateRequest): Promise<ProvenBlockState> {
    const { chainId, blockNumber } = request;
    const id = Number(chainId);
    const client = Number.isSafeInteger(id) && BigInt(id) === chainId ? this.#clients.get(id) : undefined;
    if (!client) throw new UnknownChainError(`chain ${chainId} is not one this prover knows (${this.chainIds.join(', ') || 'none'})`);
    await this.#checkChain(id, client);
    const { hash: blockHash, stateRoot } = await fetchBlockHeader(client, blockNumber);
    const digest = proverStateDigest(chainId, blockNumber, blockHash, stateRoot);
    const proverSignature: Hex = await this.#enclave.signDigest(digest);
    return { chainId, blockNumber, blockHash, stateRoot, proverKey: this.#enclave.address, proverSignature };
  }

  #checkChain(id: number, client: PublicClient): Promise<void> {
    let check = this.#chainChecks.get(id);
    if (!check) {
      check = client.getChainId().then((served) => {
        if (served !== id) throw new ChainIdMismatchError(`the node for chain ${id} serves chain ${served}`);
      });
      // A failed check is not remembered: a node that was down, or fixed, is asked again next time.
      check.catch(() => this.#chainChecks.delete(id));
      this.#chainChecks.set(id, check);
    }
    return check;
  }
}
