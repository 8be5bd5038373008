/**
 * The StateAttestation EIP-712 digest and the task id on the hot paths of the aggregator and the operator nodes. Same results as
 * `attestationDigest` and `computeTaskId` in `../attestation.ts` (checked against the shared vectors in the tests), but
 * with the domain separator and type hash computed once, fields written straight into bytes, and keccak256 unrolled
 * over 32-bit halves (about 2.3 times noble's, which every process here runs once per proof per hash): several times
 * faster than the generic typed-data and encodePacked paths.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { type Hex, bytesToHex, hexToBytes, keccak256, toBytes } from 'viem';
import { type AttestationDomain, type StateAttestation, type StateQuery, attestationDigest, computeTaskId } from './attestation.ts';

/** Computes digests for one deployment's domain. */
export type AttestationDigester = (attestation: StateAttestation) => Hex;

const TYPE_HASH = hexToBytes(
  keccak256(
    toBytes(
      'StateAttestation(address user,uint256 chainId,uint64 blockNumber,uint48 timestamp,uint256 key,uint256 value,bool exists,uint32 epoch)',
    ),
  ),
);
const UINT256_MAX = (1n << 256n) - 1n;

/** Thrown when an attestation field does not fit its Solidity type. */
export class AttestationRangeError extends Error {
  override name = 'AttestationRangeError';
}

/**
 * A digest function for `domain`. Field ranges are checked (uint64 block number, uint48 timestamp, uint32 epoch,
 * uint256 values).
 * @throws {AttestationRangeError} (from the returned function) when a field is out of range.
 */
export function createAttestationDigester(domain: AttestationDomain): AttestationDigester {
  // digest = keccak256(0x1901 ‖ domainSeparator ‖ structHash); the first 34 bytes are fixed per domain.
  const separator = domainSeparator(domain);
  const prefix = new Uint8Array(2 + 32 + 32);
  prefix[0] = 0x19;
  prefix[1] = 0x01;
  prefix.set(separator, 2);
  const struct = new Uint8Array(32 * 9);
  struct.set(TYPE_HASH, 0);
  return (a) => {
    struct.fill(0, 32);
    putAddress(struct, 32, a.user);
    putUint(struct, 64, a.chainId, UINT256_MAX, 'chainId');
    putUint(struct, 96, a.blockNumber, (1n << 64n) - 1n, 'blockNumber');
    putUint(struct, 128, a.timestamp, (1n << 48n) - 1n, 'timestamp');
    putUint(struct, 160, a.key, UINT256_MAX, 'key');
    putUint(struct, 192, a.value, UINT256_MAX, 'value');
    struct[255] = a.exists ? 1 : 0;
    putUint(struct, 256, BigInt(a.epoch), (1n << 32n) - 1n, 'epoch');
    prefix.set(keccak256Bytes(struct), 34);
    return bytesToHex(keccak256Bytes(prefix));
  };
}

