/**
 * The deterministic operators of test/vectors/bls.json, shared by scripts/gen-bls-vectors.ts and the unit test that
 * recomputes the file: secret i = keccak256(abi.encode("avs-stack.bls.vector", i)) mod (r − 1) + 1, operator i =
 * address 0x10000 + i. The forge tests derive the same values.
 */
import { type Address, encodeAbiParameters, getAddress, keccak256, toHex } from 'viem';
import { BN254_FR_ORDER } from '../../src/core/crypto/bls.ts';

/** Operators in the vectors file (the largest gas measurement's operator count). */
export const BLS_VECTOR_OPERATOR_COUNT = 200;

/** The secret of vector operator `i`, in [1, r). */
export function blsVectorSecret(i: number): bigint {
  const h = keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'uint256' }], ['avs-stack.bls.vector', BigInt(i)]));
  return (BigInt(h) % (BN254_FR_ORDER - 1n)) + 1n;
}

/** The address of vector operator `i`: 0x10000 + i. */
export function blsVectorOperator(i: number): Address {
  return getAddress(toHex(0x10000 + i, { size: 20 }));
}

/** The gas measurements: operators 0 .. n − 1 registered, the first `nonSigners` of them not signing. */
export function blsBenchCases(): { operators: number; nonSigners: number }[] {
  const cases: { operators: number; nonSigners: number }[] = [];
  for (const n of [10, 50, 200]) {
    for (const percent of [0, 1, 10]) {
      cases.push({ operators: n, nonSigners: percent === 0 ? 0 : Math.max(1, Math.floor((n * percent) / 100)) });
    }
  }
  return cases;
}
