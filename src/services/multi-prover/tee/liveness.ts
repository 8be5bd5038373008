/**
 * Liveness proofs of a prover: the report that its attestation's report data commits to, that commitment (identical to
 * TEELivenessVerifier.reportDataHash), and the check an operator runs on its own devnet attestation before submitting
 * it (the same checks, in the same order, as DevnetAttestationVerifier). See docs/decisions/multi-prover-0001-liveness.md.
 */
import { type Address, type Hex, concat, encodeAbiParameters, hexToBytes, isAddressEqual, keccak256, stringToHex, zeroAddress } from 'viem';
import { InvalidSignatureError, SECP256K1_N, publicKeyToAddress, recoverPublicKey } from '../../../core/crypto/ecdsa.ts';
import { DEVNET_ATTESTATION_LENGTH, devnetReportDigest } from './devnetQuotingKey.ts';
import { REPORT_BODY_LENGTH, type ReportBody, isDebugEnclave, parseReportBody } from './reportBody.ts';

/** ITEELivenessVerifier.TeeType (uint8). */
export const TeeType = { NONE: 0, DEVNET: 1, INTEL_SGX: 2, INTEL_TDX: 3 } as const;
/** A TeeType value. */
export type TeeType = (typeof TeeType)[keyof typeof TeeType];

/** IAttestationVerifier.MeasurementKind (uint8). */
export const MeasurementKind = { MRENCLAVE: 0, MRSIGNER: 1, MRTD: 2 } as const;
/** A MeasurementKind value. */
export type MeasurementKind = (typeof MeasurementKind)[keyof typeof MeasurementKind];

/** One measurement of an attested enclave: what it measures and its 32-byte value. */
export type Measurement = { kind: MeasurementKind; value: Hex };

/** ITEELivenessVerifier.LivenessReport: what a liveness proof's report data commits to. */
export type LivenessReport = {
  /** Address of the prover's enclave-held secp256k1 key. */
  proverKey: Address;
  /** The operator the prover serves. */
  operator: Address;
  /** A recent block of the chain the proof is submitted to (at most MAX_REFERENCE_BLOCK_AGE blocks old then). */
  referenceBlockNumber: bigint;
  /** That block's hash. */
  referenceBlockHash: Hex;
};

/** TEELivenessVerifier.LIVENESS_TYPEHASH. */
export const LIVENESS_TYPEHASH: Hex = keccak256(
  stringToHex(
    'avs-stack.multi-prover.LivenessReport(address proverKey,address operator,uint256 referenceBlockNumber,bytes32 referenceBlockHash,uint256 chainId,address verifier)',
  ),
);

/** TEELivenessVerifier.MAX_REFERENCE_BLOCK_AGE, blocks. */
export const MAX_REFERENCE_BLOCK_AGE = 200n;

/**
 * The commitment a liveness attestation carries in the first 32 bytes of its report data:
 * keccak256(abi.encode(LIVENESS_TYPEHASH, proverKey, operator, referenceBlockNumber, referenceBlockHash, chainId,
 * verifier)), as TEELivenessVerifier.reportDataHash computes it on chain `chainId` at address `verifier`.
 * @param chainId The chain the proof is submitted to.
 * @param verifier The TEELivenessVerifier's address.
 * @returns 32 bytes as 0x hex.
 */
export function livenessReportDataHash(report: LivenessReport, chainId: bigint | number, verifier: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
      ],
      [LIVENESS_TYPEHASH, report.proverKey, report.operator, report.referenceBlockNumber, report.referenceBlockHash, BigInt(chainId), verifier],
    ),
  );
}

/**
 * The 64 bytes of report data the prover's enclave puts in its report: the commitment followed by 32 zero bytes.
 * @returns 64 bytes as 0x hex.
 */
export function livenessReportData(report: LivenessReport, chainId: bigint | number, verifier: Address): Hex {
  return concat([livenessReportDataHash(report, chainId, verifier), `0x${'00'.repeat(32)}`]);
}

/** Thrown by {@link buildLivenessReport} for a zero prover key or operator. */
export class InvalidLivenessReportError extends Error {
  override name = 'InvalidLivenessReportError';
}

