/**
 * Batched attestations (src/core/crypto/attestation-batch.ts, docs/attestation-batches.md): the tree against the shared
 * vectors and against @openzeppelin/merkle-tree's StandardMerkleTree, proofs that must fail, random batches, both
 * forms of sigData, and batch signatures by real viem accounts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { type Address, type Hex, bytesToHex, concat, encodeAbiParameters, hashTypedData, keccak256, recoverAddress, toBytes, verifyTypedData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  ATTESTATION_BATCH_DOMAIN,
  ATTESTATION_BATCH_DOMAIN_SEPARATOR,
  ATTESTATION_BATCH_TYPEHASH,
  BATCH_SIGDATA_TAG,
  DigestNotInBatchError,
  DuplicateBatchDigestError,
  EmptyAttestationBatchError,
  MalformedBatchValueError,
  attestationBatchTypes,
  batchDigest,
  batchLeaf,
  batchRootFromProof,
  buildAttestationBatch,
  computeBatchRoot,
  computeBatchTree,
  verifyBatchProof,
  withProofLookup,
} from '../../src/core/crypto/attestation-batch.ts';
import { signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import {
  MalformedSigDataError,
  attestationDigest,
  batchedSigDataHeadLength,
  decodeSigData,
  encodeBatchedSigData,
  encodeSigData,
} from '../../src/services/state-proofs/attestation.ts';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
const vectors = read('attestation-batch.json');

type VectorCase = { digests: Hex[]; root: Hex; batchDigest: Hex; leaves: { digest: Hex; leaf: Hex; proof: Hex[] }[] };

/** Deterministic uint32 stream (mulberry32): the same random batches on every run, so a failure reproduces. */
function uint32Stream(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randomDigest(next: () => number): Hex {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) view.setUint32(i * 4, next());
  return bytesToHex(bytes);
}

/** `digest` with one bit flipped. */
function flipBit(value: Hex, bit: number): Hex {
  const bytes = toBytes(value);
  bytes[bit >> 3] ^= 1 << (bit & 7);
  return bytesToHex(bytes);
}

/** OpenZeppelin's node hash, written out independently: keccak256 of the pair in ascending order. */
const hashPair = (a: Hex, b: Hex): Hex => keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a]));

const reference = (digests: readonly Hex[]) => StandardMerkleTree.of(digests.map((d): [Hex] => [d]), ['bytes32']);

