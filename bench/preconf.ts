/**
 * Preconf figures on one devnet: the UniFiAVSManager on the devnet EigenLayer core (DelegationManager, AVSDirectory,
 * the devnet EigenPodManager whose beacon-chain oracle is the deployer), the devnet beacon node and the gateway
 * (`preconfOnlyServices`; no multi-prover, no automation).
 *
 * - Registry gas, from transaction receipts. Operator 3 (an EigenLayer operator with no pod on a fresh devnet) gets a
 *   pod of its own with 111 ACTIVE validators (derived 48-byte pubkeys at beacon indices 10,000…), registers with a
 *   commitment, and registers its validators in calls of 1, 10 and 100 (each a fresh validator, so cold storage); it
 *   later changes its commitment (setOperatorCommitment, then updateOperatorCommitment once the delay is mined),
 *   deregisters the validators in calls of 1, 10 and 100, and leaves (startDeregisterOperator, then
 *   finishDeregisterOperator once the delay is mined). Operator 2 registers without a commitment (registerOperator).
 * - Lookups, while the 111 validators are registered: eth_estimateGas of each view called in a transaction, i.e. the
 *   gas limit such a transaction needs, 21,000 intrinsic gas and calldata included (a contract calling the view pays
 *   less): getValidator by hash and by index, getValidators of 16 hashes, isValidatorInChainId, bitmapToChainIDs of a
 *   3-chain bitmap, and isValidPreconfirmation of a preconfirmation the gateway's delegate key signed (checked valid).
 * - The gateway over HTTP (bench/preconfLoad.ts): lookahead answers per second with `clients` concurrent clients for
 *   `seconds`, and preconfirmations signed per second, one client and then `clients` concurrent ones, each request a
 *   distinct signed transaction for a slot of a registered proposer (operators 0 and 1 register when the devnet
 *   starts). Both are judged for the main chain, to which both operators committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hex, type PrivateKeyAccount, concat, encodeFunctionData, keccak256, parseEther, slice, stringToHex, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DelegationManagerAbi, EigenPodManagerAbi, IUniFiAVSManagerAbi, UniFiAVSManagerBytecode } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { TxQueue } from '../src/core/chain/transactions.ts';
import { derivedPrivateKey } from '../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../src/devnet/devnet.ts';
import { preconfOnlyServices } from '../src/devnet/preconfServices.ts';
import { signAvsRegistration } from '../src/runtime/registration.ts';
import { validatorPubkeyHash } from '../src/services/preconf/beacon.ts';
import { bitmapFromPositions, chainIdsToBitmap } from '../src/services/preconf/bitmap.ts';
import { signPreconfirmation } from '../src/services/preconf/preconfirmation.ts';
import { assertFreshBytecode } from './gas.ts';
import { type GatewayLoadResult, runGatewayLoad } from './preconfLoad.ts';

/** Validators per registerValidators and deregisterValidators call. */
export const PRECONF_VALIDATOR_BATCHES = [1, 10, 100] as const;

/** Gas of a call with `count` validators: the transaction's, and that divided by `count`. */
export type ValidatorBatchGas = { validators: number; total: number; perValidator: number };

/** What {@link measurePreconf} returns; gas in gas units, latency in ms. */
export type PreconfBench = {
  registerValidators: ValidatorBatchGas[];
  /** (gas of 100 − gas of 10) / 90: what one more validator in a call costs. */
  registerValidatorsMarginal: number;
  deregisterValidators: ValidatorBatchGas[];
  deregisterValidatorsMarginal: number;
  operatorGas: {
    registerOperator: number;
    registerOperatorWithCommitment: number;
    setOperatorCommitment: number;
    updateOperatorCommitment: number;
    startDeregisterOperator: number;
    finishDeregisterOperator: number;
  };
  /** eth_estimateGas of each view in a transaction. */
  lookupGas: {
    getValidatorByHash: number;
    getValidatorByIndex: number;
    getValidators16: number;
    isValidatorInChainId: number;
    bitmapToChainIDs3: number;
    isValidPreconfirmation: number;
  };
  gateway: {
    clients: number;
    seconds: number;
    lookahead: GatewayLoadResult;
    preconfsSequential: GatewayLoadResult;
    preconfsConcurrent: GatewayLoadResult;
  };
};

/** Options of {@link measurePreconf}. */
export type PreconfBenchOptions = {
  /** Length of each gateway run, s (default 10). */
  seconds?: number;
  /** Concurrent HTTP clients (default 16). */
  clients?: number;
  log?: (line: string) => void;
};

/** Beacon index of the first bench validator: far from the devnet's genesis set (0–15). */
const FIRST_INDEX = 10_000;
/** The operator that gets the bench pod, and the one that registers without a commitment. */
const POD_OPERATOR = 3;
const PLAIN_OPERATOR = 2;

