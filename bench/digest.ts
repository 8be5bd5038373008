/**
 * Hashes per second on the digest hot path (`src/services/state-proofs/digest.ts`), which the aggregator runs for every request
 * and answer and each operator node for every task:
 *
 * - `digest`: a StateAttestation EIP-712 digest from {@link createAttestationDigester} (keccak256 of the 288-byte
 *   struct, then of the 66-byte `0x1901 ‖ domainSeparator ‖ structHash`);
 * - `taskId`: {@link fastTaskId} (keccak256 of 98 packed bytes);
 * - the bare keccak256 of those inputs with each library at hand: `@noble/hashes` (pure JavaScript; viem's) and
 *   hash-wasm (WebAssembly, one reused hasher; what digest.ts uses, through `core/crypto/keccak.ts`).
 *
 * Inputs vary per call (the counter is written into the hashed bytes), so no layer can reuse a result. Each figure is
 * the best of several timed rounds after a warm-up, as ops/s.
 */
import { performance } from 'node:perf_hooks';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256Bytes } from '../src/core/crypto/keccak.ts';
import type { StateAttestation, StateQuery } from '../src/services/state-proofs/attestation.ts';
import { createAttestationDigester, fastTaskId } from '../src/services/state-proofs/digest.ts';

/** ops/s of each workload. */
export type DigestResult = {
  /** {@link createAttestationDigester}'s digester, end to end. */
  digest: number;
  /** {@link fastTaskId}, end to end. */
  taskId: number;
  /** keccak256 of the digest's two inputs (288 + 66 bytes) and of the task id's (98 bytes), per library. */
  keccak: Record<string, { digestInputs: number; taskIdInput: number }>;
};

/** Options of {@link measureDigest}. */
export type DigestOptions = { rounds?: number; roundMs?: number };

type Keccak256 = (data: Uint8Array) => Uint8Array;

/** Measures every workload. */
export function measureDigest(options: DigestOptions = {}): DigestResult {
  const rounds = options.rounds ?? 5;
  const roundMs = options.roundMs ?? 400;
  const rate = (run: (i: number) => unknown) => opsPerSecond(run, rounds, roundMs);

  const digester = createAttestationDigester({ chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' });
  const attestation: StateAttestation = {
    user: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    chainId: 31338n,
    blockNumber: 42n,
    timestamp: 1_700_000_000n,
    key: 1n,
    value: 1234n,
    exists: true,
    epoch: 3,
  };
  const query: StateQuery = { user: attestation.user, chainId: 31338n, blockNumber: 42n, timestamp: 1_700_000_000n, key: 1n };

  const keccak: DigestResult['keccak'] = {};
  for (const [name, hash] of libraries()) {
    const struct = new Uint8Array(288);
    const prefix = new Uint8Array(66);
    const packed = new Uint8Array(98);
    keccak[name] = {
      digestInputs: rate((i) => {
        struct[287] = i;
        prefix.set(hash(struct), 34);
        return hash(prefix);
      }),
      taskIdInput: rate((i) => {
        packed[97] = i;
        return hash(packed);
      }),
    };
  }
  return {
    digest: rate((i) => digester({ ...attestation, key: BigInt(i) })),
    taskId: rate((i) => fastTaskId({ ...query, key: BigInt(i) })),
    keccak,
  };
}

/** The keccak256 implementations compared. */
function libraries(): [string, Keccak256][] {
  return [
    ['@noble/hashes', keccak_256],
    ['hash-wasm', keccak256Bytes],
  ];
}

/** Best ops/s over `rounds` rounds of about `roundMs` each, after one warm-up round. */
function opsPerSecond(run: (i: number) => unknown, rounds: number, roundMs: number): number {
  let best = 0;
  let sink = 0;
  for (let r = 0; r <= rounds; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let k = 0; k < 256; k++) if (run(n++ & 0xff)) sink++;
      elapsed = performance.now() - start;
    }
    if (r > 0) best = Math.max(best, Math.round((n / elapsed) * 1000));
  }
  if (sink < 0) console.log(sink);
  return best;
}
