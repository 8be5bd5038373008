/**
 * Which operators' provers are live, as the aggregator screens answers: the TEELivenessVerifier's
 * `LivenessProofSubmitted` and `ProverRevoked` events, scanned incrementally, give each (operator, TEE type) its
 * enclave key and the time its liveness ends; the MultiProverServiceManager's TEE quorums say which TEE type each
 * quorum needs. An answer counts only if the operator's prover is live, now by the main chain's clock, in the TEE
 * type of every quorum it belongs to: MultiProverServiceManager.confirmState refuses the same signers on-chain.
 */
import type { Address, PublicClient } from 'viem';
import { MultiProverServiceManagerAbi, TEELivenessVerifierAbi } from '../../../core/chain/abis/generated/index.ts';
import type { Logger } from '../../../core/logging.ts';
import { eventScanner } from '../../../runtime/chainSnapshots.ts';
import type { OperatorEntry } from '../../../runtime/operatorSet.ts';

/** TEE types as the contracts number them (ITEELivenessVerifier.TeeType). */
export const TEE_TYPE_NAMES = ['none', 'devnet', 'sgx', 'tdx'] as const;
/** A TEE type's name. */
export type TeeTypeName = (typeof TEE_TYPE_NAMES)[number];

/** An operator's prover in one TEE type. */
export type LiveProver = { operator: Address; teeType: TeeTypeName; proverKey: Address; liveUntil: number };

/** Options of {@link createLivenessView}. */
export type LivenessViewOptions = {
  client: PublicClient;
  livenessVerifier: Address;
  serviceManager: Address;
  /** First block to scan (default 0). */
  fromBlock?: bigint;
  /** Period of the background scan, ms (default 1,000). */
  pollMs?: number;
  logger?: Logger;
};

/** The aggregator's view of provers' liveness. */
export type LivenessView = {
  /** Reads the events so far and the quorums' TEE types; then keeps scanning every `pollMs`. */
  start(): Promise<void>;
  stop(): void;
  /** Why `entry`'s answer cannot count now (a quorum whose prover is not live), or undefined when it can. */
  refusal(entry: OperatorEntry): string | undefined;
  /** Every prover seen, live or not (dashboard, API). */
  provers(): LiveProver[];
  /** The main chain's time as last seen, unix seconds (the latest block's timestamp plus the time since it was read). */
  chainNow(): number;
};

/** See the module comment. */
export function createLivenessView(options: LivenessViewOptions): LivenessView {
  const { client, livenessVerifier, serviceManager, logger } = options;
  const provers = new Map<string, LiveProver>();
  const quorumTee = new Map<number, number>();
  const key = (operator: string, teeType: number) => `${operator.toLowerCase()}:${teeType}`;
  let clock = { chain: Math.floor(Date.now() / 1000), at: Date.now() };
  let timer: NodeJS.Timeout | undefined;

  const scanAttestations = eventScanner({
    client,
    address: livenessVerifier,
    abi: TEELivenessVerifierAbi,
    eventName: 'LivenessProofSubmitted',
    fromBlock: options.fromBlock,
    onLogs: (logs) => {
      for (const log of logs) {
        const { operator, teeType, proverKey, liveUntil } = log.args;
        if (!operator || teeType === undefined || !proverKey || liveUntil === undefined) continue;
        provers.set(key(operator, teeType), { operator, teeType: TEE_TYPE_NAMES[teeType] ?? 'none', proverKey, liveUntil: Number(liveUntil) });
      }
    },
  });
  const scanRevocations = eventScanner({
    client,
    address: livenessVerifier,
    abi: TEELivenessVerifierAbi,
    eventName: 'ProverRevoked',
    fromBlock: options.fromBlock,
    onLogs: (logs) => {
      for (const log of logs) {
        const { operator, teeType } = log.args;
        const prover = operator && teeType !== undefined ? provers.get(key(operator, teeType)) : undefined;
        if (prover) prover.liveUntil = 0;
      }
    },
  });

  async function scan(): Promise<void> {
    // Attestations before revocations: a revocation always follows the attestation it ends.
    await scanAttestations();
    await scanRevocations();
    const block = await client.getBlock({ blockTag: 'latest' });
    clock = { chain: Number(block.timestamp), at: Date.now() };
  }

  async function readQuorums(): Promise<void> {
    const numbers = await client.readContract({ address: serviceManager, abi: MultiProverServiceManagerAbi, functionName: 'teeQuorumNumbers' });
    for (const q of Buffer.from(numbers.slice(2), 'hex')) {
      const tee = await client.readContract({ address: serviceManager, abi: MultiProverServiceManagerAbi, functionName: 'getTeeQuorum', args: [q] });
      quorumTee.set(q, Number(tee.teeType));
    }
  }

  const chainNow = () => clock.chain + Math.floor((Date.now() - clock.at) / 1000);
  // A refusal may come from events not read yet (a proof just mined): read them at once, at most every 200 ms.
  let lastEagerScan = 0;
  const scanSoon = () => {
    if (Date.now() - lastEagerScan < 200) return;
    lastEagerScan = Date.now();
    scan().catch(() => undefined);
  };

  return {
    async start() {
      await Promise.all([scan(), readQuorums()]);
      const poll = async () => {
        try {
          await scan();
          await readQuorums();
        } catch (error) {
          logger?.warn({ err: (error as Error).message.split('\n')[0] }, 'cannot scan prover liveness; retrying');
        }
        timer = setTimeout(poll, options.pollMs ?? 1_000);
        timer.unref();
      };
      timer = setTimeout(poll, options.pollMs ?? 1_000);
      timer.unref();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    refusal(entry) {
      const now = chainNow();
      for (const quorum of entry.quorumWeights?.keys() ?? []) {
        const teeType = quorumTee.get(quorum);
        if (teeType === undefined) return `quorum ${quorum} has no TEE type`;
        const prover = provers.get(key(entry.operator, teeType));
        if (!prover || prover.liveUntil <= now) {
          scanSoon();
          const name = TEE_TYPE_NAMES[teeType] ?? `type ${teeType}`;
          return prover ? `its ${name} prover's liveness ended at ${prover.liveUntil}` : `it has no attested ${name} prover`;
        }
      }
      return undefined;
    },
    provers: () => [...provers.values()],
    chainNow,
  };
}
