/**
 * The operator's StateReader against two real anvil chains, each with a deployed StateManager: `readMany` answers a
 * batch (over several `tryGetValuesAtBlocks` calls, across chains, blocks, users and keys) exactly as `read` answers
 * each item, with per-item errors for an unknown chain, and only once the highest block asked for is final.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type PublicClient, numberToHex } from 'viem';
import { StateManagerAbi, StateManagerBytecode } from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { FinalityTimeoutError } from '../../src/services/state-proofs/operator/finality.ts';
import { type HistoryReading, type ReadRequest, StateReader, UnreadableTaskError } from '../../src/services/state-proofs/operator/reader.ts';
import { ValuesResultError } from '../../src/services/state-proofs/operator/valuesCall.ts';

const CHAIN_IDS = [31_401, 31_402] as const;
const UNKNOWN_CHAIN = 31_499;
const CONFIRMATIONS = 2;
const alice = devAccount(0);
const bob = devAccount(1);

/** One chain with its StateManager and the blocks of its writes. */
type Chain = { chainId: number; anvil: AnvilChain; client: PublicClient; stateManager: Address; writes: bigint[] };

describe('StateReader on anvil', { timeout: 120_000 }, () => {
  const chains: Chain[] = [];
  let reader: StateReader;

  const mine = (chain: Chain, blocks: number) => chain.client.request({ method: 'anvil_mine', params: [numberToHex(blocks)] } as never);
  const setValue = async (chain: Chain, account: typeof alice, key: bigint, value: bigint): Promise<bigint> => {
    const wallet = makeWalletClient(chain.chainId, chain.anvil.rpcUrl, account);
    const hash = await wallet.writeContract({ address: chain.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [key, value] });
    const receipt = await chain.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.blockNumber;
  };

  before(async () => {
    for (const chainId of CHAIN_IDS) {
      const anvil = await startAnvil({ chainId, mining: { mode: 'auto' } });
      const client = makePublicClient(chainId, anvil.rpcUrl);
      const hash = await makeWalletClient(chainId, anvil.rpcUrl, alice).deployContract({ abi: StateManagerAbi, bytecode: StateManagerBytecode });
      const stateManager = (await client.waitForTransactionReceipt({ hash })).contractAddress!;
      chains.push({ chainId, anvil, client, stateManager, writes: [] });
    }
    // Each chain: alice writes key 1 twice, bob key 1 once in between; values differ per chain.
    for (const [c, chain] of chains.entries()) {
      const base = BigInt(c * 1000);
      chain.writes.push(await setValue(chain, alice, 1n, base + 10n));
      await mine(chain, 3);
      chain.writes.push(await setValue(chain, bob, 1n, base + 77n));
      chain.writes.push(await setValue(chain, alice, 1n, base + 20n));
      await mine(chain, 1 + CONFIRMATIONS); // the last write's block and the next are final
    }
    reader = new StateReader(
      chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, stateManager: c.stateManager })),
      { confirmations: CONFIRMATIONS },
      20,
    );
  });

  after(async () => {
    reader?.stop();
    for (const c of chains) await c.anvil.stop();
  });

  /** Items on both chains (and one unknown), before, at, between and after the writes, existing and missing. */
  const items = (): ReadRequest[] => {
    const out: ReadRequest[] = [];
    for (const chain of chains) {
      const [first, middle, last] = chain.writes as [bigint, bigint, bigint];
      for (const blockNumber of [first - 1n, first, first + 2n, middle, last, last + 1n]) {
        out.push({ chainId: chain.chainId, user: alice.address, key: 1n, blockNumber });
        out.push({ chainId: chain.chainId, user: bob.address, key: 1n, blockNumber });
        out.push({ chainId: chain.chainId, user: bob.address, key: 2n, blockNumber }); // never written
      }
    }
    out.splice(5, 0, { chainId: UNKNOWN_CHAIN, user: alice.address, key: 1n, blockNumber: 1n });
    return out;
  };

  const readOne = (item: ReadRequest): Promise<HistoryReading | Error> =>
    reader.read(item.chainId, item.user, item.key, item.blockNumber).catch((error: Error) => error);

  it('answers each item as read() does, in input order, with an error for an unknown chain', async () => {
    const batch = items();
    const many = await reader.readMany(batch);
    assert.equal(many.length, batch.length);
    for (const [i, item] of batch.entries()) {
      const one = await readOne(item);
      if (item.chainId === UNKNOWN_CHAIN) {
        assert.ok(many[i] instanceof UnreadableTaskError, `item ${i}: ${String(many[i])}`);
        assert.ok(one instanceof UnreadableTaskError);
        assert.equal((many[i] as Error).message, one.message);
      } else {
        assert.deepEqual(many[i], one, `item ${i}`);
      }
    }
  });

  it('reads the values written and the block timestamps', async () => {
    for (const [c, chain] of chains.entries()) {
      const base = BigInt(c * 1000);
      const [first, middle, last] = chain.writes as [bigint, bigint, bigint];
      const at = (user: Address, key: bigint, blockNumber: bigint): ReadRequest => ({ chainId: chain.chainId, user, key, blockNumber });
      const got = await reader.readMany([
        at(alice.address, 1n, first - 1n),
        at(alice.address, 1n, first),
        at(alice.address, 1n, middle),
        at(alice.address, 1n, last),
        at(bob.address, 1n, first),
        at(bob.address, 1n, last + 1n),
        at(bob.address, 2n, last),
      ]);
      const stamps = await Promise.all([first - 1n, first, middle, last, first, last + 1n, last].map(async (n) => (await chain.client.getBlock({ blockNumber: n })).timestamp));
      const expected = [
        [false, 0n],
        [true, base + 10n],
        [true, base + 10n],
        [true, base + 20n],
        [false, 0n],
        [true, base + 77n],
        [false, 0n],
      ] as const;
      assert.deepEqual(
        got,
        expected.map(([exists, value], j) => ({ exists, value, blockTimestamp: stamps[j] })),
      );
    }
  });

  it('answers a batch larger than one call (several tryGetValuesAtBlocks calls) in input order', async () => {
    const base = items().filter((x) => x.chainId !== UNKNOWN_CHAIN);
    const batch = Array.from({ length: 700 }, (_, i) => base[(i * 7) % base.length]!);
    const many = await reader.readMany(batch);
    const singles = new Map<string, HistoryReading | Error>();
    for (const item of base) singles.set(`${item.chainId}:${item.user}:${item.key}:${item.blockNumber}`, await readOne(item));
    for (const [i, item] of batch.entries()) {
      assert.deepEqual(many[i], singles.get(`${item.chainId}:${item.user}:${item.key}:${item.blockNumber}`), `item ${i}`);
    }
  });

  it('answers each item with an error naming the cause when no StateManager is at the configured address', async () => {
    const chain = chains[0]!;
    const misconfigured = new StateReader([{ chainId: chain.chainId, rpcUrl: chain.anvil.rpcUrl, stateManager: bob.address }], { confirmations: CONFIRMATIONS }, 20);
    try {
      const got = await misconfigured.readMany([
        { chainId: chain.chainId, user: alice.address, key: 1n, blockNumber: chain.writes[0]! },
        { chainId: chain.chainId, user: bob.address, key: 1n, blockNumber: chain.writes[1]! },
      ]);
      for (const reading of got) {
        assert.ok(reading instanceof ValuesResultError, String(reading));
        assert.match(reading.message, /no StateManager at the address called/);
      }
    } finally {
      misconfigured.stop();
    }
  });

  it('answers an empty batch with nothing', async () => {
    assert.deepEqual(await reader.readMany([]), []);
  });

  it('answers only once the highest block of a chain is final', async () => {
    const [chain, other] = chains as [Chain, Chain];
    const head = await chain.client.getBlockNumber({ cacheTime: 0 });
    const pending = reader.readMany([
      { chainId: chain.chainId, user: alice.address, key: 1n, blockNumber: chain.writes[0]! },
      { chainId: chain.chainId, user: alice.address, key: 1n, blockNumber: head + 1n },
    ]);
    let settled = false;
    void pending.then(() => (settled = true));
    // The other chain's items do not wait for this one.
    const otherReading = await reader.readMany([{ chainId: other.chainId, user: alice.address, key: 1n, blockNumber: other.writes[0]! }]);
    assert.equal((otherReading[0] as HistoryReading).value, 1010n);
    assert.equal(settled, false, 'block head + 1 does not exist yet');
    await mine(chain, 1 + CONFIRMATIONS);
    const [first, latest] = await pending;
    assert.deepEqual(first, { exists: true, value: 10n, blockTimestamp: (await chain.client.getBlock({ blockNumber: chain.writes[0]! })).timestamp });
    assert.deepEqual(latest, { exists: true, value: 20n, blockTimestamp: (await chain.client.getBlock({ blockNumber: head + 1n })).timestamp });
  });

  it('answers every waiting item with FinalityTimeoutError when stopped, without rejecting', async () => {
    const stopping = new StateReader(
      chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, stateManager: c.stateManager })),
      { confirmations: CONFIRMATIONS },
      20,
    );
    const chain = chains[0]!;
    const head = await chain.client.getBlockNumber({ cacheTime: 0 });
    const pending = stopping.readMany([
      { chainId: chain.chainId, user: alice.address, key: 1n, blockNumber: head + 100n },
      { chainId: UNKNOWN_CHAIN, user: alice.address, key: 1n, blockNumber: 1n },
    ]);
    stopping.stop();
    const [waiting, unknown] = await pending;
    assert.ok(waiting instanceof FinalityTimeoutError);
    assert.ok(unknown instanceof UnreadableTaskError);
  });
});
