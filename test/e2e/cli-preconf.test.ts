/**
 * `avs preconf` as real processes against a devnet with the preconf registry deployed and populated at start
 * (operators 0 and 1 registered with their pods' validators; operator 2's pod ready, the operator not registered).
 * Reads: the registry's chains, an operator, validators by pubkey, hash and index (index 0 included), one the registry
 * never saw. Writes: operator 2 registers with a commitment, registers its validators, changes its commitment (refused
 * before its block, then written down), deregisters validators (a stranger is refused while they are backed by stake)
 * and leaves in two steps (refused before the delay). Each refusal is one line saying why, with the block to come back
 * at. The lookahead through the devnet gateway, and an unreachable one. The chain mines a block per transaction only,
 * so every delay is counted in blocks the test mines itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, getAddress, parseEther, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { IUniFiAVSManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { silentLogger } from '../../src/core/logging.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { DEVNET_PRECONF_DELAY_BLOCKS, DEVNET_UNCOMMITTED_CHAIN_ID, type PreconfDevnet } from '../../src/devnet/preconf.ts';
import { type DevnetPreconf, startDevnetPreconf } from '../../src/devnet/preconfServices.ts';
import { type AvsRun, assertOneLineError, runAvs } from '../helpers/cli.ts';

const MAIN = 31337;
const REMOTE = 31338;

type Commitment = { delegateKey: string | null; chainIds: string[] };

describe('avs preconf (processes)', () => {
  let dir: string;
  let devnet: Devnet;
  let client: PublicClient;
  let preconf: PreconfDevnet;
  let registry: Address;
  let deploymentFile: string;
  let operatorKey: Hex;
  let operator: Address;
  let podOwner: Address;
  let gateway: DevnetPreconf | undefined;
  const strangerKey = generatePrivateKey();
  const stranger = privateKeyToAccount(strangerKey).address;
  const newDelegateKey = privateKeyToAccount(generatePrivateKey()).address;

  const avs = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> =>
    runAvs(['--deployment', deploymentFile, ...args], { AVS_OPERATOR_KEY: '', AVS_KEYSTORE_PASSWORD: '', ...env });
  const asOperator = (args: string[]) => avs(args, { AVS_OPERATOR_KEY: operatorKey });
  const json = <T>(run: AvsRun): T => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as T;
  };
  const head = () => client.getBlockNumber({ cacheTime: 0 });
  const mineTo = async (block: bigint) => {
    const now = await head();
    if (block > now) await client.request({ method: 'anvil_mine', params: [toHex(block - now)] } as never);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-preconf-cli-'));
    deploymentFile = join(dir, 'devnet.json');
    devnet = await startDevnet({ operators: 3, remoteChains: 1, multiProver: false, automation: false, mining: { mode: 'auto' }, dir, writeDeployment: deploymentFile });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    preconf = devnet.preconf!;
    registry = preconf.section.registry;
    const pod = preconf.pods.find((p) => p.operatorIndex === 2)!;
    operatorKey = devnet.operators.find((o) => o.index === 2)!.operatorKey;
    operator = privateKeyToAccount(operatorKey).address;
    podOwner = pod.owner.address;
    await client.request({ method: 'anvil_setBalance', params: [stranger, toHex(parseEther('10'))] } as never);
  });

  after(async () => {
    await gateway?.stop();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains lists every mapped position with its chain id, and the delay', async () => {
    const result = json<{ deregistrationDelayBlocks: string; chains: { position: number; chainId: string }[] }>(await avs(['preconf', 'chains', '--json']));
    assert.equal(BigInt(result.deregistrationDelayBlocks), DEVNET_PRECONF_DELAY_BLOCKS);
    assert.deepEqual(result.chains, [
      { position: 1, chainId: String(MAIN) },
      { position: 2, chainId: String(REMOTE) },
      { position: 3, chainId: String(DEVNET_UNCOMMITTED_CHAIN_ID) },
    ]);
    const text = await avs(['preconf', 'chains']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /position {3}2 {2}chain 31338/);
  });

  it('operator show reads an operator registered at start: its commitment in force with chain ids, and its validators', async () => {
    const registeredAtStart = preconf.registered.find((r) => r.operatorIndex === 0)!;
    const shown = json<{ registered: boolean; validatorCount: string; commitment: Commitment; pending: null; deregistration: null }>(
      await avs(['preconf', 'operator', 'show', registeredAtStart.operator, '--json']),
    );
    assert.equal(shown.registered, true);
    assert.equal(shown.validatorCount, '4');
    assert.deepEqual(shown.commitment.chainIds, registeredAtStart.chainIds.map(String));
    assert.equal(shown.commitment.delegateKey, preconf.delegateKey.address);
    assert.equal(shown.pending, null);
    assert.equal(shown.deregistration, null);
  });

  it('validator show finds a registered validator by pubkey, hash and index (index 0 is one), and says when it never saw one', async () => {
    const first = preconf.pods.find((p) => p.operatorIndex === 0)!;
    const v0 = first.validators.find((v) => v.index === 0n)!;
    for (const arg of [v0.pubkey, v0.pubkeyHash, '0']) {
      const shown = json<{ known: boolean; registered: boolean; operator: Address; eigenPod: Address; validatorIndex: string; status: string; backedByStake: boolean; liableUntilBlock: null; commitment: Commitment }>(
        await avs(['preconf', 'validator', 'show', arg, '--json']),
      );
      assert.equal(shown.known, true, arg);
      assert.equal(shown.registered, true);
      assert.equal(shown.operator, first.operator);
      assert.equal(shown.eigenPod, getAddress(first.pod));
      assert.equal(shown.validatorIndex, '0');
      assert.equal(shown.status, 'ACTIVE');
      assert.equal(shown.backedByStake, true);
      assert.equal(shown.liableUntilBlock, null);
      assert.equal(shown.commitment.delegateKey, preconf.delegateKey.address);
    }
    const outside = preconf.validators.at(-1)!;
    for (const arg of [outside.pubkey, String(outside.index)]) {
      assert.deepEqual(json<{ known: boolean; registered: boolean }>(await avs(['preconf', 'validator', 'show', arg, '--json'])).known, false);
    }
    const text = await avs(['preconf', 'validator', 'show', outside.pubkeyHash]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /not registered \(the registry has never registered it\)/);
    assertOneLineError(await avs(['preconf', 'validator', 'show', '0x1234']), 2, /<validator> must be a 48-byte 0x BLS pubkey/);
  });

  it('operator register refuses a chain the registry does not map (listing those it does) and a key that is not an EigenLayer operator', async () => {
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'register', '--delegate-key', newDelegateKey, '--chains', `${MAIN},12345`]),
      2,
      new RegExp(`--chains: the registry has no bitmap position for chain id 12345; it maps ${MAIN}, ${REMOTE}, ${DEVNET_UNCOMMITTED_CHAIN_ID}`),
    );
    assertOneLineError(await avs(['preconf', 'operator', 'register', '--chains', String(MAIN), '--key', strangerKey]), 2, /--chains needs --delegate-key/);
    assertOneLineError(
      await avs(['preconf', 'operator', 'register', '--delegate-key', newDelegateKey, '--key', strangerKey]),
      1,
      new RegExp(`${stranger} is not an EigenLayer operator`),
    );
  });

  it('operator register registers with a commitment in force at once; a second time is refused', async () => {
    const result = json<{ operator: Address; registered: boolean; commitment: Commitment; transactionHash: Hex }>(
      await asOperator(['preconf', 'operator', 'register', '--delegate-key', preconf.delegateKey.address, '--chains', String(MAIN), '--json']),
    );
    assert.equal(result.operator, operator);
    assert.equal(result.registered, true);
    assert.deepEqual(result.commitment, { delegateKey: preconf.delegateKey.address, chainIds: [String(MAIN)], chainIDBitMap: '2' });
    assert.match(result.transactionHash, /^0x[0-9a-f]{64}$/);
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'register', '--delegate-key', newDelegateKey]),
      1,
      /registerOperatorWithCommitment: 0x[0-9a-fA-F]{40} is already registered with the preconf registry; change its commitment with `avs preconf operator commitment set`/,
    );
  });

  it('validators register refuses a pod owner delegated elsewhere and a validator not in the pod, then registers pubkeys and hashes', async () => {
    const pod = preconf.pods.find((p) => p.operatorIndex === 2)!;
    const otherPod = preconf.pods.find((p) => p.operatorIndex === 0)!;
    const [a, b, c, d] = pod.validators;
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'validators', 'register', '--pod-owner', otherPod.owner.address, a!.pubkey]),
      1,
      new RegExp(`registerValidators: pod owner ${otherPod.owner.address} is delegated to ${otherPod.operator}, not to ${operator}`),
    );
    const outside = preconf.validators.at(-1)!;
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'validators', 'register', '--pod-owner', podOwner, a!.pubkey, outside.pubkey]),
      1,
      new RegExp(`registerValidators: validator ${outside.pubkey} is INACTIVE, not ACTIVE, in ${podOwner}'s EigenPod`),
    );
    assertOneLineError(await asOperator(['preconf', 'operator', 'validators', 'register', '--pod-owner', podOwner, String(a!.index)]), 2, /not its beacon index/);
    const result = json<{ eigenPod: Address; registered: { validator: string; blsPubKeyHash: Hex; validatorIndex: string }[]; validatorCount: string }>(
      await asOperator(['preconf', 'operator', 'validators', 'register', '--pod-owner', podOwner, a!.pubkey, b!.pubkey, c!.pubkeyHash, d!.pubkeyHash, '--json']),
    );
    assert.equal(result.eigenPod, getAddress(pod.pod));
    assert.deepEqual(
      result.registered.map((r) => [r.blsPubKeyHash, r.validatorIndex]),
      [a!, b!, c!, d!].map((v) => [v.pubkeyHash, String(v.index)]),
    );
    assert.equal(result.registered[0]!.validator, a!.pubkey);
    assert.equal(result.validatorCount, '4');
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'validators', 'register', '--pod-owner', podOwner, a!.pubkeyHash]),
      1,
      new RegExp(`validator ${a!.pubkeyHash} is already registered, with operator ${operator}`),
    );
  });

  it('commitment set prints the block it is in force from; update is refused before it, and writes it down after', async () => {
    const set = json<{ pending: Commitment; validFromBlock: string; inForceUntilThen: Commitment; transactionHash: Hex }>(
      await asOperator(['preconf', 'operator', 'commitment', 'set', '--chains', `${MAIN},${REMOTE}`, '--json']),
    );
    const receipt = await client.getTransactionReceipt({ hash: set.transactionHash });
    assert.equal(BigInt(set.validFromBlock), receipt.blockNumber + DEVNET_PRECONF_DELAY_BLOCKS);
    // The delegate key left out stays as it was.
    assert.deepEqual(set.pending.chainIds, [String(MAIN), String(REMOTE)]);
    assert.equal(set.pending.delegateKey, preconf.delegateKey.address);
    assert.deepEqual(set.inForceUntilThen.chainIds, [String(MAIN)]);
    const shown = json<{ pending: Commitment & { validFromBlock: string } }>(await avs(['preconf', 'operator', 'show', operator, '--json']));
    assert.equal(shown.pending.validFromBlock, set.validFromBlock);
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'commitment', 'update']),
      1,
      new RegExp(`updateOperatorCommitment: the pending commitment is valid from block ${set.validFromBlock} \\(now \\d+\\): rerun from that block`),
    );
    await mineTo(BigInt(set.validFromBlock));
    const updated = json<{ commitment: Commitment }>(await asOperator(['preconf', 'operator', 'commitment', 'update', '--json']));
    assert.deepEqual(updated.commitment.chainIds, [String(MAIN), String(REMOTE)]);
    assertOneLineError(await asOperator(['preconf', 'operator', 'commitment', 'update']), 1, /there is no pending commitment change to write down/);
  });

  it('validators deregister: a stranger is refused while they are backed by stake; their operator deregisters, and they stay liable', async () => {
    const [a, b] = preconf.pods.find((p) => p.operatorIndex === 2)!.validators;
    assertOneLineError(
      await avs(['preconf', 'operator', 'validators', 'deregister', a!.pubkey, '--key', strangerKey]),
      1,
      new RegExp(`deregisterValidators: validator ${a!.pubkey} is registered with operator ${operator} and still backed by stake .*only ${operator} may deregister it`),
    );
    const result = json<{ deregistered: { validator: string; blsPubKeyHash: Hex; operator: Address; liableUntilBlock: string }[]; transactionHash: Hex }>(
      await asOperator(['preconf', 'operator', 'validators', 'deregister', a!.pubkey, b!.pubkeyHash, '--json']),
    );
    const receipt = await client.getTransactionReceipt({ hash: result.transactionHash });
    const until = receipt.blockNumber + DEVNET_PRECONF_DELAY_BLOCKS;
    assert.deepEqual(result.deregistered, [
      { validator: a!.pubkey, blsPubKeyHash: a!.pubkeyHash, operator, liableUntilBlock: String(until) },
      { validator: b!.pubkeyHash, blsPubKeyHash: b!.pubkeyHash, operator, liableUntilBlock: String(until) },
    ]);
    const shown = json<{ registered: boolean; liableUntilBlock: string }>(await avs(['preconf', 'validator', 'show', a!.pubkeyHash, '--json']));
    assert.deepEqual(shown.registered, true);
    assert.equal(shown.liableUntilBlock, String(until));
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'validators', 'deregister', a!.pubkeyHash]),
      1,
      new RegExp(`validator ${a!.pubkeyHash} is already deregistered \\(from operator ${operator}; liable until block ${until}\\)`),
    );
  });

  it('deregister start is refused while validators remain; finish is refused before the delay, then leaves the registry', async () => {
    const [, , c, d] = preconf.pods.find((p) => p.operatorIndex === 2)!.validators;
    assertOneLineError(await asOperator(['preconf', 'operator', 'deregister', 'start']), 1, new RegExp(`${operator} still has 2 registered validators: deregister them first`));
    json(await asOperator(['preconf', 'operator', 'validators', 'deregister', c!.pubkeyHash, d!.pubkeyHash, '--json']));
    assertOneLineError(await asOperator(['preconf', 'operator', 'deregister', 'finish']), 1, /has not started deregistering: run `avs preconf operator deregister start` first/);
    const started = json<{ startedAtBlock: string; canFinishFromBlock: string }>(await asOperator(['preconf', 'operator', 'deregister', 'start', '--json']));
    assert.equal(BigInt(started.canFinishFromBlock), BigInt(started.startedAtBlock) + DEVNET_PRECONF_DELAY_BLOCKS);
    assertOneLineError(
      await asOperator(['preconf', 'operator', 'deregister', 'finish']),
      1,
      new RegExp(`finishDeregisterOperator: deregistration started at block ${started.startedAtBlock} and can finish from block ${started.canFinishFromBlock} \\(now \\d+\\): rerun from that block`),
    );
    const shown = json<{ deregistration: { canFinishFromBlock: string; canFinishNow: boolean } }>(await avs(['preconf', 'operator', 'show', operator, '--json']));
    assert.deepEqual(shown.deregistration.canFinishFromBlock, started.canFinishFromBlock);
    assert.equal(shown.deregistration.canFinishNow, false);
    await mineTo(BigInt(started.canFinishFromBlock));
    assert.equal(json<{ registered: boolean }>(await asOperator(['preconf', 'operator', 'deregister', 'finish', '--json'])).registered, false);
    const after = await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getOperator', args: [operator] });
    assert.equal(after.isRegistered, false);
  });

  it('lookahead prints the devnet gateway’s slots, judged for a chain, and fails on a gateway it cannot reach', async () => {
    gateway = await startDevnetPreconf(devnet, { logger: silentLogger() });
    const lookahead = json<{ chainId: string; slots: { validatorIndex: string; operator: string | null; canPreconf: boolean; reason: string | null }[] }>(
      await avs(['preconf', 'lookahead', '--gateway', gateway.gateway.url, '--chain-id', String(MAIN), '--json']),
    );
    assert.equal(lookahead.chainId, String(MAIN));
    assert.ok(lookahead.slots.length > 0);
    for (const s of lookahead.slots) assert.equal(s.canPreconf, s.reason === null);
    const text = await avs(['preconf', 'lookahead', '--gateway', gateway.gateway.url]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^http:\/\/.*: \d+ slots, \d+ preconfirmable for some chain\nslot +starts +validator +operator +chains +preconf\n/);
    // A port nothing listens on: the gateway's own, once stopped.
    const url = gateway.gateway.url;
    await gateway.stop();
    gateway = undefined;
    assertOneLineError(await avs(['preconf', 'lookahead', '--gateway', url]), 1, new RegExp(`cannot reach the preconf gateway at ${url.replace(/[.]/g, '\\.')}`));
  });
});
