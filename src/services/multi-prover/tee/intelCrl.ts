/**
 * Certificate revocation lists and certificates of Intel's PKI, checked the way the on-chain verifier checks them
 * (@phala/dcap-qvl reads the CRLs only for serial numbers, never their signatures or dates, and ignores a CRL it
 * cannot parse):
 *
 * - the root CA CRL is signed by Intel's SGX Root CA key; the PCK CRL by the first certificate of
 *   `pck_crl_issuer_chain`, which must be signed by the root key, be valid at the time, and carry the same key as the
 *   PCK CA certificate in the quote (so the CRL is the one of the CA that issued the PCK certificate);
 * - thisUpdate ≤ now ≤ nextUpdate for both;
 * - the PCK leaf's serial must not be in the PCK CRL; the CA certificates' serials (PCK CA, TCB signing, the PCK CRL
 *   issuer) not in the root CA CRL.
 *
 * Uses node:crypto for signatures and X.509, and dcap-qvl's ASN.1 decoders (`utils.Certificate`, `utils.CertificateList`).
 */
import { X509Certificate, verify as verifySignature } from 'node:crypto';
import { constants, utils } from '@phala/dcap-qvl';
import { reject } from './intelQuoteErrors.ts';

/** Intel's SGX Root CA certificate (DER), as dcap-qvl ships it. */
export const INTEL_ROOT_CA_DER: Buffer = constants.TRUSTED_ROOT_CA_DER;
const INTEL_ROOT = new X509Certificate(INTEL_ROOT_CA_DER);
/** The root CA's public key as SubjectPublicKeyInfo DER, compared byte for byte. */
export const INTEL_ROOT_KEY_DER: Buffer = INTEL_ROOT.publicKey.export({ format: 'der', type: 'spki' });
/** ecdsa-with-SHA256 AlgorithmIdentifier (DER). */
const ECDSA_WITH_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

/** A certificate parsed once: node's view, dcap-qvl's ASN.1 view, and the values checks need. */
export type ParsedCertificate = {
  der: Buffer;
  x509: X509Certificate;
  /** Serial number as lowercase hex without leading zeros. */
  serial: string;
  /** SubjectPublicKeyInfo DER. */
  keyDer: Buffer;
  notBefore: number;
  notAfter: number;
};

/**
 * Parses one DER certificate with node:crypto and dcap-qvl's decoder; the DER must be exactly one certificate.
 * @throws {IntelQuoteError} CertificateMalformed.
 */
export function parseCertificate(der: Buffer, what: string): ParsedCertificate {
  try {
    const x509 = new X509Certificate(der);
    if (!x509.raw.equals(der)) throw new Error('bytes after the certificate');
    const asn1 = utils.Certificate.decode(der, 'der');
    return {
      der,
      x509,
      serial: asn1.tbsCertificate.serialNumber.toString(16),
      keyDer: x509.publicKey.export({ format: 'der', type: 'spki' }),
      notBefore: Math.floor(Date.parse(x509.validFrom) / 1000),
      notAfter: Math.floor(Date.parse(x509.validTo) / 1000),
    };
  } catch (error) {
    return reject('CertificateMalformed', `${what} does not parse as an X.509 certificate: ${(error as Error).message}`, error);
  }
}

/** A CRL parsed and its signature-relevant bytes. */
export type ParsedCrl = {
  /** The DER TBSCertList (what the issuer signed). */
  tbs: Buffer;
  /** The signature (DER ECDSA-Sig-Value). */
  signature: Buffer;
  thisUpdate: number;
  nextUpdate: number;
  /** Revoked serials, lowercase hex without leading zeros. */
  revoked: Set<string>;
};

/**
 * Parses a DER CRL: one SEQUENCE spanning all bytes, signed with ecdsa-with-SHA256, with thisUpdate and nextUpdate.
 * @throws {IntelQuoteError} CrlMissing when empty, CrlMalformed otherwise.
 */
export function parseCrl(der: Buffer, what: string): ParsedCrl {
  if (der.length === 0) reject('CrlMissing', `${what} is empty`);
  try {
    // The signed bytes, algorithm, signature and dates are read from the DER directly (dcap-qvl's decoder gives
    // `any` fields with the rest of the buffer attached); its decoder gives the revoked serials.
    const outer = derElement(der, 0);
    if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('not one DER SEQUENCE spanning the whole CRL');
    const tbsElement = derElement(der, outer.contentStart);
    const algorithm = derElement(der, tbsElement.end);
    const bitString = derElement(der, algorithm.end);
    if (tbsElement.tag !== 0x30 || bitString.tag !== 0x03 || bitString.end !== outer.end) throw new Error('CertificateList is not SEQUENCE { TBSCertList, AlgorithmIdentifier, BIT STRING }');
    if (!der.subarray(tbsElement.end, algorithm.end).equals(ECDSA_WITH_SHA256)) throw new Error('signature algorithm is not ecdsa-with-SHA256');
    if (der[bitString.contentStart] !== 0) throw new Error('signature BIT STRING has unused bits');
    // TBSCertList: [version INTEGER], signature AlgorithmIdentifier, issuer Name, thisUpdate, nextUpdate, ...
    let field = derElement(der, tbsElement.contentStart);
    if (field.tag === 0x02) field = derElement(der, field.end);
    const issuer = derElement(der, field.end);
    const thisUpdate = derElement(der, issuer.end);
    const nextUpdate = derElement(der, thisUpdate.end);
    if (nextUpdate.end > tbsElement.end || (nextUpdate.tag !== 0x17 && nextUpdate.tag !== 0x18)) throw new Error('no nextUpdate');
    const crl = utils.CertificateList.decode(der, 'der');
    const revoked = new Set<string>();
    for (const entry of crl.tbsCertList.revokedCertificates ?? []) revoked.add(entry.userCertificate.toString(16));
    return {
      tbs: der.subarray(outer.contentStart, tbsElement.end),
      signature: der.subarray(bitString.contentStart + 1, bitString.end),
      thisUpdate: derTime(der.subarray(issuer.end, thisUpdate.end)),
      nextUpdate: derTime(der.subarray(thisUpdate.end, nextUpdate.end)),
      revoked,
    };
  } catch (error) {
    return reject('CrlMalformed', `${what} does not parse: ${(error as Error).message}`, error);
  }
}

