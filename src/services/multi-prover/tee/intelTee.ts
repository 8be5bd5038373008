/**
 * The prover TEEs of real Intel hardware: SGX (an enclave under Gramine) and TDX (a trust domain). The whole node runs
 * inside the TEE (Gramine runs the Node.js process in the enclave; in a TD the whole VM is the TEE), so a key generated
 * in-process is held inside it: {@link IntelEnclaveKey}, a fresh secp256k1 key per start, as the devnet enclave's.
 *
 * `attest(reportData)` asks an {@link IntelQuoteSource} (intelQuoteSource.ts) for a quote binding the 64 bytes, gets the
 * quote's Intel collateral (a PCS/PCCS JSON file or a PCCS), checks the quote as the chain will (so no gas is spent on a
 * quote the chain refuses), then hands the collateral to a publisher, which submits what is newer than the deployment's
 * IntelCollateralStore holds ({@link intelCollateralPublisher}) so the chain's verifier can check the quote.
 * `verify(attestation)` is the IntelDcapAttestationVerifier's check off-chain: {@link verifyIntelQuote} at the TEE's
 * clock with the verifier's policy, and the measurements as the contract returns them.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Collateral, getCollateral } from '@phala/dcap-qvl';
import { type Address, type Hex, type PublicClient, type WalletClient, bytesToHex, getAddress, hexToBytes } from 'viem';
import { IIntelDcapAttestationVerifierAbi } from '../../../core/chain/abis/generated/index.ts';
import { type SigningKey, signDigest, signingKeyFromPrivateKey } from '../../../core/crypto/ecdsa.ts';
import { TCB_STATUSES } from '../deployIntel.ts';
import { AttestationReportDataMismatchError, type ProverTee, type VerifiedAttestation } from '../operator/attestation.ts';
import type { EnclaveSigner } from '../prover/types.ts';
import { type IntelCollateralSubmission, submitIntelCollateral } from './intelCollateralStore.ts';
import { IntelCollateralError, type IntelQuotePolicy, type VerifiedIntelQuote, checkIntelQuotePolicy, parseIntelCollateral, parseIntelQuoteLayout, verifyIntelQuote } from './intelQuote.ts';
import { INTEL_REPORT_DATA_LENGTH, type IntelQuoteSource } from './intelQuoteSource.ts';
import { MeasurementKind } from './liveness.ts';

/** An Intel TEE type. */
export type IntelTeeType = 'sgx' | 'tdx';

/** The quote is of another TEE type than the TEE's (a TDX quote for an SGX prover, or the reverse). */
export class IntelTeeTypeMismatchError extends Error {
  override name = 'IntelTeeTypeMismatchError';
}

/** Report data that is not 64 bytes, or a digest that is not 32. */
export class IntelTeeInputError extends Error {
  override name = 'IntelTeeInputError';
}

/**
 * The prover key of an Intel TEE: a secp256k1 key generated in-process at start (inside the enclave or TD, since the
 * node runs there) and never given out (a JavaScript private field, no getter). A restart makes a new key, which the
 * keeper attests once.
 */
export class IntelEnclaveKey implements EnclaveSigner {
  readonly #key: SigningKey;

  constructor() {
    this.#key = randomKey();
  }

