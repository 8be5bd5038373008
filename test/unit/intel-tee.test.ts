/**
 * The SGX and TDX prover TEEs (src/services/multi-prover/tee/intelTee.ts) with the real quotes of test/fixtures/tee
 * played back by the recorded-quote source: verified with the fixtures' collateral at a time inside their windows (the
 * clock is passed in), with the measurements in the contract's shape (read here from the quotes' bytes at the offsets
 * Intel's quote formats give, not from our parser); a quote of the other TEE type, other report data, or a TCB status
 * the policy does not allow is refused by name. The quote sources' file protocols run against temporary directories
 * laid out like the kernel's configfs-tsm and Gramine's /dev/attestation: those test our handling of the protocol only,
 * the kernel and Gramine parts cannot run here. Config validation names each bad key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Collateral } from '@phala/dcap-qvl';
import { type Hex, bytesToHex, keccak256 } from 'viem';
import { ConfigError, loadConfig, readConfig } from '../../src/core/config/index.ts';
import { publicKeyToAddress, recoverPublicKey } from '../../src/core/crypto/ecdsa.ts';
import { MULTI_PROVER_ROLES, operatorRole } from '../../src/services/multi-prover/config.ts';
import { intelPolicyArgs } from '../../src/services/multi-prover/deployIntel.ts';
import { AttestationReportDataMismatchError } from '../../src/services/multi-prover/operator/attestation.ts';
import { IntelQuoteError } from '../../src/services/multi-prover/tee/intelQuote.ts';
import {
  ConfigfsTsmQuoteSource,
  GramineQuoteSource,
  IntelQuoteSourceError,
  type QuoteSourceFs,
  RecordedQuoteSource,
} from '../../src/services/multi-prover/tee/intelQuoteSource.ts';
import {
  FileCollateralSource,
  IntelEnclaveKey,
  IntelTee,
  type IntelTeeOptions,
  IntelTeeTypeMismatchError,
  intelPolicyFromContract,
} from '../../src/services/multi-prover/tee/intelTee.ts';
import { MeasurementKind } from '../../src/services/multi-prover/tee/liveness.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture } from '../helpers/intelQuoteVariants.ts';

const DAY = 86_400;
const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/tee/${name}`, import.meta.url));
const QUOTE_FILES = { sgx: 'sgx_quote', tdx: 'tdx_quote' } as const;
const hex = (bytes: Uint8Array) => bytesToHex(bytes).toLowerCase() as Hex;

/**
 * Fields of the fixtures read at the offsets of Intel's formats: a 48-byte quote header, then the SGX report body
 * (MRENCLAVE at 64, MRSIGNER at 128, report data at 320) or the TD report 1.0 (MRTD at 136, report data at 520).
 */
function quoteFields(teeType: 'sgx' | 'tdx') {
  const quote = intelQuoteFixture(teeType).quote;
  const at = (offset: number, length: number) => hex(quote.subarray(48 + offset, 48 + offset + length));
  if (teeType === 'sgx') return { mrEnclave: at(64, 32), mrSigner: at(128, 32), reportData: at(320, 64) };
  const mrTd = quote.subarray(48 + 136, 48 + 136 + 48);
  return { mrTdHash: `0x${createHash('sha256').update(mrTd).digest('hex')}` as Hex, reportData: at(520, 64) };
}

/** Allows every TCB status the contract can allow (the fixture SGX platform needs ConfigurationAndSWHardeningNeeded). */
const PERMISSIVE = intelPolicyFromContract({ allowedTcbStatuses: 0b0111111, maxCollateralAgeSeconds: 0 });

