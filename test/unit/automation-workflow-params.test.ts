/**
 * Workflows as text: parsing and checking WorkflowParams and triggers as DittoEntryPoint checks them, gas prices with
 * explicit units, the registerWorkflow encoding round trip, the id from a WorkflowRegistered log, and the display view.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, type Hex, decodeFunctionData, encodeAbiParameters, encodeEventTopics, getAddress, zeroAddress } from 'viem';
import { DittoEntryPointAbi } from '../../src/core/chain/abis/generated/index.ts';
import {
  MAX_DATA_BYTES,
  MAX_WORKFLOW_GAS_LIMIT,
  TriggerKind,
  type Workflow,
  type WorkflowInput,
  WorkflowParamsError,
  describeWorkflow,
  encodeRegisterWorkflow,
  parseGasPrice,
  parseWorkflowParams,
  registeredWorkflowId,
} from '../../src/services/automation/workflowParams.ts';

const TARGET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const CHECKER = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const ENTRY_POINT = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' as Address;
const VAULT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const NOW = 1_700_000_000n;

const timeInput: WorkflowInput = { target: TARGET, callData: '0xd09de08a', maxGasLimit: '200000', maxGasPrice: '30gwei', every: '3600' };

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WorkflowParamsError, `a WorkflowParamsError, got ${String(error)}`);
    return error.field;
  }
  assert.fail('no error');
}

describe('parseWorkflowParams', () => {
  it('parses a time workflow starting now', () => {
    const p = parseWorkflowParams(timeInput, NOW, ENTRY_POINT);
    assert.equal(p.target, getAddress(TARGET));
    assert.equal(p.callData, '0xd09de08a');
    assert.equal(p.maxGasLimit, 200_000n);
    assert.equal(p.maxGasPrice, 30_000_000_000n);
    assert.deepEqual(p.trigger, { kind: TriggerKind.Time, start: NOW, interval: 3600n, checker: zeroAddress, checkData: '0x' });
  });

  it('takes an explicit unix start, and "now"', () => {
    assert.equal(parseWorkflowParams({ ...timeInput, start: '1800000000' }, NOW).trigger.start, 1_800_000_000n);
    assert.equal(parseWorkflowParams({ ...timeInput, start: 'now' }, NOW).trigger.start, NOW);
  });

  it('parses a condition workflow, its calldata defaulting to empty', () => {
    const p = parseWorkflowParams({ target: TARGET, maxGasLimit: '300000', maxGasPrice: '1000wei', checker: CHECKER, checkData: '0x6e04ff0d' }, NOW);
    assert.deepEqual(p.trigger, { kind: TriggerKind.Condition, start: 0n, interval: 0n, checker: getAddress(CHECKER), checkData: '0x6e04ff0d' });
    assert.equal(p.callData, '0x');
    assert.equal(p.maxGasPrice, 1000n);
  });

  it('names the field the entry point would refuse', () => {
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, target: undefined }, NOW)), 'target');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, target: '0x1234' }, NOW)), 'target');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, target: zeroAddress }, NOW)), 'target');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, target: ENTRY_POINT.toLowerCase() }, NOW, ENTRY_POINT)), 'target');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, callData: '0xabc' }, NOW)), 'callData');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, callData: `0x${'00'.repeat(MAX_DATA_BYTES + 1)}` }, NOW)), 'callData');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, maxGasLimit: '0' }, NOW)), 'maxGasLimit');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, maxGasLimit: (MAX_WORKFLOW_GAS_LIMIT + 1n).toString() }, NOW)), 'maxGasLimit');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, maxGasLimit: '1e6' }, NOW)), 'maxGasLimit');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, maxGasPrice: undefined }, NOW)), 'maxGasPrice');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, every: '0' }, NOW)), 'every');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, every: undefined }, NOW)), 'every');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, start: 'tomorrow' }, NOW)), 'start');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, checker: CHECKER, checkData: '0x' }, NOW)), 'every');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, every: undefined, checker: CHECKER }, NOW)), 'checkData');
    assert.equal(fieldOf(() => parseWorkflowParams({ ...timeInput, every: undefined, checker: zeroAddress, checkData: '0x' }, NOW)), 'checker');
  });
});

describe('parseGasPrice', () => {
  it('takes gwei (with decimals) and wei, and only with a unit', () => {
    assert.equal(parseGasPrice('maxGasPrice', '20gwei'), 20_000_000_000n);
    assert.equal(parseGasPrice('maxGasPrice', '1.5 gwei'), 1_500_000_000n);
    assert.equal(parseGasPrice('maxGasPrice', '0.000000001gwei'), 1n);
    assert.equal(parseGasPrice('maxGasPrice', '1000wei'), 1000n);
    assert.equal(parseGasPrice('maxGasPrice', '7 WEI'), 7n);
    for (const bad of ['20', '20 eth', '1.5wei', '0gwei', '0.0000000001gwei', '-1gwei', '']) {
      assert.throws(() => parseGasPrice('maxGasPrice', bad), WorkflowParamsError, bad);
    }
  });
});

describe('encoding and events', () => {
  it('encodes registerWorkflow so that it decodes back to the same params', () => {
    const params = parseWorkflowParams(timeInput, NOW);
    const decoded = decodeFunctionData({ abi: DittoEntryPointAbi, data: encodeRegisterWorkflow(params) });
    assert.equal(decoded.functionName, 'registerWorkflow');
    assert.deepEqual(decoded.args?.[0], params);
  });

  it('reads the workflow id from the vault’s WorkflowRegistered log, ignoring other vaults and contracts', () => {
    const params = parseWorkflowParams(timeInput, NOW);
    const logOf = (address: Address, vault: Address, id: bigint) => {
      const topics = encodeEventTopics({ abi: DittoEntryPointAbi, eventName: 'WorkflowRegistered', args: { vault, id } }) as Hex[];
      const event = DittoEntryPointAbi.find((i) => i.type === 'event' && i.name === 'WorkflowRegistered')!;
      const data = encodeAbiParameters((event as { inputs: readonly { indexed?: boolean }[] }).inputs.filter((i) => !i.indexed) as never, [params] as never);
      return { address, topics, data };
    };
    const other = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address;
    const logs = [logOf(TARGET, VAULT, 9n), logOf(ENTRY_POINT, other, 4n), logOf(ENTRY_POINT, VAULT, 7n)];
    assert.equal(registeredWorkflowId(logs, ENTRY_POINT, VAULT), 7n);
    assert.equal(registeredWorkflowId(logs.slice(0, 2), ENTRY_POINT, VAULT), undefined);
  });
});

describe('describeWorkflow', () => {
  const base: Workflow = {
    target: TARGET,
    maxGasLimit: 200_000n,
    kind: TriggerKind.Time,
    status: 1,
    maxGasPrice: 30_000_000_000n,
    nextRunAt: NOW + 3600n,
    interval: 3600n,
    checker: zeroAddress,
    lastRunBlock: 0n,
    callData: '0xd09de08a',
    checkData: '0x',
  };

  it('shows a time workflow’s next run, and none once cancelled', () => {
    const view = describeWorkflow(VAULT, 2n, base);
    assert.equal(view.status, 'active');
    assert.equal(view.kind, 'time');
    assert.equal(view.nextRunAt, NOW + 3600n);
    assert.equal(view.interval, 3600n);
    assert.equal(view.checker, null);
    assert.match(view.trigger, /^every 3600s/);
    assert.equal(describeWorkflow(VAULT, 2n, { ...base, status: 2 }).nextRunAt, null);
    assert.equal(describeWorkflow(VAULT, 2n, { ...base, status: 2 }).status, 'cancelled');
  });

  it('shows a condition workflow’s checker and last run block', () => {
    const view = describeWorkflow(VAULT, 0n, { ...base, kind: TriggerKind.Condition, nextRunAt: 0n, interval: 0n, checker: CHECKER, lastRunBlock: 42n, checkData: '0x6e04ff0d' });
    assert.equal(view.kind, 'condition');
    assert.equal(view.checker, getAddress(CHECKER));
    assert.equal(view.nextRunAt, null);
    assert.equal(view.interval, null);
    assert.equal(view.lastRunBlock, 42n);
    assert.match(view.trigger, /^when 0x/);
  });
});
