import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { Registry } from 'prom-client';
import { createPublicClient, custom } from 'viem';
import { makePublicClient } from '../../src/core/chain/clients.ts';
import { instrumentRpcClients, instrumentTransport, resetRpcMetrics } from '../../src/core/chain/rpcMetrics.ts';

afterEach(() => resetRpcMetrics());

/** An EIP-1193 provider answering like a node whose client version is `version`. */
function provider(version: string, calls: string[]) {
  return custom({
    async request({ method }: { method: string }) {
      calls.push(method);
      if (method === 'web3_clientVersion') return version;
      if (method === 'eth_blockNumber') return '0x2a';
      if (method === 'eth_chainId') return '0x7a69';
      throw new Error(`unexpected ${method}`);
    },
  });
}

it('times and counts every request by method and the endpoint client version, asking the version once', async () => {
  const registry = new Registry();
  const metrics = instrumentRpcClients(registry);
  const calls: string[] = [];
  const client = createPublicClient({ transport: instrumentTransport(provider('anvil/v1.7.1', calls), metrics) });
  assert.equal(await client.getBlockNumber({ cacheTime: 0 }), 42n);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await client.getBlockNumber({ cacheTime: 0 }), 42n);
  assert.equal(calls.filter((m) => m === 'web3_clientVersion').length, 1);

  const total = await registry.getSingleMetricAsString('eigen_rpc_request_total');
  assert.match(total, /eigen_rpc_request_total\{method="eth_blockNumber",client_version="unknown"\} 1/);
  assert.match(total, /eigen_rpc_request_total\{method="eth_blockNumber",client_version="anvil\/v1.7.1"\} 1/);
  assert.doesNotMatch(total, /web3_clientVersion/);
  const duration = await registry.getSingleMetricAsString('eigen_rpc_request_duration_seconds');
  assert.match(duration, /eigen_rpc_request_duration_seconds_count\{method="eth_blockNumber",client_version="anvil\/v1.7.1"\} 1/);
});

it('instruments the clients the project makes once a registry is set, and not before', async () => {
  const before = makePublicClient(31337, 'http://127.0.0.1:1');
  const registry = new Registry();
  instrumentRpcClients(registry);
  const after = makePublicClient(31337, 'http://127.0.0.1:1', { transport: provider('x', []) });
  await after.getChainId();
  assert.match(await registry.getSingleMetricAsString('eigen_rpc_request_total'), /method="eth_chainId"/);
  assert.ok(before);
});
