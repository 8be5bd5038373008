/**
 * The operators' BLS signatures over a state header's digest, as MultiProverServiceManager.confirmState takes them:
 * per quorum of the header, the G1 keys of the signers counted in it (strictly ascending by key hash), the sum of their
 * G2 keys and the sum of their signatures, an operator in two quorums counted twice in both sums. Also the checks the
 * aggregator runs on operators' answers: one signature ({@link verifyBlsSignature}, one two-pair pairing) or many at
 * once ({@link batchVerifyBlsSignatures}, one pairing plus two multi-scalar multiplications).
 *
 * Measured with @noble/curves on this project's 2-core machine: one pairing check 25–30 ms; the batch check of 10 / 50
 * / 100 signatures 76 / 204 / 256 ms against 0.29 / 1.0 / 3.1 s one by one; aggregating 100 signers in two quorums,
 * with its final check, 51 ms. A G2 key's first use adds its subgroup check (about 4 ms; cached after).
 */
import { bn254 } from '@noble/curves/bn254.js';
import { type Hex, bytesToHex, encodeAbiParameters, keccak256 } from 'viem';
import { BN254_FR_ORDER, type G1Affine, type G2Affine, operatorIdOf } from '../../core/crypto/bls.ts';
import { type G2Point, g1Point, g2Point, pairsToOne } from '../../core/crypto/bls-batch.ts';
import { hashToG1 } from '../../core/crypto/bls-signing.ts';
import { decodeQuorumNumbers } from './digest.ts';

/** confirmState's signature argument (Solidity `StateSignature`), in affine coordinates. */
export type StateSignature = {
  /** signerKeys[i]: the G1 keys of the signers counted in quorum header.quorumNumbers[i], strictly ascending by key hash. */
  signerKeys: G1Affine[][];
  /** Σ over quorums Σ over their signers of the signer's G2 key (an operator in k quorums counted k times). */
  apkG2: G2Affine;
  /** Σ over quorums Σ over their signers of the signer's signature σ = sk·hashToG1(digest), with the same multiplicity. */
  sigma: G1Affine;
};

/** One operator's answer as the aggregator holds it: its keys (from the registry), its quorums and its signature. */
export type StateSigner = {
  /** The quorums (uint8) the operator counts in; those not in the header's quorumNumbers are ignored. */
  quorums: readonly number[];
  /** The operator's G1 key (the registry's; its hash is the operator id). */
  keyG1: G1Affine;
  /** The operator's G2 key (sk·G2 for the same sk). */
  keyG2: G2Affine;
  /** The operator's signature of the digest, σ = sk·hashToG1(digest). */
  sigma: G1Affine;
};

/** Signers that cannot be aggregated: duplicate quorums or keys, nobody in any quorum, or a result that does not verify. */
export class StateSignatureError extends Error {
  override name = 'StateSignatureError';
}

/** Options of {@link aggregateStateSignature}. */
export type AggregateOptions = {
  /** Check the result with {@link verifyStateSignature} (one pairing, about 30 ms) before returning it; default true. */
  verify?: boolean;
};

/**
 * The StateSignature of `signers` for a header with `quorumNumbers` whose EIP-712 digest is `digest`.
 * @param quorumNumbers the header's quorumNumbers: bytes, or the quorums (uint8) in the header's order.
 * @throws {StateSignatureError} when a quorum or a signer's key appears twice, when no signer counts in any quorum, or
 *   (with `verify`, the default) when the aggregate fails the contract's check: some σ, or some G1/G2 key pair, is wrong.
 */
export function aggregateStateSignature(
  digest: Hex,
  quorumNumbers: Hex | readonly number[],
  signers: readonly StateSigner[],
  options: AggregateOptions = {},
): StateSignature {
  const quorums = typeof quorumNumbers === 'string' ? decodeQuorumNumbers(quorumNumbers) : [...quorumNumbers];
  if (new Set(quorums).size !== quorums.length) throw new StateSignatureError(`quorum numbers ${quorums.join(', ')} repeat a quorum`);
  const ranked = signers.map((signer) => ({ signer, hash: BigInt(operatorIdOf(signer.keyG1)) }));
  ranked.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  for (let i = 1; i < ranked.length; i++) {
    if (ranked[i].hash === ranked[i - 1].hash) throw new StateSignatureError(`signer key ${operatorIdOf(ranked[i].signer.keyG1)} appears twice`);
  }
  let apkG2 = bn254.G2.Point.ZERO;
  let sigma = bn254.G1.Point.ZERO;
  const signerKeys = quorums.map((quorum) => {
    const counted = ranked.filter((r) => r.signer.quorums.includes(quorum)).map((r) => r.signer);
    for (const signer of counted) {
      apkG2 = apkG2.add(g2Point(signer.keyG2));
      sigma = sigma.add(g1Point(signer.sigma));
    }
    return counted.map((signer) => ({ x: signer.keyG1.x, y: signer.keyG1.y }));
  });
  if (signerKeys.every((keys) => keys.length === 0)) throw new StateSignatureError('no signer counts in any of the quorums');
  const signature = { signerKeys, apkG2: g2Affine(apkG2), sigma: g1Affine(sigma) };
  if (options.verify !== false && !verifyStateSignature(digest, signature)) {
    throw new StateSignatureError('the aggregate signature does not verify: screen the signers with verifyBlsSignature');
  }
  return signature;
}

