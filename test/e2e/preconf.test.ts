/**
 * The preconf service end to end on a real devnet: anvil chains, the registry and devnet EigenPodManager deployed,
 * pods, validators and registrations seeded, the devnet beacon node and the gateway running over them. The gateway's
 * lookahead agrees with the beacon node's duties and the registry; a preconfirmation for a registered proposer is
 * signed by the delegate key and accepted by the registry on-chain; a validator that exits its pod stops being able to
 * preconfirm, anyone may then deregister it, and the gateway refuses its slots.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Hex, type PublicClient, parseEther, parseGwei } from 'viem';
import { EigenPodManagerAbi, IUniFiAVSManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { preconfOnlyServices } from '../../src/devnet/preconfServices.ts';
import { createBeaconApiClient, epochOfSlot } from '../../src/services/preconf/beacon.ts';

type SlotJson = { slot: string; validatorIndex: string; blsPubKeyHash: Hex; operator: string | null; registered: boolean; backedByStake: boolean; chainIds: string[]; canPreconf: boolean; reason: string | null };

describe('preconf on a devnet: beacon node, registry and gateway', () => {
  let devnet: Devnet;
  let client: PublicClient;
  let gatewayUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'avs-preconf-e2e-'));

  const lookahead = async (chainId?: bigint): Promise<SlotJson[]> => {
    const response = await fetch(`${gatewayUrl}/v1/lookahead${chainId === undefined ? '' : `?chainId=${chainId}`}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { slots: SlotJson[] }).slots;
  };
  const transfer = (chainId: number, nonce: number) =>
    devnet.user.signTransaction({ chainId, type: 'eip1559', to: devnet.deployer.address, value: parseEther('0.001'), nonce, gas: 21_000n, maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') });
  const requestPreconf = async (chainId: number, slot: string, signedTransaction: Hex) => {
    const response = await fetch(`${gatewayUrl}/v1/preconfs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chainId: String(chainId), slot, signedTransaction }) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  before(async () => {
    // Slots of 2 s keep the lookahead moving within a test; 8 slots per epoch as the devnet default.
    devnet = await startDevnet({ operators: 3, remoteChains: 1, multiProver: false, automation: false, dir, services: preconfOnlyServices({ logLevel: 'silent', secondsPerSlot: 2n }) });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    gatewayUrl = devnet.services!.preconf!.gateway.url;
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the beacon node’s proposers from the current slot to the end of the next epoch, each with the registry’s view', async () => {
    const beacon = createBeaconApiClient({ url: devnet.services!.preconf!.beacon.url });
    const spec = await beacon.getSpec();
    const slots = await lookahead();
    assert.ok(slots.length > 0 && slots.length <= Number(2n * spec.slotsPerEpoch));
    const epoch = epochOfSlot(spec, BigInt(slots[0]!.slot));
    const duties = [...(await beacon.getProposerDuties(epoch)), ...(await beacon.getProposerDuties(epoch + 1n))];
    for (const s of slots) {
      const duty = duties.find((d) => d.slot === BigInt(s.slot));
      assert.ok(duty, `slot ${s.slot} is a duty of epoch ${epoch} or ${epoch + 1n}`);
      assert.equal(s.validatorIndex, duty.validatorIndex.toString());
    }
    const registered = new Map(devnet.preconf!.pods.flatMap((p) => p.validators.map((v) => [v.index.toString(), p] as const)));
    const registeredOperators = new Set(devnet.preconf!.registered.map((r) => r.operator));
    for (const s of slots) {
      const pod = registered.get(s.validatorIndex);
      if (pod && registeredOperators.has(pod.operator)) {
        assert.equal(s.operator, pod.operator);
        assert.ok(s.registered && s.backedByStake);
      } else {
        assert.equal(s.operator, null, `validator ${s.validatorIndex} is not registered`);
        assert.equal(s.canPreconf, false);
      }
    }
  });

  it('signs a preconfirmation for a registered proposer’s slot that the registry accepts on-chain, and refuses chains it did not commit to', async () => {
    const remote = devnet.chains[1]!.chainId;
    // Operator 0 committed to both chains; wait for one of its validators to propose at least two slots ahead.
    const operator0 = devnet.preconf!.registered.find((r) => r.operatorIndex === 0)!;
    let target: SlotJson | undefined;
    for (let i = 0; i < 60 && !target; i++) {
      target = (await lookahead(BigInt(remote))).slice(2).find((s) => s.operator === operator0.operator && s.canPreconf);
      if (!target) await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(target, 'a slot of operator 0 within a minute');
    const first = await requestPreconf(remote, target.slot, await transfer(remote, 0));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const p = first.body.preconfirmation;
    assert.equal(p.blsPubKeyHash, target.blsPubKeyHash);
    assert.equal(first.body.signer, devnet.preconf!.delegateKey.address);
    const valid = await client.readContract({
      address: devnet.preconf!.section.registry,
      abi: IUniFiAVSManagerAbi,
      functionName: 'isValidPreconfirmation',
      args: [{ chainId: BigInt(p.chainId), slot: BigInt(p.slot), txHash: p.txHash, blsPubKeyHash: p.blsPubKeyHash }, first.body.signature],
    });
    assert.equal(valid, true);
    const digest = await client.readContract({
      address: devnet.preconf!.section.registry,
      abi: IUniFiAVSManagerAbi,
      functionName: 'preconfirmationDigest',
      args: [{ chainId: BigInt(p.chainId), slot: BigInt(p.slot), txHash: p.txHash, blsPubKeyHash: p.blsPubKeyHash }],
    });
    assert.equal(first.body.digest, digest);
    // The same request again: the same preconfirmation, not a second signature.
    const again = await requestPreconf(remote, target.slot, await transfer(remote, 0));
    assert.equal(again.status, 200);
    assert.equal(again.body.signature, first.body.signature);
    // Chain 901 has a bitmap position but operator 0 did not commit to it.
    const refused = await requestPreconf(901, target.slot, await transfer(901, 0));
    assert.equal(refused.status, 422);
    assert.equal(refused.body.reason, 'chain-not-committed');
  });

  it('stops preconfirming for a validator that exits its pod; anyone may then deregister it', async () => {
    const pod = devnet.preconf!.pods.find((p) => p.operatorIndex === 1)!;
    const exiting = pod.validators[0]!;
    const registry = devnet.preconf!.section.registry;
    // The beacon chain's oracle (the deployer) records the exit in the pod.
    const oracle = makeWalletClient(devnet.deployment.mainChainId, devnet.chains[0]!.rpcUrl, devnet.deployer);
    const exit = await oracle.writeContract({ address: devnet.preconf!.section.eigenPodManager, abi: EigenPodManagerAbi, functionName: 'devnetWithdrawValidator', args: [exiting.pubkeyHash] });
    assert.equal((await client.waitForTransactionReceipt({ hash: exit })).status, 'success');
    const before = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getValidator', args: [exiting.pubkeyHash] });
    assert.equal(before.registered, true);
    assert.equal(before.backedByStake, false, 'a WITHDRAWN validator is not backed by stake');
    // Anyone (here a dev account that is neither operator nor pod owner) may deregister it.
    const stranger = makeWalletClient(devnet.deployment.mainChainId, devnet.chains[0]!.rpcUrl, devAccount(9));
    const hash = await stranger.writeContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'deregisterValidators', args: [[exiting.pubkeyHash]] });
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    const after = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getValidator', args: [exiting.pubkeyHash] });
    const delay = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getDeregistrationDelay' });
    assert.equal(after.registeredUntil, receipt.blockNumber + delay, 'liable until the delay passes');
    const operator = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getOperator', args: [pod.operator] });
    assert.equal(operator.validatorCount, BigInt(pod.validators.length - 1));
    // Once the gateway rebuilds its lookahead (it keeps one for half a second), the exited validator's slots are
    // refused: it is not backed by stake any more.
    await new Promise((r) => setTimeout(r, 600));
    for (const s of await lookahead(BigInt(devnet.deployment.mainChainId))) {
      if (s.validatorIndex === exiting.index.toString()) {
        assert.equal(s.canPreconf, false);
        assert.equal(s.reason, 'not-backed-by-stake');
      }
    }
  });
});
