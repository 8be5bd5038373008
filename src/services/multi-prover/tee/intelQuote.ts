/**
 * Intel SGX (DCAP v3) and TDX (DCAP v4, v5) quotes verified off-chain against Intel's root CA and the quote's collateral
 * (TCB info, QE identity, CRLs and their issuer chains) at a given time: the operator checks its own prover's quote
 * before it submits it, and `avs multi-prover quote verify` checks any quote. Returns what the liveness verifier needs
 * (TEE type, measurements, the 64 bytes of report data) and what a policy decides on (TCB status, advisories, the DEBUG
 * attribute, the collateral's age and validity window).
 *
 * The on-chain verifier must reach the same verdict, for the same reason, on every input. `@phala/dcap-qvl` does the
 * core of the verification; it is too lenient in places, so these checks come first, in this order:
 *
 * 1. the quote's byte layout (intelQuoteLayout.ts): lengths, version, TEE type, key type, certification data types;
 * 2. the PCK chain in canonical PEM, exactly three certificates (leaf, PCK CA, root), each one DER certificate;
 * 3. the chain's root carries Intel's SGX Root CA key;
 * 4. the PCK certificate's Intel extension (FMSPC, CPUSVN, PCESVN) parses;
 * 5. the collateral's shape (hex, 64-byte signatures, JSON with dates, issuer chains of DER certificates);
 * 6. the CRLs (intelCrl.ts): signatures, dates, revocation of the quote's and collateral's certificates;
 *
 * then dcap-qvl's own order (TCB info dates, its chain and signature, QE identity dates, chain, signature and id, the
 * PCK chain, QE report signature, QE report data, QE identity policy, ISV signature, FMSPC and TCB info type, TCB level,
 * TCB status, attributes), each of its messages mapped to a {@link IntelQuoteRejection}. Finally the QE report data is
 * checked over the whole QE auth data (dcap-qvl hashes only its first 32 bytes).
 */
import { createHash } from 'node:crypto';
import { type Collateral, Quote, utils, verify } from '@phala/dcap-qvl';
import { type Hex, bytesToHex } from 'viem';
import { sha256 } from '@noble/hashes/sha2.js';
import { INTEL_ROOT_KEY_DER, type ParsedCertificate, checkCrls, parseCertificate } from './intelCrl.ts';
import { IntelQuoteError, type IntelQuoteRejection, reject } from './intelQuoteErrors.ts';
import { type IntelQuoteLayout, parseCanonicalPemChain, parseIntelQuoteLayout } from './intelQuoteLayout.ts';

export { INTEL_QUOTE_REJECTIONS, IntelQuoteError, type IntelQuoteRejection } from './intelQuoteErrors.ts';
export { type IntelQuoteLayout, parseCanonicalPemChain, parseIntelQuoteLayout } from './intelQuoteLayout.ts';

/** Collateral that is not in the expected JSON shape. */
export class IntelCollateralError extends Error {
  override name = 'IntelCollateralError';
}

/** What a verified quote says. Hex values are 0x-prefixed lowercase; times are unix seconds. */
export type VerifiedIntelQuote = {
  teeType: 'sgx' | 'tdx';
  /** DCAP quote version (3 for SGX, 4 or 5 for TDX). */
  version: number;
  /** Intel's verdict on the platform's TCB level, e.g. `UpToDate`, `SWHardeningNeeded`, `OutOfDate`. */
  tcbStatus: string;
  /** Intel security advisories that apply (e.g. `INTEL-SA-00615`). */
  advisoryIds: string[];
  /** SGX: MRENCLAVE and MRSIGNER (32 bytes each); TDX: MRTD (48 bytes) and `mrTdHash` = sha256(MRTD), the value the contracts allowlist. */
  measurements: { mrEnclave?: Hex; mrSigner?: Hex; mrTd?: Hex; mrTdHash?: Hex };
  /** The 64 bytes the enclave or trust domain bound into the quote. */
  reportData: Hex;
  /** The DEBUG attribute is set (SGX ATTRIBUTES bit 1, TD TUD byte); such a quote is refused, so always false here. */
  debug: boolean;
  /** Issue dates of the TCB info and QE identity (unix seconds), for the policy's collateral age. */
  collateral: { tcbInfoIssueDate: number; qeIdentityIssueDate: number };
  /** The latest start of the collateral's and certificates' validity (TCB info, QE identity, CRLs, certificates). */
  validFrom: number;
  /** The earliest end of it: TCB info and QE identity nextUpdate, both CRLs' nextUpdate, every certificate's notAfter. */
  validUntil: number;
};

