/**
 * The off-chain half of a devnet: the aggregator and one operator node per seeded operator, in this process, with
 * SQLite databases in the devnet's data directory.
 */
import type { DevnetServices, ServicesStarter } from './devnet.ts';

/** Options for {@link devnetServices}. */
export type DevnetServicesOptions = {
  /** pino level of the services' logs; default `info`. */
  logLevel?: string;
  /** Aggregator HTTP port; default a free one. */
  aggregatorPort?: number;
};

/** A {@link ServicesStarter} that runs the aggregator and every operator node. */
export function devnetServices(_options: DevnetServicesOptions = {}): ServicesStarter {
  return async (): Promise<DevnetServices> => {
    // The aggregator (src/state-proofs/aggregator) has no entry point yet; wired once it lands.
    return { endpoints: {}, async stop() {} };
  };
}
