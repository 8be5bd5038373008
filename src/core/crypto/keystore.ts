/**
 * Web3 Secret Storage (version 3) keystores: the encrypted JSON files go-ethereum, the EigenLayer CLI
 * (`<name>.ecdsa.key.json`) and most Ethereum wallets write for secp256k1 keys.
 *
 * Source: the Web3 Secret Storage Definition, version 3
 * (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/).
 *
 * - KDF: `scrypt` (kdfparams `{ dklen, n, r, p, salt }`) or `pbkdf2` (kdfparams `{ c, dklen, prf: "hmac-sha256", salt }`);
 *   the password is its UTF-8 bytes, unnormalised (as go-ethereum does).
 * - Cipher: `aes-128-ctr` keyed with derivedKey[0..16], `cipherparams.iv` 16 bytes.
 * - MAC: keccak256(derivedKey[16..32] ‖ ciphertext), checked before decrypting.
 * - Hex fields carry no 0x prefix; `address` is the lowercase 20-byte address without 0x; `id` a UUID v4.
 *
 * The `crypto` section alone is also what the EigenLayer CLI wraps a BN254 BLS secret in (see `keystore-bls.ts`), so
 * {@link encryptCryptoSection} and {@link decryptCryptoSection} are exported for it.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { type Address, type Hex, bytesToHex, getAddress, hexToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

// ---------------------------------------------------------------------------------------------------------------------
// Errors

/** Base class of every keystore error; `file` names the keystore when it came from a file. */
export class KeystoreError extends Error {
  override name = 'KeystoreError';
  readonly file: string | undefined;
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = options.file;
  }
}

/** The keystore file could not be read (missing, unreadable) or is not JSON. */
export class KeystoreReadError extends KeystoreError {
  override name = 'KeystoreReadError';
}

/** The JSON is not a keystore this module understands: missing field, unsupported KDF or cipher, bad hex, unsafe params. */
export class InvalidKeystoreError extends KeystoreError {
  override name = 'InvalidKeystoreError';
}

/**
 * The MAC (Web3 Secret Storage) did not match: the password is wrong or the file was altered. Nothing was decrypted.
 */
export class KeystoreMacMismatchError extends KeystoreError {
  override name = 'KeystoreMacMismatchError';
  constructor(options: { file?: string } = {}) {
    super(`keystore ${describeSource(options.file)}: MAC did not match (wrong password or corrupted file)`, options);
  }
}

/** The decrypted key does not belong to the `address` (or public key) the keystore declares: the file was altered. */
export class KeystoreKeyMismatchError extends KeystoreError {
  override name = 'KeystoreKeyMismatchError';
}

/** "<file>" or "(in memory)": how errors name a keystore. */
export function describeSource(file: string | undefined): string {
  return file ?? '(in memory)';
}

// ---------------------------------------------------------------------------------------------------------------------
// KDF

/** scrypt parameters as stored: `n` CPU/memory cost (power of two), `r` block size, `p` parallelism, `dklen` bytes. */
export type ScryptParams = { dklen: number; n: number; r: number; p: number; salt: string };
/** PBKDF2 parameters as stored: `c` iterations, `prf` always `hmac-sha256`, `dklen` bytes. */
export type Pbkdf2Params = { dklen: number; c: number; prf: 'hmac-sha256'; salt: string };

/**
 * How to derive the encryption key when encrypting. Defaults to {@link DEFAULT_KDF} (the strength go-ethereum and the
 * EigenLayer CLI use); anything lighter must be asked for explicitly (tests, throwaway devnet keys).
 */
export type KdfChoice = { function: 'scrypt'; n: number; r: number; p: number } | { function: 'pbkdf2'; c: number };

/** scrypt n=2^18, r=8, p=1: go-ethereum's `StandardScryptN`/`StandardScryptP`, ~1 s and 256 MiB per derivation. */
export const DEFAULT_KDF: KdfChoice = { function: 'scrypt', n: 262144, r: 8, p: 1 };

/** Upper bounds that keep a hostile keystore from exhausting memory or CPU (1 GiB of scrypt memory, 10M iterations). */
const MAX_SCRYPT_MEMORY = 1 << 30;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** A KDF as the two keystore formats describe it: name, parameters (salt as hex without 0x). */
export type KdfSpec = { function: 'scrypt'; params: ScryptParams } | { function: 'pbkdf2'; params: Pbkdf2Params };

