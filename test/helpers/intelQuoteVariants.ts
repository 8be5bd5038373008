/**
 * The shared test cases of Intel DCAP quote verification: the real quotes of test/fixtures/tee at times inside, at the
 * edges of, and outside their collateral's validity window, and tampered variants of the quotes and collateral, each
 * with the verdict the off-chain verifier (src/services/multi-prover/tee/intelQuote.ts) gives — the on-chain verifier
 * must give the same, for the same reason (its custom error of that name).
 *
 * Windows are facts of the fixtures (read with `openssl crl`/`openssl x509` and the TCB info / QE identity JSON): the
 * latest issueDate/thisUpdate/notBefore to the earliest nextUpdate/notAfter. Offsets inside a quote come from its
 * parsed layout (SGX v3, TDX v4 and v5 differ), not from fixed numbers.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Collateral } from '@phala/dcap-qvl';
import type { IntelQuoteRejection } from '../../src/services/multi-prover/tee/intelQuote.ts';
import { type IntelQuoteLayout, parseIntelQuoteLayout } from '../../src/services/multi-prover/tee/intelQuote.ts';

/** The three fixtures. */
export type IntelQuoteFixture = 'sgx' | 'tdx' | 'tdx-outdated';

/** One case: verify `quote` against `collateral` at `atSeconds`, expect this verdict. */
export type IntelQuoteVariant = {
  name: string;
  fixture: IntelQuoteFixture;
  quote: Uint8Array;
  collateral: Collateral;
  atSeconds: number;
  expect: { accept: true; tcbStatus: string; advisoryIds: string[] } | { accept: false; reason: IntelQuoteRejection };
};

const at = (iso: string) => Date.parse(iso) / 1000;
const DAY = 86_400;

/**
 * Validity windows (unix seconds, both ends inclusive) and what bounds them.
 * - sgx: from the TCB info's issueDate 2025-06-19T10:56:11Z to the QE identity's nextUpdate 2025-07-19T10:01:18Z (the PCK
 *   CRL's nextUpdate 2025-07-19T10:23:18Z and the TCB info's 10:56:11Z come later).
 * - tdx: from the QE identity's issueDate 2025-06-19T10:32:27Z to the PCK CRL's nextUpdate 2025-07-19T10:00:35Z, before
 *   the TCB info's 2025-07-19T10:16:03Z and the QE identity's 10:32:27Z.
 * - tdx-outdated: from the TCB info's issueDate 2026-02-18T10:58:51Z to the PCK CRL's nextUpdate 2026-03-20T10:41:15Z
 *   (QE identity 10:42:15Z, TCB info 10:58:51Z).
 */
export const INTEL_QUOTE_WINDOWS: Record<IntelQuoteFixture, { from: number; until: number; fromIs: string; untilIs: string }> = {
  sgx: { from: at('2025-06-19T10:56:11Z'), until: at('2025-07-19T10:01:18Z'), fromIs: 'tcb_info issueDate', untilIs: 'qe_identity nextUpdate' },
  tdx: { from: at('2025-06-19T10:32:27Z'), until: at('2025-07-19T10:00:35Z'), fromIs: 'qe_identity issueDate', untilIs: 'pck_crl nextUpdate' },
  'tdx-outdated': { from: at('2026-02-18T10:58:51Z'), until: at('2026-03-20T10:41:15Z'), fromIs: 'tcb_info issueDate', untilIs: 'pck_crl nextUpdate' },
};

/** Intel's verdict on the genuine quotes inside their windows (TCB info and QE identity of the fixtures). */
const GENUINE: Record<'sgx' | 'tdx', { tcbStatus: string; advisoryIds: string[] }> = {
  sgx: { tcbStatus: 'ConfigurationAndSWHardeningNeeded', advisoryIds: ['INTEL-SA-00289', 'INTEL-SA-00615'] },
  tdx: { tcbStatus: 'UpToDate', advisoryIds: [] },
};

const FILES: Record<IntelQuoteFixture, string> = { sgx: 'sgx_quote', tdx: 'tdx_quote', 'tdx-outdated': 'tdx_quote_outdated' };

/** A fixture's quote and collateral as read from test/fixtures/tee. */
export function intelQuoteFixture(fixture: IntelQuoteFixture): { quote: Uint8Array; collateral: Collateral } {
  const read = (name: string) => readFileSync(new URL(`../fixtures/tee/${name}`, import.meta.url));
  return { quote: new Uint8Array(read(FILES[fixture])), collateral: JSON.parse(read(`${FILES[fixture]}_collateral.json`).toString('utf8')) as Collateral };
}

