/**
 * The Preconfirmation as UniFiAVSManager (contracts/src/services/preconf/IUniFiAVSManager.sol) hashes and checks it:
 * EIP-712 typed data `Preconfirmation(uint256 chainId,uint64 slot,bytes32 txHash,bytes32 blsPubKeyHash)` under the
 * registry's domain {name "UniFiAVSManager", version "1", chainId of the registry's chain, verifyingContract = the
 * registry}. The gateway signs it with the operator's delegate key; clients check it here before relying on it, as
 * isValidPreconfirmation does on-chain (ECDSA keys only: an ERC-1271 delegate key needs the chain).
 */
import { type Address, type Hex, type LocalAccount, hashTypedData, isAddressEqual, recoverTypedDataAddress } from 'viem';
import type { ProposerRegistration } from './lookahead.ts';

/** A promise by the proposer of `slot` (validator `blsPubKeyHash`) to include transaction `txHash` on chain `chainId`. */
export type Preconfirmation = {
  /** EIP-155 id of the chain the transaction is for (uint256). */
  chainId: bigint;
  /** Beacon-chain slot (uint64). */
  slot: bigint;
  /** keccak256 of the signed transaction's bytes. */
  txHash: Hex;
  /** The proposer's validator: sha256(pubkey ‖ 16 zero bytes). */
  blsPubKeyHash: Hex;
};

/** Which registry a preconfirmation is signed for: its address and the id of the chain it lives on. */
export type PreconfDomain = { registry: Address; registryChainId: number };

const TYPES = {
  Preconfirmation: [
    { name: 'chainId', type: 'uint256' },
    { name: 'slot', type: 'uint64' },
    { name: 'txHash', type: 'bytes32' },
    { name: 'blsPubKeyHash', type: 'bytes32' },
  ],
} as const;

/** The registry's EIP-712 domain. */
function typedData(preconf: Preconfirmation, domain: PreconfDomain) {
  return {
    domain: { name: 'UniFiAVSManager', version: '1', chainId: domain.registryChainId, verifyingContract: domain.registry },
    types: TYPES,
    primaryType: 'Preconfirmation',
    message: preconf,
  } as const;
}

/** The digest a delegate key signs: UniFiAVSManager.preconfirmationDigest(preconf). */
export function preconfirmationDigest(preconf: Preconfirmation, domain: PreconfDomain): Hex {
  return hashTypedData(typedData(preconf, domain));
}

/**
 * Signs `preconf` with `account` (a delegate key) as EIP-712 typed data.
 * @returns The 65-byte signature r ‖ s ‖ v.
 */
export async function signPreconfirmation(account: LocalAccount, preconf: Preconfirmation, domain: PreconfDomain): Promise<Hex> {
  return account.signTypedData(typedData(preconf, domain));
}

/**
 * The address whose key signed `preconf` with `signature`.
 * @throws viem's error when the signature is malformed (not 64 or 65 bytes, or not a curve point).
 */
export async function recoverPreconfirmationSigner(preconf: Preconfirmation, signature: Hex, domain: PreconfDomain): Promise<Address> {
  return recoverTypedDataAddress({ ...typedData(preconf, domain), signature });
}

/** Why a preconfirmation does not check (see {@link verifyPreconfirmation}). */
export type PreconfInvalidReason =
  | 'not-registered'
  | 'not-backed-by-stake'
  | 'chain-not-committed'
  | 'delegate-key-not-address'
  | 'bad-signature'
  | 'wrong-signer';

/** Outcome of {@link verifyPreconfirmation}. */
export type PreconfVerification = { valid: true; signer: Address } | { valid: false; reason: PreconfInvalidReason };

/**
 * Checks `signature` of `preconf` against the registry's view of its validator, as isValidPreconfirmation does for an
 * ECDSA delegate key: the validator is registered and backed by stake, its operator's commitment includes
 * preconf.chainId, the delegate key is a 20-byte address, and it signed. `registration` must be the one of
 * preconf.blsPubKeyHash, and the caller checks that this validator proposes `preconf.slot` (the registry cannot).
 * @returns `{ valid: true, signer }`, or the first reason it does not check.
 */
export async function verifyPreconfirmation(
  preconf: Preconfirmation,
  signature: Hex,
  registration: ProposerRegistration | null,
  domain: PreconfDomain,
): Promise<PreconfVerification> {
  if (!registration || !registration.registered) return { valid: false, reason: 'not-registered' };
  if (!registration.backedByStake) return { valid: false, reason: 'not-backed-by-stake' };
  if (!registration.chainIds.includes(preconf.chainId)) return { valid: false, reason: 'chain-not-committed' };
  const delegate = delegateKeyAddress(registration.delegateKey);
  if (!delegate) return { valid: false, reason: 'delegate-key-not-address' };
  let signer: Address;
  try {
    signer = await recoverPreconfirmationSigner(preconf, signature, domain);
  } catch {
    return { valid: false, reason: 'bad-signature' };
  }
  return isAddressEqual(signer, delegate) ? { valid: true, signer } : { valid: false, reason: 'wrong-signer' };
}

/** A delegate key as an address when it is 20 bytes (the only kind an ECDSA key can be), else null. */
export function delegateKeyAddress(delegateKey: Hex): Address | null {
  return /^0x[0-9a-fA-F]{40}$/.test(delegateKey) ? (delegateKey as Address) : null;
}
