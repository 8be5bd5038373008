/**
 * Deploys the multi-prover AVS on the main chain of an existing EigenLayer core (the devnet's, or a public network's):
 *
 * EpochManager (the deployment's epoch clock) → MultiProverServiceManager → MultiProverRegistry (BLS keys, per-quorum
 * weights) ← wired as the ServiceManager's stake registry → EquivocationSlasher (slashes and freezes operators that sign
 * two states for one committee and metadata; the slasher of the operator sets, and so the registry's only freezer);
 * TEELivenessVerifier (the PermissionController of the core decides who may act for an operator), with one attestation
 * verifier per TEE type (a DevnetAttestationVerifier on devnets; Intel SGX/TDX quote verifiers and their collateral store,
 * deployed here or beforehand)
 * and the measurement allowlist; then the AVS metadata URI, one operator set per quorum (the quorum's strategies, the
 * EquivocationSlasher as slasher), the registry's quorums (threshold, strategy multipliers, minimum weight), the TEE
 * quorums and the committees. Finally every owned contract goes to the main chain's OwnerTimelock (the one already there, e.g.
 * state-proofs', or a new one), as state-proofs' deployment does (docs/multi-prover.md, "Deployment").
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, getAddress, parseAbi, toHex, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AllocationManagerAbi,
  DevnetAttestationVerifierAbi,
  DevnetAttestationVerifierBytecode,
  EpochManagerAbi,
  EquivocationSlasherAbi,
  EquivocationSlasherBytecode,
  EpochManagerBytecode,
  MultiProverRegistryAbi,
  MultiProverRegistryBytecode,
  MultiProverServiceManagerAbi,
  MultiProverServiceManagerBytecode,
  OwnerTimelockAbi,
  OwnerTimelockBytecode,
  TEELivenessVerifierAbi,
  TEELivenessVerifierBytecode,
} from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import type { Deployment } from '../../core/chain/deployment.ts';
import { TxQueue, type TxQueueOptions } from '../../core/chain/transactions.ts';
import { assertEpochConfig } from '../../core/epochs.ts';
import { type MultiProverContracts, TEE_TYPE_NUMBERS, type TeeTypeName, multiProverSectionSchema } from './deployment.ts';
import { type IntelAttestationDeployOptions, deployIntelAttestation, intelPolicyArgs } from './deployIntel.ts';
import { DEVNET_ATTESTATION_PRIVATE_KEY } from './tee/devnetQuotingKey.ts';
import { MeasurementKind } from './tee/liveness.ts';

/** OpenZeppelin Ownable's hand-over, which every owned contract here inherits. */
const OwnableAbi = parseAbi(['function transferOwnership(address newOwner)']);
/** What the deployment reads of an existing OwnerTimelock. */
const TimelockReadAbi = parseAbi(['function getMinDelay() view returns (uint256)']);

/** Default most operators per quorum (MultiProverRegistry.MAX_OPERATORS): about 4M gas for a confirmation over two full quorums. */
export const DEFAULT_MAX_OPERATORS = 128n;
/** Default TEELivenessVerifier.attestValiditySeconds: a prover re-attests every hour. */
export const DEFAULT_ATTEST_VALIDITY_SECONDS = 3_600n;
/** Default time, seconds, operators have to react to a scheduled owner call on top of the time they need to leave. */
export const DEFAULT_TIMELOCK_REACTION_TIME = 86_400n;
/** Default lower bound of the main chain's block time, seconds (Ethereum networks). */
export const DEFAULT_MIN_BLOCK_TIME = 12;

/** The address of the devnet attestation key (public on purpose: devnet attestations are forgeable by design). */
export const DEVNET_ATTESTATION_KEY: Address = privateKeyToAccount(DEVNET_ATTESTATION_PRIVATE_KEY).address;

/** The options are inconsistent (a committee names an unknown quorum, a TEE type has no verifier, ...). */
export class MultiProverDeployError extends Error {
  override name = 'MultiProverDeployError';
}

