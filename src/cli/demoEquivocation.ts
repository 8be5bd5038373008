/**
 * Step 7 of `avs demo multi-prover`: a devnet operator signs two different states for the same committee and block
 * (its honest node would refuse the second one: its signing journal keeps one state per committee and block), and
 * anyone submits both signatures to the EquivocationSlasher, which slashes the operator's allocation in every quorum of
 * the committee it belongs to through the AllocationManager and freezes it in the registry.
 */
import { type Address, type Hex, getAddress } from 'viem';
import { AllocationManagerAbi, EquivocationSlasherAbi, MultiProverRegistryAbi } from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { g2ToSolidity } from '../core/crypto/bls-signing.ts';
import { blsSign } from '../core/crypto/bls-signing.ts';
import { devnetBlsKey } from '../devnet/accounts.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { blockState, stateHeaderDigest } from '../services/multi-prover/digest.ts';
import type { MultiProverDeployment } from '../services/multi-prover/deployment.ts';
import { type BlockStateQuery, blockStateHeader } from '../services/multi-prover/aggregator/taskType.ts';

/** The slash, as the demo reports it. */
export type EquivocationSlash = {
  operator: Address;
  /** The two digests the operator signed. */
  digests: [Hex, Hex];
  txHash: Hex;
  /** The operator's allocated shares in its quorum's operator set, before and after (token units, decimal). */
  sharesBefore: string;
  sharesAfter: string;
  frozen: boolean;
};

/**
 * Makes the devnet's first multi-prover operator equivocate on `query` (the real block state and a forged one, both
 * at `referenceEpoch`) and slashes it from the devnet's user account.
 * @throws when the slash reverts or the devnet has no multi-prover.
 */
export async function slashDevnetEquivocation(
  devnet: Devnet,
  deployment: MultiProverDeployment,
  query: BlockStateQuery & { referenceEpoch: number },
): Promise<EquivocationSlash> {
  const member = devnet.multiProver?.operators[0];
  const slasher = deployment.multiProver.equivocationSlasher;
  if (!member || !slasher) throw new Error('this devnet has no multi-prover operator or equivocation slasher');
  const operator = getAddress(member.address);
  const main = devnet.clients.get(deployment.mainChainId)!;
  const remote = devnet.clients.get(Number(query.chainId))!;
  const block = await remote.getBlock({ blockNumber: query.blockNumber });
  const forgedRoot = `0x${'ab'.repeat(32)}` as Hex;
  const domain = { chainId: BigInt(deployment.mainChainId), verifyingContract: deployment.multiProver.serviceManager };
  const a = blockStateHeader(query, { blockHash: block.hash, stateRoot: block.stateRoot }, query.referenceEpoch);
  const b = { ...a, state: blockState(block.hash, forgedRoot) };
  const key = devnetBlsKey(member.index);
  const [digestA, digestB] = [stateHeaderDigest(a, domain), stateHeaderDigest(b, domain)];
  const [sigmaA, sigmaB] = [blsSign(key.secret, digestA), blsSign(key.secret, digestB)];

  const quorum = member.quorums[0];
  const shares = async () => {
    const [allocated] = await main.readContract({
      address: deployment.eigenlayer.allocationManager,
      abi: AllocationManagerAbi,
      functionName: 'getAllocatedStake',
      args: [{ avs: deployment.multiProver.serviceManager, id: quorum }, [operator], [devnet.multiProver!.strategy]],
    });
    return allocated[0];
  };
  const before = await shares();
  const wallet = makeWalletClient(deployment.mainChainId, devnet.chains[0].rpcUrl, devnet.user);
  const { request } = await main.simulateContract({
    account: devnet.user,
    address: slasher,
    abi: EquivocationSlasherAbi,
    functionName: 'slashEquivocation',
    args: [a, b, g2ToSolidity(key.publicKeyG2), { X: sigmaA.x, Y: sigmaA.y }, { X: sigmaB.x, Y: sigmaB.y }, operator],
  });
  const txHash = await wallet.writeContract(request);
  const receipt = await main.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== 'success') throw new Error(`slashEquivocation reverted (${txHash})`);
  const frozen = await main.readContract({ address: deployment.multiProver.registry, abi: MultiProverRegistryAbi, functionName: 'isFrozen', args: [operator] });
  return { operator, digests: [digestA, digestB], txHash, sharesBefore: before.toString(), sharesAfter: (await shares()).toString(), frozen };
}
