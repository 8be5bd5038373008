/**
 * The byte layout of an Intel DCAP quote, read the way the on-chain verifier reads it (stricter than @phala/dcap-qvl,
 * which ignores bytes after the declared lengths and accepts any PEM-looking text):
 *
 * - header (48 bytes): u16 version, u16 attestation key type, u32 TEE type, …;
 * - body: v3 SGX enclave report (384 bytes); v4 TDX TD report 1.0 (584 bytes); v5: u16 body type + u32 body size,
 *   then a TD report 1.0 (type 2, 584 bytes) or 1.5 (type 3, 648 bytes);
 * - u32 signature-data length, then the signature data: ISV signature (64), attestation key (64), then
 *   v3: QE report (384), QE report signature (64), u16 QE auth data length + data, u16 certification data type (5),
 *       u32 size + PEM chain;
 *   v4/v5: u16 certification data type (6), u32 size, containing exactly the v3 fields from the QE report on.
 *
 * Every declared length must fit (QuoteTruncated) and nest exactly; after the signature data only 0x00 bytes may follow
 * (real TDX quotes are zero-padded), anything else is QuoteTrailingBytes. The PEM chain must be in the canonical form
 * the contract parses (see {@link parseCanonicalPemChain}).
 */
import { reject } from './intelQuoteErrors.ts';

const HEADER = 48;
const SGX_REPORT = 384;
const TD_REPORT10 = 584;
const TD_REPORT15 = 648;
const TEE_SGX = 0x00000000;
const TEE_TDX = 0x00000081;
const ECDSA_P256 = 2;
const CERT_PCK_CHAIN = 5;
const CERT_QE_REPORT = 6;

/** Offsets (bytes from the quote's start) and lengths of a quote's parts. */
export type IntelQuoteLayout = {
  version: 3 | 4 | 5;
  teeType: 'sgx' | 'tdx';
  /** The report body (after the v5 body header): SGX enclave report or TD report. */
  bodyOffset: number;
  bodyLength: number;
  /** Bytes covered by the ISV signature: header, v5 body header, body. */
  signedLength: number;
  /** Where the signature data starts (after its u32 length) and how long it is. */
  signatureDataOffset: number;
  signatureDataLength: number;
  /** End of the signature data; only zero bytes from here to the quote's end. */
  end: number;
  isvSignatureOffset: number;
  attestationKeyOffset: number;
  /** v4/v5: the outer certification data type field (6); absent for v3. */
  outerCertDataTypeOffset?: number;
  qeReportOffset: number;
  qeReportSignatureOffset: number;
  qeAuthDataOffset: number;
  qeAuthDataLength: number;
  /** The certification data type field of the PCK chain (5). */
  certDataTypeOffset: number;
  /** The PEM chain (certification data body) and its declared length. */
  certDataOffset: number;
  certDataLength: number;
};

/**
 * Reads the layout of `quote` and checks every declared length, the version, TEE type, attestation key type and
 * certification data types.
 * @throws {IntelQuoteError} QuoteTruncated, QuoteTrailingBytes, UnsupportedQuoteVersion, UnsupportedTeeType,
 *   UnsupportedAttestationKeyType, UnsupportedCertificationDataType.
 */