/** The timelock delay asked for (or the existing timelock's) is too short for operators to leave before a call runs. */
export class TimelockDelayError extends Error {
  override name = 'TimelockDelayError';
}

/** A chain to deploy to. */
export type ChainEndpoint = { chainId: number; rpcUrl: string; name?: string };

/** The EigenLayer core the AVS plugs into. */
export type EigenLayerCore = Omit<Deployment['eigenlayer'], 'strategies'>;

/** A measurement kind by name (IAttestationVerifier.MeasurementKind). */
export type MeasurementKindName = keyof typeof MeasurementKind;

/** One quorum: the ServiceManager's operator set of the same number, weighted by its strategies. */
export type MultiProverQuorumParams = {
  /** Quorum number = operator set id (0..255). */
  quorumNumber: number;
  /** Signers count only while their prover of this TEE type is live. */
  teeType: TeeTypeName;
  /** Strategies of the operator set, ascending by address, with multipliers in basis points of a share (10,000 = 1×). */
  strategies: readonly { strategy: Address; multiplier: bigint }[];
  /** Signed weight a confirmation needs, basis points of the quorum's total (1..10,000). */
  thresholdBps: number;
  /** Weights below this count as 0 and registration below it is refused (weight units, > 0). */
  minimumWeight: bigint;
};

/** One committee: the quorums that must each reach their threshold to confirm one of its states. */
export type MultiProverCommitteeParams = {
  id: bigint;
  description: string;
  /** Opaque committee metadata stored on chain; default empty. */
  metadata?: Hex;
  /** Quorums, strictly ascending, each one of {@link DeployMultiProverOptions.quorums}. */
  quorumNumbers: readonly number[];
};

/** Options of {@link deployMultiProver}. Amounts in wei, durations in seconds unless named otherwise. */
export type DeployMultiProverOptions = {
  deployer: PrivateKeyAccount;
  main: ChainEndpoint;
  eigenlayer: EigenLayerCore;
  /** Epoch clock: genesis (unix seconds), length and grace period (seconds); the deployment's (`deployment.epoch`). */
  epoch: { genesis: bigint; length: bigint; grace: bigint };
  quorums: readonly MultiProverQuorumParams[];
  committees: readonly MultiProverCommitteeParams[];
  /** Chains whose block states the deployment proves (each must be a chain of the deployment file it goes in). */
  provenChains: readonly number[];
  /** How many epochs old a signature's reference epoch may be. */
  maxProofAgeEpochs: number;
  /** Most operators per quorum; default {@link DEFAULT_MAX_OPERATORS}. */
  maxOperators?: bigint;
  /** Share of an equivocating operator's allocation slashed in every strategy of each set, wad (1e18 = 100 %). */
  wadToSlash: bigint;
  /** How long an accepted liveness proof keeps a prover live, seconds; default {@link DEFAULT_ATTEST_VALIDITY_SECONDS}. */
  attestValiditySeconds?: bigint;
  /**
   * Devnets only: the TEELivenessVerifier is constructed with `isDevnet` and a DevnetAttestationVerifier accepting
   * `attestationKey` (default {@link DEVNET_ATTESTATION_KEY}) is deployed for the `devnet` TEE type. Never on a real
   * network: anyone can forge devnet attestations.
   */
  devnet?: { attestationKey?: Address };
  /** Attestation verifiers deployed beforehand for the real TEE types. */
  attestationVerifiers?: Partial<Record<Exclude<TeeTypeName, 'devnet'>, Address>>;
  /**
   * Intel SGX / TDX quotes verified on-chain: deploys an IntelDcapAttestationVerifier per TEE type listed (and an
   * IntelCollateralStore unless one is given), used for those types instead of {@link attestationVerifiers}.
   */
  intel?: IntelAttestationDeployOptions;
  /** The allowlist: which enclave code counts as a prover (at least one). */
  measurements: readonly { teeType: TeeTypeName; kind: MeasurementKindName; value: Hex }[];
  /** AVS metadata URI registered in the AllocationManager. */
  metadataUri: string;
  /** The ServiceManager's rewards initiator (default: none). */
  rewardsInitiator?: Address;
  /**
   * The main chain's OwnerTimelock to hand every owned contract to (e.g. the `timelock` of the deployment's main
   * chain, state-proofs'). Default: a new OwnerTimelock with {@link DeployMultiProverOptions.timelockDelay}, proposer and
   * executor {@link DeployMultiProverOptions.owner}.
   */
  timelock?: Address;
  /** Proposer and executor of a new timelock (default the deployer; e.g. the AVS team's multisig). */
  owner?: Address;
  /**
   * Minimum delay of a new timelock, seconds; default {@link defaultTimelockDelay}. An existing timelock's delay must
   * meet the same bound: longer than the AllocationManager's DEALLOCATION_DELAY in blocks of `minBlockTime`.
   */
  timelockDelay?: bigint;
  /** Lower bound of the main chain's block time, seconds; default {@link DEFAULT_MIN_BLOCK_TIME}. */
  minBlockTime?: number;
  /** How transactions go out: `pipelined` on devnets, `confirmed` on public networks. */
  send?: TxQueueOptions;
  /** Progress lines for long steps. */
  onProgress?: (message: string) => void;
};

