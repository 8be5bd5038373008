/**
 * Writes test/vectors/preconf.json, the Preconfirmation digests that Solidity (forge, against
 * UniFiAVSManager.preconfirmationDigest) and TypeScript (test/unit/preconf-gateway.test.ts) both check: for one registry
 * domain, validators (48-byte BLS12-381 public keys of fixed secret keys and their sha256(pubkey ‖ 16 zero bytes)),
 * chain ids from 1 to 2^256 − 1, slots from 0 to 2^64 − 1 and transaction hashes, with the digest
 * src/services/preconf/preconfirmation.ts computes.
 * Run: `node --import tsx scripts/gen-preconf-vectors.ts`. The file is committed; regenerate only on purpose.
 */
import { writeFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { type Hex, bytesToHex, getAddress, keccak256, numberToBytes, slice, toHex } from 'viem';
import { validatorPubkeyHash } from '../src/services/preconf/beacon.ts';
import { preconfirmationDigest } from '../src/services/preconf/preconfirmation.ts';

/** An address nobody holds a key for, fixed by its name. */
const registry = getAddress(slice(keccak256(toHex('avs-stack preconf vectors: UniFiAVSManager')), 12));
const registryChainId = 17000;

/** The validator public key of a BLS secret key (Ethereum's: public keys in G1, 48 bytes compressed). */
const pubkeyOf = (secret: bigint): Hex => bytesToHex(bls12_381.longSignatures.getPublicKey(numberToBytes(secret, { size: 32 })).toBytes());
const txHashOf = (label: string): Hex => keccak256(toHex(`avs-stack preconf vector transaction ${label}`));

const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;
const inputs: { secret: bigint; chainId: bigint; slot: bigint; txHash: Hex }[] = [
  { secret: 1n, chainId: 1n, slot: 0n, txHash: `0x${'00'.repeat(32)}` },
  { secret: 2n, chainId: 17000n, slot: 1n, txHash: txHashOf('a') },
  { secret: 3n, chainId: 167000n, slot: 10_000_000n, txHash: txHashOf('b') },
  { secret: 4n, chainId: 42161n, slot: 123_456_789n, txHash: txHashOf('c') },
  { secret: 5n, chainId: U64_MAX, slot: 1n << 32n, txHash: txHashOf('d') },
  { secret: 6n, chainId: 1n << 255n, slot: 1n << 63n, txHash: txHashOf('e') },
  { secret: 0x1234_5678n ** 4n, chainId: U256_MAX, slot: U64_MAX, txHash: `0x${'ff'.repeat(32)}` },
  { secret: 7n, chainId: 31337n, slot: U64_MAX - 1n, txHash: txHashOf('f') },
];

const cases = inputs.map(({ secret, chainId, slot, txHash }) => {
  const pubkey = pubkeyOf(secret);
  const hash = validatorPubkeyHash(pubkey);
  return {
    pubkey,
    blsPubKeyHash: hash,
    chainId: chainId.toString(),
    slot: slot.toString(),
    txHash,
    digest: preconfirmationDigest({ chainId, slot, txHash, blsPubKeyHash: hash }, { registry, registryChainId }),
  };
});

const target = new URL('../test/vectors/preconf.json', import.meta.url);
writeFileSync(target, `${JSON.stringify({ registry, registryChainId, cases }, null, 2)}\n`);
console.log(`wrote ${cases.length} cases to ${target.pathname}`);