/** What a relying party accepts beyond a verified quote. */
export type IntelQuotePolicy = {
  /** TCB statuses accepted, e.g. `['UpToDate', 'SWHardeningNeeded']`. */
  allowedTcbStatuses: string[];
  /** Refuse when the older of the TCB info and QE identity was issued more than this many seconds ago. */
  maxCollateralAgeSeconds?: number;
  /** Debug enclaves are never accepted. */
  allowDebug?: false;
};

/** Options of {@link verifyIntelQuote}. */
export type VerifyIntelQuoteOptions = {
  /** Also apply this policy ({@link checkIntelQuotePolicy}) to the verified quote. */
  policy?: IntelQuotePolicy;
};

const COLLATERAL_FIELDS = ['pck_crl_issuer_chain', 'root_ca_crl', 'pck_crl', 'tcb_info_issuer_chain', 'tcb_info', 'tcb_info_signature', 'qe_identity_issuer_chain', 'qe_identity', 'qe_identity_signature'] as const;

/**
 * Parses collateral as Intel's PCS/PCCS JSON (`tcb_info`, `qe_identity` as JSON text; CRLs and signatures as hex).
 * @throws {IntelCollateralError} naming the missing or malformed field.
 */
export function parseIntelCollateral(json: unknown): Collateral {
  if (typeof json !== 'object' || json === null) throw new IntelCollateralError('collateral must be a JSON object');
  const c = json as Record<string, unknown>;
  for (const field of COLLATERAL_FIELDS) {
    const value = c[field];
    if (!(typeof value === 'string' || (Array.isArray(value) && value.every((b) => Number.isInteger(b))))) {
      throw new IntelCollateralError(`collateral.${field} is missing or not a string`);
    }
  }
  return c as unknown as Collateral;
}

/**
 * Verifies `quote` against `collateral` at `atSeconds` (unix seconds; the collateral's validity window must contain it),
 * and applies `options.policy` when given.
 * @throws {IntelQuoteError} with the `reason` the on-chain verifier gives for the same input.
 */
export function verifyIntelQuote(quote: Uint8Array, collateral: Collateral, atSeconds: number, options: VerifyIntelQuoteOptions = {}): VerifiedIntelQuote {
  const layout = parseIntelQuoteLayout(quote);
  const chainDer = parseCanonicalPemChain(quote.subarray(layout.certDataOffset, layout.certDataOffset + layout.certDataLength));
  if (chainDer.length !== 3) reject('CertificateMalformed', `the PCK chain holds ${chainDer.length} certificates, expected 3 (PCK, PCK CA, root)`);
  const names = ['the PCK certificate', 'the PCK CA certificate', 'the root certificate'];
  const chain = chainDer.map((der, i) => parseCertificate(der, names[i]));
  if (!chain[2].keyDer.equals(INTEL_ROOT_KEY_DER)) reject('UntrustedRootCertificate', "the PCK chain's root certificate does not carry the Intel SGX Root CA key");
  checkPckExtension(chain[0].der);

  const c = readCollateral(collateral);
  const crls = checkCrls({ rootCrl: c.rootCrl, pckCrl: c.pckCrl, pckCrlIssuerChain: c.pckCrlIssuerChain, quoteChain: chain, otherCas: [c.tcbInfoIssuerChain[0], c.qeIdentityIssuerChain[0]], now: atSeconds });

  let verdict;
  let failure: unknown;
  try {
    // Only the quote's own chain counts (the contract has no other): drop a `pck_certificate_chain` dcap-qvl would prefer.
    const dcapCollateral: Collateral = {
      pck_crl_issuer_chain: collateral.pck_crl_issuer_chain,
      root_ca_crl: c.rootCrl as unknown as string,
      pck_crl: c.pckCrl as unknown as string,
      tcb_info_issuer_chain: collateral.tcb_info_issuer_chain,
      tcb_info: collateral.tcb_info,
      tcb_info_signature: c.tcbInfoSignature as unknown as string,
      qe_identity_issuer_chain: collateral.qe_identity_issuer_chain,
      qe_identity: collateral.qe_identity,
      qe_identity_signature: c.qeIdentitySignature as unknown as string,
    } as Collateral;
    verdict = verify(quote, dcapCollateral, atSeconds);
  } catch (error) {
    failure = error;
  }
  const dcapReason = failure === undefined ? undefined : dcapRejection(failure);
  if (failure === undefined || AFTER_QE_REPORT_DATA.has(dcapReason!)) checkQeReportData(quote, layout);
  if (failure !== undefined) throw new IntelQuoteError(dcapReason!, String((failure as Error)?.message ?? failure), { cause: failure });

  const parsed = Quote.parse(quote);
  const certs = [...chain, ...c.pckCrlIssuerChain, ...c.tcbInfoIssuerChain, ...c.qeIdentityIssuerChain];
  const common = {
    version: parsed.header.version,
    tcbStatus: verdict!.status,
    advisoryIds: [...verdict!.advisory_ids],
    collateral: { tcbInfoIssueDate: c.tcbInfo.issueDate, qeIdentityIssueDate: c.qeIdentity.issueDate },
    validFrom: Math.max(c.tcbInfo.issueDate, c.qeIdentity.issueDate, crls.root.thisUpdate, crls.pck.thisUpdate, ...certs.map((x) => x.notBefore)),
    validUntil: Math.min(c.tcbInfo.nextUpdate, c.qeIdentity.nextUpdate, crls.root.nextUpdate, crls.pck.nextUpdate, ...certs.map((x) => x.notAfter)),
  };
  const hex = (bytes: Uint8Array) => bytesToHex(bytes).toLowerCase() as Hex;
  let result: VerifiedIntelQuote;
  const sgx = verdict!.report.asSgx();
  if (sgx) {
    result = {
      teeType: 'sgx',
      ...common,
      measurements: { mrEnclave: hex(sgx.mrEnclave), mrSigner: hex(sgx.mrSigner) },
      reportData: hex(sgx.reportData),
      // SGX ATTRIBUTES.FLAGS bit 1 is DEBUG.
      debug: (sgx.attributes[0] & 0x02) !== 0,
    };
  } else {
    const td = verdict!.report.asTd10() ?? verdict!.report.asTd15()?.base;
    if (!td) return reject('UnsupportedTeeType', `unsupported report type ${verdict!.report.type}`);
    result = {
      teeType: 'tdx',
      ...common,
      measurements: { mrTd: hex(td.mrTd), mrTdHash: hex(sha256(td.mrTd)) },
      reportData: hex(td.reportData),
      // A TD's DEBUG is TDATTRIBUTES.TUD (byte 0).
      debug: td.tdAttributes[0] !== 0,
    };
  }
  if (options.policy) checkIntelQuotePolicy(result, options.policy, atSeconds);
  return result;
}

