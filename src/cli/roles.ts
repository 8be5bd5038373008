/**
 * The config roles the `avs` command runs, registered by each service it carries: a config file's `role` must name one
 * of them, and `avs config check` looks them up by name.
 */
import type { ConfigRoleRegistry } from '../core/config/index.ts';
import { AUTOMATION_ROLES } from '../services/automation/config.ts';
import { MULTI_PROVER_ROLES } from '../services/multi-prover/config.ts';
import { PRECONF_ROLES } from '../services/preconf/config.ts';
import { STATE_PROOFS_ROLES } from '../services/state-proofs/config.ts';

/**
 * Every role of every service: the state-proofs operator, aggregator and challenger, the multi-prover operator and
 * aggregator, the automation operator and aggregator, and the preconf gateway.
 */
export const CONFIG_ROLES: ConfigRoleRegistry = [...STATE_PROOFS_ROLES, ...MULTI_PROVER_ROLES, ...AUTOMATION_ROLES, ...PRECONF_ROLES];
