/**
 * The key directory listing and password resolution behind `avs operator keys` (src/cli/commands/keys.ts), in process.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKeys, keyFilePath, listKeys, resolveKeystorePassword } from '../../src/cli/commands/keys.ts';
import { CommandFailedError, UsageError } from '../../src/cli/errors.ts';
import { encryptEigenLayerBlsKeystore, encryptEip2335BlsKeystore } from '../../src/core/crypto/keystore-bls.ts';
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

describe('finding a key for show and check', () => {
  const fast = { kdf: { function: 'scrypt', n: 1024, r: 8, p: 1 } } as const;
  const keys = join(dir, 'found');
  let ecdsaJson: string;
  let blsJson: string;

  before(async () => {
    mkdirSync(keys);
    ecdsaJson = JSON.stringify(await encryptKeystore('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', 'pw', fast));
    blsJson = JSON.stringify(await encryptEigenLayerBlsKeystore(42n, 'pw', fast));
    // Names the EigenLayer CLI accepts (anything without whitespace) though `create` here does not: dots, @, non-ASCII,
    // over 64 characters.
    for (const name of ['op1', 'my.key', 'op@1', 'émile', 'x'.repeat(70)]) writeFileSync(keyFilePath(keys, name, 'ecdsa'), ecdsaJson);
    writeFileSync(keyFilePath(keys, 'op1', 'bls'), blsJson);
    writeFileSync(keyFilePath(keys, 'v4', 'bls'), JSON.stringify(await encryptEip2335BlsKeystore(43n, 'pw', fast)));
  });

  it('lists names with dots, which the EigenLayer CLI allows', async () => {
    const names = (await listKeys(keys)).map((e) => `${e.name}.${e.type}`);
    assert.deepEqual(names, ['my.key.ecdsa', 'op1.bls', 'op1.ecdsa', 'op@1.ecdsa', 'v4.bls', `${'x'.repeat(70)}.ecdsa`, 'émile.ecdsa']);
  });

  it('finds every listed key by its name, <name>.<type>, file name and path', async () => {
    for (const entry of await listKeys(keys)) {
      for (const key of [entry.name, `${entry.name}.${entry.type}`, basename(entry.file), entry.file, relative(process.cwd(), entry.file)]) {
        const found = await findKeys(keys, key, entry.type);
        assert.deepEqual(found, [entry], key);
      }
      assert.ok((await findKeys(keys, entry.name)).some((e) => e.file === entry.file), entry.name);
    }
  });

  it('returns both types for a bare name, one for a typed name', async () => {
    assert.deepEqual((await findKeys(keys, 'op1')).map((e) => e.type), ['bls', 'ecdsa']);
    assert.deepEqual((await findKeys(keys, 'op1.bls.key.json')).map((e) => e.type), ['bls']);
    assert.deepEqual((await findKeys(keys, 'op1', 'ecdsa')).map((e) => e.type), ['ecdsa']);
  });

  it('tells the type of a key file outside the naming scheme from its content', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'signer.json'), ecdsaJson);
    writeFileSync(join(elsewhere, 'bls.json'), blsJson);
    const [ecdsa] = await findKeys(keys, join(elsewhere, 'signer.json'));
    assert.deepEqual([ecdsa.name, ecdsa.type, 'address' in ecdsa && ecdsa.address], ['signer.json', 'ecdsa', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8']);
    const [bls] = await findKeys(keys, join(elsewhere, 'bls.json'));
    assert.deepEqual([bls.type, 'publicKeyG1' in bls && bls.publicKeyG1 !== null], ['bls', true]);
  });

  it('says what it looked for when nothing matches, and refuses a type its file name contradicts', async () => {
    await assert.rejects(findKeys(keys, 'nobody'), (error: unknown) => error instanceof CommandFailedError && /no key named "nobody" in .*found/.test(error.message));
    await assert.rejects(findKeys(keys, 'v4', 'ecdsa'), /no ecdsa key named "v4"/);
    await assert.rejects(findKeys(keys, join(dir, 'nope', 'x.json')), /no such key file: .*x\.json/);
    await assert.rejects(findKeys(keys, join(keys, 'op1.bls.key.json').replace('found', 'found/.'), 'ecdsa'), UsageError);
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, 'not json');
    await assert.rejects(findKeys(keys, garbage), (error: unknown) => error instanceof CommandFailedError && /not valid JSON/.test(error.message));
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
