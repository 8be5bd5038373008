/**
 * The devnet bridge end to end on two real anvil chains. A DevnetAbridge pair, a DevnetMessageLog on
 * each side (each allowing the other), and the relayer:
 * - messages both ways arrive in nonce order, each exactly once, with the guid the source assigned;
 * - a relayer stopped mid-stream, then a delivery that landed without its relayer seeing the receipt (a crash between
 *   send and receipt), then a new relayer: the rest arrives, nothing twice;
 * - `avs relayer run` killed with SIGKILL mid-stream and started again: the same;
 * - excess fees come back to the sender in the same transaction.
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, keccak256, parseEventLogs, toHex } from 'viem';
import { DevnetAbridgeAbi, DevnetMessageLogAbi, DevnetMessageLogBytecode } from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { devAccount, devPrivateKey } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvils, stopAnvils } from '../../src/devnet/anvil.ts';
import { type DeployedBridgePair, bridgePairsOf, chainBridgeEntry, deployBridgePair } from '../../src/devnet/bridge.ts';
import { type Delivery, Relayer, RelayerConfigError, startRelayer, waitForMessage } from '../../src/devnet/relayer.ts';
import { TxQueue } from '../../src/core/chain/transactions.ts';
import { parseDeployment, serializeDeployment } from '../../src/core/chain/deployment.ts';

const A = 31337;
const B = 31338;
const RELAYER_INDEX = 7;
const GAS_LIMIT = 200_000n;
/** Bound of every wait: generous on a loaded 2-core machine; reaching it is a failure, never a timing assertion. */
const WAIT_MS = 120_000;
const bin = fileURLToPath(new URL('../../bin/avs.js', import.meta.url));

