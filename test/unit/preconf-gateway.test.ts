/**
 * The preconf gateway: Preconfirmation digests against test/vectors/preconf.json (which the forge tests read too) and
 * EIP-712 recomputed by hand; signing and client-side verification with real keys; and, on SQLite and Postgres, the
 * gateway's HTTP API over a fixed lookahead of real BLS validator keys and delegate keys: the lookahead with where it
 * can preconfirm, 400s naming the field, a preconfirmation signed (201) and answered again (200, same signature), the
 * refusals by reason, and a restarted gateway answering what it signed before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { type Address, type Hex, bytesToHex, encodeAbiParameters, getAddress, keccak256, numberToBytes, parseEther, serializeTransaction, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { LookaheadSlot, LookaheadSource, ProposerRegistration } from '../../src/services/preconf/lookahead.ts';
import {
  type Preconfirmation,
  preconfirmationDigest,
  recoverPreconfirmationSigner,
  signPreconfirmation,
  verifyPreconfirmation,
} from '../../src/services/preconf/preconfirmation.ts';
import { InvalidValidatorPubkeyError, validatorPubkeyHash as blsPubKeyHash } from '../../src/services/preconf/beacon.ts';
import { type PreconfGatewayApp, createPreconfGatewayApp } from '../../src/services/preconf/gateway/service.ts';
import { forEachDatabase } from '../helpers/db.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/preconf.json', import.meta.url), 'utf8'));
const U64_MAX = (1n << 64n) - 1n;
const U256_MAX = (1n << 256n) - 1n;

/** EIP-712 by hand, from the type string: the independent reference for viem's typed-data hashing. */
function manualDigest(p: Preconfirmation, registry: Address, registryChainId: bigint): Hex {
  const words = (...types: string[]) => types.map((type) => ({ type }));
  const separator = keccak256(
    encodeAbiParameters(words('bytes32', 'bytes32', 'bytes32', 'uint256', 'address'), [
      keccak256(toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')),
      keccak256(toHex('UniFiAVSManager')),
      keccak256(toHex('1')),
      registryChainId,
      registry,
    ]),
  );
  const structHash = keccak256(
    encodeAbiParameters(words('bytes32', 'uint256', 'uint64', 'bytes32', 'bytes32'), [
      keccak256(toHex('Preconfirmation(uint256 chainId,uint64 slot,bytes32 txHash,bytes32 blsPubKeyHash)')),
      p.chainId,
      p.slot,
      p.txHash,
      p.blsPubKeyHash,
    ]),
  );
  return keccak256(`0x1901${separator.slice(2)}${structHash.slice(2)}`);
}

/** A validator key of a BLS secret: Ethereum's, in G1, 48 bytes compressed. */
const pubkeyOf = (secret: bigint): Hex => bytesToHex(bls12_381.longSignatures.getPublicKey(numberToBytes(secret, { size: 32 })).toBytes());

const domain = { registry: getAddress(vectors.registry), registryChainId: vectors.registryChainId as number };
const held = [privateKeyToAccount(generatePrivateKey()), privateKeyToAccount(generatePrivateKey())];
const notHeld = privateKeyToAccount(generatePrivateKey());
const user = privateKeyToAccount(generatePrivateKey());

const registration = (delegateKey: Hex, chainIds: bigint[], changes: Partial<ProposerRegistration> = {}): ProposerRegistration => ({
  operator: getAddress(keccak256(delegateKey).slice(0, 42)),
  eigenPod: getAddress(keccak256(toHex(`pod ${delegateKey}`)).slice(0, 42)),
  registered: true,
  registeredUntil: U64_MAX,
  backedByStake: true,
  delegateKey,
  chainIDBitMap: 0b110n,
  chainIds,
  ...changes,
});

describe('preconfirmation digest and signature', () => {
  it('matches test/vectors/preconf.json and EIP-712 computed by hand', () => {
    const cases = vectors.cases as { pubkey: Hex; blsPubKeyHash: Hex; chainId: string; slot: string; txHash: Hex; digest: Hex }[];
    assert.ok(cases.length >= 6);
    assert.ok(cases.some((c) => c.slot === '0') && cases.some((c) => BigInt(c.slot) === U64_MAX), 'slot 0 and 2^64 − 1');
    assert.ok(cases.some((c) => BigInt(c.chainId) === U256_MAX), 'chain id 2^256 − 1');
    for (const c of cases) {
      assert.equal(blsPubKeyHash(c.pubkey), c.blsPubKeyHash, c.pubkey);
      const p = { chainId: BigInt(c.chainId), slot: BigInt(c.slot), txHash: c.txHash, blsPubKeyHash: c.blsPubKeyHash };
      assert.equal(preconfirmationDigest(p, domain), c.digest, `case slot ${c.slot}`);
      assert.equal(manualDigest(p, domain.registry, BigInt(domain.registryChainId)), c.digest, `case slot ${c.slot} by hand`);
    }
    assert.equal(blsPubKeyHash(pubkeyOf(1n)), cases[0]!.blsPubKeyHash, 'the first case is the key of secret 1');
    assert.throws(() => blsPubKeyHash(`0x${'ab'.repeat(47)}`), InvalidValidatorPubkeyError);
  });

  it('signs with a delegate key and verifies against the registration, refusing what the registry would', async () => {
    const [key] = held;
    const p: Preconfirmation = { chainId: 10n, slot: 123_456n, txHash: keccak256('0x01'), blsPubKeyHash: blsPubKeyHash(pubkeyOf(42n)) };
    const signature = await signPreconfirmation(key!, p, domain);
    assert.equal(await recoverPreconfirmationSigner(p, signature, domain), key!.address);
    const good = registration(key!.address, [1n, 10n]);
    assert.deepEqual(await verifyPreconfirmation(p, signature, good, domain), { valid: true, signer: key!.address });
    // The delegate key as the registry returns it (lower-case bytes) checks the same.
    assert.equal((await verifyPreconfirmation(p, signature, { ...good, delegateKey: key!.address.toLowerCase() as Hex }, domain)).valid, true);
    const refusals: [ProposerRegistration | null, Preconfirmation, Hex, string][] = [
      [null, p, signature, 'not-registered'],
      [{ ...good, registered: false }, p, signature, 'not-registered'],
      [{ ...good, backedByStake: false }, p, signature, 'not-backed-by-stake'],
      [{ ...good, chainIds: [1n] }, p, signature, 'chain-not-committed'],
      [{ ...good, delegateKey: pubkeyOf(42n) }, p, signature, 'delegate-key-not-address'],
      [{ ...good, delegateKey: notHeld.address }, p, signature, 'wrong-signer'],
      [good, { ...p, slot: p.slot + 1n }, signature, 'wrong-signer'],
      [good, p, await signPreconfirmation(key!, p, { ...domain, registryChainId: 1 }), 'wrong-signer'],
      [good, p, `0x${'00'.repeat(65)}`, 'bad-signature'],
    ];
    for (const [r, preconf, sig, reason] of refusals) assert.deepEqual(await verifyPreconfirmation(preconf, sig, r, domain), { valid: false, reason });
  });
});

/** Slots of 12 s from this time; the clock sits 6 s before the first lookahead slot unless a test moves it. */
const GENESIS = 1_700_000_000n;
const FIRST = 1000n;
const startsAt = (slot: bigint) => GENESIS + 12n * slot;
const [k1, k3] = held as [typeof user, typeof user];
const CHAIN = 1n;
/** Each slot's proposer, and why the gateway can or cannot preconfirm for chain 1 in it. */
const plan: { registration: ProposerRegistration | null; chain1: string | null }[] = [
  { registration: registration(k1.address, [CHAIN, 10n]), chain1: null },
  { registration: null, chain1: 'not-registered' },
  { registration: registration(notHeld.address, [CHAIN]), chain1: 'delegate-key-not-held' },
  { registration: registration(k1.address, [CHAIN], { backedByStake: false }), chain1: 'not-backed-by-stake' },
  { registration: registration('0x', [CHAIN]), chain1: 'no-delegate-key' },
  { registration: registration(k3.address, [10n, U256_MAX]), chain1: 'chain-not-committed' },
  { registration: registration(k3.address, [CHAIN], { registered: false, registeredUntil: 5n }), chain1: 'not-registered' },
  { registration: registration(pubkeyOf(77n), [CHAIN]), chain1: 'delegate-key-not-held' },
];
const lookaheadSlots: LookaheadSlot[] = plan.map((p, i) => {
  const pubkey = pubkeyOf(BigInt(1000 + i));
  return { slot: FIRST + BigInt(i), startsAt: startsAt(FIRST + BigInt(i)), validatorIndex: BigInt(500 + i), pubkey, blsPubKeyHash: blsPubKeyHash(pubkey), registration: p.registration };
});
const fixedLookahead = (slots: LookaheadSlot[]): LookaheadSource => ({ lookahead: async () => slots });

/** A transaction `user` signs for `chainId`; `nonce` makes each one distinct. */
const signedTx = (chainId: number, nonce: number) =>
  user.signTransaction({ type: 'eip1559', chainId, nonce, to: user.address, value: parseEther('0.01'), gas: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });

forEachDatabase('preconf gateway', ({ fresh }) => {
  let database: Awaited<ReturnType<typeof fresh>>;
  let built: PreconfGatewayApp;
  let now = startsAt(FIRST) - 6n;
  const start = async (db: typeof database | Awaited<ReturnType<typeof database.reopen>>, slots = lookaheadSlots) =>
    createPreconfGatewayApp({ lookahead: fixedLookahead(slots), ...domain, delegateKeys: held, database: db, now: () => now, validateResponses: true });
  const request = async (method: 'GET' | 'POST', url: string, payload?: object, app = built.app) => {
    const response = await app.inject({ method, url, payload });
    return { status: response.statusCode, body: response.json() };
  };
  const post = (payload: object, app = built.app) => request('POST', '/v1/preconfs', payload, app);

  before(async () => {
    database = await fresh();
    built = await start(database);
  });
  after(async () => {
    await built?.app.close();
  });

  it('answers the lookahead with where it can preconfirm, for chain 1, chain 10, and any chain', async () => {
    const forChain1 = await request('GET', '/v1/lookahead?chainId=1');
    assert.equal(forChain1.status, 200);
    assert.equal(forChain1.body.chainId, '1');
    assert.deepEqual(forChain1.body.slots.map((s: { reason: string | null }) => s.reason), plan.map((p) => p.chain1));
    const first = lookaheadSlots[0]!;
    assert.deepEqual(forChain1.body.slots[0], {
      slot: '1000',
      startsAt: new Date(Number(first.startsAt) * 1000).toISOString(),
      validatorIndex: '500',
      pubkey: first.pubkey,
      blsPubKeyHash: first.blsPubKeyHash,
      operator: first.registration!.operator,
      registered: true,
      backedByStake: true,
      delegateKey: k1.address,
      chainIds: ['1', '10'],
      canPreconf: true,
      reason: null,
    });
    assert.deepEqual(forChain1.body.slots[1], { ...forChain1.body.slots[1], operator: null, registered: false, delegateKey: null, chainIds: [], canPreconf: false });
    const forChain10 = (await request('GET', '/v1/lookahead?chainId=10')).body.slots as { canPreconf: boolean }[];
    assert.deepEqual(forChain10.map((s) => s.canPreconf), [true, false, false, false, false, true, false, false]);
    const any = await request('GET', '/v1/lookahead');
    assert.equal(any.body.chainId, null);
    assert.deepEqual(any.body.slots.map((s: { canPreconf: boolean }) => s.canPreconf), [true, false, false, false, false, true, false, false]);
    assert.equal(any.body.slots[5].chainIds[1], U256_MAX.toString());
  });

  it('refuses bad input with 400 naming the field', async () => {
    const tx = await signedTx(1, 0);
    const unsigned = serializeTransaction({ type: 'eip1559', chainId: 1, nonce: 0, to: user.address, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
    const cases: [string, string, object | undefined, RegExp][] = [
      ['GET', '/v1/lookahead?chainId=-1', undefined, /^querystring\.chainId: /],
      ['GET', `/v1/lookahead?chainId=${1n << 256n}`, undefined, /^querystring\.chainId: does not fit in uint256/],
      ['POST', '/v1/preconfs', { slot: '1000', signedTransaction: tx }, /^body\.chainId: /],
      ['POST', '/v1/preconfs', { chainId: '1', slot: (1n << 64n).toString(), signedTransaction: tx }, /^body\.slot: does not fit in uint64/],
      ['POST', '/v1/preconfs', { chainId: '1', slot: '1000' }, /^body\.signedTransaction: /],
      ['POST', '/v1/preconfs', { chainId: '1', slot: '1000', signedTransaction: '0xabc' }, /^body\.signedTransaction: expected the signed transaction/],
      ['POST', '/v1/preconfs', { chainId: '1', slot: '1000', signedTransaction: '0x1234' }, /^body\.signedTransaction: not a transaction/],
      ['POST', '/v1/preconfs', { chainId: '1', slot: '1000', signedTransaction: unsigned }, /^body\.signedTransaction: the transaction is not signed$/],
      ['POST', '/v1/preconfs', { chainId: '10', slot: '1000', signedTransaction: tx }, /^body\.signedTransaction: the transaction is for chain 1, not 10$/],
      ['GET', '/v1/preconfs/0x1234', undefined, /^params\.digest: expected 32 bytes/],
      ['GET', '/v1/preconfs?limit=0', undefined, /^querystring\.limit: /],
      ['GET', '/v1/preconfs?fromSlot=abc', undefined, /^querystring\.fromSlot: /],
      ['GET', `/v1/preconfs?toSlot=${1n << 64n}`, undefined, /^querystring\.toSlot: /],
    ];
    for (const [method, url, payload, message] of cases) {
      const { status, body } = await request(method as 'GET', url, payload);
      assert.equal(status, 400, `${method} ${url} ${JSON.stringify(payload)}`);
      assert.match(body.message, message, `${method} ${url}`);
    }
  });

  let first: { digest: Hex; signature: Hex; signedTransaction: Hex };
  it('preconfirms a transaction for a slot whose proposer committed to the chain (201), and the signature verifies', async () => {
    const signedTransaction = await signedTx(1, 1);
    const { status, body } = await post({ chainId: '1', slot: '1000', signedTransaction });
    assert.equal(status, 201, JSON.stringify(body));
    const slot = lookaheadSlots[0]!;
    const preconf = { chainId: 1n, slot: 1000n, txHash: keccak256(signedTransaction), blsPubKeyHash: slot.blsPubKeyHash };
    assert.deepEqual(body, {
      preconfirmation: { chainId: '1', slot: '1000', txHash: preconf.txHash, blsPubKeyHash: slot.blsPubKeyHash },
      registry: domain.registry,
      registryChainId: String(domain.registryChainId),
      digest: preconfirmationDigest(preconf, domain),
      signer: k1.address,
      signature: body.signature,
      createdAt: body.createdAt,
    });
    assert.deepEqual(await verifyPreconfirmation(preconf, body.signature, slot.registration, domain), { valid: true, signer: k1.address });
    first = { digest: body.digest, signature: body.signature, signedTransaction };
  });

  it('answers the same request again with 200 and the same preconfirmation, and by digest and slot range', async () => {
    const again = await post({ chainId: 1, slot: 1000, signedTransaction: first.signedTransaction });
    assert.equal(again.status, 200);
    assert.equal(again.body.signature, first.signature);
    assert.equal(again.body.digest, first.digest);
    const one = await request('GET', `/v1/preconfs/${first.digest.toUpperCase().replace('0X', '0x')}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.signedTransaction, first.signedTransaction);
    assert.deepEqual({ ...one.body, signedTransaction: undefined }, { ...again.body, signedTransaction: undefined });
    assert.equal((await request('GET', `/v1/preconfs/0x${'ab'.repeat(32)}`)).status, 404);
    assert.deepEqual((await request('GET', '/v1/preconfs?fromSlot=1000&toSlot=1000')).body.preconfs.map((p: { digest: Hex }) => p.digest), [first.digest]);
    assert.deepEqual((await request('GET', '/v1/preconfs?fromSlot=1001')).body.preconfs, []);
  });

  it('signs once when the same new request arrives twice at once, and with the second held key for its slot', async () => {
    const signedTransaction = await signedTx(10, 2);
    const both = await Promise.all([post({ chainId: '10', slot: '1005', signedTransaction }), post({ chainId: '10', slot: '1005', signedTransaction })]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 201]);
    assert.equal(both[0]!.body.signature, both[1]!.body.signature);
    assert.equal(both[0]!.body.signer, k3.address);
  });

  it('refuses by reason: unregistered chain or proposer, passed slot, key not held, beyond the lookahead', async () => {
    const refusals: [object, number, string][] = [
      [{ chainId: '137', slot: '1000', signedTransaction: await signedTx(137, 3) }, 422, 'chain-not-committed'],
      [{ chainId: '1', slot: '1001', signedTransaction: await signedTx(1, 4) }, 422, 'not-registered'],
      [{ chainId: '1', slot: '1006', signedTransaction: await signedTx(1, 4) }, 422, 'not-registered'],
      [{ chainId: '1', slot: '1003', signedTransaction: await signedTx(1, 4) }, 422, 'not-backed-by-stake'],
      [{ chainId: '1', slot: '1004', signedTransaction: await signedTx(1, 4) }, 422, 'no-delegate-key'],
      [{ chainId: '1', slot: '1002', signedTransaction: await signedTx(1, 4) }, 422, 'delegate-key-not-held'],
      [{ chainId: '1', slot: '1007', signedTransaction: await signedTx(1, 4) }, 422, 'delegate-key-not-held'],
      [{ chainId: '1', slot: '999', signedTransaction: await signedTx(1, 4) }, 409, 'slot-passed'],
      [{ chainId: '1', slot: '1008', signedTransaction: await signedTx(1, 4) }, 422, 'slot-not-in-lookahead'],
    ];
    for (const [payload, status, reason] of refusals) {
      const { status: got, body } = await post(payload);
      assert.equal(got, status, JSON.stringify(payload));
      assert.equal(body.reason, reason, JSON.stringify(body));
    }
    // Slot 1000 once it started, for a transaction not preconfirmed before it did.
    now = startsAt(FIRST);
    try {
      const late = await post({ chainId: '1', slot: '1000', signedTransaction: await signedTx(1, 5) });
      assert.deepEqual([late.status, late.body.reason], [409, 'slot-passed']);
      assert.equal((await request('GET', '/v1/lookahead?chainId=1')).body.slots[0].reason, 'slot-passed');
    } finally {
      now = startsAt(FIRST) - 6n;
    }
    const metrics = (await built.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /avs_preconf_gateway_preconfs_signed_total\{chain_id="1",avs_name="preconf"\} 1/);
    assert.match(metrics, /avs_preconf_gateway_preconfs_refused_total\{reason="delegate-key-not-held",avs_name="preconf"\} 2/);
    assert.match(metrics, /avs_preconf_gateway_preconfs_refused_total\{reason="slot-passed",avs_name="preconf"\} 2/);
    assert.match(metrics, /avs_preconf_gateway_lookahead_reads_total\{result="ok",avs_name="preconf"\} \d+/);
    assert.equal((await request('GET', '/v1/preconfs?limit=10')).body.preconfs.length, 2, 'nothing refused was stored');
  });

  it('after a restart, returns the stored preconfirmation even once the slot passed and the lookahead moved on', async () => {
    await built.app.close();
    now = startsAt(FIRST + 20n);
    built = await start(await database.reopen(), []);
    const again = await post({ chainId: '1', slot: '1000', signedTransaction: first.signedTransaction });
    assert.equal(again.status, 200);
    assert.equal(again.body.signature, first.signature);
    assert.equal((await request('GET', `/v1/preconfs/${first.digest}`)).body.signature, first.signature);
    assert.deepEqual((await request('GET', '/v1/preconfs')).body.preconfs.map((p: { preconfirmation: { slot: string } }) => p.preconfirmation.slot), ['1005', '1000']);
    const fresh = await post({ chainId: '1', slot: '1000', signedTransaction: await signedTx(1, 9) });
    assert.deepEqual([fresh.status, fresh.body.reason], [422, 'slot-not-in-lookahead']);
  });

  it('orders the store by slot numerically up to 2^64 − 1', async () => {
    const slots = [U64_MAX, 9n, 10n, 1n << 40n];
    for (const [i, slot] of slots.entries()) {
      const preconfirmation = { chainId: 5n, slot, txHash: keccak256(toHex(`order ${i}`)), blsPubKeyHash: lookaheadSlots[0]!.blsPubKeyHash };
      const record = {
        digest: preconfirmationDigest(preconfirmation, domain),
        preconfirmation,
        ...domain,
        signer: k1.address,
        signature: await signPreconfirmation(k1, preconfirmation, domain),
        signedTransaction: toHex(`order ${i}`),
        createdAt: Date.now(),
      };
      assert.equal((await built.store.insert(record)).created, true);
      // A different signature for the same key is never stored: the first one is answered.
      const other = await built.store.insert({ ...record, signature: `0x${'11'.repeat(65)}`, digest: keccak256(record.digest) });
      assert.deepEqual(other, { record, created: false });
    }
    const listed = await built.store.list({ fromSlot: 9n, limit: 10 });
    assert.deepEqual(listed.filter((p) => p.preconfirmation.chainId === 5n).map((p) => p.preconfirmation.slot), [U64_MAX, 1n << 40n, 10n, 9n]);
    assert.deepEqual((await built.store.list({ fromSlot: 11n, toSlot: 1n << 41n, limit: 10 })).map((p) => p.preconfirmation.slot), [1n << 40n, 1005n, 1000n]);
  });

  it('serves the node API, the dashboard and the OpenAPI document', async () => {
    assert.equal((await request('GET', '/eigen/node')).body.node_name, 'avs-stack preconf gateway');
    const services = (await request('GET', '/eigen/node/services')).body.services as { id: string; status: string }[];
    assert.deepEqual(services.map((s) => [s.id, s.status]), [['lookahead', 'Up'], ['signer', 'Up']]);
    const page = await built.app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Proposer lookahead/);
    assert.equal((await built.app.inject({ method: 'GET', url: '/dashboard/dashboard.js' })).statusCode, 200);
    const openapi = (await request('GET', '/openapi.json')).body;
    assert.ok(openapi.paths['/v1/lookahead']?.get && openapi.paths['/v1/preconfs']?.post && openapi.paths['/v1/preconfs']?.get && openapi.paths['/v1/preconfs/{digest}']?.get);
  });
});