describe('attestation batch: shared vectors (same file as the forge tests)', () => {
  it('tag, domain separator and type hash are the documented constants', () => {
    assert.equal(vectors.tag, keccak256(toBytes('avs-stack.sigdata.batched.v1')));
    assert.equal(vectors.tag, BATCH_SIGDATA_TAG);
    const domainTypeHash = keccak256(toBytes('EIP712Domain(string name,string version)'));
    const separator = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
        [domainTypeHash, keccak256(toBytes('avs-stack attestation batch')), keccak256(toBytes('1'))],
      ),
    );
    assert.equal(vectors.domainSeparator, separator);
    assert.equal(vectors.domainSeparator, ATTESTATION_BATCH_DOMAIN_SEPARATOR);
    assert.equal(vectors.typehash, keccak256(toBytes('AttestationBatch(bytes32 root)')));
    assert.equal(vectors.typehash, ATTESTATION_BATCH_TYPEHASH);
  });

  for (const c of vectors.cases as VectorCase[]) {
    it(`${c.digests.length} digests: root, batch digest, leaves and proofs match the code and the library`, () => {
      const batch = buildAttestationBatch(c.digests);
      assert.equal(batch.root, c.root);
      assert.equal(batch.batchDigest, c.batchDigest);
      assert.equal(reference(c.digests).root, c.root);
      // batchDigest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(abi.encode(typehash, root))), and viem's typed data.
      const structHash = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [vectors.typehash, c.root]));
      assert.equal(c.batchDigest, keccak256(concat(['0x1901', vectors.domainSeparator, structHash])));
      assert.equal(c.batchDigest, hashTypedData({ domain: ATTESTATION_BATCH_DOMAIN, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { root: c.root } }));
      if (c.digests.length === 1) assert.equal(c.root, c.leaves[0].leaf, 'a batch of one: the root is the leaf');
      for (const leaf of c.leaves) {
        assert.equal(batchLeaf(leaf.digest), leaf.leaf);
        assert.equal(leaf.leaf, keccak256(keccak256(encodeAbiParameters([{ type: 'bytes32' }], [leaf.digest]))));
        assert.deepEqual(batch.proofOf(leaf.digest), leaf.proof);
        const depth = Math.log2(c.digests.length);
        assert.ok(leaf.proof.length === Math.floor(depth) || leaf.proof.length === Math.ceil(depth), 'a leaf sits at depth ⌊log2 n⌋ or ⌈log2 n⌉');
        assert.ok(verifyBatchProof(leaf.digest, leaf.proof, c.root));
        assert.ok(StandardMerkleTree.verify(c.root, ['bytes32'], [leaf.digest], leaf.proof));
      }
    });
  }

  it('the sigData vector: encoding, decoded parts, proof and signatures', async () => {
    const v = vectors.sigData;
    const parts = { operators: v.operators, signatures: v.signatures, referenceEpoch: v.referenceEpoch, proof: v.proof };
    assert.equal(encodeBatchedSigData(parts), v.encoded);
    assert.deepEqual(decodeSigData(v.encoded), { form: 'batched', ...parts });
    assert.equal(v.batchDigest, batchDigest(v.root));
    assert.ok(verifyBatchProof(v.digest, v.proof, v.root));
    // What a registry does: the root from the digest and the proof, then the signers of its batch digest.
    assert.equal(batchRootFromProof(v.digest, v.proof), v.root);
    for (const [i, signature] of (v.signatures as Hex[]).entries()) {
      assert.equal(await recoverAddress({ hash: v.batchDigest, signature }), v.operators[i]);
    }
    assert.deepEqual([...v.operators].sort((a: Address, b: Address) => (BigInt(a) < BigInt(b) ? -1 : 1)), v.operators, 'operators ascending');
  });
});

