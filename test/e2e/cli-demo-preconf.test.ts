/**
 * `avs demo preconf --json` end to end, as a user runs it: a fresh devnet with the preconf registry, a beacon node
 * and the gateway; an operator registers with a commitment for two chains and its pod's validators; the lookahead shows
 * its slots open and unregistered proposers' closed; a preconfirmation is signed and accepted by the registry, one for
 * an uncommitted chain refused; a commitment change waits for its delay; the operator leaves in two steps. Exactly one
 * JSON object on stdout with `lookahead` and `preconfs`; exit 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAvs } from '../helpers/cli.ts';

type Report = {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  lookahead: { slot: string; validatorIndex: string; operator: string | null; chainIds: string[]; canPreconf: boolean }[];
  preconfs: { slot: string; txHash: string; signer: string }[];
};

describe('avs demo preconf --json', () => {
  it('walks registration, lookahead, a preconfirmation, a refusal, a delayed commitment change and a two-step exit', async () => {
    const { code, stdout, stderr } = await runAvs(['demo', 'preconf', '--json'], { LOG_LEVEL: 'silent' });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1, `exactly one JSON line on stdout, got:\n${stdout}\nstderr:\n${stderr}`);
    const report = JSON.parse(lines[0]!) as Report;
    assert.deepEqual(report.steps.filter((s) => !s.ok), [], 'every step held');
    assert.equal(report.ok, true);
    assert.equal(code, 0);
    assert.equal(report.steps.length, 9);
    assert.equal(report.steps.at(-1)?.name, 'tear down');

    assert.ok(report.lookahead.length > 0);
    const slots = report.lookahead.map((s) => BigInt(s.slot));
    assert.deepEqual(slots, [...slots].sort((a, b) => (a < b ? -1 : 1)), 'the lookahead is in slot order');
    assert.ok(report.lookahead.some((s) => s.canPreconf), 'some slots can preconfirm');
    for (const s of report.lookahead.filter((x) => x.operator === null)) assert.equal(s.canPreconf, false, 'an unregistered proposer cannot preconfirm');

    assert.equal(report.preconfs.length, 1);
    const [p] = report.preconfs;
    const slot = report.lookahead.find((s) => s.slot === p!.slot);
    assert.ok(slot?.canPreconf, 'the preconfirmation is for a slot the lookahead showed open');
    assert.match(p!.txHash, /^0x[0-9a-f]{64}$/);
    assert.match(p!.signer, /^0x[0-9a-fA-F]{40}$/);
  });
});
