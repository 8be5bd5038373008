/**
 * The gateway's {@link LookaheadSource} over a Beacon API and the UniFiAVSManager registry: proposer duties of the
 * current and the next epoch, from the current slot on, each proposer looked up in the registry with one
 * `getValidators` call and the chain ids of each distinct bitmap with `bitmapToChainIDs`.
 *
 * A lookahead is kept for `maxAgeMs` (default 500 ms) so that a burst of requests costs one beacon read and one
 * registry read, and duties of an epoch are read once per epoch (the current epoch's proposers are fixed; the next
 * epoch's are re-read every time the lookahead is rebuilt, since a real chain can still reorg them).
 */
import { type Address, type Hex, type PublicClient, zeroAddress } from 'viem';
import { IUniFiAVSManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { type BeaconApiClient, type BeaconGenesis, type BeaconSpec, type ProposerDuty, currentSlot, epochOfSlot, slotStartTime, validatorPubkeyHash } from './beacon.ts';
import type { LookaheadSlot, LookaheadSource, ProposerRegistration } from './lookahead.ts';

/** Options of {@link createRegistryLookahead}. */
export type RegistryLookaheadOptions = {
  beacon: BeaconApiClient;
  /** Main-chain client (where the registry lives). */
  client: PublicClient;
  /** UniFiAVSManager address. */
  registry: Address;
  /** How long a built lookahead is served again, ms (default 500). */
  maxAgeMs?: number;
  /** Unix time in seconds (default the wall clock). */
  now?: () => bigint;
};

/** A lookahead source reading `options.beacon` and `options.registry` (see the module comment). */
export function createRegistryLookahead(options: RegistryLookaheadOptions): LookaheadSource & { readonly chain: Promise<{ genesis: BeaconGenesis; spec: BeaconSpec }> } {
  const { beacon, client, registry } = options;
  const maxAgeMs = options.maxAgeMs ?? 500;
  const now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  let chain: Promise<{ genesis: BeaconGenesis; spec: BeaconSpec }> | undefined;
  const chainConstants = () => {
    chain ??= Promise.all([beacon.getGenesis(), beacon.getSpec()]).then(([genesis, spec]) => ({ genesis, spec }));
    // A failed first read is retried on the next call instead of being cached.
    chain.catch(() => (chain = undefined));
    return chain;
  };
  const dutiesCache = new Map<bigint, ProposerDuty[]>();
  let built: { at: number; slots: Promise<LookaheadSlot[]> } | undefined;

  async function duties(epoch: bigint, current: bigint): Promise<ProposerDuty[]> {
    const cached = dutiesCache.get(epoch);
    if (cached) return cached;
    const read = await beacon.getProposerDuties(epoch);
    if (epoch === current) {
      for (const key of dutiesCache.keys()) if (key < current) dutiesCache.delete(key);
      dutiesCache.set(epoch, read);
    }
    return read;
  }

  async function build(): Promise<LookaheadSlot[]> {
    const { genesis, spec } = await chainConstants();
    const slot = currentSlot(genesis, spec, now());
    const epoch = epochOfSlot(spec, slot);
    const [current, next] = await Promise.all([duties(epoch, epoch), duties(epoch + 1n, epoch)]);
    const upcoming = [...current, ...next].filter((d) => d.slot >= slot).sort((a, b) => (a.slot < b.slot ? -1 : 1));
    const hashes = upcoming.map((d) => validatorPubkeyHash(d.pubkey));
    const records = hashes.length === 0 ? [] : await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'getValidators', args: [hashes] });
    const bitmaps = [...new Set(records.filter((r) => r.operator !== zeroAddress).map((r) => r.chainIDBitMap))];
    const chainIds = new Map<bigint, bigint[]>(
      await Promise.all(
        bitmaps.map(async (b): Promise<[bigint, bigint[]]> => [b, [...(await client.readContract({ address: registry, abi: IUniFiAVSManagerAbi, functionName: 'bitmapToChainIDs', args: [b] }))]]),
      ),
    );
    return upcoming.map((d, i): LookaheadSlot => {
      const r = records[i]!;
      const registration: ProposerRegistration | null =
        r.operator === zeroAddress
          ? null
          : {
              operator: r.operator,
              eigenPod: r.eigenPod,
              registered: r.registered,
              registeredUntil: r.registeredUntil,
              backedByStake: r.backedByStake,
              delegateKey: r.delegateKey as Hex,
              chainIDBitMap: r.chainIDBitMap,
              chainIds: chainIds.get(r.chainIDBitMap) ?? [],
            };
      return { slot: d.slot, startsAt: slotStartTime(genesis, spec, d.slot), validatorIndex: d.validatorIndex, pubkey: d.pubkey, blsPubKeyHash: hashes[i]!, registration };
    });
  }

  return {
    get chain() {
      return chainConstants();
    },
    lookahead() {
      const at = Date.now();
      if (!built || at - built.at > maxAgeMs) {
        const slots = build();
        built = { at, slots };
        // A failed build is not served again.
        slots.catch(() => {
          if (built?.slots === slots) built = undefined;
        });
      }
      return built.slots;
    },
  };
}