describe('attestation batch: proofs that must fail', () => {
  const digests = (vectors.cases as VectorCase[]).find((c) => c.digests.length === 7)!.digests;
  const batch = buildAttestationBatch(digests);

  it('every digest proves with its own proof, and with no other digest’s', () => {
    for (const [i, digest] of digests.entries()) {
      assert.ok(verifyBatchProof(digest, batch.proofs[i], batch.root));
      for (const [j, other] of digests.entries()) {
        if (j !== i) assert.equal(verifyBatchProof(other, batch.proofs[i], batch.root), false, `digest ${j} with proof ${i}`);
      }
    }
  });

  it('a proof with any node tampered (any bit of it) fails', () => {
    const proof = batch.proofs[3];
    for (const [k] of proof.entries()) {
      for (const bit of [0, 7, 100, 255]) {
        const tampered = proof.map((node, n) => (n === k ? flipBit(node, bit) : node));
        assert.equal(verifyBatchProof(digests[3], tampered, batch.root), false, `node ${k} bit ${bit}`);
        assert.equal(StandardMerkleTree.verify(batch.root, ['bytes32'], [digests[3]], tampered), false);
      }
    }
    assert.equal(verifyBatchProof(digests[3], proof.slice(1), batch.root), false, 'a node missing');
    assert.equal(verifyBatchProof(digests[3], [...proof, proof[0]], batch.root), false, 'a node too many');
    assert.ok(proof.length >= 2);
    assert.equal(verifyBatchProof(digests[3], [...proof].reverse(), batch.root), false, 'nodes reordered');
  });

  it('an inner node passed as a digest fails, though its path does reach the root (the double hash refuses it)', () => {
    for (const [i, digest] of digests.entries()) {
      const proof = batch.proofs[i];
      const parent = hashPair(batchLeaf(digest), proof[0]);
      const rest = proof.slice(1);
      assert.equal(rest.reduce(hashPair, parent), batch.root, 'the inner node’s own path leads to the root');
      assert.equal(verifyBatchProof(parent, rest, batch.root), false);
      assert.equal(StandardMerkleTree.verify(batch.root, ['bytes32'], [parent], rest), false);
      // Nor does a leaf pass as a digest: the leaf is hashed twice more.
      assert.equal(verifyBatchProof(batchLeaf(digest), proof, batch.root), false);
    }
  });

  it('a wrong root fails, and malformed values give false rather than an exception', () => {
    const other = buildAttestationBatch(digests.slice(1));
    assert.equal(verifyBatchProof(digests[1], batch.proofs[1], other.root), false);
    assert.equal(verifyBatchProof(digests[1], batch.proofs[1], flipBit(batch.root, 9)), false);
    assert.equal(verifyBatchProof(digests[1], batch.proofs[1], batch.batchDigest), false, 'the batch digest is not the root');
    assert.equal(verifyBatchProof('0x1234', batch.proofs[1], batch.root), false);
    assert.equal(verifyBatchProof(digests[1], [...batch.proofs[1].slice(1), '0xzz' as Hex], batch.root), false);
    assert.equal(verifyBatchProof(digests[1], batch.proofs[1], '0x' as Hex), false);
    assert.throws(() => batchRootFromProof(digests[1], ['0x12']), MalformedBatchValueError);
    // Any hex case verifies.
    assert.ok(verifyBatchProof(digests[1].toUpperCase().replace('0X', '0x') as Hex, batch.proofs[1].map((p) => p.toUpperCase().replace('0X', '0x') as Hex), batch.root.toUpperCase().replace('0X', '0x') as Hex));
  });
});

describe('attestation batch: refused input', () => {
  const digests = (vectors.cases as VectorCase[]).find((c) => c.digests.length === 3)!.digests;

  it('an empty batch, a malformed digest and a duplicate digest are refused with named errors', () => {
    assert.throws(() => computeBatchTree([]), EmptyAttestationBatchError);
    assert.throws(() => computeBatchTree([digests[0], '0x1234']), MalformedBatchValueError);
    assert.throws(() => computeBatchTree([digests[0], `${digests[1]}00` as Hex]), MalformedBatchValueError);
    assert.throws(() => batchDigest('0xabc'), MalformedBatchValueError);
    assert.throws(() => computeBatchRoot([]), EmptyAttestationBatchError);
    assert.throws(() => computeBatchRoot([digests[0], '0x1234']), MalformedBatchValueError);
    assert.throws(() => computeBatchRoot([digests[1], digests[1]]), DuplicateBatchDigestError);
    assert.throws(
      () => computeBatchTree([digests[0], digests[1], digests[0].toUpperCase().replace('0X', '0x') as Hex]),
      (error: unknown) => error instanceof DuplicateBatchDigestError && error.firstIndex === 0 && error.secondIndex === 2 && error.digest === digests[0],
    );
  });

  it('proofOf a digest outside the batch throws; any hex case finds one inside', () => {
    const batch = buildAttestationBatch(digests);
    assert.throws(() => batch.proofOf(keccak256('0x01')), DigestNotInBatchError);
    assert.deepEqual(batch.proofOf(digests[2].toUpperCase().replace('0X', '0x') as Hex), batch.proofs[2]);
  });

  it('a tree computed elsewhere (structured-cloned, as from a worker) gets the same lookup', () => {
    const tree = structuredClone(computeBatchTree(digests));
    const batch = withProofLookup(tree);
    for (const [i, digest] of digests.entries()) assert.deepEqual(batch.proofOf(digest), tree.proofs[i]);
  });
});