/**
 * Applies `policy` to a verified quote at `atSeconds`, in this order: TCB status, debug, collateral age (now − the older
 * of the TCB info's and QE identity's issue dates, from `collateral` when given, else from `verified.collateral`).
 * @throws {IntelQuoteError} TcbStatusNotAllowed, DebugEnclave, CollateralTooOld.
 */
export function checkIntelQuotePolicy(verified: VerifiedIntelQuote, policy: IntelQuotePolicy, atSeconds: number, collateral?: Collateral): void {
  if (!policy.allowedTcbStatuses.includes(verified.tcbStatus)) {
    reject('TcbStatusNotAllowed', `TCB status ${verified.tcbStatus} is not allowed (allowed: ${policy.allowedTcbStatuses.join(', ') || 'none'})`);
  }
  if (verified.debug) reject('DebugEnclave', 'the quote is from a debug enclave or TD');
  if (policy.maxCollateralAgeSeconds !== undefined) {
    const dates = collateral ? { tcbInfoIssueDate: readIssueDates(collateral.tcb_info, 'tcb_info').issueDate, qeIdentityIssueDate: readIssueDates(collateral.qe_identity, 'qe_identity').issueDate } : verified.collateral;
    const age = atSeconds - Math.min(dates.tcbInfoIssueDate, dates.qeIdentityIssueDate);
    if (age > policy.maxCollateralAgeSeconds) reject('CollateralTooOld', `the collateral is ${age} s old, more than the ${policy.maxCollateralAgeSeconds} s allowed`);
  }
}

