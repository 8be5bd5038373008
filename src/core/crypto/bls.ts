/**
 * BN254 (alt_bn128) BLS keys as EigenLayer uses them: a secret scalar in Fr, a G1 public key (what the
 * BLSApkRegistry stores and hashes into the operator id) and a G2 public key (what signatures verify against).
 * Curve arithmetic from @noble/curves (the Ethereum variant of the curve, EIP-196/EIP-197; generators G1 = (1, 2)).
 *
 * Encodings:
 * - secret: 32 bytes big-endian, 1 ≤ sk < r (gnark-crypto's `fr.Element.Bytes()`, which the EigenLayer CLI encrypts);
 *   typed or read values outside [1, r) are reduced modulo r as gnark does ({@link reduceBlsSecret});
 * - G1 hex: 64 bytes x ‖ y, each 32 bytes big-endian (the ABI encoding of `BN254.G1Point`);
 * - G1 "EigenLayer string": `E([x,y])` with x and y in decimal (gnark's `G1Affine.String()`, the `pubKey` field of the
 *   EigenLayer CLI's `.bls.key.json` files);
 * - operator id: keccak256(x ‖ y) with 32-byte coordinates (`BN254.hashG1Point` in eigenlayer-middleware).
 */
import { randomBytes } from 'node:crypto';
import { bn254, bn254_Fr } from '@noble/curves/bn254.js';
import { type Hex, bytesToHex, keccak256 } from 'viem';

/** Order r of the BN254 scalar field (Fr). */
export const BN254_FR_ORDER: bigint = bn254_Fr.ORDER;

/** A malformed BLS secret or public key. */
export class InvalidBlsKeyError extends Error {
  override name = 'InvalidBlsKeyError';
}

/** A G1 point in affine coordinates (field elements as bigints). */
export type G1Affine = { x: bigint; y: bigint };
/** A G2 point in affine coordinates, each coordinate c0 + c1·u. */
export type G2Affine = { x: { c0: bigint; c1: bigint }; y: { c0: bigint; c1: bigint } };

/** A BN254 BLS key pair. */
export type BlsKeyPair = {
  /** The secret scalar, 1 ≤ secret < r. */
  secret: bigint;
  /** sk·G1. */
  publicKeyG1: G1Affine;
  /** sk·G2. */
  publicKeyG2: G2Affine;
  /** keccak256(x ‖ y) of the G1 public key: the EigenLayer operator id. */
  operatorId: Hex;
};

/**
 * The key pair of a secret scalar.
 * @param secret a bigint, or 32 bytes big-endian.
 * @throws {InvalidBlsKeyError} when the secret is 0, ≥ r, or not 32 bytes.
 */
export function blsKeyPairFromSecret(secret: bigint | Uint8Array): BlsKeyPair {
  const sk = typeof secret === 'bigint' ? secret : blsSecretFromBytes(secret);
  if (sk <= 0n || sk >= BN254_FR_ORDER) throw new InvalidBlsKeyError('BLS secret key must be in [1, r) of the BN254 scalar field');
  const g1 = bn254.G1.Point.BASE.multiply(sk).toAffine();
  const g2 = bn254.G2.Point.BASE.multiply(sk).toAffine();
  const publicKeyG1 = { x: g1.x, y: g1.y };
  return {
    secret: sk,
    publicKeyG1,
    publicKeyG2: { x: { c0: g2.x.c0, c1: g2.x.c1 }, y: { c0: g2.y.c0, c1: g2.y.c1 } },
    operatorId: operatorIdOf(publicKeyG1),
  };
}

/** A fresh uniformly random secret in [1, r) (rejection sampling over 32 random bytes masked to 254 bits). */
export function randomBlsSecret(): bigint {
  for (;;) {
    const bytes = randomBytes(32);
    bytes[0] &= 0x3f;
    const value = BigInt(`0x${bytes.toString('hex')}`);
    if (value > 0n && value < BN254_FR_ORDER) return value;
  }
}

/** 32 bytes big-endian of a secret. */
export function blsSecretToBytes(secret: bigint): Uint8Array {
  return hexBytes(secret.toString(16).padStart(64, '0'));
}

/**
 * A secret from 32 bytes big-endian.
 * @throws {InvalidBlsKeyError} when not 32 bytes.
 */
export function blsSecretFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== 32) throw new InvalidBlsKeyError(`BLS secret key must be 32 bytes, got ${bytes.length}`);
  return BigInt(bytesToHex(bytes));
}

/** Longest secret text {@link parseBlsInteger} reads: far beyond any key, short enough to parse instantly. */
const MAX_SECRET_TEXT = 1024;

