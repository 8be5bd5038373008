/**
 * The multi-prover AVS on a devnet, beside state-proofs on the main chain (docs/multi-prover.md, "Deployment"):
 *
 * - {@link deployDevnetMultiProver}: a strategy of its own over the devnet token (an operator's magnitude in a strategy
 *   is shared by every operator set, and the devnet's operators allocate all of theirs in the state-proofs strategy to
 *   state-proofs), then {@link deployMultiProver} with two TEE quorums of type `devnet` (0 and 1), committee 1 over both,
 *   the first remote chain as the proven chain, a DevnetAttestationVerifier of the public devnet attestation key, the
 *   Intel SGX and TDX quote verifiers with an empty collateral store, the devnet prover's MRENCLAVE allowlisted, and the main chain's OwnerTimelock (state-proofs') as owner.
 * - {@link seedMultiProverOperators}: each seeded operator restakes as much in that strategy as in state-proofs' and
 *   registers with its deterministic BLS key ({@link devnetBlsKey}) in its quorums
 *   ({@link devnetMultiProverQuorums}) through {@link registerMultiProverOperator}.
 */
import type { Address, PrivateKeyAccount, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DevnetTokenAbi, MultiProverRegistryAbi, StrategyBaseAbi, StrategyBaseBytecode, StrategyManagerAbi } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import type { Deployment } from '../core/chain/deployment.ts';
import { TxQueue } from '../core/chain/transactions.ts';
import { type ChainEndpoint, DEVNET_ATTESTATION_KEY, deployMultiProver } from '../services/multi-prover/deploy.ts';
import type { MultiProverContracts } from '../services/multi-prover/deployment.ts';
import { registerMultiProverOperator } from '../services/multi-prover/registration.ts';
import { DEVNET_PROVER_MRENCLAVE } from '../services/multi-prover/tee/devnetEnclave.ts';
import { devnetBlsKey } from './accounts.ts';

/** The devnet's TEE quorums (both of TEE type `devnet`). */
export const DEVNET_MULTI_PROVER_QUORUMS = [0, 1] as const;
/** The devnet's committee: its states are confirmed once both quorums reach their threshold. */
export const DEVNET_MULTI_PROVER_COMMITTEE_ID = 1n;
/** One whole wad of magnitude (100 % of an operator's stake in a strategy). */
const WAD = 10n ** 18n;

/** Options of {@link deployDevnetMultiProver}. */
export type DeployDevnetMultiProverOptions = {
  deployer: PrivateKeyAccount;
  main: ChainEndpoint;
  /** The devnet deployment so far: its EigenLayer core, epoch clock, and the main chain's timelock. */
  deployment: Pick<Deployment, 'mainChainId' | 'chains' | 'eigenlayer' | 'epoch'>;
  /** The devnet token (the new strategy holds it). */
  token: Address;
  /** Chains whose block states the committee proves (the devnet: the first remote chain, if any). */
  provenChains: readonly number[];
  thresholdBps: number;
  minimumWeight: bigint;
  maxProofAgeEpochs: number;
  wadToSlash: bigint;
  /** The ServiceManager's rewards initiator (the devnet's publisher). */
  rewardsInitiator?: Address;
  onProgress?: (message: string) => void;
};

/** What {@link deployDevnetMultiProver} returns. */
export type DevnetMultiProverDeployment = {
  /** `services.multi-prover`. */
  section: MultiProverContracts;
  /** The strategy (over the devnet token) of both quorums' operator sets. */
  strategy: Address;
};

/**
 * Deploys the multi-prover's strategy and the multi-prover AVS on the devnet's main chain (see the module comment).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployDevnetMultiProver(options: DeployDevnetMultiProverOptions): Promise<DevnetMultiProverDeployment> {
  const { deployer, main, deployment } = options;
  const progress = options.onProgress ?? (() => {});
  const client = makePublicClient(main.chainId, main.rpcUrl);
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), client);
  progress('deploying the multi-prover strategy');
  const strategy = await q.deploy('multi-prover StrategyBase', { abi: StrategyBaseAbi, bytecode: StrategyBaseBytecode }, [
    deployment.eigenlayer.strategyManager,
    options.token,
  ]);
  await q.write('StrategyManager.addStrategiesToDepositWhitelist(multi-prover)', deployment.eigenlayer.strategyManager, StrategyManagerAbi, 'addStrategiesToDepositWhitelist', [
    [strategy],
  ]);
  await q.settle();
  const { delegationManager, strategyManager, avsDirectory, allocationManager, rewardsCoordinator } = deployment.eigenlayer;
  const timelock = deployment.chains.find((c) => c.chainId === deployment.mainChainId)?.timelock;
  const { section } = await deployMultiProver({
    deployer,
    main,
    eigenlayer: { delegationManager, strategyManager, avsDirectory, allocationManager, rewardsCoordinator },
    epoch: { genesis: deployment.epoch.genesis, length: deployment.epoch.length, grace: deployment.epoch.grace },
    quorums: DEVNET_MULTI_PROVER_QUORUMS.map((quorumNumber) => ({
      quorumNumber,
      teeType: 'devnet' as const,
      strategies: [{ strategy, multiplier: 10_000n }],
      thresholdBps: options.thresholdBps,
      minimumWeight: options.minimumWeight,
    })),
    committees: [
      {
        id: DEVNET_MULTI_PROVER_COMMITTEE_ID,
        description: `block states of ${options.provenChains.length > 0 ? `chain ${options.provenChains.join(', ')}` : 'no chain yet'}, devnet TEE quorums 0 and 1`,
        quorumNumbers: [...DEVNET_MULTI_PROVER_QUORUMS],
      },
    ],
    provenChains: options.provenChains,
    maxProofAgeEpochs: options.maxProofAgeEpochs,
    wadToSlash: options.wadToSlash,
    devnet: { attestationKey: DEVNET_ATTESTATION_KEY },
    // The real Intel verifiers too, so that the devnet accepts the TEE types a network would (their collateral store
    // starts empty: anyone may fill it with Intel-signed collateral, e.g. `avs multi-prover collateral submit`).
    intel: { teeTypes: ['sgx', 'tdx'] },
    measurements: [{ teeType: 'devnet', kind: 'MRENCLAVE', value: DEVNET_PROVER_MRENCLAVE }],
    metadataUri: 'https://avs-stack.invalid/devnet/multi-prover.json',
    rewardsInitiator: options.rewardsInitiator,
    timelock,
    minBlockTime: 1,
    onProgress: progress,
  });
  return { section, strategy };
}

/**
 * The quorums devnet operator `index` of `count` joins: the first half (rounded up) quorum 0, the rest quorum 1, so
 * that 4 operators give {0, 1} and {2, 3}; a lone operator joins both, so the committee can still confirm.
 */