/** dcap-qvl's messages, in its check order, and the reason each one is. */
const DCAP_MESSAGES: ReadonlyArray<readonly [RegExp, IntelQuoteRejection]> = [
  [/^Failed to decode quote$/, 'QuoteTruncated'],
  [/^Unsupported DCAP quote version$|^SGX TEE quote must have version 3$|^TDX TEE quote must have version 4 or 5$/, 'UnsupportedQuoteVersion'],
  [/^Unsupported DCAP TEE type$/, 'UnsupportedTeeType'],
  [/^Unsupported DCAP attestation key type$/, 'UnsupportedAttestationKeyType'],
  [/^Failed to decode TcbInfo$|^Failed to decode QeIdentity$/, 'CollateralMalformed'],
  [/^TCBInfo issue date is in the future$|^TCBInfo expired$/, 'TcbInfoExpired'],
  [/^Certificate is revoked$/, 'CertificateRevoked'],
  [/^Certificate chain is too short for (TCB Info|QE Identity)$/, 'CollateralMalformed'],
  [/^Certificate chain is too short in quote$/, 'CertificateMalformed'],
  [/^CaUsedAsEndEntity$/, 'CaUsedAsEndEntity'],
  [/^Failed to verify certificate chain - (leaf|intermediate) signature invalid$/, 'CertificateSignatureInvalid'],
  [/^Certificate is expired or not yet valid$/, 'CertificateExpired'],
  [/^Signature is invalid for (tcb_info|qe_identity)$/, 'CollateralSignatureInvalid'],
  [/^QE Identity issue date is in the future$|^QE Identity expired$/, 'QeIdentityExpired'],
  [/^Unsupported QE Identity id\/version for the quote TEE type$/, 'QeIdentityMismatch'],
  [/^Unsupported DCAP PCK cert format/, 'UnsupportedCertificationDataType'],
  [/^Failed to extract PCK certificates from quote$/, 'PemMalformed'],
  [/^Signature is invalid for qe_report in quote$/, 'QeReportSignatureInvalid'],
  [/^QE report hash mismatch$/, 'QeReportDataMismatch'],
  [/^QE (MRSIGNER|ISVPRODID|MISCSELECT|ATTRIBUTES) mismatch/, 'QeIdentityPolicyMismatch'],
  [/^No TCB levels found in QE Identity$|^QE ISVSVN \d+ is below minimum required/, 'QeTcbLevelNotFound'],
  // An attestation key off the P-256 curve cannot verify any signature (the contract's P-256 precompile fails likewise).
  [/^ISV enclave report signature is invalid$|^Invalid JWK EC key$/, 'IsvReportSignatureInvalid'],
  [/^Intel extension (not found|ambiguity)$|^OID [\d.]+ is missing$|^(Fmspc|CpuSvn|PceSvn) length mismatch$/, 'PckExtensionMalformed'],
  [/^Fmspc mismatch$|^(TDX quote with non-TDX|SGX quote with non-SGX) TCB info in the collateral$/, 'TcbInfoMismatch'],
  [/^No (SGX|TDX) components in the TCB info$/, 'CollateralMalformed'],
  [/^No matching TCB level found$/, 'TcbLevelNotFound'],
  [/^TCB status is invalid: Revoked$/, 'TcbRevoked'],
  // Any other status is one Intel's collateral should not hold.
  [/^TCB status is invalid: /, 'CollateralMalformed'],
  [/^Debug mode is enabled$/, 'DebugEnclave'],
  [/^Reserved bits in TD attributes are set$|^SEPT_VE_DISABLE is not enabled$|^Invalid mr service td$/, 'TdAttributesInvalid'],
];

/** Reasons dcap-qvl reaches only after its QE report data check (which the contract makes over the whole QE auth data). */
const AFTER_QE_REPORT_DATA: ReadonlySet<IntelQuoteRejection> = new Set([
  'QeIdentityPolicyMismatch',
  'QeTcbLevelNotFound',
  'DebugEnclave',
  'IsvReportSignatureInvalid',
  'PckExtensionMalformed',
  'TcbInfoMismatch',
  'TcbLevelNotFound',
  'TcbRevoked',
  'TdAttributesInvalid',
]);

/**
 * The reason of a dcap-qvl message.
 * @throws {Error} (not an IntelQuoteError) for a message this wrapper does not know: a bug to fix here, never a verdict.
 */
function dcapRejection(error: unknown): IntelQuoteRejection {
  const message = String((error as Error)?.message ?? error);
  for (const [pattern, reason] of DCAP_MESSAGES) if (pattern.test(message)) return reason;
  throw new Error(`unmapped @phala/dcap-qvl rejection: ${message}`, { cause: error });
}

/** @throws {IntelQuoteError} PckExtensionMalformed when the PCK certificate's Intel extension lacks FMSPC, CPUSVN or PCESVN. */
function checkPckExtension(leafDer: Buffer): void {
  try {
    const extension = utils.getIntelExtension(leafDer);
    utils.getFmspc(extension);
    utils.getCpuSvn(extension);
    utils.getPceSvn(extension);
  } catch (error) {
    reject('PckExtensionMalformed', `the PCK certificate's Intel SGX extension: ${(error as Error).message}`, error);
  }
}

