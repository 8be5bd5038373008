/**
 * Signature verification off the aggregator's event loop (aggregator-0002, "Cost"): verifying is the largest single
 * cost per answer, and done inline it blocks HTTP requests and database writes for milliseconds per message. A
 * {@link SignatureVerifier} runs libsecp256k1 (the `secp256k1` addon, as `core/crypto/ecdsa.ts` does) in one worker
 * thread (`./verifyWorker.ts`); batches are answered in the order they were submitted.
 *
 * The worker checks exactly what {@link verifyDigest} checks: the caller passes only 65-byte signatures with v in
 * {27, 28} (see {@link verifiableSignature}), and libsecp256k1 accepts only low-s signatures. If the worker fails, the
 * batches it held and every later one are verified on the calling thread instead, so an answer is never lost or
 * accepted unverified.
 */
import type { Worker } from 'node:worker_threads';
import { type Hex, hexToBytes } from 'viem';
import { verifyDigest } from '../../core/crypto/ecdsa.ts';
import { type Logger, silentLogger } from '../../core/logging.ts';
import { startModuleWorker } from '../../core/workers/index.ts';
import { JOB_BYTES, type VerifyRequest, type VerifyResponse } from './verifyWorker.ts';

/** One verification: uncompressed public key (65 bytes), digest (32 bytes hex), signature (65 bytes hex). */
export type VerifyJob = { publicKey: Uint8Array; digest: Hex; signature: Hex };

/** Verifies batches of signatures; results are in input order. */
export type SignatureVerifier = {
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]>;
  /** Stops the worker; later batches are verified on the calling thread. */
  close(): Promise<void>;
};

/** The 65 signature bytes when they have the shape {@link verifyDigest} accepts (v in {27, 28}), else undefined. */
export function verifiableSignature(signature: Hex): Uint8Array | undefined {
  if (typeof signature !== 'string' || signature.length !== 132) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(signature);
  } catch {
    return undefined;
  }
  return bytes.length === 65 && (bytes[64] === 27 || bytes[64] === 28) ? bytes : undefined;
}

/** Verifies on the calling thread (tests, and the fallback when no worker runs). */
export const inlineVerifier: SignatureVerifier = {
  async verify(jobs) {
    return jobs.map((j) => verifyDigest(j.publicKey, j.digest, j.signature));
  },
  async close() {},
};

/**
 * Starts a verification worker thread. The worker does not keep the process alive.
 * @throws when the worker cannot be started (the caller may use {@link inlineVerifier}).
 */
export function startWorkerVerifier(options: { logger?: Logger } = {}): SignatureVerifier {
  const log = options.logger ?? silentLogger();
  let worker: Worker | undefined = startModuleWorker(new URL('./verifyWorker.ts', import.meta.url), undefined);
  worker.unref();
  let nextId = 0;
  const pending = new Map<number, { jobs: readonly VerifyJob[]; resolve: (r: boolean[]) => void }>();

  const fallBack = (reason: string) => {
    if (!worker) return;
    log.error({ reason, batches: pending.size }, 'signature verification worker failed; verifying on the main thread');
    worker = undefined;
    for (const { jobs, resolve } of pending.values()) resolve(jobs.map((j) => verifyDigest(j.publicKey, j.digest, j.signature)));
    pending.clear();
  };
  worker.on('message', (message: VerifyResponse) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    const results = new Array<boolean>(entry.jobs.length);
    for (let i = 0; i < results.length; i++) results[i] = message.results[i] === 1;
    entry.resolve(results);
  });
  worker.on('error', (error) => fallBack(error.message));
  worker.on('exit', (code) => fallBack(`exited with code ${code}`));

  return {
    verify(jobs) {
      if (jobs.length === 0) return Promise.resolve([]);
      if (!worker) return inlineVerifier.verify(jobs);
      const buffer = new ArrayBuffer(jobs.length * JOB_BYTES);
      const bytes = new Uint8Array(buffer);
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i];
        const o = i * JOB_BYTES;
        const signature = verifiableSignature(job.signature);
        if (!signature || job.publicKey.length !== 65) {
          // Malformed: leave zeros, which never verify (the zero public key does not parse).
          continue;
        }
        bytes.set(job.publicKey, o);
        bytes.set(hexToBytes(job.digest), o + 65);
        bytes.set(signature.subarray(0, 64), o + 97);
      }
      const id = nextId++;
      const active = worker;
      return new Promise<boolean[]>((resolve) => {
        pending.set(id, { jobs, resolve });
        const request: VerifyRequest = { id, buffer, count: jobs.length };
        active.postMessage(request, [buffer]);
      });
    },
    async close() {
      const active = worker;
      worker = undefined;
      for (const { jobs, resolve } of pending.values()) resolve(jobs.map((j) => verifyDigest(j.publicKey, j.digest, j.signature)));
      pending.clear();
      await active?.terminate();
    },
  };
}
