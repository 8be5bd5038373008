/**
 * Real Intel DCAP quotes (test/fixtures/tee, produced on SGX and TDX hardware) verified off-chain with @phala/dcap-qvl:
 * accepted inside their collateral's validity window with the measurements, report data and TCB status Intel's
 * collateral gives; refused after it, refused for the outdated TDX platform, and refused when a byte of the quote is
 * flipped or the quote is cut short. Every shared case of test/helpers/intelQuoteVariants.ts (the ones the on-chain
 * verifier must answer alike) gets the verdict and rejection reason it names; the policy check refuses by TCB status,
 * debug and collateral age.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  INTEL_QUOTE_REJECTIONS,
  IntelCollateralError,
  IntelQuoteError,
  type IntelQuoteRejection,
  type VerifiedIntelQuote,
  checkIntelQuotePolicy,
  parseIntelCollateral,
  verifyIntelQuote,
} from '../../src/services/multi-prover/tee/intelQuote.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture, intelQuoteVariants } from '../helpers/intelQuoteVariants.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tee/${name}`, import.meta.url));
const collateral = (name: string) => parseIntelCollateral(JSON.parse(fixture(`${name}_collateral.json`).toString('utf8')));
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const SGX_TIME = at('2025-07-01T00:00:00Z');
const TDX_TIME = at('2025-07-01T00:00:00Z');

describe('Intel DCAP quotes, off-chain', () => {
  it('accepts the SGX quote inside its window with its measurements, report data and TCB status', () => {
    const v = verifyIntelQuote(fixture('sgx_quote'), collateral('sgx_quote'), SGX_TIME);
    assert.equal(v.teeType, 'sgx');
    assert.equal(v.version, 3);
    assert.equal(v.tcbStatus, 'ConfigurationAndSWHardeningNeeded');
    assert.deepEqual([...v.advisoryIds].sort(), ['INTEL-SA-00289', 'INTEL-SA-00615']);
    assert.equal(v.measurements.mrEnclave, '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb');
    assert.equal(v.measurements.mrSigner, '0x815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6');
    assert.equal(Buffer.from(v.reportData.slice(2), 'hex').subarray(0, 13).toString('ascii'), 'Hello, world!');
    assert.equal(v.debug, false);
  });

  it('accepts the TDX quote inside its window with MRTD and UpToDate', () => {
    const v = verifyIntelQuote(fixture('tdx_quote'), collateral('tdx_quote'), TDX_TIME);
    assert.equal(v.teeType, 'tdx');
    assert.equal(v.version, 4);
    assert.equal(v.tcbStatus, 'UpToDate');
    assert.equal(v.measurements.mrTd, '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7');
    assert.match(v.measurements.mrTdHash ?? '', /^0x[0-9a-f]{64}$/);
    assert.equal(
      v.reportData,
      '0x9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20',
    );
  });

  it('refuses a quote after its collateral expired', () => {
    assert.throws(() => verifyIntelQuote(fixture('sgx_quote'), collateral('sgx_quote'), at('2025-08-01T00:00:00Z')), IntelQuoteError);
    assert.throws(() => verifyIntelQuote(fixture('tdx_quote'), collateral('tdx_quote'), at('2025-08-01T00:00:00Z')), IntelQuoteError);
  });

  it('refuses the outdated TDX platform inside its window', () => {
    assert.throws(
      () => verifyIntelQuote(fixture('tdx_quote_outdated'), collateral('tdx_quote_outdated'), at('2026-03-01T00:00:00Z')),
      (error: Error) => error instanceof IntelQuoteError && /TCB/i.test(error.message),
    );
  });

  it('refuses the SGX quote with a byte flipped in the header, the report body or the signature data, or cut short', () => {
    const quote = fixture('sgx_quote');
    for (const offset of [8, 100, 440, 500, quote.length - 100]) {
      const tampered = Buffer.from(quote);
      tampered[offset] ^= 0x01;
      assert.throws(() => verifyIntelQuote(tampered, collateral('sgx_quote'), SGX_TIME), IntelQuoteError, `byte ${offset}`);
    }
    assert.throws(() => verifyIntelQuote(quote.subarray(0, 600), collateral('sgx_quote'), SGX_TIME), IntelQuoteError);
  });

  it('names a malformed collateral field', () => {
    assert.throws(() => parseIntelCollateral({ ...JSON.parse(fixture('sgx_quote_collateral.json').toString('utf8')), tcb_info: 7 }), /collateral\.tcb_info/);
    assert.throws(() => parseIntelCollateral(null), IntelCollateralError);
  });

  it('avs multi-prover quote verify prints the verdict, and exits 1 naming why a quote does not verify', () => {
    const bin = fileURLToPath(new URL('../../bin/avs.js', import.meta.url));
    const path = (name: string) => fileURLToPath(new URL(`../fixtures/tee/${name}`, import.meta.url));
    const ok = spawnSync(process.execPath, [bin, 'multi-prover', 'quote', 'verify', path('tdx_quote'), '--collateral', path('tdx_quote_collateral.json'), '--at', '2025-07-01T00:00:00Z', '--json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const verdict = JSON.parse(ok.stdout) as { ok: boolean; teeType: string; tcbStatus: string };
    assert.deepEqual([verdict.ok, verdict.teeType, verdict.tcbStatus], [true, 'tdx', 'UpToDate']);
    const expired = spawnSync(process.execPath, [bin, 'multi-prover', 'quote', 'verify', path('tdx_quote'), '--collateral', path('tdx_quote_collateral.json'), '--at', '2025-08-01T00:00:00Z'], { encoding: 'utf8' });
    assert.equal(expired.status, 1);
    assert.match(expired.stderr, /^avs: .*does not verify at 2025-08-01T00:00:00.000Z: .+\n$/);
    const badTime = spawnSync(process.execPath, [bin, 'multi-prover', 'quote', 'verify', path('tdx_quote'), '--collateral', path('tdx_quote_collateral.json'), '--at', 'soon'], { encoding: 'utf8' });
    assert.equal(badTime.status, 2);
    assert.match(badTime.stderr, /--at/);
  });

  it('names rejections exactly as the on-chain verifier\'s custom errors', () => {
    assert.deepEqual([...INTEL_QUOTE_REJECTIONS].sort(), [
      'QuoteTruncated', 'QuoteTrailingBytes', 'UnsupportedQuoteVersion', 'UnsupportedAttestationKeyType', 'UnsupportedTeeType',
      'UnsupportedCertificationDataType', 'PemMalformed', 'CertificateMalformed', 'UntrustedRootCertificate',
      'CertificateSignatureInvalid', 'CertificateExpired', 'CertificateRevoked', 'CaUsedAsEndEntity', 'PckExtensionMalformed',
      'CrlMissing', 'CrlExpired', 'CrlMalformed', 'CollateralSignatureInvalid', 'CollateralMalformed', 'TcbInfoExpired',
      'TcbInfoMismatch', 'QeIdentityExpired', 'QeIdentityMismatch', 'QeReportSignatureInvalid', 'QeReportDataMismatch',
      'QeIdentityPolicyMismatch', 'QeTcbLevelNotFound', 'IsvReportSignatureInvalid', 'TcbLevelNotFound', 'TcbRevoked',
      'DebugEnclave', 'TdAttributesInvalid', 'TcbStatusNotAllowed', 'CollateralTooOld',
    ].sort());
  });

  it('gives the TDX quote the window its PCK CRL shortens, and the collateral issue dates', () => {
    const v = verifyIntelQuote(fixture('tdx_quote'), collateral('tdx_quote'), TDX_TIME);
    // pck_crl nextUpdate (openssl crl: Jul 19 10:00:35 2025 GMT) comes before the TCB info's 2025-07-19T10:16:03Z.
    assert.equal(v.validUntil, at('2025-07-19T10:00:35Z'));
    assert.equal(v.validFrom, at('2025-06-19T10:32:27Z'));
    assert.deepEqual(v.collateral, { tcbInfoIssueDate: at('2025-06-19T10:16:03Z'), qeIdentityIssueDate: at('2025-06-19T10:32:27Z') });
    assert.deepEqual([v.validFrom, v.validUntil], [INTEL_QUOTE_WINDOWS.tdx.from, INTEL_QUOTE_WINDOWS.tdx.until]);
    const sgx = verifyIntelQuote(fixture('sgx_quote'), collateral('sgx_quote'), SGX_TIME);
    assert.deepEqual([sgx.validFrom, sgx.validUntil], [INTEL_QUOTE_WINDOWS.sgx.from, INTEL_QUOTE_WINDOWS.sgx.until]);
  });

  describe('policy', () => {
    const sgxAt = INTEL_QUOTE_WINDOWS.sgx.from + 86_400;
    const { quote, collateral: sgxCollateral } = intelQuoteFixture('sgx');
    const reason = (r: IntelQuoteRejection) => (error: unknown) => error instanceof IntelQuoteError && error.reason === r;

    it('accepts a TCB status it allows and refuses one it does not (TcbStatusNotAllowed)', () => {
      const policy = { allowedTcbStatuses: ['UpToDate', 'ConfigurationAndSWHardeningNeeded'] };
      assert.equal(verifyIntelQuote(quote, sgxCollateral, sgxAt, { policy }).tcbStatus, 'ConfigurationAndSWHardeningNeeded');
      assert.throws(() => verifyIntelQuote(quote, sgxCollateral, sgxAt, { policy: { allowedTcbStatuses: ['UpToDate'] } }), reason('TcbStatusNotAllowed'));
    });

    it('refuses collateral older than allowed, from the older of the TCB info and QE identity issue dates (CollateralTooOld)', () => {
      const verified = verifyIntelQuote(quote, sgxCollateral, sgxAt);
      const allowed = ['ConfigurationAndSWHardeningNeeded'];
      // The QE identity (issued 2025-06-19T10:01:18Z) is older than the TCB info (10:56:11Z).
      const age = sgxAt - at('2025-06-19T10:01:18Z');
      checkIntelQuotePolicy(verified, { allowedTcbStatuses: allowed, maxCollateralAgeSeconds: age }, sgxAt);
      checkIntelQuotePolicy(verified, { allowedTcbStatuses: allowed, maxCollateralAgeSeconds: age }, sgxAt, sgxCollateral);
      assert.throws(() => checkIntelQuotePolicy(verified, { allowedTcbStatuses: allowed, maxCollateralAgeSeconds: age - 1 }, sgxAt), reason('CollateralTooOld'));
    });

    it('refuses a debug enclave (DebugEnclave)', () => {
      const verified: VerifiedIntelQuote = { ...verifyIntelQuote(quote, sgxCollateral, sgxAt), debug: true };
      assert.throws(() => checkIntelQuotePolicy(verified, { allowedTcbStatuses: [verified.tcbStatus] }, sgxAt), reason('DebugEnclave'));
    });
  });

  describe('shared cases (test/helpers/intelQuoteVariants.ts)', () => {
    for (const variant of intelQuoteVariants()) {
      const verdict = variant.expect.accept ? `accepts with ${variant.expect.tcbStatus}` : `refuses with ${variant.expect.reason}`;
      it(`${variant.name}: ${verdict}`, () => {
        if (variant.expect.accept) {
          const v = verifyIntelQuote(variant.quote, variant.collateral, variant.atSeconds);
          assert.equal(v.tcbStatus, variant.expect.tcbStatus);
          assert.deepEqual([...v.advisoryIds].sort(), [...variant.expect.advisoryIds].sort());
        } else {
          const expected = variant.expect.reason;
          assert.throws(
            () => verifyIntelQuote(variant.quote, variant.collateral, variant.atSeconds),
            (error: unknown) => {
              assert.ok(error instanceof IntelQuoteError, String(error));
              assert.equal(error.reason, expected, error.message);
              return true;
            },
          );
        }
      });
    }
  });
});
