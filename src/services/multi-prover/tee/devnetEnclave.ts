/**
 * A devnet TEE enclave: an object standing for an SGX enclave running the prover. It generates its secp256k1 key
 * inside and never gives the private key out (no getter; a JavaScript private field), signs digests with it, and
 * produces SGX report bodies of its measurement with report data of the caller's choice (as EREPORT does for the
 * enclave's own code). The devnet quoting key (devnetQuotingKey.ts) turns a report body into an attestation.
 * Nothing here is secret from the host process: it is a devnet stand-in with the real formats, not a TEE.
 */
import { randomBytes } from 'node:crypto';
import { type Address, type Hex, bytesToHex, concat, getAddress, hexToBytes, keccak256, sha256, stringToHex } from 'viem';
import { type SigningKey, signDigest, signingKeyFromPrivateKey } from '../../../core/crypto/ecdsa.ts';
import { REPORT_DATA_LENGTH, SGX_FLAGS, type SgxAttributes, buildReportBody } from './reportBody.ts';

/** What a report body says the enclave is. */
export type EnclaveMeasurement = {
  /** MRENCLAVE, 32 bytes (see {@link devnetMrEnclave}). */
  mrEnclave: Hex;
  /** MRSIGNER, 32 bytes (see {@link DEVNET_MRSIGNER}). */
  mrSigner: Hex;
  /** Attributes; the DEBUG flag makes every verifier refuse the enclave. */
  attributes: SgxAttributes;
  /** ISVPRODID, uint16 (0 when omitted). */
  isvProdId?: number;
  /** ISVSVN, uint16 (0 when omitted). */
  isvSvn?: number;
};

/** Attributes of a production (not DEBUG) devnet enclave: INITTED and MODE64BIT, XFRM x87 and SSE. */
export const DEVNET_ENCLAVE_ATTRIBUTES: SgxAttributes = { flags: SGX_FLAGS.INITTED | SGX_FLAGS.MODE64BIT, xfrm: 3n };

/** The MRSIGNER of devnet enclaves: sha256 of "avs-stack.multi-prover.devnet-enclave-signer". */
export const DEVNET_MRSIGNER: Hex = sha256(stringToHex('avs-stack.multi-prover.devnet-enclave-signer'));

/**
 * The devnet MRENCLAVE of a prover build: sha256("avs-stack.multi-prover.devnet-enclave:" + codeIdentity). A real
 * MRENCLAVE hashes the enclave's pages; the devnet names a build instead (for example "multi-prover/prover@0.1.0").
 * @param codeIdentity What identifies the enclave code; different strings give different measurements.
 * @returns 32 bytes as 0x hex.
 */
export function devnetMrEnclave(codeIdentity: string): Hex {
  return sha256(stringToHex(`avs-stack.multi-prover.devnet-enclave:${codeIdentity}`));
}

/**
 * The code identity of the devnet prover build: devnets allowlist {@link DEVNET_PROVER_MRENCLAVE} (its MRENCLAVE) in
 * their TEELivenessVerifier, and the devnet's operator nodes measure their enclaves with it.
 */
export const DEVNET_PROVER_CODE_IDENTITY = 'multi-prover/prover@devnet';

/** MRENCLAVE of the devnet prover: `devnetMrEnclave(DEVNET_PROVER_CODE_IDENTITY)`. */
export const DEVNET_PROVER_MRENCLAVE: Hex = devnetMrEnclave(DEVNET_PROVER_CODE_IDENTITY);

/** Thrown when report data is not 64 bytes, or a digest not 32. */
export class InvalidEnclaveInputError extends Error {
  override name = 'InvalidEnclaveInputError';
}

/** Options of {@link DevnetEnclave}. */
export type DevnetEnclaveOptions = {
  /**
   * Derives the key from this seed instead of from random bytes, so that shared test vectors are reproducible. The key
   * is still derived inside and never readable. Never set outside tests.
   */
  keySeed?: Hex;
};

/** A devnet enclave with its own secp256k1 key (see the module's description). */
export class DevnetEnclave {
  readonly #key: SigningKey;
  /** The enclave's measurement, as its reports give it. */
  readonly measurement: EnclaveMeasurement;

  /**
   * @param measurement What the enclave's reports say it is.
   * @param options See {@link DevnetEnclaveOptions}.
   */
  constructor(measurement: EnclaveMeasurement, options: DevnetEnclaveOptions = {}) {
    this.measurement = { ...measurement, attributes: { ...measurement.attributes } };
    this.#key = options.keySeed === undefined ? randomKey() : seededKey(options.keySeed);
  }

  /** The address of the enclave-held key (the prover key a liveness report names), checksummed. */
  get address(): Address {
    return getAddress(this.#key.address);
  }

  /**
   * Signs a 32-byte digest with the enclave-held key (no further hashing).
   * @returns r‖s‖v, 65 bytes, v ∈ {27, 28}, low s.
   * @throws {InvalidEnclaveInputError} when `digest` is not 32 bytes.
   */
  signDigest(digest: Hex): Hex {
    if (hexToBytes(digest).length !== 32) throw new InvalidEnclaveInputError('a digest is 32 bytes');
    return signDigest(this.#key, digest);
  }

  /**
   * The enclave's report (EREPORT) with `reportData` bound into it.
   * @param reportData Exactly 64 bytes (for liveness: see `livenessReportData` in liveness.ts).
   * @returns The 384-byte SGX report body as 0x hex.
   * @throws {InvalidEnclaveInputError} when `reportData` is not 64 bytes.
   */
  attest(reportData: Hex): Hex {
    if (hexToBytes(reportData).length !== REPORT_DATA_LENGTH) {
      throw new InvalidEnclaveInputError(`report data is ${REPORT_DATA_LENGTH} bytes`);
    }
    const m = this.measurement;
    return buildReportBody({
      mrEnclave: m.mrEnclave,
      mrSigner: m.mrSigner,
      attributes: m.attributes,
      isvProdId: m.isvProdId ?? 0,
      isvSvn: m.isvSvn ?? 0,
      reportData,
    });
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

function seededKey(seed: Hex): SigningKey {
  for (let counter = 0; ; counter++) {
    try {
      return signingKeyFromPrivateKey(keccak256(concat([stringToHex('avs-stack.multi-prover.devnet-enclave-key'), seed, toByte(counter)])));
    } catch {
      // As above: the next counter.
    }
  }
}

function toByte(n: number): Hex {
  return `0x${(n & 0xff).toString(16).padStart(2, '0')}`;
}
