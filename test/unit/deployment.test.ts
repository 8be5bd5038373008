/**
 * The deployment file (src/core/chain/deployment.ts): core fields plus one section per service. The core refuses what
 * it does not know (the layout of an older release is told where its fields go), reads a service's section with the
 * service's schema, and writes the file form back; the state-proofs view merges its section into the core fields
 * (src/services/state-proofs/deployment.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import {
  DeploymentError,
  chainOf,
  defineServiceSection,
  deploymentIssues,
  mainChainOf,
  parseDeployment,
  readDeployment,
  serializeDeployment,
  serviceSection,
} from '../../src/core/chain/deployment.ts';
import { addressSchema } from '../../src/core/chain/schemas.ts';
import {
  STATE_PROOFS_SECTION,
  aggregatorUrlOfDeploymentFile,
  readStateProofsDeployment,
  stateProofsDeployment,
} from '../../src/services/state-proofs/deployment.ts';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const A = (n: number) => addressSchema.parse(a(n));

/** A deployment in the file form: main chain 31337 and remote chain 31338, with the state-proofs section. */
function fileForm() {
  return {
    mainChainId: 31337,
    chains: [
      { chainId: 31337, name: 'main', rpcUrl: 'http://127.0.0.1:8545', timelock: a(30) },
      { chainId: 31338, rpcUrl: 'http://127.0.0.1:8546', bridge: { local: a(40), main: a(41) }, timelock: a(31) },
    ],
    eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [a(8)] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: {
      'state-proofs': {
        serviceManager: a(9),
        stakeRegistry: a(10),
        epochManager: a(11),
        stateDisputeResolver: a(12),
        chains: {
          '31337': { stateManager: a(1) },
          '31338': { stateManager: a(2), lightStakeRegistry: a(20), registryStateReceiver: a(21), remoteChainVerifier: a(22) },
        },
      },
    },
  };
}

/** The same deployment in the layout of the previous release: contracts among the core fields. */
function oldLayout() {
  const file = fileForm();
  const section = file.services['state-proofs'];
  return {
    mainChainId: 31337,
    chains: file.chains.map((c) => ({ ...c, ...section.chains[String(c.chainId) as '31337' | '31338'] })),
    eigenlayer: file.eigenlayer,
    stateProofs: { serviceManager: section.serviceManager, stakeRegistry: section.stakeRegistry, epochManager: section.epochManager },
    epoch: file.epoch,
  };
}

/** The DeploymentError `run` throws. */
function deploymentError(run: () => unknown): DeploymentError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DeploymentError, String(error));
    return error;
  }
  assert.fail('no DeploymentError');
}

