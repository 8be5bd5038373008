/**
 * Read-only routes about the deployment's chains, for the dashboard and for users without RPC access:
 *
 * - `GET /v1/chains` → each chain of the deployment with its stake registry and the registry's epoch: on the main
 *   chain the EpochManager's current epoch (the ECDSAStakeRegistry answers for it), on a remote chain the latest epoch
 *   its LightStakeRegistry received through the bridge. A chain that cannot be read is listed with `error`.
 * - `POST /v1/verify` `{ chainId, digest, sigData }` → what `isValidSignature(digest, sigData)` returns on that chain's
 *   registry (ERC-1271), read by the aggregator with viem, and `checkSignatures`' reason when it does not hold.
 */
import { BaseError, type Hex, type PublicClient } from 'viem';
import { z } from 'zod';
import { EpochManagerAbi, LightStakeRegistryAbi } from '../../../core/chain/abis/generated/index.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import { hexAddressSchema as address } from '../../../core/chain/schemas.ts';
import { HttpError } from '../../../core/http/errors.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import { NoStakeRegistryError, stakeRegistryOn, verifyOnChain } from '../verify.ts';

const decimalOut = z.string().regex(/^[0-9]+$/).describe('unsigned integer as a decimal string');
const errorResponse = z.object({ error: z.string(), message: z.string() });

const chainsResponse = z.object({
  mainChainId: z.number().int(),
  chains: z.array(
    z.object({
      chainId: z.number().int(),
      name: z.string().describe('the deployment’s name for the chain, or `chain-<id>`'),
      role: z.enum(['main', 'remote']),
      registry: address.nullable().describe('stake registry that verifies proofs on this chain (null: none deployed)'),
      registryContract: z.enum(['ECDSAStakeRegistry', 'LightStakeRegistry']).nullable(),
      registryEpoch: z
        .number()
        .int()
        .nullable()
        .describe('main chain: the EpochManager’s current epoch; remote chain: the latest epoch its LightStakeRegistry received (null: none yet, or unreadable)'),
      error: z.string().nullable().describe('why the chain could not be read, else null'),
    }),
  ),
});

/** Body of `POST /v1/verify`. */
export const verifyRequestBody = z.object({
  chainId: z.number().int().positive().describe('chain whose stake registry checks the proof'),
  digest: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hex digest').describe('EIP-712 digest of the attestation (the proof’s `digest`)'),
  sigData: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2})+$/, 'expected 0x hex bytes')
    .max(200_002)
    .describe('abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch) (the proof’s `sigData`)'),
});

const verifyResponse = z.object({
  chainId: z.number().int(),
  registry: address,
  registryContract: z.enum(['ECDSAStakeRegistry', 'LightStakeRegistry']),
  result: z.string().describe('bytes4 isValidSignature returned: 0x1626ba7e valid, 0xffffffff invalid'),
  valid: z.boolean(),
  reason: z.string().nullable().describe('for an invalid proof, checkSignatures’ custom error'),
  signedWeight: decimalOut.nullable(),
  thresholdWeight: decimalOut.nullable(),
});

/** Options of {@link registerChainRoutes}. */
export type ChainRoutesOptions = {
  deployment: StateProofsDeployment;
  /** viem clients by chain id; a chain without one is reported unreadable. */
  clients: ReadonlyMap<number, PublicClient>;
};

/** Registers `GET /v1/chains` and `POST /v1/verify` on a server from `createHttpServer`. */
export function registerChainRoutes(app: HttpServer, options: ChainRoutesOptions): void {
  const { deployment, clients } = options;

  app.get(
    '/v1/chains',
    {
      schema: {
        summary: 'The deployment’s chains and their registry epochs',
        description: 'Reads every chain in parallel; a chain that cannot be read is listed with `error` instead of failing the request.',
        tags: ['chains'],
        response: { 200: chainsResponse },
      },
    },
    async () => {
      const chains = await Promise.all(
        deployment.chains.map(async (chain) => {
          const main = chain.chainId === deployment.mainChainId;
          let registry: ReturnType<typeof stakeRegistryOn> | undefined;
          try {
            registry = stakeRegistryOn(deployment, chain.chainId);
          } catch (error) {
            if (!(error instanceof NoStakeRegistryError)) throw error;
          }
          const row = {
            chainId: chain.chainId,
            name: chain.name ?? `chain-${chain.chainId}`,
            role: main ? ('main' as const) : ('remote' as const),
            registry: registry?.address ?? null,
            registryContract: registry?.kind ?? null,
            registryEpoch: null as number | null,
            error: null as string | null,
          };
          try {
            row.registryEpoch = await registryEpoch(deployment, chain.chainId, clients.get(chain.chainId));
          } catch (error) {
            row.error = oneLine(error);
          }
          return row;
        }),
      );
      return { mainChainId: deployment.mainChainId, chains };
    },
  );

  app.post(
    '/v1/verify',
    {
      schema: {
        summary: 'Verify a proof on a chain',
        description:
          'Calls isValidSignature(digest, sigData) on the chain’s stake registry (ECDSAStakeRegistry on the main chain, ' +
          'LightStakeRegistry on a remote one) and, when it does not hold, checkSignatures for the reason.',
        tags: ['chains'],
        body: verifyRequestBody,
        response: { 200: verifyResponse, 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const { chainId, digest, sigData } = request.body;
      let registry: ReturnType<typeof stakeRegistryOn>;
      try {
        registry = stakeRegistryOn(deployment, chainId);
      } catch (error) {
        if (error instanceof NoStakeRegistryError) throw new HttpError(400, `body.chainId: ${error.message}`);
        throw error;
      }
      const client = clients.get(chainId);
      if (!client) throw new HttpError(503, `no RPC client for chain ${chainId}`);
      try {
        const v = await verifyOnChain({ client, chainId, registry: registry.address, digest: digest as Hex, sigData: sigData as Hex });
        return {
          chainId,
          registry: registry.address,
          registryContract: registry.kind,
          result: v.result,
          valid: v.valid,
          reason: v.reason ?? null,
          signedWeight: v.signedWeight?.toString() ?? null,
          thresholdWeight: v.thresholdWeight?.toString() ?? null,
        };
      } catch (error) {
        // The registry answers 0xffffffff, never a revert, for any proof that does not hold (malformed sigData
        // included), so a failed read is the chain's or the RPC's.
        throw new HttpError(503, `cannot read chain ${chainId} right now: ${oneLine(error)}`);
      }
    },
  );
}

/** The registry epoch of one chain (see `GET /v1/chains`); null when a remote registry has received none yet. */
async function registryEpoch(deployment: StateProofsDeployment, chainId: number, client: PublicClient | undefined): Promise<number | null> {
  if (!client) throw new Error(`no RPC client for chain ${chainId}`);
  if (chainId === deployment.mainChainId) {
    return client.readContract({ address: deployment.stateProofs.epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch' });
  }
  const registry = deployment.chains.find((c) => c.chainId === chainId)?.lightStakeRegistry;
  if (!registry) return null;
  const light = { address: registry, abi: LightStakeRegistryAbi } as const;
  const [count, latest] = await Promise.all([
    client.readContract({ ...light, functionName: 'epochCount' }),
    client.readContract({ ...light, functionName: 'latestEpoch' }),
  ]);
  return count > 0 ? latest : null;
}

function oneLine(error: unknown): string {
  const message = error instanceof BaseError ? error.shortMessage : String((error as Error)?.message ?? error);
  return message.split('\n')[0];
}
