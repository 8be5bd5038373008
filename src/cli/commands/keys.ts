/**
 * `avs operator keys create|import|list|show|check`: encrypted operator keys in the EigenLayer CLI's layout
 * (`~/.eigenlayer/operator_keys/<name>.ecdsa.key.json`, `<name>.bls.key.json`; `--dir` overrides), so keys made here
 * work with `eigenlayer operator ...` and eigensdk nodes, and keys made there work here.
 *
 * - ECDSA: Web3 Secret Storage v3 (src/core/crypto/keystore.ts).
 * - BLS (BN254): the EigenLayer CLI's format by default, EIP-2335 with `--format eip2335` (src/core/crypto/keystore-bls.ts).
 *
 * Passwords come from `--password-file <path>` (one trailing newline stripped), else `$AVS_KEYSTORE_PASSWORD`, else an
 * interactive prompt on the terminal with no echo. They are never printed or logged; `create`/`import` refuse an empty
 * one. Nothing here prints a private key.
 *
 * `import` reads keys as the EigenLayer CLI does (BLS: decimal or hex, reduced modulo r; ECDSA: hex, leading zeros
 * optional). `show` and `check` take a key name, a file name in the key directory, or a path.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type BlsKeyPair,
  InvalidBlsKeyError,
  blsKeyPairFromSecret,
  g1ToEigenString,
  g1ToHex,
  operatorIdOf,
  parseBlsInteger,
  randomBlsSecret,
  reduceBlsSecret,
} from '../../core/crypto/bls.ts';
import { InvalidEcdsaKeyError, parseEcdsaPrivateKey } from '../../core/crypto/ecdsa.ts';
import { type BlsKeystoreFormat, blsKeystoreInfo, decryptBlsKeystore, encryptBlsKeystore } from '../../core/crypto/keystore-bls.ts';
import { KeystoreError, decryptKeystore, encryptKeystore, keystoreAddress, readKeystoreJson } from '../../core/crypto/keystore.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { formatExamples } from '../examples.ts';
import { printFields, printJson } from '../output.ts';

/** Where the EigenLayer CLI keeps operator keys: `$HOME/.eigenlayer/operator_keys`. */
export function defaultKeysDir(): string {
  return join(homedir(), '.eigenlayer', 'operator_keys');
}

/** Environment variable holding a keystore password (for automation; prefer `--password-file`). */
export const PASSWORD_ENV = 'AVS_KEYSTORE_PASSWORD';

export type KeyType = 'ecdsa' | 'bls';

/**
 * What `check` confirmed: the decrypted key matches the file's declared `address` (ECDSA) or public key (BLS), or, for a
 * file that declares neither, only that the password opens it.
 */
export type Verified = 'address' | 'publicKey' | 'password-only';

/** One key file as `list`, `show` and `check` describe it. Public data only. */
export type KeyEntry =
  | { name: string; type: 'ecdsa'; file: string; address: string | null; verified?: Verified }
  | {
      name: string;
      type: 'bls';
      file: string;
      format: BlsKeystoreFormat;
      /** `E([x,y])`, as the EigenLayer CLI prints it. */
      publicKeyG1: string | null;
      /** 0x x ‖ y, 64 bytes. */
      publicKeyG1Hex: Hex | null;
      operatorId: Hex | null;
      verified?: Verified;
    }
  | { name: string; type: KeyType; file: string; error: string };

