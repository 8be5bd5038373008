/**
 * The preconf service's off-chain half on a devnet, in this process: a beacon node serving the standard Beacon API
 * for the devnet's genesis validators (its slot clock is the wall clock, from the moment it starts), and the preconf
 * gateway over it and the registry, holding the devnet's delegate key, with a SQLite database in the devnet's data
 * directory. {@link startDevnetPreconf} runs beside the other services (`avs devnet`); {@link preconfOnlyServices}
 * runs it alone (`avs demo preconf`).
 */
import { join } from 'node:path';
import { keccak256, slice, stringToHex } from 'viem';
import { openDatabase } from '../core/db/index.ts';
import { type Logger, createLogger } from '../core/logging.ts';
import { createBeaconApiClient } from '../services/preconf/beacon.ts';
import { preconfDeployment } from '../services/preconf/deployment.ts';
import { type PreconfGatewayService, startPreconfGatewayService } from '../services/preconf/gateway/service.ts';
import { createRegistryLookahead } from '../services/preconf/registryLookahead.ts';
import { type DevnetBeaconNode, podWithdrawalCredentials, startDevnetBeaconNode } from './beaconNode.ts';
import type { DevnetBase, DevnetServices, ServicesStarter } from './devnet.ts';

/** Seconds per slot of the devnet beacon chain (mainnet: 12). */
export const DEVNET_SECONDS_PER_SLOT = 4n;
/** Slots per epoch of the devnet beacon chain (mainnet: 32): the lookahead reaches 8 to 16 slots ahead. */
export const DEVNET_SLOTS_PER_EPOCH = 8n;

/** Options of {@link startDevnetPreconf}. */
export type DevnetPreconfOptions = {
  logger: Logger;
  /** Interface of the beacon node and the gateway; default 127.0.0.1. */
  host?: string;
  /** Gateway port; default 0 (a free one). The beacon node always takes a free one. */
  port?: number;
  secondsPerSlot?: bigint;
  slotsPerEpoch?: bigint;
};

/** The running preconf service of a devnet. */
export type DevnetPreconf = {
  beacon: DevnetBeaconNode;
  gateway: PreconfGatewayService;
  endpoints: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Starts the devnet beacon node and the preconf gateway of `devnet` (see the module comment). The caller stops them.
 * @throws when the devnet has no preconf registry.
 */
export async function startDevnetPreconf(devnet: DevnetBase, options: DevnetPreconfOptions): Promise<DevnetPreconf> {
  if (!devnet.preconf) throw new Error('this devnet was started without the preconf registry');
  const { logger } = options;
  const deployment = preconfDeployment(devnet.deployment, 'devnet');
  const client = devnet.clients.get(deployment.mainChainId)!;
  const pods = new Map(devnet.preconf.pods.flatMap((p) => p.validators.map((v) => [v.index, p.pod] as const)));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const beacon = await startDevnetBeaconNode({
      genesisTime: BigInt(Math.floor(Date.now() / 1000)),
      secondsPerSlot: options.secondsPerSlot ?? DEVNET_SECONDS_PER_SLOT,
      slotsPerEpoch: options.slotsPerEpoch ?? DEVNET_SLOTS_PER_EPOCH,
      // Restaked validators withdraw to their pod; the others to an address of their own.
      validators: devnet.preconf.validators.map((v) => ({
        index: v.index,
        pubkey: v.pubkey,
        withdrawalCredentials: podWithdrawalCredentials(pods.get(v.index) ?? slice(keccak256(stringToHex(`devnet validator ${v.index}`)), 12)),
      })),
      host: options.host,
      logger: logger.child({ component: 'beacon-node' }),
    });
    stops.push(() => beacon.close());
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'preconf-gateway.sqlite') });
    stops.push(() => database.close());
    const gateway = await startPreconfGatewayService({
      lookahead: createRegistryLookahead({ beacon: createBeaconApiClient({ url: beacon.url }), client, registry: deployment.preconf.registry }),
      registry: deployment.preconf.registry,
      registryChainId: deployment.mainChainId,
      delegateKeys: [devnet.preconf.delegateKey],
      database,
      host: options.host,
      port: options.port ?? 0,
      logger: logger.child({ component: 'preconf-gateway' }),
    });
    stops.push(() => gateway.close());
    const endpoints: Record<string, string> = {
      'preconf gateway': gateway.url,
      'preconf dashboard': `${gateway.url}/dashboard`,
      'preconf openapi': `${gateway.url}/openapi.json`,
      'beacon api': beacon.url,
    };
    return { beacon, gateway, endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A {@link ServicesStarter} running only the preconf service (beacon node and gateway). */
export function preconfOnlyServices(options: Partial<DevnetPreconfOptions> & { logLevel?: string } = {}): ServicesStarter {
  return async (devnet: DevnetBase): Promise<DevnetServices> => {
    const logger = options.logger ?? createLogger('devnet', { level: options.logLevel ?? 'info' });
    const preconf = await startDevnetPreconf(devnet, { ...options, logger });
    return { endpoints: preconf.endpoints, preconf, stop: preconf.stop };
  };
}