/**
 * Derives the decryption key from password bytes.
 * @returns `params.dklen` bytes (at least 32).
 * @throws {InvalidKeystoreError} for an unknown KDF or PRF, dklen < 32, n not a power of two, or parameters beyond the
 *   safety bounds (scrypt memory 128·r·n over 1 GiB, PBKDF2 over 10M iterations).
 */
export async function deriveKey(password: Uint8Array, kdf: KdfSpec, file?: string): Promise<Uint8Array> {
  const bad = (what: string) => new InvalidKeystoreError(`keystore ${describeSource(file)}: ${what}`, { file });
  const params = kdf.params as Partial<ScryptParams & Pbkdf2Params>;
  if (!isPositiveInt(params.dklen) || params.dklen < 32) throw bad('kdf dklen must be an integer >= 32');
  const salt = parseHexField(params.salt, 'kdf salt', file);
  if (kdf.function === 'scrypt') {
    const { n, r, p } = params;
    if (!isPositiveInt(n) || n < 2 || (n & (n - 1)) !== 0) throw bad('scrypt n must be a power of two >= 2');
    if (!isPositiveInt(r) || !isPositiveInt(p)) throw bad('scrypt r and p must be positive integers');
    const memory = 128 * r * (n + p);
    if (memory > MAX_SCRYPT_MEMORY) throw bad(`scrypt parameters need ${memory} bytes of memory, over the 1 GiB limit`);
    // OpenSSL (behind node:crypto) enforces RFC 7914's n < 2^(16·r), which the Web3 Secret Storage scrypt test vector
    // (n=2^18, r=1) and files written by some wallets break: those derive through @noble/hashes (pure JS, slower).
    if (r < 4 && n >= 2 ** (16 * r)) {
      return await scryptAsync(password, salt, { N: n, r, p, dkLen: params.dklen, maxmem: memory + (1 << 20) });
    }
    return await new Promise((resolve, reject) =>
      scrypt(password, salt, params.dklen!, { N: n, r, p, maxmem: memory + (1 << 20) }, (error, key) =>
        error ? reject(bad(`scrypt failed: ${error.message}`)) : resolve(new Uint8Array(key)),
      ),
    );
  }
  if (kdf.function === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') throw bad(`unsupported pbkdf2 prf "${String(params.prf)}" (only hmac-sha256)`);
    const c = params.c;
    if (!isPositiveInt(c) || c > MAX_PBKDF2_ITERATIONS) throw bad(`pbkdf2 c must be an integer from 1 to ${MAX_PBKDF2_ITERATIONS}`);
    return await new Promise((resolve, reject) =>
      pbkdf2(password, salt, c, params.dklen!, 'sha256', (error, key) =>
        error ? reject(bad(`pbkdf2 failed: ${error.message}`)) : resolve(new Uint8Array(key)),
      ),
    );
  }
  throw bad(`unsupported kdf "${String((kdf as { function: unknown }).function)}" (scrypt or pbkdf2)`);
}

/** The stored form of a {@link KdfChoice} with a fresh (or given) 32-byte salt. */
export function kdfSpecOf(choice: KdfChoice, salt: Uint8Array = randomBytes(32)): KdfSpec {
  const saltHex = bytesToHex(salt).slice(2);
  return choice.function === 'scrypt'
    ? { function: 'scrypt', params: { dklen: 32, n: choice.n, r: choice.r, p: choice.p, salt: saltHex } }
    : { function: 'pbkdf2', params: { dklen: 32, c: choice.c, prf: 'hmac-sha256', salt: saltHex } };
}

