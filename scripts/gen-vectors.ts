/**
 * Writes the shared test vectors that Solidity (forge) and TypeScript tests both check:
 * test/vectors/state-attestation.json and test/vectors/epochs.json. Run: `node --import tsx scripts/gen-vectors.ts`.
 * The files are committed; regenerate only when the message format or epoch rules change on purpose.
 */
import { writeFileSync } from 'node:fs';
import { type Address } from 'viem';
import {
  ATTESTATION_DOMAIN_NAME,
  ATTESTATION_DOMAIN_VERSION,
  type StateAttestation,
  attestationDigest,
  attestationStructHash,
  computeTaskId,
} from '../src/services/state-proofs/attestation.ts';
import { type EpochConfig, effectiveEpochAt, epochAt, epochInterval, isInGracePeriod } from '../src/core/epochs.ts';

const domain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const maxU = (bits: number) => (1n << BigInt(bits)) - 1n;

const attestations: StateAttestation[] = [
  { user: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', chainId: 31338n, blockNumber: 42n, timestamp: 1_700_000_000n, key: 1n, value: 1234n, exists: true, epoch: 3 },
  { user: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', chainId: 31338n, blockNumber: 42n, timestamp: 1_700_000_000n, key: 1n, value: 1235n, exists: true, epoch: 3 },
  { user: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', chainId: 31337n, blockNumber: 7n, timestamp: 1_700_000_123n, key: 99n, value: 0n, exists: false, epoch: 0 },
  { user: '0x0000000000000000000000000000000000000000', chainId: 0n, blockNumber: 0n, timestamp: 0n, key: 0n, value: 0n, exists: false, epoch: 0 },
  { user: '0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF', chainId: maxU(256), blockNumber: maxU(64), timestamp: maxU(48), key: maxU(256), value: maxU(256), exists: true, epoch: Number(maxU(32)) },
  { user: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', chainId: 1n, blockNumber: 21_000_000n, timestamp: 1_730_000_000n, key: 0x1234_5678n, value: 10n ** 18n, exists: true, epoch: 1_024 },
];

const stateVectors = {
  domain: { name: ATTESTATION_DOMAIN_NAME, version: ATTESTATION_DOMAIN_VERSION, ...domain },
  cases: attestations.map((a) => ({
    attestation: {
      user: a.user,
      chainId: a.chainId.toString(),
      blockNumber: a.blockNumber.toString(),
      timestamp: a.timestamp.toString(),
      key: a.key.toString(),
      value: a.value.toString(),
      exists: a.exists,
      epoch: a.epoch,
    },
    structHash: attestationStructHash(a),
    digest: attestationDigest(domain, a),
    taskId: computeTaskId(a),
  })),
};

const configs: EpochConfig[] = [
  { genesis: 1_700_000_000n, length: 7n * 86_400n, grace: 86_400n },
  { genesis: 1_000n, length: 120n, grace: 20n },
  { genesis: 0n, length: 10n, grace: 0n },
  { genesis: 5n, length: 3n, grace: 2n },
];

const epochVectors = {
  configs: configs.map((c) => {
    const times = new Set<bigint>();
    for (const e of [0, 1, 2, 41]) {
      const { start, graceStart, end } = epochInterval(c, e);
      for (const t of [start, start + 1n, graceStart - 1n, graceStart, end - 1n]) if (t >= c.genesis) times.add(t);
    }
    return {
      genesis: c.genesis.toString(),
      length: c.length.toString(),
      grace: c.grace.toString(),
      cases: [...times].sort((a, b) => (a < b ? -1 : 1)).map((t) => ({
        t: t.toString(),
        epoch: epochAt(c, t),
        inGrace: isInGracePeriod(c, t),
        effectiveEpoch: effectiveEpochAt(c, t),
      })),
    };
  }),
};

const dir = new URL('../test/vectors', import.meta.url);
writeFileSync(new URL('state-attestation.json', dir), JSON.stringify(stateVectors, null, 2) + '\n');
writeFileSync(new URL('epochs.json', dir), JSON.stringify(epochVectors, null, 2) + '\n');
console.log('wrote test/vectors/state-attestation.json and test/vectors/epochs.json');
