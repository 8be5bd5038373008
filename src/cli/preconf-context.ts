/**
 * What every `avs preconf` command starts from: the deployment's `services.preconf` section (the UniFiAVSManager
 * registry and the EigenPodManager), the main chain's clients, the sending key, and the parsing of the arguments they
 * share: validators (pubkey, pubkey hash or beacon index), chain-id lists and delegate keys.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type Account, type Address, type Chain, type Hex, type PrivateKeyAccount, type PublicClient, type Transport, type WalletClient, getAddress, size } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { IUniFiAVSManagerAbi } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import { mainChainOf, readDeployment } from '../core/chain/deployment.ts';
import { keystoreAddress, readKeystoreJson } from '../core/crypto/keystore.ts';
import { validatorPubkeyHash } from '../services/preconf/beacon.ts';
import { bitmapFromPositions } from '../services/preconf/bitmap.ts';
import { type PreconfDeployment, preconfDeployment } from '../services/preconf/deployment.ts';
import { resolveAccountKey } from './account-key.ts';
import type { KeyOptions } from './automation-context.ts';
import { UsageError } from './errors.ts';
import { printFields, printJson } from './output.ts';
import { DEFAULT_DEPLOYMENT_PATH, parseAddress, resolvePrivateKeyHex } from './options.ts';

export { keyOptions, readOptions, type KeyOptions } from './automation-context.ts';

/** The environment variable behind `--key`: the operator's plain hex key (devnets only). */
export const OPERATOR_KEY_ENV = 'AVS_OPERATOR_KEY';

/** Options every preconf command takes (the global `--deployment` included). */
export type PreconfGlobals = { deployment?: string; rpc?: string; json?: boolean };

/** The deployment and a public client of its main chain (where the registry lives). */
export type PreconfReader = { deployment: PreconfDeployment; client: PublicClient; registry: { address: Address; abi: typeof IUniFiAVSManagerAbi } };
/** A reader plus the sending account and its wallet. */
export type PreconfWriter = PreconfReader & { account: PrivateKeyAccount; wallet: WalletClient<Transport, Chain, Account> };

/**
 * Reads the deployment named by `--deployment` (default `.avs/devnet.json`) with its preconf section.
 * @throws {DeploymentError} naming `services.preconf` when the file has no (valid) preconf section (exit 1).
 */
export function loadPreconf(opts: PreconfGlobals): PreconfReader {
  const path = opts.deployment ?? DEFAULT_DEPLOYMENT_PATH;
  const deployment = preconfDeployment(readDeployment(path), path);
  const main = mainChainOf(deployment);
  return {
    deployment,
    client: makePublicClient(main.chainId, opts.rpc ?? main.rpcUrl),
    registry: { address: deployment.preconf.registry, abi: IUniFiAVSManagerAbi },
  };
}

/**
 * {@link loadPreconf} plus the sending key from `--ecdsa-keystore`, or `--key` / `$AVS_OPERATOR_KEY` on a devnet.
 * @throws {UsageError} for a missing or malformed key; {CommandFailedError} for an unreadable keystore.
 */
export async function loadPreconfWriter(opts: PreconfGlobals & KeyOptions): Promise<PreconfWriter> {
  const reader = loadPreconf(opts);
  const main = mainChainOf(reader.deployment);
  const key: Hex = await resolveAccountKey({
    keyOption: '--key',
    key: opts.key,
    keyEnv: OPERATOR_KEY_ENV,
    keystore: opts.ecdsaKeystore,
    passwordFile: opts.passwordFile,
    mainChainId: reader.deployment.mainChainId,
  });
  const account = privateKeyToAccount(key);
  return { ...reader, account, wallet: makeWalletClient(main.chainId, opts.rpc ?? main.rpcUrl, account) };
}

/**
 * The operator a read command is about: `address` when given, else the address of the operator key the write commands
 * would use (`--ecdsa-keystore`'s `address` field, read without its password, or `--key` / `$AVS_OPERATOR_KEY`).
 * @throws {UsageError} when there is neither, or one is malformed.
 */