/** AES-128-CTR with `key` (16 bytes) and `iv` (16 bytes); encryption and decryption are the same operation. */
export function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array, mode: 'encrypt' | 'decrypt'): Uint8Array {
  const cipher = mode === 'encrypt' ? createCipheriv('aes-128-ctr', key, iv) : createDecipheriv('aes-128-ctr', key, iv);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

/** Constant-time equality of two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------------------------------------------------
// The `crypto` section

/** The `crypto` object of a Web3 Secret Storage v3 file (also the EigenLayer CLI's BLS files). Hex without 0x. */
export type Web3CryptoSection = {
  cipher: 'aes-128-ctr';
  cipherparams: { iv: string };
  ciphertext: string;
  kdf: 'scrypt' | 'pbkdf2';
  kdfparams: ScryptParams | Pbkdf2Params;
  mac: string;
};

/** A Web3 Secret Storage v3 keystore. `address` is optional in the definition; go-ethereum always writes it. */
export type Web3Keystore = { address?: string; crypto: Web3CryptoSection; id: string; version: 3 };

/** Options for encrypting; `kdf` defaults to {@link DEFAULT_KDF}. `salt` (32 bytes) and `iv` (16 bytes) are for tests. */
export type EncryptOptions = { kdf?: KdfChoice; salt?: Uint8Array; iv?: Uint8Array };

/** Encrypts `secret` under `password` into a v3 `crypto` section (MAC = keccak256(dk[16..32] ‖ ciphertext)). */
export async function encryptCryptoSection(secret: Uint8Array, password: string, options: EncryptOptions = {}): Promise<Web3CryptoSection> {
  const kdf = kdfSpecOf(options.kdf ?? DEFAULT_KDF, options.salt);
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new InvalidKeystoreError('iv must be 16 bytes');
  const derived = await deriveKey(utf8(password), kdf);
  const ciphertext = aes128Ctr(derived.subarray(0, 16), iv, secret, 'encrypt');
  const mac = keccak_256(concat(derived.subarray(16, 32), ciphertext));
  derived.fill(0);
  return {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: hex(iv) },
    ciphertext: hex(ciphertext),
    kdf: kdf.function,
    kdfparams: kdf.params,
    mac: hex(mac),
  };
}

/**
 * Decrypts a v3 `crypto` section. The MAC is checked before anything is decrypted.
 * @param file names the keystore in error messages.
 * @throws {InvalidKeystoreError} for a malformed section or unsupported KDF/cipher.
 * @throws {KeystoreMacMismatchError} when the password is wrong or the section was altered.
 */
