import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseDeployment } from '../../src/core/chain/deployment.ts';
import { stateProofsDeployment } from '../../src/services/state-proofs/deployment.ts';
import { FaultOutsideDevnetError, startOperator } from '../../src/services/state-proofs/operator/run.ts';

const A = '0x00000000000000000000000000000000000000a1';

function deploymentOn(mainChainId: number) {
  return stateProofsDeployment(
    parseDeployment({
      mainChainId,
      chains: [{ chainId: mainChainId, rpcUrl: 'http://127.0.0.1:1' }],
      eigenlayer: { delegationManager: A, strategyManager: A, avsDirectory: A, allocationManager: A, rewardsCoordinator: A, strategies: [] },
      epoch: { genesis: 0, length: 120, grace: 20 },
      services: { 'state-proofs': { serviceManager: A, stakeRegistry: A, epochManager: A, chains: { [mainChainId]: { stateManager: A } } } },
    }),
  );
}

it('refuses devnet fault injection on a deployment whose main chain is not the devnet', async () => {
  await assert.rejects(
    startOperator({
      deployment: deploymentOn(17000),
      aggregatorUrl: 'ws://127.0.0.1:1',
      operator: A,
      signingPrivateKey: `0x${'11'.repeat(32)}`,
      sqlitePath: ':memory:',
      fault: { signsWrongValue: () => true },
    }),
    (error: unknown) => error instanceof FaultOutsideDevnetError && /17000/.test((error as Error).message),
  );
});
