/**
 * The signature-verification worker thread of {@link startWorkerVerifier} (`./verifier.ts`): libsecp256k1 (the
 * `secp256k1` addon, as `core/crypto/ecdsa.ts` uses it) over batches laid out as {@link JOB_BYTES}-byte jobs.
 */
import type { MessagePort } from 'node:worker_threads';
import secp from 'secp256k1';
import type { WorkerMain } from '../../core/workers/index.ts';

/** Bytes per job in a batch buffer: uncompressed public key (65), digest (32), r‖s (64). */
export const JOB_BYTES = 65 + 32 + 64;

/** A batch sent to the worker: `count` jobs in `buffer` (transferred). */
export type VerifyRequest = { id: number; buffer: ArrayBuffer; count: number };

/** The worker's answer to the batch `id`: `results[i]` is 1 when job i verifies, else 0 (its buffer is transferred). */
export type VerifyResponse = { id: number; results: Uint8Array<ArrayBuffer> };

/**
 * Verifies the `count` jobs of `bytes`. A job that does not parse (e.g. the all-zero job the caller writes for a
 * malformed signature: the zero public key does not parse) does not verify. libsecp256k1 accepts only low-s signatures.
 */
export function verifyBatch(bytes: Uint8Array, count: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * JOB_BYTES;
    try {
      out[i] = secp.ecdsaVerify(bytes.subarray(o + 97, o + 161), bytes.subarray(o + 65, o + 97), bytes.subarray(o, o + 65)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  return out;
}

/** The worker's main: answers every {@link VerifyRequest} on `port`. */
export const runWorker: WorkerMain<undefined> = (_data: undefined, port: MessagePort) => {
  port.on('message', ({ id, buffer, count }: VerifyRequest) => {
    const results = verifyBatch(new Uint8Array(buffer), count);
    const response: VerifyResponse = { id, results };
    port.postMessage(response, [results.buffer]);
  });
};