  /** The key's address (the prover key liveness reports name), checksummed. */
  get address(): Address {
    return getAddress(this.#key.address);
  }

  /**
   * Signs a 32-byte digest (no further hashing).
   * @returns r‖s‖v, 65 bytes, v ∈ {27, 28}, low s.
   * @throws {IntelTeeInputError} when `digest` is not 32 bytes.
   */
  signDigest(digest: Hex): Hex {
    if (hexToBytes(digest).length !== 32) throw new IntelTeeInputError('a digest is 32 bytes');
    return signDigest(this.#key, digest);
  }
}

function randomKey(): SigningKey {
  for (;;) {
    try {
      return signingKeyFromPrivateKey(bytesToHex(randomBytes(32)));
    } catch {
      // Zero or ≥ n: probability about 2^-128; draw again.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Collateral

/** Where a quote's Intel collateral comes from. */
export interface IntelCollateralSource {
  /** What the source is, for logs and errors. */
  readonly description: string;
  /**
   * The collateral that verifies `quote` (its FMSPC's TCB info, the QE identity, the CRLs).
   * @throws {IntelCollateralError} when it cannot be read or fetched, or is not in PCS/PCCS JSON shape.
   */
  collateral(quote: Uint8Array): Promise<Collateral>;
}

/**
 * Collateral from a JSON file in Intel's PCS/PCCS shape (as test/fixtures/tee/*_collateral.json), read at each call so
 * the operator can refresh the file without a restart.
 */
export class FileCollateralSource implements IntelCollateralSource {
  readonly description: string;
  constructor(readonly path: string) {
    this.description = `collateral file ${path}`;
  }

  async collateral(): Promise<Collateral> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new IntelCollateralError(`cannot read the collateral file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new IntelCollateralError(`the collateral file ${this.path} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return parseIntelCollateral(json);
  }
}

/** Collateral fetched from a PCCS (or Intel's PCS) for the quote's FMSPC and PCK CA, by @phala/dcap-qvl's getCollateral. */
export class PccsCollateralSource implements IntelCollateralSource {
  readonly description: string;
  constructor(readonly pccsUrl: string) {
    this.description = `PCCS ${pccsUrl}`;
  }

  async collateral(quote: Uint8Array): Promise<Collateral> {
    let fetched: Collateral;
    try {
      fetched = await getCollateral(this.pccsUrl, quote);
    } catch (error) {
      throw new IntelCollateralError(`cannot fetch collateral from ${this.pccsUrl}: ${(error as Error).message}`, { cause: error });
    }
    // Only the quote's own PCK chain counts (the contract has no other).
    const { pck_certificate_chain: _dropped, ...collateral } = fetched as Collateral & { pck_certificate_chain?: unknown };
    return parseIntelCollateral(collateral);
  }
}

/** A collateral source as the operator config names it (`attestation.intel.collateral`): one of `file`, `pccsUrl`. */
export type IntelCollateralConfig = { file?: string; pccsUrl?: string };

/**
 * The source of a config entry.
 * @throws {IntelCollateralError} unless exactly one of `file`, `pccsUrl` is given.
 */
export function intelCollateralSourceOf(config: IntelCollateralConfig): IntelCollateralSource {
  if ((config.file === undefined) === (config.pccsUrl === undefined)) throw new IntelCollateralError('collateral comes from one of file, pccsUrl');
  return config.file !== undefined ? new FileCollateralSource(config.file) : new PccsCollateralSource(config.pccsUrl!);
}

/** Submits newer collateral to a deployment's IntelCollateralStore from `walletClient`'s account (any funded account). */
export function intelCollateralPublisher(options: { publicClient: PublicClient; walletClient: WalletClient; store: Address }): (collateral: Collateral) => Promise<IntelCollateralSubmission> {
  return (collateral) => submitIntelCollateral({ ...options, collateral });
}

// ---------------------------------------------------------------------------------------------------------------------
// Policy

/**
 * The policy of an IntelDcapAttestationVerifier's `policy()`: bit i of `allowedTcbStatuses` accepts TCB_STATUSES[i];
 * `maxCollateralAgeSeconds` 0 is no age limit.
 */
export function intelPolicyFromContract(policy: { allowedTcbStatuses: number; maxCollateralAgeSeconds: number }): IntelQuotePolicy {
  return {
    allowedTcbStatuses: TCB_STATUSES.filter((_, i) => (policy.allowedTcbStatuses & (1 << i)) !== 0),
    maxCollateralAgeSeconds: policy.maxCollateralAgeSeconds === 0 ? undefined : policy.maxCollateralAgeSeconds,
  };
}

/** Reads the policy of the IntelDcapAttestationVerifier at `verifier`. */
export async function readIntelPolicy(client: PublicClient, verifier: Address): Promise<IntelQuotePolicy> {
  const policy = await client.readContract({ address: verifier, abi: IIntelDcapAttestationVerifierAbi, functionName: 'policy' });
  return intelPolicyFromContract({ allowedTcbStatuses: Number(policy.allowedTcbStatuses), maxCollateralAgeSeconds: Number(policy.maxCollateralAgeSeconds) });
}

// ---------------------------------------------------------------------------------------------------------------------
// The TEE

/** Options of {@link IntelTee}. */
export type IntelTeeOptions = {
  teeType: IntelTeeType;
  /** Gets quotes (configfs-tsm for TDX, Gramine for SGX, a recorded file for tests and dry runs). */
  quoteSource: IntelQuoteSource;
  /** Gets each quote's collateral. */
  collateralSource: IntelCollateralSource;
  /**
   * The deployment verifier's policy (e.g. `() => readIntelPolicy(client, verifier)`, read at each check so a policy
   * change is seen); default none: any TCB status the quote verifies with, any collateral age.
   */
  policy?: IntelQuotePolicy | (() => Promise<IntelQuotePolicy>);
  /**
   * Called with each attested quote's collateral before `attest` returns, once the quote checked out; default none.
   * Production: {@link intelCollateralPublisher} for the deployment's IntelCollateralStore.
   */
  publishCollateral?: (collateral: Collateral) => Promise<unknown>;
  /** The time quotes are checked at, unix seconds (default the system clock); the chain checks at its block time. */
  now?: () => number;
  /** The prover key; default a new {@link IntelEnclaveKey}. */
  enclave?: EnclaveSigner;
};

/** A verified quote with the measurements the contract returns for it. */
export type IntelTeeVerification = VerifiedAttestation & { quote: VerifiedIntelQuote };

/** An SGX or TDX prover TEE (see the module comment). */
export class IntelTee implements ProverTee {
  readonly teeType: IntelTeeType;
  readonly enclave: EnclaveSigner;
  readonly #options: IntelTeeOptions;
  /** The last quote attested and its collateral, so `verify` of that quote does not fetch the collateral again. */
  #last: { quote: Hex; collateral: Collateral } | undefined;

  constructor(options: IntelTeeOptions) {
    if (options.teeType !== 'sgx' && options.teeType !== 'tdx') throw new IntelTeeInputError(`an Intel TEE is sgx or tdx, not ${String(options.teeType)}`);
    this.teeType = options.teeType;
    this.enclave = options.enclave ?? new IntelEnclaveKey();
    this.#options = options;
  }

  /**
   * A quote binding `reportData`, checked as the chain will check it, with its collateral published first.
   * @param reportData exactly 64 bytes.
   * @throws {IntelTeeInputError} for report data of another length; the quote source's {IntelQuoteSourceError};
   *   {IntelCollateralError}; {IntelTeeTypeMismatchError}; {IntelQuoteError} when the chain would refuse the quote;
   *   {AttestationReportDataMismatchError} when the quote binds other report data (a recorded quote); the publisher's
   *   errors (the store refused the collateral, an RPC failure).
   */
  async attest(reportData: Hex): Promise<Hex> {
    const data = hexToBytes(reportData);
    if (data.length !== INTEL_REPORT_DATA_LENGTH) throw new IntelTeeInputError(`report data is ${INTEL_REPORT_DATA_LENGTH} bytes, got ${data.length}`);
    const quote = await this.#options.quoteSource.quote(data);
    this.#checkTeeType(quote);
    const collateral = await this.#options.collateralSource.collateral(quote);
    const verified = await this.#verify(quote, collateral);
    if (verified.reportData.toLowerCase() !== reportData.toLowerCase()) {
      throw new AttestationReportDataMismatchError(
        `the quote from ${this.#options.quoteSource.description} binds report data ${verified.reportData}, not the ${reportData} asked for`,
      );
    }
    await this.#options.publishCollateral?.(collateral);
    const hex = bytesToHex(quote);
    this.#last = { quote: hex, collateral };
    return hex;
  }

  /**
   * Checks `attestation` (a quote) as the deployment's IntelDcapAttestationVerifier will, at the TEE's clock.
   * @returns the contract's measurements (SGX: MRENCLAVE then MRSIGNER; TDX: sha256(MRTD) as MRTD) and report data.
   * @throws {IntelTeeTypeMismatchError} for a quote of the other TEE type; {IntelQuoteError} with the contract's reason.
   */
  async verify(attestation: Hex): Promise<IntelTeeVerification> {
    const quote = hexToBytes(attestation);
    this.#checkTeeType(quote);
    const collateral = this.#last?.quote.toLowerCase() === attestation.toLowerCase() ? this.#last.collateral : await this.#options.collateralSource.collateral(quote);
    const verified = await this.#verify(quote, collateral);
    const measurements =
      verified.teeType === 'sgx'
        ? [
            { kind: MeasurementKind.MRENCLAVE, value: verified.measurements.mrEnclave! },
            { kind: MeasurementKind.MRSIGNER, value: verified.measurements.mrSigner! },
          ]
        : [{ kind: MeasurementKind.MRTD, value: verified.measurements.mrTdHash! }];
    return { measurements, reportData: verified.reportData, quote: verified };
  }

  async #verify(quote: Uint8Array, collateral: Collateral): Promise<VerifiedIntelQuote> {
    const at = this.#now();
    const verified = verifyIntelQuote(quote, collateral, at);
    if (verified.teeType !== this.teeType) throw new IntelTeeTypeMismatchError(`the quote is a ${verified.teeType} quote, the prover TEE is ${this.teeType}`);
    const policy = this.#options.policy;
    if (policy) checkIntelQuotePolicy(verified, typeof policy === 'function' ? await policy() : policy, at);
    return verified;
  }

  /** Refuses a quote of the other type before any collateral is fetched for it. */
  #checkTeeType(quote: Uint8Array): void {
    const { teeType } = parseIntelQuoteLayout(quote);
    if (teeType !== this.teeType) throw new IntelTeeTypeMismatchError(`the quote is a ${teeType} quote, the prover TEE is ${this.teeType}`);
  }

  #now(): number {
    return Math.floor(this.#options.now?.() ?? Date.now() / 1000);
  }
}
