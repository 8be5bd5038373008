/**
 * Ordered transaction sending for deployments. One {@link TxQueue} per sender account assigns nonces locally, so
 * contract addresses are known up front from the nonce (CREATE = keccak(rlp(sender, nonce))) and contracts that
 * reference each other can be deployed in one pass.
 *
 * Two modes:
 * - `pipelined` (devnets): no gas estimation (fixed gas limit), each transaction sent without waiting for its receipt,
 *   every receipt checked at {@link TxQueue.settle}. Safe because anvil mines one sender's transactions in nonce order,
 *   each seeing the state the previous one left.
 * - `confirmed` (public networks): each transaction's gas is estimated (+20%) on the state its predecessors left, and
 *   the queue waits for its receipt (and `confirmations`) before the next one, so a revert stops the run at that step.
 *
 * A failure is reported with its label and, replayed as a call, its revert reason.
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  BaseError,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
} from 'viem';
import { decodeRevertData, formatRevert, revertDataOf } from './revertReason.ts';

/** Thrown when a setup transaction reverts; names the step and the revert reason. */
export class SetupTransactionError extends Error {
  override name = 'SetupTransactionError';
}

type Pending = { label: string; hash: Hash; to: Address | null; data: Hex; nonce: number };

/** Gas limit of every setup transaction (no estimation round trip; anvil's block gas limit is 30M). */
export const SETUP_GAS_LIMIT = 15_000_000n;

/** How a {@link TxQueue} sends: see the module comment. */
export type TxQueueOptions = {
  /** Default `pipelined`. */
  mode?: 'pipelined' | 'confirmed';
  /** `confirmed` mode: blocks to wait on top of the receipt's block (default 1: the receipt itself). */
  confirmations?: number;
  /** `confirmed` mode: called with each step's label, hash and gas used once it is confirmed. */
  onConfirmed?: (step: { label: string; hash: Hash; gasUsed: bigint }) => void;
};

/** Sends one account's setup transactions in nonce order (pipelined, or one confirmed transaction at a time). */
export class TxQueue {
  private nonce: number | undefined;
  private readonly pending: Pending[] = [];
  private fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;
  private readonly options: TxQueueOptions;

  constructor(
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly client: PublicClient,
    options: TxQueueOptions = {},
  ) {
    this.options = options;
  }

  /** The sending account. */
  get account(): Address {
    return this.wallet.account.address;
  }

  private async next(): Promise<number> {
    if (this.nonce === undefined) {
      this.nonce = await this.client.getTransactionCount({ address: this.account, blockTag: 'pending' });
    }
    return this.nonce++;
  }

  private async feeFields() {
    if (!this.fees) {
      const block = await this.client.getBlock();
      // Generous headroom: base fee may rise while many setup transactions land back to back.
      const base = block.baseFeePerGas ?? 1_000_000_000n;
      this.fees = { maxFeePerGas: base * 4n + 1_000_000_000n, maxPriorityFeePerGas: 1_000_000n };
    }
    return this.fees;
  }

  private async send(label: string, to: Address | null, data: Hex, value = 0n): Promise<{ nonce: number; hash: Hash }> {
    if (this.options.mode === 'confirmed') return this.sendConfirmed(label, to, data, value);
    const nonce = await this.next();
    const hash = await this.wallet.sendTransaction({
      ...(to ? { to } : {}),
      data,
      value,
      nonce,
      gas: SETUP_GAS_LIMIT,
      ...(await this.feeFields()),
    } as Parameters<WalletClient<Transport, Chain, Account>['sendTransaction']>[0]);
    this.pending.push({ label, hash, to, data, nonce });
    return { nonce, hash };
  }

