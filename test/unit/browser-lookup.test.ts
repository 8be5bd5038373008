/**
 * How the browser tests find their browser (test/helpers/browser.ts): `CHROMIUM_PATH` first, then the usual install
 * locations in order, else a one-line reason that names where it looked and how to fix it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CHROMIUM_CANDIDATES, findChromium } from '../helpers/browser.ts';

describe('finding the browser for the browser tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avs-browser-lookup-'));
  const first = join(dir, 'chromium');
  const second = join(dir, 'google-chrome');
  writeFileSync(first, '');
  writeFileSync(second, '');
  const missing = join(dir, 'absent');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('looks at Debian/Ubuntu, Chrome and macOS locations', () => {
    for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium']) {
      assert.ok(CHROMIUM_CANDIDATES.includes(path), path);
    }
  });

  it('takes CHROMIUM_PATH before any usual location, and refuses one that does not exist', () => {
    assert.deepEqual(findChromium({ CHROMIUM_PATH: second }, [first]), { path: second });
    assert.deepEqual(findChromium({ CHROMIUM_PATH: missing }, [first]), { path: undefined, reason: `CHROMIUM_PATH=${missing} does not exist` });
  });

  it('otherwise takes the first usual location that exists', () => {
    assert.deepEqual(findChromium({}, [missing, first, second]), { path: first });
  });

  it('says where it looked and what to do when there is none', () => {
    const found = findChromium({}, [missing]);
    assert.equal(found.path, undefined);
    assert.match(found.path === undefined ? found.reason : '', new RegExp(`looked at ${missing}\\).*CHROMIUM_PATH`));
  });
});
