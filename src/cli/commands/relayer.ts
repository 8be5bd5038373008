/**
 * `avs relayer run`: the devnet bridge relayer of a deployment (every `chains[].bridge` pair, both ways) until Ctrl-C.
 */
import type { Command } from 'commander';
import { untilSignal } from './operator.ts';
import { CommandFailedError } from '../errors.ts';
import { DEFAULT_DEPLOYMENT_PATH, loadCoreDeployment, parseCount, resolvePrivateKey } from '../options.ts';

/** Adds `relayer run` to the program. */
export function registerRelayerCommands(program: Command): void {
  const relayer = program.command('relayer').description('relay devnet bridge messages between the chains of a deployment');
  relayer
    .command('run')
    .description('deliver every bridge message of the deployment, both ways, exactly once and in order, until Ctrl-C')
    .option('--key <hex>', 'relayer private key, authorised on every endpoint (default: $AVS_RELAYER_KEY)')
    .option('--confirmations <n>', 'blocks a message’s block needs on its source chain (1 = the block itself)', '2')
    .option('--poll-interval <ms>', 'pause between passes when there is nothing to deliver, milliseconds', '500')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API', '127.0.0.1')
    .addHelpText('after', '\nExample:\n  avs relayer run --key $AVS_RELAYER_KEY --node-api-port 9092\n')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        deployment?: string;
        key?: string;
        confirmations: string;
        pollInterval: string;
        nodeApiPort?: string;
        nodeApiHost: string;
      }>();
      const nodeApiPort = opts.nodeApiPort === undefined ? undefined : parseCount('--node-api-port', opts.nodeApiPort, { min: 0, max: 65535 });
      const account = resolvePrivateKey('--key', opts.key, 'AVS_RELAYER_KEY');
      const confirmations = parseCount('--confirmations', opts.confirmations, { min: 1, max: 10_000 });
      const pollIntervalMs = parseCount('--poll-interval', opts.pollInterval, { min: 10, max: 600_000 });
      const deployment = loadCoreDeployment(opts.deployment);
      // Loaded on demand, so other commands start without the relayer's dependencies.
      const { bridgePairsOf } = await import('../../devnet/bridge.ts');
      const pairs = bridgePairsOf(deployment);
      if (pairs.length === 0) {
        throw new CommandFailedError(`${opts.deployment ?? DEFAULT_DEPLOYMENT_PATH}: no chain has a bridge (chains[].bridge): nothing to relay`);
      }
      const { createLogger } = await import('../../core/logging.ts');
      const { startRelayer } = await import('../../devnet/relayer.ts');
      const logger = createLogger('relayer');
      let registry;
      if (nodeApiPort !== undefined) {
        const { createMetricsRegistry } = await import('../../core/http/metrics.ts');
        const { instrumentRpcClients } = await import('../../core/chain/rpcMetrics.ts');
        registry = createMetricsRegistry('state-proofs');
        instrumentRpcClients(registry);
      }
      const running = await startRelayer({ pairs, chains: deployment.chains, account, confirmations, pollIntervalMs, logger, metrics: registry });
      let nodeApi: { url: string; close(): Promise<void> } | undefined;
      if (registry && nodeApiPort !== undefined) {
        const { startNodeServer } = await import('../../core/http/nodeServer.ts');
        nodeApi = await startNodeServer({
          host: opts.nodeApiHost,
          port: nodeApiPort,
          nodeName: 'avs-stack devnet bridge relayer',
          nodeVersion: '0.1.0',
          registry,
          logger,
          services: pairs.map((p) => ({
            id: `lane-${p.a.chainId}-${p.b.chainId}`,
            name: `Bridge ${p.a.chainId} <-> ${p.b.chainId}`,
            description: 'Deliveries between the two endpoints, both ways',
            status: () => 'Up' as const,
          })),
        });
        logger.info({ url: nodeApi.url }, 'node API and metrics listening');
      }
      const signal = await untilSignal();
      logger.info({ signal }, 'stopping');
      await nodeApi?.close();
      await running.stop();
    });
}
