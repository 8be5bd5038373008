/**
 * The block-state prover against real anvil chains: it answers with the block's hash and state root signed by its
 * enclave key, refuses chains it does not know and a node that serves another chain, and catches a lying RPC node
 * (a field changed, the hash changed, another block served) before it signs anything; the operator's check of a
 * prover's answer refuses every tampering. Ends with the path to a StateSignature: the proven state in a header,
 * BLS-signed by two operators and aggregated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, custom, encodeAbiParameters, keccak256, numberToHex, parseEther, toHex } from 'viem';
import { BlockNotFoundError, BlockNumberMismatchError, HeaderHashMismatchError, type RpcBlockHeader } from '../../src/core/chain/blockHeader.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { blsKeyPairFromSecret } from '../../src/core/crypto/bls.ts';
import { blsSign } from '../../src/core/crypto/bls-signing.ts';
import { SECP256K1_N, signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { blockMetadata, blockState, encodeQuorumNumbers, stateHeaderDigest } from '../../src/services/multi-prover/digest.ts';
import { BlockStateProver, ChainIdMismatchError, UnknownChainError } from '../../src/services/multi-prover/prover/blockStateProver.ts';
import { PROVER_STATE_TYPE, PROVER_STATE_TYPEHASH, ProverStateError, proverStateDigest, verifyProverState } from '../../src/services/multi-prover/prover/proverState.ts';
import type { EnclaveSigner, ProvenBlockState } from '../../src/services/multi-prover/prover/types.ts';
import { aggregateStateSignature, verifyStateSignature } from '../../src/services/multi-prover/signature.ts';

const CHAIN_A = 31_401;
const CHAIN_B = 31_402;

/** An enclave key held in memory that counts what it signs: the devnet enclave's interface, with a real secp256k1 key. */
function memoryEnclave(privateKey: Hex): EnclaveSigner & { signed: Hex[] } {
  const key = signingKeyFromPrivateKey(privateKey);
  const signed: Hex[] = [];
  return {
    address: key.address,
    signed,
    signDigest(hash: Hex) {
      signed.push(hash);
      return signDigest(key, hash);
    },
  };
}

/** A client for `chainId` whose node answers eth_getBlockByNumber through `alter` (a lying RPC node). */
function lyingClient(chainId: number, honest: PublicClient, alter: (block: RpcBlockHeader, params: unknown[]) => Promise<RpcBlockHeader | null> | RpcBlockHeader | null): PublicClient {
  return makePublicClient(chainId, 'http://lying.invalid', {
    transport: custom({
      async request({ method, params }: { method: string; params: unknown[] }) {
        const answer = await honest.request({ method, params } as never);
        return method === 'eth_getBlockByNumber' && answer ? alter(answer as RpcBlockHeader, params) : answer;
      },
    }),
  });
}

