/**
 * Web3 Secret Storage v3 keystores (src/core/crypto/keystore.ts): the definition's published test vectors, a file written
 * by eigensdk-go, round trips, wrong passwords and altered files; and ECDSA private keys as tools print them (ecdsa.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { privateKeyToAccount } from 'viem/accounts';
import { InvalidEcdsaKeyError, SECP256K1_N, parseEcdsaPrivateKey } from '../../src/core/crypto/ecdsa.ts';
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

/**
 * A key file written by eigensdk-go's batch key generator (`egnkey generate`; go-ethereum's keystore, as the EigenLayer
 * CLI writes `.ecdsa.key.json`), committed with its password and key in Layr-Labs/eigensdk-go at
 * crypto/utils/test_data/ecdsa_keys/ (commit 9a026d0fc21b0f6ef1d9247cb47f17d29d1b4e5a): keys/1.ecdsa.key.json, line 1 of
 * password.txt, line 1 of private_key_hex.txt.
 */
const EGNKEY_ECDSA_FILE =
  '{"address":"d5a0359da7b310917d7760385516b2426e86ab7f","crypto":{"cipher":"aes-128-ctr","ciphertext":"91a55f690a65c9b352a24783d1db851a7b2f826763ff979a877bb78ae63860eb","cipherparams":{"iv":"313c5db87ccef736f2844c218b0728c2"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"64e28acc8270b64aa22fb6554a694657face2887ceb6cc209c607db11c4338d7"},"mac":"9087dd2b17322a7237505b368eac0462dd8c87637516cd80740fafe7d2f3ae5b"},"id":"96c2a806-cd73-4e95-8d65-e0933a3e7e1c","version":3}';
const EGNKEY_ECDSA_PASSWORD = 'EnJuncq01CiVk9UbuBYl';
const EGNKEY_ECDSA_KEY = '0xd1d51de8ce6bbaac0572e481268232898bfe46491766214c5738929dd557c552';

/** The address of a private key by @noble/curves and keccak-256 directly (not viem, not the secp256k1 addon). */
function referenceAddress(privateKey: string): string {
  const publicKey = secp256k1.getPublicKey(Buffer.from(privateKey.replace(/^0x/, ''), 'hex'), false);
  return `0x${Buffer.from(keccak_256(publicKey.subarray(1))).toString('hex').slice(-40)}`;
}

describe('ECDSA private keys as tools print them', () => {
  // secp256k1's generator G (SEC 2) and field prime p: (n − 1)·G = −G = (Gx, p − Gy), so its address needs no curve code.
  const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
  const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;
  const FIELD_P = 2n ** 256n - 2n ** 32n - 977n;
  const addressOfPoint = (x: bigint, y: bigint) =>
    `0x${Buffer.from(keccak_256(Buffer.from(x.toString(16).padStart(64, '0') + y.toString(16).padStart(64, '0'), 'hex'))).toString('hex').slice(-40)}`;

  it('left-pads keys printed without leading zeros, with or without 0x', () => {
    const padded = '0x0059c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b7869';
    for (const text of ['59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b7869', `0x${padded.slice(4)}`, padded, ` ${padded.toUpperCase().replace('0X', '0x')}\n`]) {
      assert.equal(parseEcdsaPrivateKey(text), padded, text);
    }
    assert.equal(privateKeyToAccount(parseEcdsaPrivateKey(padded.slice(4))).address.toLowerCase(), referenceAddress(padded));
    assert.equal(parseEcdsaPrivateKey('abc'), `0x${'0'.repeat(61)}abc`, 'odd number of digits');
  });

  it('derives the addresses computed independently for keys 1 and n − 1', () => {
    const one = parseEcdsaPrivateKey('0x1');
    assert.equal(one, `0x${'0'.repeat(63)}1`);
    // Key 1's address is keccak256(Gx ‖ Gy)[12..]: 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf.
    assert.equal(addressOfPoint(GX, GY), '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf');
    assert.equal(privateKeyToAccount(one).address.toLowerCase(), addressOfPoint(GX, GY));
    const last = parseEcdsaPrivateKey((SECP256K1_N - 1n).toString(16));
    assert.equal(privateKeyToAccount(last).address.toLowerCase(), addressOfPoint(GX, FIELD_P - GY));
    assert.equal(SECP256K1_N, secp256k1.Point.Fn.ORDER);
  });

  it('refuses zero, n and above, more than 32 bytes and non-hex, saying which', () => {
    const refuse = (text: string, why: RegExp) =>
      assert.throws(() => parseEcdsaPrivateKey(text), (error: unknown) => error instanceof InvalidEcdsaKeyError && why.test(error.message), text);
    refuse('0', /is zero/);
    refuse(`0x${'0'.repeat(64)}`, /is zero/);
    refuse(SECP256K1_N.toString(16), /not below the secp256k1 group order/);
    refuse(`0x${(SECP256K1_N + 1n).toString(16)}`, /not below the secp256k1 group order/);
    refuse('f'.repeat(64), /not below/);
    refuse(`0x1${'0'.repeat(64)}`, /at most 32 bytes/);
    for (const text of ['', '0x', 'xyz', '0x12 34', '-1', '12345g']) refuse(text, /must be hex/);
  });

  it('decrypts a key file written by eigensdk-go to its published key and declared address', async () => {
    const key = await decryptKeystore(EGNKEY_ECDSA_FILE, EGNKEY_ECDSA_PASSWORD);
    assert.equal(key.privateKey, EGNKEY_ECDSA_KEY);
    assert.equal(key.address.toLowerCase(), `0x${JSON.parse(EGNKEY_ECDSA_FILE).address}`);
    assert.equal(referenceAddress(EGNKEY_ECDSA_KEY), `0x${JSON.parse(EGNKEY_ECDSA_FILE).address}`);
    await assert.rejects(decryptKeystore(EGNKEY_ECDSA_FILE, 'wrong'), KeystoreMacMismatchError);
  });
});
