/**
 * The preconf service on a devnet, beside the other AVSs on the main chain:
 *
 * - {@link deployDevnetPreconf}: the devnet EigenPodManager (its beacon-chain oracle is the deployer) and the
 *   UniFiAVSManager registry through {@link deployPreconf}, with bitmap positions for every devnet chain and one chain
 *   id no devnet operator commits to ({@link DEVNET_UNCOMMITTED_CHAIN_ID}).
 * - {@link seedDevnetPreconf}: a genesis set of beacon validators with real BLS keys; pods for the first operators'
 *   pod owners, delegated to their operators, with validators activated in them by the oracle; operator 0 registered
 *   with a commitment to the main and first remote chain, operator 1 to the main chain only, both with the gateway's
 *   delegate key and their pods' validators registered. Operator 2's pod is ready but the operator is not registered
 *   (`avs demo preconf` registers it); the remaining validators are outside EigenLayer, so the lookahead has slots
 *   nobody can preconfirm.
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, parseEther, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  DelegationManagerAbi,
  EigenPodManagerAbi,
  EigenPodManagerBytecode,
  IUniFiAVSManagerAbi,
} from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import type { Deployment } from '../core/chain/deployment.ts';
import { TxQueue } from '../core/chain/transactions.ts';
import { signAvsRegistration } from '../runtime/registration.ts';
import { deployPreconf } from '../services/preconf/deploy.ts';
import type { PreconfContracts } from '../services/preconf/deployment.ts';
import { chainIdsToBitmap } from '../services/preconf/bitmap.ts';
import { derivedPrivateKey } from './accounts.ts';
import { validatorPubkeyHash } from '../services/preconf/beacon.ts';
import { type DevnetValidatorKey, devnetValidatorKeys } from './beaconNode.ts';

/** A devnet beacon validator with the key EigenPods and the registry know it by. */
export type PreconfValidator = DevnetValidatorKey & { /** sha256(pubkey ‖ 16 zero bytes). */ pubkeyHash: Hex };

/** A chain id the devnet registry maps (last position) but no devnet operator commits to. */
export const DEVNET_UNCOMMITTED_CHAIN_ID = 901n;
/** Blocks of the devnet registry's deregistration delay (a block per transaction plus one a second). */
export const DEVNET_PRECONF_DELAY_BLOCKS = 10n;
/** Beacon validators of the devnet's genesis set. */
export const DEVNET_BEACON_VALIDATORS = 16;
/** Validators activated in each devnet pod. */
export const DEVNET_VALIDATORS_PER_POD = 4;
/** Operators (by index) that get a pod: 0 and 1 register with the registry at seeding, 2 is left for the demo. */
export const DEVNET_POD_OPERATORS = 3;

/** Deterministic key of the pod owner delegated to devnet operator `index` (label `preconf-pod-owner/<index>`). */
export function devnetPodOwnerKey(index: number): Hex {
  return derivedPrivateKey(`preconf-pod-owner/${index}`);
}

/** Deterministic delegate key of the devnet's preconf gateway (label `preconf-delegate-key`). */
export function devnetDelegateKey(): Hex {
  return derivedPrivateKey('preconf-delegate-key');
}

/** Options of {@link deployDevnetPreconf}. */
export type DeployDevnetPreconfOptions = {
  deployer: PrivateKeyAccount;
  main: { chainId: number; rpcUrl: string };
  deployment: Pick<Deployment, 'mainChainId' | 'chains' | 'eigenlayer'>;
  onProgress?: (message: string) => void;
};

/**
 * Deploys the devnet EigenPodManager and the registry (see the module comment).
 * @returns `services.preconf`, marked as a devnet's (`devnet.beaconChainOracle`).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployDevnetPreconf(options: DeployDevnetPreconfOptions): Promise<PreconfContracts> {
  const { deployer, main, deployment } = options;
  const progress = options.onProgress ?? (() => {});
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), makePublicClient(main.chainId, main.rpcUrl));
  progress('deploying the devnet EigenPodManager');
  const eigenPodManager = await q.deploy('EigenPodManager', { abi: EigenPodManagerAbi, bytecode: EigenPodManagerBytecode }, [deployer.address]);
  await q.settle();
  const chainIds = [...deployment.chains.map((c) => BigInt(c.chainId)), DEVNET_UNCOMMITTED_CHAIN_ID];
  return deployPreconf({
    deployer,
    main,
    eigenlayer: deployment.eigenlayer,
    eigenPodManager,
    deregistrationDelay: DEVNET_PRECONF_DELAY_BLOCKS,
    chainIds,
    metadataUri: 'https://avs-stack.invalid/devnet/preconf.json',
    timelock: deployment.chains.find((c) => c.chainId === deployment.mainChainId)?.timelock,
    devnetBeaconChainOracle: deployer.address,
    onProgress: progress,
  });
}

/** A devnet pod: its owner, the operator it is delegated to, and its validators. */
export type DevnetPod = {
  operatorIndex: number;
  operator: Address;
  owner: PrivateKeyAccount;
  pod: Address;
  validators: PreconfValidator[];
};

