/**
 * The key directory listing and password resolution behind `avs operator keys` (src/cli/commands/keys.ts), in process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keyFilePath, listKeys, resolveKeystorePassword } from '../../src/cli/commands/keys.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { encryptEigenLayerBlsKeystore } from '../../src/core/crypto/keystore-bls.ts';
import { encryptKeystore } from '../../src/core/crypto/keystore.ts';

const dir = mkdtempSync(join(tmpdir(), 'avs-keystore-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('keys directory', () => {
  it('lists both types sorted, marks unreadable files instead of failing, and ignores other files', async () => {
    const fast = { kdf: { function: 'scrypt', n: 1024, r: 8, p: 1 } } as const;
    const ecdsa = await encryptKeystore('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', 'pw', fast);
    writeFileSync(keyFilePath(dir, 'b', 'ecdsa'), JSON.stringify(ecdsa));
    writeFileSync(keyFilePath(dir, 'a', 'bls'), JSON.stringify(await encryptEigenLayerBlsKeystore(42n, 'pw', fast)));
    writeFileSync(keyFilePath(dir, 'broken', 'bls'), '{');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const entries = await listKeys(dir);
    assert.deepEqual(entries.map((e) => `${e.name}.${e.type}`), ['a.bls', 'b.ecdsa', 'broken.bls']);
    assert.equal((entries[1] as { address: string }).address.toLowerCase(), `0x${ecdsa.address}`);
    assert.match((entries[2] as { error: string }).error, /not valid JSON/);
    assert.deepEqual(await listKeys(join(dir, 'missing')), []);
  });
});

describe('keystore password', () => {
  it('reads --password-file without its trailing newline, before the environment', async () => {
    const file = join(dir, 'pw.txt');
    writeFileSync(file, 'from-file\r\n');
    const saved = process.env.AVS_KEYSTORE_PASSWORD;
    process.env.AVS_KEYSTORE_PASSWORD = 'from-env';
    try {
      assert.equal(await resolveKeystorePassword({ passwordFile: file, what: 'x' }), 'from-file');
      assert.equal(await resolveKeystorePassword({ what: 'x' }), 'from-env');
      process.env.AVS_KEYSTORE_PASSWORD = '';
      assert.equal(await resolveKeystorePassword({ what: 'x' }), '');
      await assert.rejects(resolveKeystorePassword({ what: 'x', create: true }), UsageError);
    } finally {
      if (saved === undefined) delete process.env.AVS_KEYSTORE_PASSWORD;
      else process.env.AVS_KEYSTORE_PASSWORD = saved;
    }
  });

  it('names the password file it cannot read, never its content', async () => {
    await assert.rejects(resolveKeystorePassword({ passwordFile: join(dir, 'nope'), what: 'x' }), /cannot read --password-file .*nope: no such file/);
  });
});
