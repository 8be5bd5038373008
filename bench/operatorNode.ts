/**
 * CPU per task of one state-proofs operator node in this process: the node as `avs operator run` builds it (its
 * StateReader on an anvil chain with a StateManager, its SQLite signing journal), answering batches of tasks at final
 * blocks, without the aggregator process and the other operators that share the machine in the end-to-end bench.
 *
 * This process plays the aggregator on a WebSocket server: it sends each batch (encoded once, before the clock starts)
 * and takes the node's `batchSignature` back, with `inFlight` batches outstanding, as the engine pipelines them. The
 * CPU measured is this whole process's: the node's work and the stub's receiving of the answers (a JSON parse per
 * batch). anvil's own work (the `eth_call`s) is another process's, not counted. Run with `journalEntries`, it shows what a
 * node's history costs each new task (the journal's index grows with every task signed).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, numberToHex } from 'viem';
import { type WebSocket, WebSocketServer } from 'ws';
import { StateManagerAbi, StateManagerBytecode } from '../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../src/core/chain/clients.ts';
import { signingKeyFromPrivateKey } from '../src/core/crypto/ecdsa.ts';
import { silentLogger } from '../src/core/logging.ts';
import { devAccount } from '../src/devnet/accounts.ts';
import { startAnvil } from '../src/devnet/anvil.ts';
import { PROTOCOL_VERSION } from '../src/runtime/operators/protocol.ts';
import { fastTaskId } from '../src/services/state-proofs/digest.ts';
import { type SigningJournal, openSigningJournal } from '../src/services/state-proofs/operator/journal.ts';
import { OperatorNode } from '../src/services/state-proofs/operator/node.ts';
import { StateReader } from '../src/services/state-proofs/operator/reader.ts';
import { type WireTask, toWireTask } from '../src/services/state-proofs/protocol.ts';

/** CPU µs per task, and the wall-clock rate of the measured batches. */
export type OperatorNodeResult = { tasks: number; batchSize: number; cpuUsPerTask: number; tasksPerSecond: number };

/**
 * Options of {@link measureOperatorNode}. `journalEntries`: entries the journal holds before the run (a node's history;
 * 250 per block, on another chain), default 0.
 */
export type OperatorNodeOptions = { batches?: number; warmBatches?: number; batchSize?: number; inFlight?: number; journalEntries?: number };

const CHAIN_ID = 31_461;
const EPOCH = 5;
/** Entries per `batchSetValues` transaction (a new key's history costs about 50k gas; anvil's blocks hold 30M). */
const WRITES_PER_TX = 400;

/** Appends `entries` signed attestations of past tasks to `journal`, 250 per block of chain `CHAIN_ID - 1`. */
async function fillJournal(journal: SigningJournal, entries: number): Promise<void> {
  const signature = `0x${'ab'.repeat(65)}` as Hex;
  for (let first = 0; first < entries; first += 1_000) {
    await journal.append(
      Array.from({ length: Math.min(1_000, entries - first) }, (_, i) => ({
        taskId: `0x${randomBytes(32).toString('hex')}` as Hex,
        chainId: BigInt(CHAIN_ID - 1),
        blockNumber: BigInt(Math.floor((first + i) / 250)),
        referenceEpoch: EPOCH,
        value: 1n,
        exists: true,
        digest: `0x${randomBytes(32).toString('hex')}` as Hex,
        signature,
      })),
    );
  }
}

