/**
 * Writes test/vectors/multi-prover.json, the multi-prover vectors that Solidity (forge) and TypeScript tests both
 * check: the EIP-712 domain, several StateHeaders with their struct hashes and digests (block-state headers with their
 * metadata and state decoded), and one aggregated StateSignature: operators 0, 1 and 2 of test/vectors/bls.json
 * (same deterministic secrets) sign a two-quorum header, operator 1 counted in both quorums, and operator 3 (in a
 * quorum the header does not name) signs but is not counted.
 * Run: `node --import tsx scripts/gen-multi-prover-vectors.ts`. The file is committed; regenerate only on purpose.
 */
import { writeFileSync } from 'node:fs';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { type G1Affine, type G2Affine, blsKeyPairFromSecret } from '../src/core/crypto/bls.ts';
import { aggregateG1, blsSign } from '../src/core/crypto/bls-signing.ts';
import {
  type MultiProverDomain,
  type StateHeader,
  MULTI_PROVER_DOMAIN_NAME,
  MULTI_PROVER_DOMAIN_VERSION,
  STATE_HEADER_TYPE,
  STATE_HEADER_TYPEHASH,
  blockMetadata,
  blockState,
  decodeBlockMetadata,
  decodeBlockState,
  encodeQuorumNumbers,
  multiProverDomainSeparator,
  stateHeaderDigest,
  stateHeaderStructHash,
} from '../src/services/multi-prover/digest.ts';
import { aggregateStateSignature, encodeStateSignature } from '../src/services/multi-prover/signature.ts';
import { blsVectorSecret } from '../test/helpers/bls-vectors.ts';

const g1 = (p: G1Affine) => ({ x: p.x.toString(), y: p.y.toString() });
const g2 = (p: G2Affine) => ({ x: [p.x.c1.toString(), p.x.c0.toString()], y: [p.y.c1.toString(), p.y.c0.toString()] });

const domain: MultiProverDomain = { chainId: 31337n, verifyingContract: '0x00000000000000000000000000000000000a1b2c' as Address };

/** Headers: block-state ones (with the block decoded) and edge cases of each field. */
const headers: { note: string; header: StateHeader; block?: boolean }[] = [
  {
    note: 'block state of chain 31338, block 1234, quorum 0',
    header: {
      committeeId: 1n,
      metadata: blockMetadata(31338n, 1234n),
      state: blockState(keccak256(toHex('block 1234')), keccak256(toHex('state root 1234'))),
      quorumNumbers: encodeQuorumNumbers([0]),
      referenceEpoch: 7,
    },
    block: true,
  },
  {
    note: 'block state, two quorums (the signature case below), largest uint64 block number',
    header: {
      committeeId: 42n,
      metadata: blockMetadata(1n, (1n << 64n) - 1n),
      state: blockState(keccak256(toHex('block max')), keccak256(toHex('state root max'))),
      quorumNumbers: encodeQuorumNumbers([0, 1]),
      referenceEpoch: 12,
    },
    block: true,
  },
  {
    note: 'empty metadata, state and quorums; zero committee and epoch',
    header: { committeeId: 0n, metadata: '0x', state: '0x', quorumNumbers: '0x', referenceEpoch: 0 },
  },
  {
    note: 'largest committee id and epoch, odd-length bytes, quorums 3, 1, 255',
    header: {
      committeeId: (1n << 256n) - 1n,
      metadata: '0x01',
      state: toHex(new Uint8Array(100).map((_, i) => i)),
      quorumNumbers: encodeQuorumNumbers([3, 1, 255]),
      referenceEpoch: 0xffff_ffff,
    },
  },
];

const jsonHeader = (h: StateHeader) => ({
  committeeId: h.committeeId.toString(),
  metadata: h.metadata,
  state: h.state,
  quorumNumbers: h.quorumNumbers,
  referenceEpoch: h.referenceEpoch,
});

// The signature case: header 1 (quorums 0 and 1). Operator 1 is in both, 0 only in quorum 0, 2 only in quorum 1,
// 3 only in quorum 2 (not the header's, so not counted).
const signatureHeader = headers[1].header;
const digest: Hex = stateHeaderDigest(signatureHeader, domain);
const membership: { operator: number; quorums: number[] }[] = [
  { operator: 0, quorums: [0] },
  { operator: 1, quorums: [0, 1] },
  { operator: 2, quorums: [1] },
  { operator: 3, quorums: [2] },
];
const signers = membership.map(({ operator, quorums }) => {
  const key = blsKeyPairFromSecret(blsVectorSecret(operator));
  return { operator, quorums, key, sigma: blsSign(key.secret, digest) };
});
const signature = aggregateStateSignature(
  digest,
  signatureHeader.quorumNumbers,
  signers.map((s) => ({ quorums: s.quorums, keyG1: s.key.publicKeyG1, keyG2: s.key.publicKeyG2, sigma: s.sigma })),
);

const vectors = {
  domain: {
    name: MULTI_PROVER_DOMAIN_NAME,
    version: MULTI_PROVER_DOMAIN_VERSION,
    chainId: domain.chainId.toString(),
    verifyingContract: domain.verifyingContract,
    separator: multiProverDomainSeparator(domain),
  },
  typeString: STATE_HEADER_TYPE,
  typeHash: STATE_HEADER_TYPEHASH,
  headers: headers.map(({ note, header, block }) => ({
    note,
    header: jsonHeader(header),
    structHash: stateHeaderStructHash(header),
    digest: stateHeaderDigest(header, domain),
    ...(block
      ? {
          block: (() => {
            const m = decodeBlockMetadata(header.metadata);
            return { chainId: m.chainId.toString(), blockNumber: m.blockNumber.toString(), ...decodeBlockState(header.state) };
          })(),
        }
      : {}),
  })),
  signature: {
    headerIndex: 1,
    digest,
    signers: signers.map((s) => ({
      operator: s.operator,
      quorums: s.quorums,
      secret: s.key.secret.toString(),
      publicKeyG1: g1(s.key.publicKeyG1),
      publicKeyG2: g2(s.key.publicKeyG2),
      sigma: g1(s.sigma),
    })),
    signerKeys: signature.signerKeys.map((keys) => keys.map(g1)),
    // What the contract computes from signerKeys: Σ over quorums of Σ keys, operator 1 counted twice.
    apkG1: g1(aggregateG1(signature.signerKeys.flat())),
    apkG2: g2(signature.apkG2),
    sigma: g1(signature.sigma),
    encoded: encodeStateSignature(signature),
  },
};

writeFileSync(new URL('../test/vectors/multi-prover.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
