/**
 * The real `avs` process managing operator keys in a temporary directory: `operator keys create|import|list|show|check`
 * with `--password-file`, the EigenLayer CLI's file layout, keys as the EigenLayer CLI reads and writes them, and
 * `operator run --ecdsa-keystore` refusing an unreadable or wrong-password keystore. The password must never appear in
 * any output.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { BN254_FR_ORDER, blsKeyPairFromSecret, g1ToEigenString } from '../../src/core/crypto/bls.ts';
import { SECP256K1_N } from '../../src/core/crypto/ecdsa.ts';
import { readBlsKeystoreFile } from '../../src/core/crypto/keystore-bls.ts';
import { readKeystoreFile } from '../../src/core/crypto/keystore.ts';
import { type AvsRun, assertOneLineError, runAvs as runCli } from '../helpers/cli.ts';

const PASSWORD = 'pw-Zq8!never-print-me';

/**
 * Key files written by eigensdk-go's key generator (`egnkey generate`: `KeyPair.SaveToFile` and go-ethereum's keystore,
 * as behind `eigenlayer operator keys create`), with their passwords, from Layr-Labs/eigensdk-go
 * crypto/utils/test_data/{bls_keys,ecdsa_keys}/ at commit 9a026d0fc21b0f6ef1d9247cb47f17d29d1b4e5a (keys/1.*.key.json,
 * line 1 of password.txt); test/unit/keystore*.test.ts derive their public keys from the published secrets independently.
 */
const EGNKEY_BLS = {
  json: '{"pubKey":"E([19408553463882111916887171276012224475029133183214861480489485386352635269635,17418827901203159022109906145273000034647571131322064812191371351028964064220])","crypto":{"cipher":"aes-128-ctr","ciphertext":"f2e5a3df524234426297f84b80c3c69e008ca17960fa512845b250a5308a7a6c","cipherparams":{"iv":"64528130796bc7227f48b0b01030b4c2"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"7ceca78a0011e3ab5dce8b4f562b0615f60d8642b841d751bc676fb7dc574938"},"mac":"f9e5050e1077e2558a66f82fad05259ebc9e81da6e5ef8025f34d8fbc7e6e8ac"}}',
  password: 'fDUMDLmBROwlzzPXyIcy',
  /** keys/2.bls.key.json's pubKey, to alter file 1 with. */
  otherPubKey: 'E([1611472477336575391907540595283981736749839435478357492584206660415845982634,17740534282163859696734712865013083642718796435843138137894885755851743300823])',
};
const EGNKEY_ECDSA = {
  json: '{"address":"d5a0359da7b310917d7760385516b2426e86ab7f","crypto":{"cipher":"aes-128-ctr","ciphertext":"91a55f690a65c9b352a24783d1db851a7b2f826763ff979a877bb78ae63860eb","cipherparams":{"iv":"313c5db87ccef736f2844c218b0728c2"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"64e28acc8270b64aa22fb6554a694657face2887ceb6cc209c607db11c4338d7"},"mac":"9087dd2b17322a7237505b368eac0462dd8c87637516cd80740fafe7d2f3ae5b"},"id":"96c2a806-cd73-4e95-8d65-e0933a3e7e1c","version":3}',
  password: 'EnJuncq01CiVk9UbuBYl',
  address: '0xD5A0359da7B310917d7760385516B2426E86ab7f',
  /** keys/2.ecdsa.key.json's address, to alter file 1 with. */
  otherAddress: '9441540e8183d416f2dc1901ab2034600f17b65a',
};

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
    assertOneLineError(await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'z', '0x12345g', '--dir', keysDir, '--password-file', passwordFile]), 2, /must be hex/);
    assert.ok(!existsSync(join(keysDir, 'x.ecdsa.key.json')));
  });
});