/** Adds `keys` under the `operator` command (which `registerOperatorCommands` created). */
export function registerKeysCommands(program: Command): void {
  const operator = program.commands.find((c) => c.name() === 'operator');
  if (!operator) throw new Error('registerKeysCommands: register the operator command first');
  const keys = operator.command('keys').description('create, import, list and show encrypted operator keys (EigenLayer CLI layout)');

  const typeOption = () => new Option('--type <type>', 'key type').choices(['ecdsa', 'bls']).makeOptionMandatory();
  const formatOption = () =>
    new Option('--format <format>', 'BLS keystore format: eigenlayer (the EigenLayer CLI’s) or eip2335').choices(['eigenlayer', 'eip2335']).default('eigenlayer');
  const dirOption = () => new Option('--dir <path>', 'key directory (default: ~/.eigenlayer/operator_keys)');
  const passwordOption = () => new Option('--password-file <path>', `file holding the password (default: $${PASSWORD_ENV}, else a prompt)`);

  keys
    .command('create')
    .description('generate a key and save it encrypted as <dir>/<name>.<type>.key.json')
    .addOption(typeOption())
    .requiredOption('--name <name>', 'key name (letters, digits, - and _)')
    .addOption(formatOption())
    .addOption(dirOption())
    .addOption(passwordOption())
    .option('--json', 'print the result as JSON')
    .action(async (opts: { type: KeyType; name: string; format: BlsKeystoreFormat; dir?: string; passwordFile?: string; json?: boolean }) => {
      const secret: Secret = opts.type === 'ecdsa' ? { type: 'ecdsa', privateKey: randomEcdsaKey() } : { type: 'bls', secret: randomBlsSecret() };
      printEntry(await saveKey(opts, secret), opts.json);
    });

  keys
    .command('import')
    .description('encrypt an existing private key as <dir>/<name>.<type>.key.json')
    .argument('[key]', 'the private key: hex for ecdsa (leading zeros optional); decimal or hex for bls, reduced mod r (prefer --key-file: arguments reach shell history)')
    .addOption(typeOption())
    .requiredOption('--name <name>', 'key name (letters, digits, - and _)')
    .option('--key-file <path>', 'read the private key from this file instead')
    .addOption(formatOption())
    .addOption(dirOption())
    .addOption(passwordOption())
    .option('--json', 'print the result as JSON')
    .action(
      async (
        keyArg: string | undefined,
        opts: { type: KeyType; name: string; keyFile?: string; format: BlsKeystoreFormat; dir?: string; passwordFile?: string; json?: boolean },
      ) => {
        if ((keyArg === undefined) === (opts.keyFile === undefined)) throw new UsageError('give the private key as an argument or with --key-file (one of them)');
        const text = keyArg ?? (await readSmallFile(opts.keyFile!, '--key-file')).trim();
        printEntry(await saveKey(opts, parseSecret(opts.type, text)), opts.json);
      },
    );

  keys
    .command('list')
    .description('list the keys in the key directory (addresses and public keys; no password needed)')
    .addOption(dirOption())
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const dir = keysDir(opts.dir);
      const entries = await listKeys(dir);
      if (opts.json) return printJson(entries);
      if (entries.length === 0) process.stderr.write(`no keys in ${dir}\n`);
      printEntries(entries);
    });

  const keyArgument = 'key name, file name in the key directory (<name>.<type>.key.json), or path to a key file';

  keys
    .command('show')
    .description('show a key’s address or public key (never the private key; no password needed)')
    .argument('<key>', keyArgument)
    .addOption(new Option('--type <type>', 'only this key type').choices(['ecdsa', 'bls']))
    .addOption(dirOption())
    .option('--json', 'print the result as JSON (an array, like list)')
    .action(async (key: string, opts: { type?: KeyType; dir?: string; json?: boolean }) => {
      const entries = await findKeys(keysDir(opts.dir), key, opts.type);
      if (opts.json) return printJson(entries);
      printEntries(entries);
    });

  keys
    .command('check')
    .description('decrypt a key with its password and check it matches the address or public key its file declares (exit 1 if not)')
    .argument('<key>', keyArgument)
    .addOption(new Option('--type <type>', 'only this key type').choices(['ecdsa', 'bls']))
    .addOption(dirOption())
    .addOption(passwordOption())
    .option('--json', 'print the result as JSON (an array, like list; failed keys carry an error)')
    .addHelpText(
      'after',
      formatExamples([
        'avs operator keys check signer --type ecdsa --password-file ./pw   # exit 0: the password opens it and the address matches',
        'avs operator keys check ./old/op.bls.key.json                      # a file anywhere; asks for the password',
      ]),
    )
    .action(async (key: string, opts: { type?: KeyType; dir?: string; passwordFile?: string; json?: boolean }) => {
      const entries = await findKeys(keysDir(opts.dir), key, opts.type);
      const results: KeyEntry[] = [];
      for (const entry of entries) results.push(await checkKey(entry, opts.passwordFile));
      const failed = results.filter((r): r is KeyEntry & { error: string } => 'error' in r);
      if (opts.json) printJson(results);
      else printEntries(results.filter((r) => !('error' in r)));
      if (failed.length === 1) throw new CommandFailedError(failed[0].error);
      if (failed.length > 1) throw new CommandFailedError(`${failed.length} keys failed: ${failed.map((f) => f.error).join('; ')}`);
    });
}

