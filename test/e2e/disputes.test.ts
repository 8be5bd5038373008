/**
 * Disputes end to end (docs/architecture.md, "Disputes"; docs/decisions/disputes-0001.md), against a real devnet:
 * anvil chains, the deployed StateDisputeResolver / MainChainVerifier / RemoteChainVerifier, the aggregator, operator
 * nodes, the bridge relayer and the challenger, all started by {@link startDevnet}.
 *
 * One devnet (5 operators; the first 4, enough weight for a quorum on their own, lie about {@link FAULT_KEY}):
 * 1. a made-up claim (an attestation the quorum never signed, signatures of non-operators, a signer below the
 *    threshold, the real signatures under another attestation epoch) is refused by submitChallenge with the contract's
 *    error;
 * 2. a challenge of a correct proof fails once the truth is bridged: bond to the bond recipient, nobody slashed;
 * 3. a challenge nobody verifies expires after its deadline: bond back to the challenger;
 * 4. the challenger catches a wrong proof and succeeds: every signer slashed in the AllocationManager (and only they),
 *    the stake slashed per signer reported, the challenger paid bond + the reward for that stake, the aggregator stops
 *    counting the slashed operators;
 * 5. after all that, the resolver holds exactly what its accounting says it owes: nothing is locked.
 *
 * A challenger restarted mid-dispute, on a devnet of its own (4 operators, all lying about {@link FAULT_KEY}): it is
 * stopped right after it journaled its submitChallenge and started again on the same journal; it finishes the dispute
 * exactly once (one challenge, one success, one verification fee). Again on another devnet with the journal set back to
 * `found`, as a crash between the mined submitChallenge and its journal write leaves it: no second challenge either.
 *
 * A dispute resolved while EigenLayer slashing is paused, on a devnet of its own: every slash fails with
 * CurrentlyPaused() and stays retryable; the challenger reports "slashed 0 of n" with the reason, and once slashing is
 * unpaused its retry slashes every signer and pays the reward.
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  type TransactionReceipt,
  getAddress,
  parseEventLogs,
} from 'viem';
import {
  AllocationManagerAbi,
  MainChainVerifierAbi,
  RemoteChainVerifierAbi,
  StateDisputeResolverAbi,
  StateManagerAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { createLogger } from '../../src/core/logging.ts';
import { derivedPrivateKey, devAccount } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetServices, startDevnetChallenger } from '../../src/devnet/services.ts';
import { advanceChainsTo } from '../../src/devnet/time.ts';
import { type StateAttestation, attestationDigest, decodeSigData, encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import type { RunningChallenger } from '../../src/services/state-proofs/challenger/run.ts';
import { ChallengerJournal, formatSlashing } from '../../src/services/state-proofs/challenger/journal.ts';
import { fetchBlockHeader } from '../../src/core/chain/blockHeader.ts';
import { type ProofTask, requestProof, waitForProof } from '../../src/services/state-proofs/client.ts';
import type { OperatorFault } from '../../src/services/state-proofs/operator/node.ts';

/** The source chain of every proof here: values are bridged from it, as in production. */
const REMOTE_CHAIN = 31338;
/** The history key the faulty operator nodes lie about (they sign `value + 1`). */
const FAULT_KEY = 666n;
const fault: OperatorFault = { signsWrongValue: (query) => query.key === FAULT_KEY };
/** Bound of every wait: generous on a loaded 2-core machine; reaching it is a failure, never a timing assertion. */
const WAIT_MS = 240_000;
/** The resolver's `Status` enum. */
const Status = { None: 0, Open: 1, Slashed: 2, Rejected: 3, Expired: 4 } as const;

const logger = () => createLogger('disputes-test', { level: process.env.LOG_LEVEL ?? 'silent' });

// ---------------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Polls `probe` every 250 ms until it returns a truthy value; fails naming `what` after {@link WAIT_MS}, with what
 * `lastSeen` says of the state it saw last.
 */
