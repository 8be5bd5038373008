/**
 * Block headers against a real anvil chain (Prague, with the EIP-2935 history contract): the challenger's RLP encoding
 * of eth_getBlockByNumber hashes to the block hash with every fork field, MainChainVerifier accepts it and records the
 * block's timestamp, and (on a Cancun chain without that contract) a block older than the chain's hash history becomes
 * verifiable by walking parent hashes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, custom, fromRlp, keccak256, numberToHex } from 'viem';
import { MainChainVerifierAbi, MainChainVerifierBytecode, StateManagerAbi, StateManagerBytecode } from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { BlockNotFoundError, BlockNumberMismatchError, HeaderHashMismatchError, type RpcBlockHeader, encodeBlockHeader, fetchBlockHeader } from '../../src/core/chain/blockHeader.ts';
import { anchorBlockHash } from '../../src/services/state-proofs/challenger/headers.ts';

const CHAIN_ID = 31_390;
const HISTORY_CONTRACT = '0x0000F90827F1C53a10cb7A02335B175320002935';

describe('block headers on anvil', () => {
  let anvil: AnvilChain;
  let client: PublicClient;
  const account = devAccount(0);
  let wallet: ReturnType<typeof makeWalletClient>;
  let stateManager: Address;
  let verifier: Address;
  let written: bigint;

  const deploy = async (abi: never, bytecode: Hex, args: readonly unknown[] = []): Promise<Address> => {
    const hash = await wallet.deployContract({ abi, bytecode, args } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    return receipt.contractAddress!;
  };
  const rawBlock = async (n: bigint) =>
    (await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(n), false] } as never)) as RpcBlockHeader;
  const mine = async (blocks: number) => {
    for (let left = blocks; left > 0; left -= 500) {
      await client.request({ method: 'anvil_mine', params: [numberToHex(Math.min(left, 500))] } as never);
    }
  };
  const verified = (key: bigint, blockNumber: bigint) =>
    client.readContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'getVerifiedState', args: [31_390n, account.address, key, blockNumber] });
  const sendAnchor = async (headers: Hex[]): Promise<Hex> => {
    const hash = await wallet.writeContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'anchorBlockHash', args: [headers] });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return hash;
  };

  before(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, mining: { mode: 'auto' } });
    client = makePublicClient(CHAIN_ID, anvil.rpcUrl);
    wallet = makeWalletClient(CHAIN_ID, anvil.rpcUrl, account);
    stateManager = await deploy(StateManagerAbi as never, StateManagerBytecode);
    verifier = await deploy(MainChainVerifierAbi as never, MainChainVerifierBytecode, [stateManager, account.address, 300n]);
    const hash = await wallet.writeContract({ address: stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [1n, 42n] });
    written = (await client.waitForTransactionReceipt({ hash })).blockNumber;
    await mine(2);
  });

  after(async () => {
    await anvil?.stop();
  });

  it('anvil runs a fork with the EIP-2935 history contract', async () => {
    const code = await client.getCode({ address: HISTORY_CONTRACT });
    assert.ok(code && code.length > 2, 'history contract deployed');
  });

  it('encodes a real block header, with every Prague field, to the preimage of its hash', async () => {
    const block = await rawBlock(written);
    for (const field of ['baseFeePerGas', 'withdrawalsRoot', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash'] as const) {
      assert.ok(block[field] !== undefined, `anvil's block has ${field}`);
    }
    const rlp = encodeBlockHeader(block);
    assert.equal(keccak256(rlp), block.hash);
    assert.equal((fromRlp(rlp) as Hex[]).length, 21);
  });

  it('refuses a header whose fields do not hash to the block hash', async () => {
    const block = await rawBlock(written);
    assert.throws(() => encodeBlockHeader({ ...block, timestamp: numberToHex(BigInt(block.timestamp) + 1n) }), HeaderHashMismatchError);
    assert.throws(() => encodeBlockHeader({ ...block, requestsHash: undefined }), HeaderHashMismatchError);
  });

  it('reports a block that does not exist yet', async () => {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    await assert.rejects(fetchBlockHeader(client, head + 10n), BlockNotFoundError);
  });

  it('refuses a node that answers with another block than the one asked for', async () => {
    // A node that serves the next block: its header hashes correctly, but it is not the block asked for.
    const shifted = makePublicClient(CHAIN_ID, anvil.rpcUrl, {
      transport: custom({
        request: ({ method, params }: { method: string; params: unknown[] }) =>
          client.request({ method, params: method === 'eth_getBlockByNumber' ? [numberToHex(BigInt(params[0] as Hex) + 1n), params[1]] : params } as never),
      }),
    });
    await assert.rejects(fetchBlockHeader(shifted, written), BlockNumberMismatchError);
    const { hash, stateRoot, header } = await fetchBlockHeader(client, written);
    assert.deepEqual([hash, stateRoot, BigInt(header.number)], [(await rawBlock(written)).hash, (await rawBlock(written)).stateRoot, written]);
  });

  it('MainChainVerifier.verifyState accepts the header and records the block timestamp', async () => {
    const { rlp, timestamp } = await fetchBlockHeader(client, written);
    const hash = await wallet.writeContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'verifyState', args: [account.address, 1n, rlp] });
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    const [ok, value, exists, blockTimestamp] = await verified(1n, written);
    assert.deepEqual([ok, value, exists, blockTimestamp], [true, 42n, true, timestamp]);
  });

  it('verifies a block 300 back through the EIP-2935 history without anchoring', async () => {
    const target = await client.getBlockNumber({ cacheTime: 0 });
    await mine(300);
    assert.deepEqual(await anchorBlockHash(target, { client, verifier, send: sendAnchor }), [], 'no anchor needed');
    const { rlp } = await fetchBlockHeader(client, target);
    const hash = await wallet.writeContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'verifyState', args: [account.address, 2n, rlp] });
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    assert.equal((await verified(2n, target))[0], true);
  });

  it('walks real parent hashes: anchorBlockHash accepts a batch of anvil headers', async () => {
    // At least 21 blocks to walk back through, whatever the tests before this one mined.
    const before = await client.getBlockNumber({ cacheTime: 0 });
    if (before < 25n) await client.request({ method: 'anvil_mine', params: [`0x${(25n - before).toString(16)}`] } as never);
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const headers: Hex[] = [];
    for (let n = head - 1n; n >= head - 20n; n--) headers.push((await fetchBlockHeader(client, n)).rlp);
    await sendAnchor(headers);
    const anchored = await client.getContractEvents({ address: verifier, abi: MainChainVerifierAbi, eventName: 'BlockHashAnchored', fromBlock: head });
    assert.equal(anchored.at(-1)?.args.blockNumber, head - 20n);
    assert.equal(anchored.at(-1)?.args.blockHash, (await rawBlock(head - 20n)).hash);
  });
});

/** A chain without EIP-2935 (Cancun): only BLOCKHASH's 256 blocks, so an older block is anchored by a parent walk. */
describe('block headers on a chain without the history contract', () => {
  let anvil: AnvilChain;
  let client: PublicClient;
  const account = devAccount(0);
  let wallet: ReturnType<typeof makeWalletClient>;

  before(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID + 1, mining: { mode: 'auto' }, hardfork: 'cancun' });
    client = makePublicClient(CHAIN_ID + 1, anvil.rpcUrl);
    wallet = makeWalletClient(CHAIN_ID + 1, anvil.rpcUrl, account);
  });

  after(async () => {
    await anvil?.stop();
  });

  it('falls back to BLOCKHASH, then anchors an older block by walking parent hashes, and verifies it', async () => {
    assert.equal(await client.getCode({ address: HISTORY_CONTRACT }), undefined, 'no history contract');
    const deployed = async (abi: never, bytecode: Hex, args: readonly unknown[] = []): Promise<Address> =>
      (await client.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi, bytecode, args } as never) })).contractAddress!;
    const stateManager = await deployed(StateManagerAbi as never, StateManagerBytecode);
    const verifier = await deployed(MainChainVerifierAbi as never, MainChainVerifierBytecode, [stateManager, account.address, 300n]);
    const write = await wallet.writeContract({ address: stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [5n, 55n] });
    const written = (await client.waitForTransactionReceipt({ hash: write })).blockNumber;
    await client.request({ method: 'anvil_mine', params: [numberToHex(300)] } as never);
    const hashOf = (n: bigint) => client.readContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'blockHashOf', args: [n] });
    assert.equal(await hashOf(written), `0x${'0'.repeat(64)}`, 'beyond BLOCKHASH, and no history contract: no revert, zero');

    const send = async (headers: Hex[]): Promise<Hex> => {
      const hash = await wallet.writeContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'anchorBlockHash', args: [headers] });
      assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
      return hash;
    };
    const sent = await anchorBlockHash(written, { client, verifier, send, batch: 40 });
    assert.ok(sent.length >= 2, `anchored in ${sent.length} transactions`);
    const { rlp, hash: blockHash, timestamp } = await fetchBlockHeader(client, written);
    assert.equal(await hashOf(written), blockHash);
    const hash = await wallet.writeContract({ address: verifier, abi: MainChainVerifierAbi, functionName: 'verifyState', args: [account.address, 5n, rlp] });
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    const state = await client.readContract({
      address: verifier,
      abi: MainChainVerifierAbi,
      functionName: 'getVerifiedState',
      args: [BigInt(CHAIN_ID + 1), account.address, 5n, written],
    });
    assert.deepEqual(state.slice(0, 4), [true, 55n, true, timestamp]);
  });
});
