/**
 * The probes of `avs config check` (src/core/config/check.ts) against real parts: SQLite files, the Postgres server
 * of the tests, listening sockets, closed ports. Every failure is one line without secrets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/core/db/index.ts';
import { probeAggregator, probeDatabase, probePort, probeRpc } from '../../src/core/config/check.ts';
import { TEST_POSTGRES_URL, postgresSkip } from '../helpers/db.ts';

describe('config check probes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-config-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite: an existing file is opened and queried; a new one needs a writable directory and is not created', async () => {
    const existing = join(dir, 'existing.sqlite');
    const db = await openDatabase({ sqlitePath: existing });
    await db.close();
    const opened = await probeDatabase({ sqlitePath: existing });
    assert.equal(opened.ok, true, opened.detail);
    assert.match(opened.detail, /opens and is writable/);

    const fresh = join(dir, 'new', 'deeper', 'journal.sqlite');
    const willCreate = await probeDatabase({ sqlitePath: fresh });
    assert.equal(willCreate.ok, true, willCreate.detail);
    assert.match(willCreate.detail, new RegExp(`will be created \\(${dir} is writable\\)`));
    assert.equal((await probeDatabase({ sqlitePath: fresh })).ok, true, 'still nothing created');

    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const blocked = await probeDatabase({ sqlitePath: join(blocker, 'db.sqlite') });
    assert.equal(blocked.ok, false);
    assert.match(blocked.detail, /is not a directory/);
  });

  it('Postgres: reachable, or one line naming the server without its password', { skip: postgresSkip }, async () => {
    const reachable = await probeDatabase({ url: TEST_POSTGRES_URL, sqlitePath: 'unused' });
    assert.equal(reachable.ok, true, reachable.detail);
    assert.equal(reachable.data?.dialect, 'postgres');
    const down = await probeDatabase({ url: 'postgres://postgres:s3cret-pw@127.0.0.1:1/avs', sqlitePath: 'unused' });
    assert.equal(down.ok, false);
    assert.match(down.detail, /127\.0\.0\.1:1/);
    assert.doesNotMatch(down.detail, /s3cret-pw|\n/);
  });

  it('ports: free, or in use', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const busy = await probePort('127.0.0.1', port);
      assert.deepEqual(busy, { name: 'listen', ok: false, detail: `cannot listen on 127.0.0.1:${port}: in use` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal((await probePort('127.0.0.1', port)).ok, true);
  });

  it('an RPC or aggregator that does not answer fails with its host only', async () => {
    const rpc = await probeRpc(31337, 'http://127.0.0.1:1/v3/apikey-secret', 3_000);
    assert.equal(rpc.ok, false);
    assert.match(rpc.detail, /^cannot reach http:\/\/127\.0\.0\.1:1\/…: /);
    assert.doesNotMatch(rpc.detail, /apikey-secret/);
    const aggregator = await probeAggregator('ws://127.0.0.1:1/v1/operators/ws', 3_000);
    assert.equal(aggregator.ok, false);
    assert.match(aggregator.detail, /^cannot reach http:\/\/127\.0\.0\.1:1\/…: /);
  });
});
