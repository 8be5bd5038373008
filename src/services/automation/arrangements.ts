/**
 * Reads ExecutorSchedule's arrangements from the main chain, for the pure schedule functions of `schedule.ts`.
 * Arrangements never change once made and are only appended, so a reader keeps what it has read and fetches only the
 * new ones.
 */
import { type Address, type BlockTag, type PublicClient, getAddress } from 'viem';
import { ExecutorScheduleAbi } from '../../core/chain/abis/generated/index.ts';
import type { Arrangement } from './schedule.ts';

/**
 * Every arrangement made so far (at `blockTag`, default latest), in the contract's order.
 * @throws the client's error when the chain cannot be read.
 */
export async function readArrangements(client: PublicClient, executorSchedule: Address, blockTag?: BlockTag | bigint): Promise<Arrangement[]> {
  return createArrangementReader(client, executorSchedule).read(blockTag);
}

/** An incremental reader of arrangements (see {@link createArrangementReader}). */
export type ArrangementReader = {
  /** The arrangements as of `at` (a block number or tag; default latest); known ones are not read again. */
  read(at?: BlockTag | bigint): Promise<Arrangement[]>;
};

/**
 * A reader that keeps the arrangements it has read (they are immutable) and reads only new ones. Reads are serialized:
 * concurrent callers (an attester judging several slots at once) would otherwise fetch the same new arrangement twice.
 */
export function createArrangementReader(client: PublicClient, executorSchedule: Address): ArrangementReader {
  const known: Arrangement[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const readAt = async (at: BlockTag | bigint | undefined): Promise<Arrangement[]> => {
    const block = typeof at === 'bigint' ? { blockNumber: at } : { blockTag: at ?? 'latest' };
    const count = Number(await client.readContract({ address: executorSchedule, abi: ExecutorScheduleAbi, functionName: 'arrangementCount', ...block }));
    const from = known.length;
    const fresh = await Promise.all(
      Array.from({ length: Math.max(0, count - from) }, (_, i) =>
        client.readContract({ address: executorSchedule, abi: ExecutorScheduleAbi, functionName: 'arrangement', args: [BigInt(from + i)], ...block }),
      ),
    );
    fresh.forEach((a, i) => {
      known[from + i] = {
        epoch: a.epoch,
        startBlock: a.startBlock,
        seed: a.seed,
        executors: a.executors.map((e) => getAddress(e)),
        cumulativeWeights: a.cumulativeWeights,
      };
    });
    return known.slice(0, count);
  };
  return {
    read(at) {
      const next = queue.then(() => readAt(at));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