describe('attestation batch: random batches against StandardMerkleTree', () => {
  it('120 batches of 1–48 digests: same root and proofs, every proof verifies, a mutated one does not', () => {
    const next = uint32Stream(0x0ba7c4);
    for (let round = 0; round < 120; round++) {
      const size = 1 + (next() % 48);
      const digests = Array.from({ length: size }, () => randomDigest(next));
      const batch = buildAttestationBatch(digests);
      const ref = reference(digests);
      assert.equal(batch.root, ref.root, `round ${round}`);
      // The operators' root-only path signs the same root and batch digest.
      assert.deepEqual(computeBatchRoot(digests), { root: batch.root, batchDigest: batch.batchDigest }, `round ${round}`);
      for (const [i, digest] of digests.entries()) {
        assert.deepEqual(batch.proofs[i], ref.getProof(i), `round ${round}, digest ${i}`);
        assert.ok(verifyBatchProof(digest, batch.proofs[i], batch.root));
      }
      const i = next() % size;
      const proof = batch.proofs[i];
      // One random mutation: another digest, a flipped bit in a node, or a flipped bit in the root.
      const kind = next() % 3;
      if (kind === 0) assert.equal(verifyBatchProof(randomDigest(next), proof, batch.root), false);
      else if (kind === 1 && proof.length > 0) {
        const k = next() % proof.length;
        assert.equal(verifyBatchProof(digests[i], proof.map((n, m) => (m === k ? flipBit(n, next() % 256) : n)), batch.root), false);
      } else assert.equal(verifyBatchProof(digests[i], proof, flipBit(batch.root, next() % 256)), false);
    }
  });

  it('the order of the digests does not change the root or any digest’s proof (leaves are sorted)', () => {
    const next = uint32Stream(0x5ca1ab1e);
    for (let round = 0; round < 40; round++) {
      const digests = Array.from({ length: 2 + (next() % 40) }, () => randomDigest(next));
      const shuffled = digests.map((d) => ({ d, k: next() })).sort((a, b) => a.k - b.k).map((x) => x.d);
      const a = buildAttestationBatch(digests);
      const b = buildAttestationBatch(shuffled);
      assert.equal(a.root, b.root);
      for (const d of digests) assert.deepEqual(a.proofOf(d), b.proofOf(d));
    }
  });

  it('1,024 digests: root and a spread of proofs match the library', () => {
    const next = uint32Stream(1024);
    const digests = Array.from({ length: 1024 }, () => randomDigest(next));
    const batch = buildAttestationBatch(digests);
    const ref = reference(digests);
    assert.equal(batch.root, ref.root);
    for (let i = 0; i < 1024; i += 73) assert.deepEqual(batch.proofs[i], ref.getProof(i));
    assert.ok(digests.every((d, i) => batch.proofs[i].length === 10 && verifyBatchProof(d, batch.proofs[i], batch.root)));
  });
});

