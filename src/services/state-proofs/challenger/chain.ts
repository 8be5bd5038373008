/**
 * The challenger's chain calls with viem: StateDisputeResolver and MainChainVerifier on the main chain,
 * RemoteChainVerifier on each source chain (or MainChainVerifier directly for the main chain's own StateManager):
 * verifyState with the block's RLP header (anchoring an old block's hash first when needed), or reportUnproduced while
 * the block does not exist yet. Every write waits for its receipt and throws {@link DisputeTransactionError} when it reverts.
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, decodeErrorResult, encodePacked, getAddress, keccak256 } from 'viem';
import {
  BlockHashAnchorsAbi,
  ECDSAStakeRegistryAbi,
  MainChainVerifierAbi,
  RemoteChainVerifierAbi,
  StateDisputeResolverAbi,
  StateProofsServiceManagerAbi,
} from '../../../core/chain/abis/generated/index.ts';
import { BlockNotFoundError, fetchBlockHeader } from '../../../core/chain/blockHeader.ts';
import { makePublicClient, makeWalletClient } from '../../../core/chain/clients.ts';
import { allContractErrorsAbi } from '../../../core/chain/transactions.ts';
import { DeploymentError, chainOf, mainChainOf } from '../../../core/chain/deployment.ts';
import { decodeSigData } from '../attestation.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import type { ChallengeState, DisputeChain, SignerProblem, SlashingReport } from './challenger.ts';
import { anchorBlockHash } from './headers.ts';
import type { Dispute } from './journal.ts';

/** A dispute transaction reverted or was not mined. */
export class DisputeTransactionError extends Error {
  override name = 'DisputeTransactionError';
}

/** The resolver's `Status` enum, in declaration order. */
const STATUS: readonly ChallengeState[] = ['none', 'open', 'slashed', 'rejected', 'expired'];
/** The resolver's `SignerStatus` enum, in declaration order. */
const SIGNER_STATUS = ['none', 'pending', 'slashed', 'failed', 'skipped'] as const;
/** Solidity panic codes a slash has been seen to hit, by code. */
const PANICS: Record<number, string> = { 0x01: 'assertion failed', 0x11: 'arithmetic underflow or overflow', 0x12: 'division by zero' };

/** Options of {@link createDisputeChain}. */
export type DisputeChainOptions = {
  deployment: StateProofsDeployment;
  /** Pays bonds and bridge fees; receives bonds back and rewards. */
  account: PrivateKeyAccount;
  /** Public clients by chain id; default one per deployment chain (the challenger's own RPC endpoints). */
  clients?: ReadonlyMap<number, PublicClient>;
  /** Bond to post, wei; default the resolver's MIN_BOND. */
  bond?: bigint;
};

/**
 * Builds the {@link DisputeChain} of a deployment.
 * @throws {DeploymentError} when the deployment names no StateDisputeResolver or MainChainVerifier.
 */
