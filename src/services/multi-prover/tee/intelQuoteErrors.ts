/**
 * Why an Intel DCAP quote is refused: one name per rejection, the same names as the on-chain verifier's custom errors,
 * so the off-chain and on-chain verifiers can be compared case by case (test/helpers/intelQuoteVariants.ts).
 */

/** Every rejection reason, in no particular order. */
export const INTEL_QUOTE_REJECTIONS = [
  'QuoteTruncated',
  'QuoteTrailingBytes',
  'UnsupportedQuoteVersion',
  'UnsupportedAttestationKeyType',
  'UnsupportedTeeType',
  'UnsupportedCertificationDataType',
  'PemMalformed',
  'CertificateMalformed',
  'UntrustedRootCertificate',
  'CertificateSignatureInvalid',
  'CertificateExpired',
  'CertificateRevoked',
  'CaUsedAsEndEntity',
  'PckExtensionMalformed',
  'CrlMissing',
  'CrlExpired',
  'CrlMalformed',
  'CollateralSignatureInvalid',
  'CollateralMalformed',
  'TcbInfoExpired',
  'TcbInfoMismatch',
  'QeIdentityExpired',
  'QeIdentityMismatch',
  'QeReportSignatureInvalid',
  'QeReportDataMismatch',
  'QeIdentityPolicyMismatch',
  'QeTcbLevelNotFound',
  'IsvReportSignatureInvalid',
  'TcbLevelNotFound',
  'TcbRevoked',
  'DebugEnclave',
  'TdAttributesInvalid',
  'TcbStatusNotAllowed',
  'CollateralTooOld',
] as const;

/** Why a quote is refused (the Solidity custom error's name). */
export type IntelQuoteRejection = (typeof INTEL_QUOTE_REJECTIONS)[number];

/** A quote that does not verify, or that a policy refuses: `reason` names the check, the message says what failed. */
export class IntelQuoteError extends Error {
  override name = 'IntelQuoteError';
  readonly reason: IntelQuoteRejection;

  constructor(reason: IntelQuoteRejection, detail: string, options?: { cause?: unknown }) {
    super(`${detail} (${reason})`, options);
    this.reason = reason;
  }
}

/** Throws {@link IntelQuoteError} with `reason` and `detail`. */
export function reject(reason: IntelQuoteRejection, detail: string, cause?: unknown): never {
  throw new IntelQuoteError(reason, detail, cause === undefined ? undefined : { cause });
}
