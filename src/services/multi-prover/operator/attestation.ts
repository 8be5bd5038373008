/**
 * Keeps an operator's prover live on-chain (docs/decisions/multi-prover-0001-liveness.md): the keeper owns the
 * prover's TEE (the enclave whose key signs states), builds the LivenessReport against a recent main-chain block,
 * gets the enclave's attestation, checks it as the chain's verifier will, submits it with
 * TEELivenessVerifier.submitLivenessProof from the operator's account (or an account the PermissionController lets act
 * for it), and renews it before `liveUntil`. RPC failures are retried with backoff.
 *
 * It never attests for nothing: each round reads `getProver` first, and submits only when the record is not this
 * enclave's key (first start, or a restart with a new enclave) or is due for renewal. A restarted node with a new
 * enclave therefore attests once; one whose enclave kept its key (a sealed SGX key) attests only when due.
 */
import { type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient, isAddressEqual } from 'viem';
import { DevnetAttestationVerifierAbi, TEELivenessVerifierAbi } from '../../../core/chain/abis/generated/index.ts';
import { describeRevert } from '../../../core/chain/transactions.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { TEE_TYPE_NUMBERS, type TeeTypeName } from '../deployment.ts';
import type { EnclaveSigner } from '../prover/types.ts';
import {
  DEVNET_ENCLAVE_ATTRIBUTES,
  DEVNET_MRSIGNER,
  DEVNET_PROVER_CODE_IDENTITY,
  DevnetEnclave,
  type EnclaveMeasurement,
  devnetMrEnclave,
} from '../tee/devnetEnclave.ts';
import { DevnetQuotingKey } from '../tee/devnetQuotingKey.ts';
import { type LivenessReport, type Measurement, buildLivenessReport, livenessReportData, verifyDevnetAttestation } from '../tee/liveness.ts';

/** What an attestation verified off-chain says: the enclave's measurements and the 64 bytes of report data. */
export type VerifiedAttestation = { measurements: Measurement[]; reportData: Hex };

/**
 * The TEE a prover runs in, as the keeper needs it: its enclave-held key, attestations of report data, and the check
 * of an attestation that the chain's IAttestationVerifier of the same type makes. Devnet: {@link DevnetTee}; SGX and
 * TDX implement the same interface with their quotes.
 */
export interface ProverTee {
  /** The TEE type, as the deployment names it. */
  readonly teeType: TeeTypeName;
  /** The enclave's key: it signs the prover's states and is the prover key liveness reports name. */
  readonly enclave: EnclaveSigner;
  /**
   * The attestation the chain's verifier of {@link ProverTee.teeType} reads, binding `reportData`.
   * @param reportData exactly 64 bytes.
   */
  attest(reportData: Hex): Promise<Hex>;
  /**
   * Checks `attestation` as that verifier will (signature, chain of trust, debug mode, ...).
   * @throws a named error when the verifier would refuse it.
   */
  verify(attestation: Hex): Promise<VerifiedAttestation>;
}

/** The measurement of the devnet prover enclave of `codeIdentity` (a production, non-DEBUG enclave). */
export function devnetProverMeasurement(codeIdentity: string = DEVNET_PROVER_CODE_IDENTITY): EnclaveMeasurement {
  return { mrEnclave: devnetMrEnclave(codeIdentity), mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES };
}

/** Options of {@link DevnetTee}. */
export type DevnetTeeOptions = {
  /** The address of the attestation key the deployment's DevnetAttestationVerifier accepts. */
  attestationKey: Address;
  /** The enclave; default a new {@link DevnetEnclave} (a fresh key) of {@link devnetProverMeasurement}. */
  enclave?: DevnetEnclave;
  /** Signs report bodies; default the devnet's well-known key. */
  quotingKey?: DevnetQuotingKey;
};

/** The devnet TEE: a {@link DevnetEnclave} quoted by the devnet attestation key. */
export class DevnetTee implements ProverTee {
  readonly teeType = 'devnet' as const;
  readonly enclave: DevnetEnclave;
  readonly #quoting: DevnetQuotingKey;
  readonly #attestationKey: Address;

  constructor(options: DevnetTeeOptions) {
    this.enclave = options.enclave ?? new DevnetEnclave(devnetProverMeasurement());
    this.#quoting = options.quotingKey ?? new DevnetQuotingKey();
    this.#attestationKey = options.attestationKey;
  }

  async attest(reportData: Hex): Promise<Hex> {
    return this.#quoting.quote(this.enclave.attest(reportData));
  }