export function devnetMultiProverQuorums(index: number, count: number): number[] {
  if (count === 1) return [...DEVNET_MULTI_PROVER_QUORUMS];
  return index < Math.ceil(count / 2) ? [0] : [1];
}

/** A devnet operator as the multi-prover knows it. */
export type MultiProverDevnetOperator = {
  index: number;
  address: Address;
  /** keccak256 of its G1 BLS key (the registry's key hash). */
  operatorId: `0x${string}`;
  quorums: number[];
  /** Its weight in each of its quorums from `activeEpoch` on (weight units). */
  weights: Record<number, bigint>;
};

/** The multi-prover part of a running devnet. */
export type MultiProverDevnet = DevnetMultiProverDeployment & {
  operators: MultiProverDevnetOperator[];
  /** The epoch from which every registration counts (the registry's effective epoch after the last one). */
  activeEpoch: number;
};

/** Options of {@link seedMultiProverOperators}. */
export type SeedMultiProverOptions = {
  /** Main chain client (made by makePublicClient). */
  client: PublicClient;
  deployment: Pick<Deployment, 'eigenlayer'>;
  deployed: DevnetMultiProverDeployment;
  token: Address;
  /** The devnet's operators: their index, EigenLayer key and state-proofs stake (restaked again in the new strategy). */
  operators: readonly { index: number; operatorKey: `0x${string}`; stake: bigint }[];
  onProgress?: (message: string) => void;
};

/**
 * Restakes every operator in the multi-prover strategy and registers it in its quorums; returns who is where. Does not
 * move the clock: the registrations count from `activeEpoch`.
 * @throws {SetupTransactionError} naming the step that reverted, or a {@link MultiProverRegistrationError}.
 */
export async function seedMultiProverOperators(options: SeedMultiProverOptions): Promise<MultiProverDevnet> {
  const { client, deployed, token } = options;
  const chain = client.chain!;
  const rpcUrl = chain.rpcUrls.default.http[0];
  const count = options.operators.length;
  const progress = options.onProgress ?? (() => {});
  progress(`restaking and registering ${count} operators with the multi-prover`);
  const operators = await Promise.all(
    options.operators.map(async (o) => {
      const account = privateKeyToAccount(o.operatorKey);
      const q = new TxQueue(makeWalletClient(chain.id, rpcUrl, account), client);
      const tag = `operator ${o.index} (multi-prover)`;
      await q.write(`${tag}: mint stake`, token, DevnetTokenAbi, 'mint', [account.address, o.stake]);
      await q.write(`${tag}: approve StrategyManager`, token, DevnetTokenAbi, 'approve', [options.deployment.eigenlayer.strategyManager, o.stake]);
      await q.write(`${tag}: depositIntoStrategy`, options.deployment.eigenlayer.strategyManager, StrategyManagerAbi, 'depositIntoStrategy', [
        deployed.strategy,
        token,
        o.stake,
      ]);
      await q.settle();
      const quorums = devnetMultiProverQuorums(o.index, count);
      const registration = await registerMultiProverOperator({
        client,
        deployment: { eigenlayer: { ...options.deployment.eigenlayer }, multiProver: deployed.section },
        operator: account,
        blsKey: devnetBlsKey(o.index),
        quorums,
        // Its whole stake in the strategy, split evenly over its quorums.
        magnitude: WAD / BigInt(quorums.length),
        mineAllocationDelay: true,
      });
      return { index: o.index, address: account.address, operatorId: registration.operatorId, quorums, weights: registration.weights };
    }),
  );
  const activeEpoch = await client.readContract({ address: deployed.section.registry, abi: MultiProverRegistryAbi, functionName: 'effectiveEpoch' });
  return { ...deployed, operators, activeEpoch };
}
