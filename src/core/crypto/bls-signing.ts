/**
 * BN254 BLS signing as the contracts verify it (contracts/src/core/signatures/BN254.sol, BLSSignatureChecker.sol and
 * the proof of possession of contracts/src/core/registry/BLSApkRegistry.sol): signatures in G1 (σ = sk·H(m)),
 * aggregate keys in G1 and G2, hash to G1 by try-and-increment exactly as `BN254.hashToG1` does, and the proof-of-
 * possession message that binds the operator, the chain id and the registry. Checked against test/vectors/bls.json,
 * which the forge tests read too.
 */
import { bn254 } from '@noble/curves/bn254.js';
import { type Address, type Hex, encodeAbiParameters, keccak256, toHex } from 'viem';
import { type BlsKeyPair, type G1Affine, type G2Affine, operatorIdOf } from './bls.ts';

/** The BN254 base field modulus p. */
export const BN254_FP_ORDER: bigint = bn254.fields.Fp.ORDER;

/** A point that is not on the curve, or an empty aggregation. */
export class InvalidBlsPointError extends Error {
  override name = 'InvalidBlsPointError';
}

/** keccak256 of the proof-of-possession type string: the domain tag of every PoP message. */
export const POP_TYPEHASH: Hex = keccak256(
  toHex('avs-stack.BN254.ProofOfPossession(address operator,uint256 chainId,address registry,uint256 pkX,uint256 pkY)'),
);

/**
 * Hash to G1 by try-and-increment, identical to `BN254.hashToG1`: x = message mod p, then x, x + 1, … until x³ + 3 is a
 * square; y = (x³ + 3)^((p+1)/4) mod p (the root as computed, not normalised).
 * @param message a 32-byte hash (0x-prefixed hex).
 */
export function hashToG1(message: Hex): G1Affine {
  const p = BN254_FP_ORDER;
  let x = BigInt(message) % p;
  for (;;) {
    const beta = (((x * x) % p) * x + 3n) % p;
    const y = modPow(beta, (p + 1n) / 4n, p);
    if ((y * y) % p === beta) return { x, y };
    x = (x + 1n) % p;
  }
}

/**
 * The message hash an operator's proof of possession signs: keccak256(abi.encode(POP_TYPEHASH, operator, chainId,
 * registry, pkX, pkY)). Binding the operator, the chain and the registry keeps a PoP from being replayed for another
 * operator, chain or registry; binding the key makes it a signature by that key over itself.
 */
export function popMessageHash(operator: Address, chainId: bigint, registry: Address, publicKeyG1: G1Affine): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint256' }],
      [POP_TYPEHASH, operator, chainId, registry, publicKeyG1.x, publicKeyG1.y],
    ),
  );
}

/** σ = sk·H(message) in G1: the BLS signature of a 32-byte message hash. */
export function blsSign(secret: bigint, message: Hex): G1Affine {
  const h = hashToG1(message);
  return toG1Affine(bn254.G1.Point.fromAffine(h).multiply(secret));
}

/** The proof of possession `keyPair` gives for registering as `operator` in `registry` on chain `chainId`. */
export function proofOfPossession(keyPair: BlsKeyPair, operator: Address, chainId: bigint, registry: Address): G1Affine {
  return blsSign(keyPair.secret, popMessageHash(operator, chainId, registry, keyPair.publicKeyG1));
}

/**
 * Sum of G1 points (signatures or G1 public keys).
 * @throws {InvalidBlsPointError} for an empty list or a point off the curve.
 */
export function aggregateG1(points: readonly G1Affine[]): G1Affine {
  if (points.length === 0) throw new InvalidBlsPointError('nothing to aggregate');
  let sum = bn254.G1.Point.ZERO;
  for (const point of points) sum = sum.add(g1Point(point));
  return toG1Affine(sum);
}

/**
 * Sum of G2 public keys (the signers' aggregate G2 key a signature check is given).
 * @throws {InvalidBlsPointError} for an empty list or a point off the curve.
 */
export function aggregateG2(points: readonly G2Affine[]): G2Affine {
  if (points.length === 0) throw new InvalidBlsPointError('nothing to aggregate');
  let sum = bn254.G2.Point.ZERO;
  for (const point of points) sum = sum.add(g2Point(point));
  const a = sum.toAffine();
  return { x: { c0: a.x.c0, c1: a.x.c1 }, y: { c0: a.y.c0, c1: a.y.c1 } };
}

