/**
 * The state-proofs operator node when a task it is still answering is sent again on a new connection: what happens
 * when the aggregator it was connected to dies and another replica, which holds the same tasks but not the dead one's
 * batches, sends them after the reconnect.
 *
 * Real parts: an anvil chain with a deployed StateManager, the node's StateReader waiting for finality on it, a SQLite
 * signing journal. The test plays the aggregator on a WebSocket server (challenge, welcome, tasks), closing the first
 * connection while the node waits for the tasks' block to become final, and checks every answer's signature.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, numberToHex, recoverAddress } from 'viem';
import { WebSocket, WebSocketServer } from 'ws';
import { StateManagerAbi, StateManagerBytecode } from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { computeBatchRoot } from '../../src/core/crypto/attestation-batch.ts';
import { signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import type { Database } from '../../src/core/db/index.ts';
import { silentLogger } from '../../src/core/logging.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { PROTOCOL_VERSION } from '../../src/runtime/operators/protocol.ts';
import { type AttestationDomain, attestationDigest, computeTaskId } from '../../src/services/state-proofs/attestation.ts';
import { openSigningJournal } from '../../src/services/state-proofs/operator/journal.ts';
import { OperatorNode } from '../../src/services/state-proofs/operator/node.ts';
import { StateReader } from '../../src/services/state-proofs/operator/reader.ts';
import { type WireTask, toWireTask } from '../../src/services/state-proofs/protocol.ts';

const CHAIN_ID = 31_451;
const CONFIRMATIONS = 2;
const EPOCH = 3;
const writer = devAccount(0);
const operator = devAccount(5).address;
const signingKey = signingKeyFromPrivateKey(`0x${'5a'.repeat(32)}`);
const domain: AttestationDomain = { chainId: CHAIN_ID, verifyingContract: '0x00000000000000000000000000000000000000d1' };

type Message = { type: string } & Record<string, unknown>;

/** One connection the node made to the test's aggregator: the messages it sent after `welcome`. */
class Connection {
  readonly received: Message[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {}

  push(message: Message): void {
    this.received.push(message);
    for (const w of this.waiters.splice(0)) w();
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the first message `match` accepts (bounded wait; reaching the bound is a failure). */
  async waitFor(what: string, match: (m: Message) => boolean, timeoutMs = 60_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

describe('operator node: a task sent again while it is being answered', { timeout: 180_000 }, () => {
  let anvil: AnvilChain;
  let client: PublicClient;
  let stateManager: Address;
  let server: WebSocketServer;
  let node: OperatorNode;
  let journalDb: Database;
  const connections: Connection[] = [];
  let connectionWaiters: (() => void)[] = [];

  const mine = (blocks: number) => client.request({ method: 'anvil_mine', params: [numberToHex(blocks)] } as never);

  /** Writes `values` under keys `keys` in one transaction (one block, not final until mined past); returns the block's tasks. */
  const writeTasks = async (keys: readonly bigint[]): Promise<{ tasks: WireTask[]; values: Map<string, bigint> }> => {
    const values = new Map<string, bigint>();
    const entries = keys.map((key) => ({ key, value: 1_000n + key }));
    const hash = await makeWalletClient(CHAIN_ID, anvil.rpcUrl, writer).writeContract({
      address: stateManager,
      abi: StateManagerAbi,
      functionName: 'batchSetValues',
      args: [entries],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    const tasks = entries.map(({ key, value }) => {
      const query = { user: writer.address, chainId: BigInt(CHAIN_ID), blockNumber: block.number, timestamp: block.timestamp, key };
      const taskId = computeTaskId(query);
      values.set(taskId, value);
      return toWireTask(taskId, query, EPOCH);
    });
    return { tasks, values };
  };

  const digestOf = (task: WireTask, value: bigint): Hex =>
    attestationDigest(domain, {
      user: task.user as Address,
      chainId: BigInt(task.chainId),
      blockNumber: BigInt(task.blockNumber),
      timestamp: BigInt(task.timestamp),
      key: BigInt(task.key),
      value,
      exists: true,
      epoch: task.referenceEpoch,
    });

  const nextConnection = async (after: number): Promise<Connection> => {
    while (connections.length <= after) await new Promise<void>((resolve) => connectionWaiters.push(resolve));
    const connection = connections[after];
    await connection.waitFor('welcome to be sent', (m) => m.type === 'welcomed');
    return connection;
  };

  /** Sends `message` (tasks) and waits until the node has taken its tasks in. */
  const sendAndWaitReceived = async (connection: Connection, message: { type: string; batchId?: string; tasks: readonly WireTask[] }) => {
    const target = node.stats.tasksReceived + message.tasks.length;
    connection.send(message);
    while (node.stats.tasksReceived < target) await new Promise((r) => setTimeout(r, 10));
  };

  /** Closes the node's current connection (its aggregator died) and returns the next, authenticated one. */
  const reconnect = async (current: Connection): Promise<Connection> => {
    const index = connections.indexOf(current);
    current.socket.terminate();
    return nextConnection(index + 1);
  };

  before(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, mining: { mode: 'auto' } });
    client = makePublicClient(CHAIN_ID, anvil.rpcUrl);
    const hash = await makeWalletClient(CHAIN_ID, anvil.rpcUrl, writer).deployContract({ abi: StateManagerAbi, bytecode: StateManagerBytecode });
    stateManager = (await client.waitForTransactionReceipt({ hash })).contractAddress!;

    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const connection = new Connection(socket);
      connections.push(connection);
      for (const w of connectionWaiters.splice(0)) w();
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as Message;
        if (message.type === 'auth') {
          connection.send({ type: 'welcome', operator, epoch: EPOCH });
          connection.push({ type: 'welcomed' });
        } else connection.push(message);
      });
      connection.send({
        type: 'challenge',
        version: PROTOCOL_VERSION,
        nonce: `0x${randomBytes(32).toString('hex')}`,
        chainId: domain.chainId,
        serviceManager: domain.verifyingContract,
      });
    });
    const { port } = server.address() as AddressInfo;

    const opened = await openSigningJournal({ operator, sqlitePath: ':memory:' });
    journalDb = opened.database;
    node = new OperatorNode({
      aggregatorUrl: `ws://127.0.0.1:${port}`,
      operator,
      signingKey,
      domain,
      reader: new StateReader([{ chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl, stateManager }], { confirmations: CONFIRMATIONS }, 20),
      journal: opened.journal,
      logger: silentLogger(),
      reconnectDelayMs: { min: 10, max: 50 },
    });
    node.start();
    await node.authenticated();
  });

