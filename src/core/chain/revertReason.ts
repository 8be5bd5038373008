/**
 * Revert data as words: a custom error of the project's contracts or of EigenLayer's core (v1.12.0, src/core/chain/
 * coreErrors.ts), with the contract that raised it when that can be told. Used by the CLI's error line, the setup
 * transaction queue and proof verification.
 */
import { type Abi, BaseError, type Hash, type Hex, type PublicClient, decodeErrorResult, toFunctionSelector } from 'viem';
import * as generated from './abis/generated/index.ts';
import { type AbiError, CORE_CONTRACT_NAMES, decodeCoreError, errorSignature } from './coreErrors.ts';

/** Every custom error declared by the project's contracts (the devnet core's included), each once. */
export const projectErrorsAbi: Abi = (() => {
  const seen = new Set<string>();
  const errors: AbiError[] = [];
  for (const [name, value] of Object.entries(generated)) {
    if (!name.endsWith('Abi') || !Array.isArray(value)) continue;
    for (const item of value as Abi) {
      if (item.type !== 'error' || seen.has(errorSignature(item))) continue;
      seen.add(errorSignature(item));
      errors.push(item);
    }
  }
  return errors;
})();

/** The project's deployable contracts (those with bytecode) declaring each error, by selector. */
const projectDeclarers: ReadonlyMap<Hex, readonly string[]> = (() => {
  const map = new Map<Hex, string[]>();
  const modules = generated as Record<string, unknown>;
  for (const [key, value] of Object.entries(modules)) {
    const name = key.slice(0, -'Abi'.length);
    if (!key.endsWith('Abi') || !(`${name}Bytecode` in modules)) continue;
    for (const item of value as Abi) {
      if (item.type !== 'error') continue;
      const selector = toFunctionSelector(errorSignature(item));
      map.set(selector, [...(map.get(selector) ?? []), name]);
    }
  }
  return map;
})();

const coreNames = new Set<string>(CORE_CONTRACT_NAMES);

/** The contract name of one of the generated ABIs (`AllocationManagerAbi` → `AllocationManager`), by identity. */
export function contractNameOfAbi(abi: unknown): string | undefined {
  for (const [key, value] of Object.entries(generated)) if (value === abi && key.endsWith('Abi')) return key.slice(0, -'Abi'.length);
  return undefined;
}

/** Revert data decoded against the project's and the core's errors. */
export type DecodedRevert = {
  errorName: string;
  args: readonly unknown[];
  /**
   * The contract that raised it, when known: the called contract if it declares the error, else the only contract that
   * does; `EigenLayer core` for an error several core contracts declare (e.g. `CurrentlyPaused()`).
   */
  contract?: string;
  /** True when the error is EigenLayer's (raised by a core contract, the real one or the devnet's). */
  core: boolean;
  /** What to do about it (core errors avs-stack's flows meet). */
  hint?: string;
};

/**
 * Decodes revert data; `calledContract` is the name of the contract the call went to, if known (a revert raised
 * further down the call, e.g. by the AllocationManager under the ServiceManager, bubbles up unchanged).
 * @returns undefined when the data matches no known error.
 */
export function decodeRevertData(data: Hex, calledContract?: string): DecodedRevert | undefined {
  if (data.length < 10) return undefined;
  const selector = data.slice(0, 10).toLowerCase() as Hex;
  const coreRevert = decodeCoreError(data);
  const declarers = [...new Set([...(projectDeclarers.get(selector) ?? []), ...(coreRevert?.declaredBy ?? [])])];
  let decoded: { errorName: string; args?: readonly unknown[] };
  try {
    decoded = coreRevert ?? decodeErrorResult({ abi: projectErrorsAbi, data });
  } catch {
    return undefined;
  }
  const coreDeclarers = declarers.filter((name) => coreNames.has(name));
  const projectOnly = declarers.filter((name) => !coreNames.has(name));
  let contract: string | undefined;
  let core: boolean;
  if (declarers.length === 0) {
    // Error(string) or Panic(uint256): viem's built-ins, from whichever contract.
    core = false;
  } else if (calledContract && declarers.includes(calledContract)) {
    contract = calledContract;
    core = coreNames.has(calledContract);
  } else if (projectOnly.length > 0) {
    // A project error (or one both sides declare, raised under a project contract): named as before, without a contract.
    contract = declarers.length === 1 ? declarers[0] : undefined;
    core = false;
  } else {
    contract = coreDeclarers.length === 1 ? coreDeclarers[0] : 'EigenLayer core';
    core = true;
  }
  return { errorName: decoded.errorName, args: decoded.args ?? [], contract, core, hint: core ? coreRevert?.hint : undefined };
}

/** `Name(arg, ...)`, bigints in decimal. */
export function formatErrorCall(errorName: string, args: readonly unknown[]): string {
  return `${errorName}(${args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ')})`;
}

/**
 * A decoded revert as text: a core error as `AllocationManager reverted: CurrentlyPaused() (hint)`, a project error as
 * `Name(args)` (the caller names the function).
 */
export function formatRevert(decoded: DecodedRevert): string {
  if (decoded.errorName === 'Error') return String(decoded.args[0]);
  const call = formatErrorCall(decoded.errorName, decoded.args);
  if (!decoded.core) return call;
  return `${decoded.contract ?? 'EigenLayer core'} reverted: ${call}${decoded.hint ? ` (${decoded.hint})` : ''}`;
}

/** The revert data carried by a viem error, if any. */
export function revertDataOf(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const raw = error.walk((e) => typeof (e as { raw?: unknown }).raw === 'string') as { raw?: Hex } | null;
  if (raw?.raw && raw.raw.length >= 10) return raw.raw;
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data?: Hex } | null;
  return withData?.data && withData.data.length >= 10 ? withData.data : undefined;
}

/**
 * Why a mined transaction reverted: replays it as a call on the state before its block and decodes the revert. The
 * replay misses transactions earlier in the same block, so on a busy chain it may not reproduce the failure.
 * @returns the decoded reason, or `reverted` when the replay gives none.
 */
export async function describeFailedTransaction(client: PublicClient, hash: Hash, calledContract?: string): Promise<string> {
  const tx = await client.getTransaction({ hash });
  try {
    await client.call({
      account: tx.from,
      to: tx.to ?? undefined,
      data: tx.input,
      value: tx.value,
      gas: tx.gas,
      blockNumber: tx.blockNumber === null ? undefined : tx.blockNumber - 1n,
    });
  } catch (error) {
    const data = revertDataOf(error);
    const decoded = data ? decodeRevertData(data, calledContract) : undefined;
    if (decoded) return formatRevert(decoded);
    return error instanceof BaseError ? error.shortMessage : String(error);
  }
  return 'reverted';
}
