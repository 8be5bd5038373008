import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startModuleWorker } from '../../src/core/workers/index.ts';
import { verifyWorkerRoundTrip } from '../helpers/verifyWorker.ts';

describe('module workers', () => {
  it('run a TypeScript module under `node --import tsx` (this process)', async () => {
    assert.deepEqual(await verifyWorkerRoundTrip(), [1, 0]);
  });

  it('run a TypeScript module when tsx is registered as bin/avs.js does it (register(), no --import)', () => {
    // A plain .mjs entry with no node flags, as `avs` runs: workers inherit the process's flags.
    const dir = mkdtempSync(join(tmpdir(), 'avs-worker-'));
    try {
      const entry = join(dir, 'entry.mjs');
      writeFileSync(
        entry,
        [
          `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
          'register();',
          `const { verifyWorkerRoundTrip } = await import(${JSON.stringify(new URL('../helpers/verifyWorker.ts', import.meta.url).href)});`,
          'console.log(JSON.stringify(await verifyWorkerRoundTrip()));',
        ].join('\n'),
      );
      const out = execFileSync(process.execPath, [entry], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      assert.deepEqual(JSON.parse(out), [1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('end with an error naming a module that exports no runWorker', async () => {
    const worker = startModuleWorker(new URL('../../src/core/logging.ts', import.meta.url), undefined);
    const [error] = (await once(worker, 'error')) as [Error];
    assert.match(error.message, /logging\.ts exports no runWorker function/);
  });
});