/**
 * Reads a BLS secret as the EigenLayer CLI's `keys import --key-type bls` does, as a signed integer, not yet reduced:
 * - decimal digits, as `keys export` prints it (gnark's `fr.Element.String()`, which writes keys within 65535 below r
 *   as small negatives, e.g. r − 1 as "-1");
 * - else hex, with or without 0x: the CLI tries base 10 first, so digits-only hex without 0x reads as decimal there and
 *   here alike (write 0x to be sure);
 * - an optional leading + or − on either.
 * Surrounding whitespace is ignored.
 * @throws {InvalidBlsKeyError} for anything else, and for a decimal with a leading 0: the CLI passes it on to gnark,
 *   which reads it as octal ("0123" is 83 there), so it is refused rather than given a different key here.
 */
export function parseBlsInteger(text: string): bigint {
  const trimmed = text.trim();
  if (trimmed.length > MAX_SECRET_TEXT) throw new InvalidBlsKeyError(`BLS secret key text is longer than ${MAX_SECRET_TEXT} characters`);
  const match = /^([+-]?)(?:(0[xX][0-9a-fA-F]+)|([0-9]+)|([0-9a-fA-F]+))$/.exec(trimmed);
  if (!match) throw new InvalidBlsKeyError('BLS secret key must be a decimal or hex integer (0x optional for hex)');
  const [, sign, prefixedHex, decimal, bareHex] = match;
  if (decimal !== undefined && decimal.length > 1 && decimal.startsWith('0')) {
    throw new InvalidBlsKeyError('BLS secret key in decimal with a leading 0 is ambiguous (the EigenLayer CLI reads it as octal): drop the leading zeros, or give hex with 0x');
  }
  const magnitude = BigInt(prefixedHex ?? (decimal !== undefined ? decimal : `0x${bareHex}`));
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * An integer reduced into the BN254 scalar field, as gnark's `fr.Element.SetBigInt` (behind the EigenLayer CLI's
 * import) and `SetBytes` (behind eigensdk-go's keystore reader) do: secret mod r, into [0, r).
 * @throws {InvalidBlsKeyError} when the result is 0 (a multiple of r), which has no usable public key.
 */
export function reduceBlsSecret(value: bigint): bigint {
  const reduced = ((value % BN254_FR_ORDER) + BN254_FR_ORDER) % BN254_FR_ORDER;
  if (reduced === 0n) throw new InvalidBlsKeyError('BLS secret key is 0 modulo r (the BN254 group order): not a usable key');
  return reduced;
}

/**
 * Parses a secret as the EigenLayer CLI's import does: {@link parseBlsInteger}, then {@link reduceBlsSecret}.
 * @returns the secret in [1, r).
 * @throws {InvalidBlsKeyError} for text it does not read, or a value ≡ 0 mod r.
 */
export function parseBlsSecret(text: string): bigint {
  return reduceBlsSecret(parseBlsInteger(text));
}

/** 64-byte x ‖ y hex (no 0x) of a G1 point. */
export function g1ToHex(point: G1Affine): string {
  return point.x.toString(16).padStart(64, '0') + point.y.toString(16).padStart(64, '0');
}

/**
 * A G1 point from 64-byte x ‖ y hex (with or without 0x), checked to be on the curve.
 * @throws {InvalidBlsKeyError} otherwise.
 */
export function g1FromHex(text: string): G1Affine {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{128}$/.test(body)) throw new InvalidBlsKeyError('G1 public key must be 64 bytes of hex (x ‖ y)');
  return checkedG1({ x: BigInt(`0x${body.slice(0, 64)}`), y: BigInt(`0x${body.slice(64)}`) });
}

/** `E([x,y])`, decimal coordinates: how the EigenLayer CLI prints and stores a G1 public key. */
export function g1ToEigenString(point: G1Affine): string {
  return `E([${point.x},${point.y}])`;
}

/**
 * Parses `E([x,y])` (decimal coordinates), checked to be on the curve.
 * @throws {InvalidBlsKeyError} otherwise.
 */
export function g1FromEigenString(text: string): G1Affine {
  const match = /^E\(\[([0-9]+),([0-9]+)\]\)$/.exec(text.trim());
  if (!match) throw new InvalidBlsKeyError('G1 public key must look like E([x,y]) with decimal coordinates');
  return checkedG1({ x: BigInt(match[1]), y: BigInt(match[2]) });
}

/** keccak256(x ‖ y) with 32-byte big-endian coordinates: the EigenLayer operator id of a G1 public key. */
export function operatorIdOf(point: G1Affine): Hex {
  return keccak256(`0x${g1ToHex(point)}`);
}

/** Equality of two G1 points. */
export function g1Equal(a: G1Affine, b: G1Affine): boolean {
  return a.x === b.x && a.y === b.y;
}

function checkedG1(point: G1Affine): G1Affine {
  try {
    bn254.G1.Point.fromAffine(point).assertValidity();
  } catch {
    throw new InvalidBlsKeyError('G1 public key is not a point on BN254');
  }
  return point;
}

function hexBytes(body: string): Uint8Array {
  return new Uint8Array(Buffer.from(body, 'hex'));
}
