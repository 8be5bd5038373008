/**
 * Workflows of DittoEntryPoint (contracts/src/services/automation/IDittoEntryPoint.sol) as text goes in and out: parsing
 * a workflow's fields from strings (the CLI's options, an API's JSON) into `WorkflowParams`, checked as the contract
 * checks them so a bad field is named before any transaction; encoding `registerWorkflow`; reading the id from the
 * `WorkflowRegistered` event; and describing a registered workflow for display. Pure: no chain access.
 */
import { type Address, type Hex, decodeEventLog, encodeFunctionData, getAddress, isAddress, isAddressEqual, parseGwei, zeroAddress } from 'viem';
import { DittoEntryPointAbi } from '../../core/chain/abis/generated/index.ts';

/** DittoEntryPoint.MAX_WORKFLOW_GAS_LIMIT: most gas (units) a workflow's call may get. */
export const MAX_WORKFLOW_GAS_LIMIT = 15_000_000n;
/** DittoEntryPoint.MAX_DATA_BYTES: longest callData or checkData, bytes. */
export const MAX_DATA_BYTES = 4096;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT128 = 2n ** 128n - 1n;

/** IDittoEntryPoint.TriggerKind. */
export const TriggerKind = { Time: 0, Condition: 1 } as const;
/** IDittoEntryPoint.WorkflowStatus, by its number. */
export const WORKFLOW_STATUS = ['none', 'active', 'cancelled'] as const;
/** IDittoEntryPoint.RunStatus, by its number. */
export const RUN_STATUS = ['notRun', 'succeeded', 'failed', 'notDue', 'inactive', 'gasPriceTooHigh', 'insufficientPrefund'] as const;

/** IDittoEntryPoint.Trigger. `start` and `interval` in unix seconds / seconds. */
export type Trigger = { kind: number; start: bigint; interval: bigint; checker: Address; checkData: Hex };
/** IDittoEntryPoint.WorkflowParams. `maxGasLimit` in gas units, `maxGasPrice` in wei per gas. */
export type WorkflowParams = { target: Address; callData: Hex; maxGasLimit: bigint; maxGasPrice: bigint; trigger: Trigger };
/** IDittoEntryPoint.Workflow as `workflow(vault, id)` returns it. */
export type Workflow = {
  target: Address;
  maxGasLimit: bigint;
  kind: number;
  status: number;
  maxGasPrice: bigint;
  nextRunAt: bigint;
  interval: bigint;
  checker: Address;
  lastRunBlock: bigint;
  callData: Hex;
  checkData: Hex;
};