/** Runs the node over `warmBatches` then `batches` batches of `batchSize` distinct tasks, measuring the latter. */
export async function measureOperatorNode(options: OperatorNodeOptions = {}): Promise<OperatorNodeResult> {
  const batches = options.batches ?? 64;
  const warmBatches = options.warmBatches ?? 8;
  const batchSize = options.batchSize ?? 250;
  const inFlight = options.inFlight ?? 4;
  const total = (batches + warmBatches) * batchSize;
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-operator-'));
  const anvil = await startAnvil({ chainId: CHAIN_ID, mining: { mode: 'auto' } });
  const writer = devAccount(0);
  const wallet = makeWalletClient(CHAIN_ID, anvil.rpcUrl, writer);
  const client = makePublicClient(CHAIN_ID, anvil.rpcUrl);
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  let node: OperatorNode | undefined;
  let closeJournal = async () => {};
  try {
    await new Promise((resolve) => (server.address() ? resolve(undefined) : server.once('listening', resolve)));
    const deployed = await wallet.deployContract({ abi: StateManagerAbi, bytecode: StateManagerBytecode });
    const stateManager = (await client.waitForTransactionReceipt({ hash: deployed })).contractAddress!;

    // Every task reads its own key at the block of its write, as a burst of distinct requests does.
    const tasks: WireTask[] = [];
    for (let first = 0; first < total; first += WRITES_PER_TX) {
      const entries = Array.from({ length: Math.min(WRITES_PER_TX, total - first) }, (_, i) => ({ key: BigInt(first + i), value: 1_000_000n + BigInt(first + i) }));
      const hash = await wallet.writeContract({ address: stateManager, abi: StateManagerAbi, functionName: 'batchSetValues', args: [entries], gas: 29_000_000n });
      const receipt = await client.waitForTransactionReceipt({ hash });
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      for (const { key } of entries) {
        const query = { user: writer.address, chainId: BigInt(CHAIN_ID), blockNumber: block.number, timestamp: block.timestamp, key };
        tasks.push(toWireTask(fastTaskId(query), query, EPOCH));
      }
    }
    await client.request({ method: 'anvil_mine', params: [numberToHex(4)] } as never);

    const messages: string[] = [];
    for (let i = 0; i < total; i += batchSize) {
      messages.push(JSON.stringify({ type: 'batch', batchId: `0x${randomBytes(32).toString('hex')}`, tasks: tasks.slice(i, i + batchSize) }));
    }

    const domain = { chainId: 31_337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
    const operator = devAccount(7).address;
    const connected = new Promise<WebSocket>((resolve) => {
      server.on('connection', (socket) => {
        socket.on('message', (data) => {
          if ((JSON.parse(data.toString()) as { type: string }).type === 'auth') {
            socket.send(JSON.stringify({ type: 'welcome', operator, epoch: EPOCH }));
            resolve(socket);
          }
        });
        socket.send(
          JSON.stringify({ type: 'challenge', version: PROTOCOL_VERSION, nonce: `0x${randomBytes(32).toString('hex')}`, chainId: domain.chainId, serviceManager: domain.verifyingContract }),
        );
      });
    });
    const journal = await openSigningJournal({ operator, sqlitePath: join(dir, 'journal.sqlite') });
    closeJournal = () => journal.database.close();
    await fillJournal(journal.journal, options.journalEntries ?? 0);
    node = new OperatorNode({
      aggregatorUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      operator,
      signingKey: signingKeyFromPrivateKey(`0x${'7e'.repeat(32)}`),
      domain,
      reader: new StateReader([{ chainId: CHAIN_ID, rpcUrl: anvil.rpcUrl, stateManager }], { confirmations: 2 }, 50),
      journal: journal.journal,
      logger: silentLogger(),
    });
    node.start();
    const socket = await connected;

    // Sends batches `from` to `to` (exclusive) keeping `inFlight` unanswered; resolves when all are answered.
    const run = (from: number, to: number) =>
      new Promise<void>((resolve, reject) => {
        let next = from;
        let answered = from;
        const send = () => socket.send(messages[next++]);
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { type: string; answers?: unknown[] };
          if (message.type === 'taskErrors') reject(new Error(`the node refused tasks: ${data.toString().slice(0, 300)}`));
          if (message.type !== 'batchSignature') return;
          answered++;
          if (next < to) send();
          if (answered === to) {
            socket.off('message', onMessage);
            resolve();
          }
        };
        socket.on('message', onMessage);
        while (next < Math.min(to, from + inFlight)) send();
      });
    await run(0, warmBatches);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(warmBatches, warmBatches + batches);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const measured = batches * batchSize;
    return {
      tasks: measured,
      batchSize,
      cpuUsPerTask: Math.round(((used.user + used.system) / measured) * 10) / 10,
      tasksPerSecond: Math.round(measured / seconds),
    };
  } finally {
    await node?.stop();
    await closeJournal();
    server.close();
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
