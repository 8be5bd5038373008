/**
 * viem clients for the chains of a deployment. Every chain read and write in avs-stack goes through these; once a
 * process has called `instrumentRpcClients`, their requests feed the `eigen_rpc_*` metrics.
 */
import {
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from 'viem';
import { currentRpcMetrics, instrumentTransport } from './rpcMetrics.ts';

/** A minimal viem chain definition for an RPC endpoint (devnets and public networks alike). */
export function chainDefinition(chainId: number, rpcUrl: string, name = `chain-${chainId}`): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** Options for {@link makePublicClient}. */
export type ClientOptions = {
  /** JSON-RPC batching: concurrent requests within `wait` ms go out as one HTTP request. Default on. */
  batch?: boolean;
  /** Polling interval for watchers and receipts, in milliseconds. Default 250 on devnets. */
  pollingInterval?: number;
  /** Overrides the HTTP transport (e.g. an instrumented one). */
  transport?: Transport;
};

/** A read client for one chain. */
export function makePublicClient(chainId: number, rpcUrl: string, options: ClientOptions = {}): PublicClient {
  return createPublicClient({
    chain: chainDefinition(chainId, rpcUrl),
    transport: instrumented(options.transport ?? http(rpcUrl, { batch: options.batch === false ? false : { wait: 2, batchSize: 200 }, retryCount: 2 })),
    pollingInterval: options.pollingInterval ?? 250,
  }) as PublicClient;
}

/** A write client for one chain, signing with `account`. */
export function makeWalletClient(chainId: number, rpcUrl: string, account: Account): WalletClient<Transport, Chain, Account> {
  return createWalletClient({ chain: chainDefinition(chainId, rpcUrl), transport: instrumented(http(rpcUrl)), account });
}

function instrumented(transport: Transport): Transport {
  const metrics = currentRpcMetrics();
  return metrics ? instrumentTransport(transport, metrics) : transport;
}
