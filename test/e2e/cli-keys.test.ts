/**
 * The real `avs` process managing operator keys in a temporary directory: `operator keys create|import|list|show` with
 * `--password-file`, the EigenLayer CLI's file layout, and `operator run --ecdsa-keystore` refusing an unreadable or
 * wrong-password keystore. The password must never appear in any output.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { g1ToEigenString } from '../../src/core/crypto/bls.ts';
import { readBlsKeystoreFile } from '../../src/core/crypto/keystore-bls.ts';
import { readKeystoreFile } from '../../src/core/crypto/keystore.ts';
import { type AvsRun, assertOneLineError, runAvs as runCli } from '../helpers/cli.ts';

const PASSWORD = 'pw-Zq8!never-print-me';

const outputs: string[] = [];

/** Runs `avs` with no inherited keystore variables and HOME in the temp dir; keeps every output for the secret check. */
async function runAvs(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> {
  const run = await runCli(args, { HOME: home, ...env }, { unset: ['AVS_KEYSTORE_PASSWORD', 'AVS_ECDSA_KEYSTORE', 'AVS_SIGNING_KEY', 'AVS_OPERATOR_ADDRESS'] });
  outputs.push(run.stdout, run.stderr);
  return run;
}


let home: string;
let keysDir: string;
let passwordFile: string;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'avs-keys-e2e-'));
  keysDir = join(home, 'keys');
  passwordFile = join(home, 'password.txt');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
});

after(() => rmSync(home, { recursive: true, force: true }));