type Side = { chainId: number; rpcUrl: string; client: PublicClient; endpoint: Address; log: Address };

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('devnet bridge relayer', () => {
  let chains: AnvilChain[];
  let pair: DeployedBridgePair;
  let sides: Record<number, Side>;
  const user = devAccount(1);
  const relayerAccount = devAccount(RELAYER_INDEX);
  let dir: string;
  let counter = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-relayer-test-'));
    chains = await startAnvils([A, B]);
    const [a, b] = chains;
    const deployer = devAccount(0);
    pair = await deployBridgePair({
      a: { chainId: a.chainId, rpcUrl: a.rpcUrl },
      b: { chainId: b.chainId, rpcUrl: b.rpcUrl },
      deployer,
      relayer: relayerAccount.address,
    });
    sides = {};
    // A message log on each side, each allowing the other's log as a sender.
    const logs = await Promise.all(
      chains.map(async (chain) => {
        const client = makePublicClient(chain.chainId, chain.rpcUrl, { pollingInterval: 50 });
        const q = new TxQueue(makeWalletClient(chain.chainId, chain.rpcUrl, deployer), client);
        const endpoint = chain.chainId === A ? pair.a.endpoint : pair.b.endpoint;
        const log = await q.deploy(`DevnetMessageLog on ${chain.chainId}`, { abi: DevnetMessageLogAbi, bytecode: DevnetMessageLogBytecode }, [
          endpoint,
          deployer.address,
        ]);
        await q.settle();
        sides[chain.chainId] = { chainId: chain.chainId, rpcUrl: chain.rpcUrl, client, endpoint, log };
        return { q, log };
      }),
    );
    await Promise.all(
      logs.map(async ({ q, log }, i) => {
        await q.write('DevnetMessageLog.setSender', log, DevnetMessageLogAbi, 'setSender', [logs[1 - i].log, true]);
        await q.settle();
      }),
    );
  });

  after(async () => {
    await stopAnvils(chains ?? []);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `n` distinct messages from `from`'s log to the other side's log; returns the payloads in sending order. */
  async function sendMessages(from: number, n: number, sender: PrivateKeyAccount = user): Promise<Hex[]> {
    const src = sides[from];
    const dst = sides[from === A ? B : A];
    const q = new TxQueue(makeWalletClient(src.chainId, src.rpcUrl, sender), src.client);
    const payloads: Hex[] = [];
    for (let i = 0; i < n; i++) {
      const payload = toHex(`message ${++counter} from ${from}`);
      const [, fee] = await src.client.readContract({
        address: src.endpoint,
        abi: DevnetAbridgeAbi,
        functionName: 'estimateFee',
        args: [dst.log, GAS_LIMIT, payload],
      });
      await q.write(`sendMessage ${counter}`, src.log, DevnetMessageLogAbi, 'sendMessage', [dst.log, GAS_LIMIT, payload], fee);
      payloads.push(payload);
    }
    await q.settle();
    return payloads;
  }

  async function entryCount(chainId: number): Promise<number> {
    const side = sides[chainId];
    return Number(await side.client.readContract({ address: side.log, abi: DevnetMessageLogAbi, functionName: 'entryCount' }));
  }

  /** Every message sent from `from`'s endpoint, in nonce order (guid, payload). */
  async function sentFrom(from: number): Promise<{ nonce: bigint; guid: Hex; message: Hex }[]> {
    const side = sides[from];
    const logs = await side.client.getContractEvents({
      address: side.endpoint,
      abi: DevnetAbridgeAbi,
      eventName: 'MessageSent',
      fromBlock: 0n,
      strict: true,
    });
    return logs.map((l) => ({ nonce: l.args.nonce, guid: l.args.guid, message: l.args.message })).sort((x, y) => Number(x.nonce - y.nonce));
  }

  /**
   * The receiving log on `to` holds exactly the messages sent towards it, in nonce order, each handled once.
   */
  async function assertExactlyOnceInOrder(to: number): Promise<void> {
    const from = to === A ? B : A;
    const sent = await sentFrom(from);
    const side = sides[to];
    assert.equal(await entryCount(to), sent.length, `log on ${to} holds one entry per message sent from ${from}`);
    for (let i = 0; i < sent.length; i++) {
      const entry = await side.client.readContract({ address: side.log, abi: DevnetMessageLogAbi, functionName: 'entryAt', args: [BigInt(i)] });
      assert.equal(entry.guid, sent[i].guid, `entry ${i} on ${to} is message nonce ${sent[i].nonce}`);
      assert.equal(entry.messageHash, keccak256(sent[i].message));
      assert.equal(entry.from, sides[from].log);
      const times = await side.client.readContract({ address: side.log, abi: DevnetMessageLogAbi, functionName: 'timesReceived', args: [sent[i].guid] });
      assert.equal(times, 1n, `message ${sent[i].nonce} handled once`);
    }
  }

  function relayerOptions(onDelivery?: (d: Delivery) => void) {
    return {
      pairs: [pair],
      chains: chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.rpcUrl })),
      account: relayerAccount,
      confirmations: 1,
      pollIntervalMs: 100,
      maxBlockRange: 7n, // small ranges: the searches cross several getLogs windows
      onDelivery,
    };
  }

  it('delivers messages both ways in nonce order, each exactly once, with the source guid', async () => {
    await sendMessages(A, 5);
    await sendMessages(B, 4);
    const deliveries: Delivery[] = [];
    const relayer = await startRelayer(relayerOptions((d) => deliveries.push(d)));
    try {
      await waitFor('9 deliveries', async () => (await entryCount(B)) === 5 && (await entryCount(A)) === 4);
    } finally {
      await relayer.stop();
    }
    await assertExactlyOnceInOrder(A);
    await assertExactlyOnceInOrder(B);
    assert.ok(deliveries.every((d) => d.outcome === 'delivered'));
    const ab = deliveries.filter((d) => d.sourceChainId === A).map((d) => d.nonce);
    assert.deepEqual(ab, [1n, 2n, 3n, 4n, 5n]);
    const status = relayer.status();
    assert.deepEqual(
      status.map((s) => [s.sourceChainId, s.destinationChainId, s.delivered]),
      [
        [A, B, 5],
        [B, A, 4],
      ],
    );
    const gas = deliveries.map((d) => d.gasUsed);
    console.log(`# delivery gasUsed (DevnetMessageLog receiver): min ${gas.reduce((m, g) => (g < m ? g : m))}, max ${gas.reduce((m, g) => (g > m ? g : m))}`);
  });

  it('a relayer stopped mid-stream, and a delivery it never saw land, leave nothing lost or repeated after a restart', async () => {
    const before = await entryCount(B);
    await sendMessages(A, 12);
    let seen = 0;
    let first: Relayer | undefined;
    const stopped = new Promise<void>((resolve) => {
      first = new Relayer(
        relayerOptions(() => {
          if (++seen === 3) void first!.stop().then(resolve);
        }),
      );
    });
    await first!.start();
    await stopped;
    const afterStop = await entryCount(B);
    assert.ok(afterStop - before >= 3 && afterStop - before < 12, `stopped mid-stream (${afterStop - before} of 12 delivered)`);

    // A crash between send and receipt: the next delivery lands, sent by the relayer's key, and no relayer saw it.
    const dst = sides[B];
    const next = await dst.client.readContract({ address: dst.endpoint, abi: DevnetAbridgeAbi, functionName: 'nextInboundNonce' });
    const message = (await sentFrom(A)).find((m) => m.nonce === next)!;
    const sentLog = (
      await sides[A].client.getContractEvents({ address: sides[A].endpoint, abi: DevnetAbridgeAbi, eventName: 'MessageSent', args: { nonce: next }, fromBlock: 0n, strict: true })
    )[0];
    const wallet = makeWalletClient(B, dst.rpcUrl, relayerAccount);
    const hash = await wallet.writeContract({
      address: dst.endpoint,
      abi: DevnetAbridgeAbi,
      functionName: 'deliverMessage',
      args: [next, sentLog.args.sender, sentLog.args.receiver, sentLog.args.gasLimit, message.message, message.guid],
      gas: 1_000_000n,
    });
    assert.equal((await dst.client.waitForTransactionReceipt({ hash })).status, 'success');

    const second = await startRelayer(relayerOptions());
    try {
      await waitFor('the rest of the 12', async () => (await entryCount(B)) === before + 12);
      assert.equal(await waitForMessage({ client: dst.client, endpoint: dst.endpoint, guid: message.guid }), 'delivered');
    } finally {
      await second.stop();
    }
    await assertExactlyOnceInOrder(B);
  });

  it('`avs relayer run` killed mid-stream and started again delivers the rest without duplicates', async () => {
    // The relayer reads only the chains and their bridge entries (core fields: no service section is needed); the
    // EigenLayer addresses are placeholders.
    const placeholder = '0x000000000000000000000000000000000000dEaD';
    const deployment = parseDeployment({
      mainChainId: A,
      chains: [
        { chainId: A, rpcUrl: sides[A].rpcUrl },
        { chainId: B, rpcUrl: sides[B].rpcUrl, bridge: chainBridgeEntry(pair, A, B) },
      ],
      eigenlayer: {
        delegationManager: placeholder,
        strategyManager: placeholder,
        avsDirectory: placeholder,
        allocationManager: placeholder,
        rewardsCoordinator: placeholder,
        strategies: [],
      },
      epoch: { genesis: '0', length: '120', grace: '20' },
    });
    assert.deepEqual(
      bridgePairsOf(deployment).map((p) => [p.a.chainId, p.a.endpoint, p.b.chainId, p.b.endpoint]),
      [[A, pair.a.endpoint, B, pair.b.endpoint]],
    );
    const file = join(dir, 'deployment.json');
    writeFileSync(file, serializeDeployment(deployment));

    const before = await entryCount(A);
    // Enough messages that the first process cannot have delivered them all when it is killed.
    await sendMessages(B, 40);
    const start = (): { child: ChildProcess; exited: Promise<unknown>; output: () => string } => {
      const child = spawn(process.execPath, [bin, 'relayer', 'run', '--deployment', file, '--confirmations', '1', '--poll-interval', '100'], {
        env: { ...process.env, AVS_RELAYER_KEY: devPrivateKey(RELAYER_INDEX), LOG_LEVEL: 'info', AVS_DEBUG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      return { child, exited, output: () => output };
    };
    const first = start();
    try {
      await waitFor('some deliveries by the first process', async () => (await entryCount(A)) >= before + 2);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    assert.ok((await entryCount(A)) < before + 40, 'killed mid-stream');
    const second = start();
    try {
      await waitFor('all 40', async () => (await entryCount(A)) === before + 40);
      // Give a duplicate every chance to show up before checking.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    assert.match(second.output(), /relayer stopped/, 'SIGTERM stops the relayer cleanly');
    await assertExactlyOnceInOrder(A);
  });

  it('two relayers at once (different keys) still deliver each message exactly once', async () => {
    const other = devAccount(RELAYER_INDEX + 1);
    const deployer = devAccount(0);
    await Promise.all(
      [A, B].map(async (chainId) => {
        const side = sides[chainId];
        const q = new TxQueue(makeWalletClient(chainId, side.rpcUrl, deployer), side.client);
        await q.write('setRelayer', side.endpoint, DevnetAbridgeAbi, 'setRelayer', [other.address, true]);
        await q.settle();
      }),
    );
    const [beforeA, beforeB] = [await entryCount(A), await entryCount(B)];
    await Promise.all([sendMessages(A, 8), sendMessages(B, 8)]);
    const relayers = await Promise.all([startRelayer(relayerOptions()), startRelayer({ ...relayerOptions(), account: other })]);
    try {
      await waitFor('16 deliveries', async () => (await entryCount(B)) === beforeB + 8 && (await entryCount(A)) === beforeA + 8);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await Promise.all(relayers.map((r) => r.stop()));
    }
    // Between them, one landed delivery per message per lane.
    const landed = relayers.map((r) => r.status().map((s) => s.delivered));
    assert.deepEqual([landed[0][0] + landed[1][0], landed[0][1] + landed[1][1]], [8, 8]);
    await assertExactlyOnceInOrder(A);
    await assertExactlyOnceInOrder(B);
  });

  it('refunds excess fee to the sender in the same transaction', async () => {
    const src = sides[A];
    const receiver = sides[B].log;
    const payload = toHex('refund me');
    const [, fee] = await src.client.readContract({ address: src.endpoint, abi: DevnetAbridgeAbi, functionName: 'estimateFee', args: [receiver, GAS_LIMIT, payload] });
    assert.equal(fee, pair.fees.baseFee + (GAS_LIMIT + 16n * 9n) * pair.fees.gasPrice);
    const sender = devAccount(2);
    const excess = 10n ** 18n;
    const [balanceBefore, endpointBefore] = await Promise.all([
      src.client.getBalance({ address: sender.address }),
      src.client.getBalance({ address: src.endpoint }),
    ]);
    const wallet = makeWalletClient(A, src.rpcUrl, sender);
    const hash = await wallet.writeContract({ address: src.endpoint, abi: DevnetAbridgeAbi, functionName: 'send', args: [receiver, GAS_LIMIT, payload], value: fee + excess });
    const receipt = await src.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    const [balanceAfter, endpointAfter] = await Promise.all([
      src.client.getBalance({ address: sender.address }),
      src.client.getBalance({ address: src.endpoint }),
    ]);
    assert.equal(balanceBefore - balanceAfter, fee + receipt.gasUsed * receipt.effectiveGasPrice, 'the sender paid the fee and gas, nothing more');
    assert.equal(endpointAfter - endpointBefore, fee, 'the endpoint kept exactly the fee');

    // Through an application contract: the log passes the endpoint's refund on to its caller.
    const logBefore = await src.client.getBalance({ address: src.log });
    const viaLog = await wallet.writeContract({ address: src.log, abi: DevnetMessageLogAbi, functionName: 'sendMessage', args: [receiver, GAS_LIMIT, payload], value: fee + excess });
    const logReceipt = await src.client.waitForTransactionReceipt({ hash: viaLog });
    assert.equal(logReceipt.status, 'success');
    assert.equal(await src.client.getBalance({ address: src.log }), logBefore);
    assert.equal(
      balanceAfter - (await src.client.getBalance({ address: sender.address })),
      fee + logReceipt.gasUsed * logReceipt.effectiveGasPrice,
    );
  });

  it('refuses to start with a key the endpoints do not authorise', async () => {
    const relayer = new Relayer({ ...relayerOptions(), account: devAccount(3) });
    await assert.rejects(relayer.start(), (error: Error) => error instanceof RelayerConfigError && /not an authorised relayer/.test(error.message));
    await relayer.stop();
  });

  it('refuses endpoints that are not each other’s peer', async () => {
    const relayer = new Relayer({ ...relayerOptions(), pairs: [{ a: pair.a, b: { ...pair.b, endpoint: sides[B].log } }] });
    await assert.rejects(relayer.start(), RelayerConfigError);
    await relayer.stop();
  });

  it('a message the receiver refuses is recorded as failed, later ones still arrive, and a retry delivers it once', async () => {
    const src = sides[A];
    const dst = sides[B];
    const stranger = devAccount(4);
    const payload = toHex('from a sender the log does not allow');
    const [, fee] = await src.client.readContract({ address: src.endpoint, abi: DevnetAbridgeAbi, functionName: 'estimateFee', args: [dst.log, GAS_LIMIT, payload] });
    const wallet = makeWalletClient(A, src.rpcUrl, stranger);
    const hash = await wallet.writeContract({ address: src.endpoint, abi: DevnetAbridgeAbi, functionName: 'send', args: [dst.log, GAS_LIMIT, payload], value: fee });
    const receipt = await src.client.waitForTransactionReceipt({ hash });
    const [sent] = parseEventLogs({ abi: DevnetAbridgeAbi, logs: receipt.logs, eventName: 'MessageSent' });
    const [later] = await sendMessages(A, 1);

    const deliveries: Delivery[] = [];
    const relayer = await startRelayer(relayerOptions((d) => deliveries.push(d)));
    try {
      await waitFor('the later message', async () => deliveries.some((d) => d.nonce === sent.args.nonce + 1n));
    } finally {
      await relayer.stop();
    }
    const refused = deliveries.find((d) => d.guid === sent.args.guid)!;
    assert.equal(refused.outcome, 'failed');
    assert.match(refused.reason ?? '', /^RouteNotAllowed\(/);
    assert.equal(await waitForMessage({ client: dst.client, endpoint: dst.endpoint, guid: sent.args.guid }), 'failed');
    const last = await dst.client.readContract({ address: dst.log, abi: DevnetMessageLogAbi, functionName: 'entryAt', args: [BigInt((await entryCount(B)) - 1)] });
    assert.equal(last.messageHash, keccak256(later), 'the later message arrived after the refused one');

    // The log's owner allows the sender; anyone retries; the message is handled once.
    const owner = makeWalletClient(B, dst.rpcUrl, devAccount(0));
    await dst.client.waitForTransactionReceipt({
      hash: await owner.writeContract({ address: dst.log, abi: DevnetMessageLogAbi, functionName: 'setSender', args: [stranger.address, true] }),
    });
    const anyone = makeWalletClient(B, dst.rpcUrl, devAccount(5));
    const retry = await anyone.writeContract({
      address: dst.endpoint,
      abi: DevnetAbridgeAbi,
      functionName: 'retryMessage',
      args: [stranger.address, dst.log, payload, sent.args.guid],
    });
    assert.equal((await dst.client.waitForTransactionReceipt({ hash: retry })).status, 'success');
    assert.equal(await waitForMessage({ client: dst.client, endpoint: dst.endpoint, guid: sent.args.guid }), 'delivered');
    assert.equal(
      await dst.client.readContract({ address: dst.log, abi: DevnetMessageLogAbi, functionName: 'timesReceived', args: [sent.args.guid] }),
      1n,
    );
  });
});
