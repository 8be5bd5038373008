/**
 * The attesters' rule for a slot (docs/decisions/automation-0003-replay.md), on its pure part: a workflow is left
 * unrun only after `reaction.blocks` + 1 consecutive blocks due, runnable and not run, spanning `reaction.seconds`;
 * the due list is sorted and hashed as SlotVerdict.dueWorkflows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, encodeAbiParameters, keccak256 } from 'viem';
import { dueWorkflowsHash, judgeBlocks } from '../../src/services/automation/replay.ts';

const A = '0x00000000000000000000000000000000000000aa' as Address;
const B = '0x0000000000000000000000000000000000000bb0' as Address;
/** Blocks 100..105, one a second. */
const blocks = [100n, 101n, 102n, 103n, 104n, 105n].map((number) => ({ number, timestamp: 1_000n + number }));
const REACT = { blocks: 2, seconds: 0 };
const flags = (s: string) => [...s].map((c) => c === '1');

describe('slot replay: judgeBlocks', () => {
  it('finds no fault when the executor runs a due workflow within its reaction blocks', () => {
    const { due, unrun } = judgeBlocks(blocks, [{ ref: { vault: A, id: 0n }, due: flags('011100'), ran: flags('000100') }], REACT);
    assert.deepEqual(due, [{ vault: A, id: 0n }]);
    assert.deepEqual(unrun, []);
  });

  it('finds a fault once a workflow stays due and unrun for reactionBlocks + 1 blocks, from the stretch’s first block', () => {
    const { unrun } = judgeBlocks(blocks, [{ ref: { vault: A, id: 1n }, due: flags('011110'), ran: flags('000000') }], REACT);
    assert.deepEqual(unrun, [{ vault: A, id: 1n, fromBlock: 101n }]);
  });

  it('does not blame a stretch the slot’s end cuts short', () => {
    const { due, unrun } = judgeBlocks(blocks, [{ ref: { vault: A, id: 2n }, due: flags('000011'), ran: flags('000000') }], REACT);
    assert.equal(due.length, 1);
    assert.deepEqual(unrun, []);
  });

  it('does not blame a condition that holds for fewer blocks than the executor has to react', () => {
    const { unrun } = judgeBlocks(blocks, [{ ref: { vault: A, id: 3n }, due: flags('110110'), ran: flags('000000') }], REACT);
    assert.deepEqual(unrun, []);
  });

  it('with reactionBlocks 0, blames a single due block left unrun', () => {
    const { unrun } = judgeBlocks(blocks, [{ ref: { vault: A, id: 4n }, due: flags('001000'), ran: flags('000000') }], { blocks: 0, seconds: 0 });
    assert.deepEqual(unrun, [{ vault: A, id: 4n, fromBlock: 102n }]);
  });

  it('does not blame a burst of blocks mined faster than the reaction time, but blames the same stretch once it spans it', () => {
    // Blocks 101..104 in the same second (a block per transaction), then 105 three seconds later.
    const burst = blocks.map((b) => ({ number: b.number, timestamp: b.number <= 104n && b.number >= 101n ? 2_000n : b.number === 100n ? 1_999n : 2_003n }));
    const w = { ref: { vault: A, id: 5n }, due: flags('011110'), ran: flags('000000') };
    assert.deepEqual(judgeBlocks(burst, [w], { blocks: 2, seconds: 3 }).unrun, [], 'four blocks, but no time to react');
    const longer = { ...w, due: flags('011111') };
    assert.deepEqual(judgeBlocks(burst, [longer], { blocks: 2, seconds: 3 }).unrun, [{ vault: A, id: 5n, fromBlock: 101n }]);
  });

  it('lists due workflows by vault as a number, then id, and hashes them as abi.encode((address,uint256)[])', () => {
    const never = { due: flags('000000'), ran: flags('000000') };
    const once = { due: flags('100000'), ran: flags('100000') };
    const { due } = judgeBlocks(blocks, [
      { ref: { vault: B, id: 1n }, ...once },
      { ref: { vault: A, id: 7n }, ...once },
      { ref: { vault: B, id: 0n }, ...once },
      { ref: { vault: A, id: 9n }, ...never },
    ], REACT);
    assert.deepEqual(due, [{ vault: A, id: 7n }, { vault: B, id: 0n }, { vault: B, id: 1n }]);
    const expected = keccak256(
      encodeAbiParameters([{ type: 'tuple[]', components: [{ type: 'address' }, { type: 'uint256' }] }], [due.map((r) => [r.vault, r.id] as const)] as never),
    );
    assert.equal(dueWorkflowsHash([...due].reverse()), expected);
  });
});
