/**
 * The state-proof task type for the runtime's task engine: a task asks the value of `user`'s `key` on `chainId` at
 * `blockNumber` (a {@link StateQuery}); an operator answers `(value, exists)` ({@link StateAnswer}) with its signature
 * over the StateAttestation's EIP-712 digest under this deployment's domain (or, for a batch, one signature over the
 * Merkle root of the batch's digests); a proof is `abi.encode(address[] operators, bytes[] signatures, uint32
 * referenceEpoch)`, or the batched form with the attestation's Merkle path (docs/attestation-batches.md).
 */
import type { Address, Hex } from 'viem';
import type { TaskCodec, TaskType } from '../../../runtime/tasks/taskType.ts';
import { type AttestationDomain, type StateQuery, batchedSigDataHeadLength, encodeBatchedSigData, encodeSigData } from '../attestation.ts';
import { sigDataOperators } from '../sigDataOperators.ts';
import { createAttestationDigester } from '../digest.ts';
import { type WireSignature, type WireTask, toWireTask } from '../protocol.ts';
import { checksumAddress } from './views.ts';

/** An operator's reading: the value at the slot, and whether the entry exists. */
export type StateAnswer = { value: bigint; exists: boolean };

/** The state-proof task type of the engine. */
export type StateProofTaskType = TaskType<StateQuery, StateAnswer, WireTask, WireSignature>;

const UINT256_MAX = (1n << 256n) - 1n;

/**
 * Stored text of queries and answers: JSON with decimal strings for integers and the lowercase user address, e.g.
 * `{"chainId":"1","user":"0xab…","key":"7","blockNumber":"100","timestamp":"1700000000"}` and
 * `{"value":"42","exists":true}`. The store's migration from the older per-column tables writes the same text.
 */
export const stateProofCodec: TaskCodec<StateQuery, StateAnswer> = {
  encodeQuery: (q) =>
    `{"chainId":"${q.chainId}","user":"${q.user.toLowerCase()}","key":"${q.key}","blockNumber":"${q.blockNumber}","timestamp":"${q.timestamp}"}`,
  decodeQuery(text) {
    const q = JSON.parse(text) as Record<string, string>;
    return { user: checksumAddress(q.user), chainId: BigInt(q.chainId), blockNumber: BigInt(q.blockNumber), timestamp: BigInt(q.timestamp), key: BigInt(q.key) };
  },
  encodeAnswer: (a) => `{"value":"${a.value}","exists":${a.exists}}`,
  decodeAnswer(text) {
    const a = JSON.parse(text) as { value: string; exists: boolean };
    return { value: BigInt(a.value), exists: a.exists === true };
  },
  // A batched proof's operators, signatures and epoch are stored once per batch and signer set.
  proofHeadLength: batchedSigDataHeadLength,
};

/** The task type for a deployment whose attestations are signed under `domain` (main chain id, ServiceManager). */
export function stateProofTaskType(domain: AttestationDomain): StateProofTaskType {
  const digest = createAttestationDigester(domain);
  return {
    name: 'state-proof',
    codec: stateProofCodec,
    wireTask: (record) => toWireTask(record.taskId, record.query, record.referenceEpoch),
    readAnswer(wire) {
      const value = BigInt(wire.value);
      if (value > UINT256_MAX) return { rejected: 'value does not fit in uint256' };
      return { answer: { value, exists: wire.exists } };
    },
    answerKey: (a) => `${a.value}:${a.exists}`,
    digest: (query, answer, referenceEpoch) => digest({ ...query, value: answer.value, exists: answer.exists, epoch: referenceEpoch }),
    batchable: true,
    encodeProof: (signers, referenceEpoch, context) =>
      context.batch
        ? encodeBatchedSigData({
            operators: signers.map((s) => s.operator),
            signatures: signers.map((s) => s.signature),
            referenceEpoch,
            proof: context.batch.proof,
          })
        : encodeSigData(signers, referenceEpoch),
    proofSigners: (sigData: Hex): readonly Address[] => sigDataOperators(sigData),
  };
}
