/**
 * How the `avs` command fails: one clear line on stderr, no stack trace, and an exit code that tells usage errors (2)
 * from failures (1).
 */
import { BaseError, ContractFunctionRevertedError, HttpRequestError } from 'viem';
import { contractNameOfAbi, decodeRevertData, formatErrorCall, formatRevert } from '../core/chain/revertReason.ts';

/** Exit codes of the `avs` command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad invocation: missing or malformed argument, unknown option. Exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A command that ran and did not succeed (a check failed, a proof did not verify). Exits 1. */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
}

/**
 * One line describing `error` for a user: viem errors by their short message, everything else by its message's first
 * line. A revert names its custom error and arguments, decoded against every project contract and EigenLayer's core
 * (v1.12.0) errors, since an error raised further down the call (e.g. by the AllocationManager under the
 * ServiceManager) is not in the called contract's ABI: `registerForOperatorSets: AllocationManager reverted:
 * CurrentlyPaused() (…)` for the core, `submitChallenge reverted: ProofTooOld(…)` for the project's contracts.
 * An unreachable RPC is named by its URL.
 */
export function describeError(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (revert) {
      const call = error as { functionName?: string; abi?: unknown };
      const fn = call.functionName;
      const decoded = revert.raw ? decodeRevertData(revert.raw, contractNameOfAbi(call.abi)) : undefined;
      if (decoded?.core) return `${fn ? `${fn}: ` : ''}${formatRevert(decoded)}`;
      const why = decoded
        ? formatRevert(decoded)
        : revert.data?.errorName
          ? formatErrorCall(revert.data.errorName, revert.data.args ?? [])
          : (revert.reason ?? revert.signature ?? 'without a reason');
      return `${fn ? `${fn} ` : ''}reverted: ${why}`;
    }
    const http = error.walk((e) => e instanceof HttpRequestError) as HttpRequestError | null;
    if (http) return `cannot reach ${http.url}: ${firstLine(http.details || http.shortMessage)}`;
    return firstLine(error.shortMessage);
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (error.message === 'fetch failed' && cause?.message) return `request failed: ${firstLine(cause.message)}`;
    return firstLine(error.message);
  }
  return firstLine(String(error));
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

/** The exit code for `error`. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? ExitCode.usage : ExitCode.failure;
}
