/**
 * The multi-prover's StateHeader digest and block-state encodings against test/vectors/multi-prover.json (which the
 * forge tests read too): the EIP-712 digest recomputed here by hand from its definition, the block metadata and state
 * round trips and their refusals, and the aggregated StateSignature case recomputed from the operators' secrets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Address, type Hex, concat, encodeAbiParameters, keccak256, toHex } from 'viem';
import { type G1Affine, type G2Affine, blsKeyPairFromSecret } from '../../src/core/crypto/bls.ts';
import { aggregateG1, blsSign } from '../../src/core/crypto/bls-signing.ts';
import {
  type StateHeader,
  StateHeaderEncodingError,
  blockMetadata,
  blockState,
  decodeBlockMetadata,
  decodeBlockState,
  decodeQuorumNumbers,
  encodeQuorumNumbers,
  multiProverDomainSeparator,
  stateHeaderDigest,
  stateHeaderStructHash,
} from '../../src/services/multi-prover/digest.ts';
import { aggregateStateSignature, encodeStateSignature, verifyStateSignature } from '../../src/services/multi-prover/signature.ts';
import { blsVectorSecret } from '../helpers/bls-vectors.ts';

/** The same file the forge tests read. */
const vectors = JSON.parse(readFileSync(new URL('../vectors/multi-prover.json', import.meta.url), 'utf8'));

type JsonG1 = { x: string; y: string };
type JsonG2 = { x: [string, string]; y: [string, string] };
type JsonHeader = { committeeId: string; metadata: Hex; state: Hex; quorumNumbers: Hex; referenceEpoch: number };
const g1 = (p: JsonG1): G1Affine => ({ x: BigInt(p.x), y: BigInt(p.y) });
const g2 = (p: JsonG2): G2Affine => ({ x: { c1: BigInt(p.x[0]), c0: BigInt(p.x[1]) }, y: { c1: BigInt(p.y[0]), c0: BigInt(p.y[1]) } });
const header = (h: JsonHeader): StateHeader => ({ ...h, committeeId: BigInt(h.committeeId) });
const domain = { chainId: BigInt(vectors.domain.chainId), verifyingContract: vectors.domain.verifyingContract as Address };