export function createDisputeChain(options: DisputeChainOptions): DisputeChain {
  const { deployment, account } = options;
  const { stateDisputeResolver, mainChainVerifier } = deployment.stateProofs;
  if (!stateDisputeResolver || !mainChainVerifier) {
    throw new DeploymentError('the deployment has no services.state-proofs.stateDisputeResolver / mainChainVerifier: disputes are not deployed');
  }
  const main = mainChainOf(deployment);
  const clients =
    options.clients ?? new Map(deployment.chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const));
  const client = (chainId: number): PublicClient => {
    const found = clients.get(chainId);
    if (!found) throw new DeploymentError(`no RPC client for chain ${chainId}`);
    return found;
  };
  const mainClient = client(main.chainId);
  const resolver = { address: stateDisputeResolver, abi: StateDisputeResolverAbi } as const;
  const verifier = { address: mainChainVerifier, abi: MainChainVerifierAbi } as const;

  const send = async (chainId: number, what: string, write: (wallet: ReturnType<typeof makeWalletClient>) => Promise<Hex>): Promise<Hex> => {
    const chain = chainOf(deployment, chainId);
    const hash = await write(makeWalletClient(chain.chainId, chain.rpcUrl, account));
    const receipt = await client(chainId).waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== 'success') throw new DisputeTransactionError(`${what} reverted (${hash})`);
    return hash;
  };
  const attestationOf = (d: Dispute) => ({
    user: d.user,
    chainId: d.chainId,
    blockNumber: d.blockNumber,
    timestamp: Number(d.timestamp),
    key: d.key,
    value: d.claimed.value,
    exists: d.claimed.exists,
    epoch: d.epoch,
  });
  const state = async (challengeId: Hex): Promise<ChallengeState> =>
    STATUS[await mainClient.readContract({ ...resolver, functionName: 'challengeStatus', args: [challengeId] })] ?? 'none';
  const digestOf = (d: Dispute): Promise<Hex> =>
    mainClient.readContract({
      address: deployment.stateProofs.serviceManager,
      abi: StateProofsServiceManagerAbi,
      functionName: 'attestationDigest',
      args: [attestationOf(d)],
    });

  /**
   * The signer list the resolver holds the hash of for the dispute's digest (the slashing calls take it as calldata):
   * the dispute's own proof's signers when they match, else those of the ChallengeSubmitted event that set the hash
   * (another challenger may have opened it with another proof of the same digest).
   */
  const challengedSigners = async (d: Dispute): Promise<Address[]> => {
    const digest = await digestOf(d);
    const { signersHash } = await mainClient.readContract({ ...resolver, functionName: 'getSlashing', args: [digest] });
    const hashOf = (list: readonly Address[]) => keccak256(encodePacked(['address[]'], [list]));
    const own = signersOf(d.sigData);
    if (hashOf(own) === signersHash) return own;
    const submitted = await mainClient.getContractEvents({ ...resolver, eventName: 'ChallengeSubmitted', args: { digest }, fromBlock: 0n });
    const match = submitted.reverse().find((e) => hashOf(e.args.signers ?? []) === signersHash);
    return match ? [...match.args.signers!] : own;
  };

  return {
    async proofHolds(d) {
      const digest = await mainClient.readContract({
        address: deployment.stateProofs.serviceManager,
        abi: StateProofsServiceManagerAbi,
        functionName: 'attestationDigest',
        args: [attestationOf(d)],
      });
      const result = await mainClient.readContract({
        address: deployment.stateProofs.stakeRegistry,
        abi: ECDSAStakeRegistryAbi,
        functionName: 'isValidSignatureAtCheckpoints',
        args: [digest, d.sigData],
      });
      return result === '0x1626ba7e';
    },

    challengeState: state,

    async submitChallenge(d) {
      const bond = options.bond ?? (await mainClient.readContract({ ...resolver, functionName: 'MIN_BOND' }));
      return send(main.chainId, 'submitChallenge', (wallet) =>
        wallet.writeContract({ ...resolver, functionName: 'submitChallenge', args: [attestationOf(d), d.sigData], value: bond }),
      );
    },

    async isVerified(d) {
      // Decided by what the verifier recorded: the verified block (value and timestamp), or an observation that the
      // block did not exist yet. Undecided stays 'open' (Expired is left to the deadline path).
      const preview = STATUS[await mainClient.readContract({ ...resolver, functionName: 'previewResolution', args: [d.challengeId] })];
      return preview === 'slashed' || preview === 'rejected';
    },

    async requestVerification(d) {
      const chainId = Number(d.chainId);
      const isMain = chainId === main.chainId;
      const remoteAddress = isMain ? undefined : chainOf(deployment, chainId).remoteChainVerifier;
      if (!isMain && !remoteAddress) throw new DeploymentError(`chain ${chainId} has no remoteChainVerifier in the deployment`);
      const remote = remoteAddress ? ({ address: remoteAddress, abi: RemoteChainVerifierAbi } as const) : undefined;
      const source = client(chainId);
      const fee = remote ? await source.readContract({ ...remote, functionName: 'quoteFee' }) : 0n;

      let header: Hex;
      try {
        header = (await fetchBlockHeader(source, d.blockNumber)).rlp;
      } catch (error) {
        if (!(error instanceof BlockNotFoundError)) throw error;
        // The block does not exist yet: record that, at the source chain's current time.
        return remote
          ? send(chainId, 'RemoteChainVerifier.reportUnproduced', (wallet) =>
              wallet.writeContract({ ...remote, functionName: 'reportUnproduced', args: [d.blockNumber], value: fee }),
            )
          : send(chainId, 'MainChainVerifier.reportUnproduced', (wallet) =>
              wallet.writeContract({ ...verifier, functionName: 'reportUnproduced', args: [d.blockNumber] }),
            );
      }
      await anchorBlockHash(d.blockNumber, {
        client: source,
        verifier: remote?.address ?? mainChainVerifier,
        send: (headers) =>
          send(chainId, 'anchorBlockHash', (wallet) =>
            wallet.writeContract({
              address: remote?.address ?? mainChainVerifier,
              abi: BlockHashAnchorsAbi,
              functionName: 'anchorBlockHash',
              args: [headers],
            }),
          ),
      });
      return remote
        ? send(chainId, 'RemoteChainVerifier.verifyState', (wallet) =>
            wallet.writeContract({ ...remote, functionName: 'verifyState', args: [d.user, d.key, header], value: fee }),
          )
        : send(chainId, 'MainChainVerifier.verifyState', (wallet) =>
            wallet.writeContract({ ...verifier, functionName: 'verifyState', args: [d.user, d.key, header] }),
          );
    },

    async resolveChallenge(d) {
      const signers = await challengedSigners(d);
      const hash = await send(main.chainId, 'resolveChallenge', (wallet) =>
        wallet.writeContract({ ...resolver, functionName: 'resolveChallenge', args: [d.challengeId, signers] }),
      );
      return { hash, state: await state(d.challengeId) };
    },

    async slashing(d) {
      const digest = await digestOf(d);
      const operators = await challengedSigners(d);
      const [records, reasons] = await mainClient.readContract({ ...resolver, functionName: 'getSignerSlashes', args: [digest, operators] });
      const summary = await mainClient.readContract({ ...resolver, functionName: 'getSlashing', args: [digest] });
      const problems: SignerProblem[] = [];
      const slashedWeights: { operator: Address; weight: bigint }[] = [];
      operators.forEach((operator, i) => {
        const status = SIGNER_STATUS[records[i].status] ?? 'none';
        if (status === 'failed' || status === 'skipped') {
          problems.push({ operator: getAddress(operator), state: status, attempts: records[i].attempts, reason: describeSlashReason(reasons[i]) });
        } else if (status === 'slashed') {
          slashedWeights.push({ operator: getAddress(operator), weight: records[i].weightSlashed });
        }
      });
      return {
        digest,
        signers: Number(summary.signers),
        slashed: Number(summary.slashed),
        failed: Number(summary.failed),
        skipped: Number(summary.skipped),
        pending: Number(summary.pending),
        weightSlashed: summary.weightSlashed,
        rewardPaid: summary.rewardPaid,
        slashedWeights,
        problems,
      } satisfies SlashingReport;
    },

    async slashRemainingSigners(d) {
      const digest = await digestOf(d);
      const signers = await challengedSigners(d);
      return send(main.chainId, 'slashRemainingSigners', (wallet) =>
        wallet.writeContract({ ...resolver, functionName: 'slashRemainingSigners', args: [digest, signers] }),
      );
    },

    async retrySlashes(d, operators) {
      const digest = await digestOf(d);
      return send(main.chainId, 'retrySlashes', (wallet) =>
        wallet.writeContract({ ...resolver, functionName: 'retrySlashes', args: [digest, [...operators]] }),
      );
    },
  };
}

/**
 * A slash's revert data as text: a custom error of a project contract with its arguments (e.g. `CurrentlyPaused()`,
 * `OperatorNotSlashable()`), a Solidity panic with its meaning, or the raw data.
 */
export function describeSlashReason(data: Hex): string {
  if (data === '0x') return 'no revert data';
  try {
    const decoded = decodeErrorResult({ abi: allContractErrorsAbi, data });
    const args = (decoded.args ?? []) as readonly unknown[];
    if (decoded.errorName === 'Panic') {
      const code = Number(args[0] as bigint);
      return `Panic(0x${code.toString(16)}${PANICS[code] ? `: ${PANICS[code]}` : ''})`;
    }
    return `${decoded.errorName}(${args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ')})`;
  } catch {
    return data;
  }
}

/** The operators in a proof's `sigData` (single or batched form), ascending. */
export function signersOf(sigData: Hex): Address[] {
  return [...decodeSigData(sigData).operators];
}