/** @throws {IntelQuoteError} QeReportDataMismatch unless the QE report data starts with sha256(attestation key ‖ QE auth data). */
function checkQeReportData(quote: Uint8Array, layout: IntelQuoteLayout): void {
  const expected = createHash('sha256')
    .update(quote.subarray(layout.attestationKeyOffset, layout.attestationKeyOffset + 64))
    .update(quote.subarray(layout.qeAuthDataOffset, layout.qeAuthDataOffset + layout.qeAuthDataLength))
    .digest();
  const reportData = quote.subarray(layout.qeReportOffset + 320, layout.qeReportOffset + 352);
  if (!expected.equals(reportData)) reject('QeReportDataMismatch', 'QE report data is not sha256(attestation key ‖ QE auth data)');
}

type ReadCollateral = {
  rootCrl: Buffer;
  pckCrl: Buffer;
  tcbInfoSignature: Buffer;
  qeIdentitySignature: Buffer;
  tcbInfo: { issueDate: number; nextUpdate: number };
  qeIdentity: { issueDate: number; nextUpdate: number };
  pckCrlIssuerChain: ParsedCertificate[];
  tcbInfoIssuerChain: ParsedCertificate[];
  qeIdentityIssuerChain: ParsedCertificate[];
};

/**
 * The collateral's bytes and dates, checked for shape: hex or byte arrays, 64-byte signatures, JSON with issueDate and
 * nextUpdate, issuer chains of at least two DER certificates.
 * @throws {IntelQuoteError} CrlMalformed, CollateralMalformed, CertificateMalformed.
 */
function readCollateral(collateral: Collateral): ReadCollateral {
  const signature = (field: 'tcb_info_signature' | 'qe_identity_signature') => {
    const bytes = bytesOf(collateral[field], field, 'CollateralMalformed');
    if (bytes.length !== 64) reject('CollateralMalformed', `collateral.${field} is ${bytes.length} bytes, expected 64 (r ‖ s)`);
    return bytes;
  };
  const chain = (field: 'pck_crl_issuer_chain' | 'tcb_info_issuer_chain' | 'qe_identity_issuer_chain') => {
    const text = collateral[field];
    if (typeof text !== 'string') return reject('CollateralMalformed', `collateral.${field} is not PEM text`);
    const ders = utils.extractCerts(Buffer.from(text, 'utf8'));
    if (ders.length < 2) reject('CollateralMalformed', `collateral.${field} holds ${ders.length} certificates, expected at least 2`);
    return ders.map((der, i) => parseCertificate(der, `certificate ${i + 1} of collateral.${field}`));
  };
  return {
    rootCrl: bytesOf(collateral.root_ca_crl, 'root_ca_crl', 'CrlMalformed'),
    pckCrl: bytesOf(collateral.pck_crl, 'pck_crl', 'CrlMalformed'),
    tcbInfoSignature: signature('tcb_info_signature'),
    qeIdentitySignature: signature('qe_identity_signature'),
    tcbInfo: readIssueDates(collateral.tcb_info, 'tcb_info'),
    qeIdentity: readIssueDates(collateral.qe_identity, 'qe_identity'),
    pckCrlIssuerChain: chain('pck_crl_issuer_chain'),
    tcbInfoIssuerChain: chain('tcb_info_issuer_chain'),
    qeIdentityIssuerChain: chain('qe_identity_issuer_chain'),
  };
}

function bytesOf(value: unknown, field: string, reason: IntelQuoteRejection): Buffer {
  if (typeof value === 'string') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) reject(reason, `collateral.${field} is not hex`);
    return Buffer.from(value, 'hex');
  }
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Buffer.from(value);
  return reject(reason, `collateral.${field} is neither hex nor a byte array`);
}

function readIssueDates(json: unknown, field: string): { issueDate: number; nextUpdate: number } {
  let parsed: { issueDate?: unknown; nextUpdate?: unknown; tcbLevels?: unknown };
  try {
    parsed = JSON.parse(String(json));
  } catch (error) {
    return reject('CollateralMalformed', `collateral.${field} is not JSON`, error);
  }
  const date = (value: unknown, name: string) => {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) reject('CollateralMalformed', `collateral.${field}.${name} is not a date`);
    return Math.floor(ms / 1000);
  };
  if (!Array.isArray(parsed?.tcbLevels)) reject('CollateralMalformed', `collateral.${field}.tcbLevels is not a list`);
  return { issueDate: date(parsed.issueDate, 'issueDate'), nextUpdate: date(parsed.nextUpdate, 'nextUpdate') };
}
