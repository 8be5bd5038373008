/**
 * core/http/pollUntil: reads until final, woken by the resource's Server-Sent Events before the poll period ends, and
 * the caller's timeout error when the resource never gets there (a real local HTTP server for the stream).
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../../src/core/http/pollUntil.ts';

describe('pollUntil', () => {
  let server: Server;
  let url: string;
  /** Sends one event to every open stream. */
  const streams = new Set<import('node:http').ServerResponse>();
  const emit = () => {
    for (const s of streams) s.write('event: status\ndata: {}\n\n');
  };

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const s of streams) s.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns the first final read, having reported every read', async () => {
    let reads = 0;
    const seen: number[] = [];
    const value = await pollUntil({
      eventsUrl: `${url}/events`,
      read: async () => ++reads,
      isFinal: (n) => n === 3,
      timeoutMs: 10_000,
      pollMs: 10,
      onUpdate: (n) => seen.push(n),
      timeoutError: () => new Error('timeout'),
    });
    assert.equal(value, 3);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('re-reads on an event without waiting for the poll period', { timeout: 30_000 }, async () => {
    let state = 'pending';
    const earlier = new Set(streams);
    // The poll period outlasts the test runner's patience: only an event can end this wait in time.
    const waiting = pollUntil({
      eventsUrl: `${url}/events`,
      read: async () => state,
      isFinal: (s) => s === 'done',
      timeoutMs: 600_000,
      pollMs: 600_000,
      timeoutError: () => new Error('timeout'),
    });
    // Once this wait's stream is open, the change and its event arrive.
    while (![...streams].some((s) => !earlier.has(s))) await new Promise((r) => setTimeout(r, 5));
    state = 'done';
    // Repeated, in case the first event lands before the wait begins.
    const events = setInterval(emit, 20);
    try {
      assert.equal(await waiting, 'done');
    } finally {
      clearInterval(events);
    }
  });

  it('throws the caller’s timeout error with the last read', async () => {
    await assert.rejects(
      pollUntil({
        eventsUrl: `${url}/missing`,
        read: async () => 'pending',
        isFinal: () => false,
        timeoutMs: 50,
        pollMs: 10,
        timeoutError: (last) => new RangeError(`still ${last}`),
      }),
      { name: 'RangeError', message: 'still pending' },
    );
  });
});
