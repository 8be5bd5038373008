/**
 * The chain values every file and API shares (src/core/chain/schemas.ts), and the places that read an RPC URL outside
 * a schema of their own: the deployment file and `--rpc`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeploymentError, parseDeployment } from '../../src/core/chain/deployment.ts';
import { addressSchema, decimalSchema, hexAddressSchema, rpcUrlSchema } from '../../src/core/chain/schemas.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { resolveChain } from '../../src/cli/options.ts';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const deployment = {
  mainChainId: 31337,
  chains: [{ chainId: 31337, rpcUrl: 'http://127.0.0.1:8545' }],
  eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [] },
  epoch: { genesis: '0', length: '120', grace: '20' },
};

describe('chain schemas', () => {
  it('RPC URLs: http and https only, one message for everything else', () => {
    for (const url of ['http://127.0.0.1:8545', 'https://eth.example/v2/key', 'HTTPS://EXAMPLE.COM']) assert.equal(rpcUrlSchema.parse(url), url);
    for (const bad of ['ws://127.0.0.1:8545', 'wss://eth.example/ws', 'ftp://x', 'localhost:8545', '', 8545, null]) {
      const result = rpcUrlSchema.safeParse(bad);
      assert.equal(result.success, false, String(bad));
      assert.deepEqual(
        result.error!.issues.map((i) => i.message),
        ['must be an http(s) URL'],
        String(bad),
      );
    }
  });

  it('addresses: any case in, checksummed out (or kept as written for wire messages)', () => {
    const lower = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
    assert.equal(addressSchema.parse(lower), '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    assert.equal(hexAddressSchema.parse(lower), lower);
    for (const bad of ['0x1234', lower.slice(2), `${lower}00`, 42]) {
      assert.deepEqual(
        addressSchema.safeParse(bad).error!.issues.map((i) => i.message),
        ['expected a 20-byte 0x address'],
      );
    }
    assert.equal(decimalSchema.parse('120'), 120n);
    assert.equal(decimalSchema.safeParse('-1').success, false);
  });

  it('a deployment file with a ws:// RPC URL is refused, naming the chain', () => {
    assert.equal(parseDeployment(deployment).chains[0].rpcUrl, 'http://127.0.0.1:8545');
    assert.throws(
      () => parseDeployment({ ...deployment, chains: [{ ...deployment.chains[0], rpcUrl: 'ws://127.0.0.1:8546' }] }, 'devnet.json'),
      (error: unknown) => error instanceof DeploymentError && error.message === 'devnet.json: chains.0.rpcUrl: must be an http(s) URL',
    );
  });

  it('--rpc takes only http(s), and does not echo the URL', () => {
    const parsed = parseDeployment(deployment);
    assert.equal(resolveChain(parsed, undefined, 'https://eth.example/key').rpcUrl, 'https://eth.example/key');
    assert.throws(
      () => resolveChain(parsed, undefined, 'wss://eth.example/key'),
      (error: unknown) => error instanceof UsageError && error.message === '--rpc must be an http(s) URL',
    );
  });
});