function teeFor(fixture: 'sgx' | 'tdx', options: Partial<IntelTeeOptions> = {}) {
  const published: Collateral[] = [];
  const tee = new IntelTee({
    teeType: fixture,
    quoteSource: new RecordedQuoteSource({ path: fixturePath(QUOTE_FILES[fixture]) }),
    collateralSource: new FileCollateralSource(fixturePath(`${QUOTE_FILES[fixture]}_collateral.json`)),
    now: () => INTEL_QUOTE_WINDOWS[fixture].from + DAY,
    policy: PERMISSIVE,
    publishCollateral: async (c) => {
      published.push(c);
    },
    ...options,
  });
  return { tee, published };
}

describe('IntelTee with the recorded fixture quotes', () => {
  it('attests and verifies the SGX quote inside its window: MRENCLAVE then MRSIGNER, its report data', async () => {
    const expected = quoteFields('sgx');
    const { tee, published } = teeFor('sgx');
    const attestation = await tee.attest(expected.reportData);
    assert.equal(attestation, hex(intelQuoteFixture('sgx').quote));
    assert.equal(published.length, 1, 'the collateral is published before the quote is returned');
    const verified = await tee.verify(attestation);
    assert.deepEqual(verified.measurements, [
      { kind: MeasurementKind.MRENCLAVE, value: expected.mrEnclave },
      { kind: MeasurementKind.MRSIGNER, value: expected.mrSigner },
    ]);
    assert.equal(verified.reportData, expected.reportData);
    assert.equal(tee.teeType, 'sgx');
  });

  it('attests and verifies the TDX quote inside its window: sha256(MRTD) as MRTD, its report data', async () => {
    const expected = quoteFields('tdx');
    const { tee, published } = teeFor('tdx');
    const attestation = await tee.attest(expected.reportData);
    assert.equal(published.length, 1);
    const verified = await tee.verify(attestation);
    assert.deepEqual(verified.measurements, [{ kind: MeasurementKind.MRTD, value: expected.mrTdHash }]);
    assert.equal(verified.reportData, expected.reportData);
  });

  it('verifies a quote it did not attest by reading its collateral', async () => {
    const { tee } = teeFor('tdx');
    const verified = await tee.verify(hex(intelQuoteFixture('tdx').quote));
    assert.equal(verified.reportData, quoteFields('tdx').reportData);
  });

  it('refuses a recorded quote for other report data, and publishes nothing', async () => {
    const { tee, published } = teeFor('sgx');
    await assert.rejects(tee.attest(`0x${'ab'.repeat(64)}`), AttestationReportDataMismatchError);
    assert.equal(published.length, 0);
  });

  it('refuses a TDX quote given to an SGX TEE', async () => {
    const { tee } = teeFor('sgx', { quoteSource: new RecordedQuoteSource({ path: fixturePath('tdx_quote') }) });
    await assert.rejects(tee.verify(hex(intelQuoteFixture('tdx').quote)), IntelTeeTypeMismatchError);
    await assert.rejects(tee.attest(quoteFields('tdx').reportData), IntelTeeTypeMismatchError);
  });

  it("refuses the SGX quote's ConfigurationAndSWHardeningNeeded under the default policy, accepts it when allowed", async () => {
    const defaultPolicy = intelPolicyFromContract(intelPolicyArgs());
    assert.deepEqual(defaultPolicy.allowedTcbStatuses, ['UpToDate', 'SWHardeningNeeded']);
    const quote = hex(intelQuoteFixture('sgx').quote);
    const refused = teeFor('sgx', { policy: defaultPolicy }).tee;
    await assert.rejects(refused.verify(quote), (e) => e instanceof IntelQuoteError && e.reason === 'TcbStatusNotAllowed');
    // As the verifier's policy() would return it: a bitmask over TCB_STATUSES, read at each check.
    const mask = intelPolicyArgs({ allowedTcbStatuses: ['UpToDate', 'ConfigurationAndSWHardeningNeeded'] });
    const allowed = teeFor('sgx', { policy: async () => intelPolicyFromContract(mask) }).tee;
    assert.equal((await allowed.verify(quote)).reportData, quoteFields('sgx').reportData);
  });

  it('applies the policy’s collateral age at the injected time', async () => {
    const policy = { ...PERMISSIVE, maxCollateralAgeSeconds: DAY / 2 };
    const { tee } = teeFor('tdx', { policy });
    await assert.rejects(tee.verify(hex(intelQuoteFixture('tdx').quote)), (e) => e instanceof IntelQuoteError && e.reason === 'CollateralTooOld');
  });

  it('refuses the quote after its collateral window (the clock is the one passed in)', async () => {
    const { tee } = teeFor('sgx', { now: () => INTEL_QUOTE_WINDOWS.sgx.until + DAY });
    await assert.rejects(tee.verify(hex(intelQuoteFixture('sgx').quote)), (e) => e instanceof IntelQuoteError && e.reason === 'CrlExpired');
  });

  it('has a fresh in-process key per start that signs digests', async () => {
    const a = new IntelEnclaveKey();
    const b = new IntelEnclaveKey();
    assert.notEqual(a.address, b.address);
    const digest = keccak256('0x1234');
    const signature = a.signDigest(digest);
    assert.equal(publicKeyToAddress(recoverPublicKey(digest, signature)).toLowerCase(), a.address.toLowerCase());
    assert.notEqual(teeFor('sgx').tee.enclave.address, teeFor('sgx').tee.enclave.address, 'each TEE (each start) has its own key');
  });
});

