/**
 * Keystores for BN254 BLS secret keys, in the two formats an EigenLayer operator meets:
 *
 * 1. **The EigenLayer CLI's `.bls.key.json`** (eigensdk-go `KeyPair.SaveToFile`, what `eigenlayer operator keys create
 *    --key-type bls` writes): `{ "pubKey": "E([x,y])", "crypto": <Web3 Secret Storage v3 crypto section> }` — the
 *    32-byte big-endian secret encrypted exactly as a v3 keystore encrypts a secp256k1 key (scrypt, aes-128-ctr, keccak256
 *    MAC; see `keystore.ts`), with the G1 public key beside it so it can be listed without the password. No address, id
 *    or version. This is the default for files under `~/.eigenlayer/operator_keys/`, so the EigenLayer CLI and eigensdk
 *    nodes read what we write.
 *
 * 2. **EIP-2335 (version 4)** (https://eips.ethereum.org/EIPS/eip-2335): `crypto.kdf`/`checksum`/`cipher` modules of
 *    `{ function, params, message }`, checksum sha256(decryptionKey[16..32] ‖ cipher.message), cipher aes-128-ctr keyed
 *    with decryptionKey[0..16], `pubkey`, `path`, `uuid` (v4), `version: 4`; the password is normalised to NFKD with the
 *    C0 (U+0000–U+001F), Delete (U+007F) and C1 (U+0080–U+009F) control codes removed, then UTF-8 encoded. EIP-2335 is
 *    written for BLS12-381; for a BN254 key `pubkey` holds the 64-byte G1 point x ‖ y (hex, no 0x), `path` is "" (no
 *    EIP-2334 path exists for BN254 keys).
 *
 * {@link readBlsKeystoreFile} reads either and checks the decrypted secret against the stored public key.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  DEFAULT_KDF,
  type EncryptOptions,
  InvalidKeystoreError,
  type KdfSpec,
  KeystoreError,
  KeystoreKeyMismatchError,
  type Web3CryptoSection,
  aes128Ctr,
  bytesEqual,
  concat,
  decryptCryptoSection,
  deriveKey,
  describeSource,
  encryptCryptoSection,
  hex,
  isObject,
  kdfSpecOf,
  parseHexField,
  parseJson,
  readKeystoreJson,
} from './keystore.ts';
import {
  type BlsKeyPair,
  InvalidBlsKeyError,
  blsKeyPairFromSecret,
  blsSecretFromBytes,
  blsSecretToBytes,
  g1Equal,
  g1FromEigenString,
  g1FromHex,
  g1ToEigenString,
  g1ToHex,
  operatorIdOf,
  reduceBlsSecret,
} from './bls.ts';

/** The EIP-2335 checksum (sha256) did not match: the password is wrong or the file was altered. Nothing was decrypted. */
export class KeystoreChecksumMismatchError extends KeystoreError {
  override name = 'KeystoreChecksumMismatchError';
  constructor(options: { file?: string } = {}) {
    super(`keystore ${describeSource(options.file)}: checksum did not match (wrong password or corrupted file)`, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// EIP-2335

/** An EIP-2335 module: `function` name, its `params`, and its `message` (hex without 0x; "" for the KDF). */
export type Eip2335Module<F extends string, P> = { function: F; params: P; message: string };

/** An EIP-2335 (version 4) keystore. */
export type Eip2335Keystore = {
  crypto: {
    kdf: Eip2335Module<'scrypt', Extract<KdfSpec, { function: 'scrypt' }>['params']> | Eip2335Module<'pbkdf2', Extract<KdfSpec, { function: 'pbkdf2' }>['params']>;
    checksum: Eip2335Module<'sha256', Record<string, never>>;
    cipher: Eip2335Module<'aes-128-ctr', { iv: string }>;
  };
  description?: string;
  pubkey: string;
  path: string;
  uuid: string;
  version: 4;
};

/**
 * The password bytes EIP-2335 feeds the KDF: NFKD, minus C0, Delete and C1 control codes, UTF-8.
 * Example: "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑" → 0x7465737470617373776f7264f09f9491 ("testpassword🔑").
 */
export function normalizeEip2335Password(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFKD').replace(/[\u0000-\u001f\u007f-\u009f]/g, ''));
}

/** Options for {@link encryptEip2335}. `pubkey` (hex, no 0x), `path` and `description` are stored as given. */
export type Eip2335EncryptOptions = EncryptOptions & { pubkey?: string; path?: string; description?: string; uuid?: string };

/**
 * Encrypts any secret (32 bytes for a BLS key) into an EIP-2335 keystore.
 * @param options.kdf defaults to scrypt n=262144 r=8 p=1 (the EIP's and the EigenLayer CLI's strength).
 */
export async function encryptEip2335(secret: Uint8Array, password: string, options: Eip2335EncryptOptions = {}): Promise<Eip2335Keystore> {
  const kdf = kdfSpecOf(options.kdf ?? DEFAULT_KDF, options.salt);
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new InvalidKeystoreError('iv must be 16 bytes');
  const key = await deriveKey(normalizeEip2335Password(password), kdf);
  const cipherMessage = aes128Ctr(key.subarray(0, 16), iv, secret, 'encrypt');
  const checksum = sha256(concat(key.subarray(16, 32), cipherMessage));
  key.fill(0);
  return {
    crypto: {
      kdf: { ...kdf, message: '' } as Eip2335Keystore['crypto']['kdf'],
      checksum: { function: 'sha256', params: {}, message: hex(checksum) },
      cipher: { function: 'aes-128-ctr', params: { iv: hex(iv) }, message: hex(cipherMessage) },
    },
    ...(options.description !== undefined ? { description: options.description } : {}),
    pubkey: options.pubkey ?? '',
    path: options.path ?? '',
    uuid: options.uuid ?? randomUUID(),
    version: 4,
  };
}

/**
 * Decrypts an EIP-2335 keystore (object or JSON text) to its secret bytes, whatever the curve.
 * @throws {InvalidKeystoreError} for a malformed keystore or an unsupported KDF, checksum or cipher function.
 * @throws {KeystoreChecksumMismatchError} when the password is wrong or the file was altered.
 */
export async function decryptEip2335(keystore: unknown, password: string, options: { file?: string } = {}): Promise<Uint8Array> {
  const { file } = options;
  const bad = (what: string) => new InvalidKeystoreError(`keystore ${describeSource(file)}: ${what}`, { file });
  const json = typeof keystore === 'string' ? parseJson(keystore, file) : keystore;
  if (!isObject(json)) throw bad('not a JSON object');
  if (json.version !== 4) throw bad(`version must be 4 (EIP-2335), got ${JSON.stringify(json.version)}`);
  const crypto = json.crypto;
  if (!isObject(crypto) || !isObject(crypto.kdf) || !isObject(crypto.checksum) || !isObject(crypto.cipher)) {
    throw bad('crypto must hold kdf, checksum and cipher modules');
  }
  const { kdf, checksum, cipher } = crypto;
  if (kdf.function !== 'scrypt' && kdf.function !== 'pbkdf2') throw bad(`unsupported kdf "${String(kdf.function)}" (scrypt or pbkdf2)`);
  if (!isObject(kdf.params)) throw bad('missing kdf params');
  if (checksum.function !== 'sha256') throw bad(`unsupported checksum "${String(checksum.function)}" (sha256)`);
  if (cipher.function !== 'aes-128-ctr') throw bad(`unsupported cipher "${String(cipher.function)}" (aes-128-ctr)`);
  const iv = parseHexField(isObject(cipher.params) ? cipher.params.iv : undefined, 'cipher iv', file);
  if (iv.length !== 16) throw bad('cipher iv must be 16 bytes');
  const cipherMessage = parseHexField(cipher.message, 'cipher message', file);
  const expected = parseHexField(checksum.message, 'checksum message', file);
  const key = await deriveKey(normalizeEip2335Password(password), { function: kdf.function, params: kdf.params } as KdfSpec, file);
  try {
    if (!bytesEqual(sha256(concat(key.subarray(16, 32), cipherMessage)), expected)) throw new KeystoreChecksumMismatchError({ file });
    return aes128Ctr(key.subarray(0, 16), iv, cipherMessage, 'decrypt');
  } finally {
    key.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The EigenLayer CLI's BLS keystore

/** The EigenLayer CLI's `.bls.key.json`: the G1 public key as `E([x,y])` and a Web3 Secret Storage v3 crypto section. */
export type EigenLayerBlsKeystore = { pubKey: string; crypto: Web3CryptoSection };

/** The two BLS keystore formats. */
export type BlsKeystoreFormat = 'eigenlayer' | 'eip2335';

/** Encrypts a BN254 secret as the EigenLayer CLI does (`kdf` defaults to scrypt n=262144 r=8 p=1). */
export async function encryptEigenLayerBlsKeystore(secret: bigint, password: string, options: EncryptOptions = {}): Promise<EigenLayerBlsKeystore> {
  const pair = blsKeyPairFromSecret(secret);
  return { pubKey: g1ToEigenString(pair.publicKeyG1), crypto: await encryptCryptoSection(blsSecretToBytes(pair.secret), password, options) };
}

/** Encrypts a BN254 secret into EIP-2335, `pubkey` = 64-byte G1 x ‖ y hex, `path` "" unless given. */
export async function encryptEip2335BlsKeystore(secret: bigint, password: string, options: Eip2335EncryptOptions = {}): Promise<Eip2335Keystore> {
  const pair = blsKeyPairFromSecret(secret);
  return encryptEip2335(blsSecretToBytes(pair.secret), password, { ...options, pubkey: g1ToHex(pair.publicKeyG1) });
}

/** Encrypts a BN254 secret in `format`. */
export async function encryptBlsKeystore(
  secret: bigint,
  password: string,
  format: BlsKeystoreFormat,
  options: Eip2335EncryptOptions = {},
): Promise<EigenLayerBlsKeystore | Eip2335Keystore> {
  return format === 'eip2335' ? encryptEip2335BlsKeystore(secret, password, options) : encryptEigenLayerBlsKeystore(secret, password, options);
}

/** What a BLS keystore says about its key without decrypting it. */
export type BlsKeystoreInfo = { format: BlsKeystoreFormat; publicKeyG1: BlsKeyPair['publicKeyG1'] | undefined };

/**
 * Recognises a BLS keystore and reads its public key without the password (undefined when an EIP-2335 file has an
 * empty `pubkey`).
 * @throws {InvalidKeystoreError} when it is neither format, or the stored public key is not a BN254 G1 point (e.g. a
 *   48-byte BLS12-381 key from a validator keystore).
 */
export function blsKeystoreInfo(keystore: unknown, file?: string): BlsKeystoreInfo {
  const bad = (what: string) => new InvalidKeystoreError(`keystore ${describeSource(file)}: ${what}`, { file });
  if (!isObject(keystore)) throw bad('not a JSON object');
  try {
    if (keystore.version === 4 && isObject(keystore.crypto) && isObject(keystore.crypto.kdf)) {
      const pubkey = keystore.pubkey;
      if (typeof pubkey !== 'string') throw bad('EIP-2335 keystore without a pubkey field');
      if (pubkey === '') return { format: 'eip2335', publicKeyG1: undefined };
      if (pubkey.replace(/^0x/, '').length === 96) throw bad('pubkey is a 48-byte BLS12-381 key, not a BN254 G1 key');
      return { format: 'eip2335', publicKeyG1: g1FromHex(pubkey) };
    }
    if (typeof keystore.pubKey === 'string' && isObject(keystore.crypto ?? keystore.Crypto)) {
      return { format: 'eigenlayer', publicKeyG1: g1FromEigenString(keystore.pubKey) };
    }
  } catch (error) {
    if (error instanceof InvalidBlsKeyError) throw bad(error.message);
    throw error;
  }
  throw bad('not a BLS keystore (neither the EigenLayer CLI format with "pubKey" nor EIP-2335 version 4)');
}

/** A decrypted BLS keystore. */
export type DecryptedBlsKey = BlsKeyPair & { format: BlsKeystoreFormat };

/**
 * Decrypts a BLS keystore in either format and checks the secret against the stored public key. A stored secret ≥ r is
 * reduced modulo r, as eigensdk-go's reader (`fr.Element.SetBytes`) does.
 * @throws {InvalidKeystoreError} for a malformed keystore, a secret that is not 32 bytes, or one ≡ 0 mod r.
 * @throws {KeystoreMacMismatchError} (EigenLayer format) or {@link KeystoreChecksumMismatchError} (EIP-2335) when the
 *   password is wrong or the file was altered.
 * @throws {KeystoreKeyMismatchError} when the secret does not match the stored public key.
 */
export async function decryptBlsKeystore(keystore: unknown, password: string, options: { file?: string } = {}): Promise<DecryptedBlsKey> {
  const { file } = options;
  const json = typeof keystore === 'string' ? parseJson(keystore, file) : keystore;
  const info = blsKeystoreInfo(json, file);
  const record = json as Record<string, unknown>;
  const secretBytes =
    info.format === 'eip2335' ? await decryptEip2335(json, password, { file }) : await decryptCryptoSection(record.crypto ?? record.Crypto, password, file);
  let pair: BlsKeyPair;
  try {
    pair = blsKeyPairFromSecret(reduceBlsSecret(blsSecretFromBytes(secretBytes)));
  } catch (error) {
    throw new InvalidKeystoreError(`keystore ${describeSource(file)}: ${(error as Error).message}`, { file });
  } finally {
    secretBytes.fill(0);
  }
  if (info.publicKeyG1 && !g1Equal(info.publicKeyG1, pair.publicKeyG1)) {
    throw new KeystoreKeyMismatchError(
      `keystore ${describeSource(file)}: decrypted secret belongs to operator id ${pair.operatorId}, not the stored public key's ${operatorIdOf(info.publicKeyG1)}`,
      { file },
    );
  }
  return { ...pair, format: info.format };
}

/**
 * Reads and decrypts a BLS keystore file in either format.
 * @throws {KeystoreReadError} when the file cannot be read or is not JSON; otherwise as {@link decryptBlsKeystore}.
 */
export async function readBlsKeystoreFile(file: string, password: string): Promise<DecryptedBlsKey> {
  return decryptBlsKeystore(await readKeystoreJson(file), password, { file });
}