/**
 * A liveness report for `operator`'s prover key `proverKey` against a recent block (viem's getBlock result fits).
 * @throws {InvalidLivenessReportError} when the prover key or the operator is the zero address.
 */
export function buildLivenessReport(params: {
  proverKey: Address;
  operator: Address;
  referenceBlock: { number: bigint; hash: Hex };
}): LivenessReport {
  if (isAddressEqual(params.proverKey, zeroAddress)) throw new InvalidLivenessReportError('the prover key is the zero address');
  if (isAddressEqual(params.operator, zeroAddress)) throw new InvalidLivenessReportError('the operator is the zero address');
  return {
    proverKey: params.proverKey,
    operator: params.operator,
    referenceBlockNumber: params.referenceBlock.number,
    referenceBlockHash: params.referenceBlock.hash,
  };
}

/** The attestation is not 449 bytes (DevnetAttestationVerifier.InvalidAttestationLength). */
export class InvalidAttestationLengthError extends Error {
  override name = 'InvalidAttestationLengthError';
}

/** The signature is malformed or not by the attestation key (DevnetAttestationVerifier.InvalidAttestationSignature). */
export class InvalidAttestationSignatureError extends Error {
  override name = 'InvalidAttestationSignatureError';
}

/** The attested enclave is a DEBUG enclave (DevnetAttestationVerifier.DebugEnclaveNotAllowed). */
export class DebugEnclaveNotAllowedError extends Error {
  override name = 'DebugEnclaveNotAllowedError';
}

/** What a verified devnet attestation says. */
export type VerifiedDevnetAttestation = {
  /** [MRENCLAVE, MRSIGNER], as the contract returns them. */
  measurements: Measurement[];
  /** The 64 bytes of report data. */
  reportData: Hex;
  /** The whole report body. */
  reportBody: ReportBody;
};

/**
 * Verifies a devnet attestation as DevnetAttestationVerifier.verifyAttestation does (length, then signature by
 * `attestationKey` with low s and v ∈ {27, 28}, then not DEBUG).
 * @param attestation reportBody (384 bytes) ‖ r ‖ s ‖ v.
 * @param attestationKey The verifier's attestationKey address.
 * @throws {InvalidAttestationLengthError}, {InvalidAttestationSignatureError} or {DebugEnclaveNotAllowedError}.
 */
export function verifyDevnetAttestation(attestation: Hex, attestationKey: Address): VerifiedDevnetAttestation {
  const bytes = hexToBytes(attestation);
  if (bytes.length !== DEVNET_ATTESTATION_LENGTH) {
    throw new InvalidAttestationLengthError(`a devnet attestation is ${DEVNET_ATTESTATION_LENGTH} bytes, got ${bytes.length}`);
  }
  const body = attestation.slice(0, 2 + 2 * REPORT_BODY_LENGTH) as Hex;
  const signature = `0x${attestation.slice(2 + 2 * REPORT_BODY_LENGTH)}` as Hex;
  if (!isSignedBy(devnetReportDigest(body), signature, attestationKey)) {
    throw new InvalidAttestationSignatureError(`the attestation is not signed by the devnet attestation key ${attestationKey}`);
  }
  const reportBody = parseReportBody(body);
  if (isDebugEnclave(reportBody.attributes)) throw new DebugEnclaveNotAllowedError('the attested enclave is a DEBUG enclave');
  return {
    measurements: [
      { kind: MeasurementKind.MRENCLAVE, value: reportBody.mrEnclave },
      { kind: MeasurementKind.MRSIGNER, value: reportBody.mrSigner },
    ],
    reportData: reportBody.reportData,
    reportBody,
  };
}

/** Whether `signature` (r‖s‖v) over `digest` is `signer`'s, with OpenZeppelin ECDSA's rules (low s, v 27 or 28). */
function isSignedBy(digest: Hex, signature: Hex, signer: Address): boolean {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  if (s > SECP256K1_N / 2n) return false;
  try {
    return isAddressEqual(publicKeyToAddress(recoverPublicKey(digest, signature)), signer);
  } catch (error) {
    if (error instanceof InvalidSignatureError) return false;
    throw error;
  }
}
