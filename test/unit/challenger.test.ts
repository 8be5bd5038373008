import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kysely } from 'kysely';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { migrateToLatest } from '../../src/core/db/index.ts';
import { createLogger } from '../../src/core/logging.ts';
import { type ChallengeState, Challenger, type DisputeChain, type SlashingReport } from '../../src/services/state-proofs/challenger/challenger.ts';
import {
  ChallengerJournal,
  type ChallengerTables,
  type Dispute,
  challengerMigrations,
  formatSlashing,
} from '../../src/services/state-proofs/challenger/journal.ts';
import { describeSlashReason } from '../../src/services/state-proofs/challenger/chain.ts';
import type { ProofFeedPage, ProofTask } from '../../src/services/state-proofs/client.ts';
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

/** Signers of a fake proof: `0x…01`, `0x…02`, … */
const operator = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Address;

/** Per signer of a proven-wrong digest: its slashing status in the fake resolver. */
type FakeSigner = { operator: Address; status: 'pending' | 'slashed' | 'failed' | 'skipped'; attempts: number; reason: string };

/**
 * A resolver, verifier pair and bridge that behave like the contracts, recording each paid call. Slashing follows the
 * resolver: at most 64 signers per call; while `world.paused` a slash fails with CurrentlyPaused() (retryable); a signer
 * in `world.unslashable` is skipped with OperatorNotSlashable().
 */
