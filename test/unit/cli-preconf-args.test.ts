/**
 * The argument parsing of `avs preconf`: validators as pubkeys (hashed as EigenPods do, sha256 of the pubkey padded
 * with 16 zero bytes), pubkey hashes or beacon indices; chain-id lists and their bitmap once the registry has given
 * each chain id its position; delegate keys; the gateway URL. Every bad input is a UsageError naming the argument.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { keccak256 } from 'viem';
import { DEFAULT_GATEWAY_URL, resolveGatewayUrl } from '../../src/cli/commands/preconf-lookahead.ts';
import { UsageError } from '../../src/cli/errors.ts';
import {
  ALL_CHAIN_POSITIONS,
  chainBitmapOf,
  formatDelegateKey,
  parseChainIdList,
  parseDelegateKey,
  parseValidatorKeys,
  parseValidatorRef,
} from '../../src/cli/preconf-context.ts';

const PUBKEY = '0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c' as const;

/** sha256(pubkey ‖ 16 zero bytes) by node's own sha256, independent of viem. */
function nodePubkeyHash(pubkey: string): string {
  const bytes = Buffer.concat([Buffer.from(pubkey.slice(2), 'hex'), Buffer.alloc(16)]);
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

const usage = (pattern: RegExp) => (error: unknown) => error instanceof UsageError && pattern.test(error.message);

describe('preconf validator arguments', () => {
  it('reads a pubkey (any case) as the pubkey and its hash: sha256 over the pubkey padded to 64 bytes, not keccak256', () => {
    const ref = parseValidatorRef('<validator>', PUBKEY.toUpperCase().replace('0X', '0x'));
    assert.ok(ref.kind === 'pubkey');
    assert.equal(ref.pubkey, PUBKEY);
    assert.equal(ref.hash, nodePubkeyHash(PUBKEY));
    assert.notEqual(ref.hash, keccak256(PUBKEY));
  });

  it('reads 32 bytes as a pubkey hash, lower-cased', () => {
    const hash = nodePubkeyHash(PUBKEY);
    assert.deepEqual(parseValidatorRef('<validator>', hash.toUpperCase().replace('0X', '0x')), { kind: 'hash', text: hash.toUpperCase().replace('0X', '0x'), hash });
  });

  it('reads a decimal as a beacon index, 0 included, up to 2^64 - 1', () => {
    assert.deepEqual(parseValidatorRef('<validator>', '0'), { kind: 'index', text: '0', index: 0n });
    assert.deepEqual(parseValidatorRef('<validator>', '1234567'), { kind: 'index', text: '1234567', index: 1234567n });
    assert.equal((parseValidatorRef('<validator>', '18446744073709551615') as { index: bigint }).index, 2n ** 64n - 1n);
    assert.throws(() => parseValidatorRef('<validator>', '18446744073709551616'), usage(/above the largest validator index/));
  });

  it('refuses anything else, naming the argument and the forms it takes', () => {
    for (const bad of ['', '-1', '01', '1.5', '0x', `0x${'ab'.repeat(47)}`, `0x${'ab'.repeat(33)}`, `0x${'zz'.repeat(32)}`, '0x1f', 'ab'.repeat(48)]) {
      assert.throws(() => parseValidatorRef('<validator>', bad), usage(/^<validator> must be a 48-byte 0x BLS pubkey, its 32-byte 0x pubkey hash, or a decimal beacon-chain index/), bad);
    }
  });

  it('takes pubkeys and hashes for writes, refusing indices, repeats (a pubkey and its own hash too) and an empty list', () => {
    const hash = nodePubkeyHash(PUBKEY);
    const other = `0x${'11'.repeat(32)}`;
    assert.deepEqual(
      parseValidatorKeys('<validator>', [PUBKEY, other]).map((r) => r.hash),
      [hash, other],
    );
    assert.throws(() => parseValidatorKeys('<validator>', [PUBKEY, '7']), usage(/<validator> 7: give the validator's 48-byte pubkey or its 32-byte pubkey hash, not its beacon index/));
    assert.throws(() => parseValidatorKeys('<validator>', [PUBKEY, hash]), usage(new RegExp(`validator ${hash} is given twice \\(also as ${PUBKEY}\\)`)));
    assert.throws(() => parseValidatorKeys('<validator>', []), usage(/at least one validator/));
  });
});

describe('preconf chain lists and bitmaps', () => {
  it('parses distinct positive decimal chain ids in the order given', () => {
    assert.deepEqual(parseChainIdList('--chains', '1,8453, 10'), [1n, 8453n, 10n]);
    assert.deepEqual(parseChainIdList('--chains', '31337'), [31337n]);
  });

  it('refuses an empty list, zero, hex, negatives, blanks and repeats, naming the option', () => {
    assert.throws(() => parseChainIdList('--chains', ''), usage(/^--chains must list at least one chain id/));
    assert.throws(() => parseChainIdList('--chains', ' , '), usage(/^--chains must list at least one chain id/));
    for (const bad of ['0', '1,0', '0x1', '-5', '1,,2', '1;2', '08453']) {
      assert.throws(() => parseChainIdList('--chains', bad), usage(/^--chains must be comma-separated positive decimal chain ids/), bad);
    }
    assert.throws(() => parseChainIdList('--chains', '1,8453,1'), usage(/chain id 1 is given twice/));
    assert.throws(() => parseChainIdList('--chains', `2${'0'.repeat(77)}`), usage(/does not fit in uint256/));
  });

  it('sets bit i for position i of each chain id', () => {
    assert.deepEqual(chainBitmapOf([1n, 8453n], [1, 2]), { bitmap: 0b110n, unknown: [] });
    assert.deepEqual(chainBitmapOf([10n], [255]), { bitmap: 1n << 255n, unknown: [] });
    assert.deepEqual(chainBitmapOf([], []), { bitmap: 0n, unknown: [] });
  });

  it('reports every chain id without a position (position 0), in the order given, and no bitmap', () => {
    assert.deepEqual(chainBitmapOf([1n, 999n, 8453n, 7n], [1, 0, 2, 0]), { bitmap: 0n, unknown: [999n, 7n] });
    assert.throws(() => chainBitmapOf([1n, 2n], [1]), RangeError);
  });

  it('covers positions 1..255 and never bit 0 when listing every chain', () => {
    assert.equal(ALL_CHAIN_POSITIONS, 2n ** 256n - 2n);
    assert.equal(ALL_CHAIN_POSITIONS & 1n, 0n);
  });
});

describe('preconf delegate keys', () => {
  it('takes an address or other non-empty key bytes, lower-cased', () => {
    assert.equal(parseDelegateKey('--delegate-key', '0x90F79bf6EB2c4f870365E785982E1f101E93b906'), '0x90f79bf6eb2c4f870365e785982e1f101e93b906');
    assert.equal(parseDelegateKey('--delegate-key', PUBKEY), PUBKEY);
    for (const bad of ['', '0x', '0x1', '90f79bf6eb2c4f870365e785982e1f101e93b906', '0xzz']) {
      assert.throws(() => parseDelegateKey('--delegate-key', bad), usage(/^--delegate-key must be an 0x address or non-empty 0x hex bytes/), bad);
    }
  });

  it('shows a 20-byte key as a checksummed address, other keys as hex, none as null', () => {
    assert.equal(formatDelegateKey('0x90f79bf6eb2c4f870365e785982e1f101e93b906'), '0x90F79bf6EB2c4f870365E785982E1f101E93b906');
    assert.equal(formatDelegateKey(PUBKEY), PUBKEY);
    assert.equal(formatDelegateKey('0x'), null);
  });
});

describe('preconf gateway URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avs-preconf-args-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes --gateway first, then aggregator.preconfUrl of the deployment file, then the default', () => {
    const withUrl = join(dir, 'with.json');
    writeFileSync(withUrl, JSON.stringify({ aggregator: { url: 'http://127.0.0.1:8080', preconfUrl: 'http://127.0.0.1:8210/' } }));
    const without = join(dir, 'without.json');
    writeFileSync(without, JSON.stringify({ aggregator: { url: 'http://127.0.0.1:8080' } }));
    assert.equal(resolveGatewayUrl('https://gateway.example/', withUrl), 'https://gateway.example');
    assert.equal(resolveGatewayUrl(undefined, withUrl), 'http://127.0.0.1:8210');
    assert.equal(resolveGatewayUrl(undefined, without), DEFAULT_GATEWAY_URL);
    assert.equal(resolveGatewayUrl(undefined, join(dir, 'missing.json')), DEFAULT_GATEWAY_URL);
  });

  it('refuses a URL that is not http(s)', () => {
    assert.throws(() => resolveGatewayUrl('gateway:8200', undefined), usage(/^--gateway must be an http\(s\) URL/));
    assert.throws(() => resolveGatewayUrl('not a url', undefined), usage(/^--gateway must be an http\(s\) URL/));
  });
});
