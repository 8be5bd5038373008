/**
 * `avs rewards split` as a process over an aggregator SQLite file (weights from the aggregator, so no chain), and the
 * usage errors of `rewards split|submit`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, getAddress, keccak256, toHex } from 'viem';
import { openDatabase } from '../../src/core/db/database.ts';
import { encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type NewStateProofTask as NewTask, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { type AvsRun, assertOneLineError, runAvs as runCli } from '../helpers/cli.ts';

const A = getAddress('0x000000000000000000000000000000000000000a');
const B = getAddress('0x000000000000000000000000000000000000000b');
const SIGNATURE = `0x${'22'.repeat(65)}` as Hex;

/** `avs` without the caller's database or rewards key. */
function runAvs(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> {
  return runCli(args, { DATABASE_URL: '', AVS_REWARDS_INITIATOR_KEY: '', ...env });
}


describe('avs rewards (CLI)', () => {
  let dir: string;
  let dbPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-rewards-cli-'));
    dbPath = join(dir, 'aggregator.sqlite');
    const database = await openDatabase({ sqlitePath: dbPath });
    try {
      const store = await createStateProofStore(database);
      // Epoch 5: three proofs; A (weight 1) signs all three, B (weight 3) two of them. Scores 3 and 6.
      const signed: [number, Address[]][] = [
        [1, [A, B]],
        [2, [A, B]],
        [3, [A]],
      ];
      for (const [i, signers] of signed) {
        const t: NewTask = {
          taskId: keccak256(toHex(`cli-task-${i}`)),
          query: { chainId: 31337n, user: '0x00000000000000000000000000000000000000aa', key: BigInt(i), blockNumber: BigInt(i), timestamp: 1_700_000_000n },
          referenceEpoch: 5,
          thresholdWeight: 1n,
          createdAt: 1000,
          deadlineAt: 9000,
        };
        const digest = keccak256(toHex(`cli-digest-${i}`));
        await store.insertTasks([t]);
        await store.write({
          answers: signers.map((s) => ({
            taskId: t.taskId,
            operator: s,
            signingKey: s,
            digest,
            answer: { value: 1n, exists: true },
            referenceEpoch: 5,
            signature: SIGNATURE,
            weight: s === A ? 1n : 3n,
            receivedAt: 2000,
          })),
          completions: [
            {
              taskId: t.taskId,
              result: { value: 1n, exists: true },
              digest,
              sigData: encodeSigData(signers.map((operator) => ({ operator, signature: SIGNATURE })), 5),
              signerCount: signers.length,
              signedWeight: 4n,
            },
          ],
        });
      }
    } finally {
      await database.close();
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('split --json prints every operator with decimal-string amounts summing to the budget', async () => {
    const run = await runAvs(['rewards', 'split', '--epoch', '5', '--budget', '1000000000000000000001', '--weights', 'aggregator', '--db', dbPath, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual(out, {
      epoch: 5,
      budget: '1000000000000000000001',
      distributed: '1000000000000000000001',
      weightSource: 'aggregator',
      tasks: { aggregated: 3, failed: 0, unfinished: 0 },
      proofs: 3,
      equivocations: 0,
      totalScore: '9',
      operators: [
        // 1e21+1 split 3 : 6 → 333333333333333333333.67 and 666666666666666666667.33: the leftover unit goes to A.
        { operator: A, weight: '1', proofsSigned: 3, score: '3', amount: '333333333333333333334', shareBps: 3333 },
        { operator: B, weight: '3', proofsSigned: 2, score: '6', amount: '666666666666666666667', shareBps: 6666 },
      ],
    });
  });

  it('split prints a table by default', async () => {
    const run = await runAvs(['rewards', 'split', '--epoch', '5', '--budget', '900', '--weights', 'aggregator', '--db', dbPath]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^epoch 5: 3 proofs \(0 failed, 0 unfinished\), budget 900, distributed 900, weights from aggregator$/);
    assert.match(lines[1], /^operator\s+weight\s+proofs\s+score\s+amount\s+share$/);
    assert.match(lines[2], new RegExp(`^${A}\\s+1\\s+3\\s+3\\s+300\\s+33.33%$`));
    assert.match(lines[3], new RegExp(`^${B}\\s+3\\s+2\\s+6\\s+600\\s+66.66%$`));
  });

  it('split of an epoch without proofs says so', async () => {
    const run = await runAvs(['rewards', 'split', '--epoch', '6', '--budget', '900', '--weights', 'aggregator', '--db', dbPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /epoch 6: 0 proofs .*distributed 0/);
    assert.match(run.stdout, /no operator signed a proof of this epoch/);
  });

  it('refuses bad invocations with one line and exit 2, a missing database with exit 1', async () => {
    assertOneLineError(await runAvs(['rewards', 'split', '--epoch', '5', '--db', dbPath]), 2, /--budget/);
    assertOneLineError(await runAvs(['rewards', 'split', '--epoch', 'x', '--budget', '1', '--db', dbPath]), 2, /--epoch must be an integer/);
    assertOneLineError(await runAvs(['rewards', 'split', '--epoch', '5', '--budget', '-1', '--db', dbPath]), 2, /--budget must be a non-negative integer/);
    assertOneLineError(await runAvs(['rewards', 'split', '--epoch', '5', '--budget', '1', '--weights', 'guess', '--db', dbPath]), 2, /--weights must be chain or aggregator/);
    assertOneLineError(
      await runAvs(['rewards', 'split', '--epoch', '5', '--budget', '1', '--weights', 'aggregator', '--db', join(dir, 'missing.sqlite')]),
      1,
      /no aggregator database at .*missing\.sqlite/,
    );
    assertOneLineError(await runAvs(['rewards', 'submit', '--epoch', '5', '--budget', '1', '--db', dbPath]), 2, /--token/);
    assertOneLineError(
      await runAvs(['rewards', 'submit', '--epoch', '5', '--budget', '1', '--token', '0x0000000000000000000000000000000000000001', '--db', dbPath]),
      2,
      /--key is required \(or set AVS_REWARDS_INITIATOR_KEY\)/,
    );
  });
});