/** Runs every measurement on a fresh devnet and tears it down. @throws when a measured transaction reverts. */
export async function measurePreconf(options: PreconfBenchOptions = {}): Promise<PreconfBench> {
  const log = options.log ?? (() => {});
  const seconds = options.seconds ?? 10;
  const clients = options.clients ?? 16;
  assertFreshBytecode('UniFiAVSManager', UniFiAVSManagerBytecode);
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-preconf-'));
  let devnet: Devnet | undefined;
  try {
    devnet = await startDevnet({
      operators: 4,
      remoteChains: 1,
      multiProver: false,
      automation: false,
      dir,
      services: preconfOnlyServices({ logLevel: 'silent' }),
      onProgress: (m) => log(`  devnet: ${m}`),
    });
    const { registry, eigenPodManager } = devnet.preconf!.section;
    const main = devnet.deployment.mainChainId;
    const rpcUrl = devnet.chains.find((c) => c.chainId === main)!.rpcUrl;
    const client = devnet.clients.get(main)!;
    const delegateKey = devnet.preconf!.delegateKey;
    const operatorAccount = (index: number) => privateKeyToAccount(devnet!.operators.find((o) => o.index === index)!.operatorKey);
    const podOperator = operatorAccount(POD_OPERATOR);
    const plainOperator = operatorAccount(PLAIN_OPERATOR);

    /** Sends `functionName` to the registry as `account`; its receipt's gasUsed. */
    const gasOf = async (account: PrivateKeyAccount, functionName: string, args: readonly unknown[]): Promise<number> => {
      const hash = await makeWalletClient(main, rpcUrl, account).writeContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName, args } as never);
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted (${hash})`);
      return Number(receipt.gasUsed);
    };
    const mineDelay = async () => {
      const delay = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getDeregistrationDelay' });
      await client.request({ method: 'anvil_mine', params: [toHex(delay + 1n)] } as never);
    };

    // The bench pod: 111 validators ACTIVE in a pod delegated to operator 3.
    const total = PRECONF_VALIDATOR_BATCHES.reduce((a, b) => a + b, 0);
    log(`  a pod delegated to operator ${POD_OPERATOR} with ${total} ACTIVE validators`);
    const owner = privateKeyToAccount(derivedPrivateKey('bench/preconf-pod-owner'));
    await client.request({ method: 'anvil_setBalance', params: [owner.address, toHex(parseEther('10'))] } as never);
    const ownerQueue = new TxQueue(makeWalletClient(main, rpcUrl, owner), client);
    await ownerQueue.write('bench pod owner: createPod', eigenPodManager, EigenPodManagerAbi, 'createPod', []);
    await ownerQueue.write(`bench pod owner: delegateTo operator ${POD_OPERATOR}`, devnet.deployment.eigenlayer.delegationManager, DelegationManagerAbi, 'delegateTo', [
      podOperator.address,
      { signature: '0x', expiry: 0n },
      `0x${'00'.repeat(32)}`,
    ]);
    await ownerQueue.settle();
    const validators = Array.from({ length: total }, (_, i) => {
      const pubkey = benchPubkey(i);
      return { index: BigInt(FIRST_INDEX + i), pubkey, hash: validatorPubkeyHash(pubkey) };
    });
    const oracle = new TxQueue(makeWalletClient(main, rpcUrl, devnet.deployer), client);
    for (const v of validators) {
      await oracle.write(`activate bench validator ${v.index}`, eigenPodManager, EigenPodManagerAbi, 'devnetActivateValidator', [owner.address, v.pubkey, v.index]);
    }
    await oracle.settle();

    log('  operator registration and validator registration gas');
    const signature = (operator: PrivateKeyAccount) => signAvsRegistration({ client, avs: { eigenlayer: devnet!.deployment.eigenlayer, serviceManager: registry }, operator });
    const [mainId, remoteId] = devnet.chains.map((c) => BigInt(c.chainId)) as [bigint, bigint];
    const commitment = { delegateKey: delegateKey.address, chainIDBitMap: await chainIdsToBitmap(client, registry, [mainId, remoteId]) };
    const registerOperatorWithCommitment = await gasOf(podOperator, 'registerOperatorWithCommitment', [await signature(podOperator), commitment]);
    const registerOperator = await gasOf(plainOperator, 'registerOperator', [await signature(plainOperator)]);
    const batches = (list: typeof validators) => {
      let from = 0;
      return PRECONF_VALIDATOR_BATCHES.map((n) => list.slice(from, (from += n)).map((v) => v.hash));
    };
    const registerValidators: ValidatorBatchGas[] = [];
    for (const hashes of batches(validators)) registerValidators.push(batchGas(hashes.length, await gasOf(podOperator, 'registerValidators', [owner.address, hashes])));

    log('  lookup gas (eth_estimateGas)');
    const estimate = (functionName: string, args: readonly unknown[]) =>
      client.estimateGas({ account: devnet!.user.address, to: registry, data: encodeFunctionData({ abi: IUniFiAVSManagerAbi, functionName, args } as never) }).then(Number);
    const target = validators[0]!;
    const preconf = { chainId: mainId, slot: 1_000n, txHash: keccak256(stringToHex('bench preconfirmation')), blsPubKeyHash: target.hash };
    const preconfSignature = await signPreconfirmation(delegateKey, preconf, { registry, registryChainId: main });
    const valid = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'isValidPreconfirmation', args: [preconf, preconfSignature] });
    if (!valid) throw new Error('the bench preconfirmation does not check on-chain: isValidPreconfirmation would measure its early exit');
    const lookupGas = {
      getValidatorByHash: await estimate('getValidator', [target.hash]),
      getValidatorByIndex: await estimate('getValidator', [target.index]),
      getValidators16: await estimate('getValidators', [validators.slice(0, 16).map((v) => v.hash)]),
      isValidatorInChainId: await estimate('isValidatorInChainId', [target.hash, mainId]),
      bitmapToChainIDs3: await estimate('bitmapToChainIDs', [bitmapFromPositions([1, 2, 3])]),
      isValidPreconfirmation: await estimate('isValidPreconfirmation', [preconf, preconfSignature]),
    };

    log('  commitment change, validator deregistration and operator deregistration gas');
    const setOperatorCommitment = await gasOf(podOperator, 'setOperatorCommitment', [{ ...commitment, chainIDBitMap: await chainIdsToBitmap(client, registry, [mainId]) }]);
    await mineDelay();
    const updateOperatorCommitment = await gasOf(podOperator, 'updateOperatorCommitment', []);
    const deregisterValidators: ValidatorBatchGas[] = [];
    for (const hashes of batches(validators)) deregisterValidators.push(batchGas(hashes.length, await gasOf(podOperator, 'deregisterValidators', [hashes])));
    const startDeregisterOperator = await gasOf(podOperator, 'startDeregisterOperator', []);
    await mineDelay();
    const finishDeregisterOperator = await gasOf(podOperator, 'finishDeregisterOperator', []);

    const gateway = await measureGateway(devnet.services!.preconf!.gateway.url, main, clients, seconds, log);
    return {
      registerValidators,
      registerValidatorsMarginal: marginal(registerValidators),
      deregisterValidators,
      deregisterValidatorsMarginal: marginal(deregisterValidators),
      operatorGas: { registerOperator, registerOperatorWithCommitment, setOperatorCommitment, updateOperatorCommitment, startDeregisterOperator, finishDeregisterOperator },
      lookupGas,
      gateway,
    };
  } finally {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The gateway runs (module comment); the sequential run sizes the concurrent one's supply of transactions. */
async function measureGateway(url: string, chainId: number, clients: number, seconds: number, log: (line: string) => void): Promise<PreconfBench['gateway']> {
  log(`  gateway: GET /v1/lookahead, ${clients} clients for ${seconds} s`);
  const lookahead = await runGatewayLoad({ kind: 'lookahead', url, chainId, clients, seconds });
  const key = derivedPrivateKey('bench/preconf-client');
  // Sized above what one client reaches: the gateway recovers each transaction's sender, a few ms of one core.
  const sequentialCount = seconds * 500;
  log(`  gateway: POST /v1/preconfs, 1 client for ${seconds} s`);
  const preconfsSequential = await runGatewayLoad({ kind: 'preconfs', url, chainId, clients: 1, seconds, signer: { key, firstNonce: 0, count: sequentialCount } });
  // Concurrent clients keep a single-threaded gateway busier than one client does, but not by more than a few times.
  const concurrentCount = Math.max(1_000, Math.ceil(preconfsSequential.perSecond * seconds * 3));
  log(`  gateway: POST /v1/preconfs, ${clients} clients for ${seconds} s (${concurrentCount} transactions signed beforehand)`);
  const preconfsConcurrent = await runGatewayLoad({ kind: 'preconfs', url, chainId, clients, seconds, signer: { key, firstNonce: sequentialCount, count: concurrentCount } });
  return { clients, seconds, lookahead, preconfsSequential, preconfsConcurrent };
}

/** A distinct 48-byte BLS public key for bench validator `i` (only its bytes matter to the pod and the registry). */
function benchPubkey(i: number): Hex {
  return concat([keccak256(stringToHex(`bench validator ${i}`)), slice(keccak256(stringToHex(`bench validator pad ${i}`)), 0, 16)]);
}

function batchGas(validators: number, total: number): ValidatorBatchGas {
  return { validators, total, perValidator: Math.round(total / validators) };
}

function marginal(rows: readonly ValidatorBatchGas[]): number {
  const [a, b] = [rows.at(-2)!, rows.at(-1)!];
  return Math.round((b.total - a.total) / (b.validators - a.validators));
}
