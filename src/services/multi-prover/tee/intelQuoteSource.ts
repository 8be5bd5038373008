/**
 * Where an Intel TEE's quotes come from: the operating system's interfaces, no vendor SDK.
 *
 * - TDX guest: Linux configfs-tsm (kernel 6.7 and later, Documentation/ABI/testing/configfs-tsm): a report directory
 *   made under `/sys/kernel/config/tsm/report/`, the 64 bytes of report data written to its `inblob`, the quote read
 *   from its `outblob`; `generation` counts writes to the directory, so an unchanged value from after our write to after
 *   our read proves no other writer changed `inblob` in between. The directory is removed afterwards.
 * - SGX enclave under Gramine: the 64 bytes written to `/dev/attestation/user_report_data`, the quote read from
 *   `/dev/attestation/quote` (Gramine's DCAP attestation pseudo-files).
 * - A recorded quote file (tests, dry runs): the same bytes whatever the report data; the TEE's and keeper's checks
 *   then refuse it unless its report data is the one asked for.
 *
 * The OS interfaces hold one request at a time per directory or process, so each source serializes its own calls.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';

/** Report data length (bytes) of SGX and TDX reports. */
export const INTEL_REPORT_DATA_LENGTH = 64;

/** Default configfs-tsm report directory. */
export const CONFIGFS_TSM_REPORT_PATH = '/sys/kernel/config/tsm/report';
/** Default Gramine attestation directory. */
export const GRAMINE_ATTESTATION_PATH = '/dev/attestation';

/** A quote could not be obtained: the interface is missing, refused the request, or was changed under us. */
export class IntelQuoteSourceError extends Error {
  override name = 'IntelQuoteSourceError';
}

/** Something that returns an Intel DCAP quote binding 64 bytes of report data. */
export interface IntelQuoteSource {
  /** What the source is, for logs and errors (e.g. `configfs-tsm /sys/kernel/config/tsm/report`). */
  readonly description: string;
  /**
   * A quote binding `reportData`.
   * @param reportData exactly 64 bytes.
   * @throws {IntelQuoteSourceError} when no quote can be obtained.
   */
  quote(reportData: Uint8Array): Promise<Uint8Array>;
}

/** The file operations a source uses (node:fs/promises by default; tests stand in for the kernel's files). */
export type QuoteSourceFs = {
  mkdir(path: string): Promise<unknown>;
  rmdir(path: string): Promise<unknown>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<unknown>;
};

const nodeFs: QuoteSourceFs = {
  mkdir: (path) => fsp.mkdir(path),
  rmdir: (path) => fsp.rmdir(path),
  readFile: (path) => fsp.readFile(path),
  writeFile: (path, data) => fsp.writeFile(path, data),
};

/** Runs calls one after another. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

function checkReportData(reportData: Uint8Array): void {
  if (reportData.length !== INTEL_REPORT_DATA_LENGTH) throw new IntelQuoteSourceError(`report data is ${INTEL_REPORT_DATA_LENGTH} bytes, got ${reportData.length}`);
}

function ioError(what: string, error: unknown): IntelQuoteSourceError {
  const code = (error as NodeJS.ErrnoException)?.code;
  return new IntelQuoteSourceError(`${what}: ${code ?? (error as Error)?.message ?? String(error)}`, { cause: error });
}

/** Options of {@link ConfigfsTsmQuoteSource}. */
export type ConfigfsTsmOptions = {
  /** The report directory (default {@link CONFIGFS_TSM_REPORT_PATH}). */
  path?: string;
  /** The `provider` the directory must report (default `tdx_guest`; a SEV-SNP guest's would be `sev_guest`). */
  provider?: string;
  /** File operations (default node:fs/promises). */
  fs?: QuoteSourceFs;
};

/** TDX quotes through Linux configfs-tsm (see the module comment). */
export class ConfigfsTsmQuoteSource implements IntelQuoteSource {
  readonly description: string;
  readonly #path: string;
  readonly #provider: string;
  readonly #fs: QuoteSourceFs;
  readonly #serial = new Serial();

  constructor(options: ConfigfsTsmOptions = {}) {
    this.#path = options.path ?? CONFIGFS_TSM_REPORT_PATH;
    this.#provider = options.provider ?? 'tdx_guest';
    this.#fs = options.fs ?? nodeFs;
    this.description = `configfs-tsm ${this.#path}`;
  }

  /** @throws {IntelQuoteSourceError} when configfs-tsm is missing, the provider is another one, or a writer raced us. */
  async quote(reportData: Uint8Array): Promise<Uint8Array> {
    checkReportData(reportData);
    return this.#serial.run(() => this.#quote(reportData));
  }

