/**
 * How the `avs` command fails: one clear line on stderr, no stack trace, and an exit code that tells usage errors (2)
 * from failures (1).
 */
import { BaseError, ContractFunctionRevertedError, type Hex, HttpRequestError, decodeErrorResult } from 'viem';
import { allContractErrorsAbi } from '../core/chain/transactions.ts';

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
 * One line describing `error` for a user: viem errors by their short message (a revert names its custom error and
 * arguments, an unreachable RPC its URL), everything else by its message's first line.
 */
export function describeError(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (revert) {
      const fn = (error as { functionName?: string }).functionName;
      const name = revert.data?.errorName;
      const args = revert.data?.args?.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ');
      // An error raised by a contract further down the call (e.g. the AVSDirectory under the registry) is not in the
      // called contract's ABI: decode it against every project contract.
      const nested = !name && revert.raw ? decodeProjectError(revert.raw) : undefined;
      const why = name ? `${name}(${args ?? ''})` : (nested ?? revert.reason ?? revert.signature ?? 'without a reason');
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

function decodeProjectError(data: Hex): string | undefined {
  try {
    const decoded = decodeErrorResult({ abi: allContractErrorsAbi, data });
    return `${decoded.errorName}(${(decoded.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ')})`;
  } catch {
    return undefined;
  }
}
