/**
 * The multi-prover task type for the runtime's task engine: a task asks the state (block hash, state root) of block
 * `blockNumber` of chain `chainId` for committee `committeeId` (a {@link BlockStateQuery}); an operator answers the
 * state its prover computed ({@link BlockStateAnswer}) with its BLS signature of the StateHeader's EIP-712 digest; a
 * task is a proof once every quorum of the committee reaches its threshold; the proof is
 * `abi.encode(address[] signers, bytes stateSignature)`, the second being confirmState's StateSignature.
 */
import { type Address, type Hex, decodeAbiParameters, encodeAbiParameters, encodePacked, getAddress, keccak256 } from 'viem';
import { g1FromHex } from '../../../core/crypto/bls.ts';
import type { TaskCodec, TaskType } from '../../../runtime/tasks/taskType.ts';
import { type MultiProverDomain, type StateHeader, blockMetadata, blockState, encodeQuorumNumbers, stateHeaderDigest } from '../digest.ts';
import type { WireSignature, WireTask } from '../protocol.ts';
import { type StateSigner, aggregateStateSignature, encodeStateSignature } from '../signature.ts';

/** What a task asks: the state of a block of a chain the deployment knows, for one committee and its quorums. */
export type BlockStateQuery = { committeeId: bigint; chainId: bigint; blockNumber: bigint; quorumNumbers: number[] };
/** What an operator's prover computed: the block's hash and state root. */
export type BlockStateAnswer = { blockHash: Hex; stateRoot: Hex };

/** The multi-prover task type of the engine. */
export type BlockStateTaskType = TaskType<BlockStateQuery, BlockStateAnswer, WireTask, WireSignature>;

const PROOF = [{ type: 'address[]' }, { type: 'bytes' }] as const;

/**
 * The task id of a query: keccak256(abi.encodePacked(committeeId, metadata)), so a committee's block has one task, as
 * it has at most one confirmation on-chain.
 */
export function blockStateTaskId(query: Pick<BlockStateQuery, 'committeeId' | 'chainId' | 'blockNumber'>): Hex {
  return keccak256(encodePacked(['uint256', 'bytes'], [query.committeeId, blockMetadata(query.chainId, query.blockNumber)]));
}

/** The StateHeader of a query, an answer and a reference epoch. */
export function blockStateHeader(query: BlockStateQuery, answer: BlockStateAnswer, referenceEpoch: number): StateHeader {
  return {
    committeeId: query.committeeId,
    metadata: blockMetadata(query.chainId, query.blockNumber),
    state: blockState(answer.blockHash, answer.stateRoot),
    quorumNumbers: encodeQuorumNumbers(query.quorumNumbers),
    referenceEpoch,
  };
}

/** Stored text: JSON with decimal strings for integers, e.g. `{"committeeId":"1","chainId":"31338","blockNumber":"12","quorumNumbers":[0,1]}`. */
export const blockStateCodec: TaskCodec<BlockStateQuery, BlockStateAnswer> = {
  encodeQuery: (q) =>
    JSON.stringify({ committeeId: q.committeeId.toString(), chainId: q.chainId.toString(), blockNumber: q.blockNumber.toString(), quorumNumbers: q.quorumNumbers }),
  decodeQuery(text) {
    const q = JSON.parse(text) as { committeeId: string; chainId: string; blockNumber: string; quorumNumbers: number[] };
    return { committeeId: BigInt(q.committeeId), chainId: BigInt(q.chainId), blockNumber: BigInt(q.blockNumber), quorumNumbers: q.quorumNumbers };
  },
  encodeAnswer: (a) => JSON.stringify({ blockHash: a.blockHash.toLowerCase(), stateRoot: a.stateRoot.toLowerCase() }),
  decodeAnswer: (text) => JSON.parse(text) as BlockStateAnswer,
};

/** The proof's signers and confirmState's StateSignature (ABI-encoded), from a proof written by the task type. */
export function decodeBlockStateProof(sigData: Hex): { signers: readonly Address[]; stateSignature: Hex } {
  const [signers, stateSignature] = decodeAbiParameters(PROOF, sigData);
  return { signers, stateSignature };
}

/**
 * The task type for a deployment whose headers are signed under `domain` (main chain id, MultiProverServiceManager).
 * Building a proof aggregates the signers' BLS signatures per quorum (keys and quorums from the operator set at the
 * reference epoch) and checks the aggregate with one pairing before it is stored.
 */
export function blockStateTaskType(domain: MultiProverDomain): BlockStateTaskType {
  return {
    name: 'block-state',
    codec: blockStateCodec,
    wireTask: (record) => ({
      taskId: record.taskId,
      committeeId: record.query.committeeId.toString(),
      chainId: record.query.chainId.toString(),
      blockNumber: record.query.blockNumber.toString(),
      quorumNumbers: record.query.quorumNumbers,
      referenceEpoch: record.referenceEpoch,
    }),
    readAnswer: (wire) => ({ answer: { blockHash: wire.blockHash.toLowerCase() as Hex, stateRoot: wire.stateRoot.toLowerCase() as Hex } }),
    answerKey: (a) => `${a.blockHash.toLowerCase()}:${a.stateRoot.toLowerCase()}`,
    digest: (query, answer, referenceEpoch) => stateHeaderDigest(blockStateHeader(query, answer, referenceEpoch), domain),
    encodeProof(signers, _referenceEpoch, { query, digest, snapshot }) {
      const stateSigners: StateSigner[] = [];
      for (const s of signers) {
        const entry = snapshot.operators.get(s.operator.toLowerCase());
        if (!entry?.blsKey || !entry.quorumWeights) continue;
        stateSigners.push({ quorums: [...entry.quorumWeights.keys()], keyG1: entry.blsKey.g1, keyG2: entry.blsKey.g2, sigma: g1FromHex(s.signature) });
      }
      const signature = aggregateStateSignature(digest, query.quorumNumbers, stateSigners);
      return encodeAbiParameters(PROOF, [signers.map((s) => getAddress(s.operator)), encodeStateSignature(signature)]);
    },
    proofSigners: (sigData) => decodeBlockStateProof(sigData).signers,
    quorumsOf: (query) => query.quorumNumbers,
  };
}
