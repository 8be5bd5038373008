/**
 * Writes test/vectors/devnet-tee.json, the devnet TEE vectors that Solidity (forge: DevnetAttestationVerifier,
 * TEELivenessVerifier.reportDataHash and a full submitLivenessProof) and TypeScript (src/services/multi-prover/tee/) both
 * check: fixed attestation and enclave keys, liveness reports, their report data commitments for a given chain and
 * verifier address, report bodies and attestations, and what verifying each attestation gives.
 * Run: `node --import tsx scripts/gen-devnet-tee-vectors.ts`. The file is committed; regenerate only on purpose.
 */
import { writeFileSync } from 'node:fs';
import { type Address, type Hex, concat, keccak256, stringToHex } from 'viem';
import { SECP256K1_N } from '../src/core/crypto/ecdsa.ts';
import { DEVNET_ENCLAVE_ATTRIBUTES, DEVNET_MRSIGNER, DevnetEnclave, devnetMrEnclave } from '../src/services/multi-prover/tee/devnetEnclave.ts';
import { DEVNET_ATTESTATION_PRIVATE_KEY, DEVNET_REPORT_TAG, DevnetQuotingKey, devnetReportDigest } from '../src/services/multi-prover/tee/devnetQuotingKey.ts';
import { LIVENESS_TYPEHASH, type LivenessReport, buildLivenessReport, livenessReportData, livenessReportDataHash } from '../src/services/multi-prover/tee/liveness.ts';
import { SGX_FLAGS } from '../src/services/multi-prover/tee/reportBody.ts';

const quotingKey = new DevnetQuotingKey(DEVNET_ATTESTATION_PRIVATE_KEY);
const otherQuotingKey = new DevnetQuotingKey(keccak256(stringToHex('avs-stack.multi-prover.vectors.not-the-attestation-key')));
const codeIdentity = 'multi-prover/prover@vectors';
const measurement = { mrEnclave: devnetMrEnclave(codeIdentity), mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES, isvProdId: 1, isvSvn: 2 };
const enclave = new DevnetEnclave(measurement, { keySeed: stringToHex('vectors prover 0') });
const debugEnclave = new DevnetEnclave(
  { ...measurement, attributes: { ...DEVNET_ENCLAVE_ATTRIBUTES, flags: DEVNET_ENCLAVE_ATTRIBUTES.flags | SGX_FLAGS.DEBUG } },
  { keySeed: stringToHex('vectors prover debug') },
);

const operator: Address = '0x0000000000000000000000000000000000000a11';
const verifier: Address = '0x00000000000000000000000000000000000011fe';
const block = (n: bigint) => ({ number: n, hash: keccak256(stringToHex(`vectors block ${n}`)) });

/** The same signature with s replaced by n − s and v flipped: valid for ecrecover, refused by OpenZeppelin. */
function malleate(attestation: Hex): Hex {
  const body = attestation.slice(0, 2 + 768);
  const r = attestation.slice(2 + 768, 2 + 768 + 64);
  const s = BigInt(`0x${attestation.slice(2 + 768 + 64, 2 + 768 + 128)}`);
  const v = Number.parseInt(attestation.slice(2 + 768 + 128), 16);
  return `${body}${r}${(SECP256K1_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}

type Case = { name: string; chainId: bigint; verifier: Address; report: LivenessReport; enclave: DevnetEnclave; tamper?: (a: Hex) => Hex; quoting?: DevnetQuotingKey; error?: string };
const report = buildLivenessReport({ proverKey: enclave.address, operator, referenceBlock: block(100n) });
const cases: Case[] = [
  { name: 'valid', chainId: 31337n, verifier, report, enclave },
  { name: 'valid, another chain and verifier', chainId: 1n, verifier: '0x00000000000000000000000000000000000022fe', report, enclave },
  { name: 'valid, another reference block', chainId: 31337n, verifier, report: buildLivenessReport({ proverKey: enclave.address, operator, referenceBlock: block(1000n) }), enclave },
  { name: 'debug enclave', chainId: 31337n, verifier, report: { ...report, proverKey: debugEnclave.address }, enclave: debugEnclave, error: 'DebugEnclaveNotAllowed' },
  { name: 'signed by another key', chainId: 31337n, verifier, report, enclave, quoting: otherQuotingKey, error: 'InvalidAttestationSignature' },
  { name: 'high-s signature', chainId: 31337n, verifier, report, enclave, tamper: malleate, error: 'InvalidAttestationSignature' },
  { name: 'report body changed after signing', chainId: 31337n, verifier, report, enclave, tamper: (a) => `${a.slice(0, 2 + 2 * 64)}ff${a.slice(2 + 2 * 65)}` as Hex, error: 'InvalidAttestationSignature' },
  { name: 'signature cut off', chainId: 31337n, verifier, report, enclave, tamper: (a) => a.slice(0, -2) as Hex, error: 'InvalidAttestationLength' },
];

const vectors = {
  livenessTypehash: LIVENESS_TYPEHASH,
  devnetReportTag: DEVNET_REPORT_TAG,
  attestationKey: { privateKey: DEVNET_ATTESTATION_PRIVATE_KEY, address: quotingKey.address },
  measurement: { codeIdentity, mrEnclave: measurement.mrEnclave, mrSigner: measurement.mrSigner },
  cases: cases.map((c) => {
    const reportData = livenessReportData(c.report, c.chainId, c.verifier);
    const reportBody = c.enclave.attest(reportData);
    const signed = (c.quoting ?? quotingKey).quote(reportBody);
    const attestation = c.tamper ? c.tamper(signed) : signed;
    return {
      name: c.name,
      chainId: c.chainId.toString(),
      verifier: c.verifier,
      report: { ...c.report, referenceBlockNumber: c.report.referenceBlockNumber.toString() },
      reportDataHash: livenessReportDataHash(c.report, c.chainId, c.verifier),
      reportData,
      reportBody,
      reportDigest: devnetReportDigest(reportBody),
      attestation,
      attestationHash: keccak256(attestation),
      error: c.error ?? '',
    };
  }),
};

// The forge test proves this file was written with the tag it hashes: keep the two in step.
if (keccak256(concat([DEVNET_REPORT_TAG, vectors.cases[0].reportBody])) !== vectors.cases[0].reportDigest) throw new Error('digest mismatch');
writeFileSync(new URL('../test/vectors/devnet-tee.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