describe('keys from the EigenLayer CLI', () => {
  let dir: string;
  const secretFile = (name: string, text: string) => {
    const file = join(home, name);
    writeFileSync(file, text);
    return file;
  };
  const common = () => ['--dir', dir, '--password-file', passwordFile, '--json'];

  before(() => {
    dir = join(home, 'migrated');
    mkdirSync(dir);
    // Names the EigenLayer CLI accepts (no whitespace) that `avs operator keys create` would not.
    writeFileSync(join(dir, 'egn@1.bls.key.json'), EGNKEY_BLS.json);
    writeFileSync(join(dir, 'egn.v1.ecdsa.key.json'), EGNKEY_ECDSA.json);
    writeFileSync(join(dir, 'altered.bls.key.json'), JSON.stringify({ ...JSON.parse(EGNKEY_BLS.json), pubKey: EGNKEY_BLS.otherPubKey }));
    writeFileSync(join(dir, 'altered.ecdsa.key.json'), JSON.stringify({ ...JSON.parse(EGNKEY_ECDSA.json), address: EGNKEY_ECDSA.otherAddress }));
  });

  it('imports BLS secrets in bare hex, in decimal at or above r (reduced, with a note) and negative', async () => {
    const hex = await runAvs(['operator', 'keys', 'import', '--type', 'bls', '--name', 'hex', '--key-file', secretFile('hex.txt', 'abc123\n'), ...common()]);
    assert.equal(hex.code, 0, hex.stderr);
    assert.equal((await readBlsKeystoreFile(join(dir, 'hex.bls.key.json'), PASSWORD)).secret, 0xabc123n);

    const big = await runAvs(['operator', 'keys', 'import', '--type', 'bls', '--name', 'big', '--key-file', secretFile('big.txt', `${BN254_FR_ORDER + 12345n}`), ...common()]);
    assert.equal(big.code, 0, big.stderr);
    assert.match(big.stderr, /reduced modulo r/);
    assert.equal((JSON.parse(big.stdout) as { publicKeyG1: string }).publicKeyG1, g1ToEigenString(blsKeyPairFromSecret(12345n).publicKeyG1));
    assert.equal((await readBlsKeystoreFile(join(dir, 'big.bls.key.json'), PASSWORD)).secret, 12345n);

    // gnark prints r − 1 as "-1"; after "--" it is the key, not an option.
    const negative = await runAvs(['operator', 'keys', 'import', '--type', 'bls', '--name', 'neg', ...common(), '--', '-1']);
    assert.equal(negative.code, 0, negative.stderr);
    assert.equal((await readBlsKeystoreFile(join(dir, 'neg.bls.key.json'), PASSWORD)).secret, BN254_FR_ORDER - 1n);
  });

  it('imports an ECDSA key printed without its leading zeros', async () => {
    const full = '0x0059c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b7869';
    const run = await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'short', full.slice(4), ...common()]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { address: string }).address, privateKeyToAccount(full).address);
    assert.equal((await readKeystoreFile(join(dir, 'short.ecdsa.key.json'), PASSWORD)).privateKey, full);
  });

  it('refuses keys that are no keys in one line, exit 2, before asking for a password', async () => {
    const refuse = async (type: string, key: string, why: RegExp) =>
      assertOneLineError(await runAvs(['operator', 'keys', 'import', '--type', type, '--name', 'bad', '--dir', dir, '--', key]), 2, why);
    await refuse('bls', BN254_FR_ORDER.toString(), /0 modulo r/);
    await refuse('bls', '0123', /leading 0 is ambiguous/);
    await refuse('ecdsa', SECP256K1_N.toString(16), /not below the secp256k1 group order/);
    assert.ok(!existsSync(join(dir, 'bad.bls.key.json')) && !existsSync(join(dir, 'bad.ecdsa.key.json')));
  });

  it('shows keys under names the EigenLayer CLI allows, by name, file name or path', async () => {
    const list = await runAvs(['operator', 'keys', 'list', '--dir', dir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as Array<{ name: string; type: string; file: string }>;
    const entry = (name: string, type: string) => entries.find((e) => e.name === name && e.type === type);
    assert.ok(entry('egn.v1', 'ecdsa'), 'a name with a dot is listed');
    // (test/unit/keystore-cli.test.ts finds every listed key every way; here one way each through the real command.)
    for (const [key, expected] of [
      ['egn@1', entry('egn@1', 'bls')],
      ['egn.v1.ecdsa.key.json', entry('egn.v1', 'ecdsa')],
      [join(dir, 'altered.bls.key.json'), entry('altered', 'bls')],
    ] as const) {
      const show = await runAvs(['operator', 'keys', 'show', key, '--dir', dir, '--json']);
      assert.equal(show.code, 0, `${key}: ${show.stderr}`);
      assert.deepEqual(JSON.parse(show.stdout), [expected], key);
    }
    assert.equal((entry('egn@1', 'bls') as { publicKeyG1?: string } | undefined)?.publicKeyG1, JSON.parse(EGNKEY_BLS.json).pubKey);
  });

  it('checks keys written by eigensdk-go against their passwords: exit 0 and what matched', async () => {
    const bls = await runAvs(['operator', 'keys', 'check', 'egn@1', '--dir', dir, '--password-file', secretFile('egn-bls.txt', `${EGNKEY_BLS.password}\n`), '--json']);
    assert.equal(bls.code, 0, bls.stderr);
    const [checked] = JSON.parse(bls.stdout) as Array<{ verified: string; publicKeyG1: string }>;
    assert.equal(checked.verified, 'publicKey');
    assert.equal(checked.publicKeyG1, JSON.parse(EGNKEY_BLS.json).pubKey);

    const ecdsa = await runAvs(['operator', 'keys', 'check', 'egn.v1.ecdsa.key.json', '--dir', dir, '--password-file', secretFile('egn-ecdsa.txt', EGNKEY_ECDSA.password)]);
    assert.equal(ecdsa.code, 0, ecdsa.stderr);
    assert.match(ecdsa.stdout, new RegExp(`^address: +${EGNKEY_ECDSA.address}$`, 'm'));
    assert.match(ecdsa.stdout, /^verified: +address$/m);

    // Both keys of a name, with the password from the environment.
    const both = await runAvs(['operator', 'keys', 'check', 'op1', '--dir', keysDir], { AVS_KEYSTORE_PASSWORD: PASSWORD });
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.stdout.match(/^verified:/gm)?.length, 2);
    for (const run of [bls, ecdsa, both]) assert.doesNotMatch(run.stdout, /private|secret/i);
  });

  it('fails a wrong password or an altered file in one line, exit 1, no stack trace', async () => {
    const wrong = secretFile('wrong-pw.txt', 'not-the-password');
    assertOneLineError(await runAvs(['operator', 'keys', 'check', 'egn@1', '--dir', dir, '--password-file', wrong]), 1, /egn@1\.bls\.key\.json: MAC did not match \(wrong password/);
    const ecdsaPw = secretFile('egn-ecdsa.txt', EGNKEY_ECDSA.password);
    assertOneLineError(
      await runAvs(['operator', 'keys', 'check', 'altered', '--type', 'ecdsa', '--dir', dir, '--password-file', ecdsaPw]),
      1,
      new RegExp(`decrypted key belongs to ${EGNKEY_ECDSA.address}, not the declared address 0x${EGNKEY_ECDSA.otherAddress}`),
    );
    const blsPw = secretFile('egn-bls.txt', EGNKEY_BLS.password);
    assertOneLineError(await runAvs(['operator', 'keys', 'check', join(dir, 'altered.bls.key.json'), '--password-file', blsPw]), 1, /decrypted secret belongs to operator id 0x[0-9a-f]{64}, not the stored/);
    // JSON still lists the failed key, with its error.
    const json = await runAvs(['operator', 'keys', 'check', 'egn@1', '--dir', dir, '--password-file', wrong, '--json']);
    assert.equal(json.code, 1);
    assert.match((JSON.parse(json.stdout) as Array<{ error: string }>)[0].error, /MAC did not match/);
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
