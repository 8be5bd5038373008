/**
 * Chain side of the rewards: weights at an epoch, the quorum and the RewardsCoordinator's limits from the main chain,
 * and sending an epoch's submission through `ServiceManager.submitReward` from the rewards initiator.
 */
import { type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient, erc20Abi, getAddress } from 'viem';
import { ECDSAStakeRegistryAbi, RewardsCoordinatorAbi, ServiceManagerBaseAbi } from '../../core/chain/abis/generated/index.ts';
import type { OperatorDirectedRewardsSubmission, RewardsCoordinatorParams, StrategyAndMultiplier } from './submission.ts';

/** The wallet that sends the submission. */
export type RewardsWallet = WalletClient<Transport, Chain, Account>;

/** The rewards initiator is not the sender. */
export class NotRewardsInitiatorError extends Error {
  override name = 'NotRewardsInitiatorError';
  constructor(
    readonly sender: Address,
    readonly initiator: Address,
  ) {
    super(
      `${sender} is not the ServiceManager's rewards initiator (${initiator}); send from that key, or have the owner call setRewardsInitiator(${sender})`,
    );
  }
}

/** The sender holds less of the token than the submission pays out. */
export class InsufficientRewardBalanceError extends Error {
  override name = 'InsufficientRewardBalanceError';
  constructor(token: Address, sender: Address, balance: bigint, needed: bigint) {
    super(`${sender} holds ${balance} of token ${token}, the submission pays out ${needed}`);
  }
}

/** A transaction was mined but reverted. */
export class RewardTransactionError extends Error {
  override name = 'RewardTransactionError';
}

/**
 * Each operator's weight at `epoch` (`ECDSAStakeRegistry.getOperatorWeightAtEpoch`, registry weight units), keyed by
 * lowercase address. Calls go out concurrently (the project's HTTP transport batches them).
 */
export async function readOperatorWeights(
  client: PublicClient,
  stakeRegistry: Address,
  operators: Iterable<string>,
  epoch: number,
): Promise<Map<string, bigint>> {
  const list = [...new Set([...operators].map((o) => o.toLowerCase()))];
  const out = new Map<string, bigint>();
  for (let i = 0; i < list.length; i += 200) {
    const part = list.slice(i, i + 200);
    const weights = await Promise.all(
      part.map((op) =>
        client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getOperatorWeightAtEpoch', args: [getAddress(op), epoch] }),
      ),
    );
    part.forEach((op, j) => out.set(op, weights[j]));
  }
  return out;
}

/** The stake registry's quorum: strategies and multipliers (basis points of a share), as stored. */
export async function readQuorum(client: PublicClient, stakeRegistry: Address): Promise<StrategyAndMultiplier[]> {
  const quorum = await client.readContract({ address: stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getQuorum' });
  return quorum.map((q) => ({ strategy: getAddress(q.strategy), multiplier: q.multiplier }));
}

/** The RewardsCoordinator's limits (seconds). */
export async function readRewardsCoordinatorParams(client: PublicClient, rewardsCoordinator: Address): Promise<RewardsCoordinatorParams> {
  const read = (functionName: 'CALCULATION_INTERVAL_SECONDS' | 'MAX_REWARDS_DURATION' | 'MAX_RETROACTIVE_LENGTH' | 'GENESIS_REWARDS_TIMESTAMP') =>
    client.readContract({ address: rewardsCoordinator, abi: RewardsCoordinatorAbi, functionName });
  const [calculationIntervalSeconds, maxRewardsDuration, maxRetroactiveLength, genesisRewardsTimestamp] = await Promise.all([
    read('CALCULATION_INTERVAL_SECONDS'),
    read('MAX_REWARDS_DURATION'),
    read('MAX_RETROACTIVE_LENGTH'),
    read('GENESIS_REWARDS_TIMESTAMP'),
  ]);
  return {
    calculationIntervalSeconds: Number(calculationIntervalSeconds),
    maxRewardsDuration: Number(maxRewardsDuration),
    maxRetroactiveLength: Number(maxRetroactiveLength),
    genesisRewardsTimestamp: Number(genesisRewardsTimestamp),
  };
}

/** Result of {@link sendRewardSubmission}. */
export type RewardSubmissionReceipt = {
  /** The approval, when the allowance was short; null otherwise. */
  approveTransaction: Hex | null;
  submitTransaction: Hex;
  blockNumber: bigint;
  /** Sum of the operator amounts, token base units. */
  total: bigint;
};

/**
 * Sends `submission` through `ServiceManager.submitReward(IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission)`
 * (selector 0x0d2c8afd) from `wallet`'s account: checks that the account is the
 * rewards initiator and holds the total, approves the ServiceManager for the total when the allowance is short (and
 * waits for it), simulates the call (a revert is reported with its custom error before anything is spent), sends it
 * and waits for the receipt.
 * @throws {NotRewardsInitiatorError}, {InsufficientRewardBalanceError}, {RewardTransactionError} (a mined revert), or
 *   viem's errors for a simulated revert or an unreachable RPC.
 */
export async function sendRewardSubmission(params: {
  client: PublicClient;
  wallet: RewardsWallet;
  serviceManager: Address;
  submission: OperatorDirectedRewardsSubmission;
}): Promise<RewardSubmissionReceipt> {
  const { client, wallet, serviceManager, submission } = params;
  const sender = wallet.account.address;
  const total = submission.operatorRewards.reduce((sum, r) => sum + r.amount, 0n);

  const initiator = await client.readContract({ address: serviceManager, abi: ServiceManagerBaseAbi, functionName: 'rewardsInitiator' });
  if (getAddress(initiator) !== getAddress(sender)) throw new NotRewardsInitiatorError(sender, getAddress(initiator));
  const [balance, allowance] = await Promise.all([
    client.readContract({ address: submission.token, abi: erc20Abi, functionName: 'balanceOf', args: [sender] }),
    client.readContract({ address: submission.token, abi: erc20Abi, functionName: 'allowance', args: [sender, serviceManager] }),
  ]);
  if (balance < total) throw new InsufficientRewardBalanceError(submission.token, sender, balance, total);

  let approveTransaction: Hex | null = null;
  if (allowance < total) {
    approveTransaction = await wallet.writeContract({ address: submission.token, abi: erc20Abi, functionName: 'approve', args: [serviceManager, total] });
    const receipt = await client.waitForTransactionReceipt({ hash: approveTransaction });
    if (receipt.status !== 'success') throw new RewardTransactionError(`approve transaction ${approveTransaction} reverted`);
  }

  const { request } = await client.simulateContract({
    account: wallet.account,
    address: serviceManager,
    abi: ServiceManagerBaseAbi,
    functionName: 'submitReward',
    args: [submission],
  });
  const submitTransaction = await wallet.writeContract(request);
  const receipt = await client.waitForTransactionReceipt({ hash: submitTransaction });
  if (receipt.status !== 'success') throw new RewardTransactionError(`submitReward transaction ${submitTransaction} reverted`);
  return { approveTransaction, submitTransaction, blockNumber: receipt.blockNumber, total };
}
