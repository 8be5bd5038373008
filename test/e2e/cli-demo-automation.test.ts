/**
 * `avs demo automation --json` end to end, as a user runs it: a fresh devnet with the automation service, a vault's
 * time and condition workflows run slot by slot, the executor started with the skip-slots fault leaves a due workflow
 * unrun and is found at fault and slashed, the honest executors' slots are clean; exactly one JSON object on stdout
 * with `runs` and `verdicts`; exit 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAvs } from '../helpers/cli.ts';

type Report = {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  runs: { workflowId: string; slot: string; executor: string; block: string; success: boolean }[];
  verdicts: { slot: string; executor: string; fault: boolean; slashed: boolean }[];
  rotation: { executor: string; slots: number; stakeShare: number }[];
};

describe('avs demo automation --json', () => {
  it('runs workflows slot by slot, slashes the skipping executor, and reports one JSON object', async () => {
    const { code, stdout, stderr } = await runAvs(['demo', 'automation', '--json'], { LOG_LEVEL: 'silent' });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1, `exactly one JSON line on stdout, got:\n${stdout}\nstderr:\n${stderr}`);
    const report = JSON.parse(lines[0]!) as Report;
    assert.deepEqual(report.steps.filter((s) => !s.ok), [], 'every step held');
    assert.equal(report.ok, true);
    assert.equal(code, 0);

    assert.ok(report.runs.some((r) => r.workflowId === '0' && r.success), 'the time workflow ran');
    assert.ok(report.runs.some((r) => r.workflowId === '1' && r.success), 'the condition workflow ran');
    for (const r of report.runs) assert.ok(BigInt(r.block) >= BigInt(r.slot), 'a run lands in its slot');

    const faults = report.verdicts.filter((v) => v.fault);
    assert.ok(faults.length >= 1);
    const faulty = faults[0]!.executor;
    for (const v of faults) assert.equal(v.executor, faulty, 'only the skipping executor is found at fault');
    assert.ok(faults.every((v) => v.slashed));
    assert.ok(report.verdicts.some((v) => !v.fault && v.executor !== faulty), 'honest executors get clean verdicts');
    assert.ok(!report.runs.some((r) => r.executor === faulty), 'the skipping executor ran nothing');
    assert.equal(report.rotation.length, 4);
    assert.equal(report.steps.at(-1)?.name, 'tear down');
  });
});