/** EIP-712 by hand, from the type string: the independent reference for viem's typed-data hashing. */
function manualDigest(h: StateHeader, d: { chainId: bigint; verifyingContract: Address }): { separator: Hex; structHash: Hex; digest: Hex } {
  const word = (type: string) => ({ type });
  const separator = keccak256(
    encodeAbiParameters([word('bytes32'), word('bytes32'), word('bytes32'), word('uint256'), word('address')], [
      keccak256(toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')),
      keccak256(toHex('avs-stack multi-prover')),
      keccak256(toHex('1')),
      d.chainId,
      d.verifyingContract,
    ]),
  );
  const structHash = keccak256(
    encodeAbiParameters([word('bytes32'), word('uint256'), word('bytes32'), word('bytes32'), word('bytes32'), word('uint32')], [
      keccak256(toHex('StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)')),
      h.committeeId,
      keccak256(h.metadata),
      keccak256(h.state),
      keccak256(h.quorumNumbers),
      h.referenceEpoch,
    ]),
  );
  return { separator, structHash, digest: keccak256(concat(['0x1901', separator, structHash])) };
}

describe('multi-prover StateHeader digest against test/vectors/multi-prover.json (shared with forge)', () => {
  it('the domain and the type hash are the ones the contract declares', () => {
    assert.equal(vectors.domain.name, 'avs-stack multi-prover');
    assert.equal(vectors.domain.version, '1');
    assert.equal(vectors.typeString, 'StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)');
    assert.equal(vectors.typeHash, keccak256(toHex(vectors.typeString)));
    assert.equal(multiProverDomainSeparator(domain), vectors.domain.separator);
  });

  it('every header: struct hash and digest equal the file and EIP-712 computed by hand', () => {
    assert.ok(vectors.headers.length >= 4);
    for (const v of vectors.headers as { note: string; header: JsonHeader; structHash: Hex; digest: Hex }[]) {
      const h = header(v.header);
      const manual = manualDigest(h, domain);
      assert.equal(manual.separator, vectors.domain.separator, v.note);
      assert.equal(stateHeaderStructHash(h), v.structHash, v.note);
      assert.equal(manual.structHash, v.structHash, v.note);
      assert.equal(stateHeaderDigest(h, domain), v.digest, v.note);
      assert.equal(manual.digest, v.digest, v.note);
    }
  });

  it('the digest changes with every header field and with the domain', () => {
    const base = header(vectors.headers[0].header);
    const digest = stateHeaderDigest(base, domain);
    const variants: StateHeader[] = [
      { ...base, committeeId: base.committeeId + 1n },
      { ...base, metadata: blockMetadata(31338n, 1235n) },
      { ...base, state: blockState(keccak256('0x01'), keccak256('0x02')) },
      { ...base, quorumNumbers: '0x01' },
      { ...base, quorumNumbers: '0x0000' },
      { ...base, referenceEpoch: base.referenceEpoch + 1 },
    ];
    const seen = new Set([digest]);
    for (const v of variants) seen.add(stateHeaderDigest(v, domain));
    seen.add(stateHeaderDigest(base, { ...domain, chainId: domain.chainId + 1n }));
    seen.add(stateHeaderDigest(base, { ...domain, verifyingContract: '0x00000000000000000000000000000000000a1b2d' }));
    assert.equal(seen.size, variants.length + 3);
  });

  it('block-state headers decode to the file\'s chain, block, hash and state root, and encode back', () => {
    const blocks = (vectors.headers as { header: JsonHeader; block?: { chainId: string; blockNumber: string; blockHash: Hex; stateRoot: Hex } }[]).filter((v) => v.block);
    assert.ok(blocks.length >= 2);
    for (const { header: h, block } of blocks) {
      const metadata = decodeBlockMetadata(h.metadata);
      assert.deepEqual(metadata, { chainId: BigInt(block!.chainId), blockNumber: BigInt(block!.blockNumber) });
      assert.deepEqual(decodeBlockState(h.state), { blockHash: block!.blockHash, stateRoot: block!.stateRoot });
      assert.equal(blockMetadata(metadata.chainId, metadata.blockNumber), h.metadata);
      assert.equal(blockState(block!.blockHash, block!.stateRoot), h.state);
    }
  });

  it('refuses out-of-range fields and malformed encodings with StateHeaderEncodingError', () => {
    const base = header(vectors.headers[0].header);
    assert.throws(() => stateHeaderDigest({ ...base, referenceEpoch: 2 ** 32 }, domain), StateHeaderEncodingError);
    assert.throws(() => stateHeaderDigest({ ...base, referenceEpoch: -1 }, domain), StateHeaderEncodingError);
    assert.throws(() => stateHeaderDigest({ ...base, committeeId: 1n << 256n }, domain), StateHeaderEncodingError);
    assert.throws(() => blockMetadata(1n, 1n << 64n), StateHeaderEncodingError);
    assert.throws(() => blockState('0x1234', keccak256('0x')), StateHeaderEncodingError);
    assert.throws(() => decodeBlockMetadata(`${base.metadata}00` as Hex), StateHeaderEncodingError, 'one byte too long');
    assert.throws(() => decodeBlockState(base.state.slice(0, -2) as Hex), StateHeaderEncodingError, 'one byte short');
    // A block number word with bits above uint64: Solidity's abi.decode reverts, so this refuses it too.
    const wide = encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [1n, 1n << 64n]);
    assert.throws(() => decodeBlockMetadata(wide), StateHeaderEncodingError);
    assert.throws(() => encodeQuorumNumbers([256]), StateHeaderEncodingError);
    assert.deepEqual(decodeQuorumNumbers(encodeQuorumNumbers([3, 1, 255])), [3, 1, 255]);
  });

  it('the aggregated StateSignature case: recomputed from the operators\' secrets, operator 1 counted in both quorums', () => {
    const s = vectors.signature;
    const h = header(vectors.headers[s.headerIndex].header);
    assert.equal(stateHeaderDigest(h, domain), s.digest);
    assert.deepEqual(decodeQuorumNumbers(h.quorumNumbers), [0, 1]);
    const signers = (s.signers as { operator: number; quorums: number[]; secret: string; publicKeyG1: JsonG1; publicKeyG2: JsonG2; sigma: JsonG1 }[]).map((o) => {
      const key = blsKeyPairFromSecret(blsVectorSecret(o.operator));
      assert.equal(BigInt(o.secret), key.secret, 'the secrets of test/vectors/bls.json');
      assert.deepEqual(g1(o.publicKeyG1), key.publicKeyG1);
      assert.deepEqual(g2(o.publicKeyG2), key.publicKeyG2);
      assert.deepEqual(g1(o.sigma), blsSign(key.secret, s.digest));
      return { quorums: o.quorums, keyG1: key.publicKeyG1, keyG2: key.publicKeyG2, sigma: g1(o.sigma) };
    });
    const signature = aggregateStateSignature(s.digest, h.quorumNumbers, signers);
    assert.deepEqual(signature.signerKeys, (s.signerKeys as JsonG1[][]).map((keys) => keys.map(g1)));
    assert.deepEqual(signature.apkG2, g2(s.apkG2));
    assert.deepEqual(signature.sigma, g1(s.sigma));
    assert.equal(encodeStateSignature(signature), s.encoded);
    // Quorum 0: operators 0 and 1; quorum 1: operators 1 and 2; operator 3 (quorum 2) is not counted.
    const key = (i: number) => signers[i].keyG1;
    assert.deepEqual(signature.signerKeys[0].map((k) => k.x).sort(), [key(0), key(1)].map((k) => k.x).sort());
    assert.deepEqual(signature.signerKeys[1].map((k) => k.x).sort(), [key(1), key(2)].map((k) => k.x).sort());
    assert.deepEqual(g1(s.apkG1), aggregateG1([key(0), key(1), key(1), key(2)]));
    assert.deepEqual(signature.sigma, aggregateG1([0, 1, 1, 2].map((i) => signers[i].sigma)));
    assert.ok(verifyStateSignature(s.digest, signature));
  });
});
