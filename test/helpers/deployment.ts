/**
 * A deployment for tests that run the aggregator against no chain: well-formed addresses with nothing deployed at them,
 * and RPC URLs nobody answers.
 */
import type { Address } from 'viem';
import { parseDeployment } from '../../src/core/chain/deployment.ts';
import { type StateProofsDeployment, stateProofsDeployment } from '../../src/services/state-proofs/deployment.ts';

/** The ServiceManager of {@link testDeployment}: the EIP-712 verifying contract of its proofs. */
export const TEST_SERVICE_MANAGER: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

/** The EIP-712 domain of {@link testDeployment}'s proofs. */
export const TEST_DOMAIN = { chainId: 31337, verifyingContract: TEST_SERVICE_MANAGER };

const a = (n: number): Address => `0x${n.toString(16).padStart(40, '0')}`;

/**
 * Main chain 31337 (StateManager 0x…01), plus chain 31338 (0x…02) when `remoteChain`; epochs of 120 s with a 20 s
 * grace period from `genesis` (unix seconds).
 */
export function testDeployment(options: { remoteChain?: boolean; genesis?: bigint } = {}): StateProofsDeployment {
  const remote = options.remoteChain !== false;
  return stateProofsDeployment(
    parseDeployment({
      mainChainId: 31337,
      chains: [{ chainId: 31337, rpcUrl: 'http://127.0.0.1:1' }, ...(remote ? [{ chainId: 31338, rpcUrl: 'http://127.0.0.1:2' }] : [])],
      eigenlayer: { delegationManager: a(0x11), strategyManager: a(0x12), avsDirectory: a(0x13), allocationManager: a(0x14), rewardsCoordinator: a(0x15), strategies: [] },
      epoch: { genesis: String(options.genesis ?? 0n), length: '120', grace: '20' },
      services: {
        'state-proofs': {
          serviceManager: TEST_SERVICE_MANAGER,
          stakeRegistry: a(3),
          epochManager: a(4),
          chains: { '31337': { stateManager: a(1) }, ...(remote ? { '31338': { stateManager: a(2) } } : {}) },
        },
      },
    }),
  );
}
