/**
 * The EigenLayer node API and Prometheus metrics of a running devnet, as an operator's monitoring would scrape them:
 * every operator node serves /eigen and /metrics with the node specification's eigen_* names, and the aggregator's
 * metrics count its RPC requests.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetServices } from '../../src/devnet/services.ts';

describe('node API and metrics on a devnet', () => {
  let devnet: Devnet;
  const dir = mkdtempSync(join(tmpdir(), 'avs-node-api-'));

  before(async () => {
    devnet = await startDevnet({ operators: 2, remoteChains: 1, dir, services: devnetServices({ logLevel: 'silent' }) });
  });
  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const operatorApi = (i: number) => devnet.services!.operators![i].nodeApi!.url;

  it('serves the node specification routes on every operator node', async () => {
    for (let i = 0; i < 2; i++) {
      const node = await fetch(`${operatorApi(i)}/eigen/node`);
      assert.equal(node.status, 200);
      const body = (await node.json()) as { node_name: string; spec_version: string; node_version: string };
      assert.equal(body.node_name, 'avs-stack state-proofs operator');
      assert.equal(body.spec_version, 'v0.0.1');
      assert.equal((await fetch(`${operatorApi(i)}/eigen/node/health`)).status, 200, 'authenticated with the aggregator: healthy');
      const services = (await (await fetch(`${operatorApi(i)}/eigen/node/services`)).json()) as { services: { id: string; status: string }[] };
      assert.deepEqual(services.services.map((s) => [s.id, s.status]), [['aggregator', 'Up']]);
      assert.equal((await fetch(`${operatorApi(i)}/eigen/node?version=v9`)).status, 404);
    }
  });

  it('exports the eigen_* metrics with the operator registered stake, score and slashing status', async () => {
    const metrics = async () => (await fetch(`${operatorApi(0)}/metrics`)).text();
    let text = await metrics();
    // The stake is read from the chain in the background; the first scrape may still show 0.
    for (let i = 0; i < 40 && /eigen_registered_stakes\{[^}]*\} 0\b/.test(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      text = await metrics();
    }
    const weight = devnet.operators[0].weight;
    const stake = /eigen_registered_stakes\{quorum_number="0",quorum_name="state-proofs",avs_name="state-proofs"\} (\S+)/.exec(text);
    assert.ok(stake, text);
    assert.equal(Number(stake[1]), Number(weight));
    assert.match(text, /eigen_performance_score\{avs_name="state-proofs"\} 100/);
    assert.match(text, /eigen_slashing_status\{avs_name="state-proofs"\} 0/);
    assert.match(text, /# TYPE eigen_fees_earned_total counter/);
    assert.match(text, /eigen_rpc_request_total\{[^}]*method="eth_[a-zA-Z]+"[^}]*client_version="anvil\/[^"]+"[^}]*\} \d+/);
    assert.match(text, /avs_state_proofs_operator_connected\{avs_name="state-proofs"\} 1/);
  });

  it('serves the challenger node API and its counters', async () => {
    const url = devnet.services!.challenger!.nodeApi!.url;
    assert.equal((await fetch(`${url}/eigen/node/health`)).status, 200);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /avs_state_proofs_challenger_proofs_checked_total\{[^}]*\} \d+/);
    assert.match(text, /avs_state_proofs_challenger_disputes_resolved_total\{[^}]*\} 0/);
  });

  it('counts the aggregator RPC requests in its own metrics', async () => {
    const text = await (await fetch(`${devnet.services!.aggregatorUrl}/metrics`)).text();
    assert.match(text, /eigen_rpc_request_total\{[^}]*method="eth_[a-zA-Z]+"[^}]*\} \d+/);
    assert.match(text, /eigen_rpc_request_duration_seconds_bucket/);
  });
});
