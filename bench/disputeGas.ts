/**
 * Gas of a dispute that slashes every signer (decision disputes-0001), through the challenger's own chain calls
 * ({@link createDisputeChain}, as `avs demo`'s challenger uses them):
 *
 * 1. a user writes `setValue(key, value)` on the remote chain;
 * 2. every operator of the current set signs, with its signing key, an attestation of `value + 1` at that block: a
 *    valid quorum signature over a value the source chain never held;
 * 3. `StateDisputeResolver.submitChallenge(attestation, sigData)` with the minimum bond — measured;
 * 4. `RemoteChainVerifier.verifyState` on the remote chain; the devnet relayer bridges the truth to the
 *    MainChainVerifier;
 * 5. `resolveChallenge(challengeId)` — measured; it must slash all N signers (one `SignerSlashed` each).
 *
 * Each figure is the receipt's gasUsed (`total`) and `execution` = total − 21,000 − EIP-2028 calldata gas, the part
 * comparable with contracts/test/services/state-proofs/StateDisputeResolver.t.sol's gas tests.
 */
import { type Address, type Hex, type PublicClient, parseEventLogs } from 'viem';
import { StateDisputeResolverAbi, StateManagerAbi } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { chainOf } from '../src/core/chain/deployment.ts';
import { signDigest, signingKeyFromPrivateKey } from '../src/core/crypto/ecdsa.ts';
import { currentEpoch } from '../src/devnet/time.ts';
import { type StateAttestation, attestationDigest, computeTaskId, encodeSigData } from '../src/services/state-proofs/attestation.ts';
import { createDisputeChain } from '../src/services/state-proofs/challenger/chain.ts';
import type { Dispute } from '../src/services/state-proofs/challenger/journal.ts';
import type { BenchDevnet } from './devnetGas.ts';
import { waitUntil } from './devnetGas.ts';
import { splitTransactionGas } from './gas.ts';

/** Gas of one transaction: receipt gasUsed, and that minus intrinsic and calldata gas. */
export type TransactionGas = { total: number; execution: number };

/** Gas of one dispute. */
export type DisputeGas = {
  /** Signers of the wrong attestation (the whole operator set). */
  signers: number;
  submitChallenge: TransactionGas;
  /** resolveChallenge, which slashed `slashed` signers. */
  resolveChallenge: TransactionGas & { slashed: number };
  /** The signers beyond one call's MAX_SLASHES_PER_CALL: slashRemainingSigners calls and their summed gasUsed. */
  slashRemaining: { calls: number; gasUsed: number; slashed: number };
};

/** History key the bench's wrong attestation is about. */
const DISPUTED_KEY = 6_660n;

/**
 * Runs one dispute on `bench`'s devnet against an attestation signed by every operator of `operatorSet` (the registry's
 * set at the chains' current epoch).
 * @throws {Error} when the signed attestation is not a valid quorum proof, the truth does not reach the main chain, or
 *   the resolution does not slash every signer.
 */