  private async sendConfirmed(label: string, to: Address | null, data: Hex, value: bigint): Promise<{ nonce: number; hash: Hash }> {
    let gas: bigint;
    try {
      gas = await this.client.estimateGas({ account: this.wallet.account, ...(to ? { to } : {}), data, value });
    } catch (error) {
      throw new SetupTransactionError(`setup step "${label}" would fail: ${describeRevert(error)}`);
    }
    const nonce = await this.next();
    // Fees from the node (EIP-1559 estimate), as any wallet would; only the gas limit is ours.
    const hash = await this.wallet.sendTransaction({
      ...(to ? { to } : {}),
      data,
      value,
      nonce,
      gas: (gas * 12n) / 10n,
    } as Parameters<WalletClient<Transport, Chain, Account>['sendTransaction']>[0]);
    const receipt = await this.client.waitForTransactionReceipt({ hash, confirmations: this.options.confirmations ?? 1 });
    if (receipt.status !== 'success') {
      throw new SetupTransactionError(`setup step "${label}" failed (${hash}): reverted`);
    }
    this.options.onConfirmed?.({ label, hash, gasUsed: receipt.gasUsed });
    return { nonce, hash };
  }

  /** Deploys a contract; resolves to its address as soon as the transaction is sent. */
  async deploy<const abi extends Abi>(
    label: string,
    contract: { abi: abi; bytecode: Hex },
    args?: readonly unknown[],
  ): Promise<Address> {
    const data = encodeDeployData({ abi: contract.abi as Abi, bytecode: contract.bytecode, args: (args ?? []) as unknown[] });
    const { nonce } = await this.send(label, null, data);
    return getContractAddress({ from: this.account, nonce: BigInt(nonce) });
  }

  /** The address the `offset`-th next deployment from this account will get (0 = the next transaction). */
  async predictAddress(offset = 0): Promise<Address> {
    if (this.nonce === undefined) {
      this.nonce = await this.client.getTransactionCount({ address: this.account, blockTag: 'pending' });
    }
    return getContractAddress({ from: this.account, nonce: BigInt(this.nonce + offset) });
  }

  /** Calls a contract function in a transaction; resolves to the hash as soon as it is sent. */
  async write<
    const abi extends Abi,
    functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  >(
    label: string,
    address: Address,
    abi: abi,
    functionName: functionName,
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
    value = 0n,
  ): Promise<Hash> {
    const data = encodeFunctionData({ abi: abi as Abi, functionName: functionName as string, args: args as unknown[] });
    return (await this.send(label, address, data, value)).hash;
  }

  /**
   * Waits for every sent transaction's receipt.
   * @throws {SetupTransactionError} naming the first transaction that reverted and why.
   */
  async settle(): Promise<void> {
    const batch = this.pending.splice(0);
    const receipts = await Promise.all(batch.map((p) => this.client.waitForTransactionReceipt({ hash: p.hash, pollingInterval: 50 })));
    const index = receipts.findIndex((r) => r.status !== 'success');
    if (index < 0) return;
    const failed = batch[index];
    let reason = 'reverted';
    try {
      // Replayed as a call at the block before, which anvil mined with this transaction alone.
      await this.client.call({
        account: this.account,
        ...(failed.to ? { to: failed.to } : {}),
        data: failed.data,
        blockNumber: receipts[index].blockNumber - 1n,
        gas: SETUP_GAS_LIMIT,
      });
    } catch (error) {
      reason = describeRevert(error);
    }
    throw new SetupTransactionError(`setup step "${failed.label}" failed (${failed.hash}): ${reason}`);
  }
}

/** @deprecated Use `projectErrorsAbi` from ./revertReason.ts. */
export { projectErrorsAbi as allContractErrorsAbi } from './revertReason.ts';

/**
 * A revert's reason as text: a custom error of a project contract (`Name(args)`) or of EigenLayer's core
 * (`AllocationManager reverted: CurrentlyPaused() (hint)`), else viem's message.
 */
export function describeRevert(error: unknown): string {
  if (error instanceof BaseError) {
    const data = revertDataOf(error);
    const decoded = data ? decodeRevertData(data) : undefined;
    return decoded ? formatRevert(decoded) : error.shortMessage;
  }
  return (error as Error).message.split('\n')[0];
}