// ---------------------------------------------------------------------------------------------------------------------
// Saving and describing keys

type Secret = { type: 'ecdsa'; privateKey: Hex } | { type: 'bls'; secret: bigint };

function keysDir(dir: string | undefined): string {
  return resolve(dir ?? defaultKeysDir());
}

/** `<dir>/<name>.<type>.key.json`. */
export function keyFilePath(dir: string, name: string, type: KeyType): string {
  return join(dir, `${name}.${type}.key.json`);
}

/** Key names become file names that the EigenLayer CLI splits on ".": letters, digits, "-" and "_" only. */
function checkName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1 to 64 letters, digits, "-" or "_", got "${name}"`);
}

async function saveKey(opts: { type: KeyType; name: string; format: BlsKeystoreFormat; dir?: string; passwordFile?: string }, secret: Secret): Promise<KeyEntry> {
  checkName(opts.name);
  const dir = keysDir(opts.dir);
  const file = keyFilePath(dir, opts.name, opts.type);
  if (await exists(file)) throw new CommandFailedError(`key "${opts.name}" (${opts.type}) already exists: ${file}`);
  const password = await resolveKeystorePassword({ passwordFile: opts.passwordFile, create: true, what: `the ${opts.type} key "${opts.name}"` });
  const keystore = secret.type === 'ecdsa' ? await encryptKeystore(secret.privateKey, password) : await encryptBlsKeystore(secret.secret, password, opts.format);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, JSON.stringify(keystore), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CommandFailedError(`key "${opts.name}" (${opts.type}) already exists: ${file}`);
    throw new CommandFailedError(`cannot write ${file}: ${(error as Error).message}`);
  }
  if (secret.type === 'ecdsa') return { name: opts.name, type: 'ecdsa', file, address: privateKeyToAccount(secret.privateKey).address };
  return blsEntry(opts.name, file, opts.format, blsKeyPairFromSecret(secret.secret).publicKeyG1);
}

function blsEntry(name: string, file: string, format: BlsKeystoreFormat, g1: BlsKeyPair['publicKeyG1'] | undefined): KeyEntry {
  return {
    name,
    type: 'bls',
    file,
    format,
    publicKeyG1: g1 ? g1ToEigenString(g1) : null,
    publicKeyG1Hex: g1 ? `0x${g1ToHex(g1)}` : null,
    operatorId: g1 ? operatorIdOf(g1) : null,
  };
}

/**
 * The key `import` was given, read as the EigenLayer CLI reads it. A BLS secret outside [1, r) is reduced modulo r, with
 * a note on stderr (the CLI reduces silently; the public key is that of the reduced secret either way).
 */
function parseSecret(type: KeyType, text: string): Secret {
  try {
    if (type === 'ecdsa') return { type, privateKey: parseEcdsaPrivateKey(text) };
    const value = parseBlsInteger(text);
    const secret = reduceBlsSecret(value);
    if (secret !== value) process.stderr.write('note: the BLS secret is outside [1, r); importing it reduced modulo r, as the EigenLayer CLI does\n');
    return { type, secret };
  } catch (error) {
    if (error instanceof InvalidBlsKeyError || error instanceof InvalidEcdsaKeyError) throw new UsageError(error.message);
    throw error;
  }
}

function randomEcdsaKey(): Hex {
  for (;;) {
    const key = `0x${randomBytes(32).toString('hex')}` as Hex;
    try {
      privateKeyToAccount(key);
      return key;
    } catch {
      // 0 or ≥ n: astronomically unlikely; draw again.
    }
  }
}

/** `<name>.ecdsa.key.json` / `<name>.bls.key.json`; names may hold dots, as the EigenLayer CLI allows. */
const KEY_FILE_NAME = /^(.+)\.(ecdsa|bls)\.key\.json$/;

/**
 * Every `<name>.ecdsa.key.json` and `<name>.bls.key.json` in `dir`, sorted by name then type, read without a password.
 * A file that cannot be read or parsed is listed with an `error` instead of failing the listing. A missing directory
 * lists nothing.
 */
export async function listKeys(dir: string): Promise<KeyEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CommandFailedError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  const entries: KeyEntry[] = [];
  for (const fileName of names) {
    const match = KEY_FILE_NAME.exec(fileName);
    if (match) entries.push(await describeKeyFile(join(dir, fileName), match[1], match[2] as KeyType));
  }
  return entries.sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name < b.name ? -1 : 1));
}

/**
 * The keys `key` names, for `show` and `check`: with no path separator, every key in `dir` whose name, `<name>.<type>`
 * or file name is `key` (so every file `list` shows can be named); otherwise, or when `dir` has none, the file at path
 * `key`, its type from `type`, its `.ecdsa.key.json`/`.bls.key.json` suffix, or its content.
 * @throws {CommandFailedError} when nothing matches.
 */
export async function findKeys(dir: string, key: string, type?: KeyType): Promise<KeyEntry[]> {
  const isPath = key.includes('/') || key.includes(sep);
  if (!isPath) {
    const matches = (await listKeys(dir)).filter(
      (e) => (!type || e.type === type) && (e.name === key || `${e.name}.${e.type}` === key || basename(e.file) === key),
    );
    if (matches.length > 0) return matches;
  }
  const file = resolve(key);
  if (!(await exists(file))) {
    throw new CommandFailedError(isPath ? `no such key file: ${file}` : `no ${type ? `${type} ` : ''}key named "${key}" in ${dir}, and no file ${file}`);
  }
  const match = KEY_FILE_NAME.exec(basename(file));
  if (type && match && match[2] !== type) throw new UsageError(`${file} is named as a ${match[2]} key, not ${type}`);
  return [await describeKeyFile(file, match ? match[1] : basename(file), type ?? (match?.[2] as KeyType | undefined))];
}

/**
 * Describes one key file from its public fields, without a password; a file that cannot be read or parsed gets an
 * `error`. With no `type`, the content decides: a `pubKey` (EigenLayer CLI) or version 4 (EIP-2335) is BLS, else ECDSA.
 */
async function describeKeyFile(file: string, name: string, type?: KeyType): Promise<KeyEntry> {
  let json: unknown;
  try {
    json = await readKeystoreJson(file);
  } catch (error) {
    // Listed files have a type from their name; a bare path that is not even JSON has none to report it under.
    if (!type) throw new CommandFailedError((error as Error).message);
    return { name, type, file, error: (error as Error).message };
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const kind: KeyType = type ?? (typeof record.pubKey === 'string' || record.version === 4 ? 'bls' : 'ecdsa');
  try {
    if (kind === 'ecdsa') return { name, type: kind, file, address: keystoreAddress(json, file) ?? null };
    const info = blsKeystoreInfo(json, file);
    return blsEntry(name, file, info.format, info.publicKeyG1);
  } catch (error) {
    return { name, type: kind, file, error: (error as Error).message };
  }
}

/**
 * Decrypts a listed key with its password and checks it against the address or public key its file declares
 * (decryptKeystore and decryptBlsKeystore do the comparison). A wrong password, a mismatch or an unreadable file comes
 * back as an entry with `error`; the password is asked for (or read) once per key.
 */
async function checkKey(entry: KeyEntry, passwordFile: string | undefined): Promise<KeyEntry> {
  const failed = (why: string): KeyEntry => ({ name: entry.name, type: entry.type, file: entry.file, error: why });
  if ('error' in entry) return failed(entry.error);
  const password = await resolveKeystorePassword({ passwordFile, what: entry.file });
  try {
    const json = await readKeystoreJson(entry.file);
    if (entry.type === 'ecdsa') {
      const key = await decryptKeystore(json, password, { file: entry.file });
      return { ...entry, address: key.address, verified: entry.address ? 'address' : 'password-only' };
    }
    const key = await decryptBlsKeystore(json, password, { file: entry.file });
    return { ...blsEntry(entry.name, entry.file, key.format, key.publicKeyG1), verified: entry.publicKeyG1 ? 'publicKey' : 'password-only' };
  } catch (error) {
    if (error instanceof KeystoreError) return failed(error.message);
    throw error;
  }
}

function printEntry(entry: KeyEntry, json: boolean | undefined): void {
  if (json) printJson(entry);
  else printFields(entry);
}

function printEntries(entries: readonly KeyEntry[]): void {
  entries.forEach((entry, i) => {
    if (i > 0) process.stdout.write('\n');
    printFields(entry);
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Passwords

/**
 * The password for a keystore: `--password-file` (its content minus one trailing newline), else `$AVS_KEYSTORE_PASSWORD`,
 * else a no-echo prompt on the terminal (asked twice when creating). Never printed or logged.
 * @param options.create refuse an empty password and confirm a prompted one (creating or importing a key).
 * @param options.what what the password is for, shown in the prompt (e.g. the keystore file).
 * @throws {UsageError} when there is no password source, or an empty password on create.
 * @throws {CommandFailedError} when the password file cannot be read or the prompt is cancelled.
 */
export async function resolveKeystorePassword(options: { passwordFile?: string; create?: boolean; what: string; passwordFileOption?: string }): Promise<string> {
  let password: string;
  if (options.passwordFile !== undefined) {
    password = (await readSmallFile(options.passwordFile, '--password-file')).replace(/\r?\n$/, '');
  } else if (process.env[PASSWORD_ENV] !== undefined) {
    password = process.env[PASSWORD_ENV]!;
  } else if (process.stdin.isTTY) {
    password = await promptHidden(`Password for ${options.what}: `);
    if (options.create && password !== '' && (await promptHidden('Repeat the password: ')) !== password) {
      throw new CommandFailedError('the passwords did not match');
    }
  } else {
    throw new UsageError(`a keystore password is needed for ${options.what}: give ${options.passwordFileOption ?? '--password-file'}, set ${PASSWORD_ENV}, or run in a terminal to be asked`);
  }
  if (options.create && password === '') throw new UsageError('refusing an empty keystore password');
  return password;
}

/** Reads a small text file named by an option; errors name the option and the file, never the content. */
async function readSmallFile(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new CommandFailedError(`cannot read ${option} ${path}: ${why}`);
  }
}

/** Asks on stderr and reads a line from the terminal without echoing it (readline writing to a muted stream). */
async function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) process.stderr.write(chunk, encoding);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolvePromise, reject) => {
      let answered = false;
      rl.on('SIGINT', () => reject(new CommandFailedError('cancelled')));
      rl.on('close', () => {
        if (!answered) reject(new CommandFailedError('cancelled (no password entered)'));
      });
      rl.question(question, (answer) => {
        answered = true;
        resolvePromise(answer);
      });
      muted = true;
    });
  } finally {
    muted = false;
    rl.close();
    process.stderr.write('\n');
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
