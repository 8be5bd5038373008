/**
 * What a multi-prover prover is to the rest of the service: given a block of a chain, the block's hash and state root,
 * signed by the key its enclave holds (the prover key the TEE attests to).
 */
import type { Address, Hex } from 'viem';

/** A block-state task: chain `chainId`'s block `blockNumber`. */
export type BlockStateRequest = {
  /** The chain's id (uint256). */
  chainId: bigint;
  /** The block's number (uint64). */
  blockNumber: bigint;
};

/** A prover's answer: the block's hash and state root, and the prover's signature over them. */
export type ProvenBlockState = {
  /** The chain's id (uint256). */
  chainId: bigint;
  /** The block's number (uint64). */
  blockNumber: bigint;
  /** The block's hash: keccak256 of its RLP header (bytes32). */
  blockHash: Hex;
  /** The block's state root, a field of that header (bytes32). */
  stateRoot: Hex;
  /** The address of the enclave key that signed. */
  proverKey: Address;
  /** 65-byte r‖s‖v (v ∈ {27, 28}) ECDSA signature by `proverKey` over `proverStateDigest(chainId, blockNumber, blockHash, stateRoot)`. */
  proverSignature: Hex;
};

/** A prover: computes a block's state and signs it with its enclave key. */
export interface StateProver {
  /**
   * The state of `request`'s block, signed.
   * @throws errors named by the implementation (an unknown chain, a block not produced yet, an RPC answer that fails
   *   its checks), never an unsigned or unchecked answer.
   */
  prove(request: BlockStateRequest): Promise<ProvenBlockState>;
}

/**
 * The key an enclave holds and never exports (a TEE's sealed key; on devnets the simulated enclave's). Signs 32-byte
 * digests as they are, without a prefix or further hashing.
 */
export interface EnclaveSigner {
  /** The Ethereum address of the key: the prover key its attestation names. */
  readonly address: Address;
  /**
   * Signs `hash` (32 bytes).
   * @returns 65 bytes r‖s‖v, v ∈ {27, 28}, low s.
   */
  signDigest(hash: Hex): Promise<Hex> | Hex;
}