/** What {@link deployMultiProver} returns. */
export type DeployedMultiProver = {
  /** The `services.multi-prover` section of the deployment file (validated against its schema). */
  section: MultiProverContracts;
  /** The OwnerTimelock that owns every owned contract of the service. */
  timelock: Address;
  /** Whether that timelock was deployed here (the caller then writes it as the main chain's `timelock`). */
  timelockDeployed: boolean;
};

/**
 * The default delay of a new timelock: time for an operator that disagrees with a scheduled call to leave the quorums
 * (two epochs until its departure takes effect), then stop being slashable (DEALLOCATION_DELAY blocks), plus
 * {@link DEFAULT_TIMELOCK_REACTION_TIME}.
 */
export function defaultTimelockDelay(epochLength: bigint, deallocationDelayBlocks: bigint, minBlockTime: number): bigint {
  return 2n * epochLength + deallocationDelayBlocks * BigInt(minBlockTime) + DEFAULT_TIMELOCK_REACTION_TIME;
}

/**
 * Checks the options without touching a chain.
 * @throws {MultiProverDeployError} naming the first inconsistency.
 */
export function checkMultiProverOptions(
  options: Pick<DeployMultiProverOptions, 'quorums' | 'committees' | 'devnet' | 'attestationVerifiers' | 'intel' | 'measurements' | 'wadToSlash' | 'provenChains'>,
): void {
  const fail = (message: string): never => {
    throw new MultiProverDeployError(message);
  };
  if (options.quorums.length === 0) fail('at least one quorum is needed');
  const numbers = new Set<number>();
  for (const q of options.quorums) {
    if (!Number.isInteger(q.quorumNumber) || q.quorumNumber < 0 || q.quorumNumber > 255) fail(`quorum number ${q.quorumNumber} is not a uint8`);
    if (numbers.has(q.quorumNumber)) fail(`quorum ${q.quorumNumber} is listed twice`);
    numbers.add(q.quorumNumber);
    if (q.strategies.length === 0) fail(`quorum ${q.quorumNumber} has no strategies`);
    q.strategies.forEach((s, i) => {
      if (s.multiplier <= 0n) fail(`quorum ${q.quorumNumber}: strategy ${s.strategy} has multiplier ${s.multiplier} (must be > 0)`);
      if (i > 0 && BigInt(s.strategy) <= BigInt(q.strategies[i - 1].strategy)) fail(`quorum ${q.quorumNumber}: strategies must be in ascending address order, without repeats`);
    });
    if (!Number.isInteger(q.thresholdBps) || q.thresholdBps < 1 || q.thresholdBps > 10_000) fail(`quorum ${q.quorumNumber}: thresholdBps ${q.thresholdBps} is not in 1..10000`);
    if (q.minimumWeight <= 0n) fail(`quorum ${q.quorumNumber}: minimumWeight must be above 0 (a stakeless operator must not count)`);
    if (q.teeType === 'devnet' && !options.devnet) fail(`quorum ${q.quorumNumber} has TEE type devnet, which only a devnet deployment accepts`);
    if (q.teeType !== 'devnet' && !options.attestationVerifiers?.[q.teeType] && !options.intel?.teeTypes.includes(q.teeType)) {
      fail(`quorum ${q.quorumNumber} has TEE type ${q.teeType} but no attestation verifier is given for it`);
    }
  }
  if (options.committees.length === 0) fail('at least one committee is needed');
  const ids = new Set<bigint>();
  for (const c of options.committees) {
    if (c.id < 0n || c.id >= 1n << 256n) fail(`committee id ${c.id} is not a uint256`);
    if (ids.has(c.id)) fail(`committee ${c.id} is listed twice`);
    ids.add(c.id);
    if (c.quorumNumbers.length === 0) fail(`committee ${c.id} has no quorums`);
    c.quorumNumbers.forEach((q, i) => {
      if (!numbers.has(q)) fail(`committee ${c.id} names quorum ${q}, which is not one of the deployment's quorums`);
      if (i > 0 && q <= c.quorumNumbers[i - 1]) fail(`committee ${c.id}: quorums must be strictly ascending`);
    });
  }
  if (options.measurements.length === 0) fail('the measurement allowlist is empty: no prover could ever be live');
  for (const m of options.measurements) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(m.value)) fail(`measurement ${m.value} is not 32 bytes`);
  }
  if (options.wadToSlash <= 0n || options.wadToSlash > 10n ** 18n) fail('wadToSlash must be from 1 to 1e18 (100%)');
  for (const chainId of options.provenChains) if (!Number.isInteger(chainId) || chainId <= 0) fail(`proven chain ${chainId} is not a chain id`);
  if (options.intel) {
    if (options.intel.teeTypes.length === 0) fail('intel.teeTypes is empty: list sgx, tdx or both');
    try {
      intelPolicyArgs(options.intel.policy);
    } catch (error) {
      fail(`intel.policy: ${(error as Error).message}`);
    }
  }
}

