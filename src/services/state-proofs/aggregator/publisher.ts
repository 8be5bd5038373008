/**
 * The state-proofs epoch publisher: the runtime's {@link EpochPublisher} (weight refreshes, operator sets sent to the
 * remote chains, each ended epoch's rewards) pointed at this service's ServiceManager, ECDSAStakeRegistry,
 * EpochManager and remote LightStakeRegistries, with rewards read from the aggregator's task store.
 */
import type { Address } from 'viem';
import { EpochPublisher, type EpochPublisherOptions, type PublishedAvs } from '../../../runtime/publisher.ts';
import type { EpochRecordSource } from '../../../runtime/rewards/records.ts';
import { sigDataOperators } from '../sigDataOperators.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import { STATE_PROOFS_SERVICE } from '../protocol.ts';
import type { StateProofStore } from './store.ts';

export { EpochPublisher };

/** The state-proofs AVS as the publisher keeps it. */
export function stateProofsPublishedAvs(deployment: StateProofsDeployment): PublishedAvs {
  const remoteRegistries = new Map<number, Address>();
  for (const chain of deployment.chains) {
    if (chain.chainId !== deployment.mainChainId && chain.lightStakeRegistry) remoteRegistries.set(chain.chainId, chain.lightStakeRegistry);
  }
  return {
    name: STATE_PROOFS_SERVICE,
    serviceManager: deployment.stateProofs.serviceManager,
    stakeRegistry: deployment.stateProofs.stakeRegistry,
    epochManager: deployment.stateProofs.epochManager,
    remoteRegistries,
  };
}

/** The aggregator's task store as the rewards' record source (proofs are `abi.encode(operators, signatures, epoch)`). */
export function stateProofRecordSource(store: StateProofStore): EpochRecordSource {
  return { ...store, proofSigners: (sigData) => sigDataOperators(sigData) };
}

/** Options of {@link createStateProofsPublisher}: the runtime's, with the state-proofs deployment and task store. */
export type StateProofsPublisherOptions = Omit<EpochPublisherOptions, 'avs' | 'deployment' | 'rewards'> & {
  deployment: StateProofsDeployment;
  /** Pays each ended epoch's rewards from the proofs in `store` (see `EpochPublisherOptions.rewards`). */
  rewards?: { store: StateProofStore; token: Address; budgetPerEpoch: bigint };
};

/** The epoch publisher of a state-proofs deployment. */
export function createStateProofsPublisher(options: StateProofsPublisherOptions): EpochPublisher {
  const { rewards, ...rest } = options;
  return new EpochPublisher({
    ...rest,
    avs: stateProofsPublishedAvs(options.deployment),
    rewards: rewards ? { source: stateProofRecordSource(rewards.store), token: rewards.token, budgetPerEpoch: rewards.budgetPerEpoch } : undefined,
  });
}
