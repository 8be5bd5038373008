/**
 * The devnet attestation key: it stands in for Intel's quoting enclave and certificate chain, signing SGX report bodies
 * into devnet attestations that DevnetAttestationVerifier (contracts/src/services/multi-prover/attestation/) accepts.
 *
 * Attestation layout (449 bytes): reportBody (384) ‖ r (32) ‖ s (32) ‖ v (1), the signature over
 * keccak256(DEVNET_REPORT_TAG ‖ reportBody) with v ∈ {27, 28} and low s.
 *
 * The devnet key is public on purpose ({@link DEVNET_ATTESTATION_PRIVATE_KEY}): anyone can forge a devnet attestation,
 * which is why only a TEELivenessVerifier constructed as a devnet accepts the DEVNET TEE type.
 */
import { type Address, type Hex, concat, getAddress, hexToBytes, keccak256, stringToHex } from 'viem';
import { type SigningKey, signDigest, signingKeyFromPrivateKey } from '../../../core/crypto/ecdsa.ts';
import { REPORT_BODY_LENGTH } from './reportBody.ts';

/** keccak256("avs-stack.multi-prover.DevnetSgxReport.v1"): the contract's DEVNET_REPORT_TAG. */
export const DEVNET_REPORT_TAG: Hex = keccak256(stringToHex('avs-stack.multi-prover.DevnetSgxReport.v1'));

/** Length of a devnet attestation, bytes: report body and signature. */
export const DEVNET_ATTESTATION_LENGTH = REPORT_BODY_LENGTH + 65;

/** The devnet's well-known attestation key: keccak256("avs-stack.multi-prover.devnet-attestation-key"). */
export const DEVNET_ATTESTATION_PRIVATE_KEY: Hex = keccak256(stringToHex('avs-stack.multi-prover.devnet-attestation-key'));

/** Thrown when asked to sign something that is not a 384-byte report body. */
export class InvalidReportBodyLengthError extends Error {
  override name = 'InvalidReportBodyLengthError';
}

/**
 * The digest the attestation key signs: keccak256(DEVNET_REPORT_TAG ‖ reportBody), as
 * DevnetAttestationVerifier.reportDigest.
 */
export function devnetReportDigest(reportBody: Hex): Hex {
  return keccak256(concat([DEVNET_REPORT_TAG, reportBody]));
}

/** A devnet attestation key (the devnet's, or another for tests). */
export class DevnetQuotingKey {
  readonly #key: SigningKey;

  /** @param privateKey 32-byte secp256k1 private key; the devnet's well-known one by default. */
  constructor(privateKey: Hex = DEVNET_ATTESTATION_PRIVATE_KEY) {
    this.#key = signingKeyFromPrivateKey(privateKey);
  }

  /** The address DevnetAttestationVerifier is constructed with, checksummed. */
  get address(): Address {
    return getAddress(this.#key.address);
  }

  /**
   * Signs a report body into a devnet attestation.
   * @param reportBody The 384-byte SGX report body (from DevnetEnclave.attest).
   * @returns 449 bytes as 0x hex: reportBody ‖ r ‖ s ‖ v.
   * @throws {InvalidReportBodyLengthError} when `reportBody` is not 384 bytes.
   */
  quote(reportBody: Hex): Hex {
    const length = hexToBytes(reportBody).length;
    if (length !== REPORT_BODY_LENGTH) {
      throw new InvalidReportBodyLengthError(`a report body is ${REPORT_BODY_LENGTH} bytes, got ${length}`);
    }
    return concat([reportBody, signDigest(this.#key, devnetReportDigest(reportBody))]);
  }
}
