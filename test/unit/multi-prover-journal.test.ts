/**
 * The multi-prover operator's signing journal on SQLite and Postgres: a (committeeId, metadata) gets one state,
 * forever (across a restart, and against a concurrent second writer); the same state again is fine.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Hex, keccak256, stringToHex } from 'viem';
import { blockMetadata, blockState } from '../../src/services/multi-prover/digest.ts';
import { EquivocationRefusedError, stateJournalOn } from '../../src/services/multi-prover/operator/journal.ts';
import { forEachDatabase } from '../helpers/db.ts';

const h = (label: string): Hex => keccak256(stringToHex(label));
const metadata = blockMetadata(31338n, 12n);
const honest = blockState(h('block 12'), h('root 12'));
const lie = blockState(h('block 12'), h('another root'));

forEachDatabase('multi-prover signing journal', (fixture) => {
  it('records a state once and accepts the same state again (another reference epoch signs the same state)', async () => {
    const journal = await stateJournalOn(await fixture.fresh());
    assert.equal(await journal.commit({ committeeId: 1n, metadata, state: honest }), 'recorded');
    assert.equal(await journal.commit({ committeeId: 1n, metadata, state: honest.toUpperCase().replace('0X', '0x') as Hex }), 'again', 'hex case does not matter');
    assert.equal(await journal.stateOf(1n, metadata), honest);
    assert.equal(await journal.count(), 1);
  });

  it('refuses a different state for the same committee and metadata, naming both', async () => {
    const journal = await stateJournalOn(await fixture.fresh());
    await journal.commit({ committeeId: 1n, metadata, state: honest });
    await assert.rejects(journal.commit({ committeeId: 1n, metadata, state: lie }), (error: unknown) => {
      assert.ok(error instanceof EquivocationRefusedError);
      assert.equal(error.signedState, honest);
      assert.equal(error.refusedState, lie);
      return true;
    });
    assert.equal(await journal.stateOf(1n, metadata), honest, 'the first state stays');
  });

  it('keys by committee and metadata: another committee or block may have any state', async () => {
    const journal = await stateJournalOn(await fixture.fresh());
    await journal.commit({ committeeId: 1n, metadata, state: honest });
    assert.equal(await journal.commit({ committeeId: 2n, metadata, state: lie }), 'recorded');
    assert.equal(await journal.commit({ committeeId: 1n, metadata: blockMetadata(31338n, 13n), state: lie }), 'recorded');
    assert.equal(await journal.count(), 3);
  });

  it('still refuses after a restart (a second, independent connection to the same data)', async () => {
    const db = await fixture.fresh();
    await (await stateJournalOn(db)).commit({ committeeId: 7n, metadata, state: honest });
    const restarted = await stateJournalOn(await db.reopen());
    await assert.rejects(restarted.commit({ committeeId: 7n, metadata, state: lie }), EquivocationRefusedError);
    assert.equal(await restarted.commit({ committeeId: 7n, metadata, state: honest }), 'again');
  });

  it('lets exactly one of two concurrent writers of different states through', async () => {
    const db = await fixture.fresh();
    const first = await stateJournalOn(db);
    const second = await stateJournalOn(await db.reopen());
    const results = await Promise.allSettled([
      first.commit({ committeeId: 3n, metadata, state: honest }),
      second.commit({ committeeId: 3n, metadata, state: lie }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(refused.reason instanceof EquivocationRefusedError);
    assert.equal(await first.stateOf(3n, metadata), (refused.reason as EquivocationRefusedError).signedState);
  });
});
