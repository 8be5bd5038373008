/**
 * `avs automation` as real processes against a devnet with the automation AVS deployed (deployAutomation): a fresh
 * restaked operator generates its keys, registers with the AVS, names its delegated signer, and is activated by that
 * signer; once the next epoch is arranged, `executors` shows it executing every slot; it deactivates and deregisters.
 * A vault registers a time and a condition workflow, lists and shows them, cancels one, deposits and withdraws. Bad
 * invocations exit non-zero with one line naming the option, and no stack.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, getAddress, parseEther, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DittoEntryPointAbi, ExecutorScheduleAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { registerDevnetOperator } from '../../src/devnet/seed.ts';
import { advanceToEpoch } from '../../src/devnet/time.ts';
import { deployAutomation } from '../../src/services/automation/deploy.ts';
import type { AutomationContracts } from '../../src/services/automation/deployment.ts';
import { type AvsRun, assertOneLineError, runAvs } from '../helpers/cli.ts';

const STAKE = 2_000n * 10n ** 18n;

describe('avs automation (processes)', () => {
  let dir: string;
  let devnet: Devnet;
  let client: PublicClient;
  let section: AutomationContracts;
  let deploymentFile: string;
  const operatorKey = generatePrivateKey();
  const operator = privateKeyToAccount(operatorKey).address;
  const vaultKey = generatePrivateKey();
  const vault = privateKeyToAccount(vaultKey).address;
  let signingKey: Address;
  let signingKeyFile: string;
  let signer: Address;
  let signerFile: string;
  let effectiveEpoch: number;

  const avs = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> =>
    runAvs(['--deployment', deploymentFile, ...args], { AVS_OPERATOR_KEY: '', AVS_VAULT_KEY: '', AVS_SIGNING_KEY: '', AVS_KEYSTORE_PASSWORD: '', ...env });
  const json = <T>(run: AvsRun): T => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as T;
  };
  const setBalance = (address: Address, ether: bigint) =>
    client.request({ method: 'anvil_setBalance', params: [address, toHex(parseEther(ether.toString()))] } as never);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-automation-cli-'));
    deploymentFile = join(dir, 'devnet.json');
    devnet = await startDevnet({ operators: 1, remoteChains: 0, multiProver: false, dir, writeDeployment: deploymentFile });
    const { deployment } = devnet;
    client = devnet.clients.get(deployment.mainChainId)!;
    const main = deployment.chains.find((c) => c.chainId === deployment.mainChainId)!;
    section = await deployAutomation({
      deployer: devnet.deployer,
      main: { chainId: main.chainId, rpcUrl: main.rpcUrl },
      eigenlayer: deployment.eigenlayer,
      epoch: deployment.epoch,
      strategies: [{ strategy: deployment.eigenlayer.strategies[0]!, multiplier: 10_000n }],
      thresholdBps: 6_667,
      minimumWeight: 1n,
      maxProofAgeEpochs: 2,
      slotBlocks: 4,
      fees: { fixedReward: 200_000_000_000_000n, failureCompensationBps: 5_000, gasOverhead: 40_000n },
      wadToSlash: 10n ** 17n,
      metadataUri: 'https://avs-stack.invalid/devnet/automation.json',
      timelock: main.timelock,
    });
    // The deployment file gains its automation section, as a deployment with the service would have it.
    const file = JSON.parse(readFileSync(deploymentFile, 'utf8')) as { services: Record<string, unknown> };
    file.services.automation = section;
    writeFileSync(deploymentFile, JSON.stringify(file, null, 2));
    // A fresh restaked EigenLayer operator (the devnet's own have allocated all their magnitude to state proofs).
    await setBalance(operator, 100n);
    await registerDevnetOperator({ client, deployment, token: devnet.token, account: privateKeyToAccount(operatorKey), signingKey: generatePrivateKey(), stake: STAKE, index: 90, joinAvs: false });
    await setBalance(vault, 10n);
    writeFileSync(join(dir, 'pw'), 'automation-test-password\n');
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('operator generate writes a signing key and a delegated signer keystore', async () => {
    const keys = json<{ signingKey: Address; signingKeyFile: string; delegatedSigner: Address; delegatedSignerFile: string }>(
      await avs(['automation', 'operator', 'generate', '--name', 'exec', '--dir', join(dir, 'keys'), '--password-file', join(dir, 'pw'), '--json']),
    );
    ({ signingKey, signingKeyFile, delegatedSigner: signer, delegatedSignerFile: signerFile } = keys);
    assert.notEqual(signingKey, signer);
    // Web3 Secret Storage writes the address without 0x.
    assert.equal(getAddress(`0x${(JSON.parse(readFileSync(signingKeyFile, 'utf8')) as { address: string }).address}`), signingKey);
    assertOneLineError(await avs(['automation', 'operator', 'generate', '--name', 'exec', '--dir', join(dir, 'keys'), '--password-file', join(dir, 'pw')]), 1, /already exists/);
  });

  it('operator register joins operator set 0 with half the stake and registers the signing key', async () => {
    const result = json<{ status: string; operator: Address; signingKey: Address; weight: string; effectiveEpoch: number; transactionHash: Hex; transactions: Record<string, Hex> }>(
      await avs(['automation', 'operator', 'register', '--key', operatorKey, '--signing-key', signingKeyFile, '--magnitude', '50%', '--json']),
    );
    assert.equal(result.status, 'registered');
    assert.equal(result.operator, operator);
    assert.equal(getAddress(result.signingKey), signingKey);
    assert.equal(BigInt(result.weight), STAKE / 2n);
    assert.match(result.transactionHash, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(result.transactions).sort(), ['modifyAllocations', 'registerForOperatorSets', 'registerOperatorWithSignature']);
    effectiveEpoch = result.effectiveEpoch;
    // A rerun has nothing left to do.
    assert.equal(json<{ status: string }>(await avs(['automation', 'operator', 'register', '--key', operatorKey, '--signing-key', signingKey, '--magnitude', '500000000000000000', '--json'])).status, 'already registered');
  });

  it('operator set-signer names the delegated signer, which then activates the operator', async () => {
    const set = json<{ delegatedSigner: Address; transactionHash: Hex }>(await avs(['automation', 'operator', 'set-signer', signer, '--key', operatorKey, '--json']));
    assert.equal(set.delegatedSigner, signer);
    assert.match(set.transactionHash, /^0x[0-9a-f]{64}$/);
    assert.equal(getAddress(await client.readContract({ address: section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'delegatedSigner', args: [operator] })), signer);

    await setBalance(signer, 1n);
    const activated = json<{ operator: Address; active: boolean; takesEffect: string }>(
      await avs(['automation', 'operator', 'activate', '--ecdsa-keystore', signerFile, '--password-file', join(dir, 'pw'), '--operator', operator, '--json']),
    );
    assert.equal(activated.operator, operator);
    assert.equal(activated.active, true);
    assert.match(activated.takesEffect, /next arrangement/);
  });

  it('executors shows the operator in every slot once its epoch is arranged', async () => {
    const before = json<{ slots: unknown[]; activeExecutors: { operator: Address; delegatedSigner: Address | null }[] }>(await avs(['automation', 'executors', '--json']));
    assert.deepEqual(before.slots, []);
    assert.deepEqual(before.activeExecutors, [{ operator, delegatedSigner: signer }]);

    await advanceToEpoch(client, devnet.deployment.epoch, effectiveEpoch);
    const wallet = makeWalletClient(devnet.deployment.mainChainId, devnet.deployment.chains[0]!.rpcUrl, devnet.deployer);
    const hash = await wallet.writeContract({ address: section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'arrangeExecutors', args: [] });
    const arranged = await client.waitForTransactionReceipt({ hash });

    const after = json<{ block: string; epoch: number; slots: { slot: string; startBlock: string; endBlock: string; executor: Address; epoch: number }[] }>(
      await avs(['automation', 'executors', '--count', '3', '--json']),
    );
    assert.equal(after.slots.length, 3);
    for (const slot of after.slots) {
      assert.equal(slot.executor, operator);
      assert.equal(slot.epoch, effectiveEpoch);
      assert.equal(BigInt(slot.endBlock) - BigInt(slot.startBlock), 4n);
      assert.equal((BigInt(slot.startBlock) - arranged.blockNumber) % 4n, 0n);
    }
    assert.ok(BigInt(after.slots[0]!.startBlock) <= BigInt(after.block) && BigInt(after.block) < BigInt(after.slots[0]!.endBlock));
    const text = await avs(['automation', 'executors', '--count', '1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`slot \\d+ .*${operator}`));
  });

  it('operator deactivate takes effect at the next arrangement; deregister leaves the AVS', async () => {
    const deactivated = json<{ active: boolean; takesEffect: string; transactionHash: Hex }>(await avs(['automation', 'operator', 'deactivate', '--key', operatorKey, '--json']));
    assert.equal(deactivated.active, false);
    assert.match(deactivated.takesEffect, /next arrangement/);
    // The arranged slots keep their executor.
    const slots = json<{ slots: { executor: Address }[]; activeExecutors: unknown[] }>(await avs(['automation', 'executors', '--count', '1', '--json']));
    assert.equal(slots.slots[0]!.executor, operator);
    assert.deepEqual(slots.activeExecutors, []);

    const left = json<{ operatorSetLeft: boolean; transactionHash: Hex }>(await avs(['automation', 'operator', 'deregister', '--key', operatorKey, '--json']));
    assert.equal(left.operatorSetLeft, true);
    assert.match(left.transactionHash, /^0x[0-9a-f]{64}$/);
  });

  it('workflow register prints the id; list and show read the workflows back', async () => {
    const timeWorkflow = json<{ id: string; vault: Address; deposit: string; transactionHash: Hex; depositTransactionHash: Hex }>(
      await avs(
        ['automation', 'workflow', 'register', '--target', devnet.token, '--calldata', '0xd09de08a', '--max-gas-limit', '100000', '--max-gas-price', '2gwei', '--every', '60', '--deposit', '0.1', '--json'],
        { AVS_VAULT_KEY: vaultKey },
      ),
    );
    assert.equal(timeWorkflow.id, '0');
    assert.equal(timeWorkflow.vault, vault);
    assert.equal(timeWorkflow.deposit, '0.1');
    assert.match(timeWorkflow.depositTransactionHash, /^0x[0-9a-f]{64}$/);
    const condition = json<{ id: string }>(
      await avs([
        'automation', 'workflow', 'register', '--key', vaultKey, '--target', devnet.token, '--max-gas-limit', '150000', '--max-gas-price', '1500000000wei',
        '--checker', section.protocolFees, '--check-data', '0x1234', '--json',
      ]),
    );
    assert.equal(condition.id, '1');

    const list = json<{ count: string; deposit: string; workflows: { id: string; status: string; kind: string; maxGasPrice: string }[] }>(
      await avs(['automation', 'workflow', 'list', '--vault', vault, '--json']),
    );
    assert.equal(list.count, '2');
    assert.equal(list.deposit, '0.1');
    assert.deepEqual(list.workflows.map((w) => [w.id, w.status, w.kind, w.maxGasPrice]), [['0', 'active', 'time', '2000000000'], ['1', 'active', 'condition', '1500000000']]);

    const show = json<{ status: string; dueNow: boolean; nextRunAt: string; interval: string; chainTime: string; deposit: string; target: Address }>(
      await avs(['automation', 'workflow', 'show', vault, '0', '--json']),
    );
    assert.equal(show.status, 'active');
    assert.equal(show.interval, '60');
    assert.equal(show.target, getAddress(devnet.token));
    assert.ok(BigInt(show.nextRunAt) <= BigInt(show.chainTime));
    assert.equal(show.dueNow, true);
    const onChain = await client.readContract({ address: section.entryPoint, abi: DittoEntryPointAbi, functionName: 'workflow', args: [vault, 0n] });
    assert.equal(onChain.maxGasLimit, 100_000n);
  });

  it('workflow cancel, deposit and withdraw change the chain as they say', async () => {
    const cancelled = json<{ status: string; transactionHash: Hex }>(await avs(['automation', 'workflow', 'cancel', '0', '--key', vaultKey, '--json']));
    assert.equal(cancelled.status, 'cancelled');
    const show = json<{ status: string; dueNow: boolean; nextRunAt: string | null }>(await avs(['automation', 'workflow', 'show', vault, '0', '--json']));
    assert.deepEqual([show.status, show.dueNow, show.nextRunAt], ['cancelled', false, null]);
    assertOneLineError(await avs(['automation', 'workflow', 'cancel', '0', '--key', vaultKey]), 1, /WorkflowAlreadyCancelled/);

    const deposited = json<{ deposit: string; transactionHash: Hex }>(await avs(['automation', 'workflow', 'deposit', '0.05', '--key', vaultKey, '--json']));
    assert.equal(deposited.deposit, '0.15');
    // Without --json: aligned fields, the transaction hash among them.
    const text = await avs(['automation', 'workflow', 'deposit', '0.01', '--key', vaultKey]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^deposit:\s+0\.16$/m);
    assert.match(text.stdout, /^transactionHash:\s+0x[0-9a-f]{64}$/m);
    const withdrawn = json<{ deposit: string; transactionHash: Hex }>(await avs(['automation', 'workflow', 'withdraw', '0.11', '--key', vaultKey, '--json']));
    assert.equal(withdrawn.deposit, '0.05');
    assert.equal(await client.readContract({ address: section.entryPoint, abi: DittoEntryPointAbi, functionName: 'depositOf', args: [vault] }), parseEther('0.05'));
    assertOneLineError(await avs(['automation', 'workflow', 'withdraw', '1', '--key', vaultKey]), 1, /InsufficientDeposit/);
  });

  it('bad invocations exit non-zero with one line naming the option, and no stack', async () => {
    const base = ['automation', 'workflow', 'register', '--key', vaultKey, '--target', devnet.token, '--max-gas-limit', '100000'];
    assertOneLineError(await avs([...base, '--every', '60']), 2, /--max-gas-price/);
    assertOneLineError(await avs([...base, '--every', '60', '--max-gas-price', '20']), 2, /--max-gas-price.*gwei or wei/);
    assertOneLineError(await avs([...base, '--max-gas-price', '1gwei']), 2, /--every/);
    assertOneLineError(await avs([...base, '--max-gas-price', '1gwei', '--every', '60', '--checker', devnet.token, '--check-data', '0x']), 2, /not both/);
    assertOneLineError(await avs(['automation', 'workflow', 'register', '--key', vaultKey, '--target', '0x1234', '--max-gas-limit', '1', '--max-gas-price', '1gwei', '--every', '1']), 2, /--target/);
    assertOneLineError(await avs(['automation', 'operator', 'set-signer', 'nobody', '--key', operatorKey]), 2, /<address> must be a 0x address/);
    assertOneLineError(await avs(['automation', 'operator', 'register', '--key', operatorKey, '--signing-key', signingKey, '--magnitude', '150%']), 2, /--magnitude/);
    assertOneLineError(await avs(['automation', 'workflow', 'show', vault, '7']), 1, /no workflow 7/);
    assertOneLineError(await avs(['automation', 'workflow', 'deposit', 'lots', '--key', vaultKey]), 2, /<ether>/);
    assertOneLineError(await avs(['automation', 'executors', '--count', 'x']), 2, /--count/);
    assertOneLineError(await avs(['automation', 'workflow', 'cancel', '5']), 2, /--key is required/);
    // A deployment without the automation section is named as such.
    const file = JSON.parse(readFileSync(deploymentFile, 'utf8')) as { services: Record<string, unknown> };
    delete file.services.automation;
    const without = join(dir, 'without-automation.json');
    writeFileSync(without, JSON.stringify(file));
    assertOneLineError(await runAvs(['--deployment', without, 'automation', 'executors']), 1, /services\.automation/);
  });
});