async function waitUntil<T>(probe: () => Promise<T | undefined | false>, what: string, lastSeen?: () => string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${lastSeen ? `; ${lastSeen()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The devnet's main-chain client and contracts. */
function mainOf(devnet: Devnet) {
  const client = devnet.clients.get(devnet.deployment.mainChainId)!;
  const resolver = { address: devnet.deployment.stateProofs.stateDisputeResolver!, abi: StateDisputeResolverAbi } as const;
  const verifier = { address: devnet.deployment.stateProofs.mainChainVerifier!, abi: MainChainVerifierAbi } as const;
  const rpcUrl = devnet.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!.rpcUrl;
  return { client, resolver, verifier, rpcUrl, chainId: devnet.deployment.mainChainId };
}

function remoteOf(devnet: Devnet) {
  const chain = devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!;
  const rpcUrl = devnet.chains.find((c) => c.chainId === REMOTE_CHAIN)!.rpcUrl;
  return { client: devnet.clients.get(REMOTE_CHAIN)!, chain, rpcUrl };
}

async function expectSuccess(client: PublicClient, hash: Hex, what: string): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  assert.equal(receipt.status, 'success', `${what} (${hash})`);
  return receipt;
}

/** The user writes `value` under `key` on the remote chain, asks the aggregator for a proof and waits for it. */
async function proveOnRemote(devnet: Devnet, key: bigint, value: bigint): Promise<ProofTask> {
  const remote = remoteOf(devnet);
  const wallet = makeWalletClient(REMOTE_CHAIN, remote.rpcUrl, devnet.user);
  const hash = await wallet.writeContract({ address: remote.chain.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [key, value] });
  const receipt = await expectSuccess(remote.client, hash, 'setValue');
  const aggregatorUrl = devnet.services!.aggregatorUrl!;
  const task = await requestProof(aggregatorUrl, { chainId: REMOTE_CHAIN, user: devnet.user.address, key, blockNumber: receipt.blockNumber });
  const done = await waitForProof(aggregatorUrl, task.taskId, { timeoutMs: WAIT_MS });
  assert.equal(done.status, 'aggregated', `proof of key ${key}: ${done.failureReason ?? ''}`);
  return done;
}

/** The attestation a published proof carries, as submitChallenge takes it. */
function attestationOf(proof: ProofTask): StateAttestation {
  const a = proof.attestation;
  assert.ok(a.value !== null && a.exists !== null);
  return { user: a.user, chainId: a.chainId, blockNumber: a.blockNumber, timestamp: a.timestamp, key: a.key, value: a.value, exists: a.exists, epoch: a.epoch };
}

/** submitChallenge's arguments in the ABI's shape (timestamp is a uint48: a number). */
function challengeArgs(attestation: StateAttestation, sigData: Hex) {
  return [{ ...attestation, timestamp: Number(attestation.timestamp) }, sigData] as const;
}

/** Sends submitChallenge from `account` with `bond` wei and waits for it. */
async function submitChallenge(devnet: Devnet, account: PrivateKeyAccount, attestation: StateAttestation, sigData: Hex, bond: bigint) {
  const main = mainOf(devnet);
  const hash = await makeWalletClient(main.chainId, main.rpcUrl, account).writeContract({
    ...main.resolver,
    functionName: 'submitChallenge',
    args: challengeArgs(attestation, sigData),
    value: bond,
  });
  return expectSuccess(main.client, hash, 'submitChallenge');
}

/**
 * Sends resolveChallenge from `account` and waits for it. The challenged signers are read only when the attestation is
 * proven wrong; the tests that call this resolve right or unverified ones, so the list is the proof's or empty.
 */
async function resolveChallenge(devnet: Devnet, account: PrivateKeyAccount, challengeId: Hex, signers: readonly Address[] = []) {
  const main = mainOf(devnet);
  const hash = await makeWalletClient(main.chainId, main.rpcUrl, account).writeContract({ ...main.resolver, functionName: 'resolveChallenge', args: [challengeId, [...signers]] });
  return expectSuccess(main.client, hash, 'resolveChallenge');
}

/** The custom error `call` reverts with, decoded by viem from the ABI. */
async function revertOf(call: () => Promise<unknown>): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call();
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    assert.ok(reverted instanceof ContractFunctionRevertedError, `expected a contract revert, got: ${String(error)}`);
    assert.ok(reverted.data, `revert data decoded: ${reverted.shortMessage}`);
    return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  assert.fail('expected the call to revert');
}

/** Shares of `operators` allocated to the AVS's operator set in the devnet strategy (the slashable stake). */
async function allocatedShares(devnet: Devnet, operators: readonly Address[]): Promise<Map<Address, bigint>> {
  const { client } = mainOf(devnet);
  const stake = await client.readContract({
    address: devnet.deployment.eigenlayer.allocationManager,
    abi: AllocationManagerAbi,
    functionName: 'getAllocatedStake',
    args: [{ avs: devnet.deployment.stateProofs.serviceManager, id: 0 }, [...operators], [devnet.deployment.eigenlayer.strategies[0]]],
  });
  return new Map(operators.map((o, i) => [getAddress(o), stake[i][0]]));
}

/** `account`'s balance change, wei, over the block that mined `receipt` (one transaction per block on the devnet). */
async function balanceChangeIn(client: PublicClient, account: Address, receipt: TransactionReceipt): Promise<bigint> {
  const before = await client.getBalance({ address: account, blockNumber: receipt.blockNumber - 1n });
  const after = await client.getBalance({ address: account, blockNumber: receipt.blockNumber });
  return after - before;
}

/** Has the truth of `attestation`'s query bridged to the MainChainVerifier: RemoteChainVerifier.verifyState, paid by `account`. */
async function verifyOnSource(devnet: Devnet, account: PrivateKeyAccount, attestation: StateAttestation): Promise<void> {
  const remote = remoteOf(devnet);
  const main = mainOf(devnet);
  const contract = { address: remote.chain.remoteChainVerifier!, abi: RemoteChainVerifierAbi } as const;
  const { rlp } = await fetchBlockHeader(remote.client, attestation.blockNumber);
  const fee = await remote.client.readContract({ ...contract, functionName: 'quoteFee' });
  const hash = await makeWalletClient(REMOTE_CHAIN, remote.rpcUrl, account).writeContract({
    ...contract,
    functionName: 'verifyState',
    args: [attestation.user, attestation.key, rlp],
    value: fee,
  });
  await expectSuccess(remote.client, hash, 'RemoteChainVerifier.verifyState');
  await waitUntil(async () => {
    const [verified] = await main.client.readContract({
      ...main.verifier,
      functionName: 'getVerifiedState',
      args: [attestation.chainId, attestation.user, attestation.key, attestation.blockNumber],
    });
    return verified;
  }, 'the relayer to bridge the verified state to the main chain');
}

/** Logs of `eventName` the resolver emitted for `challengeId` since genesis. */
async function resolverEvents(devnet: Devnet, eventName: 'ChallengeSubmitted' | 'ChallengeSucceeded', challengeId: Hex) {
  const main = mainOf(devnet);
  return main.client.getContractEvents({ ...main.resolver, eventName, args: { challengeId }, fromBlock: 0n });
}

// ---------------------------------------------------------------------------------------------------------------------
// Challenges that fail, expire, succeed; made-up claims; the resolver's books
// ---------------------------------------------------------------------------------------------------------------------

describe('disputes on a devnet', () => {
  let devnet: Devnet;
  let dir: string;
  /** A third party who challenges correct proofs (anvil dev account 5), and one who only calls resolveChallenge (6). */
  const challenger = devAccount(5);
  const resolverCaller = devAccount(6);
  let minBond: bigint;
  /** Correct proofs, one per scenario that needs one (all requested before anyone is slashed). */
  let correct: { madeUp: ProofTask; fails: ProofTask; expires: ProofTask };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-disputes-test-'));
    devnet = await startDevnet({
      operators: 5,
      remoteChains: 1,
      dir,
      services: devnetServices({ logger: logger(), faulty: { operators: 4, fault } }),
    });
    const main = mainOf(devnet);
    minBond = await main.client.readContract({ ...main.resolver, functionName: 'MIN_BOND' });
    const base = BigInt(Date.now());
    correct = {
      madeUp: await proveOnRemote(devnet, 1n, base + 1n),
      fails: await proveOnRemote(devnet, 2n, base + 2n),
      expires: await proveOnRemote(devnet, 3n, base + 3n),
    };
  });

  after(async () => {
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses made-up claims with the resolver\'s custom errors', async () => {
    const main = mainOf(devnet);
    const proof = correct.madeUp;
    const attestation = attestationOf(proof);
    const sigData = proof.sigData!;
    const domain = { chainId: main.chainId, verifyingContract: devnet.deployment.stateProofs.serviceManager };
    const simulate = (a: StateAttestation, s: Hex, bond = minBond) => () =>
      main.client.simulateContract({ ...main.resolver, account: challenger, functionName: 'submitChallenge', args: challengeArgs(a, s), value: bond });
    const decoded = decodeSigData(sigData);
    const signed = decoded.operators.map((operator, i) => ({ operator, signature: decoded.signatures[i] }));

    // An attestation the quorum never signed: the real signatures, a different value.
    const tampered = { ...attestation, value: attestation.value + 1n };
    const never = await revertOf(simulate(tampered, sigData));
    assert.deepEqual(never, { errorName: 'InvalidQuorumSignature', args: [attestationDigest(domain, tampered)] });

    // Signatures over the real digest by keys that are no registered operator's.
    const digest = attestationDigest(domain, attestation);
    assert.equal(digest, proof.digest);
    const strangers = [1, 2, 3].map((i) => signingKeyFromPrivateKey(derivedPrivateKey(`not-an-operator/${i}`)));
    const forged = encodeSigData(strangers.map((k) => ({ operator: k.address, signature: signDigest(k, digest) })), attestation.epoch);
    assert.deepEqual(await revertOf(simulate(attestation, forged)), { errorName: 'InvalidQuorumSignature', args: [digest] });

    // One real signer's signature: below the threshold.
    const one = encodeSigData(signed.slice(0, 1), attestation.epoch);
    assert.deepEqual(await revertOf(simulate(attestation, one)), { errorName: 'InvalidQuorumSignature', args: [digest] });

    // The real sigData under an attestation that names another epoch: the epoch is part of the signed digest, so the
    // quorum never signed it (a proof is admissible exactly when the registry verifies it).
    const otherEpoch = { ...attestation, epoch: attestation.epoch - 1 };
    assert.deepEqual(await revertOf(simulate(otherEpoch, sigData)), {
      errorName: 'InvalidQuorumSignature',
      args: [attestationDigest(domain, otherEpoch)],
    });

    // A bond below the minimum, against the real proof.
    assert.deepEqual(await revertOf(simulate(attestation, sigData, minBond - 1n)), { errorName: 'InvalidBond', args: [minBond - 1n, minBond] });

    // The real proof itself would be accepted: the refusals above are about the claims, not the query.
    const accepted = await simulate(attestation, sigData)();
    assert.equal(accepted.result.toLowerCase(), proof.taskId.toLowerCase());
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [proof.taskId] }), Status.None);
  });

  it('fails a challenge of a correct proof once the truth is bridged: bond to the bond recipient, nobody slashed', async () => {
    const main = mainOf(devnet);
    const proof = correct.fails;
    const attestation = attestationOf(proof);
    const operators = devnet.operators.map((o) => o.address);
    const sharesBefore = await allocatedShares(devnet, operators);

    await submitChallenge(devnet, challenger, attestation, proof.sigData!, minBond);
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [proof.taskId] }), Status.Open);
    await verifyOnSource(devnet, challenger, attestation);
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'previewResolution', args: [proof.taskId] }), Status.Rejected);

    const bondRecipient = await main.client.readContract({ ...main.resolver, functionName: 'BOND_RECIPIENT' });
    const receipt = await resolveChallenge(devnet, resolverCaller, proof.taskId);
    const logs = parseEventLogs({ abi: StateDisputeResolverAbi, logs: receipt.logs });
    const failed = logs.filter((l) => l.eventName === 'ChallengeFailed');
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0].args, { challengeId: proof.taskId, bondRecipient, bond: minBond });
    assert.equal(logs.filter((l) => l.eventName === 'SignerSlashed' || l.eventName === 'SignerSlashSkipped').length, 0, 'nobody slashed');
    assert.equal(await balanceChangeIn(main.client, bondRecipient, receipt), minBond, 'the bond went to the bond recipient');
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [proof.taskId] }), Status.Rejected);
    assert.deepEqual(await allocatedShares(devnet, operators), sharesBefore, 'no allocation changed');
  });

  it('expires a challenge nobody verifies: after its deadline the bond goes back to the challenger', async () => {
    const main = mainOf(devnet);
    const proof = correct.expires;
    const attestation = attestationOf(proof);

    await submitChallenge(devnet, challenger, attestation, proof.sigData!, minBond);
    const { deadline } = await main.client.readContract({ ...main.resolver, functionName: 'getChallenge', args: [proof.taskId] });
    const early = await revertOf(() => main.client.simulateContract({ ...main.resolver, account: resolverCaller, functionName: 'resolveChallenge', args: [proof.taskId, []] }));
    assert.deepEqual(early, { errorName: 'NotYetVerified', args: [proof.taskId, deadline] });

    // Every chain moves together (the verifier compares timestamps across chains).
    await advanceChainsTo([...devnet.clients.values()], deadline + 1n);
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'previewResolution', args: [proof.taskId] }), Status.Expired);
    const receipt = await resolveChallenge(devnet, resolverCaller, proof.taskId);
    const expired = parseEventLogs({ abi: StateDisputeResolverAbi, logs: receipt.logs, eventName: 'ChallengeExpired' });
    assert.equal(expired.length, 1);
    assert.deepEqual(expired[0].args, { challengeId: proof.taskId, challenger: challenger.address, bond: minBond });
    assert.equal(await balanceChangeIn(main.client, challenger.address, receipt), minBond, 'the bond went back to the challenger');
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [proof.taskId] }), Status.Expired);
  });

  it('the challenger catches a wrong proof and succeeds: signers slashed, challenger paid, aggregator drops them', async (t) => {
    const main = mainOf(devnet);
    const operators = devnet.operators.map((o) => o.address);
    const sharesBefore = await allocatedShares(devnet, operators);
    const written = BigInt(Date.now());
    const wrong = await proveOnRemote(devnet, FAULT_KEY, written);
    assert.equal(wrong.attestation.value, written + 1n, 'the faulty operators signed value + 1');
    const signers = wrong.signers.map((s) => getAddress(s.operator));
    const honest = operators.filter((o) => !signers.includes(o));
    assert.ok(signers.length >= 2 && honest.length >= 1, `signers ${signers.join(', ')}`);

    const journal = devnet.services!.challenger!.journal;
    const dispute = await waitUntil(async () => {
      const d = await journal.get(wrong.taskId);
      return d && (d.stage === 'resolved' || d.stage === 'abandoned') ? d : undefined;
    }, 'the challenger to finish the dispute');
    const match = /^slashed \((0x[0-9a-f]{64})\)$/.exec(dispute.detail ?? '');
    assert.ok(dispute.stage === 'resolved' && match, `dispute ${dispute.stage}: ${dispute.detail}`);
    assert.deepEqual(dispute.truth, { value: written, exists: true });
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [wrong.taskId] }), Status.Slashed);

    // Paid bond + reward, in the resolution's own transaction (sent by the challenger, so its gas is subtracted).
    const receipt = await main.client.getTransactionReceipt({ hash: match[1] as Hex });
    const logs = parseEventLogs({ abi: StateDisputeResolverAbi, logs: receipt.logs });
    const succeeded = logs.flatMap((l) => (l.eventName === 'ChallengeSucceeded' ? [l.args] : []));
    assert.equal(succeeded.length, 1);
    const { bond, reward } = succeeded[0];
    const configuredReward = await main.client.readContract({ ...main.resolver, functionName: 'CHALLENGER_REWARD' });
    const wadToSlash = await main.client.readContract({ ...main.resolver, functionName: 'WAD_TO_SLASH' });
    const slashing = await main.client.readContract({ ...main.resolver, functionName: 'getSlashing', args: [wrong.digest!] });
    assert.equal(bond, minBond);
    // The reward is for the stake actually slashed: CHALLENGER_REWARD × weight slashed / (WAD_TO_SLASH × weight signed).
    const full = (slashing.signedWeight * wadToSlash) / 10n ** 18n;
    const earned = slashing.weightSlashed >= full ? configuredReward : (configuredReward * slashing.weightSlashed) / full;
    assert.equal(reward, earned);
    assert.equal(slashing.rewardPaid, reward);
    assert.ok(reward > 0n && reward <= configuredReward);
    assert.equal(slashing.slashed, BigInt(signers.length));
    assert.equal(dispute.slashing && formatSlashing(dispute.slashing), `slashed ${signers.length} of ${signers.length}`);
    assert.equal(getAddress(receipt.from), devnet.challenger.address);
    assert.equal(
      await balanceChangeIn(main.client, devnet.challenger.address, receipt),
      bond + reward - receipt.gasUsed * receipt.effectiveGasPrice,
      'the challenger got bond + reward',
    );

    // Every signer slashed (and only they), by the stake its SignerSlashed event reports.
    const slashedEvents = logs.flatMap((l) => (l.eventName === 'SignerSlashed' ? [l.args] : []));
    assert.deepEqual(slashedEvents.map((e) => getAddress(e.operator)).sort(), [...signers].sort());
    const sharesAfter = await allocatedShares(devnet, operators);
    for (const e of slashedEvents) {
      const o = getAddress(e.operator);
      const before = sharesBefore.get(o)!;
      const after = sharesAfter.get(o)!;
      assert.ok(after < before, `${o} slashed: ${before} → ${after}`);
      assert.ok(e.shares[0] > 0n && e.shares[0] <= before, `${o}: ${e.shares[0]} shares slashed`);
      // The allocated stake drops by WAD_TO_SLASH of itself (magnitude rounded up: at most 1 wei-share more).
      const expected = (before * wadToSlash) / 10n ** 18n;
      assert.ok(before - after >= expected && before - after <= expected + 1n, `${o}: allocation ${before} → ${after}`);
      assert.equal(e.weight, e.shares[0], 'weight = shares × 1 (the devnet multiplier)');
      t.diagnostic(`${o}: ${e.shares[0]} shares slashed (allocated ${before} → ${after})`);
    }
    for (const o of honest) assert.equal(sharesAfter.get(o), sharesBefore.get(o), `${o} did not sign and keeps its allocation`);

    // The aggregator no longer counts them.
    const slashed = new Set(signers.map((s) => s.toLowerCase()));
    const listed = await waitUntil(async () => {
      const body = (await (await fetch(`${devnet.services!.aggregatorUrl}/v1/operators`)).json()) as { operators: { operator: string }[] };
      const left = body.operators.map((o) => o.operator.toLowerCase());
      return left.some((o) => slashed.has(o)) ? undefined : left;
    }, 'the aggregator to drop the slashed operators');
    assert.deepEqual(listed.sort(), honest.map((o) => o.toLowerCase()).sort());
  });

  it('holds exactly what it owes: reward pool + deferred payments, no bond left behind', async () => {
    const main = mainOf(devnet);
    const read = <F extends 'rewardPool' | 'totalOpenBonds' | 'totalPendingWithdrawals'>(functionName: F) =>
      main.client.readContract({ ...main.resolver, functionName });
    const [balance, pool, openBonds, pending] = await Promise.all([
      main.client.getBalance({ address: main.resolver.address }),
      read('rewardPool'),
      read('totalOpenBonds'),
      read('totalPendingWithdrawals'),
    ]);
    assert.equal(openBonds, 0n, 'every challenge above was resolved');
    assert.equal(balance, pool + openBonds + pending, 'balance = reward pool + open bonds + deferred payments');

    // The pool is what was funded minus the rewards paid; every payment was pushed (none deferred).
    const events = await main.client.getContractEvents({ ...main.resolver, fromBlock: 0n });
    const sum = (name: string, pick: (args: Record<string, unknown>) => bigint) =>
      events.filter((e) => e.eventName === name).reduce((total, e) => total + pick(e.args as Record<string, unknown>), 0n);
    const funded = sum('RewardPoolFunded', (a) => a.amount as bigint);
    const rewards = sum('ChallengerRewarded', (a) => a.amount as bigint);
    assert.ok(funded > 0n && rewards > 0n);
    assert.equal(pool, funded - rewards);
    assert.equal(events.filter((e) => e.eventName === 'PaymentDeferred').length, 0);
    assert.equal(pending, 0n);
    const submitted = events.filter((e) => e.eventName === 'ChallengeSubmitted').length;
    const ended = events.filter((e) => ['ChallengeSucceeded', 'ChallengeFailed', 'ChallengeExpired'].includes(e.eventName)).length;
    assert.equal(submitted, 3);
    assert.equal(ended, submitted);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// A challenger restarted mid-dispute
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Each case on its own devnet (the dispute slashes the whole quorum). `journalLagsChain`: the journal is then set back
 * to `found`, the state a crash leaves between the submitChallenge transaction being mined and its journal write.
 */
const restartCases = [
  { name: 'a challenger restarted mid-dispute', journalLagsChain: false },
  { name: 'a challenger that died before journaling its mined challenge', journalLagsChain: true },
] as const;

for (const { name, journalLagsChain } of restartCases) {
  describe(name, () => {
    let devnet: Devnet;
    let dir: string;
    let restarted: RunningChallenger | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'avs-disputes-restart-'));
      devnet = await startDevnet({
        operators: 4,
        remoteChains: 1,
        dir,
        services: devnetServices({ logger: logger(), faulty: { operators: 4, fault } }),
      });
    });

    after(async () => {
      await restarted?.stop();
      await devnet?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const title = journalLagsChain
      ? 'finds its challenge open on chain and finishes the dispute without a second one'
      : 'finishes the dispute from its journal exactly once';
    it(title, async () => {
      const main = mainOf(devnet);
      const remote = remoteOf(devnet);
      const first = devnet.services!.challenger!;
      const account = devnet.challenger.address;
      const nonces = async () => ({
        main: await main.client.getTransactionCount({ address: account }),
        remote: await remote.client.getTransactionCount({ address: account }),
      });
      const noncesBefore = await nonces();

      // Stop the challenger as soon as it has journaled its submitChallenge (stop() takes effect at the stage boundary).
      let stopping: Promise<void> | undefined;
      const challenged = new Promise<Hex>((resolve) => {
        first.challenger.onDispute((d) => {
          if (d.stage !== 'challenged' || stopping) return;
          stopping = first.challenger.stop();
          resolve(d.challengeId);
        });
      });
      const written = BigInt(Date.now());
      const wrong = await proveOnRemote(devnet, FAULT_KEY, written);
      assert.equal(wrong.attestation.value, written + 1n);
      const challengeId = await waitUntil(
        () => Promise.race([challenged, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000))]),
        'the challenger to submit its challenge',
      );
      assert.equal(challengeId.toLowerCase(), wrong.taskId.toLowerCase());
      await first.stop();

      // Mid-dispute: challenged on chain and in the journal, not verified, not resolved.
      const journalDb = await openDatabase({ sqlitePath: join(devnet.dataDir, 'challenger.sqlite'), name: 'challenger' });
      const journaled = await new ChallengerJournal(journalDb.kysely as never).get(wrong.taskId).finally(() => journalDb.close());
      assert.equal(journaled?.stage, 'challenged');
      assert.equal((await resolverEvents(devnet, 'ChallengeSubmitted', wrong.taskId))[0]?.transactionHash, journaled?.detail);
      assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [wrong.taskId] }), Status.Open);
      const a = attestationOf(wrong);
      const [verified] = await main.client.readContract({ ...main.verifier, functionName: 'getVerifiedState', args: [a.chainId, a.user, a.key, a.blockNumber] });
      assert.equal(verified, false);
      assert.deepEqual(await nonces(), { main: noncesBefore.main + 1, remote: noncesBefore.remote }, 'one transaction so far: submitChallenge');
      if (journalLagsChain) {
        const db = await openDatabase({ sqlitePath: join(devnet.dataDir, 'challenger.sqlite'), name: 'challenger' });
        await new ChallengerJournal(db.kysely as never).advance(wrong.taskId, 'found', null).finally(() => db.close());
      }

      // Started again on the same journal, it resumes the dispute and resolves it.
      restarted = await startDevnetChallenger(devnet, { aggregatorUrl: devnet.services!.aggregatorUrl!, logger: logger() });
      const done = await waitUntil(async () => {
        const d = await restarted!.journal.get(wrong.taskId);
        return d && (d.stage === 'resolved' || d.stage === 'abandoned') ? d : undefined;
      }, 'the restarted challenger to finish the dispute');
      assert.match(done.detail ?? '', /^slashed \(0x[0-9a-f]{64}\)$/, `dispute ${done.stage}: ${done.detail}`);
      assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [wrong.taskId] }), Status.Slashed);

      // Exactly once: one challenge and one success on chain, and the challenger's account sent exactly submitChallenge and
      // resolveChallenge on the main chain and one verifyState on the source chain (a second submitChallenge, even a
      // reverted one, would show in the nonce).
      assert.equal((await resolverEvents(devnet, 'ChallengeSubmitted', wrong.taskId)).length, 1);
      assert.equal((await resolverEvents(devnet, 'ChallengeSucceeded', wrong.taskId)).length, 1);
      assert.deepEqual(await nonces(), { main: noncesBefore.main + 2, remote: noncesBefore.remote + 1 });
      assert.deepEqual(await restarted.journal.open(), []);
      assert.equal((await restarted.journal.all()).length, 1);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Slashing paused in EigenLayer when the dispute resolves
// ---------------------------------------------------------------------------------------------------------------------

describe('a dispute resolved while EigenLayer slashing is paused', () => {
  let devnet: Devnet;
  let dir: string;
  /** The AllocationManager's pause flag of slashOperator (v1.12.0: bit 1). */
  const SLASHING_PAUSED = 1n << 1n;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-disputes-paused-'));
    devnet = await startDevnet({
      operators: 4,
      remoteChains: 1,
      dir,
      services: devnetServices({ logger: logger(), faulty: { operators: 4, fault } }),
    });
  });

  after(async () => {
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails every slash retryably, reports why, and slashes every signer once slashing is unpaused', async () => {
    const main = mainOf(devnet);
    const allocationManager = { address: devnet.deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
    // The devnet deployer is the core's pauser.
    const pauser = makeWalletClient(main.chainId, main.rpcUrl, devnet.deployer);
    await expectSuccess(main.client, await pauser.writeContract({ ...allocationManager, functionName: 'pause', args: [SLASHING_PAUSED] }), 'pause');
    assert.equal(await main.client.readContract({ ...allocationManager, functionName: 'paused', args: [1] }), true);

    const operators = devnet.operators.map((o) => o.address);
    const sharesBefore = await allocatedShares(devnet, operators);
    const written = BigInt(Date.now());
    const wrong = await proveOnRemote(devnet, FAULT_KEY, written);
    const firstSigners = wrong.signers.map((s) => getAddress(s.operator));

    // Resolved, but every slash failed with CurrentlyPaused(): retryable, reported by the challenger and on chain.
    // The proof can gain signers in the aggregator's late window after it was first read, so the signers are the ones
    // the challenger found in the proof it challenged: every first signer, and maybe more.
    const journal = devnet.services!.challenger!.journal;
    let seen: unknown;
    const failing = await waitUntil(async () => {
      const d = await journal.get(wrong.taskId);
      seen = d && { stage: d.stage, detail: d.detail, slashing: d.slashing && { signers: d.slashing.signers, slashed: d.slashing.slashed, failed: d.slashing.failed, pending: d.slashing.pending } };
      const s = d?.slashing;
      return d?.stage === 'slashing' && s && s.slashed === 0 && s.failed === s.signers && s.signers >= firstSigners.length ? d : undefined;
    }, 'the challenger to resolve the dispute with every slash failed', () => `last journal entry: ${JSON.stringify(seen)}`);
    const signers = failing.slashing!.problems.map((p) => getAddress(p.operator));
    for (const o of firstSigners) assert.ok(signers.includes(o), `${o} signed the wrong proof and is among the failed slashes`);
    const n = signers.length;
    assert.match(failing.detail ?? '', /^slashed \(0x[0-9a-f]{64}\)$/);
    assert.equal(failing.slashing!.slashed, 0);
    assert.deepEqual(
      failing.slashing!.problems.map((p) => [p.operator, p.state, p.reason]).sort(),
      signers.map((o) => [o, 'failed', 'CurrentlyPaused()']).sort(),
    );
    assert.match(formatSlashing(failing.slashing!), new RegExp(`^slashed 0 of ${n}; `));
    assert.equal(await main.client.readContract({ ...main.resolver, functionName: 'challengeStatus', args: [wrong.taskId] }), Status.Slashed);
    const onChain = await main.client.readContract({ ...main.resolver, functionName: 'getSlashing', args: [wrong.digest!] });
    assert.deepEqual([onChain.slashed, onChain.failed, onChain.rewardPaid], [0n, BigInt(n), 0n], 'no reward while nothing is slashed');
    assert.deepEqual(await allocatedShares(devnet, operators), sharesBefore, 'nothing slashed while paused');

    // Unpaused: the challenger's next retry slashes every signer and earns the reward.
    await expectSuccess(main.client, await pauser.writeContract({ ...allocationManager, functionName: 'unpause', args: [0n] }), 'unpause');
    const done = await waitUntil(async () => {
      const d = await journal.get(wrong.taskId);
      return d?.stage === 'resolved' ? d : undefined;
    }, 'the challenger to retry the failed slashes');
    assert.equal(formatSlashing(done.slashing!), `slashed ${n} of ${n}`);
    assert.ok(done.slashAttempts >= 1);
    const sharesAfter = await allocatedShares(devnet, operators);
    for (const o of signers) assert.ok(sharesAfter.get(o)! < sharesBefore.get(o)!, `${o} slashed on retry`);
    const finalState = await main.client.readContract({ ...main.resolver, functionName: 'getSlashing', args: [wrong.digest!] });
    assert.deepEqual([finalState.slashed, finalState.failed, finalState.skipped], [BigInt(n), 0n, 0n]);
    assert.ok(finalState.rewardPaid > 0n, 'the reward follows the retried slashes');
    const rewarded = await main.client.getContractEvents({ ...main.resolver, eventName: 'ChallengerRewarded', args: { digest: wrong.digest! }, fromBlock: 0n });
    assert.equal(rewarded.length, 1);
    assert.equal(getAddress(rewarded[0].args.challenger!), devnet.challenger.address);
  });
});
