/**
 * The custom error a contract call reverted with, by name, from viem's error (for asserting which check refused).
 */
import { BaseError, ContractFunctionRevertedError } from 'viem';

/**
 * The reverted call's custom error name (its selector when the ABI given to viem does not know it).
 * @throws the error itself when it is not a contract revert (a transport failure, a bug).
 */
export function contractErrorName(error: unknown): string {
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
  if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? reverted.signature ?? 'reverted';
  throw error;
}