  async #quote(reportData: Uint8Array): Promise<Uint8Array> {
    const fs = this.#fs;
    const dir = join(this.#path, `avs-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(dir);
    } catch (error) {
      throw ioError(`cannot create a configfs-tsm report under ${this.#path} (needs Linux 6.7+ in a TDX guest, configfs mounted, write access)`, error);
    }
    try {
      const text = async (name: string) => {
        try {
          return Buffer.from(await fs.readFile(join(dir, name))).toString('utf8').trim();
        } catch (error) {
          throw ioError(`cannot read ${join(dir, name)}`, error);
        }
      };
      const provider = await text('provider');
      if (provider !== this.#provider) throw new IntelQuoteSourceError(`configfs-tsm provider is ${provider || '(none)'}, expected ${this.#provider}`);
      try {
        await fs.writeFile(join(dir, 'inblob'), reportData);
      } catch (error) {
        throw ioError(`cannot write ${join(dir, 'inblob')}`, error);
      }
      const written = await text('generation');
      let quote: Uint8Array;
      try {
        quote = new Uint8Array(await fs.readFile(join(dir, 'outblob')));
      } catch (error) {
        throw ioError(`cannot read ${join(dir, 'outblob')} (the TDX quoting service may be unreachable)`, error);
      }
      const read = await text('generation');
      if (read !== written) {
        throw new IntelQuoteSourceError(`configfs-tsm report ${dir} changed while it was read (generation ${written} → ${read}): another writer; retry`);
      }
      if (quote.length === 0) throw new IntelQuoteSourceError(`configfs-tsm returned an empty quote from ${dir}`);
      return quote;
    } finally {
      await fs.rmdir(dir).catch(() => undefined);
    }
  }
}

/** Options of {@link GramineQuoteSource}. */
export type GramineOptions = {
  /** Gramine's attestation directory (default {@link GRAMINE_ATTESTATION_PATH}). */
  path?: string;
  /** File operations (default node:fs/promises). */
  fs?: QuoteSourceFs;
};

/** SGX quotes through Gramine's `/dev/attestation` (see the module comment). */
export class GramineQuoteSource implements IntelQuoteSource {
  readonly description: string;
  readonly #path: string;
  readonly #fs: QuoteSourceFs;
  readonly #serial = new Serial();

  constructor(options: GramineOptions = {}) {
    this.#path = options.path ?? GRAMINE_ATTESTATION_PATH;
    this.#fs = options.fs ?? nodeFs;
    this.description = `gramine ${this.#path}`;
  }

  /** @throws {IntelQuoteSourceError} when the pseudo-files are missing (not under Gramine) or the attestation type is not DCAP. */
  async quote(reportData: Uint8Array): Promise<Uint8Array> {
    checkReportData(reportData);
    return this.#serial.run(() => this.#quote(reportData));
  }

  async #quote(reportData: Uint8Array): Promise<Uint8Array> {
    const fs = this.#fs;
    let type: string | undefined;
    try {
      type = Buffer.from(await fs.readFile(join(this.#path, 'attestation_type'))).toString('utf8').trim();
    } catch {
      // Older Gramine has no attestation_type; the quote read below tells.
    }
    if (type !== undefined && type !== 'dcap') throw new IntelQuoteSourceError(`Gramine attestation type is ${type || '(none)'}, expected dcap (sgx.remote_attestation = "dcap" in the manifest)`);
    try {
      await fs.writeFile(join(this.#path, 'user_report_data'), reportData);
    } catch (error) {
      throw ioError(`cannot write ${join(this.#path, 'user_report_data')} (is the node running in an SGX enclave under Gramine?)`, error);
    }
    let quote: Uint8Array;
    try {
      quote = new Uint8Array(await fs.readFile(join(this.#path, 'quote')));
    } catch (error) {
      throw ioError(`cannot read ${join(this.#path, 'quote')} (the SGX quoting enclave / AESM may be unreachable)`, error);
    }
    if (quote.length === 0) throw new IntelQuoteSourceError(`Gramine returned an empty quote from ${join(this.#path, 'quote')}`);
    return quote;
  }
}

/** A recorded quote (tests, dry runs): the file's bytes, whatever the report data. */
export class RecordedQuoteSource implements IntelQuoteSource {
  readonly description: string;
  readonly #path: string;
  readonly #fs: QuoteSourceFs;

  constructor(options: { path: string; fs?: QuoteSourceFs }) {
    this.#path = options.path;
    this.#fs = options.fs ?? nodeFs;
    this.description = `recorded quote ${this.#path}`;
  }

  /** @throws {IntelQuoteSourceError} when the file cannot be read. */
  async quote(reportData: Uint8Array): Promise<Uint8Array> {
    checkReportData(reportData);
    try {
      return new Uint8Array(await this.#fs.readFile(this.#path));
    } catch (error) {
      throw ioError(`cannot read the recorded quote ${this.#path}`, error);
    }
  }
}

/** A quote source as the operator config names it (`attestation.intel.quoteSource`); `file` needs `path`. */
export type IntelQuoteSourceConfig = { kind: 'configfs-tsm' | 'gramine' | 'file'; path?: string };

/**
 * The source of a config entry.
 * @throws {IntelQuoteSourceError} for kind `file` without a path.
 */
export function intelQuoteSourceOf(config: IntelQuoteSourceConfig): IntelQuoteSource {
  switch (config.kind) {
    case 'configfs-tsm':
      return new ConfigfsTsmQuoteSource({ path: config.path });
    case 'gramine':
      return new GramineQuoteSource({ path: config.path });
    case 'file':
      if (config.path === undefined) throw new IntelQuoteSourceError('a recorded quote source needs the file path');
      return new RecordedQuoteSource({ path: config.path });
  }
}