/**
 * The contract's check of a StateSignature (BN254.verifyBLS with apk₁ = Σ signerKeys, multiplicity included):
 * e(σ + γ·apk₁, −G2) · e(H + γ·G1, apk₂) = 1, H = hashToG1(digest), γ = keccak256(abi.encode(digest, apk₁, apk₂, σ))
 * mod r. Thresholds and membership are the contract's business; this checks the signatures and the G1/G2 keys agree.
 * @returns false (never throws) for points off the curve or an empty signer set.
 */
export function verifyStateSignature(digest: Hex, signature: StateSignature): boolean {
  try {
    let apkG1 = bn254.G1.Point.ZERO;
    for (const keys of signature.signerKeys) for (const key of keys) apkG1 = apkG1.add(g1Point(key));
    if (apkG1.is0()) return false;
    const keyG1 = g1Affine(apkG1);
    const { apkG2, sigma } = signature;
    const gamma =
      BigInt(
        keccak256(
          encodeAbiParameters(Array(9).fill({ type: 'uint256' }), [
            BigInt(digest), keyG1.x, keyG1.y, apkG2.x.c1, apkG2.x.c0, apkG2.y.c1, apkG2.y.c0, sigma.x, sigma.y,
          ]),
        ),
      ) % BN254_FR_ORDER;
    const left = g1Point(sigma).add(apkG1.multiplyUnsafe(gamma));
    const right = g1Point(hashToG1(digest)).add(bn254.G1.Point.BASE.multiplyUnsafe(gamma));
    return pairsToOne([
      { g1: left, g2: bn254.G2.Point.BASE.negate() },
      { g1: right, g2: g2Point(apkG2) },
    ]);
  } catch {
    return false;
  }
}

/** The Solidity tuple of a G1 point (`BN254.G1Point`). */
export type SolidityG1 = { X: bigint; Y: bigint };
/** The Solidity tuple of a G2 point (`BN254.G2Point`): X = [x.c1, x.c0], Y = [y.c1, y.c0] (EIP-197 order). */
export type SolidityG2 = { X: readonly [bigint, bigint]; Y: readonly [bigint, bigint] };
/** confirmState's `StateSignature` argument as viem takes it. */
export type StateSignatureArgs = { signerKeys: SolidityG1[][]; apkG2: SolidityG2; sigma: SolidityG1 };

/** The ABI parameter of `StateSignature {G1Point[][] signerKeys; G2Point apkG2; G1Point sigma}`. */
export const STATE_SIGNATURE_ABI_PARAMETER = {
  type: 'tuple',
  name: 'signature',
  components: [
    { name: 'signerKeys', type: 'tuple[][]', components: [{ name: 'X', type: 'uint256' }, { name: 'Y', type: 'uint256' }] },
    { name: 'apkG2', type: 'tuple', components: [{ name: 'X', type: 'uint256[2]' }, { name: 'Y', type: 'uint256[2]' }] },
    { name: 'sigma', type: 'tuple', components: [{ name: 'X', type: 'uint256' }, { name: 'Y', type: 'uint256' }] },
  ],
} as const;

/** `signature` in the shape viem's writeContract takes for confirmState's `StateSignature` argument. */
export function stateSignatureArgs(signature: StateSignature): StateSignatureArgs {
  const g1 = (p: G1Affine): SolidityG1 => ({ X: p.x, Y: p.y });
  const { apkG2 } = signature;
  return {
    signerKeys: signature.signerKeys.map((keys) => keys.map(g1)),
    apkG2: { X: [apkG2.x.c1, apkG2.x.c0], Y: [apkG2.y.c1, apkG2.y.c0] },
    sigma: g1(signature.sigma),
  };
}

/** abi.encode(StateSignature): the bytes a contract's abi.decode(data, (StateSignature)) reads. */
export function encodeStateSignature(signature: StateSignature): Hex {
  return encodeAbiParameters([STATE_SIGNATURE_ABI_PARAMETER], [stateSignatureArgs(signature)]);
}

function g1Affine(point: ReturnType<typeof bn254.G1.Point.fromAffine>): G1Affine {
  if (point.is0()) return { x: 0n, y: 0n };
  const a = point.toAffine();
  return { x: a.x, y: a.y };
}

function g2Affine(point: G2Point): G2Affine {
  if (point.is0()) return { x: { c0: 0n, c1: 0n }, y: { c0: 0n, c1: 0n } };
  const a = point.toAffine();
  return { x: { c0: a.x.c0, c1: a.x.c1 }, y: { c0: a.y.c0, c1: a.y.c1 } };
}