describe('quote sources (file protocols against directories laid out like the kernel’s and Gramine’s)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-intel-tee-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A stand-in for configfs-tsm over a real directory: mkdir creates the report's attribute files as the kernel does,
   * a write to inblob bumps `generation` and makes `outblob` (here "QUOTE" ‖ inblob), rmdir removes the report.
   * `onReadOutblob` runs while outblob is read (a concurrent writer).
   */
  function fakeTsm(provider: string, onReadOutblob?: (reportDir: string) => void): QuoteSourceFs & { writes: string[] } {
    const writes: string[] = [];
    const bump = (reportDir: string) => writeFileSync(join(reportDir, 'generation'), `${Number(readFileSync(join(reportDir, 'generation'), 'utf8')) + 1}\n`);
    return {
      writes,
      async mkdir(path) {
        await fsp.mkdir(path);
        writeFileSync(join(path, 'provider'), `${provider}\n`);
        writeFileSync(join(path, 'generation'), '0\n');
      },
      async writeFile(path, data) {
        writes.push(basename(path));
        await fsp.writeFile(path, data);
        if (basename(path) === 'inblob') {
          bump(join(path, '..'));
          writeFileSync(join(path, '..', 'outblob'), Buffer.concat([Buffer.from('QUOTE'), data]));
        }
      },
      async readFile(path) {
        if (basename(path) === 'outblob') onReadOutblob?.(join(path, '..'));
        return fsp.readFile(path);
      },
      rmdir: (path) => fsp.rm(path, { recursive: true }),
    };
  }

  const reportData = new Uint8Array(64).map((_, i) => i);

  it('configfs-tsm: writes inblob in a fresh report directory, reads outblob, removes the directory', async () => {
    const base = join(dir, 'tsm-ok');
    mkdirSync(base);
    const fs = fakeTsm('tdx_guest');
    const quote = await new ConfigfsTsmQuoteSource({ path: base, fs }).quote(reportData);
    assert.deepEqual(Buffer.from(quote), Buffer.concat([Buffer.from('QUOTE'), reportData]));
    assert.deepEqual(fs.writes, ['inblob']);
    assert.deepEqual(readdirSync(base), [], 'the report directory is removed');
  });

  it('configfs-tsm: refuses a quote when generation changed between the write and the read (another writer)', async () => {
    const base = join(dir, 'tsm-race');
    mkdirSync(base);
    const fs = fakeTsm('tdx_guest', (reportDir) => writeFileSync(join(reportDir, 'generation'), '7\n'));
    await assert.rejects(new ConfigfsTsmQuoteSource({ path: base, fs }).quote(reportData), (e) => e instanceof IntelQuoteSourceError && /generation 1 → 7/.test(e.message));
    assert.deepEqual(readdirSync(base), []);
  });

  it('configfs-tsm: refuses another provider, a missing report directory, and report data not 64 bytes', async () => {
    const base = join(dir, 'tsm-snp');
    mkdirSync(base);
    await assert.rejects(new ConfigfsTsmQuoteSource({ path: base, fs: fakeTsm('sev_guest') }).quote(reportData), /provider is sev_guest, expected tdx_guest/);
    await assert.rejects(new ConfigfsTsmQuoteSource({ path: join(dir, 'no-configfs') }).quote(reportData), (e) => e instanceof IntelQuoteSourceError && /ENOENT/.test(e.message));
    await assert.rejects(new ConfigfsTsmQuoteSource({ path: base }).quote(new Uint8Array(32)), IntelQuoteSourceError);
  });

  it('gramine: writes user_report_data, then reads quote; refuses an attestation type other than dcap', async () => {
    const base = join(dir, 'gramine');
    mkdirSync(base);
    writeFileSync(join(base, 'attestation_type'), 'dcap');
    writeFileSync(join(base, 'quote'), 'SGX QUOTE');
    const quote = await new GramineQuoteSource({ path: base }).quote(reportData);
    assert.equal(Buffer.from(quote).toString(), 'SGX QUOTE');
    assert.deepEqual(readFileSync(join(base, 'user_report_data')), Buffer.from(reportData));
    writeFileSync(join(base, 'attestation_type'), 'none');
    await assert.rejects(new GramineQuoteSource({ path: base }).quote(reportData), /attestation type is none, expected dcap/);
    await assert.rejects(new GramineQuoteSource({ path: join(dir, 'not-gramine') }).quote(reportData), IntelQuoteSourceError);
  });
});