function fakeChain(signerCount = 4) {
  const states = new Map<string, ChallengeState>();
  const verified = new Set<string>();
  const calls: string[] = [];
  const world = { paused: false, unslashable: new Set<Address>() };
  const slashings = new Map<string, FakeSigner[]>();
  const attempt = (s: FakeSigner) => {
    s.attempts++;
    if (world.unslashable.has(s.operator)) Object.assign(s, { status: 'skipped', reason: 'OperatorNotSlashable()' });
    else if (world.paused) Object.assign(s, { status: 'failed', reason: 'CurrentlyPaused()' });
    else Object.assign(s, { status: 'slashed', reason: '' });
  };
  const slashNext = (id: string) => {
    for (const s of slashings.get(id)!.filter((x) => x.status === 'pending').slice(0, 64)) attempt(s);
  };
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
      slashings.set(
        d.challengeId,
        Array.from({ length: signerCount }, (_, i) => ({ operator: operator(i), status: 'pending' as const, attempts: 0, reason: '' })),
      );
      slashNext(d.challengeId);
      return { hash: '0x03', state: 'slashed' };
    },
    async slashing(d): Promise<SlashingReport> {
      const signers = slashings.get(d.challengeId) ?? [];
      const count = (status: FakeSigner['status']) => signers.filter((s) => s.status === status).length;
      const slashed = signers.filter((s) => s.status === 'slashed');
      return {
        digest: d.challengeId,
        signers: signers.length,
        slashed: slashed.length,
        failed: count('failed'),
        skipped: count('skipped'),
        pending: count('pending'),
        weightSlashed: 25n * BigInt(slashed.length),
        rewardPaid: 0n,
        slashedWeights: slashed.map((s) => ({ operator: s.operator, weight: 25n })),
        problems: signers
          .filter((s) => s.status === 'failed' || s.status === 'skipped')
          .map((s) => ({ operator: s.operator, state: s.status as 'failed' | 'skipped', attempts: s.attempts, reason: s.reason })),
      };
    },
    async slashRemainingSigners(d) {
      calls.push(`slashRemaining ${d.challengeId}`);
      slashNext(d.challengeId);
      return '0x04';
    },
    async retrySlashes(d, operators) {
      calls.push(`retry ${d.challengeId} ${operators.length}`);
      for (const s of slashings.get(d.challengeId)!) {
        if (!operators.includes(s.operator)) continue;
        if (s.status !== 'failed') throw new Error(`NotRetryable(${s.operator})`);
        attempt(s);
      }
      return '0x05';
    },
  };
  return { chain, calls, states, verified, world };
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
    assert.deepEqual(stages, ['found', 'challenged', 'verifying', 'verified', 'slashing', 'resolved']);
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

  it('disputes a right value paired with another block\'s timestamp', async () => {
    const journal = await open();
    const { feed } = feedOf([proof(1, 100n), proof(2, 200n)]);
    const { chain, calls } = fakeChain();
    // Block 11 (proof 1) has the attested timestamp; block 12 (proof 2) is a minute later than attested.
    const timed = { read: async (_c: number, _u: string, key: bigint, block: bigint) => ({ exists: true, value: key * 100n, blockTimestamp: block === 12n ? 1_700_000_060n : 1_700_000_000n }) };
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth: timed, chain, journal, logger, chainIds: [31338] });
    await challenger.tick();
    assert.equal(challenger.stats.mismatches, 1);
    assert.equal(calls[0], `submit ${keccak256(toHex('task-2'))}`);
  });

  it('disputes a proof of a block beyond the source chain\'s head without waiting for that block', async () => {
    const journal = await open();
    const { feed } = feedOf([proof(1, 100n), proof(90, 9000n)]); // blocks 11 and 100; the head is 50
    const { chain, calls } = fakeChain();
    const reads: bigint[] = [];
    const headed = {
      read: async (_c: number, _u: string, key: bigint, block: bigint) => {
        reads.push(block);
        return { exists: true, value: key * 100n };
      },
      head: async () => 50n,
    };
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth: headed, chain, journal, logger, chainIds: [31338] });
    await challenger.tick();
    assert.deepEqual(reads, [11n], 'block 100 is never read');
    assert.equal(challenger.stats.mismatches, 1);
    assert.equal(calls[0], `submit ${keccak256(toHex('task-90'))}`);
  });

  it('drives slashing to completion after resolution: the signers beyond one call are slashed, then "slashed k of n"', async () => {
    const journal = await open();
    const proofs = [proof(2, 999n)];
    const { feed } = feedOf(proofs);
    const { chain, calls } = fakeChain(70);
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth, chain, journal, logger, chainIds: [31338] });
    const stages: string[] = [];
    challenger.onDispute((d) => stages.push(d.stage));
    await challenger.tick();
    await challenger.tick();
    const id = proofs[0].taskId;
    assert.deepEqual(calls, [`submit ${id}`, `verify ${id}`, `resolve ${id}`, `slashRemaining ${id}`]);
    assert.deepEqual(stages, ['found', 'challenged', 'verifying', 'verified', 'slashing', 'resolved']);
    const stored = (await journal.get(id)) as Dispute;
    assert.equal(stored.detail, 'slashed (0x03)');
    assert.ok(stored.slashing);
    assert.equal(formatSlashing(stored.slashing), 'slashed 70 of 70');
  });

  it('drives the slashing when the truth lands between its verification check and a resolve meant for an expired challenge', async () => {
    const journal = await open();
    const proofs = [proof(2, 999n)];
    const { feed } = feedOf(proofs);
    const { chain, verified } = fakeChain(3);
    // The bridge is slow: the verification request is sent, but the truth arrives only while the challenger, still
    // seeing it unverified, tries to resolve (which then slashes instead of returning the bond).
    const slowBridge: DisputeChain = {
      ...chain,
      async requestVerification(d) {
        const hash = await chain.requestVerification(d);
        verified.delete(d.challengeId);
        return hash;
      },
      async resolveChallenge(d) {
        verified.add(d.challengeId);
        return chain.resolveChallenge(d);
      },
    };
    const challenger = new Challenger({ aggregatorUrl: 'http://unused', feed, truth, chain: slowBridge, journal, logger, chainIds: [31338] });
    await challenger.tick();
    await challenger.tick();
    const stored = (await journal.get(proofs[0].taskId)) as Dispute;
    assert.equal(stored.stage, 'resolved');
    assert.equal(stored.detail, 'slashed (0x03)');
    assert.ok(stored.slashing, 'the slashing progress is recorded');
    assert.equal(formatSlashing(stored.slashing), 'slashed 3 of 3');
  });

  it('retries failed slashes with a backoff kept in the journal: a restart neither retries early nor sends twice', async () => {
    const journal = await open();
    const proofs = [proof(2, 999n)];
    const { chain, calls, world } = fakeChain(4);
    let now = 1_000_000;
    const options = { aggregatorUrl: 'http://unused', truth, journal, logger, chainIds: [31338], now: () => now, slashRetry: { baseMs: 5_000, maxMs: 60_000 } };
    const id = proofs[0].taskId;
    const retries = () => calls.filter((c) => c.startsWith('retry')).length;

    // EigenLayer slashing is paused when the challenge resolves: every slash fails, the first retry is scheduled.
    world.paused = true;
    await new Challenger({ ...options, feed: feedOf(proofs).feed, chain }).tick();
    let stored = (await journal.get(id)) as Dispute;
    assert.equal(stored.stage, 'slashing');
    assert.equal(formatSlashing(stored.slashing!), `slashed 0 of 4; ${[0, 1, 2, 3].map((i) => `${operator(i)} failed: CurrentlyPaused() (1 attempt)`).join('; ')}`);
    assert.equal(stored.nextSlashAt, now + 5_000);
    assert.equal(retries(), 0);

    // Due: the retry is journaled, sent (still paused: fails again), and the process dies before anything else.
    now += 5_000;
    const crashing: DisputeChain = {
      ...chain,
      async retrySlashes(d, operators) {
        await chain.retrySlashes(d, operators);
        throw new Error('process killed');
      },
    };
    await new Challenger({ ...options, feed: feedOf(proofs).feed, chain: crashing }).tick();
    assert.equal(retries(), 1);
    stored = (await journal.get(id)) as Dispute;
    assert.equal(stored.slashAttempts, 1);
    assert.equal(stored.nextSlashAt, now + 10_000, 'the backoff doubles');

    // Restarted before the backoff: nothing is sent.
    now += 9_999;
    const restarted = new Challenger({ ...options, feed: feedOf(proofs).feed, chain });
    await restarted.tick();
    assert.equal(retries(), 1, 'no retry before the backoff, even after a restart');

    // Unpaused and due: the retry slashes every signer and the dispute is resolved.
    world.paused = false;
    now += 1;
    await restarted.tick();
    assert.equal(retries(), 2);
    stored = (await journal.get(id)) as Dispute;
    assert.equal(stored.stage, 'resolved');
    assert.equal(formatSlashing(stored.slashing!), 'slashed 4 of 4');
    await restarted.tick();
    assert.equal(retries(), 2, 'nothing more once done');
  });

  it('records a signer the set can no longer slash as skipped, with the reason, and finishes', async () => {
    const journal = await open();
    const proofs = [proof(2, 999n)];
    const { chain, calls, world } = fakeChain(4);
    world.unslashable.add(operator(2));
    await new Challenger({ aggregatorUrl: 'http://unused', feed: feedOf(proofs).feed, truth, chain, journal, logger, chainIds: [31338] }).tick();
    const stored = (await journal.get(proofs[0].taskId)) as Dispute;
    assert.equal(stored.stage, 'resolved');
    assert.equal(formatSlashing(stored.slashing!), `slashed 3 of 4; ${operator(2)} skipped: OperatorNotSlashable()`);
    assert.equal(calls.filter((c) => c.startsWith('retry')).length, 0, 'a skipped signer is not retried');
  });
});

it('describes a slash revert: the core\'s custom errors, a panic with its meaning, or the raw data', () => {
  assert.equal(describeSlashReason('0x840a48d5'), 'CurrentlyPaused()');
  assert.equal(describeSlashReason('0xebbff497'), 'OperatorNotSlashable()');
  assert.equal(
    describeSlashReason('0x4e487b710000000000000000000000000000000000000000000000000000000000000011'),
    'Panic(0x11: arithmetic underflow or overflow)',
  );
  assert.equal(describeSlashReason('0xdeadbeef'), '0xdeadbeef');
  assert.equal(describeSlashReason('0x'), 'no revert data');
});