export async function operatorAddressOf(address: string | undefined, opts: KeyOptions): Promise<Address> {
  if (address !== undefined) return parseAddress('[address]', address);
  if (opts.ecdsaKeystore) {
    if (!existsSync(opts.ecdsaKeystore)) throw new UsageError(`--ecdsa-keystore ${opts.ecdsaKeystore} does not exist`);
    const found = keystoreAddress(await readKeystoreJson(opts.ecdsaKeystore), opts.ecdsaKeystore);
    if (!found) throw new UsageError(`--ecdsa-keystore ${opts.ecdsaKeystore} names no address: give the operator's address instead`);
    return found;
  }
  if (!opts.key && !process.env[OPERATOR_KEY_ENV]) {
    throw new UsageError(`give the operator's address (or --key, $${OPERATOR_KEY_ENV} or --ecdsa-keystore, whose address is used)`);
  }
  return privateKeyToAccount(resolvePrivateKeyHex('--key', opts.key, OPERATOR_KEY_ENV)).address;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validators

/** A validator as given on the command line: its pubkey (with its hash), its pubkey hash, or its beacon-chain index. */
export type ValidatorRef =
  | { kind: 'pubkey'; text: string; pubkey: Hex; hash: Hex }
  | { kind: 'hash'; text: string; hash: Hex }
  | { kind: 'index'; text: string; index: bigint };

/** Largest beacon-chain validator index (uint64, as EigenPods store it). */
const MAX_VALIDATOR_INDEX = 2n ** 64n - 1n;

/**
 * Parses a validator argument: `0x` + 48 bytes is a BLS pubkey (with its hash, sha256(pubkey ‖ 16 zero bytes)), `0x` + 32
 * bytes a pubkey hash, a decimal number a beacon-chain index (0 is a validator like any other).
 * @param name Names the argument in the error, e.g. `<validator>`.
 * @throws {UsageError} for anything else.
 */
export function parseValidatorRef(name: string, text: string): ValidatorRef {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]{96}$/.test(t)) {
    const pubkey = t.toLowerCase() as Hex;
    return { kind: 'pubkey', text, pubkey, hash: validatorPubkeyHash(pubkey) };
  }
  if (/^0x[0-9a-fA-F]{64}$/.test(t)) return { kind: 'hash', text, hash: t.toLowerCase() as Hex };
  if (/^(0|[1-9][0-9]*)$/.test(t)) {
    const index = BigInt(t);
    if (index > MAX_VALIDATOR_INDEX) throw new UsageError(`${name} index ${t} is above the largest validator index (2^64 - 1)`);
    return { kind: 'index', text, index };
  }
  throw new UsageError(`${name} must be a 48-byte 0x BLS pubkey, its 32-byte 0x pubkey hash, or a decimal beacon-chain index, got "${text}"`);
}

/**
 * Parses the validators a write command takes, as pubkey hashes: pubkeys or hashes, each once. A beacon index is
 * refused: the registry keys validators by pubkey hash and cannot turn an index of a validator it has not registered
 * into one.
 * @throws {UsageError} for an index, a malformed argument, a repeated validator or none at all.
 */