/** The Intel-specific view of the collateral's CRLs and issuer chains, checked at `now`. */
export type CrlCheckInput = {
  rootCrl: Buffer;
  pckCrl: Buffer;
  /** The PEM `pck_crl_issuer_chain` decoded: [PCK CA, root]. */
  pckCrlIssuerChain: ParsedCertificate[];
  /** The quote's chain: [PCK leaf, PCK CA, root]. */
  quoteChain: ParsedCertificate[];
  /** Other CA certificates that the root CRL must not list (the TCB signing certificates). */
  otherCas: ParsedCertificate[];
  now: number;
};

/**
 * Checks both CRLs (in this order: root CRL parse, signature, dates; PCK CRL issuer certificate signature and dates;
 * PCK CRL parse, signature, issuer = the quote's PCK CA, dates; then revocation) and returns them.
 * @throws {IntelQuoteError} CrlMissing, CrlMalformed, CollateralSignatureInvalid, CrlExpired,
 *   CertificateSignatureInvalid, CertificateExpired, CollateralMalformed, CertificateRevoked.
 */
export function checkCrls(input: CrlCheckInput): { root: ParsedCrl; pck: ParsedCrl } {
  const { now } = input;
  const root = parseCrl(input.rootCrl, 'root_ca_crl');
  if (!ecdsaVerify(INTEL_ROOT.publicKey, root.tbs, root.signature)) reject('CollateralSignatureInvalid', 'root_ca_crl is not signed by the Intel SGX Root CA');
  checkCrlTime(root, 'root_ca_crl', now);

  const issuer = input.pckCrlIssuerChain[0];
  if (!issuer) reject('CollateralMalformed', 'pck_crl_issuer_chain holds no certificate');
  if (!issuer.x509.verify(INTEL_ROOT.publicKey)) reject('CertificateSignatureInvalid', 'the PCK CRL issuer certificate is not signed by the Intel SGX Root CA');
  checkCertificateTime(issuer, 'the PCK CRL issuer certificate', now);

  const pck = parseCrl(input.pckCrl, 'pck_crl');
  if (!ecdsaVerify(issuer.x509.publicKey, pck.tbs, pck.signature)) reject('CollateralSignatureInvalid', 'pck_crl is not signed by the first certificate of pck_crl_issuer_chain');
  const pckCa = input.quoteChain[1];
  if (!issuer.keyDer.equals(pckCa.keyDer)) reject('CollateralSignatureInvalid', "pck_crl is not issued by the quote's PCK CA (pck_crl_issuer_chain is another CA's)");
  checkCrlTime(pck, 'pck_crl', now);

  const leaf = input.quoteChain[0];
  if (pck.revoked.has(leaf.serial)) reject('CertificateRevoked', `the PCK certificate (serial ${leaf.serial}) is in the PCK CRL`);
  for (const ca of [pckCa, issuer, ...input.otherCas]) {
    if (root.revoked.has(ca.serial)) reject('CertificateRevoked', `CA certificate ${ca.x509.subject.split('\n').find((l) => l.startsWith('CN=')) ?? ''} (serial ${ca.serial}) is in the root CA CRL`);
  }
  return { root, pck };
}

/** @throws {IntelQuoteError} CertificateExpired when `now` is outside the certificate's validity. */
export function checkCertificateTime(cert: ParsedCertificate, what: string, now: number): void {
  if (now < cert.notBefore || now > cert.notAfter) {
    reject('CertificateExpired', `${what} is valid from ${iso(cert.notBefore)} to ${iso(cert.notAfter)}, not at ${iso(now)}`);
  }
}

function checkCrlTime(crl: ParsedCrl, what: string, now: number): void {
  if (now < crl.thisUpdate || now > crl.nextUpdate) {
    reject('CrlExpired', `${what} is valid from ${iso(crl.thisUpdate)} to ${iso(crl.nextUpdate)}, not at ${iso(now)}`);
  }
}

function ecdsaVerify(key: X509Certificate['publicKey'], data: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** One DER element's tag and bounds (definite lengths only). */
function derElement(der: Buffer, offset: number): { tag: number; contentStart: number; end: number } {
  if (offset + 2 > der.length) throw new Error('DER element header beyond the end');
  const tag = der[offset];
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > der.length) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('DER element overruns its container');
  return { tag, contentStart, end };
}

/** Unix seconds of a DER UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function derTime(der: Buffer): number {
  const element = derElement(der, 0);
  const text = der.subarray(element.contentStart, element.end).toString('latin1');
  let match: RegExpMatchArray | null;
  let year: number;
  if (element.tag === 0x17 && (match = text.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    year = Number(match[1]) + (Number(match[1]) < 50 ? 2000 : 1900);
  } else if (element.tag === 0x18 && (match = text.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    year = Number(match[1]);
  } else {
    throw new Error(`time "${text}" is neither UTCTime nor GeneralizedTime in Z form`);
  }
  const [, , month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}