/** A workflow field that the entry point would refuse, or that cannot be read; `field` names it as in {@link WorkflowInput}. */
export class WorkflowParamsError extends Error {
  override name = 'WorkflowParamsError';
  constructor(
    readonly field: keyof WorkflowInput,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A workflow as text. A time trigger takes `every` (and optionally `start`); a condition trigger takes `checker` and
 * `checkData`; never both.
 */
export type WorkflowInput = {
  /** The contract each run calls (0x address; not zero, not the entry point). */
  target?: string;
  /** 0x hex calldata of each run of a time workflow (≤ {@link MAX_DATA_BYTES}); default `0x`. */
  callData?: string;
  /** Gas units, 1 … {@link MAX_WORKFLOW_GAS_LIMIT}. */
  maxGasLimit?: string;
  /** Highest gas price with its unit: `<n>gwei` (decimals allowed) or `<n>wei`. */
  maxGasPrice?: string;
  /** Time trigger: period in seconds (> 0). */
  every?: string;
  /** Time trigger: first due time, unix seconds or `now` (default now). */
  start?: string;
  /** Condition trigger: the checker contract. */
  checker?: string;
  /** Condition trigger: 0x hex calldata of the check (≤ {@link MAX_DATA_BYTES}). */
  checkData?: string;
};

/**
 * Parses and checks a workflow as `registerWorkflow` would accept it.
 * @param now Unix seconds that `start: now` (or no start) means.
 * @param entryPoint When given, a target equal to it is refused (the contract refuses it too).
 * @throws {WorkflowParamsError} naming the first bad or missing field.
 */
export function parseWorkflowParams(input: WorkflowInput, now: bigint, entryPoint?: Address): WorkflowParams {
  const target = parseAddressField('target', input.target);
  if (isAddressEqual(target, zeroAddress) || (entryPoint !== undefined && isAddressEqual(target, entryPoint))) {
    throw new WorkflowParamsError('target', 'target must be a contract other than the zero address and the entry point');
  }
  const callData = parseBytesField('callData', input.callData ?? '0x');
  const maxGasLimit = parseIntegerField('maxGasLimit', input.maxGasLimit, 'gas units');
  if (maxGasLimit === 0n || maxGasLimit > MAX_WORKFLOW_GAS_LIMIT) {
    throw new WorkflowParamsError('maxGasLimit', `maxGasLimit must be from 1 to ${MAX_WORKFLOW_GAS_LIMIT} gas, got ${maxGasLimit}`);
  }
  const maxGasPrice = parseGasPrice('maxGasPrice', input.maxGasPrice);
  return { target, callData, maxGasLimit, maxGasPrice, trigger: parseTrigger(input, now) };
}

/**
 * The trigger of `input`: time (`every`, `start`) or condition (`checker`, `checkData`).
 * @throws {WorkflowParamsError} for neither, both, or a bad field.
 */
export function parseTrigger(input: WorkflowInput, now: bigint): Trigger {
  const time = input.every !== undefined || input.start !== undefined;
  const condition = input.checker !== undefined || input.checkData !== undefined;
  if (time && condition) throw new WorkflowParamsError(input.every !== undefined ? 'every' : 'start', 'a workflow has a time trigger (every, start) or a condition trigger (checker, checkData), not both');
  if (condition) {
    const checker = parseAddressField('checker', input.checker);
    if (isAddressEqual(checker, zeroAddress)) throw new WorkflowParamsError('checker', 'checker must not be the zero address');
    if (input.checkData === undefined) throw new WorkflowParamsError('checkData', 'checkData is required with checker (0x hex calldata of the check)');
    return conditionTrigger(checker, parseBytesField('checkData', input.checkData));
  }
  if (input.every === undefined) throw new WorkflowParamsError('every', 'a trigger is required: every (seconds) for a time trigger, or checker and checkData for a condition trigger');
  const interval = parseIntegerField('every', input.every, 'seconds');
  if (interval === 0n || interval > MAX_UINT64) throw new WorkflowParamsError('every', `every must be from 1 to ${MAX_UINT64} seconds, got ${interval}`);
  const start = input.start === undefined || input.start.trim() === 'now' ? now : parseIntegerField('start', input.start, 'unix seconds or now');
  if (start > MAX_UINT64) throw new WorkflowParamsError('start', `start does not fit in uint64: ${start}`);
  return timeTrigger(start, interval);
}

/** A time trigger: due at `start` (unix seconds), then every `interval` seconds. */
export function timeTrigger(start: bigint, interval: bigint): Trigger {
  return { kind: TriggerKind.Time, start, interval, checker: zeroAddress, checkData: '0x' };
}

/** A condition trigger: due when `checker.staticcall(checkData)` returns canExec = true. */
export function conditionTrigger(checker: Address, checkData: Hex): Trigger {
  return { kind: TriggerKind.Condition, start: 0n, interval: 0n, checker, checkData };
}

/**
 * A gas price with an explicit unit: `20gwei`, `1.5 gwei`, `1000wei`. A bare number is refused, as gwei and wei differ
 * by 1e9.
 * @returns wei per gas, > 0.
 * @throws {WorkflowParamsError} naming `field`.
 */
export function parseGasPrice(field: keyof WorkflowInput, text: string | undefined): bigint {
  if (text === undefined || text.trim() === '') throw new WorkflowParamsError(field, `${field} is required, with its unit: e.g. 20gwei or 20000000000wei`);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gwei|wei)\s*$/i.exec(text);
  if (!match) throw new WorkflowParamsError(field, `${field} must be a number with its unit, gwei or wei (e.g. 20gwei, 1000wei), got "${text}"`);
  const [, amount, unit] = match;
  let wei: bigint;
  if (unit!.toLowerCase() === 'wei') {
    if (amount!.includes('.')) throw new WorkflowParamsError(field, `${field} in wei must be a whole number, got "${text}"`);
    wei = BigInt(amount!);
  } else {
    if ((amount!.split('.')[1] ?? '').length > 9) throw new WorkflowParamsError(field, `${field} has more than 9 decimals of gwei (below 1 wei), got "${text}"`);
    wei = parseGwei(amount!);
  }
  if (wei === 0n || wei > MAX_UINT128) throw new WorkflowParamsError(field, `${field} must be above 0 and fit in uint128, got "${text}"`);
  return wei;
}

/** Calldata of `registerWorkflow(params)`. */
export function encodeRegisterWorkflow(params: WorkflowParams): Hex {
  return encodeFunctionData({ abi: DittoEntryPointAbi, functionName: 'registerWorkflow', args: [params] });
}

/**
 * The id of the workflow `vault` registered, from the `WorkflowRegistered` event among `logs` (a receipt's) of the
 * entry point at `entryPoint`.
 * @returns undefined when no such event is there.
 */
export function registeredWorkflowId(logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[], entryPoint: Address, vault: Address): bigint | undefined {
  for (const log of logs) {
    if (!isAddressEqual(log.address, entryPoint)) continue;
    try {
      const event = decodeEventLog({ abi: DittoEntryPointAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      if (event.eventName === 'WorkflowRegistered' && isAddressEqual(event.args.vault, vault)) return event.args.id;
    } catch {
      // Another event of the entry point.
    }
  }
  return undefined;
}

/** A registered workflow for display (JSON-safe apart from bigints). Times in unix seconds, gas price in wei. */
export type WorkflowView = {
  vault: Address;
  id: bigint;
  status: (typeof WORKFLOW_STATUS)[number];
  target: Address;
  maxGasLimit: bigint;
  maxGasPrice: bigint;
  /** `every <n>s from <t>` or `when <checker> says so`. */
  trigger: string;
  kind: 'time' | 'condition';
  /** Time trigger: next due time; null for a condition trigger or a cancelled workflow. */
  nextRunAt: bigint | null;
  interval: bigint | null;
  checker: Address | null;
  /** Condition trigger: block of its last run, null before the first. */
  lastRunBlock: bigint | null;
  callData: Hex;
  checkData: Hex;
};

/** Describes `workflow` (as `workflow(vault, id)` returned it). */
export function describeWorkflow(vault: Address, id: bigint, workflow: Workflow): WorkflowView {
  const time = workflow.kind === TriggerKind.Time;
  const status = WORKFLOW_STATUS[workflow.status] ?? 'none';
  return {
    vault: getAddress(vault),
    id,
    status,
    target: getAddress(workflow.target),
    maxGasLimit: workflow.maxGasLimit,
    maxGasPrice: workflow.maxGasPrice,
    trigger: time ? `every ${workflow.interval}s, next at ${workflow.nextRunAt}` : `when ${getAddress(workflow.checker)} says so`,
    kind: time ? 'time' : 'condition',
    nextRunAt: time && status === 'active' ? workflow.nextRunAt : null,
    interval: time ? workflow.interval : null,
    checker: time ? null : getAddress(workflow.checker),
    lastRunBlock: time || workflow.lastRunBlock === 0n ? null : workflow.lastRunBlock,
    callData: workflow.callData,
    checkData: workflow.checkData,
  };
}

function parseAddressField(field: keyof WorkflowInput, text: string | undefined): Address {
  if (text === undefined) throw new WorkflowParamsError(field, `${field} is required (a 0x address)`);
  if (!isAddress(text.trim(), { strict: false })) throw new WorkflowParamsError(field, `${field} must be a 0x address, got "${text}"`);
  return getAddress(text.trim());
}

function parseBytesField(field: keyof WorkflowInput, text: string): Hex {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(text.trim())) throw new WorkflowParamsError(field, `${field} must be 0x-prefixed hex bytes`);
  const bytes = (text.trim().length - 2) / 2;
  if (bytes > MAX_DATA_BYTES) throw new WorkflowParamsError(field, `${field} is ${bytes} bytes, above the entry point's ${MAX_DATA_BYTES}`);
  return text.trim().toLowerCase() as Hex;
}

function parseIntegerField(field: keyof WorkflowInput, text: string | undefined, unit: string): bigint {
  if (text === undefined) throw new WorkflowParamsError(field, `${field} is required (${unit})`);
  if (!/^\s*\d+\s*$/.test(text)) throw new WorkflowParamsError(field, `${field} must be a non-negative integer (${unit}), got "${text}"`);
  const value = BigInt(text.trim());
  if (value > MAX_UINT64) throw new WorkflowParamsError(field, `${field} does not fit in uint64: ${text}`);
  return value;
}
