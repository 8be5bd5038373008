/**
 * Where a state-proofs operator registers: the runtime's registration steps ({@link AvsRegistrationTarget}) pointed at
 * this deployment's ServiceManager, stake registry and operator set 0, the set the StateDisputeResolver slashes.
 */
import type { StateProofsDeployment } from './deployment.ts';
import type { AvsRegistrationTarget } from '../../runtime/registration.ts';

/** Operator set of the state-proofs AVS whose slashable stake is the weight. */
export const STATE_PROOFS_OPERATOR_SET_ID = 0;

/** The registration target of `deployment`'s state-proofs AVS. */
export function registrationTarget(deployment: StateProofsDeployment): AvsRegistrationTarget {
  return {
    eigenlayer: deployment.eigenlayer,
    serviceManager: deployment.stateProofs.serviceManager,
    stakeRegistry: deployment.stateProofs.stakeRegistry,
    operatorSetId: STATE_PROOFS_OPERATOR_SET_ID,
  };
}
