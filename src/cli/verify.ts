/**
 * Checking a state proof on a chain: the CLI's view of `src/state-proofs/verify.ts` (also used by the aggregator's
 * `POST /v1/verify`).
 */
export { type OnChainVerification, verifyOnChain } from '../state-proofs/verify.ts';
