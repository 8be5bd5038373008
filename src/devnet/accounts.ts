/**
 * Deterministic dev accounts of anvil's default mnemonic. Devnet only: these keys are public knowledge.
 */
import { type Hex, type PrivateKeyAccount, keccak256, stringToHex, toHex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { BN254_FR_ORDER, type BlsKeyPair, blsKeyPairFromSecret } from '../core/crypto/bls.ts';

/** anvil's default mnemonic ("test test ... junk"). */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/** Private key of anvil dev account `index` (m/44'/60'/0'/0/index). */
export function devPrivateKey(index: number): Hex {
  const hd = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }).getHdKey();
  return toHex(hd.privateKey!);
}

/** anvil dev account `index` as a viem local account. */
export function devAccount(index: number): PrivateKeyAccount {
  return privateKeyToAccount(devPrivateKey(index));
}

/**
 * A deterministic key derived from a label (e.g. `signing-key/2`): reproducible devnet keys that are not anvil dev
 * accounts, so an operator's signing key is never one of the funded accounts.
 */
export function derivedPrivateKey(label: string): Hex {
  return keccak256(stringToHex(`avs-stack devnet: ${label}`));
}

/**
 * Deterministic BN254 BLS key of devnet operator `index` (label `bls-key/<index>`, reduced into [1, r)): the key it
 * registers in the multi-prover registry. Devnet only, like every key here.
 */
export function devnetBlsKey(index: number): BlsKeyPair {
  return blsKeyPairFromSecret((BigInt(derivedPrivateKey(`bls-key/${index}`)) % (BN254_FR_ORDER - 1n)) + 1n);
}