export function parseValidatorKeys(name: string, texts: readonly string[]): (ValidatorRef & { kind: 'pubkey' | 'hash' })[] {
  if (texts.length === 0) throw new UsageError(`${name}: give at least one validator`);
  const seen = new Map<Hex, string>();
  return texts.map((text) => {
    const ref = parseValidatorRef(name, text);
    if (ref.kind === 'index') {
      throw new UsageError(`${name} ${text}: give the validator's 48-byte pubkey or its 32-byte pubkey hash, not its beacon index (the registry keys validators by pubkey hash)`);
    }
    const earlier = seen.get(ref.hash);
    if (earlier !== undefined) throw new UsageError(`${name}: validator ${text} is given twice (also as ${earlier})`);
    seen.set(ref.hash, text);
    return ref;
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Commitments: delegate key and chains

/** Every position of the registry's chain bitmap (1..255; bit 0 is never used): bitmapToChainIDs of it lists every chain. */
export const ALL_CHAIN_POSITIONS = bitmapFromPositions(Array.from({ length: 255 }, (_, i) => i + 1));

/**
 * Parses `--chains <id,id,…>`: distinct positive decimal chain ids (EIP-155), in the order given.
 * @throws {UsageError} naming the option for an empty list, a malformed or repeated id.
 */
export function parseChainIdList(name: string, text: string): bigint[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.every((p) => p === '')) throw new UsageError(`${name} must list at least one chain id, e.g. 1,8453`);
  const ids: bigint[] = [];
  for (const p of parts) {
    if (!/^[1-9][0-9]{0,77}$/.test(p)) throw new UsageError(`${name} must be comma-separated positive decimal chain ids, got "${p}" in "${text}"`);
    const id = BigInt(p);
    if (id >= 2n ** 256n) throw new UsageError(`${name}: chain id ${p} does not fit in uint256`);
    if (ids.includes(id)) throw new UsageError(`${name}: chain id ${p} is given twice`);
    ids.push(id);
  }
  return ids;
}

/**
 * The chain bitmap of `chainIds` given the registry's position of each (`positions[i]` = getBitmapIndex(chainIds[i]),
 * 0 when it has none).
 * @returns the bitmap, or the chain ids with no position (in the order given) when there are any.
 */
export function chainBitmapOf(chainIds: readonly bigint[], positions: readonly number[]): { bitmap: bigint; unknown: bigint[] } {
  if (positions.length !== chainIds.length) throw new RangeError(`${chainIds.length} chain ids but ${positions.length} positions`);
  const unknown = chainIds.filter((_, i) => positions[i] === 0);
  return { bitmap: unknown.length === 0 ? bitmapFromPositions(positions) : 0n, unknown };
}

/**
 * Parses `--delegate-key`: the key that signs preconfirmations, as 0x hex bytes (an address is 20 bytes; the registry
 * stores any length, but only 20-byte keys can sign what isValidPreconfirmation checks).
 * @returns the key as lower-case hex bytes.
 * @throws {UsageError} for an empty or malformed key.
 */
export function parseDelegateKey(name: string, text: string): Hex {
  const t = text.trim();
  if (!/^0x([0-9a-fA-F]{2})+$/.test(t)) throw new UsageError(`${name} must be an 0x address or non-empty 0x hex bytes, got "${text}"`);
  return t.toLowerCase() as Hex;
}

/** A delegate key for display: the checksummed address when it is 20 bytes, else its hex; null when empty. */
export function formatDelegateKey(key: Hex): string | null {
  if (key === '0x') return null;
  return size(key) === 20 ? getAddress(key) : key;
}

// ---------------------------------------------------------------------------------------------------------------------
// The registry's chains

/** One bitmap position of the registry and the chain id it stands for. */
export type RegistryChain = { position: number; chainId: bigint };

/**
 * Every mapped position of the registry, ascending: one bitmapToChainIDs call over all positions gives the chain ids
 * (unmapped positions skipped), then one getBitmapIndex per chain id gives its position, so the reads stop at what is
 * mapped instead of asking for all 255 positions.
 */
export async function readRegistryChains(reader: Pick<PreconfReader, 'client' | 'registry'>, blockNumber?: bigint): Promise<RegistryChain[]> {
  const { client, registry } = reader;
  const at = blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const chainIds = await client.readContract({ ...registry, functionName: 'bitmapToChainIDs', args: [ALL_CHAIN_POSITIONS], blockNumber: at });
  const positions = await Promise.all(chainIds.map((id) => client.readContract({ ...registry, functionName: 'getBitmapIndex', args: [id], blockNumber: at })));
  return chainIds.map((chainId, i) => ({ position: positions[i]!, chainId }));
}

/**
 * The bitmap of `chainIds` as the registry maps them (getBitmapIndex of each).
 * @throws {UsageError} naming `name`, every chain id the registry has no position for, and the chains it has.
 */
export async function commitmentBitmap(reader: Pick<PreconfReader, 'client' | 'registry'>, name: string, chainIds: readonly bigint[]): Promise<bigint> {
  const { client, registry } = reader;
  const positions = await Promise.all(chainIds.map((id) => client.readContract({ ...registry, functionName: 'getBitmapIndex', args: [id] })));
  const { bitmap, unknown } = chainBitmapOf(chainIds, positions);
  if (unknown.length === 0) return bitmap;
  const known = await readRegistryChains(reader);
  const list = known.length === 0 ? 'it maps none yet (its owner adds them with setChainID)' : `it maps ${known.map((c) => c.chainId).join(', ')}`;
  throw new UsageError(`${name}: the registry has no bitmap position for chain id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; ${list}`);
}

/** A commitment for display: its delegate key (null if none), bitmap and the chain ids it stands for. */
export type CommitmentView = { delegateKey: string | null; chainIds: bigint[]; chainIDBitMap: bigint };

/** `commitment` with its chain ids (bitmapToChainIDs at `blockNumber`, default latest). */
export async function commitmentView(
  reader: Pick<PreconfReader, 'client' | 'registry'>,
  commitment: { delegateKey: Hex; chainIDBitMap: bigint },
  blockNumber?: bigint,
): Promise<CommitmentView> {
  const chainIds =
    commitment.chainIDBitMap === 0n
      ? []
      : [...(await reader.client.readContract({ ...reader.registry, functionName: 'bitmapToChainIDs', args: [commitment.chainIDBitMap], blockNumber }))];
  return { delegateKey: formatDelegateKey(commitment.delegateKey), chainIds, chainIDBitMap: commitment.chainIDBitMap };
}

/** A commitment in words: `delegate key 0x…, chains 1, 8453`. */
export function formatCommitment(c: { delegateKey: string | null; chainIds: readonly bigint[] }): string {
  return `delegate key ${c.delegateKey ?? '(none)'}, chains ${c.chainIds.length ? c.chainIds.join(', ') : '(none)'}`;
}

/**
 * Prints a write's result: JSON with `--json`, else aligned fields, a commitment in words and each entry of a list of
 * records on a line of its own.
 */
export function printResult(result: Record<string, unknown>, json: boolean | undefined): void {
  if (json) {
    printJson(result);
    return;
  }
  const fields: Record<string, unknown> = {};
  const lists: [string, Record<string, unknown>[]][] = [];
  for (const [key, value] of Object.entries(result)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null)) lists.push([key, value as Record<string, unknown>[]]);
    else if (isCommitmentView(value)) fields[key] = formatCommitment(value);
    else fields[key] = value === null ? '(none)' : value;
  }
  printFields(fields);
  for (const [key, entries] of lists) {
    process.stdout.write(`${key}:${entries.length === 0 ? ' (none)' : ''}\n`);
    for (const entry of entries) {
      process.stdout.write(`  ${Object.entries(entry).map(([k, v]) => `${k} ${typeof v === 'bigint' ? v.toString() : String(v)}`).join(', ')}\n`);
    }
  }
}

function isCommitmentView(value: unknown): value is CommitmentView {
  return typeof value === 'object' && value !== null && 'chainIDBitMap' in value && 'chainIds' in value && 'delegateKey' in value;
}