describe('sigData: single and batched forms', () => {
  const operators: Address[] = ['0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'];
  const signatures: Hex[] = [`0x${'11'.repeat(64)}1b`, `0x${'22'.repeat(64)}1c`];
  const proof: Hex[] = [keccak256('0x01'), keccak256('0x02')];

  it('a single sigData, as abi.encode writes it, decodes as the single form (first word 0x60)', () => {
    const raw = encodeAbiParameters([{ type: 'address[]' }, { type: 'bytes[]' }, { type: 'uint32' }], [[operators[1], operators[0]], [signatures[1], signatures[0]], 9]);
    assert.equal(BigInt(raw.slice(0, 66)), 0x60n);
    assert.deepEqual(decodeSigData(raw), { form: 'single', operators: [operators[1], operators[0]], signatures: [signatures[1], signatures[0]], referenceEpoch: 9 });
    const encoded = encodeSigData([{ operator: operators[0], signature: signatures[0] }, { operator: operators[1], signature: signatures[1] }], 9);
    assert.equal(encoded, raw, 'encodeSigData sorts by operator');
  });

  it('a batched sigData round-trips, sorted by operator with its signature, and starts with the tag', () => {
    const encoded = encodeBatchedSigData({ operators, signatures, referenceEpoch: 4_000_000_000, proof });
    assert.equal(encoded.slice(0, 66), BATCH_SIGDATA_TAG);
    const decoded = decodeSigData(encoded);
    assert.deepEqual(decoded, { form: 'batched', operators: [operators[1], operators[0]], signatures: [signatures[1], signatures[0]], referenceEpoch: 4_000_000_000, proof });
    assert.equal(encodeBatchedSigData(decoded), encoded);
    const one = decodeSigData(encodeBatchedSigData({ operators: [], signatures: [], referenceEpoch: 0, proof: [] }));
    assert.deepEqual(one, { form: 'batched', operators: [], signatures: [], referenceEpoch: 0, proof: [] });
  });

  it('a batched sigData equals the whole abi.encode for any signer set and path, its head reused across paths', () => {
    const params = [{ type: 'bytes32' }, { type: 'address[]' }, { type: 'bytes[]' }, { type: 'uint32' }, { type: 'bytes32[]' }] as const;
    const word = (i: number) => keccak256(toBytes(`word ${i}`));
    for (let round = 0; round < 60; round++) {
      const n = round % 6;
      const ops = Array.from({ length: n }, (_, i) => privateKeyToAccount(keccak256(toBytes(`op ${round} ${i}`))).address);
      const sigs = ops.map((_, i) => keccak256(toBytes(`sig ${round} ${i}`)) + keccak256(toBytes(`s ${i}`)).slice(2) + '1b') as Hex[];
      // The same signer set with paths of every length, some in upper case: one head, many tails.
      for (const length of [0, 1, 3, 10, 13]) {
        const path = Array.from({ length }, (_, i) => (i % 2 ? word(round * 100 + i).toUpperCase().replace('0X', '0x') : word(round * 100 + i)) as Hex);
        const sorted = ops.map((operator, i) => ({ operator, signature: sigs[i] })).sort((a, b) => (a.operator.toLowerCase() < b.operator.toLowerCase() ? -1 : 1));
        const whole = encodeAbiParameters(params, [BATCH_SIGDATA_TAG, sorted.map((x) => x.operator), sorted.map((x) => x.signature), round * 7, path]);
        assert.equal(encodeBatchedSigData({ operators: ops, signatures: sigs, referenceEpoch: round * 7, proof: path }), whole, `round ${round}, path ${length}`);
      }
    }
  });

  it('a batched sigData’s head length ends it where the proof’s length word starts; anything else has none', () => {
    for (const length of [0, 1, 10]) {
      const path = Array.from({ length }, (_, i) => keccak256(toBytes(`path ${i}`)));
      const encoded = encodeBatchedSigData({ operators, signatures, referenceEpoch: 5, proof: path });
      const head = batchedSigDataHeadLength(encoded);
      assert.equal(encoded.length - head, 64 * (1 + length), `path of ${length}`);
      assert.equal(BigInt(`0x${encoded.slice(head, head + 64)}`), BigInt(length));
      // The same signers over another path share the head.
      const other = encodeBatchedSigData({ operators, signatures, referenceEpoch: 5, proof: path.map((p) => keccak256(p)) });
      assert.equal(other.slice(0, head), encoded.slice(0, head));
    }
    const single = encodeSigData([{ operator: operators[0], signature: signatures[0] }], 1);
    const batched = encodeBatchedSigData({ operators, signatures, referenceEpoch: 1, proof });
    // An offset past the end, or not a multiple of 32, is no head: such text is stored whole.
    const offsetWord = (offset: bigint) => `${batched.slice(0, 2 + 64 * 4)}${offset.toString(16).padStart(64, '0')}${batched.slice(2 + 64 * 5)}` as Hex;
    for (const none of [single, '0x', BATCH_SIGDATA_TAG, batched.slice(0, 2 + 64 * 5), offsetWord(1n << 200n), offsetWord(BigInt(batched.length)), offsetWord(161n)]) {
      assert.equal(batchedSigDataHeadLength(none as Hex), 0, none.slice(0, 20));
    }
  });

  it('malformed sigData throws MalformedSigDataError', () => {
    const batched = encodeBatchedSigData({ operators, signatures, referenceEpoch: 1, proof });
    const single = encodeSigData([{ operator: operators[0], signature: signatures[0] }], 1);
    for (const bad of ['0x', '0x1234', `${single}0`, 'nothex', BATCH_SIGDATA_TAG, batched.slice(0, 66 + 64 * 3), single.slice(0, 66 + 64)]) {
      assert.throws(() => decodeSigData(bad as Hex), MalformedSigDataError, bad.slice(0, 20));
    }
    // A reference epoch word with bits above uint32 (decodable as a JS number) is refused, as the registries refuse it.
    const dirty = `${single.slice(0, 2 + 128)}${'00'.repeat(27)}0100000001${single.slice(2 + 192)}` as Hex;
    assert.throws(() => decodeSigData(dirty), /does not fit uint32/);
    assert.throws(() => encodeBatchedSigData({ operators, signatures: signatures.slice(1), referenceEpoch: 1, proof }), MalformedSigDataError);
  });
});