describe('multi-prover block-state prover on anvil', () => {
  let a: AnvilChain;
  let b: AnvilChain;
  let clientA: PublicClient;
  let clientB: PublicClient;
  let written: bigint;
  const enclave = memoryEnclave(keccak256(toHex('multi-prover test enclave')));
  let prover: BlockStateProver;
  const rawBlock = async (client: PublicClient, n: bigint) =>
    (await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), false] } as never)) as RpcBlockHeader;

  before(async () => {
    [a, b] = await Promise.all([startAnvil({ chainId: CHAIN_A, mining: { mode: 'auto' } }), startAnvil({ chainId: CHAIN_B, mining: { mode: 'auto' } })]);
    clientA = makePublicClient(CHAIN_A, a.rpcUrl);
    clientB = makePublicClient(CHAIN_B, b.rpcUrl);
    // A block that changes state, so its state root is not the genesis one.
    const wallet = makeWalletClient(CHAIN_A, a.rpcUrl, devAccount(0));
    const hash = await wallet.sendTransaction({ to: devAccount(1).address, value: parseEther('1') });
    written = (await clientA.waitForTransactionReceipt({ hash })).blockNumber;
    await clientB.request({ method: 'anvil_mine', params: ['0x5'] } as never);
    prover = new BlockStateProver({ clients: { [CHAIN_A]: clientA, [CHAIN_B]: clientB }, enclave });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('answers with the block\'s hash and state root, signed by the enclave key, on each chain it knows', async () => {
    assert.deepEqual(prover.chainIds, [CHAIN_A, CHAIN_B]);
    for (const [client, chainId, blockNumber] of [[clientA, CHAIN_A, written], [clientB, CHAIN_B, 3n]] as const) {
      const block = await rawBlock(client, blockNumber);
      const result = await prover.prove({ chainId: BigInt(chainId), blockNumber });
      assert.deepEqual(
        { ...result, proverSignature: undefined },
        { chainId: BigInt(chainId), blockNumber, blockHash: block.hash, stateRoot: block.stateRoot, proverKey: enclave.address, proverSignature: undefined },
      );
      assert.equal(verifyProverState(result, enclave.address, { chainId: BigInt(chainId), blockNumber }), result);
    }
    assert.notEqual((await rawBlock(clientA, written)).stateRoot, (await rawBlock(clientA, 0n)).stateRoot, 'the transfer changed the state');
  });

  it('the signed digest is keccak256(abi.encode(typehash, chainId, blockNumber, blockHash, stateRoot))', () => {
    assert.equal(PROVER_STATE_TYPEHASH, keccak256(toHex(PROVER_STATE_TYPE)));
    const [h, r] = [keccak256('0x01'), keccak256('0x02')];
    const manual = keccak256(
      encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'uint64' }, { type: 'bytes32' }, { type: 'bytes32' }], [PROVER_STATE_TYPEHASH, 5n, 7n, h, r]),
    );
    assert.equal(proverStateDigest(5n, 7n, h, r), manual);
    assert.throws(() => proverStateDigest(5n, 1n << 64n, h, r), ProverStateError);
  });

  it('refuses a chain it has no client for, and a node that serves another chain', async () => {
    await assert.rejects(prover.prove({ chainId: 1n, blockNumber: 1n }), UnknownChainError);
    await assert.rejects(prover.prove({ chainId: 2n ** 64n + BigInt(CHAIN_A), blockNumber: 1n }), UnknownChainError, 'no wrap-around of large ids');
    // A deployment that says chain 31403 is at chain A's RPC URL.
    const misconfigured = new BlockStateProver({ clients: new Map([[31_403, makePublicClient(31_403, a.rpcUrl)]]), enclave });
    await assert.rejects(misconfigured.prove({ chainId: 31_403n, blockNumber: 1n }), ChainIdMismatchError);
  });

  it('reports a block that does not exist yet', async () => {
    const head = await clientB.getBlockNumber({ cacheTime: 0 });
    await assert.rejects(prover.prove({ chainId: BigInt(CHAIN_B), blockNumber: head + 100n }), BlockNotFoundError);
  });

  it('catches a lying RPC node before signing: a changed state root, a changed hash, another block', async () => {
    const signedBefore = enclave.signed.length;
    const liars: [string, (block: RpcBlockHeader, params: unknown[]) => Promise<RpcBlockHeader> | RpcBlockHeader, new (...args: never[]) => Error][] = [
      ['state root', (block) => ({ ...block, stateRoot: keccak256(toHex('a state the chain never had')) }), HeaderHashMismatchError],
      ['block hash', (block) => ({ ...block, hash: keccak256(toHex('another hash')) }), HeaderHashMismatchError],
      ['timestamp', (block) => ({ ...block, timestamp: numberToHex(BigInt(block.timestamp) + 1n) }), HeaderHashMismatchError],
      ['another block', (_block, params) => rawBlock(clientA, BigInt(params[0] as Hex) - 1n), BlockNumberMismatchError],
    ];
    for (const [what, alter, error] of liars) {
      const lying = new BlockStateProver({ clients: { [CHAIN_A]: lyingClient(CHAIN_A, clientA, alter) }, enclave });
      await assert.rejects(lying.prove({ chainId: BigInt(CHAIN_A), blockNumber: written }), error, what);
    }
    assert.equal(enclave.signed.length, signedBefore, 'the enclave signed nothing for a lying node');
  });

  it('the operator\'s check refuses another prover key, a changed field, another block, and malformed or high-s signatures', async () => {
    const request = { chainId: BigInt(CHAIN_A), blockNumber: written };
    const result = await prover.prove(request);
    const other = memoryEnclave(keccak256(toHex('another enclave')));
    assert.throws(() => verifyProverState(result, other.address), ProverStateError, 'another expected key');
    assert.throws(() => verifyProverState({ ...result, proverKey: other.address }, other.address), ProverStateError, 'names the other key, signed by this one');
    assert.throws(() => verifyProverState({ ...result, stateRoot: keccak256('0x00') }, enclave.address), ProverStateError, 'state root changed');
    assert.throws(() => verifyProverState({ ...result, blockNumber: written + 1n }, enclave.address), ProverStateError, 'block number changed');
    assert.throws(() => verifyProverState(result, enclave.address, { ...request, blockNumber: written + 1n }), ProverStateError, 'answers another request');
    assert.throws(() => verifyProverState({ ...result, proverSignature: '0x1234' }, enclave.address), ProverStateError, 'malformed');
    // The same signature with s → n − s and v flipped: it recovers the same key, but the contracts refuse a high s.
    const sig = result.proverSignature;
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = Number.parseInt(sig.slice(130), 16);
    const highS = `${sig.slice(0, 66)}${(SECP256K1_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    assert.throws(() => verifyProverState({ ...result, proverSignature: highS }, enclave.address), ProverStateError, 'high s');
    // A signature by the other key over the right digest is still not the expected prover's.
    const forged: ProvenBlockState = { ...result, proverSignature: other.signDigest(proverStateDigest(result.chainId, result.blockNumber, result.blockHash, result.stateRoot)) as Hex };
    assert.throws(() => verifyProverState(forged, enclave.address), ProverStateError);
  });

  it('from a checked answer to a StateSignature: the header of the proven state, BLS-signed by two operators', async () => {
    const result = verifyProverState(await prover.prove({ chainId: BigInt(CHAIN_A), blockNumber: written }), enclave.address);
    const header = {
      committeeId: 1n,
      metadata: blockMetadata(result.chainId, result.blockNumber),
      state: blockState(result.blockHash, result.stateRoot),
      quorumNumbers: encodeQuorumNumbers([0]),
      referenceEpoch: 3,
    };
    const digest = stateHeaderDigest(header, { chainId: 31_337n, verifyingContract: '0x00000000000000000000000000000000000a1b2c' as Address });
    const operators = [11n, 12n].map((secret) => blsKeyPairFromSecret(secret));
    const signature = aggregateStateSignature(
      digest,
      header.quorumNumbers,
      operators.map((k) => ({ quorums: [0], keyG1: k.publicKeyG1, keyG2: k.publicKeyG2, sigma: blsSign(k.secret, digest) })),
    );
    assert.equal(signature.signerKeys[0].length, 2);
    assert.ok(verifyStateSignature(digest, signature));
  });
});
