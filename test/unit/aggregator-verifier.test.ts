import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Hex, keccak256, toHex } from 'viem';
import { signDigest, signingKeyFromPrivateKey, verifyDigest } from '../../src/core/crypto/ecdsa.ts';
import { type VerifyJob, inlineVerifier, startWorkerVerifier } from '../../src/runtime/signatures/verifier.ts';

const N = (1n << 256n) - 0x14551231950b75fc4402da1732fc9bebfn; // secp256k1 group order
const key = signingKeyFromPrivateKey(keccak256(toHex('verifier key')));
const other = signingKeyFromPrivateKey(keccak256(toHex('other key')));

/** Valid, wrong key, tampered digest, high s, bad v, short, non-hex: the worker must agree with verifyDigest on each. */
function jobs(seed: number): VerifyJob[] {
  const digest = keccak256(toHex(`message ${seed}`));
  const signature = signDigest(key, digest);
  const r = signature.slice(0, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  const highS = `${r}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
  return [
    { publicKey: key.publicKey, digest, signature },
    { publicKey: other.publicKey, digest, signature },
    { publicKey: key.publicKey, digest: keccak256(digest), signature },
    { publicKey: key.publicKey, digest, signature: highS },
    { publicKey: key.publicKey, digest, signature: `${signature.slice(0, 130)}1d` as Hex },
    { publicKey: key.publicKey, digest, signature: '0x1234' },
    { publicKey: key.publicKey, digest, signature: `0x${'zz'.repeat(65)}` as Hex },
  ];
}

it('the worker verifier agrees with verifyDigest, batch by batch and in order', async () => {
  const verifier = startWorkerVerifier();
  try {
    const batches = Array.from({ length: 20 }, (_, i) => jobs(i));
    const results = await Promise.all(batches.map((b) => verifier.verify(b)));
    for (const [i, batch] of batches.entries()) {
      assert.deepEqual(results[i], batch.map((j) => verifyDigest(j.publicKey, j.digest, j.signature)));
      assert.deepEqual(results[i], [true, false, false, false, false, false, false]);
    }
    assert.deepEqual(await verifier.verify([]), []);
  } finally {
    await verifier.close();
  }
});

it('verifies on the calling thread once closed, and inline', async () => {
  const verifier = startWorkerVerifier();
  await verifier.close();
  assert.deepEqual(await verifier.verify(jobs(1)), [true, false, false, false, false, false, false]);
  assert.deepEqual(await inlineVerifier.verify(jobs(2)), [true, false, false, false, false, false, false]);
});