describe('batch signatures by real accounts', () => {
  const keys: Hex[] = [keccak256(toBytes('attestation batch test key 1')), keccak256(toBytes('attestation batch test key 2'))];

  it('a viem account’s typed-data signature of the batch recovers to it; so does the hot path’s signDigest', async () => {
    const root = buildAttestationBatch([keccak256('0xaa'), keccak256('0xbb'), keccak256('0xcc')]).root;
    const digest = batchDigest(root);
    for (const key of keys) {
      const account = privateKeyToAccount(key);
      const typed = await account.signTypedData({ domain: ATTESTATION_BATCH_DOMAIN, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { root } });
      assert.equal(await recoverAddress({ hash: digest, signature: typed }), account.address);
      assert.ok(await verifyTypedData({ address: account.address, domain: ATTESTATION_BATCH_DOMAIN, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { root }, signature: typed }));
      const fast = signDigest(signingKeyFromPrivateKey(key), digest);
      assert.equal(fast, typed, 'RFC 6979 signatures of the same digest are equal');
    }
  });

  it('a batch of state attestations: one signature per operator proves each attestation', async () => {
    const state = read('state-attestation.json');
    const domain = { chainId: state.domain.chainId as number, verifyingContract: state.domain.verifyingContract as Address };
    const digests = (state.cases as any[]).map((c) =>
      attestationDigest(domain, { ...c.attestation, chainId: BigInt(c.attestation.chainId), blockNumber: BigInt(c.attestation.blockNumber), timestamp: BigInt(c.attestation.timestamp), key: BigInt(c.attestation.key), value: BigInt(c.attestation.value) }),
    );
    assert.deepEqual(digests, (state.cases as any[]).map((c) => c.digest));
    const batch = buildAttestationBatch(digests);
    const accounts = keys.map((k) => privateKeyToAccount(k));
    const signed = await Promise.all(accounts.map((a) => a.sign({ hash: batch.batchDigest })));
    for (const digest of digests) {
      const sigData = encodeBatchedSigData({ operators: accounts.map((a) => a.address), signatures: signed, referenceEpoch: 3, proof: batch.proofOf(digest) });
      const decoded = decodeSigData(sigData);
      assert.equal(decoded.form, 'batched');
      if (decoded.form !== 'batched') continue;
      assert.ok(verifyBatchProof(digest, decoded.proof, batch.root));
      const root = batchRootFromProof(digest, decoded.proof);
      assert.equal(root, batch.root);
      const signers = await Promise.all(decoded.signatures.map((signature) => recoverAddress({ hash: batchDigest(root), signature })));
      assert.deepEqual(signers, decoded.operators);
    }
  });
});
