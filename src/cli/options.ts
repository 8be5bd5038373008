/**
 * Parsing and resolving the `avs` command's options: numbers, addresses, keys, the deployment and the chain to use.
 * Every parser throws {@link UsageError} naming the option, so a bad invocation exits 2 with one line.
 */
import { type Address, type Hex, type PrivateKeyAccount, isAddress, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ChainDeployment, type Deployment, chainOf, readDeployment } from '../core/chain/deployment.ts';
import { type StateProofsDeployment, readStateProofsDeployment } from '../services/state-proofs/deployment.ts';
import { rpcUrlSchema } from '../core/chain/schemas.ts';
import { UsageError } from './errors.ts';

/** Default deployment file, written by `avs devnet`. */
export const DEFAULT_DEPLOYMENT_PATH = '.avs/devnet.json';

/** A non-negative integer (decimal or 0x hex), e.g. a key, value or block number. */
export function parseUint(name: string, text: string): bigint {
  if (!/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(text.trim())) {
    throw new UsageError(`${name} must be a non-negative integer (decimal or 0x hex), got "${text}"`);
  }
  const value = BigInt(text.trim());
  if (value >= 2n ** 256n) throw new UsageError(`${name} does not fit in uint256`);
  return value;
}

/** A positive safe integer (a count, chain id or port). */
export function parseCount(name: string, text: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** A 20-byte address, checksummed on output. */
export function parseAddress(name: string, text: string): Address {
  if (!isAddress(text, { strict: false })) throw new UsageError(`${name} must be a 0x address, got "${text}"`);
  return getAddress(text);
}

/** A 32-byte hash. */
export function parseBytes32(name: string, text: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`${name} must be a 32-byte 0x hex value, got "${text}"`);
  return text.toLowerCase() as Hex;
}

/** 0x-prefixed hex bytes. */
export function parseHexBytes(name: string, text: string): Hex {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(text)) throw new UsageError(`${name} must be 0x-prefixed hex bytes`);
  return text as Hex;
}

/**
 * A private key from an option or, failing that, an environment variable (so keys stay out of shell history).
 * Plain hex keys are for devnets; keystores come with the key tooling.
 */
export function resolvePrivateKey(name: string, text: string | undefined, envName: string): PrivateKeyAccount {
  return privateKeyToAccount(resolvePrivateKeyHex(name, text, envName));
}

/** Like {@link resolvePrivateKey}, returning the checked key itself (for code that signs without viem accounts). */
export function resolvePrivateKeyHex(name: string, text: string | undefined, envName: string): Hex {
  const raw = text || process.env[envName];
  if (!raw) throw new UsageError(`${name} is required (or set ${envName})`);
  const key = (raw.startsWith('0x') ? raw : `0x${raw}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError(`${name} must be a 32-byte hex private key`);
  try {
    privateKeyToAccount(key);
  } catch {
    throw new UsageError(`${name} is not a valid secp256k1 private key`);
  }
  return key;
}

/**
 * Reads the deployment named by `--deployment` (default `.avs/devnet.json`) as the state-proofs commands see it (its
 * `services.state-proofs` section merged in). Errors are failures (exit 1).
 */
export function loadDeployment(path: string | undefined): StateProofsDeployment {
  return readStateProofsDeployment(path ?? DEFAULT_DEPLOYMENT_PATH);
}

/** Reads the core fields of the deployment named by `--deployment`, for commands that need no service (the relayer). */
export function loadCoreDeployment(path: string | undefined): Deployment {
  return readDeployment(path ?? DEFAULT_DEPLOYMENT_PATH);
}

/**
 * The chain a command talks to: `--chain` (default the main chain) of the deployment, with `--rpc` overriding its URL.
 */
export function resolveChain<C extends ChainDeployment>(deployment: { mainChainId: number; chains: readonly C[] }, chain: string | undefined, rpc: string | undefined): C {
  const chainId = chain === undefined ? deployment.mainChainId : parseCount('--chain', chain, { min: 1 });
  const entry = chainOf(deployment, chainId);
  if (rpc !== undefined) {
    // Not echoed: an RPC URL may carry an API key.
    const parsed = rpcUrlSchema.safeParse(rpc);
    if (!parsed.success) throw new UsageError(`--rpc ${parsed.error.issues[0].message}`);
    return { ...entry, rpcUrl: parsed.data };
  }
  return entry;
}