/**
 * Deploys and wires the multi-prover AVS on `options.main` and hands it to the main chain's timelock.
 * @returns The `services.multi-prover` section and the timelock.
 * @throws {MultiProverDeployError} when the options are inconsistent (before any transaction).
 * @throws {TimelockDelayError} when the timelock's delay is too short (before any transaction).
 * @throws {SetupTransactionError} naming the step that reverted.
 * @throws {Error} when the epoch clock is invalid.
 */
export async function deployMultiProver(options: DeployMultiProverOptions): Promise<DeployedMultiProver> {
  const { deployer, main, epoch, eigenlayer } = options;
  const progress = options.onProgress ?? (() => {});
  assertEpochConfig(epoch);
  checkMultiProverOptions(options);
  const client: PublicClient = makePublicClient(main.chainId, main.rpcUrl);
  const allocationManager = { address: eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const [permissionController, deallocationDelay] = await Promise.all([
    client.readContract({ ...allocationManager, functionName: 'permissionController' }),
    client.readContract({ ...allocationManager, functionName: 'DEALLOCATION_DELAY' }),
  ]);
  const minBlockTime = options.minBlockTime ?? DEFAULT_MIN_BLOCK_TIME;
  const leaveTime = BigInt(deallocationDelay) * BigInt(minBlockTime);
  let timelockDelay = options.timelockDelay ?? defaultTimelockDelay(epoch.length, BigInt(deallocationDelay), minBlockTime);
  if (options.timelock) timelockDelay = await client.readContract({ address: options.timelock, abi: TimelockReadAbi, functionName: 'getMinDelay' });
  if (timelockDelay <= leaveTime) {
    throw new TimelockDelayError(
      `the timelock delay ${timelockDelay} s must be longer than the AllocationManager's DEALLOCATION_DELAY (${deallocationDelay} blocks of ${minBlockTime} s = ${leaveTime} s)`,
    );
  }

  // The deployer owns everything while wiring (owner-only setters); ownership moves to the timelock at the end.
  const owner = deployer.address;
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), client, options.send);
  progress('deploying the multi-prover contracts');
  const epochManager = await q.deploy('multi-prover EpochManager', { abi: EpochManagerAbi, bytecode: EpochManagerBytecode }, [
    epoch.genesis,
    epoch.length,
    epoch.grace,
    owner,
  ]);
  const serviceManager = await q.deploy(
    'MultiProverServiceManager',
    { abi: MultiProverServiceManagerAbi, bytecode: MultiProverServiceManagerBytecode },
    [eigenlayer.avsDirectory, eigenlayer.rewardsCoordinator, eigenlayer.allocationManager, owner],
  );
  const registry = await q.deploy('MultiProverRegistry', { abi: MultiProverRegistryAbi, bytecode: MultiProverRegistryBytecode }, [
    epochManager,
    serviceManager,
    options.maxProofAgeEpochs,
    options.maxOperators ?? DEFAULT_MAX_OPERATORS,
    owner,
  ]);
  // The slasher's constructor checks that the registry is the ServiceManager's stake registry: wire that first.
  await q.write('MultiProverServiceManager.setStakeRegistry', serviceManager, MultiProverServiceManagerAbi, 'setStakeRegistry', [registry]);
  const equivocationSlasher = await q.deploy('EquivocationSlasher', { abi: EquivocationSlasherAbi, bytecode: EquivocationSlasherBytecode }, [
    registry,
    options.wadToSlash,
  ]);
  const livenessVerifier = await q.deploy('TEELivenessVerifier', { abi: TEELivenessVerifierAbi, bytecode: TEELivenessVerifierBytecode }, [
    owner,
    permissionController,
    options.devnet !== undefined,
    options.attestValiditySeconds ?? DEFAULT_ATTEST_VALIDITY_SECONDS,
  ]);
  const attestationVerifiers: Partial<Record<TeeTypeName, Address>> = {};
  const devnetAttestationKey = options.devnet ? getAddress(options.devnet.attestationKey ?? DEVNET_ATTESTATION_KEY) : undefined;
  if (devnetAttestationKey) {
    attestationVerifiers.devnet = await q.deploy(
      'DevnetAttestationVerifier',
      { abi: DevnetAttestationVerifierAbi, bytecode: DevnetAttestationVerifierBytecode },
      [devnetAttestationKey],
    );
  }
  for (const [teeType, verifier] of Object.entries(options.attestationVerifiers ?? {}) as [TeeTypeName, Address | undefined][]) {
    if (verifier) attestationVerifiers[teeType] = getAddress(verifier);
  }
  const intel = options.intel ? await deployIntelAttestation(q, owner, options.intel) : undefined;
  Object.assign(attestationVerifiers, intel?.verifiers);

  progress('wiring the multi-prover contracts');
  await q.write('MultiProverServiceManager.setLivenessVerifier', serviceManager, MultiProverServiceManagerAbi, 'setLivenessVerifier', [livenessVerifier]);
  if (options.rewardsInitiator) {
    await q.write('MultiProverServiceManager.setRewardsInitiator', serviceManager, MultiProverServiceManagerAbi, 'setRewardsInitiator', [options.rewardsInitiator]);
  }
  for (const [teeType, verifier] of Object.entries(attestationVerifiers) as [TeeTypeName, Address][]) {
    await q.write(`TEELivenessVerifier.setAttestationVerifier(${teeType})`, livenessVerifier, TEELivenessVerifierAbi, 'setAttestationVerifier', [
      TEE_TYPE_NUMBERS[teeType],
      verifier,
    ]);
  }
  for (const m of options.measurements) {
    await q.write(`TEELivenessVerifier.setMeasurementAllowed(${m.teeType}, ${m.kind})`, livenessVerifier, TEELivenessVerifierAbi, 'setMeasurementAllowed', [
      TEE_TYPE_NUMBERS[m.teeType],
      MeasurementKind[m.kind],
      m.value,
      true,
    ]);
  }
  // The AllocationManager refuses operator sets of an AVS that has not published its metadata.
  await q.write('MultiProverServiceManager.updateAVSMetadataURI', serviceManager, MultiProverServiceManagerAbi, 'updateAVSMetadataURI', [options.metadataUri]);
  await q.write('MultiProverServiceManager.createOperatorSets', serviceManager, MultiProverServiceManagerAbi, 'createOperatorSets', [
    options.quorums.map((quorum) => ({ operatorSetId: quorum.quorumNumber, strategies: quorum.strategies.map((s) => s.strategy), slasher: equivocationSlasher })),
  ]);
  await q.write('MultiProverServiceManager.setAVSRegistrar', serviceManager, MultiProverServiceManagerAbi, 'setAVSRegistrar', [serviceManager]);
  for (const quorum of options.quorums) {
    await q.write(`MultiProverRegistry.createQuorum(${quorum.quorumNumber})`, registry, MultiProverRegistryAbi, 'createQuorum', [
      quorum.quorumNumber,
      quorum.thresholdBps,
      { strategies: quorum.strategies.map((s) => ({ strategy: s.strategy, multiplier: s.multiplier })), minimumWeight: quorum.minimumWeight },
    ]);
    await q.write(`MultiProverServiceManager.addTeeQuorum(${quorum.quorumNumber})`, serviceManager, MultiProverServiceManagerAbi, 'addTeeQuorum', [
      { teeType: TEE_TYPE_NUMBERS[quorum.teeType], quorumNumber: quorum.quorumNumber },
    ]);
  }
  for (const c of options.committees) {
    await q.write(`MultiProverServiceManager.addCommittee(${c.id})`, serviceManager, MultiProverServiceManagerAbi, 'addCommittee', [
      { id: c.id, description: c.description, metadata: c.metadata ?? '0x', teeQuorumNumbers: toHex(Uint8Array.from(c.quorumNumbers)) },
    ]);
  }

  const timelockOwner = options.owner ? getAddress(options.owner) : owner;
  const timelock = options.timelock
    ? getAddress(options.timelock)
    : await q.deploy('multi-prover OwnerTimelock', { abi: OwnerTimelockAbi, bytecode: OwnerTimelockBytecode }, [timelockDelay, [timelockOwner], [timelockOwner], zeroAddress]);
  progress(`handing ownership to the timelock ${timelock} (delay ${timelockDelay} s)`);
  for (const [name, address] of [
    ['multi-prover EpochManager', epochManager],
    ['MultiProverServiceManager', serviceManager],
    ['MultiProverRegistry', registry],
    ['TEELivenessVerifier', livenessVerifier],
    ...Object.entries(intel?.verifiers ?? {}).map(([teeType, address]) => [`IntelDcapAttestationVerifier(${teeType})`, address] as const),
  ] as const) {
    await q.write(`${name}.transferOwnership`, address, OwnableAbi, 'transferOwnership', [timelock]);
  }
  await q.settle();

  const section = multiProverSectionSchema.parse({
    serviceManager,
    registry,
    equivocationSlasher,
    epochManager,
    livenessVerifier,
    attestationVerifiers,
    teeQuorums: options.quorums.map((quorum) => ({ quorumNumber: quorum.quorumNumber, teeType: quorum.teeType })),
    committees: options.committees.map((c) => ({ id: c.id.toString(), description: c.description, quorumNumbers: [...c.quorumNumbers] })),
    provenChains: [...options.provenChains],
    ...(devnetAttestationKey ? { devnetAttestationKey } : {}),
    ...(intel ? { intelCollateralStore: intel.collateralStore } : {}),
  });
  return { section, timelock, timelockDeployed: options.timelock === undefined };
}