describe('operator config: attestation.intel', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-intel-tee-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
  const deployment = (extra: Record<string, unknown>) => ({
    mainChainId: 17000,
    chains: [{ chainId: 17000, rpcUrl: 'http://127.0.0.1:8545' }],
    eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: {
      'multi-prover': {
        serviceManager: a(10),
        registry: a(11),
        equivocationSlasher: a(12),
        epochManager: a(13),
        livenessVerifier: a(14),
        attestationVerifiers: { sgx: a(15), tdx: a(16) },
        teeQuorums: [{ quorumNumber: 0, teeType: 'sgx' }],
        committees: [{ id: '1', description: 'block states', quorumNumbers: [0] }],
        provenChains: [],
        ...extra,
      },
    },
  });
  const config = (attestation: unknown, extra: Record<string, unknown> = { intelCollateralStore: a(17) }) => {
    const file = join(dir, `operator-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        role: 'multi-prover-operator',
        deployment: deployment(extra),
        address: a(1),
        blsKey: { keystore: 'bls.json' },
        livenessKey: { keystore: 'ecdsa.json' },
        aggregatorUrl: 'https://aggregator.example',
        attestation,
      }),
    );
    return file;
  };
  const issues = (file: string) => {
    try {
      loadConfig(operatorRole, { file }, MULTI_PROVER_ROLES);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.issues.map((i) => [i.key, i.message]);
    }
    return [];
  };
  const keys = (file: string) => issues(file).map(([key]) => key);
  const intel = { quoteSource: { kind: 'gramine' }, collateral: { file: 'collateral.json' } };

  it('loads an sgx TEE with relative paths resolved against the config file', () => {
    const loaded = loadConfig(operatorRole, { file: config({ teeType: 'sgx', intel: { quoteSource: { kind: 'file', path: 'quote.bin' }, collateral: { file: 'c.json' } } }) }, MULTI_PROVER_ROLES);
    assert.deepEqual(loaded.values.attestation.intel, { quoteSource: { kind: 'file', path: join(dir, 'quote.bin') }, collateral: { file: join(dir, 'c.json') } });
  });

  it('names attestation.intel when an sgx or tdx TEE has none, or a devnet TEE has one', () => {
    const [[key, message], ...rest] = issues(config({ teeType: 'sgx' }));
    assert.equal(key, 'multi-prover-operator.attestation.intel');
    assert.match(message, /is required for the sgx TEE/);
    assert.deepEqual(rest, []);
    assert.match(issues(config({ teeType: 'tdx' }))[0][1], /is required for the tdx TEE/);
    assert.deepEqual(keys(config({ teeType: 'devnet', intel }, { attestationVerifiers: { devnet: a(15) } })), ['multi-prover-operator.attestation.intel']);
  });

  it('names attestation.intel.quoteSource.kind for an unknown kind or one of the other TEE', () => {
    assert.deepEqual(keys(config({ teeType: 'sgx', intel: { ...intel, quoteSource: { kind: 'sev-snp' } } })), ['multi-prover-operator.attestation.intel.quoteSource.kind']);
    const [[key, message]] = issues(config({ teeType: 'tdx', intel }));
    assert.equal(key, 'multi-prover-operator.attestation.intel.quoteSource.kind');
    assert.match(message, /use "configfs-tsm"/);
  });

  it('names attestation.intel.quoteSource.path when a recorded quote has no file', () => {
    assert.deepEqual(keys(config({ teeType: 'sgx', intel: { ...intel, quoteSource: { kind: 'file' } } })), ['multi-prover-operator.attestation.intel.quoteSource.path']);
  });

  it('names attestation.intel.collateral for no source or two, and .pccsUrl for a URL that is not http(s)', () => {
    assert.deepEqual(keys(config({ teeType: 'sgx', intel: { ...intel, collateral: {} } })), ['multi-prover-operator.attestation.intel.collateral']);
    assert.deepEqual(keys(config({ teeType: 'sgx', intel: { ...intel, collateral: { file: 'c.json', pccsUrl: 'https://pccs.example' } } })), [
      'multi-prover-operator.attestation.intel.collateral',
    ]);
    assert.deepEqual(keys(config({ teeType: 'sgx', intel: { ...intel, collateral: { pccsUrl: 'ftp://pccs.example' } } })), ['multi-prover-operator.attestation.intel.collateral.pccsUrl']);
  });

  it('names attestation.teeType when the deployment has no intelCollateralStore', () => {
    const [[key, message]] = issues(config({ teeType: 'sgx', intel }, {}));
    assert.equal(key, 'multi-prover-operator.attestation.teeType');
    assert.match(message, /intelCollateralStore/);
  });

  it('config/multi-prover-operator.sgx.example.json fails only on its <placeholders>', () => {
    const file = fileURLToPath(new URL('../../config/multi-prover-operator.sgx.example.json', import.meta.url));
    let found: string[] = [];
    try {
      readConfig(operatorRole, { file }, MULTI_PROVER_ROLES);
    } catch (error) {
      found = (error as ConfigError).issues.map((i) => i.key);
    }
    // Paths are not checked by the schema; every other placeholder is.
    assert.deepEqual(found.sort(), ['multi-prover-operator.address', 'multi-prover-operator.aggregatorUrl', 'multi-prover-operator.attestation.intel.collateral.pccsUrl']);
    const filled = JSON.parse(readFileSync(file, 'utf8'));
    filled.address = a(1);
    filled.aggregatorUrl = 'https://aggregator.example';
    filled.attestation.intel.collateral.pccsUrl = 'https://pccs.example:8081/sgx/certification/v4/';
    const copy = join(dir, 'sgx.example.json');
    writeFileSync(copy, JSON.stringify(filled));
    const values = readConfig(operatorRole, { file: copy }, MULTI_PROVER_ROLES).values;
    assert.equal(values.attestation.teeType, 'sgx');
    assert.deepEqual(values.attestation.intel?.quoteSource, { kind: 'gramine', path: '/dev/attestation' });
  });
});
