/** An operator's authenticated connection, as the operators' hub hands it to the task engine. */
import type { Address } from 'viem';

/** An authenticated operator connection; `WT` is the service's wire form of a task. */
export type OperatorSession<WT> = {
  /** Operator address (checksummed). */
  operator: Address;
  /** Signing key it authenticated with (checksummed). */
  signingKey: Address;
  /** ECDSA: uncompressed public key of `signingKey`, recovered once at authentication (absent for other schemes). */
  publicKey?: Uint8Array;
  /** Pushes tasks to the operator (one `tasks` message). Must not throw. */
  send(tasks: WT[]): void;
  /**
   * Pushes a batch of tasks to be answered with one signature over their root (one `batch` message). Must not throw.
   * The engine hands every operator of a batch the same `tasks` array, never changed after, so an implementation may
   * encode it once for all of them.
   */
  sendBatch?(batchId: `0x${string}`, tasks: readonly WT[]): void;
  /** Unix ms. */
  connectedAt: number;
  nodeVersion?: string;
};