  after(async () => {
    await node?.stop();
    await journalDb?.close();
    server?.close();
    await anvil?.stop();
  });

  it("answers on its own a task it was answering in the dead aggregator's batch", async () => {
    const first = await nextConnection(connections.length - 1);
    const { tasks, values } = await writeTasks([11n, 12n]);
    await sendAndWaitReceived(first, { type: 'batch', batchId: `0x${'b1'.repeat(32)}`, tasks });
    // The node now waits for the block to be final; the aggregator dies and another one takes over.
    const second = await reconnect(first);
    second.send({ type: 'tasks', tasks });
    await mine(CONFIRMATIONS + 1);

    for (const task of tasks) {
      const message = await second.waitFor(`a signature of ${task.taskId}`, (m) => m.type === 'signatures' && (m.signatures as { taskId: string }[]).some((s) => s.taskId === task.taskId));
      const answer = (message.signatures as { taskId: Hex; value: string; signature: Hex }[]).find((s) => s.taskId === task.taskId)!;
      assert.equal(BigInt(answer.value), values.get(task.taskId));
      assert.equal((await recoverAddress({ hash: digestOf(task, values.get(task.taskId)!), signature: answer.signature })).toLowerCase(), signingKey.address.toLowerCase());
    }
  });

  it('answers a new batch that holds tasks it was answering in an earlier batch, under the new batch id', async () => {
    const first = connections.at(-1)!;
    const { tasks, values } = await writeTasks([21n, 22n]);
    await sendAndWaitReceived(first, { type: 'batch', batchId: `0x${'c1'.repeat(32)}`, tasks });
    const second = await reconnect(first);
    const batchId = `0x${'c2'.repeat(32)}`;
    second.send({ type: 'batch', batchId, tasks });
    await mine(CONFIRMATIONS + 1);

    const message = await second.waitFor('the new batch signature', (m) => m.type === 'batchSignature' && m.batchId === batchId);
    const answers = message.answers as { taskId: Hex; value: string }[];
    assert.deepEqual(answers.map((a) => a.taskId).sort(), tasks.map((t) => t.taskId).sort());
    const digests = answers.map((a) => digestOf(tasks.find((t) => t.taskId === a.taskId)!, BigInt(a.value)));
    const { root, batchDigest } = computeBatchRoot(digests);
    assert.equal(message.root, root);
    assert.equal((await recoverAddress({ hash: batchDigest, signature: message.signature as Hex })).toLowerCase(), signingKey.address.toLowerCase());
    for (const a of answers) assert.equal(BigInt(a.value), values.get(a.taskId));
  });

  it('answers once the same batch sent again after a reconnect', async () => {
    const first = connections.at(-1)!;
    const { tasks } = await writeTasks([31n]);
    const batchId = `0x${'d1'.repeat(32)}`;
    await sendAndWaitReceived(first, { type: 'batch', batchId, tasks });
    const second = await reconnect(first);
    second.send({ type: 'batch', batchId, tasks });
    await mine(CONFIRMATIONS + 1);

    await second.waitFor('the batch signature', (m) => m.type === 'batchSignature' && m.batchId === batchId);
    // Anything else the node had to say would have followed within its flush interval.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(second.received.filter((m) => m.type === 'batchSignature' && m.batchId === batchId).length, 1);
  });
});
