/**
 * `avs demo --json` end to end, as a user runs it: a fresh devnet, a value written on 31338, proved by the aggregator
 * and operator nodes, accepted by isValidSignature on 31337 and (once the operator set is bridged) on 31338, while a
 * tampered value and a below-threshold proof are refused; after an operator leaves and one joins, the next epoch's proof
 * verifies on both chains and the departed signature does not count; a wrong proof is challenged and its signers
 * slashed; exactly one JSON object on stdout; exit 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AvsRun, runAvs } from '../helpers/cli.ts';

type Verification = { case: string; chainId: number; registry: string; result: string; expected: string };
type Report = {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  proof: { taskId: string; digest: string; sigData: string; chainId: number; value: string; signers: unknown[] } | null;
  verifications: Verification[];
  dispute: { challengeId: string; resolved: boolean; slashed: { operator: string; sharesBefore: string; sharesAfter: string }[] } | null;
};

function run(args: string[]): Promise<AvsRun> {
  return runAvs(args, { LOG_LEVEL: 'silent' });
}

describe('avs demo --json', () => {
  it('walks the whole lifecycle and reports one JSON object', async () => {
    const { code, stdout, stderr } = await run(['demo', '--json']);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1, `exactly one JSON line on stdout, got:\n${stdout}\nstderr:\n${stderr}`);
    const report = JSON.parse(lines[0]) as Report;
    const failed = report.steps.filter((s) => !s.ok);
    assert.deepEqual(failed, [], 'every step held');
    assert.equal(report.ok, true);
    assert.equal(code, 0);

    assert.ok(report.proof);
    assert.match(report.proof.taskId, /^0x[0-9a-f]{64}$/);
    assert.match(report.proof.digest, /^0x[0-9a-f]{64}$/);
    assert.match(report.proof.sigData, /^0x[0-9a-f]+$/);
    assert.equal(report.proof.chainId, 31338);
    assert.ok(report.proof.signers.length >= 2);

    const onMain = (which: string) => report.verifications.find((v) => v.case === which && v.chainId === 31337);
    assert.equal(onMain('proof')?.result, '0x1626ba7e');
    assert.equal(onMain('tampered-value')?.result, '0xffffffff');
    assert.equal(onMain('below-threshold')?.result, '0xffffffff');

    const onRemote = (which: string) => report.verifications.find((v) => v.case === which && v.chainId === 31338);
    assert.equal(onRemote('proof')?.result, '0x1626ba7e');
    assert.equal(onMain('next-epoch-proof')?.result, '0x1626ba7e');
    assert.equal(onRemote('next-epoch-proof')?.result, '0x1626ba7e');
    assert.equal(onRemote('departed-signer')?.result, '0xffffffff');

    assert.ok(report.dispute);
    assert.match(report.dispute.challengeId, /^0x[0-9a-f]{64}$/);
    assert.equal(report.dispute.resolved, true);
    assert.ok(report.dispute.slashed.length >= 2);
    for (const s of report.dispute.slashed) assert.ok(BigInt(s.sharesAfter) < BigInt(s.sharesBefore), `${s.operator} was slashed`);
    assert.equal(report.steps.at(-1)?.name, 'tear down');
  });
});