export async function measureDisputeGas(bench: BenchDevnet, operatorSet: readonly { operator: Address; signingKey: Hex }[]): Promise<DisputeGas> {
  const { devnet, log } = bench;
  const { deployment } = devnet;
  const mainClient = devnet.clients.get(deployment.mainChainId)!;
  const remote = chainOf(deployment, bench.remoteChainId);
  const remoteClient = devnet.clients.get(remote.chainId)!;
  const n = operatorSet.length;

  const value = BigInt(Date.now());
  const write = await makeWalletClient(remote.chainId, remote.rpcUrl, devnet.user).writeContract({
    address: remote.stateManager,
    abi: StateManagerAbi,
    functionName: 'setValue',
    args: [DISPUTED_KEY, value],
  });
  const written = await receiptOf(remoteClient, write, 'setValue');
  const block = await remoteClient.getBlock({ blockNumber: written.blockNumber });

  const epoch = await currentEpoch(mainClient, deployment.epoch);
  const attestation: StateAttestation = {
    user: devnet.user.address,
    chainId: BigInt(remote.chainId),
    blockNumber: written.blockNumber,
    timestamp: block.timestamp,
    key: DISPUTED_KEY,
    value: value + 1n,
    exists: true,
    epoch,
  };
  const digest = attestationDigest({ chainId: deployment.mainChainId, verifyingContract: deployment.stateProofs.serviceManager }, attestation);
  const sigData = encodeSigData(
    operatorSet.map((o) => ({ operator: o.operator, signature: signDigest(signingKeyFromPrivateKey(o.signingKey), digest) })),
    epoch,
  );
  const dispute: Dispute = {
    challengeId: computeTaskId(attestation),
    chainId: attestation.chainId,
    user: attestation.user,
    key: attestation.key,
    blockNumber: attestation.blockNumber,
    timestamp: attestation.timestamp,
    epoch,
    claimed: { value: attestation.value, exists: true },
    truth: { value, exists: true },
    sigData,
    stage: 'found',
    detail: null,
    slashing: null,
    slashAttempts: 0,
    nextSlashAt: null,
  };

  const chain = createDisputeChain({ deployment, account: devnet.challenger, clients: devnet.clients });
  if (!(await chain.proofHolds(dispute))) throw new Error(`the wrong attestation signed by all ${n} operators is not a valid proof at epoch ${epoch}`);
  const submitted = await receiptAndInput(mainClient, await chain.submitChallenge(dispute));
  const submitChallenge = splitTransactionGas(`submitChallenge, ${n} signers`, submitted.gasUsed, submitted.input);
  log(`  ${n} operators, submitChallenge: ${submitChallenge.total} gas`);

  await chain.requestVerification(dispute);
  await waitUntil(`the truth of chain ${remote.chainId} to reach the MainChainVerifier`, async () => chain.isVerified(dispute));
  const { hash, state } = await chain.resolveChallenge(dispute);
  if (state !== 'slashed') throw new Error(`resolveChallenge left challenge ${dispute.challengeId} ${state}, not slashed`);
  const resolved = await receiptAndInput(mainClient, hash);
  const slashedIn = (logs: typeof resolved.logs) => parseEventLogs({ abi: StateDisputeResolverAbi, logs, eventName: 'SignerSlashed' }).length;
  const slashed = slashedIn(resolved.logs);
  const perCall = Number(await mainClient.readContract({ address: deployment.stateProofs.stateDisputeResolver!, abi: StateDisputeResolverAbi, functionName: 'MAX_SLASHES_PER_CALL' }));
  if (slashed !== Math.min(n, perCall)) throw new Error(`resolveChallenge slashed ${slashed} of ${n} signers (${hash})`);
  const resolveChallenge = { ...splitTransactionGas(`resolveChallenge, ${n} signers`, resolved.gasUsed, resolved.input), slashed };
  log(`  ${n} operators, resolveChallenge (slashes ${slashed} signers): ${resolveChallenge.total} gas`);
  // The rest, MAX_SLASHES_PER_CALL at a time.
  const slashRemaining = { calls: 0, gasUsed: 0, slashed: 0 };
  while (slashed + slashRemaining.slashed < n) {
    const more = await receiptAndInput(mainClient, await chain.slashRemainingSigners(dispute));
    const k = slashedIn(more.logs);
    if (k === 0) throw new Error(`slashRemainingSigners slashed nobody with ${n - slashed - slashRemaining.slashed} signers left`);
    slashRemaining.calls++;
    slashRemaining.gasUsed += more.gasUsed;
    slashRemaining.slashed += k;
  }
  if (slashRemaining.calls) log(`  ${n} operators, slashRemainingSigners (${slashRemaining.calls} calls, ${slashRemaining.slashed} signers): ${slashRemaining.gasUsed} gas`);
  return { signers: n, submitChallenge, resolveChallenge, slashRemaining };
}

async function receiptOf(client: PublicClient, hash: Hex, what: string) {
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== 'success') throw new Error(`${what} reverted (${hash})`);
  return receipt;
}

/** The receipt's gasUsed and logs and the transaction's calldata. */
async function receiptAndInput(client: PublicClient, hash: Hex) {
  const [receipt, transaction] = await Promise.all([client.getTransactionReceipt({ hash }), client.getTransaction({ hash })]);
  return { gasUsed: Number(receipt.gasUsed), logs: receipt.logs, input: transaction.input };
}
