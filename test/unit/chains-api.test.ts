/**
 * GET /v1/chains and POST /v1/verify when chains cannot be read or the input is wrong: an unreachable chain is listed
 * with its error (the request still answers), verification answers 503 naming the chain, a chain without a registry
 * or a malformed field 400 naming the field. Served pages: /dashboard and its assets. (Readable chains: the dashboard
 * end-to-end test.)
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { Address } from 'viem';
import { makePublicClient } from '../../src/core/chain/clients.ts';
import { parseDeployment } from '../../src/core/chain/deployment.ts';
import { stateProofsDeployment } from '../../src/services/state-proofs/deployment.ts';
import { staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { type AggregatorApp, createAggregatorApp } from '../../src/services/state-proofs/aggregator/service.ts';
import { forEachDatabase } from '../helpers/db.ts';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;
// Port 1 on loopback: nothing listens, so every RPC request is refused (a real transport, no fake client).
const DOWN = 'http://127.0.0.1:1';
const deployment = stateProofsDeployment(
  parseDeployment({
    mainChainId: 31337,
    chains: [
      { chainId: 31337, name: 'main', rpcUrl: DOWN },
      { chainId: 31338, rpcUrl: DOWN },
      { chainId: 31339, rpcUrl: DOWN },
    ],
    eigenlayer: { delegationManager: a(11), strategyManager: a(12), avsDirectory: a(13), allocationManager: a(14), rewardsCoordinator: a(15), strategies: [] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: {
      'state-proofs': {
        serviceManager: a(20),
        stakeRegistry: a(3),
        epochManager: a(4),
        chains: { '31337': { stateManager: a(1) }, '31338': { stateManager: a(2), lightStakeRegistry: a(5) }, '31339': { stateManager: a(6) } },
      },
    },
  }),
);
const DIGEST = `0x${'ab'.repeat(32)}`;
const SIG_DATA = `0x${'00'.repeat(96)}`;

forEachDatabase('chains API and dashboard routes', (fixture) => {
  const apps: AggregatorApp[] = [];
  const open = async () => {
    const built = await createAggregatorApp({
      deployment,
      database: await fixture.fresh(),
      clients: new Map(deployment.chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const)),
      operatorSet: staticOperatorSetSource([], 0),
      verifyInWorker: false,
      validateResponses: true,
    });
    apps.push(built);
    return built.app;
  };
  after(async () => {
    for (const built of apps) await built.app.close();
  });

  it('GET /v1/chains lists every chain with its registry, and an unreachable one with its error', async () => {
    const app = await open();
    const response = await app.inject({ method: 'GET', url: '/v1/chains' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.mainChainId, 31337);
    assert.deepEqual(
      body.chains.map((c: Record<string, unknown>) => [c.chainId, c.name, c.role, c.registry, c.registryContract, c.registryEpoch]),
      [
        [31337, 'main', 'main', a(3), 'ECDSAStakeRegistry', null],
        [31338, 'chain-31338', 'remote', a(5), 'LightStakeRegistry', null],
        [31339, 'chain-31339', 'remote', null, null, null],
      ],
    );
    for (const chain of body.chains.slice(0, 2)) assert.match(chain.error, /HTTP request failed|fetch failed|ECONNREFUSED/i);
    assert.equal(body.chains[2].error, null, 'a chain without a registry has no epoch to read');
  });

  it('POST /v1/verify: 400 naming the field for a chain without a registry or malformed input, 503 when the chain is down', async () => {
    const app = await open();
    const verify = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/verify', payload });
    const noRegistry = await verify({ chainId: 31339, digest: DIGEST, sigData: SIG_DATA });
    assert.equal(noRegistry.statusCode, 400);
    assert.equal(noRegistry.json().message, 'body.chainId: chain 31339 has no LightStakeRegistry in this deployment');
    const unknown = await verify({ chainId: 1, digest: DIGEST, sigData: SIG_DATA });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().message, 'body.chainId: chain 1 is not part of this deployment');
    const oddHex = await verify({ chainId: 31337, digest: DIGEST, sigData: '0xabc' });
    assert.equal(oddHex.statusCode, 400);
    assert.match(oddHex.json().message, /^body\.sigData: expected 0x hex bytes/);
    const missing = await verify({ chainId: 31337, sigData: SIG_DATA });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().message, /^body\.digest/);
    const down = await verify({ chainId: 31338, digest: DIGEST, sigData: SIG_DATA });
    assert.equal(down.statusCode, 503);
    assert.match(down.json().message, /^cannot read chain 31338 right now: /);
  });

  it('serves the dashboard page and its assets, and redirects / to it', async () => {
    const app = await open();
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/dashboard');
    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<script type="module" src="\/dashboard\/dashboard\.js"><\/script>/);
    const script = await app.inject({ method: 'GET', url: '/dashboard/dashboard.js' });
    assert.match(script.body, /\/v1\/verify/);
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(openapi.paths['/v1/chains'] && openapi.paths['/v1/verify']);
    assert.equal(openapi.paths['/dashboard'], undefined, 'the page is not part of the API document');
  });
});