/** The preconf part of a seeded devnet. */
export type PreconfDevnet = {
  section: PreconfContracts;
  /** The beacon chain's genesis validators (indices 0..n−1), restaked or not. */
  validators: PreconfValidator[];
  pods: DevnetPod[];
  /** The delegate key the devnet operators commit to (the gateway holds it). */
  delegateKey: PrivateKeyAccount;
  /** Operators registered with the registry at seeding, with the chains they committed to. */
  registered: { operatorIndex: number; operator: Address; chainIds: bigint[] }[];
};

/** Options of {@link seedDevnetPreconf}. */
export type SeedDevnetPreconfOptions = {
  /** Main chain client (anvil). */
  client: PublicClient;
  deployment: Pick<Deployment, 'mainChainId' | 'chains' | 'eigenlayer'>;
  section: PreconfContracts;
  /** The beacon-chain oracle (the deployer), which also funds the pod owners. */
  deployer: PrivateKeyAccount;
  /** The devnet's EigenLayer operators (registered already), by index. */
  operators: readonly { index: number; operatorKey: Hex }[];
  onProgress?: (message: string) => void;
};

/**
 * Pods, validators and registrations (see the module comment).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function seedDevnetPreconf(options: SeedDevnetPreconfOptions): Promise<PreconfDevnet> {
  const { client, section, deployer, deployment } = options;
  const progress = options.onProgress ?? (() => {});
  const rpcUrl = client.chain!.rpcUrls.default.http[0]!;
  const chainId = client.chain!.id;
  const validators = devnetValidatorKeys(DEVNET_BEACON_VALIDATORS).map((v) => ({ ...v, pubkeyHash: validatorPubkeyHash(v.pubkey) }));
  const delegateKey = privateKeyToAccount(devnetDelegateKey());
  const podOperators = options.operators.slice(0, DEVNET_POD_OPERATORS);
  progress(`creating ${podOperators.length} EigenPods with ${DEVNET_VALIDATORS_PER_POD} validators each`);

  const oracle = new TxQueue(makeWalletClient(chainId, rpcUrl, deployer), client);
  const owners = podOperators.map((o) => privateKeyToAccount(devnetPodOwnerKey(o.index)));
  for (const owner of owners) {
    await client.request({ method: 'anvil_setBalance', params: [owner.address, toHex(parseEther('10'))] } as never);
  }

  const pods: DevnetPod[] = await Promise.all(
    podOperators.map(async (o, i) => {
      const owner = owners[i]!;
      const operator = privateKeyToAccount(o.operatorKey).address;
      const q = new TxQueue(makeWalletClient(chainId, rpcUrl, owner), client);
      await q.write(`pod owner ${i}: createPod`, section.eigenPodManager, EigenPodManagerAbi, 'createPod', []);
      await q.write(`pod owner ${i}: delegateTo operator ${o.index}`, deployment.eigenlayer.delegationManager, DelegationManagerAbi, 'delegateTo', [
        operator,
        { signature: '0x', expiry: 0n },
        `0x${'00'.repeat(32)}`,
      ]);
      await q.settle();
      const pod = await client.readContract({ address: section.eigenPodManager, abi: EigenPodManagerAbi, functionName: 'ownerToPod', args: [owner.address] });
      return { operatorIndex: o.index, operator, owner, pod, validators: validators.slice(i * DEVNET_VALIDATORS_PER_POD, (i + 1) * DEVNET_VALIDATORS_PER_POD) };
    }),
  );
  for (const pod of pods) {
    for (const v of pod.validators) {
      await oracle.write(`activate validator ${v.index} in pod ${pod.pod}`, section.eigenPodManager, EigenPodManagerAbi, 'devnetActivateValidator', [
        pod.owner.address,
        v.pubkey,
        v.index,
      ]);
    }
  }
  await oracle.settle();

  // Operator 0 commits to the main and first remote chain, operator 1 to the main chain; operator 2 stays out.
  const main = BigInt(deployment.mainChainId);
  const remote = deployment.chains.map((c) => BigInt(c.chainId)).find((id) => id !== main);
  const commitments = [remote === undefined ? [main] : [main, remote], [main]];
  const registered: PreconfDevnet['registered'] = [];
  progress('registering operators and their validators with the preconf registry');
  await Promise.all(
    pods.slice(0, commitments.length).map(async (pod, i) => {
      const operatorKey = podOperators[i]!.operatorKey;
      const account = privateKeyToAccount(operatorKey);
      const chainIds = commitments[i]!;
      const chainIDBitMap = await chainIdsToBitmap(client, section.registry, chainIds);
      const signature = await signAvsRegistration({ client, avs: { eigenlayer: deployment.eigenlayer, serviceManager: section.registry }, operator: account });
      const q = new TxQueue(makeWalletClient(chainId, rpcUrl, account), client);
      await q.write(`operator ${pod.operatorIndex}: registerOperatorWithCommitment`, section.registry, IUniFiAVSManagerAbi, 'registerOperatorWithCommitment', [
        signature,
        { delegateKey: delegateKey.address, chainIDBitMap },
      ]);
      await q.write(`operator ${pod.operatorIndex}: registerValidators`, section.registry, IUniFiAVSManagerAbi, 'registerValidators', [
        pod.owner.address,
        pod.validators.map((v) => v.pubkeyHash),
      ]);
      await q.settle();
      registered.push({ operatorIndex: pod.operatorIndex, operator: account.address, chainIds });
    }),
  );
  registered.sort((a, b) => a.operatorIndex - b.operatorIndex);
  return { section, validators, pods, delegateKey, registered };
}