/** Whether e(σ, G2) = e(H(message), publicKeyG2): σ is the signature of `message` by the key (or aggregate key). */
export function blsVerify(signature: G1Affine, message: Hex, publicKeyG2: G2Affine): boolean {
  const { Fp12 } = bn254.fields;
  const result = bn254.pairingBatch([
    { g1: g1Point(signature), g2: bn254.G2.Point.BASE.negate() },
    { g1: g1Point(hashToG1(message)), g2: g2Point(publicKeyG2) },
  ]);
  return Fp12.eql(result, Fp12.ONE);
}

/** A G2 point as the contracts' `BN254.G2Point` takes it: X = [c1, c0], Y = [c1, c0] (EIP-197 order). */
export function g2ToSolidity(point: G2Affine): { X: readonly [bigint, bigint]; Y: readonly [bigint, bigint] } {
  return { X: [point.x.c1, point.x.c0], Y: [point.y.c1, point.y.c0] };
}

function g1Point(point: G1Affine) {
  try {
    const p = bn254.G1.Point.fromAffine(point);
    p.assertValidity();
    return p;
  } catch {
    throw new InvalidBlsPointError('not a point on BN254 G1');
  }
}

function g2Point(point: G2Affine) {
  try {
    const p = bn254.G2.Point.fromAffine({ x: bn254.fields.Fp2.create(point.x), y: bn254.fields.Fp2.create(point.y) });
    p.assertValidity();
    return p;
  } catch {
    throw new InvalidBlsPointError('not a point of BN254 G2');
  }
}

function toG1Affine(point: ReturnType<typeof bn254.G1.Point.fromAffine>): G1Affine {
  if (point.is0()) return { x: 0n, y: 0n };
  const a = point.toAffine();
  return { x: a.x, y: a.y };
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/**
 * G1 keys sorted strictly ascending by key hash (keccak256(x ‖ y)), the order `BLSSignatureChecker` requires of the
 * non-signers it is given.
 * @throws {InvalidBlsPointError} when a key appears twice.
 */
export function sortByKeyHash(keys: readonly G1Affine[]): G1Affine[] {
  const withHash = keys.map((key) => ({ key, hash: BigInt(operatorIdOf(key)) }));
  withHash.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  for (let i = 1; i < withHash.length; i++) {
    if (withHash[i].hash === withHash[i - 1].hash) throw new InvalidBlsPointError('the same key appears twice');
  }
  return withHash.map((entry) => entry.key);
}

/** What `BLSSignatureChecker` is given besides the message hash (its `SignatureParams`). */
export type BlsSignatureParams = {
  /** Quorum number (uint8). */
  quorum: number;
  /** The epoch whose keys, weights and threshold apply. */
  referenceEpoch: number;
  /** G1 keys of the quorum's members at `referenceEpoch` that did not sign, in any order (sorted here). */
  nonSignerKeys: readonly G1Affine[];
  /** The signers' aggregate G2 key. */
  apkG2: G2Affine;
  /** The aggregate signature. */
  sigma: G1Affine;
};

const G1_TUPLE = { type: 'tuple', components: [{ name: 'X', type: 'uint256' }, { name: 'Y', type: 'uint256' }] } as const;
const SIGNATURE_PARAMS_ABI = [
  {
    type: 'tuple',
    components: [
      { name: 'quorum', type: 'uint8' },
      { name: 'referenceEpoch', type: 'uint32' },
      { name: 'nonSignerKeys', type: 'tuple[]', components: G1_TUPLE.components },
      { name: 'apkG2', type: 'tuple', components: [{ name: 'X', type: 'uint256[2]' }, { name: 'Y', type: 'uint256[2]' }] },
      { name: 'sigma', ...G1_TUPLE },
    ],
  },
] as const;

/**
 * `sigData` for `BLSSignatureChecker.isValidSignature`: abi.encode(SignatureParams), non-signers sorted by key hash.
 * @throws {InvalidBlsPointError} when a non-signer key appears twice.
 */
export function encodeBlsSignatureParams(params: BlsSignatureParams): Hex {
  const g1 = (p: G1Affine) => ({ X: p.x, Y: p.y });
  return encodeAbiParameters(SIGNATURE_PARAMS_ABI, [
    {
      quorum: params.quorum,
      referenceEpoch: params.referenceEpoch,
      nonSignerKeys: sortByKeyHash(params.nonSignerKeys).map(g1),
      apkG2: g2ToSolidity(params.apkG2),
      sigma: g1(params.sigma),
    },
  ]);
}