  /** @throws {InvalidAttestationLengthError}, {InvalidAttestationSignatureError}, {DebugEnclaveNotAllowedError} (tee/liveness.ts). */
  async verify(attestation: Hex): Promise<VerifiedAttestation> {
    const { measurements, reportData } = verifyDevnetAttestation(attestation, this.#attestationKey);
    return { measurements, reportData };
  }
}

/**
 * The devnet attestation key of a DevnetAttestationVerifier (its `attestationKey()`), for {@link DevnetTee}.
 */
export async function devnetAttestationKeyOf(client: PublicClient, verifier: Address): Promise<Address> {
  return client.readContract({ address: verifier, abi: DevnetAttestationVerifierAbi, functionName: 'attestationKey' });
}

/** The enclave's attestation does not carry the report data of the liveness report (the chain would refuse it). */
export class AttestationReportDataMismatchError extends Error {
  override name = 'AttestationReportDataMismatchError';
}

/** None of the enclave's measurements is allowed for its TEE type on-chain (the chain would refuse it). */
export class MeasurementNotAllowedError extends Error {
  override name = 'MeasurementNotAllowedError';
}

/** The liveness transaction was mined but reverted. */
export class LivenessProofRevertedError extends Error {
  override name = 'LivenessProofRevertedError';
}

/** Options of {@link AttestationKeeper}. */
export type AttestationKeeperOptions = {
  tee: ProverTee;
  /** The operator the prover serves. */
  operator: Address;
  /** Main-chain client (reads, receipts). */
  client: PublicClient;
  /** Sends the liveness transactions: the operator's account, or an appointee of it for submitLivenessProof. */
  wallet: WalletClient<Transport, Chain, Account>;
  /** The deployment's TEELivenessVerifier. */
  livenessVerifier: Address;
  /**
   * Renew this many seconds before `liveUntil` (default 300). Never later than half-way through the validity, so a
   * short validity does not make the keeper attest back to back.
   */
  renewBeforeSeconds?: number;
  /** Backoff after a failed round, ms (default 1,000 doubling up to 60,000). */
  retryDelayMs?: { min: number; max: number };
  logger?: Logger;
};

/** What one round did: kept the record on-chain, or submitted a new proof; and the prover's liveness after it. */
export type AttestationRound = { action: 'kept' | 'submitted'; proverKey: Address; attestedAt: number; liveUntil: number };

/** Counters (metrics, tests). */
export type AttestationKeeperStats = { attestationsSubmitted: number; failedRounds: number; lastError?: string };

/** Keeps one prover live (see the module comment). */
export class AttestationKeeper {
  readonly stats: AttestationKeeperStats = { attestationsSubmitted: 0, failedRounds: 0 };
  #liveUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #round: Promise<AttestationRound> | undefined;
  #failures = 0;
  #readyWaiters: (() => void)[] = [];
  readonly #teeType: number;

  constructor(private readonly options: AttestationKeeperOptions) {
    this.#teeType = TEE_TYPE_NUMBERS[options.tee.teeType];
  }

  /** The prover key (the enclave's). */
  get proverKey(): Address {
    return this.options.tee.enclave.address;
  }

  /** When this prover's liveness ends on-chain as last seen, unix seconds (0: not live as far as the keeper knows). */
  get liveUntil(): number {
    return this.#liveUntil;
  }

