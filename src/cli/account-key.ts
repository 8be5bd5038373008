/**
 * The private key a command sends transactions with: from an encrypted keystore (Web3 Secret Storage, as the EigenLayer
 * CLI writes it) on any network, or as plain hex on devnets only.
 */
import type { Hex } from 'viem';
import { UsageError } from './errors.ts';
import { resolvePrivateKeyHex } from './options.ts';

/** Chain id of anvil's default chain: the only main chain on which plain hex keys are taken. */
export const DEVNET_MAIN_CHAIN_ID = 31337;

/** Where {@link resolveAccountKey} may find the key. */
export type AccountKeySources = {
  /** The hex-key option's name (e.g. `--key`) and value, and the environment variable behind it. */
  keyOption: string;
  key?: string;
  keyEnv: string;
  /** `--ecdsa-keystore` value, and an environment variable naming a keystore file when neither option is given. */
  keystore?: string;
  keystoreEnv?: string;
  /** `--password-file` value; else $AVS_KEYSTORE_PASSWORD, else a prompt on a terminal. */
  passwordFile?: string;
  /** Main chain of the deployment the key is used on. */
  mainChainId: number;
};

/**
 * Resolves the key: the keystore when one is named (decrypted with the password), else the plain hex key.
 * @throws {UsageError} for both sources at once, a plain hex key off a devnet, or a missing/malformed key.
 * @throws {CommandFailedError} for an unreadable keystore or a wrong password, naming the file.
 */
export async function resolveAccountKey(sources: AccountKeySources): Promise<Hex> {
  const keystoreFile = sources.keystore ?? (sources.key || !sources.keystoreEnv ? undefined : process.env[sources.keystoreEnv] || undefined);
  if (keystoreFile) {
    if (sources.key) throw new UsageError(`give ${sources.keyOption} or --ecdsa-keystore, not both`);
    return keyOfConfigSource({ keystore: keystoreFile, passwordFile: sources.passwordFile });
  }
  if (sources.mainChainId !== DEVNET_MAIN_CHAIN_ID) {
    throw new UsageError(`plain hex keys are for devnets only: give --ecdsa-keystore on a public network`);
  }
  return resolvePrivateKeyHex(sources.keyOption, sources.key, sources.keyEnv);
}

/** A validated key source of a config file (`key`, `publisher`): a keystore and its password file, or a plain hex key. */
export type ConfigKeySource = { keystore?: string; passwordFile?: string; privateKey?: Hex };

/**
 * The private key of a validated config key source: the keystore decrypted (password from `passwordFile`, else
 * $AVS_KEYSTORE_PASSWORD, else a prompt), or the plain key (the config loader already refused one off a devnet).
 * @throws {CommandFailedError} for an unreadable keystore or a wrong password, naming the file.
 */
export async function keyOfConfigSource(source: ConfigKeySource): Promise<Hex> {
  if (source.keystore === undefined) return source.privateKey!;
  const { resolveKeystorePassword } = await import('./commands/keys.ts');
  const { readKeystoreFile } = await import('../core/crypto/keystore.ts');
  // The source comes from a config file, the environment or a flag: name the setting, whichever it was.
  const password = await resolveKeystorePassword({ passwordFile: source.passwordFile, what: source.keystore, passwordFileOption: 'its passwordFile (in the config, or the password-file flag beside the keystore flag)' });
  return (await readKeystoreFile(source.keystore, password)).privateKey;
}