export async function decryptCryptoSection(section: unknown, password: string, file?: string): Promise<Uint8Array> {
  const bad = (what: string) => new InvalidKeystoreError(`keystore ${describeSource(file)}: ${what}`, { file });
  if (!isObject(section)) throw bad('missing "crypto" object');
  if (section.cipher !== 'aes-128-ctr') throw bad(`unsupported cipher "${String(section.cipher)}" (aes-128-ctr)`);
  if (section.kdf !== 'scrypt' && section.kdf !== 'pbkdf2') throw bad(`unsupported kdf "${String(section.kdf)}" (scrypt or pbkdf2)`);
  if (!isObject(section.kdfparams)) throw bad('missing "kdfparams"');
  const iv = parseHexField(isObject(section.cipherparams) ? section.cipherparams.iv : undefined, 'cipherparams.iv', file);
  if (iv.length !== 16) throw bad('cipherparams.iv must be 16 bytes');
  const ciphertext = parseHexField(section.ciphertext, 'ciphertext', file);
  const mac = parseHexField(section.mac, 'mac', file);
  const derived = await deriveKey(utf8(password), { function: section.kdf, params: section.kdfparams } as KdfSpec, file);
  try {
    if (!bytesEqual(keccak_256(concat(derived.subarray(16, 32), ciphertext)), mac)) throw new KeystoreMacMismatchError({ file });
    return aes128Ctr(derived.subarray(0, 16), iv, ciphertext, 'decrypt');
  } finally {
    derived.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// secp256k1 keystores

/**
 * Encrypts a secp256k1 private key into a Web3 Secret Storage v3 keystore with its address and a fresh UUID v4 `id`.
 * @param privateKey 32-byte 0x hex.
 * @param options `kdf` defaults to scrypt n=262144 r=8 p=1; lighter settings only when passed explicitly.
 * @throws {InvalidKeystoreError} when the key is not a valid secp256k1 scalar.
 */
export async function encryptKeystore(privateKey: Hex, password: string, options: EncryptOptions & { id?: string } = {}): Promise<Web3Keystore> {
  const address = addressOfPrivateKey(privateKey);
  const crypto = await encryptCryptoSection(hexToBytes(privateKey), password, options);
  return { address: address.slice(2).toLowerCase(), crypto, id: options.id ?? randomUUID(), version: 3 };
}

/** A decrypted secp256k1 keystore: the private key (0x hex, 32 bytes) and its checksummed address. */
export type DecryptedKey = { privateKey: Hex; address: Address };

/**
 * Decrypts a Web3 Secret Storage v3 keystore (object or JSON text). Accepts `Crypto` for `crypto` (old geth files).
 * @param options.file names the keystore in error messages.
 * @throws {InvalidKeystoreError} for anything that is not a v3 keystore of a 32-byte secp256k1 key.
 * @throws {KeystoreMacMismatchError} when the password is wrong or the file was altered.
 * @throws {KeystoreKeyMismatchError} when the key does not match the declared `address`.
 */
export async function decryptKeystore(keystore: unknown, password: string, options: { file?: string } = {}): Promise<DecryptedKey> {
  const { file } = options;
  const bad = (what: string) => new InvalidKeystoreError(`keystore ${describeSource(file)}: ${what}`, { file });
  const json = typeof keystore === 'string' ? parseJson(keystore, file) : keystore;
  if (!isObject(json)) throw bad('not a JSON object');
  if (json.version !== 3) throw bad(`version must be 3 (Web3 Secret Storage), got ${JSON.stringify(json.version)}`);
  const secret = await decryptCryptoSection(json.crypto ?? json.Crypto, password, file);
  if (secret.length !== 32) throw bad(`decrypted key is ${secret.length} bytes, expected 32`);
  const privateKey = bytesToHex(secret);
  secret.fill(0);
  let address: Address;
  try {
    address = addressOfPrivateKey(privateKey);
  } catch {
    throw bad('decrypted key is not a valid secp256k1 private key');
  }
  if (typeof json.address === 'string' && json.address !== '') {
    const declared = json.address.startsWith('0x') ? json.address : `0x${json.address}`;
    if (declared.toLowerCase() !== address.toLowerCase()) {
      throw new KeystoreKeyMismatchError(`keystore ${describeSource(file)}: decrypted key belongs to ${address}, not the declared address ${declared}`, { file });
    }
  }
  return { privateKey, address };
}

/**
 * Reads and decrypts a v3 keystore file.
 * @throws {KeystoreReadError} when the file cannot be read or is not JSON; otherwise as {@link decryptKeystore}.
 */
export async function readKeystoreFile(file: string, password: string): Promise<DecryptedKey> {
  return decryptKeystore(await readKeystoreJson(file), password, { file });
}

/**
 * The address a v3 keystore declares, without decrypting it (checksummed), or undefined when it declares none.
 * @throws {InvalidKeystoreError} when the JSON is not a v3 keystore.
 */
export function keystoreAddress(keystore: unknown, file?: string): Address | undefined {
  if (!isObject(keystore) || keystore.version !== 3) throw new InvalidKeystoreError(`keystore ${describeSource(file)}: not a version 3 keystore`, { file });
  const address = keystore.address;
  if (typeof address !== 'string' || address === '') return undefined;
  const prefixed = address.startsWith('0x') ? address : `0x${address}`;
  if (!/^0x[0-9a-fA-F]{40}$/.test(prefixed)) throw new InvalidKeystoreError(`keystore ${describeSource(file)}: address is not 20 bytes of hex`, { file });
  return getAddress(prefixed);
}

/**
 * Reads a keystore file as JSON (either format).
 * @throws {KeystoreReadError} naming the file when it cannot be read or parsed.
 */
export async function readKeystoreJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new KeystoreReadError(`cannot read keystore ${file}: ${why}`, { file, cause: error });
  }
  return parseJson(text, file);
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers (shared with keystore-bls.ts)

/** The address of a private key, or a thrown {@link InvalidKeystoreError}. */
function addressOfPrivateKey(privateKey: Hex): Address {
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new InvalidKeystoreError('private key must be 32 bytes of 0x hex');
  try {
    return privateKeyToAccount(privateKey).address;
  } catch {
    throw new InvalidKeystoreError('private key is not a valid secp256k1 scalar');
  }
}

/** Parses keystore JSON text, naming the file on failure. */
export function parseJson(text: string, file?: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeystoreReadError(`keystore ${describeSource(file)} is not valid JSON`, { file });
  }
}

/** Bytes of a hex field stored without (or with) 0x; throws {@link InvalidKeystoreError} naming the field. */
export function parseHexField(value: unknown, field: string, file?: string): Uint8Array {
  if (typeof value !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) {
    throw new InvalidKeystoreError(`keystore ${describeSource(file)}: ${field} must be hex bytes`, { file });
  }
  return hexToBytes((value.startsWith('0x') ? value : `0x${value}`) as Hex);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Lowercase hex without 0x, as keystores store bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
