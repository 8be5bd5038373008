/**
 * `avs operator keys create|import|list|show`: encrypted operator keys in the EigenLayer CLI's layout
 * (`~/.eigenlayer/operator_keys/<name>.ecdsa.key.json`, `<name>.bls.key.json`; `--dir` overrides), so keys made here
 * work with `eigenlayer operator ...` and eigensdk nodes, and keys made there work here.
 *
 * - ECDSA: Web3 Secret Storage v3 (src/core/crypto/keystore.ts).
 * - BLS (BN254): the EigenLayer CLI's format by default, EIP-2335 with `--format eip2335` (src/core/crypto/keystore-bls.ts).
 *
 * Passwords come from `--password-file <path>` (one trailing newline stripped), else `$AVS_KEYSTORE_PASSWORD`, else an
 * interactive prompt on the terminal with no echo. They are never printed or logged; `create`/`import` refuse an empty
 * one. Nothing here prints a private key.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { InvalidBlsKeyError, blsKeyPairFromSecret, g1ToEigenString, g1ToHex, operatorIdOf, parseBlsSecret, randomBlsSecret } from '../../core/crypto/bls.ts';
import { type BlsKeystoreFormat, blsKeystoreInfo, encryptBlsKeystore } from '../../core/crypto/keystore-bls.ts';
import { encryptKeystore, keystoreAddress, readKeystoreJson } from '../../core/crypto/keystore.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { printFields, printJson } from '../output.ts';

/** Where the EigenLayer CLI keeps operator keys: `$HOME/.eigenlayer/operator_keys`. */
export function defaultKeysDir(): string {
  return join(homedir(), '.eigenlayer', 'operator_keys');
}

/** Environment variable holding a keystore password (for automation; prefer `--password-file`). */
export const PASSWORD_ENV = 'AVS_KEYSTORE_PASSWORD';

export type KeyType = 'ecdsa' | 'bls';

/** One key file as `list` and `show` describe it. Public data only. */
export type KeyEntry =
  | { name: string; type: 'ecdsa'; file: string; address: string | null }
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
    .argument('[key]', 'the private key: hex for ecdsa; decimal or 0x hex for bls (prefer --key-file: arguments reach shell history)')
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
      entries.forEach((entry, i) => {
        if (i > 0) process.stdout.write('\n');
        printFields(entry);
      });
    });

  keys
    .command('show')
    .description('show a key’s address or public key (never the private key)')
    .argument('<name>', 'key name')
    .addOption(new Option('--type <type>', 'only this key type').choices(['ecdsa', 'bls']))
    .addOption(dirOption())
    .option('--json', 'print the result as JSON (an array, like list)')
    .action(async (name: string, opts: { type?: KeyType; dir?: string; json?: boolean }) => {
      checkName(name);
      const dir = keysDir(opts.dir);
      const entries = (await listKeys(dir)).filter((e) => e.name === name && (!opts.type || e.type === opts.type));
      if (entries.length === 0) throw new CommandFailedError(`no ${opts.type ? `${opts.type} ` : ''}key named "${name}" in ${dir}`);
      if (opts.json) return printJson(entries);
      entries.forEach((entry, i) => {
        if (i > 0) process.stdout.write('\n');
        printFields(entry);
      });
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
  const pair = blsKeyPairFromSecret(secret.secret);
  return {
    name: opts.name,
    type: 'bls',
    file,
    format: opts.format,
    publicKeyG1: g1ToEigenString(pair.publicKeyG1),
    publicKeyG1Hex: `0x${g1ToHex(pair.publicKeyG1)}`,
    operatorId: pair.operatorId,
  };
}

function parseSecret(type: KeyType, text: string): Secret {
  if (type === 'bls') {
    try {
      return { type, secret: parseBlsSecret(text) };
    } catch (error) {
      if (error instanceof InvalidBlsKeyError) throw new UsageError(error.message);
      throw error;
    }
  }
  const key = (text.startsWith('0x') ? text : `0x${text}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError('an ecdsa private key must be 32 bytes of hex');
  try {
    privateKeyToAccount(key);
  } catch {
    throw new UsageError('the ecdsa private key is not a valid secp256k1 scalar');
  }
  return { type, privateKey: key.toLowerCase() as Hex };
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
  for (const fileName of names.sort()) {
    const match = /^([^.]+)\.(ecdsa|bls)\.key\.json$/.exec(fileName);
    if (!match) continue;
    const [, name, type] = match as unknown as [string, string, KeyType];
    const file = join(dir, fileName);
    try {
      const json = await readKeystoreJson(file);
      if (type === 'ecdsa') {
        entries.push({ name, type, file, address: keystoreAddress(json, file) ?? null });
      } else {
        const info = blsKeystoreInfo(json, file);
        const g1 = info.publicKeyG1;
        entries.push({
          name,
          type,
          file,
          format: info.format,
          publicKeyG1: g1 ? g1ToEigenString(g1) : null,
          publicKeyG1Hex: g1 ? `0x${g1ToHex(g1)}` : null,
          operatorId: g1 ? operatorIdOf(g1) : null,
        });
      }
    } catch (error) {
      entries.push({ name, type, file, error: (error as Error).message });
    }
  }
  return entries.sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name < b.name ? -1 : 1));
}

function printEntry(entry: KeyEntry, json: boolean | undefined): void {
  if (json) printJson(entry);
  else printFields(entry);
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
export async function resolveKeystorePassword(options: { passwordFile?: string; create?: boolean; what: string }): Promise<string> {
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
    throw new UsageError(`a keystore password is needed: give --password-file, set ${PASSWORD_ENV}, or run in a terminal to be asked`);
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
