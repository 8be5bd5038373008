import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TaskCreationTimes } from '../../src/runtime/tasks/storeCreationTimes.ts';

it('remembers creation times and forgets the oldest beyond its capacity', () => {
  const times = new TaskCreationTimes(2);
  times.remember('0x01', 10);
  times.remember('0x02', 20);
  times.remember('0x01', 99);
  assert.equal(times.get('0x01'), 10, 'a task is created once: the first time stays');
  times.remember('0x03', 30);
  assert.equal(times.get('0x01'), undefined);
  assert.equal(times.get('0x02'), 20);
  assert.equal(times.get('0x03'), 30);
  assert.equal(times.size, 2);
});
