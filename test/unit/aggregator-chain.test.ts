import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Address,
  type PublicClient,
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionResult,
  getAddress,
  numberToHex,
  zeroAddress,
} from 'viem';
import { ECDSAStakeRegistryAbi, EpochManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { createBlockResolver } from '../../src/services/state-proofs/aggregator/blocks.ts';
import { BlockAheadError, TimestampAheadError, TimestampBeforeChainError, UnsupportedChainError } from '../../src/services/state-proofs/aggregator/errors.ts';
import { createChainOperatorSetSource } from '../../src/runtime/operatorSet.ts';

const REGISTRY = '0x00000000000000000000000000000000000000e1' as Address;
const EPOCHS = '0x00000000000000000000000000000000000000e2' as Address;

/** A fake JSON-RPC node: blocks with given timestamps and the registry views, counting calls. */
function fakeChain(options: {
  timestamps?: bigint[];
  operators?: Address[];
  departed?: Address[];
  keys?: (operator: Address, epoch: number) => Address;
  weights?: (operator: Address, epoch: number) => bigint;
  current?: number;
}) {
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  let current = options.current ?? 5;
  const timestamps = options.timestamps ?? [];
  const client = createPublicClient({
    transport: custom({
      async request({ method, params }: { method: string; params: any }) {
        count(method);
        if (method === 'eth_chainId') return '0x7a69';
        if (method === 'eth_blockNumber') return numberToHex(Math.max(0, timestamps.length - 1));
        if (method === 'eth_getBlockByNumber') {
          const n = params[0] === 'latest' ? timestamps.length - 1 : Number(BigInt(params[0]));
          if (n >= timestamps.length) return null;
          return fakeBlock(n, timestamps[n]);
        }
        if (method === 'eth_getLogs') {
          const topics = encodeEventTopics({ abi: ECDSAStakeRegistryAbi, eventName: 'OperatorDeregistered' });
          return (options.departed ?? []).map((operator, i) => ({
            address: REGISTRY,
            topics: [topics[0], `0x${operator.slice(2).toLowerCase().padStart(64, '0')}`],
            data: encodeAbiParameters([{ type: 'uint32' }], [current + 1]),
            blockNumber: '0x1',
            blockHash: `0x${'11'.repeat(32)}`,
            transactionHash: `0x${'22'.repeat(32)}`,
            transactionIndex: '0x0',
            logIndex: numberToHex(i),
            removed: false,
          }));
        }
        if (method === 'eth_call') {
          const { to, data } = params[0];
          if (to.toLowerCase() === EPOCHS) {
            const { functionName } = decodeFunctionData({ abi: EpochManagerAbi, data });
            count(functionName);
            const value = functionName === 'currentEpoch' ? current : current + 1;
            return encodeFunctionResult({ abi: EpochManagerAbi, functionName: functionName as 'currentEpoch', result: value });
          }
          const { functionName, args } = decodeFunctionData({ abi: ECDSAStakeRegistryAbi, data });
          count(functionName);
          const a = args as readonly any[];
          const result = (() => {
            switch (functionName) {
              case 'getOperators':
                return options.operators ?? [];
              case 'getOperatorSigningKeyAtEpoch':
                return options.keys?.(a[0], a[1]) ?? zeroAddress;
              case 'getSigningWeightAtEpoch':
                return options.weights?.(a[0], a[1]) ?? 0n;
              case 'getTotalWeightAtEpoch':
                return 100n;
              case 'getThresholdWeightAtEpoch':
                return 67n;
              default:
                throw new Error(`unexpected ${functionName}`);
            }
          })();
          return encodeFunctionResult({ abi: ECDSAStakeRegistryAbi, functionName: functionName as 'getOperators', result: result as never });
        }
        throw new Error(`unexpected ${method}`);
      },
    }),
  }) as PublicClient;
  return {
    client,
    calls,
    setCurrent(epoch: number) {
      current = epoch;
    },
  };
}

function fakeBlock(n: number, timestamp: bigint) {
  const hash = `0x${n.toString(16).padStart(64, '0')}`;
  return {
    number: numberToHex(n),
    hash,
    parentHash: `0x${'00'.repeat(32)}`,
    timestamp: numberToHex(timestamp),
    nonce: '0x0000000000000000',
    sha3Uncles: `0x${'00'.repeat(32)}`,
    logsBloom: `0x${'00'.repeat(256)}`,
    transactionsRoot: `0x${'00'.repeat(32)}`,
    stateRoot: `0x${'00'.repeat(32)}`,
    receiptsRoot: `0x${'00'.repeat(32)}`,
    miner: zeroAddress,
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: '0x',
    size: '0x0',
    gasLimit: '0x0',
    gasUsed: '0x0',
    transactions: [],
    uncles: [],
    baseFeePerGas: '0x0',
  };
}

describe('block resolver', () => {
  // Irregular block times, two blocks sharing a second is impossible on Ethereum, but gaps vary.
  const timestamps = [1000n, 1012n, 1013n, 1030n, 1031n, 1100n, 1101n, 1102n, 1200n, 1212n];

  it('resolves a timestamp to the last block at or before it, for every second in range', async () => {
    const chain = fakeChain({ timestamps });
    const blocks = createBlockResolver(new Map([[31337, chain.client]]));
    for (let t = 1000n; t <= 1212n; t++) {
      const expected = timestamps.findLastIndex((ts) => ts <= t);
      const got = await blocks.blockAtTimestamp(31337, t);
      assert.deepEqual(got, { blockNumber: BigInt(expected), timestamp: timestamps[expected] }, `t=${t}`);
    }
  });

  it('refuses times before the first block and after the head, blocks past the head, and unknown chains', async () => {
    const blocks = createBlockResolver(new Map([[31337, fakeChain({ timestamps }).client]]));
    await assert.rejects(blocks.blockAtTimestamp(31337, 999n), TimestampBeforeChainError);
    await assert.rejects(blocks.blockAtTimestamp(31337, 1213n), TimestampAheadError);
    await assert.rejects(blocks.blockAt(31337, 10n), BlockAheadError);
    assert.deepEqual(await blocks.blockAt(31337, 9n), { blockNumber: 9n, timestamp: 1212n });
    await assert.rejects(blocks.blockAt(1, 1n), UnsupportedChainError);
  });

  it('caches block timestamps and shares concurrent lookups', async () => {
    const chain = fakeChain({ timestamps });
    const blocks = createBlockResolver(new Map([[31337, chain.client]]));
    await Promise.all(Array.from({ length: 20 }, () => blocks.blockAt(31337, 3n)));
    await blocks.blockAt(31337, 3n);
    // One head lookup and one block lookup.
    assert.equal(chain.calls.eth_getBlockByNumber, 2);
  });
});

describe('chain-backed operator set', () => {
  const a = getAddress('0x00000000000000000000000000000000000000a1');
  const b = getAddress('0x00000000000000000000000000000000000000b2');
  const leaving = getAddress('0x00000000000000000000000000000000000000c3');
  const keyOf = (op: Address) => getAddress(`0x${'f'.repeat(38)}${op.slice(-2)}`);

  it('reads keys, weights and threshold at an epoch, including an operator whose deregistration is not effective yet', async () => {
    const chain = fakeChain({
      operators: [a, b],
      departed: [leaving],
      // b registered at epoch 5 only; leaving still registered at epoch 5.
      keys: (op, epoch) => (op === b && epoch < 5 ? zeroAddress : keyOf(op)),
      weights: (op) => (op === a ? 50n : op === b ? 30n : 20n),
    });
    const source = createChainOperatorSetSource({ client: chain.client, stakeRegistry: REGISTRY, epochManager: EPOCHS });
    assert.equal(await source.currentEpoch(), 5);
    assert.equal(await source.effectiveEpoch(), 6);
    const snapshot = await source.getSnapshot(5);
    assert.equal(snapshot.epoch, 5);
    assert.deepEqual(
      [...snapshot.operators.values()].map((o) => [o.operator, o.signingKey, o.weight]).sort(),
      [
        [a, keyOf(a), 50n],
        [b, keyOf(b), 30n],
        [leaving, keyOf(leaving), 20n],
      ].sort(),
    );
    assert.equal(snapshot.thresholdWeight, 67n);
    assert.equal(snapshot.totalWeight, 100n);
    assert.ok(snapshot.operators.has(a.toLowerCase()));
    const earlier = await source.getSnapshot(4);
    assert.equal(earlier.operators.has(b.toLowerCase()), false);
  });

  it('caches epochs at or before the current one for good, and re-reads future ones', async () => {
    const chain = fakeChain({ operators: [a], keys: keyOf, weights: () => 10n });
    const source = createChainOperatorSetSource({ client: chain.client, stakeRegistry: REGISTRY, epochManager: EPOCHS, refreshMs: 0 });
    await source.getSnapshot(5);
    await source.getSnapshot(5);
    assert.equal(chain.calls.getOperators, 1);
    await source.getSnapshot(6);
    await source.getSnapshot(6);
    assert.equal(chain.calls.getOperators, 3, 'a future epoch is not frozen');
    await Promise.all([source.getSnapshot(3), source.getSnapshot(3)]);
    assert.equal(chain.calls.getOperators, 4, 'concurrent reads share one load');
  });
});
