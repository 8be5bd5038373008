import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashMessage, keccak256, recoverAddress, toHex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import {
  InvalidSignatureError,
  recoverPublicKey,
  signDigest,
  signingKeyFromPrivateKey,
  publicKeyToAddress,
  verifyDigest,
} from '../../src/core/crypto/ecdsa.ts';

const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const key = signingKeyFromPrivateKey(privateKey);

describe('ecdsa', () => {
  it('derives the same address as viem', () => {
    assert.equal(key.address.toLowerCase(), privateKeyToAccount(privateKey).address.toLowerCase());
  });

  it('produces the same signature bytes as viem (RFC 6979, low s, v 27/28)', async () => {
    for (let i = 0; i < 20; i++) {
      const digest = keccak256(toHex(i));
      assert.equal(signDigest(key, digest), await sign({ hash: digest, privateKey, to: 'hex' }));
    }
  });

  it('verifies its own signatures and recovers the signer', async () => {
    const digest = hashMessage('hello');
    const signature = signDigest(key, digest);
    assert.ok(verifyDigest(key.publicKey, digest, signature));
    assert.equal(publicKeyToAddress(recoverPublicKey(digest, signature)), key.address);
    assert.equal((await recoverAddress({ hash: digest, signature })).toLowerCase(), key.address.toLowerCase());
  });

  it('rejects a signature over another digest, a bad v, or a wrong length', () => {
    const digest = keccak256('0x01');
    const signature = signDigest(key, digest);
    assert.equal(verifyDigest(key.publicKey, keccak256('0x02'), signature), false);
    assert.equal(verifyDigest(key.publicKey, digest, `${signature.slice(0, -2)}01` as `0x${string}`), false);
    assert.equal(verifyDigest(key.publicKey, digest, signature.slice(0, -2) as `0x${string}`), false);
    assert.equal(verifyDigest(key.publicKey, digest, '0xzz'), false);
  });

  it('throws a named error for an invalid private key or an unrecoverable signature', () => {
    assert.throws(() => signingKeyFromPrivateKey('0x00'), InvalidSignatureError);
    assert.throws(() => recoverPublicKey(keccak256('0x01'), '0x1234'), InvalidSignatureError);
  });
});