/** Every case, in a stable order. */
export function intelQuoteVariants(): IntelQuoteVariant[] {
  const cases: IntelQuoteVariant[] = [];
  const fail = (reason: IntelQuoteRejection) => ({ accept: false as const, reason });

  for (const fixture of ['sgx', 'tdx', 'tdx-outdated'] as const) {
    const { quote, collateral } = intelQuoteFixture(fixture);
    const w = INTEL_QUOTE_WINDOWS[fixture];
    const inside = fixture === 'tdx-outdated' ? fail('TcbLevelNotFound') : { accept: true as const, ...GENUINE[fixture] };
    const add = (name: string, atSeconds: number, expect: IntelQuoteVariant['expect']) => cases.push({ name: `${fixture}: ${name}`, fixture, quote, collateral, atSeconds, expect });
    add('genuine, a day into its window', w.from + DAY, inside);
    add('genuine, a day before its window (the PCK CRL is not issued yet)', w.from - DAY, fail('CrlExpired'));
    add('genuine, a day after its window (the PCK CRL has expired)', w.until + DAY, fail('CrlExpired'));
    if (fixture === 'tdx-outdated') continue;
    add('genuine, at the first second of its window', w.from, inside);
    add('genuine, at the last second of its window', w.until, inside);
    // The second outside each edge names what bounds the window.
    add('genuine, one second before its window', w.from - 1, fail(fixture === 'sgx' ? 'TcbInfoExpired' : 'QeIdentityExpired'));
    add('genuine, one second after its window', w.until + 1, fail(fixture === 'sgx' ? 'QeIdentityExpired' : 'CrlExpired'));
  }

  for (const fixture of ['sgx', 'tdx'] as const) {
    const { quote, collateral } = intelQuoteFixture(fixture);
    const other = intelQuoteFixture(fixture === 'sgx' ? 'tdx' : 'sgx').collateral;
    const layout = parseIntelQuoteLayout(quote);
    const atSeconds = INTEL_QUOTE_WINDOWS[fixture].from + DAY;
    const addQuote = (name: string, tampered: Uint8Array, expect: IntelQuoteVariant['expect']) => cases.push({ name: `${fixture}: ${name}`, fixture, quote: tampered, collateral, atSeconds, expect });
    const addCollateral = (name: string, tampered: Collateral, expect: IntelQuoteVariant['expect']) => cases.push({ name: `${fixture}: ${name}`, fixture, quote, collateral: tampered, atSeconds, expect });
    const flip = (offset: number) => withBytes(quote, offset, [quote[offset] ^ 0x01]);

    addQuote('header byte 10 flipped', flip(10), fail('IsvReportSignatureInvalid'));
    addQuote('header version set to 2', withBytes(quote, 0, [2, 0]), fail('UnsupportedQuoteVersion'));
    addQuote('header TEE type changed', flip(4), fail('UnsupportedTeeType'));
    addQuote('header attestation key type 3 (P-384)', withBytes(quote, 2, [3, 0]), fail('UnsupportedAttestationKeyType'));
    addQuote('report body byte flipped', flip(layout.bodyOffset + 52), fail('IsvReportSignatureInvalid'));
    addQuote('ISV signature byte flipped', flip(layout.isvSignatureOffset + 10), fail('IsvReportSignatureInvalid'));
    addQuote('attestation key byte flipped', flip(layout.attestationKeyOffset + 10), fail('QeReportDataMismatch'));
    addQuote('QE report byte flipped', flip(layout.qeReportOffset + 10), fail('QeReportSignatureInvalid'));
    addQuote('QE report signature byte flipped', flip(layout.qeReportSignatureOffset + 10), fail('QeReportSignatureInvalid'));
    addQuote('QE auth data byte flipped', flip(layout.qeAuthDataOffset + 10), fail('QeReportDataMismatch'));
    for (const [i, which] of ['PCK', 'PCK CA', 'root'].entries()) {
      addQuote(`${which} certificate: a base64 character of its serial number changed`, withBytes(quote, ...serialCharEdit(quote, layout, i)), fail('CertificateSignatureInvalid'));
    }
    addQuote('certification data type 5 changed to 4', flip(layout.certDataTypeOffset), fail('UnsupportedCertificationDataType'));
    if (layout.outerCertDataTypeOffset !== undefined) {
      addQuote('outer certification data type 6 changed to 7', flip(layout.outerCertDataTypeOffset), fail('UnsupportedCertificationDataType'));
    }
    addQuote('last 100 bytes dropped', quote.subarray(0, quote.length - 100), fail('QuoteTruncated'));
    addQuote('one 0x01 byte appended', concat(quote, [0x01]), fail('QuoteTrailingBytes'));
    addQuote('64 zero bytes appended (tolerated padding)', concat(quote, new Array(64).fill(0)), { accept: true, ...GENUINE[fixture] });
    addQuote('signature data length one byte short', withU32(quote, layout.signedLength, layout.signatureDataLength - 1), fail('QuoteTruncated'));

    const blocks = pemBlocks(quote, layout);
    const tcbSigning = canonicalPem(pemBlocksOf(collateral.tcb_info_issuer_chain)[0]);
    addQuote('root certificate replaced by the TCB signing certificate', withPem(quote, layout, blocks[0] + blocks[1] + tcbSigning), fail('UntrustedRootCertificate'));
    addQuote('PCK chain without its root certificate', withPem(quote, layout, blocks[0] + blocks[1]), fail('CertificateMalformed'));
    addQuote('PCK chain with CRLF line ends', withPem(quote, layout, blocks.join('').replace(/\n/g, '\r\n')), fail('PemMalformed'));
    addQuote('PCK chain with base64 lines of 76 characters', withPem(quote, layout, blocks.map(rewrap76).join('')), fail('PemMalformed'));

    const json = (text: string, pattern: RegExp, edit: (found: string) => string) => text.replace(pattern, edit);
    addCollateral('tcb_info: a hex digit of fmspc changed', { ...collateral, tcb_info: json(collateral.tcb_info, /"fmspc":"./, (s) => s.slice(0, -1) + otherHex(s.slice(-1))) }, fail('CollateralSignatureInvalid'));
    addCollateral('qe_identity: a hex digit of mrsigner changed', { ...collateral, qe_identity: json(collateral.qe_identity, /"mrsigner":"./, (s) => s.slice(0, -1) + otherHex(s.slice(-1))) }, fail('CollateralSignatureInvalid'));
    addCollateral('tcb_info: nextUpdate a year later', { ...collateral, tcb_info: json(collateral.tcb_info, /"nextUpdate":"(\d{4})/, (s) => s.slice(0, -4) + String(Number(s.slice(-4)) + 1)) }, fail('CollateralSignatureInvalid'));
    addCollateral('tcb_info: nextUpdate a year earlier', { ...collateral, tcb_info: json(collateral.tcb_info, /"nextUpdate":"(\d{4})/, (s) => s.slice(0, -4) + String(Number(s.slice(-4)) - 1)) }, fail('TcbInfoExpired'));
    addCollateral('tcb_info: not JSON', { ...collateral, tcb_info: collateral.tcb_info.slice(0, -1) }, fail('CollateralMalformed'));
    addCollateral('tcb_info_signature: a byte flipped', { ...collateral, tcb_info_signature: flipHex(collateral.tcb_info_signature as string, 10) }, fail('CollateralSignatureInvalid'));
    addCollateral('qe_identity_signature: a byte flipped', { ...collateral, qe_identity_signature: flipHex(collateral.qe_identity_signature as string, 10) }, fail('CollateralSignatureInvalid'));
    for (const field of ['root_ca_crl', 'pck_crl'] as const) {
      const crl = Buffer.from(collateral[field] as string, 'hex');
      addCollateral(`${field}: a byte of its issuer name flipped`, { ...collateral, [field]: flipHex(collateral[field] as string, crl.indexOf('Intel SGX')) }, fail('CollateralSignatureInvalid'));
      addCollateral(`${field}: its first byte (SEQUENCE tag) flipped`, { ...collateral, [field]: flipHex(collateral[field] as string, 0) }, fail('CrlMalformed'));
      addCollateral(`${field}: empty`, { ...collateral, [field]: '' }, fail('CrlMissing'));
    }
    addCollateral("PCK CRL and issuer chain of the other PCK CA", { ...collateral, pck_crl: other.pck_crl, pck_crl_issuer_chain: other.pck_crl_issuer_chain }, fail('CollateralSignatureInvalid'));
    addCollateral("TCB info of the other fixture's platform", { ...collateral, tcb_info: other.tcb_info, tcb_info_signature: other.tcb_info_signature }, fail('TcbInfoMismatch'));
    addCollateral("QE identity of the other TEE's quoting enclave", { ...collateral, qe_identity: other.qe_identity, qe_identity_signature: other.qe_identity_signature }, fail('QeIdentityMismatch'));
  }
  return cases;
}

function withBytes(quote: Uint8Array, offset: number, bytes: number[]): Uint8Array {
  const copy = new Uint8Array(quote);
  copy.set(bytes, offset);
  return copy;
}

function withU32(quote: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = new Uint8Array(quote);
  new DataView(copy.buffer).setUint32(offset, value, true);
  return copy;
}

function concat(quote: Uint8Array, bytes: number[]): Uint8Array {
  return new Uint8Array([...quote, ...bytes]);
}

function flipHex(hex: string, byte: number): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[byte] ^= 0x01;
  return bytes.toString('hex');
}

function otherHex(digit: string): string {
  return digit === '0' ? '1' : '0';
}

/** The quote's PEM blocks, each with its trailing newline. */
function pemBlocks(quote: Uint8Array, layout: IntelQuoteLayout): string[] {
  return pemBlocksOf(Buffer.from(quote.subarray(layout.certDataOffset, layout.certDataOffset + layout.certDataLength)).toString('latin1'));
}

function pemBlocksOf(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----\n[^-]+-----END CERTIFICATE-----\n?/g) ?? [];
}

/** The certificate of a PEM block, re-encoded in canonical form (64-character lines). */
function canonicalPem(block: string): string {
  const base64 = Buffer.from(new X509Certificate(block).raw).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function rewrap76(block: string): string {
  const base64 = block.replace(/-----[A-Z ]+-----|\n/g, '');
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,76}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The quote with its PEM chain replaced by `pem` (plus the one 0x00 byte real quotes end the chain with), every
 * enclosing length (certification data size, v4/v5 outer size, signature data length) adjusted; the zero padding after
 * the signature data kept.
 */
function withPem(quote: Uint8Array, layout: IntelQuoteLayout, pem: string): Uint8Array {
  const body = Buffer.concat([Buffer.from(pem, 'latin1'), Buffer.from([0])]);
  const delta = body.length - layout.certDataLength;
  const out = Buffer.concat([Buffer.from(quote.subarray(0, layout.certDataOffset)), body, Buffer.alloc(quote.length - layout.end)]);
  out.writeUInt32LE(body.length, layout.certDataTypeOffset + 2);
  if (layout.outerCertDataTypeOffset !== undefined) out.writeUInt32LE(out.readUInt32LE(layout.outerCertDataTypeOffset + 2) + delta, layout.outerCertDataTypeOffset + 2);
  out.writeUInt32LE(layout.signatureDataLength + delta, layout.signedLength);
  return new Uint8Array(out);
}

/**
 * The offset in the quote and the new byte that change one base64 character of certificate `index`'s serial number
 * (to the character one bit away), so the certificate still parses but its signature no longer verifies.
 */
function serialCharEdit(quote: Uint8Array, layout: IntelQuoteLayout, index: number): [number, number[]] {
  const text = Buffer.from(quote.subarray(layout.certDataOffset, layout.certDataOffset + layout.certDataLength)).toString('latin1');
  const block = pemBlocksOf(text)[index];
  const blockStart = text.indexOf(block);
  const der = Buffer.from(new X509Certificate(block).raw);
  // Certificate SEQUENCE → TBSCertificate SEQUENCE → [0] version → serialNumber INTEGER.
  const skipHeader = (offset: number) => offset + 2 + (der[offset + 1] & 0x80 ? der[offset + 1] & 0x7f : 0);
  const tbs = skipHeader(0);
  const version = skipHeader(tbs);
  const serialHeader = version + 2 + der[version + 1];
  const serialLength = der[serialHeader + 1];
  const byte = serialHeader + 2 + Math.floor(serialLength / 2);
  const char = Math.ceil((byte * 8) / 6);
  const textOffset = blockStart + '-----BEGIN CERTIFICATE-----\n'.length + char + Math.floor(char / 64);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const replacement = alphabet[alphabet.indexOf(text[textOffset]) ^ 1];
  return [layout.certDataOffset + textOffset, [replacement.charCodeAt(0)]];
}
