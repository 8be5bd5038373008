/**
 * The multi-prover devnet TEE (src/services/multi-prover/tee/): the SGX report body layout, the devnet enclave and
 * quoting key, the liveness report commitment and the operator's own attestation check — against the vectors forge
 * checks too (test/vectors/devnet-tee.json), and end to end against the contracts on anvil.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, BaseError, ContractFunctionRevertedError, getAddress, keccak256, stringToHex, zeroAddress } from 'viem';
import {
  DevnetAttestationVerifierAbi,
  DevnetAttestationVerifierBytecode,
  PermissionControllerAbi,
  PermissionControllerBytecode,
  TEELivenessVerifierAbi,
  TEELivenessVerifierBytecode,
} from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { SECP256K1_N, publicKeyToAddress, recoverPublicKey } from '../../src/core/crypto/ecdsa.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import {
  DEVNET_ENCLAVE_ATTRIBUTES,
  DEVNET_MRSIGNER,
  DevnetEnclave,
  InvalidEnclaveInputError,
  devnetMrEnclave,
} from '../../src/services/multi-prover/tee/devnetEnclave.ts';
import { DEVNET_REPORT_TAG, DevnetQuotingKey, InvalidReportBodyLengthError, devnetReportDigest } from '../../src/services/multi-prover/tee/devnetQuotingKey.ts';
import {
  DebugEnclaveNotAllowedError,
  InvalidAttestationLengthError,
  InvalidAttestationSignatureError,
  InvalidLivenessReportError,
  LIVENESS_TYPEHASH,
  MeasurementKind,
  TeeType,
  buildLivenessReport,
  livenessReportData,
  livenessReportDataHash,
  verifyDevnetAttestation,
} from '../../src/services/multi-prover/tee/liveness.ts';
import { InvalidReportBodyError, REPORT_BODY_OFFSETS, SGX_FLAGS, buildReportBody, parseReportBody } from '../../src/services/multi-prover/tee/reportBody.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/devnet-tee.json', import.meta.url), 'utf8'));
const errors: Record<string, new (...args: never[]) => Error> = {
  InvalidAttestationLength: InvalidAttestationLengthError,
  InvalidAttestationSignature: InvalidAttestationSignatureError,
  DebugEnclaveNotAllowed: DebugEnclaveNotAllowedError,
};
const measurement = { mrEnclave: devnetMrEnclave('multi-prover/prover@test'), mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES };
const block = { number: 7n, hash: keccak256(stringToHex('block 7')) };

describe('shared vectors: devnet TEE (same file as the forge tests)', () => {
  const key = vectors.attestationKey.address as Address;

  it('the type hash and the report tag are the contracts\'', () => {
    assert.equal(LIVENESS_TYPEHASH, vectors.livenessTypehash);
    assert.equal(DEVNET_REPORT_TAG, vectors.devnetReportTag);
    assert.equal(new DevnetQuotingKey(vectors.attestationKey.privateKey).address, key);
  });

  for (const c of vectors.cases as any[]) {
    it(`${c.name}: commitment, digest and verification match`, () => {
      const report = { ...c.report, referenceBlockNumber: BigInt(c.report.referenceBlockNumber) };
      assert.equal(livenessReportDataHash(report, BigInt(c.chainId), c.verifier), c.reportDataHash);
      assert.equal(livenessReportData(report, BigInt(c.chainId), c.verifier), c.reportData);
      assert.equal(devnetReportDigest(c.reportBody), c.reportDigest);
      assert.equal(keccak256(c.attestation), c.attestationHash);
      if (c.error === '') {
        const verified = verifyDevnetAttestation(c.attestation, key);
        assert.equal(verified.reportData, c.reportData);
        assert.deepEqual(verified.measurements, [
          { kind: MeasurementKind.MRENCLAVE, value: vectors.measurement.mrEnclave },
          { kind: MeasurementKind.MRSIGNER, value: vectors.measurement.mrSigner },
        ]);
      } else {
        assert.throws(() => verifyDevnetAttestation(c.attestation, key), errors[c.error]);
      }
    });
  }

  it('the seeded enclave and the devnet key reproduce the first vector byte for byte', () => {
    const c = vectors.cases[0];
    const enclave = new DevnetEnclave(
      { mrEnclave: devnetMrEnclave(vectors.measurement.codeIdentity), mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES, isvProdId: 1, isvSvn: 2 },
      { keySeed: stringToHex('vectors prover 0') },
    );
    assert.equal(enclave.address, c.report.proverKey);
    assert.equal(new DevnetQuotingKey().quote(enclave.attest(c.reportData)), c.attestation);
  });
});

describe('SGX report body', () => {
  const full = {
    cpuSvn: `0x${'01'.repeat(16)}`,
    miscSelect: 0x11223344,
    isvExtProdId: `0x${'02'.repeat(16)}`,
    attributes: { flags: SGX_FLAGS.INITTED | SGX_FLAGS.MODE64BIT, xfrm: 0xe7n },
    mrEnclave: `0x${'03'.repeat(32)}`,
    mrSigner: `0x${'04'.repeat(32)}`,
    configId: `0x${'05'.repeat(64)}`,
    isvProdId: 0x0102,
    isvSvn: 0x0304,
    configSvn: 0x0506,
    isvFamilyId: `0x${'06'.repeat(16)}`,
    reportData: `0x${'07'.repeat(64)}`,
  } as const;

  it('builds and parses every field, little-endian integers at the SGX offsets', () => {
    const body = buildReportBody(full);
    assert.equal((body.length - 2) / 2, 384);
    assert.deepEqual(parseReportBody(body), full);
    const byteAt = (offset: number) => body.slice(2 + 2 * offset, 4 + 2 * offset);
    assert.equal(byteAt(REPORT_BODY_OFFSETS.isvSvn), '04', 'ISVSVN low byte first');
    assert.equal(byteAt(REPORT_BODY_OFFSETS.attributes), '05', 'flags INITTED|MODE64BIT in the first byte');
    assert.equal(byteAt(REPORT_BODY_OFFSETS.miscSelect), '44');
  });

  it('refuses fields of the wrong size and bodies of the wrong length', () => {
    assert.throws(() => buildReportBody({ ...full, mrEnclave: '0x01' }), InvalidReportBodyError);
    assert.throws(() => buildReportBody({ ...full, reportData: `0x${'00'.repeat(63)}` }), InvalidReportBodyError);
    assert.throws(() => buildReportBody({ ...full, isvSvn: 0x10000 }), InvalidReportBodyError);
    assert.throws(() => buildReportBody({ ...full, attributes: { flags: -1n, xfrm: 0n } }), InvalidReportBodyError);
    assert.throws(() => parseReportBody(`0x${'00'.repeat(383)}`), InvalidReportBodyError);
  });
});

describe('DevnetEnclave', () => {
  it('holds its key: its signatures recover its address, and no property holds the private key', () => {
    const enclave = new DevnetEnclave(measurement);
    const digest = keccak256(stringToHex('a state'));
    assert.equal(getAddress(publicKeyToAddress(recoverPublicKey(digest, enclave.signDigest(digest)))), enclave.address);
    // The key is in a private field (#key): no own property, string or symbol, besides the measurement.
    assert.deepEqual(Reflect.ownKeys(enclave), ['measurement']);
  });

  it('draws a fresh key per enclave', () => {
    assert.notEqual(new DevnetEnclave(measurement).address, new DevnetEnclave(measurement).address);
  });

  it('attests its measurement with the given report data', () => {
    const enclave = new DevnetEnclave({ ...measurement, isvSvn: 9 });
    const reportData = `0x${'ab'.repeat(64)}` as Hex;
    const body = parseReportBody(enclave.attest(reportData));
    assert.deepEqual([body.mrEnclave, body.mrSigner, body.reportData, body.isvSvn], [measurement.mrEnclave, DEVNET_MRSIGNER, reportData, 9]);
    assert.deepEqual(body.attributes, DEVNET_ENCLAVE_ATTRIBUTES);
  });

  it('refuses report data that is not 64 bytes and digests that are not 32', () => {
    const enclave = new DevnetEnclave(measurement);
    assert.throws(() => enclave.attest(`0x${'00'.repeat(32)}`), InvalidEnclaveInputError);
    assert.throws(() => enclave.signDigest('0x01'), InvalidEnclaveInputError);
  });

  it('derives MRENCLAVE from the code identity', () => {
    assert.notEqual(devnetMrEnclave('prover@1'), devnetMrEnclave('prover@2'));
    assert.equal((devnetMrEnclave('prover@1').length - 2) / 2, 32);
  });
});

describe('verifyDevnetAttestation', () => {
  const quoting = new DevnetQuotingKey();
  const enclave = new DevnetEnclave(measurement);
  const reportData = `0x${'cd'.repeat(64)}` as Hex;

  it('returns the measurements and the report data of a good attestation', () => {
    const verified = verifyDevnetAttestation(quoting.quote(enclave.attest(reportData)), quoting.address);
    assert.equal(verified.reportData, reportData);
    assert.equal(verified.measurements[0].value, measurement.mrEnclave);
  });

  it('refuses another key, a DEBUG enclave, a high-s signature and a wrong length', () => {
    const attestation = quoting.quote(enclave.attest(reportData));
    assert.throws(() => verifyDevnetAttestation(attestation, devAccount(3).address), InvalidAttestationSignatureError);
    const debug = new DevnetEnclave({ ...measurement, attributes: { ...DEVNET_ENCLAVE_ATTRIBUTES, flags: DEVNET_ENCLAVE_ATTRIBUTES.flags | SGX_FLAGS.DEBUG } });
    assert.throws(() => verifyDevnetAttestation(quoting.quote(debug.attest(reportData)), quoting.address), DebugEnclaveNotAllowedError);
    const s = BigInt(`0x${attestation.slice(2 + 768 + 64, 2 + 768 + 128)}`);
    const v = attestation.slice(-2) === '1b' ? '1c' : '1b';
    const highS = `${attestation.slice(0, 2 + 768 + 64)}${(SECP256K1_N - s).toString(16).padStart(64, '0')}${v}` as Hex;
    assert.throws(() => verifyDevnetAttestation(highS, quoting.address), InvalidAttestationSignatureError);
    assert.throws(() => verifyDevnetAttestation(`${attestation}00`, quoting.address), InvalidAttestationLengthError);
    assert.throws(() => quoting.quote(`0x${'00'.repeat(383)}`), InvalidReportBodyLengthError);
  });

  it('buildLivenessReport refuses a zero key or operator', () => {
    assert.throws(() => buildLivenessReport({ proverKey: zeroAddress, operator: devAccount(1).address, referenceBlock: block }), InvalidLivenessReportError);
    assert.throws(() => buildLivenessReport({ proverKey: enclave.address, operator: zeroAddress, referenceBlock: block }), InvalidLivenessReportError);
  });
});

describe('liveness proof on anvil: the devnet enclave, the devnet verifier and the TEELivenessVerifier', () => {
  const chainId = 31337;
  const owner = devAccount(0);
  const operator = devAccount(1);
  const stranger = devAccount(2);
  const quoting = new DevnetQuotingKey();
  const enclave = new DevnetEnclave(measurement);
  let anvil: AnvilChain;
  let client: PublicClient;
  let liveness: Address;

  const wallet = (account: typeof owner) => makeWalletClient(chainId, anvil.rpcUrl, account);
  const deploy = async (abi: never, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    const hash = await wallet(owner).deployContract({ abi, bytecode, args } as never);
    return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  };
  const send = async (account: typeof owner, functionName: string, args: readonly unknown[]) => {
    const hash = await wallet(account).writeContract({ address: liveness, abi: TEELivenessVerifierAbi, functionName, args } as never);
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
  };
  /** The operator's side: a report against the latest block, the enclave's attestation, checked before it is sent. */
  const prove = async () => {
    const latest = await client.getBlock({ blockTag: 'latest' });
    const report = buildLivenessReport({ proverKey: enclave.address, operator: operator.address, referenceBlock: { number: latest.number!, hash: latest.hash! } });
    const attestation = quoting.quote(enclave.attest(livenessReportData(report, chainId, liveness)));
    const own = verifyDevnetAttestation(attestation, quoting.address);
    assert.equal(own.reportData.slice(0, 66), livenessReportDataHash(report, chainId, liveness));
    return { report, attestation };
  };
  const revertName = async (promise: Promise<unknown>): Promise<string | undefined> => {
    try {
      await promise;
      return undefined;
    } catch (error) {
      const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
      return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : String(error);
    }
  };

  before(async () => {
    anvil = await startAnvil({ chainId, mining: { mode: 'auto' } });
    client = makePublicClient(chainId, anvil.rpcUrl);
    const permissionController = await deploy(PermissionControllerAbi as never, PermissionControllerBytecode, []);
    const devnetVerifier = await deploy(DevnetAttestationVerifierAbi as never, DevnetAttestationVerifierBytecode, [quoting.address]);
    liveness = await deploy(TEELivenessVerifierAbi as never, TEELivenessVerifierBytecode, [owner.address, permissionController, true, 3600n]);
    await send(owner, 'setAttestationVerifier', [TeeType.DEVNET, devnetVerifier]);
    await send(owner, 'setMeasurementAllowed', [TeeType.DEVNET, MeasurementKind.MRENCLAVE, measurement.mrEnclave, true]);
  });

  after(async () => {
    await anvil?.stop();
  });

  it('the contract computes the same commitment', async () => {
    const { report } = await prove();
    const onChain = await client.readContract({ address: liveness, abi: TEELivenessVerifierAbi, functionName: 'reportDataHash', args: [report] });
    assert.equal(onChain, livenessReportDataHash(report, chainId, liveness));
  });

  it('a stranger cannot submit the operator\'s proof', async () => {
    const { report, attestation } = await prove();
    const call = client.simulateContract({ account: stranger, address: liveness, abi: TEELivenessVerifierAbi, functionName: 'submitLivenessProof', args: [TeeType.DEVNET, report, attestation] });
    assert.equal(await revertName(call), 'CallerCannotActForOperator');
  });

  it('the operator makes its prover live, once per attestation', async () => {
    const { report, attestation } = await prove();
    await send(operator, 'submitLivenessProof', [TeeType.DEVNET, report, attestation]);
    const now = (await client.getBlock({ blockTag: 'latest' })).timestamp;
    const prover = await client.readContract({ address: liveness, abi: TEELivenessVerifierAbi, functionName: 'getProver', args: [operator.address, TeeType.DEVNET] });
    assert.equal(prover.proverKey, enclave.address);
    assert.equal(prover.liveUntil, prover.attestedAt + 3600n);
    assert.ok(await client.readContract({ address: liveness, abi: TEELivenessVerifierAbi, functionName: 'isProverLive', args: [operator.address, TeeType.DEVNET, now] }));
    const replay = client.simulateContract({ account: operator, address: liveness, abi: TEELivenessVerifierAbi, functionName: 'submitLivenessProof', args: [TeeType.DEVNET, report, attestation] });
    assert.equal(await revertName(replay), 'AttestationAlreadyUsed');
  });
});
