/**
 * The multi-prover's gas figures, measured by the forge gas tests on the devnet EigenLayer core (cold storage where
 * the test says so) and read from their logs (`forge test --json -vv`):
 *
 * - the BN254 BLS quorum check (BLSSignatureChecker, apk minus non-signers): 10, 50 and 200 operators with 0, 1 and
 *   10 % non-signers (contracts/test/core/signatures/BLSSignatureCheckerGas.t.sol);
 * - MultiProverServiceManager.confirmState for 10, 50 and 200 operators, every one signing, in 1 and 2 quorums
 *   (MultiProverServiceManagerGas.t.sol);
 * - TEELivenessVerifier.submitLivenessProof with the devnet attestation verifier, first proof and renewal;
 * - slashEquivocation (2 quorums).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One row of the BLS quorum check table. */
export type BlsCheckGas = { operators: number; nonSigners: number; signatureStatus: number; isValidSignature: number; perNonSigner: number };

/** Everything {@link measureMultiProverGas} reports. */
export type MultiProverGas = {
  blsCheck: BlsCheckGas[];
  confirmState: { operators: number; oneQuorum: number; twoQuorums: number }[];
  submitLivenessProof: { firstProof: number; renewal: number };
  slashEquivocation: number;
};

const contracts = fileURLToPath(new URL('../contracts/', import.meta.url));
const forge = fileURLToPath(new URL('../scripts/forge.mjs', import.meta.url));

/** The decoded console logs of the tests matching `pattern`, in test order. */
function forgeLogs(pattern: string): string[] {
  const out = execFileSync(process.execPath, [forge, 'test', '--match-test', pattern, '--json', '-vv'], {
    cwd: contracts,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const json = JSON.parse(out.slice(out.indexOf('{'))) as Record<string, { test_results: Record<string, { status: string; decoded_logs: string[] }> }>;
  const logs: string[] = [];
  for (const suite of Object.values(json)) {
    for (const [name, result] of Object.entries(suite.test_results)) {
      if (result.status !== 'Success') throw new Error(`forge gas test ${name} failed`);
      logs.push(...result.decoded_logs);
    }
  }
  return logs;
}

const numbers = (line: string) => [...line.matchAll(/\d+/g)].map((m) => Number(m[0]));

/** Runs the forge gas tests and parses their figures. @throws when a test fails or a figure is missing. */
export function measureMultiProverGas(): MultiProverGas {
  const blsCheck = forgeLogs('test_gas_signatureCheck')
    .filter((l) => /^\d+\s+\d+\s+\d+\s+\d+/.test(l.trim()))
    .map((l) => {
      const [operators, nonSigners, signatureStatus, isValidSignature, perNonSigner] = numbers(l);
      return { operators, nonSigners, signatureStatus, isValidSignature, perNonSigner };
    });
  const confirmState = forgeLogs('test_gas_confirmState_')
    .filter((l) => l.includes('confirmState'))
    .map((l) => {
      const [operators, , oneQuorum, , twoQuorums] = numbers(l);
      return { operators, oneQuorum, twoQuorums };
    })
    .sort((a, b) => a.operators - b.operators);
  const liveness = forgeLogs('test_gas_submitLivenessProof');
  const first = liveness.find((l) => l.includes('first proof'));
  const renewal = liveness.find((l) => l.includes('renewal'));
  const slash = forgeLogs('test_gas_slashEquivocation').find((l) => l.includes('slashEquivocation'));
  if (!first || !renewal || !slash || blsCheck.length === 0 || confirmState.length === 0) throw new Error('a multi-prover gas figure is missing from the forge logs');
  return {
    blsCheck,
    confirmState,
    submitLivenessProof: { firstProof: numbers(first).at(-1) as number, renewal: numbers(renewal).at(-1) as number },
    slashEquivocation: numbers(slash).at(-1) as number,
  };
}
