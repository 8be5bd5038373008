/**
 * The devnet beacon node read through the preconf gateway's Beacon API client, over HTTP on a free port: genesis, spec,
 * proposer duties (each slot once, the documented schedule, the same on two nodes, only active validators), spec
 * error answers (400 far-future and malformed epochs and ids, 404 unknown validators and states), validators by index
 * and pubkey, a status change that leaves the past alone, syncing, network failures, and the devnet BLS keys and the
 * EigenPod pubkey hash. The nodes' clock is a variable the tests set, so nothing depends on when they run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { type Hex, bytesToHex, hexToBytes, keccak256 } from 'viem';
import {
  DevnetBeaconError,
  type DevnetBeaconNode,
  FAR_FUTURE_EPOCH,
  devnetValidatorKeys,
  podWithdrawalCredentials,
  startDevnetBeaconNode,
  validatorPubkeyHash,
} from '../../src/devnet/beaconNode.ts';
import {
  BeaconApiError,
  type BeaconApiClient,
  InvalidValidatorPubkeyError,
  createBeaconApiClient,
  currentSlot,
  epochOfSlot,
  slotStartTime,
} from '../../src/services/preconf/beacon.ts';

const GENESIS = 1_700_000_000n;
const SECONDS_PER_SLOT = 2n;
const SLOTS_PER_EPOCH = 8n;
const POD = '0x00000000000000000000000000000000000000a1';

/** The documented schedule, computed here from scratch: active[sha256(root ‖ uint64le(slot)) mod n]. */
function expectedProposer(root: Hex, slot: bigint, active: readonly bigint[]): bigint {
  const le = new Uint8Array(8);
  for (let i = 0; i < 8; i++) le[i] = Number((slot >> BigInt(8 * i)) & 0xffn);
  const digest = nobleSha256(new Uint8Array([...hexToBytes(root), ...le]));
  return active[Number(BigInt(bytesToHex(digest)) % BigInt(active.length))]!;
}

