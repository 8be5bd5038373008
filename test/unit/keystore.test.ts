/**
 * Web3 Secret Storage v3 keystores (src/core/crypto/keystore.ts): the definition's published test vectors, round trips,
 * wrong passwords and altered files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import {
  DEFAULT_KDF,
  InvalidKeystoreError,
  type KdfChoice,
  KeystoreKeyMismatchError,
  KeystoreMacMismatchError,
  KeystoreReadError,
  decryptKeystore,
  encryptKeystore,
  keystoreAddress,
  readKeystoreFile,
} from '../../src/core/crypto/keystore.ts';

/**
 * Test vectors of the Web3 Secret Storage Definition ("Test Vectors" section): password "testpassword", private key
 * 7a28b5ba…fe9d. The scrypt vector uses r=1, p=8 as published. Its address is 0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b.
 */
const VECTOR_PASSWORD = 'testpassword';
const VECTOR_KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const PBKDF2_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const SCRYPT_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, r: 1, p: 8, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

/** Light parameters for round trips only; the default is covered once below. */
const FAST: KdfChoice = { function: 'scrypt', n: 1024, r: 8, p: 1 };
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const ADDRESS = privateKeyToAccount(KEY).address;

const dir = mkdtempSync(join(tmpdir(), 'avs-keystore-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Web3 Secret Storage v3 keystore', () => {
  it('decrypts the definition’s PBKDF2-SHA-256 test vector', async () => {
    const key = await decryptKeystore(PBKDF2_VECTOR, VECTOR_PASSWORD);
    assert.equal(key.privateKey, VECTOR_KEY);
    assert.equal(key.address.toLowerCase(), '0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b');
  });

  it('decrypts the definition’s scrypt test vector (as JSON text, with a declared address)', async () => {
    const text = JSON.stringify({ ...SCRYPT_VECTOR, address: '008aeeda4d805471df9b2a5b0f38a0c3bcba786b' });
    const key = await decryptKeystore(text, VECTOR_PASSWORD);
    assert.equal(key.privateKey, VECTOR_KEY);
  });

  it('says the MAC did not match for the file on a wrong password', async () => {
    const file = join(dir, 'vector.json');
    writeFileSync(file, JSON.stringify(PBKDF2_VECTOR));
    await assert.rejects(readKeystoreFile(file, 'wrongpassword'), (error: unknown) => {
      assert.ok(error instanceof KeystoreMacMismatchError);
      assert.equal(error.file, file);
      assert.match(error.message, new RegExp(`keystore ${file}: MAC did not match`));
      return true;
    });
  });

  it('round-trips with scrypt and pbkdf2 and writes the v3 shape', async () => {
    for (const kdf of [FAST, { function: 'pbkdf2', c: 1000 } satisfies KdfChoice]) {
      const keystore = await encryptKeystore(KEY, 'correct horse', { kdf });
      assert.equal(keystore.version, 3);
      assert.equal(keystore.address, ADDRESS.slice(2).toLowerCase());
      assert.match(keystore.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(keystore.crypto.cipher, 'aes-128-ctr');
      assert.equal(keystore.crypto.kdf, kdf.function);
      assert.match(keystore.crypto.ciphertext, /^[0-9a-f]{64}$/);
      assert.match(keystore.crypto.mac, /^[0-9a-f]{64}$/);
      assert.equal(keystoreAddress(keystore), ADDRESS);
      const back = await decryptKeystore(JSON.parse(JSON.stringify(keystore)), 'correct horse');
      assert.deepEqual(back, { privateKey: KEY, address: ADDRESS });
    }
  });

  it('reproduces the published vector byte for byte from its salt and iv', async () => {
    const salt = Buffer.from(PBKDF2_VECTOR.crypto.kdfparams.salt, 'hex');
    const iv = Buffer.from(PBKDF2_VECTOR.crypto.cipherparams.iv, 'hex');
    const keystore = await encryptKeystore(VECTOR_KEY, VECTOR_PASSWORD, { kdf: { function: 'pbkdf2', c: 262144 }, salt, iv });
    assert.equal(keystore.crypto.ciphertext, PBKDF2_VECTOR.crypto.ciphertext);
    assert.equal(keystore.crypto.mac, PBKDF2_VECTOR.crypto.mac);
  });

  it('defaults to scrypt n=262144 r=8 p=1', async () => {
    assert.deepEqual(DEFAULT_KDF, { function: 'scrypt', n: 262144, r: 8, p: 1 });
    const keystore = await encryptKeystore(KEY, 'pw');
    assert.deepEqual({ ...keystore.crypto.kdfparams, salt: undefined }, { dklen: 32, n: 262144, r: 8, p: 1, salt: undefined });
    assert.equal((await decryptKeystore(keystore, 'pw')).address, ADDRESS);
  });

  it('rejects an altered ciphertext or MAC before decrypting', async () => {
    const keystore = await encryptKeystore(KEY, 'pw', { kdf: FAST });
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    await assert.rejects(decryptKeystore({ ...keystore, crypto: { ...keystore.crypto, ciphertext: flip(keystore.crypto.ciphertext) } }, 'pw'), KeystoreMacMismatchError);
    await assert.rejects(decryptKeystore({ ...keystore, crypto: { ...keystore.crypto, mac: flip(keystore.crypto.mac) } }, 'pw'), KeystoreMacMismatchError);
  });

  it('rejects a key that does not match the declared address', async () => {
    const keystore = await encryptKeystore(KEY, 'pw', { kdf: FAST });
    await assert.rejects(decryptKeystore({ ...keystore, address: '00'.repeat(20) }, 'pw'), KeystoreKeyMismatchError);
  });

  it('names the problem for malformed or hostile keystores', async () => {
    const keystore = await encryptKeystore(KEY, 'pw', { kdf: FAST });
    await assert.rejects(decryptKeystore({ ...keystore, version: 4 }, 'pw'), InvalidKeystoreError);
    await assert.rejects(decryptKeystore({ ...keystore, crypto: { ...keystore.crypto, cipher: 'aes-128-cbc' } }, 'pw'), /unsupported cipher/);
    await assert.rejects(decryptKeystore({ ...keystore, crypto: { ...keystore.crypto, kdf: 'argon2' } }, 'pw'), /unsupported kdf/);
    const huge = { ...keystore, crypto: { ...keystore.crypto, kdfparams: { dklen: 32, n: 2 ** 24, r: 8, p: 1, salt: '00' } } };
    await assert.rejects(decryptKeystore(huge, 'pw'), /1 GiB limit/);
    const odd = { ...keystore, crypto: { ...keystore.crypto, kdfparams: { dklen: 32, n: 1000, r: 8, p: 1, salt: '00' } } };
    await assert.rejects(decryptKeystore(odd, 'pw'), /power of two/);
    await assert.rejects(decryptKeystore('{not json', 'pw'), KeystoreReadError);
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing.json');
    await assert.rejects(readKeystoreFile(file, 'pw'), (error: unknown) => error instanceof KeystoreReadError && error.message === `cannot read keystore ${file}: no such file`);
  });

  it('reads the capitalised "Crypto" key of older go-ethereum files', async () => {
    const { crypto, ...rest } = await encryptKeystore(KEY, 'pw', { kdf: FAST });
    assert.equal((await decryptKeystore({ ...rest, Crypto: crypto }, 'pw')).privateKey, KEY);
  });
});
