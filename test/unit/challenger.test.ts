import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kysely } from 'kysely';
import { type Hex, keccak256, toHex } from 'viem';
import { migrateToLatest } from '../../src/core/db/index.ts';
import { createLogger } from '../../src/core/logging.ts';
import { type ChallengeState, Challenger, type DisputeChain } from '../../src/state-proofs/challenger/challenger.ts';
import { ChallengerJournal, type ChallengerTables, type Dispute, challengerMigrations } from '../../src/state-proofs/challenger/journal.ts';
import type { ProofFeedPage, ProofTask } from '../../src/state-proofs/client.ts';
import { forEachDatabase } from '../helpers/db.ts';

const USER = '0x00000000000000000000000000000000000000Aa' as const;

function proof(i: number, value: bigint, exists = true): ProofTask {
  return {
    taskId: keccak256(toHex(`task-${i}`)),
    status: 'aggregated',
    attestation: { user: USER, chainId: 31338n, blockNumber: BigInt(10 + i), timestamp: 1_700_000_000n, key: BigInt(i), value, exists, epoch: 3 },
    digest: keccak256(toHex(`digest-${i}`)),
    sigData: `0x${'ab'.repeat(8)}`,
    signers: [],
    signedWeight: 70n,
    thresholdWeight: 67n,
    failureReason: null,
  };
}

/** A feed serving `proofs` in pages, with cursors as indexes. */
function feedOf(proofs: ProofTask[]) {
  const reads: (string | undefined)[] = [];
  const feed = async (cursor: string | undefined, limit: number): Promise<ProofFeedPage> => {
    reads.push(cursor);
    const from = cursor ? Number(cursor) : 0;
    const page = proofs.slice(from, from + limit);
    return { proofs: page, next: page.length ? String(from + page.length) : (cursor ?? null) };
  };
  return { feed, reads };
}

/** A resolver, verifier pair and bridge that behave like the contracts, recording each paid call. */
function fakeChain() {
  const states = new Map<string, ChallengeState>();
  const verified = new Set<string>();
  const calls: string[] = [];
  const chain: DisputeChain = {
    async proofHolds() {
      return true;
    },
    async challengeState(id) {
      return states.get(id) ?? 'none';
    },
    async submitChallenge(d) {
      calls.push(`submit ${d.challengeId}`);
      states.set(d.challengeId, 'open');
      return '0x01';
    },
    async isVerified(d) {
      return verified.has(d.challengeId);
    },
    async requestVerification(d) {
      calls.push(`verify ${d.challengeId}`);
      verified.add(d.challengeId);
      return '0x02';
    },
    async resolveChallenge(d) {
      calls.push(`resolve ${d.challengeId}`);
      states.set(d.challengeId, 'slashed');
      return { hash: '0x03', state: 'slashed' };
    },
  };
  return { chain, calls, states, verified };
}

forEachDatabase('challenger', (fixture) => {
  const open = async () => {
    const database = await fixture.fresh();
    await migrateToLatest(database, challengerMigrations);
    return new ChallengerJournal(database.kysely as Kysely<ChallengerTables>);
  };
  const logger = createLogger('test', { level: 'silent' });
  const truth = { read: async (_c: number, _u: string, key: bigint) => ({ exists: true, value: key * 100n }) };

  it('disputes only the proof that disagrees with the source chain, through challenge, verification and resolution', async () => {
    const journal = await open();
    const proofs = [proof(1, 100n), proof(2, 999n), proof(3, 300n)];
    const { feed } = feedOf(proofs);
    const { chain, calls } = fakeChain();
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth, chain, journal, logger, chainIds: [31338], pageSize: 2 });
    const stages: string[] = [];
    challenger.onDispute((d) => stages.push(d.stage));

    // The fake bridge delivers at once, so one pass takes the dispute all the way; a second pass does nothing more.
    await challenger.tick();
    await challenger.tick();
    const id = proofs[1].taskId;
    assert.deepEqual(calls, [`submit ${id}`, `verify ${id}`, `resolve ${id}`]);
    assert.deepEqual(stages, ['found', 'challenged', 'verifying', 'verified', 'resolved']);
    assert.equal(challenger.stats.proofsChecked, 3);
    const stored = (await journal.get(id)) as Dispute;
    assert.equal(stored.stage, 'resolved');
    assert.deepEqual(stored.claimed, { value: 999n, exists: true });
    assert.deepEqual(stored.truth, { value: 200n, exists: true });
  });

  it('after a restart resumes from the saved cursor and stage, paying nothing twice', async () => {
    const journal = await open();
    const proofs = [proof(1, 5n), proof(2, 200n)];
    const first = feedOf(proofs);
    const { chain, calls, verified } = fakeChain();
    const options = { aggregatorUrl: 'http://unused', truth, journal, logger, chainIds: [31338] };
    // The verification lands on chain but the process dies before journaling it.
    const crashing: DisputeChain = {
      ...chain,
      async requestVerification(d) {
        await chain.requestVerification(d);
        throw new Error('process killed');
      },
    };
    await new Challenger({ ...options, feed: first.feed, chain: crashing }).tick();
    assert.equal((await journal.get(proofs[0].taskId))?.stage, 'challenged');
    assert.equal(verified.size, 1);

    const second = feedOf(proofs);
    await new Challenger({ ...options, feed: second.feed, chain }).tick();
    assert.equal(second.reads[0], '2', 'the restarted challenger reads the feed from its saved cursor');
    assert.deepEqual(calls, [`submit ${proofs[0].taskId}`, `verify ${proofs[0].taskId}`, `resolve ${proofs[0].taskId}`]);
    assert.equal((await journal.get(proofs[0].taskId))?.stage, 'resolved');
  });

  it('joins a challenge someone else opened, and abandons one already settled', async () => {
    const journal = await open();
    const proofs = [proof(1, 1n), proof(2, 2n)];
    const { feed } = feedOf(proofs);
    const { chain, calls, states } = fakeChain();
    states.set(proofs[0].taskId, 'open');
    states.set(proofs[1].taskId, 'rejected');
    await new Challenger({ aggregatorUrl: 'http://unused', feed, truth, chain, journal, logger, chainIds: [31338] }).tick();
    assert.deepEqual(calls, [`verify ${proofs[0].taskId}`, `resolve ${proofs[0].taskId}`]);
    assert.equal((await journal.get(proofs[1].taskId))?.stage, 'abandoned');
    assert.match((await journal.get(proofs[1].taskId))?.detail ?? '', /rejected/);
  });

  it('reports the wrong answer when the claimed absence hides a value', async () => {
    const journal = await open();
    const { feed } = feedOf([proof(4, 0n, false)]);
    const { chain } = fakeChain();
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth, chain, journal, logger, chainIds: [31338] });
    await challenger.tick();
    assert.equal(challenger.stats.mismatches, 1);
    const id = keccak256(toHex('task-4')) as Hex;
    assert.deepEqual((await journal.get(id))?.claimed, { value: 0n, exists: false });
  });
});