/** Expects `promise` to fail with a BeaconApiError of `status` whose message names `path` and matches `pattern`. */
async function rejectsWith(promise: Promise<unknown>, status: number | undefined, path: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BeaconApiError, String(error));
    assert.equal(error.status, status);
    assert.ok(error.message.includes(path), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('devnet beacon node through the Beacon API client', () => {
  const keys = devnetValidatorKeys(6);
  const validators = keys.map((k) => ({ index: k.index, pubkey: k.pubkey, withdrawalCredentials: podWithdrawalCredentials(POD) }));
  /** Unix seconds the nodes think it is: epoch 3, slot 27 (3 × 8 + 3), one second into it. */
  let now = GENESIS + 27n * SECONDS_PER_SLOT + 1n;
  const options = { genesisTime: GENESIS, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH, validators, now: () => now };
  let node: DevnetBeaconNode;
  let twin: DevnetBeaconNode;
  let beacon: BeaconApiClient;
  let twinBeacon: BeaconApiClient;

  before(async () => {
    node = await startDevnetBeaconNode({ ...options, port: 0 });
    twin = await startDevnetBeaconNode({ ...options, port: 0 });
    beacon = createBeaconApiClient({ url: node.url });
    twinBeacon = createBeaconApiClient({ url: `${twin.url}/` });
  });
  after(async () => {
    await node?.close();
    await twin?.close();
  });

  it('answers genesis: the time given, sha256 of the pubkeys by index as the validators root, the devnet fork version', async () => {
    const genesis = await beacon.getGenesis();
    const pubkeys = keys.flatMap((k) => [...hexToBytes(k.pubkey)]);
    assert.deepEqual(genesis, {
      genesisTime: GENESIS,
      genesisValidatorsRoot: bytesToHex(nobleSha256(new Uint8Array(pubkeys))),
      genesisForkVersion: '0x10000000',
    });
  });

  it('answers the spec constants, with mainnet slot timing by default', async () => {
    assert.deepEqual(await beacon.getSpec(), { secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH });
    const plain = await startDevnetBeaconNode({ genesisTime: GENESIS, validators });
    try {
      assert.deepEqual(await createBeaconApiClient({ url: plain.url }).getSpec(), { secondsPerSlot: 12n, slotsPerEpoch: 32n });
    } finally {
      await plain.close();
    }
  });

  it('answers syncing at the current slot, and the slot helpers agree with it', async () => {
    const syncing = await beacon.getSyncing();
    assert.deepEqual(syncing, { headSlot: 27n, syncDistance: 0n, isSyncing: false, isOptimistic: false, elOffline: false });
    const [genesis, spec] = await Promise.all([beacon.getGenesis(), beacon.getSpec()]);
    assert.equal(currentSlot(genesis, spec, now), 27n);
    assert.equal(epochOfSlot(spec, 27n), 3n);
    assert.equal(slotStartTime(genesis, spec, 27n), GENESIS + 54n);
    assert.ok(slotStartTime(genesis, spec, 27n) <= now && now < slotStartTime(genesis, spec, 28n));
    assert.equal(currentSlot(genesis, spec, GENESIS - 100n), 0n, 'before genesis');
  });

  it('gives every slot of the current and the next epoch one proposer, by the documented schedule, the same on a second node', async () => {
    const { genesisValidatorsRoot: root } = await beacon.getGenesis();
    const all = keys.map((k) => k.index);
    const seen = new Set<bigint>();
    for (const epoch of [3n, 4n]) {
      const duties = await beacon.getProposerDuties(epoch);
      assert.deepEqual(
        duties.map((d) => d.slot),
        Array.from({ length: Number(SLOTS_PER_EPOCH) }, (_, i) => epoch * SLOTS_PER_EPOCH + BigInt(i)),
      );
      for (const d of duties) {
        assert.equal(d.validatorIndex, expectedProposer(root, d.slot, all), `slot ${d.slot}`);
        assert.equal(d.pubkey, keys[Number(d.validatorIndex)]!.pubkey);
        seen.add(d.validatorIndex);
      }
      assert.deepEqual(await twinBeacon.getProposerDuties(epoch), duties);
    }
    assert.ok(seen.size > 2, `16 slots spread over more than two of six validators, got ${[...seen]}`);
    // An epoch already past is still answered.
    assert.equal((await beacon.getProposerDuties(0n)).length, Number(SLOTS_PER_EPOCH));
  });

  it('refuses (400) an epoch beyond the next and a malformed one, with spec error bodies', async () => {
    await rejectsWith(beacon.getProposerDuties(5n), 400, '/eth/v1/validator/duties/proposer/5', /400 Bad Request: Request epoch 5 is more than one epoch ahead of current epoch 3/);
    await rejectsWith(beacon.getProposerDuties(-1n), 400, '/eth/v1/validator/duties/proposer/-1', /400.*params\.epoch/);
    for (const path of ['/eth/v1/validator/duties/proposer/abc', '/eth/v1/beacon/states/nowhere/validators/0', '/eth/v1/beacon/states/head/validators/0x12']) {
      const response = await fetch(`${node.url}${path}`);
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as { code: number; message: string };
      assert.equal(body.code, 400, path);
      assert.ok(body.message.length > 0, path);
    }
    const missing = await fetch(`${node.url}/eth/v1/beacon/heads`);
    assert.deepEqual([missing.status, ((await missing.json()) as { code: number }).code], [404, 404]);
  });

  it('answers a validator by index (0 included) and by pubkey, in the head, finalized and genesis states', async () => {
    const first = await beacon.getValidator('head', 0n);
    assert.deepEqual(first, {
      index: 0n,
      status: 'active_ongoing',
      balance: 32_000_000_000n,
      pubkey: keys[0]!.pubkey,
      withdrawalCredentials: `0x01${'00'.repeat(11)}${POD.slice(2)}`,
      effectiveBalance: 32_000_000_000n,
      slashed: false,
      activationEligibilityEpoch: 0n,
      activationEpoch: 0n,
      exitEpoch: FAR_FUTURE_EPOCH,
      withdrawableEpoch: FAR_FUTURE_EPOCH,
      finalized: false,
      executionOptimistic: false,
    });
    const byKey = await beacon.getValidator('head', keys[4]!.pubkey.toUpperCase().replace('0X', '0x') as Hex);
    assert.equal(byKey.index, 4n);
    assert.equal(byKey.pubkey, keys[4]!.pubkey);
    assert.equal((await beacon.getValidator('finalized', 4n)).finalized, true);
    assert.equal((await beacon.getValidator('genesis', keys[2]!.pubkey)).index, 2n);
    assert.equal((await beacon.getValidator(27n, 5n)).status, 'active_ongoing');
  });

  it('answers 404 for an unknown validator, a slot beyond the head and a state root it does not keep', async () => {
    const stranger = devnetValidatorKeys(1, 'another devnet')[0]!.pubkey;
    await rejectsWith(beacon.getValidator('head', 6n), 404, '/eth/v1/beacon/states/head/validators/6', /404 Not Found: Validator not found/);
    await rejectsWith(beacon.getValidator('head', stranger), 404, `/validators/${stranger}`, /Validator not found/);
    await rejectsWith(beacon.getValidator(28n, 0n), 404, '/eth/v1/beacon/states/28/validators/0', /State not found/);
    await rejectsWith(beacon.getValidator(`0x${'ab'.repeat(32)}`, 0n), 404, '/states/0xabab', /State not found/);
  });

  it('drops a withdrawn validator from the duties from the current slot on, keeping the slots before', async () => {
    const before3 = await beacon.getProposerDuties(3n);
    const before4 = await beacon.getProposerDuties(4n);
    // A validator that proposed a slot before the current one (27) and one in the next epoch.
    const gone = before3.find((d) => d.slot < 27n && before4.some((n) => n.validatorIndex === d.validatorIndex))?.validatorIndex;
    assert.ok(gone !== undefined, 'the schedule has a validator proposing both before slot 27 and in epoch 4');
    const rootBefore = await dependentRoot(node.url, 4n);

    node.setValidatorStatus(gone, 'withdrawal_done');
    const after3 = await beacon.getProposerDuties(3n);
    const after4 = await beacon.getProposerDuties(4n);
    assert.deepEqual(after3.filter((d) => d.slot < 27n), before3.filter((d) => d.slot < 27n), 'past slots keep their proposers');
    assert.ok(after3.some((d) => d.slot < 27n && d.validatorIndex === gone));
    assert.ok(after3.filter((d) => d.slot >= 27n).every((d) => d.validatorIndex !== gone));
    assert.equal(after4.length, Number(SLOTS_PER_EPOCH));
    assert.ok(after4.every((d) => d.validatorIndex !== gone), 'withdrawn: no duty in the next epoch');
    const { genesisValidatorsRoot: root } = await beacon.getGenesis();
    const remaining = keys.map((k) => k.index).filter((i) => i !== gone);
    for (const d of after4) assert.equal(d.validatorIndex, expectedProposer(root, d.slot, remaining), `slot ${d.slot}`);
    assert.notEqual(await dependentRoot(node.url, 4n), rootBefore, 'a changed schedule has a new dependent root');
    assert.deepEqual(await twinBeacon.getProposerDuties(4n), before4, 'the other node was not told');

    const record = await beacon.getValidator('head', gone);
    assert.deepEqual([record.status, record.balance, record.effectiveBalance, record.exitEpoch, record.withdrawableEpoch], ['withdrawal_done', 0n, 0n, 3n, 3n]);
    assert.equal((await beacon.getValidator(26n, gone)).status, 'active_ongoing', 'the state before the change');

    // An epoch later the next epoch's schedule still leaves it out.
    now += SLOTS_PER_EPOCH * SECONDS_PER_SLOT;
    assert.equal((await beacon.getSyncing()).headSlot, 35n);
    const later = await beacon.getProposerDuties(5n);
    assert.equal(later.length, Number(SLOTS_PER_EPOCH));
    assert.ok(later.every((d) => d.validatorIndex !== gone));
  });

  it('refuses a status for an unknown validator', () => {
    assert.throws(() => node.setValidatorStatus(99n, 'exited_unslashed'), DevnetBeaconError);
  });

  it('reports a node it cannot reach and an answer off the spec as BeaconApiError naming the path', async () => {
    const closed = await startDevnetBeaconNode({ genesisTime: GENESIS, validators });
    await closed.close();
    await rejectsWith(createBeaconApiClient({ url: closed.url }).getGenesis(), undefined, '/eth/v1/beacon/genesis', /cannot reach the beacon node at http:\/\/127\.0\.0\.1/);
    // A URL whose path answers other JSON: the node's OpenAPI document is not a genesis.
    const offSpec = createBeaconApiClient({ url: node.url, fetch: (_input, init) => fetch(`${node.url}/openapi.json`, init) });
    await rejectsWith(offSpec.getGenesis(), 200, '/eth/v1/beacon/genesis', /unexpected answer: data: /);
  });
});

/** The dependent_root of the duties of `epoch`, read raw (the client returns the duties only). */
async function dependentRoot(url: string, epoch: bigint): Promise<string> {
  const body = (await (await fetch(`${url}/eth/v1/validator/duties/proposer/${epoch}`)).json()) as { dependent_root: string };
  assert.match(body.dependent_root, /^0x[0-9a-f]{64}$/);
  return body.dependent_root;
}

describe('devnet validator keys and the EigenPod pubkey hash', () => {
  it('derives the same real BLS12-381 keys every time: 48-byte compressed G1 pubkeys that verify their signatures', () => {
    const keys = devnetValidatorKeys(4);
    assert.deepEqual(devnetValidatorKeys(4), keys);
    assert.deepEqual(devnetValidatorKeys(2), keys.slice(0, 2), 'a key depends on its index only');
    assert.deepEqual(
      keys.map((k) => k.index),
      [0n, 1n, 2n, 3n],
    );
    assert.equal(new Set(keys.map((k) => k.pubkey)).size, 4);
    assert.notEqual(devnetValidatorKeys(1, 'another devnet')[0]!.pubkey, keys[0]!.pubkey);
    const bls = bls12_381.longSignatures;
    for (const k of keys) {
      assert.equal(hexToBytes(k.pubkey).length, 48);
      assert.equal(hexToBytes(k.secretKey).length, 32);
      const point = bls12_381.G1.Point.fromBytes(hexToBytes(k.pubkey));
      point.assertValidity();
      const message = bls.hash(new TextEncoder().encode(`validator ${k.index}`));
      assert.ok(bls.verify(bls.sign(message, hexToBytes(k.secretKey)), message, point));
    }
  });

  it('hashes a pubkey as sha256(pubkey ‖ 16 zero bytes), not keccak256, and refuses other lengths', () => {
    for (const { pubkey } of devnetValidatorKeys(3)) {
      const expected = bytesToHex(nobleSha256(new Uint8Array([...hexToBytes(pubkey), ...new Uint8Array(16)])));
      assert.equal(validatorPubkeyHash(pubkey), expected);
      assert.notEqual(validatorPubkeyHash(pubkey), keccak256(pubkey));
    }
    assert.throws(() => validatorPubkeyHash(`0x${'11'.repeat(47)}`), InvalidValidatorPubkeyError);
  });
});