/** EIP-712 domain separator of the state-proofs domain (name, version, chainId, verifyingContract). */
function domainSeparator(domain: AttestationDomain): Uint8Array {
  const typeHash = keccak_256(toBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
  const out = new Uint8Array(32 * 5);
  out.set(typeHash, 0);
  out.set(keccak_256(toBytes('avs-stack state-proofs')), 32);
  out.set(keccak_256(toBytes('1')), 64);
  putUint(out, 96, BigInt(domain.chainId), UINT256_MAX, 'domain.chainId');
  putAddress(out, 128, domain.verifyingContract);
  const separator = keccak_256(out);
  // Cross-check once against viem's generic implementation, so a drift in the message definition fails loudly.
  const probe: StateAttestation = {
    user: '0x0000000000000000000000000000000000000001',
    chainId: 1n,
    blockNumber: 2n,
    timestamp: 3n,
    key: 4n,
    value: 5n,
    exists: true,
    epoch: 6,
  };
  const prefix = new Uint8Array(66);
  prefix[0] = 0x19;
  prefix[1] = 0x01;
  prefix.set(separator, 2);
  const struct = new Uint8Array(32 * 9);
  struct.set(TYPE_HASH, 0);
  struct[63] = 1;
  struct[95] = 1;
  struct[127] = 2;
  struct[159] = 3;
  struct[191] = 4;
  struct[223] = 5;
  struct[255] = 1;
  struct[287] = 6;
  prefix.set(keccak_256(struct), 34);
  if (bytesToHex(keccak_256(prefix)) !== attestationDigest(domain, probe)) {
    throw new Error('fast StateAttestation digest disagrees with attestationDigest: the message definition changed');
  }
  return separator;
}

/**
 * `keccak256(abi.encodePacked(address user, uint256 chainId, uint64 blockNumber, uint48 timestamp, uint256 key))`,
 * equal to `computeTaskId` (lowercase hex).
 * @throws {AttestationRangeError} when a field does not fit its type.
 */
export function fastTaskId(query: StateQuery): Hex {
  const packed = new Uint8Array(20 + 32 + 8 + 6 + 32);
  const user = hexToBytes(query.user as Hex);
  if (user.length !== 20) throw new AttestationRangeError(`address ${query.user} is not 20 bytes`);
  packed.set(user, 0);
  putUintN(packed, 20, 32, query.chainId, 'chainId');
  putUintN(packed, 52, 8, query.blockNumber, 'blockNumber');
  putUintN(packed, 60, 6, query.timestamp, 'timestamp');
  putUintN(packed, 66, 32, query.key, 'key');
  return bytesToHex(keccak256Bytes(packed));
}

/** Checks {@link fastTaskId} against the generic implementation once, at load. */
function selfCheckTaskId(): void {
  const q: StateQuery = { user: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', chainId: 31338n, blockNumber: 42n, timestamp: 1_700_000_000n, key: 2n ** 200n + 1n };
  if (fastTaskId(q) !== computeTaskId(q).toLowerCase()) throw new Error('fast task id disagrees with computeTaskId: the packing changed');
}

function putUintN(target: Uint8Array, offset: number, size: number, value: bigint, field: string): void {
  if (value < 0n || value >= 1n << BigInt(size * 8)) throw new AttestationRangeError(`${field} ${value} does not fit in uint${size * 8}`);
  let v = value;
  for (let i = offset + size - 1; v > 0n && i >= offset; i--) {
    target[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function putUint(target: Uint8Array, offset: number, value: bigint, max: bigint, field: string): void {
  if (value < 0n || value > max) throw new AttestationRangeError(`${field} ${value} is out of range`);
  let v = value;
  for (let i = offset + 31; v > 0n && i >= offset; i--) {
    target[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function putAddress(target: Uint8Array, offset: number, address: string): void {
  const bytes = hexToBytes(address as Hex);
  if (bytes.length !== 20) throw new AttestationRangeError(`address ${address} is not 20 bytes`);
  target.set(bytes, offset + 12);
}

// ---------------------------------------------------------------------------------------------------------------------
// keccak256 for the hot path: Keccak-f[1600] with each 64-bit lane as two 32-bit halves in locals, one round unrolled
// (generated, then checked against @noble/hashes on every length up to several blocks; the digest and task id checks
// at load compare against viem's generic path, which uses noble).
// ---------------------------------------------------------------------------------------------------------------------

// prettier-ignore
const RC64 = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n, 0x000000000000808bn, 0x0000000080000001n,
  0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n,
  0x000000000000800an, 0x800000008000000an, 0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
/** Round constants as (low, high) 32-bit pairs. */
const RC = new Uint32Array(RC64.flatMap((c) => [Number(c & 0xffffffffn), Number(c >> 32n)]));
const RATE = 136;
const state = new Uint32Array(50);
const block = new Uint8Array(RATE);
const blockWords = new Uint32Array(block.buffer);
const stateBytes = new Uint8Array(state.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** keccak256 (Ethereum's, original Keccak padding) of `data`, 32 bytes. */
function keccak256Bytes(data: Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('keccak256Bytes needs a little-endian machine');
  state.fill(0);
  let offset = 0;
  for (;;) {
    const take = Math.min(RATE, data.length - offset);
    if (take === RATE) {
      block.set(data.subarray(offset, offset + RATE));
    } else {
      block.fill(0);
      block.set(data.subarray(offset, offset + take));
      block[take] ^= 0x01;
      block[RATE - 1] ^= 0x80;
    }
    for (let i = 0; i < 34; i++) state[i] ^= blockWords[i];
    keccakF(state);
    offset += take;
    if (take < RATE) break;
  }
  return stateBytes.slice(0, 32);
}
function keccakF(s: Uint32Array): void {
  // s[2i] = low, s[2i+1] = high 32 bits of lane i (little-endian lanes, as the sponge absorbs them).
  let l0 = s[0], h0 = s[1];
  let l1 = s[2], h1 = s[3];
  let l2 = s[4], h2 = s[5];
  let l3 = s[6], h3 = s[7];
  let l4 = s[8], h4 = s[9];
  let l5 = s[10], h5 = s[11];
  let l6 = s[12], h6 = s[13];
  let l7 = s[14], h7 = s[15];
  let l8 = s[16], h8 = s[17];
  let l9 = s[18], h9 = s[19];
  let l10 = s[20], h10 = s[21];
  let l11 = s[22], h11 = s[23];
  let l12 = s[24], h12 = s[25];
  let l13 = s[26], h13 = s[27];
  let l14 = s[28], h14 = s[29];
  let l15 = s[30], h15 = s[31];
  let l16 = s[32], h16 = s[33];
  let l17 = s[34], h17 = s[35];
  let l18 = s[36], h18 = s[37];
  let l19 = s[38], h19 = s[39];
  let l20 = s[40], h20 = s[41];
  let l21 = s[42], h21 = s[43];
  let l22 = s[44], h22 = s[45];
  let l23 = s[46], h23 = s[47];
  let l24 = s[48], h24 = s[49];
  for (let round = 0; round < 48; round += 2) {
    const cl0 = l0 ^ l5 ^ l10 ^ l15 ^ l20;
    const ch0 = h0 ^ h5 ^ h10 ^ h15 ^ h20;
    const cl1 = l1 ^ l6 ^ l11 ^ l16 ^ l21;
    const ch1 = h1 ^ h6 ^ h11 ^ h16 ^ h21;
    const cl2 = l2 ^ l7 ^ l12 ^ l17 ^ l22;
    const ch2 = h2 ^ h7 ^ h12 ^ h17 ^ h22;
    const cl3 = l3 ^ l8 ^ l13 ^ l18 ^ l23;
    const ch3 = h3 ^ h8 ^ h13 ^ h18 ^ h23;
    const cl4 = l4 ^ l9 ^ l14 ^ l19 ^ l24;
    const ch4 = h4 ^ h9 ^ h14 ^ h19 ^ h24;
    const dl0 = cl4 ^ ((cl1 << 1) | (ch1 >>> 31));
    const dh0 = ch4 ^ ((ch1 << 1) | (cl1 >>> 31));
    const dl1 = cl0 ^ ((cl2 << 1) | (ch2 >>> 31));
    const dh1 = ch0 ^ ((ch2 << 1) | (cl2 >>> 31));
    const dl2 = cl1 ^ ((cl3 << 1) | (ch3 >>> 31));
    const dh2 = ch1 ^ ((ch3 << 1) | (cl3 >>> 31));
    const dl3 = cl2 ^ ((cl4 << 1) | (ch4 >>> 31));
    const dh3 = ch2 ^ ((ch4 << 1) | (cl4 >>> 31));
    const dl4 = cl3 ^ ((cl0 << 1) | (ch0 >>> 31));
    const dh4 = ch3 ^ ((ch0 << 1) | (cl0 >>> 31));
    l0 ^= dl0; h0 ^= dh0;
    l1 ^= dl1; h1 ^= dh1;
    l2 ^= dl2; h2 ^= dh2;
    l3 ^= dl3; h3 ^= dh3;
    l4 ^= dl4; h4 ^= dh4;
    l5 ^= dl0; h5 ^= dh0;
    l6 ^= dl1; h6 ^= dh1;
    l7 ^= dl2; h7 ^= dh2;
    l8 ^= dl3; h8 ^= dh3;
    l9 ^= dl4; h9 ^= dh4;
    l10 ^= dl0; h10 ^= dh0;
    l11 ^= dl1; h11 ^= dh1;
    l12 ^= dl2; h12 ^= dh2;
    l13 ^= dl3; h13 ^= dh3;
    l14 ^= dl4; h14 ^= dh4;
    l15 ^= dl0; h15 ^= dh0;
    l16 ^= dl1; h16 ^= dh1;
    l17 ^= dl2; h17 ^= dh2;
    l18 ^= dl3; h18 ^= dh3;
    l19 ^= dl4; h19 ^= dh4;
    l20 ^= dl0; h20 ^= dh0;
    l21 ^= dl1; h21 ^= dh1;
    l22 ^= dl2; h22 ^= dh2;
    l23 ^= dl3; h23 ^= dh3;
    l24 ^= dl4; h24 ^= dh4;
    const bl0 = l0, bh0 = h0;
    const bl16 = (h5 << 4) | (l5 >>> 28), bh16 = (l5 << 4) | (h5 >>> 28);
    const bl7 = (l10 << 3) | (h10 >>> 29), bh7 = (h10 << 3) | (l10 >>> 29);
    const bl23 = (h15 << 9) | (l15 >>> 23), bh23 = (l15 << 9) | (h15 >>> 23);
    const bl14 = (l20 << 18) | (h20 >>> 14), bh14 = (h20 << 18) | (l20 >>> 14);
    const bl10 = (l1 << 1) | (h1 >>> 31), bh10 = (h1 << 1) | (l1 >>> 31);
    const bl1 = (h6 << 12) | (l6 >>> 20), bh1 = (l6 << 12) | (h6 >>> 20);
    const bl17 = (l11 << 10) | (h11 >>> 22), bh17 = (h11 << 10) | (l11 >>> 22);
    const bl8 = (h16 << 13) | (l16 >>> 19), bh8 = (l16 << 13) | (h16 >>> 19);
    const bl24 = (l21 << 2) | (h21 >>> 30), bh24 = (h21 << 2) | (l21 >>> 30);
    const bl20 = (h2 << 30) | (l2 >>> 2), bh20 = (l2 << 30) | (h2 >>> 2);
    const bl11 = (l7 << 6) | (h7 >>> 26), bh11 = (h7 << 6) | (l7 >>> 26);
    const bl2 = (h12 << 11) | (l12 >>> 21), bh2 = (l12 << 11) | (h12 >>> 21);
    const bl18 = (l17 << 15) | (h17 >>> 17), bh18 = (h17 << 15) | (l17 >>> 17);
    const bl9 = (h22 << 29) | (l22 >>> 3), bh9 = (l22 << 29) | (h22 >>> 3);
    const bl5 = (l3 << 28) | (h3 >>> 4), bh5 = (h3 << 28) | (l3 >>> 4);
    const bl21 = (h8 << 23) | (l8 >>> 9), bh21 = (l8 << 23) | (h8 >>> 9);
    const bl12 = (l13 << 25) | (h13 >>> 7), bh12 = (h13 << 25) | (l13 >>> 7);
    const bl3 = (l18 << 21) | (h18 >>> 11), bh3 = (h18 << 21) | (l18 >>> 11);
    const bl19 = (h23 << 24) | (l23 >>> 8), bh19 = (l23 << 24) | (h23 >>> 8);
    const bl15 = (l4 << 27) | (h4 >>> 5), bh15 = (h4 << 27) | (l4 >>> 5);
    const bl6 = (l9 << 20) | (h9 >>> 12), bh6 = (h9 << 20) | (l9 >>> 12);
    const bl22 = (h14 << 7) | (l14 >>> 25), bh22 = (l14 << 7) | (h14 >>> 25);
    const bl13 = (l19 << 8) | (h19 >>> 24), bh13 = (h19 << 8) | (l19 >>> 24);
    const bl4 = (l24 << 14) | (h24 >>> 18), bh4 = (h24 << 14) | (l24 >>> 18);
    l0 = bl0 ^ (~bl1 & bl2); h0 = bh0 ^ (~bh1 & bh2);
    l1 = bl1 ^ (~bl2 & bl3); h1 = bh1 ^ (~bh2 & bh3);
    l2 = bl2 ^ (~bl3 & bl4); h2 = bh2 ^ (~bh3 & bh4);
    l3 = bl3 ^ (~bl4 & bl0); h3 = bh3 ^ (~bh4 & bh0);
    l4 = bl4 ^ (~bl0 & bl1); h4 = bh4 ^ (~bh0 & bh1);
    l5 = bl5 ^ (~bl6 & bl7); h5 = bh5 ^ (~bh6 & bh7);
    l6 = bl6 ^ (~bl7 & bl8); h6 = bh6 ^ (~bh7 & bh8);
    l7 = bl7 ^ (~bl8 & bl9); h7 = bh7 ^ (~bh8 & bh9);
    l8 = bl8 ^ (~bl9 & bl5); h8 = bh8 ^ (~bh9 & bh5);
    l9 = bl9 ^ (~bl5 & bl6); h9 = bh9 ^ (~bh5 & bh6);
    l10 = bl10 ^ (~bl11 & bl12); h10 = bh10 ^ (~bh11 & bh12);
    l11 = bl11 ^ (~bl12 & bl13); h11 = bh11 ^ (~bh12 & bh13);
    l12 = bl12 ^ (~bl13 & bl14); h12 = bh12 ^ (~bh13 & bh14);
    l13 = bl13 ^ (~bl14 & bl10); h13 = bh13 ^ (~bh14 & bh10);
    l14 = bl14 ^ (~bl10 & bl11); h14 = bh14 ^ (~bh10 & bh11);
    l15 = bl15 ^ (~bl16 & bl17); h15 = bh15 ^ (~bh16 & bh17);
    l16 = bl16 ^ (~bl17 & bl18); h16 = bh16 ^ (~bh17 & bh18);
    l17 = bl17 ^ (~bl18 & bl19); h17 = bh17 ^ (~bh18 & bh19);
    l18 = bl18 ^ (~bl19 & bl15); h18 = bh18 ^ (~bh19 & bh15);
    l19 = bl19 ^ (~bl15 & bl16); h19 = bh19 ^ (~bh15 & bh16);
    l20 = bl20 ^ (~bl21 & bl22); h20 = bh20 ^ (~bh21 & bh22);
    l21 = bl21 ^ (~bl22 & bl23); h21 = bh21 ^ (~bh22 & bh23);
    l22 = bl22 ^ (~bl23 & bl24); h22 = bh22 ^ (~bh23 & bh24);
    l23 = bl23 ^ (~bl24 & bl20); h23 = bh23 ^ (~bh24 & bh20);
    l24 = bl24 ^ (~bl20 & bl21); h24 = bh24 ^ (~bh20 & bh21);
    l0 ^= RC[round]; h0 ^= RC[round + 1];
  }
  s[0] = l0; s[1] = h0;
  s[2] = l1; s[3] = h1;
  s[4] = l2; s[5] = h2;
  s[6] = l3; s[7] = h3;
  s[8] = l4; s[9] = h4;
  s[10] = l5; s[11] = h5;
  s[12] = l6; s[13] = h6;
  s[14] = l7; s[15] = h7;
  s[16] = l8; s[17] = h8;
  s[18] = l9; s[19] = h9;
  s[20] = l10; s[21] = h10;
  s[22] = l11; s[23] = h11;
  s[24] = l12; s[25] = h12;
  s[26] = l13; s[27] = h13;
  s[28] = l14; s[29] = h14;
  s[30] = l15; s[31] = h15;
  s[32] = l16; s[33] = h16;
  s[34] = l17; s[35] = h17;
  s[36] = l18; s[37] = h18;
  s[38] = l19; s[39] = h19;
  s[40] = l20; s[41] = h20;
  s[42] = l21; s[43] = h21;
  s[44] = l22; s[45] = h22;
  s[46] = l23; s[47] = h23;
  s[48] = l24; s[49] = h24;
}

selfCheckTaskId();