describe('avs operator keys', () => {
  let ecdsaAddress: string;
  let blsPublicKey: string;

  it('creates an ECDSA and a BLS key in the EigenLayer CLI layout', async () => {
    const ecdsa = await runAvs(['operator', 'keys', 'create', '--type', 'ecdsa', '--name', 'op1', '--dir', keysDir, '--password-file', passwordFile, '--json']);
    assert.equal(ecdsa.code, 0, ecdsa.stderr);
    const created = JSON.parse(ecdsa.stdout) as { address: string; file: string; type: string };
    assert.equal(created.type, 'ecdsa');
    assert.equal(created.file, join(keysDir, 'op1.ecdsa.key.json'));
    assert.equal(statSync(created.file).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(created.file, 'utf8')) as { version: number; address: string; crypto: { kdfparams: { n: number } } };
    assert.equal(stored.version, 3);
    assert.equal(stored.crypto.kdfparams.n, 262144);
    // The file decrypts with the password from the file (minus its trailing newline) to the printed address.
    const key = await readKeystoreFile(created.file, PASSWORD);
    assert.equal(key.address, created.address);
    ecdsaAddress = created.address;

    const bls = await runAvs(['operator', 'keys', 'create', '--type', 'bls', '--name', 'op1', '--dir', keysDir, '--password-file', passwordFile]);
    assert.equal(bls.code, 0, bls.stderr);
    assert.match(bls.stdout, /^publicKeyG1: +E\(\[[0-9]+,[0-9]+\]\)$/m);
    assert.match(bls.stdout, /^operatorId: +0x[0-9a-f]{64}$/m);
    const blsFile = join(keysDir, 'op1.bls.key.json');
    const storedBls = JSON.parse(readFileSync(blsFile, 'utf8')) as { pubKey: string; crypto: { kdf: string } };
    assert.equal(storedBls.crypto.kdf, 'scrypt');
    const blsKey = await readBlsKeystoreFile(blsFile, PASSWORD);
    assert.equal(g1ToEigenString(blsKey.publicKeyG1), storedBls.pubKey);
    blsPublicKey = storedBls.pubKey;
    for (const run of [ecdsa, bls]) assert.doesNotMatch(run.stdout, /private/i, 'no private key printed');
  });

  it('imports keys from a file, in hex and decimal, and an EIP-2335 BLS keystore', async () => {
    const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    const keyFile = join(home, 'key.txt');
    writeFileSync(keyFile, `${privateKey}\n`);
    const imported = await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'imported', '--key-file', keyFile, '--dir', keysDir, '--password-file', passwordFile, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal((JSON.parse(imported.stdout) as { address: string }).address, privateKeyToAccount(privateKey).address);
    assert.ok(!imported.stdout.includes(privateKey.slice(2)), 'the imported key is not printed');

    const bls = await runAvs(['operator', 'keys', 'import', '--type', 'bls', '--name', 'imported', '12345', '--format', 'eip2335', '--dir', keysDir, '--password-file', passwordFile, '--json']);
    assert.equal(bls.code, 0, bls.stderr);
    const stored = JSON.parse(readFileSync(join(keysDir, 'imported.bls.key.json'), 'utf8')) as { version: number; uuid: string; pubkey: string };
    assert.equal(stored.version, 4);
    assert.match(stored.pubkey, /^[0-9a-f]{128}$/);
    assert.equal((await readBlsKeystoreFile(join(keysDir, 'imported.bls.key.json'), PASSWORD)).secret, 12345n);
  });

  it('lists and shows keys without a password, never a private key', async () => {
    const list = await runAvs(['operator', 'keys', 'list', '--dir', keysDir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as Array<{ name: string; type: string; address?: string; publicKeyG1?: string; format?: string }>;
    assert.deepEqual(entries.map((e) => `${e.name}.${e.type}`), ['imported.bls', 'imported.ecdsa', 'op1.bls', 'op1.ecdsa']);
    assert.equal(entries.find((e) => e.name === 'op1' && e.type === 'ecdsa')?.address, ecdsaAddress);
    assert.equal(entries.find((e) => e.name === 'op1' && e.type === 'bls')?.publicKeyG1, blsPublicKey);
    assert.equal(entries.find((e) => e.name === 'imported' && e.type === 'bls')?.format, 'eip2335');

    const human = await runAvs(['operator', 'keys', 'list', '--dir', keysDir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`address: +${ecdsaAddress}`));

    const show = await runAvs(['operator', 'keys', 'show', 'op1', '--type', 'ecdsa', '--dir', keysDir, '--json']);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as Array<Record<string, unknown>>;
    assert.equal(shown.length, 1);
    assert.deepEqual(Object.keys(shown[0]).sort(), ['address', 'file', 'name', 'type']);
    assert.equal(shown[0].address, ecdsaAddress);

    const both = await runAvs(['operator', 'keys', 'show', 'op1', '--dir', keysDir]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /type: +bls/);
    assert.match(both.stdout, /type: +ecdsa/);

    assertOneLineError(await runAvs(['operator', 'keys', 'show', 'nobody', '--dir', keysDir]), 1, /no key named "nobody"/);
  });

  it('uses ~/.eigenlayer/operator_keys by default', async () => {
    const created = await runAvs(['operator', 'keys', 'create', '--type', 'ecdsa', '--name', 'homekey', '--password-file', passwordFile, '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.ok(existsSync(join(home, '.eigenlayer', 'operator_keys', 'homekey.ecdsa.key.json')));
    const list = await runAvs(['operator', 'keys', 'list', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ name: string }>).map((e) => e.name), ['homekey']);
  });

  it('refuses an empty password, an existing name, a missing password source and a bad name', async () => {
    const empty = join(home, 'empty.txt');
    writeFileSync(empty, '\n');
    assertOneLineError(await runAvs(['operator', 'keys', 'create', '--type', 'ecdsa', '--name', 'x', '--dir', keysDir, '--password-file', empty]), 2, /empty keystore password/);
    assertOneLineError(await runAvs(['operator', 'keys', 'create', '--type', 'ecdsa', '--name', 'op1', '--dir', keysDir, '--password-file', passwordFile]), 1, /already exists/);
    assertOneLineError(await runAvs(['operator', 'keys', 'create', '--type', 'bls', '--name', 'y', '--dir', keysDir]), 2, /password is needed/);
    assertOneLineError(await runAvs(['operator', 'keys', 'create', '--type', 'bls', '--name', '../y', '--dir', keysDir, '--password-file', passwordFile]), 2, /--name must be/);
    assertOneLineError(await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'z', '0x1234', '--dir', keysDir, '--password-file', passwordFile]), 2, /32 bytes/);
    assert.ok(!existsSync(join(keysDir, 'x.ecdsa.key.json')));
  });
});

describe('avs operator run --ecdsa-keystore', () => {
  const operator = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

  it('refuses a wrong password in one line naming the file, exit 1', async () => {
    const file = join(keysDir, 'op1.ecdsa.key.json');
    const wrong = join(home, 'wrong.txt');
    writeFileSync(wrong, 'not-the-password');
    const run = await runAvs(['operator', 'run', '--operator', operator, '--ecdsa-keystore', file, '--password-file', wrong]);
    assertOneLineError(run, 1, new RegExp(`keystore ${file}: MAC did not match`));
  });

  it('refuses an unreadable keystore in one line naming the file, exit 1', async () => {
    const missing = join(home, 'nope.ecdsa.key.json');
    assertOneLineError(await runAvs(['operator', 'run', '--operator', operator, '--ecdsa-keystore', missing, '--password-file', passwordFile]), 1, new RegExp(`cannot read keystore ${missing}`));
    const garbage = join(home, 'garbage.json');
    writeFileSync(garbage, 'not json');
    assertOneLineError(await runAvs(['operator', 'run', '--operator', operator, '--ecdsa-keystore', garbage, '--password-file', passwordFile]), 1, new RegExp(`keystore ${garbage} is not valid JSON`));
  });

  it('opens the keystore with the right password (via the environment) and goes on to the deployment', async () => {
    const file = join(keysDir, 'op1.ecdsa.key.json');
    const run = await runAvs(['operator', 'run', '--operator', operator, '--ecdsa-keystore', file, '--deployment', join(home, 'missing-deployment.json')], {
      AVS_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.stderr, /keystore/, 'the keystore opened');
    assert.match(run.stderr, /missing-deployment\.json/);
  });

  it('still accepts plain hex --signing-key, but not together with a keystore', async () => {
    const file = join(keysDir, 'op1.ecdsa.key.json');
    const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    assertOneLineError(await runAvs(['operator', 'run', '--operator', operator, '--ecdsa-keystore', file, '--signing-key', key]), 2, /not both/);
    const hex = await runAvs(['operator', 'run', '--operator', operator, '--signing-key', key, '--deployment', join(home, 'missing-deployment.json')]);
    assert.equal(hex.code, 1);
    assert.match(hex.stderr, /missing-deployment\.json/);
  });

  it('never printed the password, in any output of any command', () => {
    assert.ok(outputs.length > 20);
    for (const text of outputs) assert.ok(!text.includes(PASSWORD), `the password appeared in output:\n${text}`);
  });
});