describe('deployment file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avs-deployment-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('core: knows the core fields and keeps every service section unparsed', () => {
    const deployment = parseDeployment({ ...fileForm(), services: { ...fileForm().services, 'multi-prover': { anything: [1, 2] } } });
    assert.deepEqual(Object.keys(deployment.chains[0]).sort(), ['chainId', 'name', 'rpcUrl', 'timelock']);
    assert.equal(deployment.epoch.length, 120n);
    assert.deepEqual(deployment.services['multi-prover'], { anything: [1, 2] });
    assert.deepEqual(parseDeployment({ ...fileForm(), services: undefined }).services, {}, 'services defaults to none');
  });

  it('an older layout is refused, naming each field and where per-service fields go now, without naming a service', () => {
    const error = deploymentError(() => parseDeployment(oldLayout(), 'devnet.json'));
    assert.equal(error.message, 'devnet.json: chains.0.stateManager: not a core field; per-service addresses go under services.<service>.chains.31337');
    assert.deepEqual(error.issues, [
      { key: 'chains.0.stateManager', message: 'not a core field; per-service addresses go under services.<service>.chains.31337' },
      { key: 'chains.1.stateManager', message: 'not a core field; per-service addresses go under services.<service>.chains.31338' },
      { key: 'chains.1.lightStakeRegistry', message: 'not a core field; per-service addresses go under services.<service>.chains.31338' },
      { key: 'chains.1.registryStateReceiver', message: 'not a core field; per-service addresses go under services.<service>.chains.31338' },
      { key: 'chains.1.remoteChainVerifier', message: 'not a core field; per-service addresses go under services.<service>.chains.31338' },
      { key: 'stateProofs', message: 'not a core field; per-service contracts go under services.<service>' },
    ]);
  });

  it('keeps the sections avs devnet writes beside the deployment, and $comment notes', () => {
    const file = fileForm();
    const written = { ...file, $comment: 'notes', chains: [{ ...file.chains[0], $comment: 'main' }, file.chains[1]], aggregator: { url: 'http://127.0.0.1:8080' }, devnet: { token: a(50), operators: [] } };
    const path = join(dir, 'devnet.json');
    writeFileSync(path, JSON.stringify(written));
    assert.equal(readDeployment(path).mainChainId, 31337);
    assert.equal(aggregatorUrlOfDeploymentFile(path), 'http://127.0.0.1:8080');
    assert.equal(aggregatorUrlOfDeploymentFile(join(dir, 'missing.json')), undefined);
  });

  it('a service section: parsed with the service schema, its errors named services.<name>.<key>, its chains checked', () => {
    const section = defineServiceSection({
      name: 'multi-prover',
      schema: z.strictObject({ verifier: addressSchema, chains: z.record(z.string(), z.strictObject({ inbox: addressSchema })).default({}) }),
    });
    const core = parseDeployment({ ...fileForm(), services: { 'multi-prover': { verifier: a(60), chains: { '31338': { inbox: a(61) } } } } });
    assert.deepEqual(serviceSection(core, section), { verifier: A(60), chains: { '31338': { inbox: A(61) } } });

    const bad = parseDeployment({ ...fileForm(), services: { 'multi-prover': { verifier: '0x12', colour: 'blue', chains: { '5': { inbox: a(61) } } } } });
    const error = deploymentError(() => serviceSection(bad, section, 'mainnet.json'));
    assert.equal(error.message, 'mainnet.json: services.multi-prover.verifier: expected a 20-byte 0x address');
    assert.deepEqual(
      error.issues.map((i) => i.key),
      ['services.multi-prover.verifier', 'services.multi-prover.colour'],
    );
    const elsewhere = parseDeployment({ ...fileForm(), services: { 'multi-prover': { verifier: a(60), chains: { '5': { inbox: a(61) } } } } });
    assert.equal(deploymentError(() => serviceSection(elsewhere, section)).message, 'deployment: services.multi-prover.chains.5: chain 5 is not part of this deployment');
    assert.equal(
      deploymentError(() => serviceSection(parseDeployment(fileForm()), section)).message,
      'deployment: services.multi-prover: is required (this deployment has no multi-prover section)',
    );
  });

  it('deploymentIssues lists the core problems and those of the named sections together', () => {
    const file = fileForm();
    const broken = {
      ...file,
      chains: [{ ...file.chains[0], rpcUrl: 'ws://x' }, file.chains[1]],
      services: { 'state-proofs': { ...file.services['state-proofs'], stakeRegistry: 'nope', chains: { '31337': file.services['state-proofs'].chains['31337'] } } },
    };
    assert.deepEqual(
      deploymentIssues(broken, [STATE_PROOFS_SECTION]).map((i) => i.key),
      ['chains.0.rpcUrl', 'services.state-proofs.stakeRegistry'],
    );
    const noRemoteEntry = { ...file, services: { 'state-proofs': { ...file.services['state-proofs'], chains: { '31337': file.services['state-proofs'].chains['31337'] } } } };
    assert.deepEqual(deploymentIssues(noRemoteEntry, [STATE_PROOFS_SECTION]), [
      { key: 'services.state-proofs.chains.31338', message: 'is required (every chain of the deployment has an entry)' },
    ]);
    assert.deepEqual(deploymentIssues(noRemoteEntry), [], 'the core alone does not read sections');
  });

  it('state proofs: the view merges the section into the core fields; chainOf and mainChainOf return its chain type', () => {
    const path = join(dir, 'state-proofs.json');
    writeFileSync(path, JSON.stringify(fileForm()));
    const deployment = readStateProofsDeployment(path);
    assert.deepEqual(deployment.stateProofs, { serviceManager: A(9), stakeRegistry: A(10), epochManager: A(11), stateDisputeResolver: A(12) });
    assert.equal(mainChainOf(deployment).stateManager, A(1));
    const remote = chainOf(deployment, 31338);
    assert.equal(remote.stateManager, A(2));
    assert.equal(remote.lightStakeRegistry, A(20));
    assert.equal(remote.rpcUrl, 'http://127.0.0.1:8546');
    assert.deepEqual(remote.bridge, { local: A(40), main: A(41) });
  });

  it('state proofs: a chain without an entry, or a deployment without the section, is refused naming the key', () => {
    const file = fileForm();
    const missingChain = parseDeployment({ ...file, services: { 'state-proofs': { ...file.services['state-proofs'], chains: { '31337': { stateManager: a(1) } } } } });
    assert.equal(
      deploymentError(() => stateProofsDeployment(missingChain, 'mainnet.json')).message,
      'mainnet.json: services.state-proofs.chains.31338: is required (every chain of the deployment has an entry)',
    );
    assert.equal(
      deploymentError(() => stateProofsDeployment(parseDeployment({ ...file, services: {} }))).message,
      'deployment: services.state-proofs: is required (this deployment has no state-proofs section)',
    );
  });

  it('serializeDeployment writes the file form, never the merged fields twice, and reads back the same', () => {
    const view = stateProofsDeployment(parseDeployment(fileForm()));
    const text = serializeDeployment(view);
    const json = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['mainChainId', 'chains', 'eigenlayer', 'epoch', 'services']);
    assert.ok(!text.includes('"stateProofs"'));
    assert.deepEqual(json.chains, JSON.parse(JSON.stringify(parseDeployment(fileForm()).chains)));
    assert.deepEqual(stateProofsDeployment(parseDeployment(json)), view);
  });
});
