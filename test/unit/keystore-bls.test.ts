/**
 * BLS keystores (src/core/crypto/keystore-bls.ts, bls.ts): EIP-2335's published test vectors for the KDF, checksum and
 * cipher layer, a key file written by the EigenLayer CLI's library, round trips in both formats, wrong passwords and
 * altered files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bn254 } from '@noble/curves/bn254.js';
import { keccak256 } from 'viem';
import {
  BN254_FR_ORDER,
  InvalidBlsKeyError,
  blsKeyPairFromSecret,
  blsSecretToBytes,
  g1FromEigenString,
  g1FromHex,
  g1ToEigenString,
  g1ToHex,
  parseBlsInteger,
  parseBlsSecret,
  randomBlsSecret,
} from '../../src/core/crypto/bls.ts';
import {
  InvalidKeystoreError,
  type KdfChoice,
  KeystoreKeyMismatchError,
  KeystoreMacMismatchError,
  encryptCryptoSection,
} from '../../src/core/crypto/keystore.ts';
import {
  KeystoreChecksumMismatchError,
  blsKeystoreInfo,
  decryptBlsKeystore,
  decryptEip2335,
  encryptEigenLayerBlsKeystore,
  encryptEip2335,
  encryptEip2335BlsKeystore,
  normalizeEip2335Password,
} from '../../src/core/crypto/keystore-bls.ts';

/**
 * EIP-2335 "Test Cases": password "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑" (normalised to 0x7465737470617373776f7264f09f9491) and secret
 * 0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f — a BLS12-381 key, so only the KDF/checksum/cipher
 * layer is checked here, independent of the curve.
 */
