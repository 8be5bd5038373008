/**
 * SlotVerdict, as SlotVerdicts (contracts/src/services/automation/SlotVerdicts.sol) hashes it: EIP-712 under the
 * domain {name "avs-stack automation", version "1", the main chain's id, the SlotVerdicts contract}.
 */
import { type Address, type Hex, hashTypedData, keccak256, encodePacked } from 'viem';

/** One slot's verdict. */
export type SlotVerdict = {
  /** The slot's first block. */
  slotStartBlock: bigint;
  /** Its executor (an operator). */
  executor: Address;
  /** keccak256 of the ABI-encoded due workflows (see `replay.ts`). */
  dueWorkflows: Hex;
  /** Whether the executor left a due workflow unrun. */
  fault: boolean;
  /** The epoch of the slot's arrangement. */
  referenceEpoch: number;
};

/** The EIP-712 domain of a deployment's verdicts. */
export type VerdictDomain = { chainId: number; slotVerdicts: Address };

const TYPES = {
  SlotVerdict: [
    { name: 'slotStartBlock', type: 'uint256' },
    { name: 'executor', type: 'address' },
    { name: 'dueWorkflows', type: 'bytes32' },
    { name: 'fault', type: 'bool' },
    { name: 'referenceEpoch', type: 'uint32' },
  ],
} as const;

/** The digest attesters sign: SlotVerdicts.verdictDigest(verdict). */
export function slotVerdictDigest(verdict: SlotVerdict, domain: VerdictDomain): Hex {
  return hashTypedData({
    domain: { name: 'avs-stack automation', version: '1', chainId: domain.chainId, verifyingContract: domain.slotVerdicts },
    types: TYPES,
    primaryType: 'SlotVerdict',
    message: verdict,
  });
}

/** The task id of a slot's verdict: keccak256(abi.encodePacked(slotVerdicts, slotStartBlock)); one verdict per slot. */
export function slotVerdictTaskId(slotVerdicts: Address, slotStartBlock: bigint): Hex {
  return keccak256(encodePacked(['address', 'uint256'], [slotVerdicts, slotStartBlock]));
}