  /** Starts the rounds in the background: one now, then before each expiry; failed rounds are retried with backoff. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Resolves once a round has seen this prover live on-chain. */
  async ready(): Promise<void> {
    if (this.#liveUntil > 0) return;
    await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Stops scheduling rounds and waits for one under way. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#round?.catch(() => undefined);
  }

  /**
   * One round: reads the on-chain record, and submits a new proof when it is another key's or due for renewal.
   * @throws {AttestationReportDataMismatchError} / {MeasurementNotAllowedError} / the TEE's verification errors when the
   *   attestation would be refused; {LivenessProofRevertedError} when the transaction reverted; RPC errors as viem's.
   */
  refresh(): Promise<AttestationRound> {
    this.#round ??= this.#refresh().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #refresh(): Promise<AttestationRound> {
    const { client, livenessVerifier, operator } = this.options;
    const latest = await client.getBlock({ blockTag: 'latest' });
    const record = await this.#prover();
    if (isAddressEqual(record.proverKey, this.proverKey) && latest.timestamp < this.#renewAt(record)) {
      this.#seen(record);
      return { action: 'kept', proverKey: this.proverKey, attestedAt: Number(record.attestedAt), liveUntil: Number(record.liveUntil) };
    }
    const chainId = await client.getChainId();
    // The block before the latest: the contract needs a block before the current one, and a node's eth_call (the
    // simulation) may run in the context of the latest block itself.
    const reference = latest.number! > 0n ? await client.getBlock({ blockNumber: latest.number! - 1n }) : latest;
    const report = buildLivenessReport({ proverKey: this.proverKey, operator, referenceBlock: { number: reference.number!, hash: reference.hash! } });
    const attestation = await this.#checkedAttestation(report, chainId);
    const { request } = await client.simulateContract({
      account: this.options.wallet.account,
      address: livenessVerifier,
      abi: TEELivenessVerifierAbi,
      functionName: 'submitLivenessProof',
      args: [this.#teeType, report, attestation],
    });
    const hash = await this.options.wallet.writeContract(request);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new LivenessProofRevertedError(`submitLivenessProof reverted in transaction ${hash}`);
    this.stats.attestationsSubmitted++;
    const after = await this.#prover();
    this.#seen(after);
    this.options.logger?.info({ proverKey: this.proverKey, liveUntil: Number(after.liveUntil), tx: hash }, 'prover attested live');
    return { action: 'submitted', proverKey: this.proverKey, attestedAt: Number(after.attestedAt), liveUntil: Number(after.liveUntil) };
  }

  /** The enclave's attestation of `report`, checked as the chain will check it before any gas is spent. */
  async #checkedAttestation(report: LivenessReport, chainId: number): Promise<Hex> {
    const { client, livenessVerifier, tee } = this.options;
    const reportData = livenessReportData(report, chainId, livenessVerifier);
    const attestation = await tee.attest(reportData);
    const verified = await tee.verify(attestation);
    if (verified.reportData.toLowerCase() !== reportData.toLowerCase()) {
      throw new AttestationReportDataMismatchError(`the enclave attested report data ${verified.reportData}, the liveness report needs ${reportData}`);
    }
    const allowed = await Promise.all(
      verified.measurements.map((m) =>
        client.readContract({ address: livenessVerifier, abi: TEELivenessVerifierAbi, functionName: 'isMeasurementAllowed', args: [this.#teeType, m.kind, m.value] }),
      ),
    );
    if (!allowed.some(Boolean)) {
      const list = verified.measurements.map((m) => `${['MRENCLAVE', 'MRSIGNER', 'MRTD'][m.kind]} ${m.value}`).join(', ');
      throw new MeasurementNotAllowedError(`no measurement of the ${tee.teeType} enclave is allowed by the TEELivenessVerifier ${livenessVerifier}: ${list}`);
    }
    return attestation;
  }

  #prover() {
    return this.options.client.readContract({
      address: this.options.livenessVerifier,
      abi: TEELivenessVerifierAbi,
      functionName: 'getProver',
      args: [this.options.operator, this.#teeType],
    });
  }

  /** When a record is due: `renewBeforeSeconds` before its end, but not before half its validity has passed. */
  #renewAt(record: { attestedAt: bigint; liveUntil: bigint }): bigint {
    const before = BigInt(this.options.renewBeforeSeconds ?? 300);
    const half = (record.liveUntil - record.attestedAt) / 2n;
    return record.liveUntil - (before < half ? before : half);
  }

  #seen(record: { proverKey: Address; liveUntil: bigint }): void {
    this.#liveUntil = isAddressEqual(record.proverKey, this.proverKey) ? Number(record.liveUntil) : 0;
    if (this.#liveUntil > 0) for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    // setTimeout holds at most 2^31 - 1 ms; a later round is simply re-planned by the one that runs.
    this.#timer = setTimeout(() => void this.#loop(), Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
  }

  async #loop(): Promise<void> {
    if (!this.#running) return;
    try {
      const round = await this.refresh();
      this.#failures = 0;
      this.stats.lastError = undefined;
      const latest = await this.options.client.getBlock({ blockTag: 'latest' });
      const renewAt = this.#renewAt({ attestedAt: BigInt(round.attestedAt), liveUntil: BigInt(round.liveUntil) });
      this.#schedule(Number(renewAt - latest.timestamp) * 1000);
    } catch (error) {
      this.stats.failedRounds++;
      const reason = describeRevert(error);
      this.stats.lastError = reason;
      const { min, max } = this.options.retryDelayMs ?? { min: 1_000, max: 60_000 };
      const delay = Math.min(max, min * 2 ** this.#failures++);
      (this.options.logger ?? silentLogger()).warn({ err: reason, retryInMs: delay }, 'cannot keep the prover live; retrying');
      this.#schedule(delay);
    }
  }
}