const EIP2335_PASSWORD = '𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑';
const EIP2335_SECRET = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
const EIP2335_SCRYPT = {
  crypto: {
    kdf: {
      function: 'scrypt',
      params: { dklen: 32, n: 262144, p: 1, r: 8, salt: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3' },
      message: '',
    },
    checksum: { function: 'sha256', params: {}, message: 'd2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484' },
    cipher: { function: 'aes-128-ctr', params: { iv: '264daa3f303d7259501c93d997d84fe6' }, message: '06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f' },
  },
  description: 'This is a test keystore that uses scrypt to secure the secret.',
  pubkey: '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07',
  path: 'm/12381/60/3141592653/589793238',
  uuid: '1d85ae20-35c5-4611-98e8-aa14a633906f',
  version: 4,
};
const EIP2335_PBKDF2 = {
  crypto: {
    kdf: {
      function: 'pbkdf2',
      params: { dklen: 32, c: 262144, prf: 'hmac-sha256', salt: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3' },
      message: '',
    },
    checksum: { function: 'sha256', params: {}, message: '8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1' },
    cipher: { function: 'aes-128-ctr', params: { iv: '264daa3f303d7259501c93d997d84fe6' }, message: 'cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad' },
  },
  description: 'This is a test keystore that uses PBKDF2 to secure the secret.',
  pubkey: '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07',
  path: 'm/12381/60/0/0',
  uuid: '64625def-3331-4eea-ab6f-782f3ed16a83',
  version: 4,
};

/**
 * A `.bls.key.json` written by eigensdk-go's `KeyPair.SaveToFile` (the code behind `eigenlayer operator keys create
 * --key-type bls`), committed as test data in Layr-Labs/eigensdk-go at crypto/bls/operator_keys_test_directory/ with the
 * password "test" its test uses. Its private key is unpublished: decrypting it and deriving the same `pubKey` shows the
 * secret's encoding (32 bytes big-endian) and the `E([x,y])` form match the EigenLayer CLI's.
 */
const EIGENLAYER_CLI_FILE =
  '{"pubKey":"E([5926317184925439151187795302636898395466174058057092923258039738351796578930,8089142686356639658893903961565109796481315873249662043487003602119643699529])","crypto":{"cipher":"aes-128-ctr","ciphertext":"ec8df0cc0f9d018e7a1e6f8c20f105bb38a17b9805f13e3ab2e69556c1288a51","cipherparams":{"iv":"6b96f79710ae9197515e46a4598e60a4"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"7fe997aed25467c33a26d07d3989c48ab406a46614f2b88fac3cedc743a1f59c"},"mac":"a4e032edf49b1d2aa158a2d0c771b8207facce7cbeb0fb5f3b5386be15424b22"}}';

/**
 * Key files written by eigensdk-go's batch key generator (`egnkey generate`, the same `KeyPair.SaveToFile` the
 * EigenLayer CLI uses), committed with their passwords and secrets in Layr-Labs/eigensdk-go at
 * crypto/utils/test_data/bls_keys/ (commit 9a026d0fc21b0f6ef1d9247cb47f17d29d1b4e5a, "add batch key create utility"):
 * keys/1.bls.key.json, line 1 of password.txt and line 1 of private_key_hex.txt (decimal, gnark's `fr.Element.String()`).
 */
const EGNKEY_BLS_FILE =
  '{"pubKey":"E([19408553463882111916887171276012224475029133183214861480489485386352635269635,17418827901203159022109906145273000034647571131322064812191371351028964064220])","crypto":{"cipher":"aes-128-ctr","ciphertext":"f2e5a3df524234426297f84b80c3c69e008ca17960fa512845b250a5308a7a6c","cipherparams":{"iv":"64528130796bc7227f48b0b01030b4c2"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":1,"r":8,"salt":"7ceca78a0011e3ab5dce8b4f562b0615f60d8642b841d751bc676fb7dc574938"},"mac":"f9e5050e1077e2558a66f82fad05259ebc9e81da6e5ef8025f34d8fbc7e6e8ac"}}';
const EGNKEY_BLS_PASSWORD = 'fDUMDLmBROwlzzPXyIcy';
const EGNKEY_BLS_SECRET = 2215338531151182997276243965065522514190247674553811942190946030173209230351n;

/** BN254 base field prime p and group order r (EIP-196; r is also the value the EigenLayer CLI reduces secrets by). */
const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * sk·(1, 2) on y² = x³ + 3 over F_p by affine double-and-add: a textbook implementation independent of @noble/curves (which
 * the code under test uses), to derive expected public keys.
 */
function referenceG1(sk: bigint): { x: bigint; y: bigint } {
  const mod = (a: bigint) => ((a % P) + P) % P;
  const inv = (a: bigint) => {
    let [r0, r1, s0, s1] = [mod(a), P, 1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
    }
    return mod(s0);
  };
  type Pt = { x: bigint; y: bigint } | null;
  const add = (a: Pt, b: Pt): Pt => {
    if (!a) return b;
    if (!b) return a;
    if (a.x === b.x && mod(a.y + b.y) === 0n) return null;
    const l = a.x === b.x ? mod(3n * a.x * a.x * inv(2n * a.y)) : mod((b.y - a.y) * inv(b.x - a.x));
    const x = mod(l * l - a.x - b.x);
    return { x, y: mod(l * (a.x - x) - a.y) };
  };
  let result: Pt = null;
  let base: Pt = { x: 1n, y: 2n };
  for (let k = sk; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, base);
    base = add(base, base);
  }
  assert.ok(result, 'not the point at infinity');
  return result;
}

const FAST: KdfChoice = { function: 'scrypt', n: 1024, r: 8, p: 1 };
const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('EIP-2335 keystore layer', () => {
  it('normalises the password as EIP-2335 specifies (NFKD, control codes removed)', () => {
    assert.equal(Buffer.from(normalizeEip2335Password(EIP2335_PASSWORD)).toString('hex'), '7465737470617373776f7264f09f9491');
    assert.equal(Buffer.from(normalizeEip2335Password('a\u0000b\u001fc\u007fd\u0080e\u009ff g')).toString(), 'abcdef g');
  });

  it('decrypts the published scrypt and pbkdf2 vectors to the published secret', async () => {
    for (const vector of [EIP2335_SCRYPT, EIP2335_PBKDF2]) {
      const secret = await decryptEip2335(vector, EIP2335_PASSWORD);
      assert.equal(Buffer.from(secret).toString('hex'), EIP2335_SECRET, vector.crypto.kdf.function);
    }
  });

  it('reproduces the pbkdf2 vector’s checksum and cipher message from its salt and iv', async () => {
    const keystore = await encryptEip2335(Buffer.from(EIP2335_SECRET, 'hex'), EIP2335_PASSWORD, {
      kdf: { function: 'pbkdf2', c: 262144 },
      salt: Buffer.from(EIP2335_PBKDF2.crypto.kdf.params.salt, 'hex'),
      iv: Buffer.from(EIP2335_PBKDF2.crypto.cipher.params.iv, 'hex'),
    });
    assert.deepEqual(keystore.crypto, EIP2335_PBKDF2.crypto);
  });

  it('rejects a wrong password and an altered checksum or cipher message with a checksum error naming the file', async () => {
    await assert.rejects(decryptEip2335(EIP2335_PBKDF2, 'testpassword', { file: '/keys/x.json' }), (error: unknown) => {
      assert.ok(error instanceof KeystoreChecksumMismatchError);
      assert.match(error.message, /keystore \/keys\/x\.json: checksum did not match/);
      return true;
    });
    const keystore = await encryptEip2335(new Uint8Array(32).fill(7), 'pw', { kdf: FAST });
    const { checksum, cipher } = keystore.crypto;
    await assert.rejects(decryptEip2335({ ...keystore, crypto: { ...keystore.crypto, checksum: { ...checksum, message: flip(checksum.message) } } }, 'pw'), KeystoreChecksumMismatchError);
    await assert.rejects(decryptEip2335({ ...keystore, crypto: { ...keystore.crypto, cipher: { ...cipher, message: flip(cipher.message) } } }, 'pw'), KeystoreChecksumMismatchError);
  });

  it('refuses unsupported modules and other versions', async () => {
    await assert.rejects(decryptEip2335({ ...EIP2335_PBKDF2, version: 3 }, EIP2335_PASSWORD), InvalidKeystoreError);
    const badChecksum = { ...EIP2335_PBKDF2, crypto: { ...EIP2335_PBKDF2.crypto, checksum: { ...EIP2335_PBKDF2.crypto.checksum, function: 'sha512' } } };
    await assert.rejects(decryptEip2335(badChecksum, EIP2335_PASSWORD), /unsupported checksum/);
    // A BLS12-381 validator keystore is not a BN254 key.
    assert.throws(() => blsKeystoreInfo(EIP2335_PBKDF2), /BLS12-381/);
  });
});

describe('BN254 BLS keys', () => {
  it('derives G1/G2 public keys and the operator id', () => {
    const pair = blsKeyPairFromSecret(5n);
    const g1 = bn254.G1.Point.BASE.multiply(5n).toAffine();
    assert.deepEqual(pair.publicKeyG1, { x: g1.x, y: g1.y });
    assert.equal(pair.operatorId, keccak256(`0x${g1ToHex(pair.publicKeyG1)}`));
    assert.deepEqual(g1FromHex(g1ToHex(pair.publicKeyG1)), pair.publicKeyG1);
    assert.deepEqual(g1FromEigenString(g1ToEigenString(pair.publicKeyG1)), pair.publicKeyG1);
    assert.equal(g1ToEigenString(blsKeyPairFromSecret(1n).publicKeyG1), 'E([1,2])');
  });

  it('uses the group order r the EigenLayer CLI reduces by', () => {
    assert.equal(BN254_FR_ORDER, R);
    assert.throws(() => g1FromEigenString('E([1,3])'), /not a point/);
    const secret = randomBlsSecret();
    assert.ok(secret > 0n && secret < BN254_FR_ORDER);
  });

  it('reads secrets as the EigenLayer CLI’s import does: decimal first, else hex with or without 0x, signed', () => {
    const cases: Array<[string, bigint]> = [
      ['12345', 12345n],
      ['0x3039', 0x3039n],
      ['0X3039', 0x3039n],
      // Digits only, no 0x: decimal, as the CLI's base-10 attempt comes first.
      ['3039', 3039n],
      ['abc123', 0xabc123n],
      // Not scientific notation: hex, for the CLI as here.
      ['1e5', 0x1e5n],
      ['00ff', 0xffn],
      ['ABCDEF', 0xabcdefn],
      [' 12345\n', 12345n],
      ['+7', 7n],
      ['-1', -1n],
      [`0x${'f'.repeat(80)}`, 2n ** 320n - 1n],
    ];
    for (const [text, value] of cases) assert.equal(parseBlsInteger(text), value, JSON.stringify(text));
    for (const text of ['', '0x', 'xyz', '1_000', '--1', '1 2', '0x-1', '1.5', 'x'.repeat(2000)]) {
      assert.throws(() => parseBlsInteger(text), InvalidBlsKeyError, JSON.stringify(text));
    }
  });

  it('refuses a decimal with a leading 0, which the EigenLayer CLI would read as octal', () => {
    assert.throws(() => parseBlsInteger('0123'), /leading 0 is ambiguous.*octal/);
    assert.throws(() => parseBlsInteger('-0777'), /octal/);
    // Hex with letters is unambiguous, leading zeros or not.
    assert.equal(parseBlsInteger('0abc'), 0xabcn);
  });

  it('reduces secrets modulo r as gnark’s fr.Element.SetString does, and refuses 0 mod r', () => {
    assert.equal(parseBlsSecret((R + 1n).toString()), 1n);
    assert.equal(parseBlsSecret(`0x${(R + 12345n).toString(16)}`), 12345n);
    assert.equal(parseBlsSecret((R + 12345n).toString(16)), 12345n, 'bare hex of r + 12345 (has letters)');
    assert.equal(parseBlsSecret((5n * R + 9n).toString()), 9n);
    // fr.Element.String() prints keys just below r as small negatives ("-1" is r − 1); SetString takes them back.
    assert.equal(parseBlsSecret('-1'), R - 1n);
    assert.equal(parseBlsSecret('-65535'), R - 65535n);
    assert.equal(parseBlsSecret(`0x${'f'.repeat(64)}`), (2n ** 256n - 1n) % R);
    for (const zero of ['0', '-0', '0x0', R.toString(), (3n * R).toString(), `0x${R.toString(16)}`, `-${R}`]) {
      assert.throws(() => parseBlsSecret(zero), /0 modulo r/, zero);
    }
  });

  it('derives the public keys a textbook implementation computes, for reduced and published secrets', () => {
    const cases: Array<[string, bigint]> = [
      ['1', 1n],
      ['2', 2n],
      [(R + 2n).toString(), 2n],
      ['-1', R - 1n],
      ['abc123', 0xabc123n],
      [EGNKEY_BLS_SECRET.toString(), EGNKEY_BLS_SECRET],
      [`0x${(EGNKEY_BLS_SECRET + R).toString(16)}`, EGNKEY_BLS_SECRET],
    ];
    for (const [text, sk] of cases) {
      const expected = referenceG1(sk);
      const pair = blsKeyPairFromSecret(parseBlsSecret(text));
      assert.deepEqual(pair.publicKeyG1, expected, text);
      assert.equal(pair.operatorId, keccak256(`0x${expected.x.toString(16).padStart(64, '0')}${expected.y.toString(16).padStart(64, '0')}`));
    }
    // Facts that need no arithmetic: 1·G = (1, 2) and (r − 1)·G = −G = (1, p − 2).
    assert.deepEqual(blsKeyPairFromSecret(parseBlsSecret('1')).publicKeyG1, { x: 1n, y: 2n });
    assert.deepEqual(blsKeyPairFromSecret(parseBlsSecret('-1')).publicKeyG1, { x: 1n, y: P - 2n });
    // The pubKey eigensdk-go stored beside the published secret.
    assert.equal(g1ToEigenString(referenceG1(EGNKEY_BLS_SECRET)), JSON.parse(EGNKEY_BLS_FILE).pubKey);
  });
});

describe('BLS keystores (both formats)', () => {
  it('decrypts a key file written by the EigenLayer CLI’s library and derives its stored pubKey', async () => {
    const key = await decryptBlsKeystore(EIGENLAYER_CLI_FILE, 'test');
    assert.equal(key.format, 'eigenlayer');
    assert.equal(g1ToEigenString(key.publicKeyG1), JSON.parse(EIGENLAYER_CLI_FILE).pubKey);
    await assert.rejects(decryptBlsKeystore(EIGENLAYER_CLI_FILE, 'wrong', { file: 'op.bls.key.json' }), /keystore op\.bls\.key\.json: MAC did not match/);
  });

  it('decrypts a key file written by eigensdk-go’s key generator to its published secret', async () => {
    const key = await decryptBlsKeystore(EGNKEY_BLS_FILE, EGNKEY_BLS_PASSWORD);
    assert.equal(key.secret, EGNKEY_BLS_SECRET);
    assert.equal(g1ToEigenString(key.publicKeyG1), JSON.parse(EGNKEY_BLS_FILE).pubKey);
  });

  it('reduces a stored secret ≥ r modulo r as eigensdk-go’s reader does, and refuses one ≡ 0', async () => {
    const pubKey = g1ToEigenString(referenceG1(5n));
    const big = { pubKey, crypto: await encryptCryptoSection(blsSecretToBytes(R + 5n), 'pw', { kdf: FAST }) };
    assert.equal((await decryptBlsKeystore(big, 'pw')).secret, 5n);
    const zero = { pubKey, crypto: await encryptCryptoSection(blsSecretToBytes(R), 'pw', { kdf: FAST }) };
    await assert.rejects(decryptBlsKeystore(zero, 'pw'), (error: unknown) => error instanceof InvalidKeystoreError && /0 modulo r/.test(error.message));
  });

  it('round-trips in the EigenLayer CLI format', async () => {
    const secret = randomBlsSecret();
    const keystore = await encryptEigenLayerBlsKeystore(secret, 'pw', { kdf: FAST });
    assert.deepEqual(Object.keys(keystore), ['pubKey', 'crypto']);
    assert.match(keystore.pubKey, /^E\(\[[0-9]+,[0-9]+\]\)$/);
    assert.equal(keystore.crypto.kdf, 'scrypt');
    const key = await decryptBlsKeystore(JSON.stringify(keystore), 'pw');
    assert.equal(key.secret, secret);
    assert.deepEqual(blsKeystoreInfo(keystore), { format: 'eigenlayer', publicKeyG1: key.publicKeyG1 });
    await assert.rejects(decryptBlsKeystore(keystore, 'wrong'), KeystoreMacMismatchError);
  });

  it('round-trips in EIP-2335 with the G1 key as pubkey, an empty path and a v4 uuid', async () => {
    const secret = randomBlsSecret();
    const keystore = await encryptEip2335BlsKeystore(secret, EIP2335_PASSWORD, { kdf: { function: 'pbkdf2', c: 1000 } });
    assert.equal(keystore.version, 4);
    assert.equal(keystore.path, '');
    assert.match(keystore.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(keystore.pubkey, g1ToHex(blsKeyPairFromSecret(secret).publicKeyG1));
    assert.deepEqual(Object.keys(keystore.crypto.kdf), ['function', 'params', 'message']);
    const key = await decryptBlsKeystore(keystore, EIP2335_PASSWORD);
    assert.equal(key.secret, secret);
    assert.equal(key.format, 'eip2335');
    await assert.rejects(decryptBlsKeystore(keystore, 'wrong'), KeystoreChecksumMismatchError);
  });

  it('refuses a file whose secret does not match its stored public key', async () => {
    const keystore = await encryptEigenLayerBlsKeystore(7n, 'pw', { kdf: FAST });
    const other = g1ToEigenString(blsKeyPairFromSecret(8n).publicKeyG1);
    await assert.rejects(decryptBlsKeystore({ ...keystore, pubKey: other }, 'pw'), (error: unknown) => {
      assert.ok(error instanceof KeystoreKeyMismatchError);
      const id = (sk: bigint) => blsKeyPairFromSecret(sk).operatorId;
      assert.equal(error.message, `keystore (in memory): decrypted secret belongs to operator id ${id(7n)}, not the stored public key's ${id(8n)}`);
      return true;
    });
  });

  it('tells a BLS keystore from an ECDSA one', () => {
    assert.throws(() => blsKeystoreInfo({ address: '00'.repeat(20), crypto: {}, id: 'x', version: 3 }), /not a BLS keystore/);
  });
});
