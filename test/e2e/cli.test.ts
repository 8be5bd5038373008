/**
 * The real `avs` process against a real devnet: `state set` / `state get` round trip, and errors that are one line
 * without a stack trace, with exit code 2 for usage and 1 for failures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, toFunctionSelector } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AllocationManagerAbi, PermissionControllerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { devPrivateKey } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { assertOneLineError, runAvs } from '../helpers/cli.ts';
import { restakedOperator } from '../helpers/operators.ts';

describe('avs CLI', () => {
  let devnet: Devnet;
  let dir: string;
  let deploymentPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-cli-test-'));
    deploymentPath = join(dir, 'devnet.json');
    devnet = await startDevnet({ operators: 2, remoteChains: 1, dir, writeDeployment: deploymentPath });
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('state set then state get round-trips a value on the remote chain', async () => {
    const key = devPrivateKey(1);
    const set = await runAvs(['state', 'set', '77', '123456789012345678901234567890', '--chain', '31338', '--deployment', deploymentPath, '--json'], {
      AVS_PRIVATE_KEY: key,
    });
    assert.equal(set.code, 0, set.stderr);
    const written = JSON.parse(set.stdout) as { blockNumber: string; user: string; value: string };
    assert.equal(written.user, devnet.user.address);
    assert.equal(written.value, '123456789012345678901234567890');

    const get = await runAvs(['state', 'get', devnet.user.address, '77', '--chain', '31338', '--deployment', deploymentPath, '--json']);
    assert.equal(get.code, 0, get.stderr);
    const read = JSON.parse(get.stdout) as { exists: boolean; value: string; writtenInBlock: string };
    assert.equal(read.exists, true);
    assert.equal(read.value, '123456789012345678901234567890');
    assert.equal(read.writtenInBlock, written.blockNumber);

    // Before the write, at an earlier block, the history did not exist (absence is readable too).
    const before = await runAvs([
      'state', 'get', devnet.user.address, '77', '--chain', '31338', '--block', String(BigInt(written.blockNumber) - 1n), '--deployment', deploymentPath, '--json',
    ]);
    assert.equal(before.code, 0, before.stderr);
    assert.equal((JSON.parse(before.stdout) as { exists: boolean }).exists, false);

    // The main chain's StateManager is a different history.
    const main = await runAvs(['state', 'get', devnet.user.address, '77', '--deployment', deploymentPath, '--json']);
    assert.equal((JSON.parse(main.stdout) as { exists: boolean }).exists, false);
  });

  it('operator register joins the registry and the AVS operator set; deregister leaves both', async () => {
    // A restaked EigenLayer operator: the registry refuses one without stake the operator set can slash.
    const fresh = await restakedOperator(devnet, 1_000n * 10n ** 18n);
    const operatorKey = fresh.key;
    const operator = privateKeyToAccount(operatorKey);
    const signer = privateKeyToAccount(generatePrivateKey());

    // The operator key comes from an encrypted keystore, as on a public network.
    const keyDir = join(dir, 'keys');
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'correct horse battery staple\n');
    const imported = await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'op', '--dir', keyDir, '--password-file', passwordFile, operatorKey]);
    assert.equal(imported.code, 0, imported.stderr);
    const keystore = join(keyDir, 'op.ecdsa.key.json');
    const register = await runAvs(
      ['operator', 'register', '--ecdsa-keystore', keystore, '--password-file', passwordFile, '--signing-key', signer.address, '--deployment', deploymentPath, '--json'],
      { AVS_OPERATOR_KEY: '' },
    );
    assert.equal(register.code, 0, register.stderr);
    const joined = JSON.parse(register.stdout) as { operator: string; signingKey: string; avsDirectoryRegistered: boolean; operatorSetJoined: boolean };
    assert.equal(joined.operator, operator.address);
    assert.equal(joined.avsDirectoryRegistered, true);
    assert.equal(joined.operatorSetJoined, true);

    const deregister = await runAvs(['operator', 'deregister', '--ecdsa-keystore', keystore, '--deployment', deploymentPath, '--json'], {
      AVS_KEYSTORE_PASSWORD: 'correct horse battery staple',
    });
    assert.equal(deregister.code, 0, deregister.stderr);
    assert.equal((JSON.parse(deregister.stdout) as { operatorSetLeft: boolean }).operatorSetLeft, true);
  });

  it('an appointee registers an operator that signed its AVSDirectory registration apart', async () => {
    const fresh = await restakedOperator(devnet, 1_000n * 10n ** 18n);
    const appointeeKey = generatePrivateKey();
    const appointee = privateKeyToAccount(appointeeKey);
    const signer = privateKeyToAccount(generatePrivateKey());
    const main = devnet.deployment.chains[0]!;
    const client = devnet.clients.get(main.chainId)!;
    await client.request({ method: 'anvil_setBalance' as never, params: [appointee.address, '0x56bc75e2d63100000'] as never });
    const asAppointee = ['--operator', fresh.address, '--signing-key', signer.address, '--deployment', deploymentPath];

    // Without the operator's signature, nothing is sent.
    assertOneLineError(await runAvs(['operator', 'register', ...asAppointee], { AVS_OPERATOR_KEY: appointeeKey }), 2, /sign-registration/);

    const signatureFile = join(dir, 'registration-signature.json');
    const signed = await runAvs(['operator', 'sign-registration', '--out', signatureFile, '--deployment', deploymentPath, '--json'], { AVS_OPERATOR_KEY: fresh.key });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((JSON.parse(signed.stdout) as { operator: string }).operator, fresh.address);
    const withSignature = [...asAppointee, '--registration-signature', signatureFile, '--json'];

    // Not yet appointed: one line naming each appointment the operator's admin must make, and nothing sent.
    const refused = await runAvs(['operator', 'register', ...withSignature], { AVS_OPERATOR_KEY: appointeeKey });
    assertOneLineError(refused, 1, /may not act for operator/);
    for (const fn of ['registerForOperatorSets', 'modifyAllocations', 'registerOperatorWithSignature']) assert.match(refused.stderr, new RegExp(fn));
    const { allocationManager } = devnet.deployment.eigenlayer;
    assert.equal(
      await client.readContract({ address: allocationManager, abi: AllocationManagerAbi, functionName: 'isMemberOfOperatorSet', args: [fresh.address, { avs: devnet.deployment.stateProofs.serviceManager, id: 0 }] }),
      false,
    );

    // The operator appoints it (as `eigenlayer user appointee set` would) for exactly those three functions.
    const permissionController = await client.readContract({ address: allocationManager, abi: AllocationManagerAbi, functionName: 'permissionController' });
    const operatorWallet = makeWalletClient(main.chainId, main.rpcUrl, privateKeyToAccount(fresh.key));
    const calls: [Address, string][] = [
      [allocationManager, 'registerForOperatorSets(address,(address,uint32[],bytes))'],
      [allocationManager, 'modifyAllocations(address,((address,uint32),address[],uint64[])[])'],
      [devnet.deployment.stateProofs.stakeRegistry, 'registerOperatorWithSignature(address,(bytes,bytes32,uint256),address)'],
    ];
    for (const [target, signature] of calls) {
      const hash = await operatorWallet.writeContract({
        address: permissionController,
        abi: PermissionControllerAbi,
        functionName: 'setAppointee',
        args: [fresh.address, appointee.address, target, toFunctionSelector(signature)],
      });
      assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    }

    const register = await runAvs(['operator', 'register', ...withSignature], { AVS_OPERATOR_KEY: appointeeKey });
    assert.equal(register.code, 0, register.stderr);
    const joined = JSON.parse(register.stdout) as { operator: string; sentBy: string; signingKey: string; avsDirectoryRegistered: boolean; weight: string };
    assert.equal(joined.operator, fresh.address);
    assert.equal(joined.sentBy, appointee.address);
    assert.equal(joined.signingKey, signer.address);
    assert.equal(joined.avsDirectoryRegistered, true);
    assert.equal(BigInt(joined.weight), 1_000n * 10n ** 18n, 'weight is the whole stake the operator set can now slash');
  });

  it('exits 1 naming the keystore when its password is wrong', async () => {
    const keyDir = join(dir, 'keys-wrong');
    const passwordFile = join(dir, 'password-right');
    writeFileSync(passwordFile, 'right');
    assert.equal((await runAvs(['operator', 'keys', 'import', '--type', 'ecdsa', '--name', 'op', '--dir', keyDir, '--password-file', passwordFile, generatePrivateKey()])).code, 0);
    const keystore = join(keyDir, 'op.ecdsa.key.json');
    const run = await runAvs(['operator', 'deregister', '--ecdsa-keystore', keystore, '--deployment', deploymentPath], { AVS_KEYSTORE_PASSWORD: 'wrong' });
    assertOneLineError(run, 1, /password/i);
    assert.ok(run.stderr.includes(keystore), `names the keystore: ${run.stderr}`);
  });

  it('exits 2 with one line for a malformed argument', async () => {
    const run = await runAvs(['state', 'get', '0xnot-an-address', '1', '--deployment', deploymentPath]);
    assertOneLineError(run, 2, /<user> must be a 0x address/);
  });

  it('exits 2 with one line for an unknown command or option', async () => {
    assertOneLineError(await runAvs(['stat']), 2, /unknown command/);
    assertOneLineError(await runAvs(['state', 'get', '--bogus']), 2, /unknown option/);
  });

  it('exits 2 when the writer key is missing', async () => {
    const run = await runAvs(['state', 'set', '1', '2', '--deployment', deploymentPath], { AVS_PRIVATE_KEY: '' });
    assertOneLineError(run, 2, /--key is required/);
  });

  it('exits 1 with one line for a missing deployment file', async () => {
    const run = await runAvs(['state', 'get', devnet.user.address, '1', '--deployment', join(dir, 'missing.json')]);
    assertOneLineError(run, 1, /cannot read deployment file/);
  });

  it('exits 1 with one line naming the bad key of an invalid deployment file', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ mainChainId: 31337, chains: [] }));
    const run = await runAvs(['state', 'get', devnet.user.address, '1', '--deployment', bad]);
    assertOneLineError(run, 1, /chains/);
  });

  it('exits 1 with one line for a chain outside the deployment', async () => {
    const run = await runAvs(['state', 'get', devnet.user.address, '1', '--chain', '5', '--deployment', deploymentPath]);
    assertOneLineError(run, 1, /chain 5 is not part of this deployment/);
  });

  it('exits 1 with one line when the RPC endpoint is down', async () => {
    const run = await runAvs(['state', 'get', devnet.user.address, '1', '--rpc', 'http://127.0.0.1:9', '--deployment', deploymentPath]);
    assertOneLineError(run, 1, /cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it('prints help and exits 0', async () => {
    const run = await runAvs(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /devnet/);
    assert.match(run.stdout, /state/);
  });
});