export function parseIntelQuoteLayout(quote: Uint8Array): IntelQuoteLayout {
  const view = new DataView(quote.buffer, quote.byteOffset, quote.byteLength);
  const need = (offset: number, length: number, what: string) => {
    if (offset + length > quote.length) reject('QuoteTruncated', `quote ends inside its ${what} (needs ${offset + length} bytes, has ${quote.length})`);
  };
  const u16 = (offset: number, what: string) => (need(offset, 2, what), view.getUint16(offset, true));
  const u32 = (offset: number, what: string) => (need(offset, 4, what), view.getUint32(offset, true));

  need(0, HEADER, 'header');
  const version = u16(0, 'header');
  if (version !== 3 && version !== 4 && version !== 5) reject('UnsupportedQuoteVersion', `quote version ${version} (supported: 3 SGX, 4 and 5 TDX)`);
  const tee = u32(4, 'header');
  if (version === 3 && tee !== TEE_SGX) reject('UnsupportedTeeType', `TEE type 0x${tee.toString(16)} in a version 3 quote (SGX only)`);
  if (version !== 3 && tee !== TEE_TDX) reject('UnsupportedTeeType', `TEE type 0x${tee.toString(16)} in a version ${version} quote (TDX only)`);
  const keyType = u16(2, 'header');
  if (keyType !== ECDSA_P256) reject('UnsupportedAttestationKeyType', `attestation key type ${keyType} (supported: 2, ECDSA P-256)`);

  let bodyOffset = HEADER;
  let bodyLength = version === 3 ? SGX_REPORT : TD_REPORT10;
  if (version === 5) {
    const bodyType = u16(HEADER, 'body header');
    const bodySize = u32(HEADER + 2, 'body header');
    if (bodyType !== 2 && bodyType !== 3) reject('UnsupportedTeeType', `version 5 body type ${bodyType} (supported: 2 TD report 1.0, 3 TD report 1.5)`);
    bodyLength = bodyType === 2 ? TD_REPORT10 : TD_REPORT15;
    if (bodySize !== bodyLength) reject('QuoteTruncated', `version 5 body size ${bodySize}, expected ${bodyLength} for body type ${bodyType}`);
    bodyOffset = HEADER + 6;
  }
  need(bodyOffset, bodyLength, 'report body');
  const signedLength = bodyOffset + bodyLength;
  const signatureDataLength = u32(signedLength, 'signature data length');
  const signatureDataOffset = signedLength + 4;
  const end = signatureDataOffset + signatureDataLength;
  need(signatureDataOffset, signatureDataLength, 'signature data');
  for (let i = end; i < quote.length; i++) {
    if (quote[i] !== 0) reject('QuoteTrailingBytes', `non-zero byte 0x${quote[i].toString(16)} at ${i}, after the signature data ending at ${end}`);
  }

  // Inside the signature data: every read must stay before `limit` (the innermost declared end).
  let limit = end;
  const within = (offset: number, length: number, what: string) => {
    if (offset + length > limit) reject('QuoteTruncated', `${what} overruns its declared container (ends at ${offset + length}, container at ${limit})`);
  };
  const isvSignatureOffset = signatureDataOffset;
  const attestationKeyOffset = isvSignatureOffset + 64;
  within(isvSignatureOffset, 128, 'ISV signature and attestation key');
  let p = attestationKeyOffset + 64;
  let outerCertDataTypeOffset: number | undefined;
  if (version !== 3) {
    within(p, 6, 'certification data header');
    outerCertDataTypeOffset = p;
    const outerType = view.getUint16(p, true);
    if (outerType !== CERT_QE_REPORT) reject('UnsupportedCertificationDataType', `outer certification data type ${outerType} (expected 6, QE report certification data)`);
    const outerSize = view.getUint32(p + 2, true);
    p += 6;
    within(p, outerSize, 'QE report certification data');
    if (p + outerSize !== limit) reject('QuoteTrailingBytes', `QE report certification data ends at ${p + outerSize}, the signature data at ${limit}`);
    limit = p + outerSize;
  }
  const qeReportOffset = p;
  const qeReportSignatureOffset = p + 384;
  within(qeReportOffset, 384 + 64 + 2, 'QE report, its signature and QE auth data length');
  const qeAuthDataLength = view.getUint16(qeReportSignatureOffset + 64, true);
  const qeAuthDataOffset = qeReportSignatureOffset + 66;
  within(qeAuthDataOffset, qeAuthDataLength, 'QE auth data');
  const certDataTypeOffset = qeAuthDataOffset + qeAuthDataLength;
  within(certDataTypeOffset, 6, 'certification data header');
  const certType = view.getUint16(certDataTypeOffset, true);
  if (certType !== CERT_PCK_CHAIN) reject('UnsupportedCertificationDataType', `certification data type ${certType} (expected 5, PCK certificate chain)`);
  const certDataLength = view.getUint32(certDataTypeOffset + 2, true);
  const certDataOffset = certDataTypeOffset + 6;
  within(certDataOffset, certDataLength, 'PCK certificate chain');
  if (certDataOffset + certDataLength !== limit) reject('QuoteTrailingBytes', `PCK certificate chain ends at ${certDataOffset + certDataLength}, its container at ${limit}`);

  return {
    version,
    teeType: version === 3 ? 'sgx' : 'tdx',
    bodyOffset,
    bodyLength,
    signedLength,
    signatureDataOffset,
    signatureDataLength,
    end,
    isvSignatureOffset,
    attestationKeyOffset,
    outerCertDataTypeOffset,
    qeReportOffset,
    qeReportSignatureOffset,
    qeAuthDataOffset,
    qeAuthDataLength,
    certDataTypeOffset,
    certDataOffset,
    certDataLength,
  };
}

const BEGIN = '-----BEGIN CERTIFICATE-----\n';
const END = '-----END CERTIFICATE-----\n';

/**
 * The DER certificates of a PEM chain in the contract's canonical form: blocks of exactly `BEGIN` line, base64 lines of
 * 64 characters + "\n" except the last (1 to 64 + "\n"), `END` line, back to back; only 0x00 bytes after the last
 * block; canonical base64 (re-encoding the decoded bytes gives the same text, so padding and alphabet are exact).
 * @throws {IntelQuoteError} PemMalformed.
 */
export function parseCanonicalPemChain(pem: Uint8Array): Buffer[] {
  let stop = pem.length;
  while (stop > 0 && pem[stop - 1] === 0) stop--;
  const text = Buffer.from(pem.subarray(0, stop)).toString('latin1');
  const certs: Buffer[] = [];
  let p = 0;
  while (p < text.length) {
    if (!text.startsWith(BEGIN, p)) reject('PemMalformed', `expected "-----BEGIN CERTIFICATE-----\\n" at byte ${p} of the PCK chain`);
    p += BEGIN.length;
    let base64 = '';
    for (;;) {
      const newline = text.indexOf('\n', p);
      if (newline < 0) reject('PemMalformed', `unterminated line at byte ${p} of the PCK chain`);
      const line = text.slice(p, newline);
      if (`${line}\n` === END) {
        if (base64 === '') reject('PemMalformed', `empty certificate block ending at byte ${p} of the PCK chain`);
        p = newline + 1;
        break;
      }
      if (line.length < 1 || line.length > 64) reject('PemMalformed', `base64 line of ${line.length} characters at byte ${p} of the PCK chain`);
      if (base64.length % 64 !== 0) reject('PemMalformed', `short base64 line before byte ${p} of the PCK chain is not the block's last`);
      base64 += line;
      p = newline + 1;
    }
    const der = Buffer.from(base64, 'base64');
    if (der.toString('base64') !== base64) reject('PemMalformed', `non-canonical base64 in certificate ${certs.length + 1} of the PCK chain`);
    certs.push(der);
  }
  if (certs.length === 0) reject('PemMalformed', 'no certificate in the PCK chain');
  return certs;
}
