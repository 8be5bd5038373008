/**
 * One batch through the signature-verification worker module itself (no fallback to the calling thread), for the
 * tests that check the worker starts however TypeScript is loaded.
 */
import { once } from 'node:events';
import { hexToBytes, keccak256, toHex } from 'viem';
import { signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { startModuleWorker } from '../../src/core/workers/index.ts';
import { JOB_BYTES, type VerifyRequest, type VerifyResponse } from '../../src/runtime/signatures/verifyWorker.ts';

/** Sends a valid job and the same job over another digest to a fresh worker; resolves to its answer, `[1, 0]`. */
export async function verifyWorkerRoundTrip(): Promise<number[]> {
  const key = signingKeyFromPrivateKey(keccak256(toHex('worker key')));
  const digest = keccak256(toHex('worker message'));
  const signature = hexToBytes(signDigest(key, digest)).subarray(0, 64);
  const buffer = new ArrayBuffer(2 * JOB_BYTES);
  const bytes = new Uint8Array(buffer);
  for (const [i, d] of [digest, keccak256(digest)].entries()) {
    bytes.set(key.publicKey, i * JOB_BYTES);
    bytes.set(hexToBytes(d), i * JOB_BYTES + 65);
    bytes.set(signature, i * JOB_BYTES + 97);
  }
  const worker = startModuleWorker(new URL('../../src/runtime/signatures/verifyWorker.ts', import.meta.url), undefined);
  try {
    const request: VerifyRequest = { id: 7, buffer, count: 2 };
    worker.postMessage(request, [buffer]);
    const [response] = (await once(worker, 'message')) as [VerifyResponse];
    if (response.id !== 7) throw new Error(`answer to batch ${response.id}, expected 7`);
    return [...response.results];
  } finally {
    await worker.terminate();
  }
}
