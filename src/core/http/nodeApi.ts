/**
 * The EigenLayer AVS Node API (AVS Node Specification v0.0.1), mounted under `/eigen`:
 *
 * | Path | Reply |
 * |---|---|
 * | GET /eigen/node | 200 `{ node_name, spec_version, node_version }` |
 * | GET /eigen/node/health | 200 healthy, 206 partially healthy (initializing, or some backing service down), 503 unhealthy |
 * | GET /eigen/node/services | 200 `{ services: [{ id, name, description, status }] }`, status `Up`/`Down`/`Initializing` |
 * | GET /eigen/node/services/:id/health | 200 / 206 / 503 as above for one service; unknown id 404 |
 *
 * Every route takes an optional `?version=`; an unknown version gets 404 `{"message":"API version not found"}`.
 * Errors are `{ message }` as the spec has them (500 `{"message":"Internal server error"}`).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';

/** Status of a backing service, as the spec spells it. */
export type NodeServiceStatus = 'Up' | 'Down' | 'Initializing';

/** One backing service the node reports on (a chain RPC, the database, the aggregator connection, ...). */
export type NodeService = {
  id: string;
  name: string;
  description: string;
  /** Current status; called on every request, so keep it cheap (cached state, no I/O). */
  status: () => NodeServiceStatus;
};

/** Options of {@link eigenNodeApi}. */
export type EigenNodeApiOptions = {
  /** `node_name`, e.g. `avs-stack <service> aggregator`. */
  nodeName: string;
  /** `node_version`, the software version. */
  nodeVersion: string;
  /** Backing services (default none: the node is healthy when it answers). */
  services?: readonly NodeService[];
  /** Overall health override; default: derived from the services. */
  health?: () => NodeHealth;
};

/** Overall health. */
export type NodeHealth = 'healthy' | 'partially healthy' | 'unhealthy';

/** The spec version implemented. */
export const NODE_API_SPEC_VERSION = 'v0.0.1';

const HEALTH_STATUS: Record<NodeHealth, number> = { healthy: 200, 'partially healthy': 206, unhealthy: 503 };

/**
 * Health from service statuses: all Up (or none) → healthy; all Down → unhealthy; otherwise (some Initializing or
 * some Down) → partially healthy.
 */
export function healthOf(statuses: readonly NodeServiceStatus[]): NodeHealth {
  if (statuses.every((s) => s === 'Up')) return 'healthy';
  if (statuses.every((s) => s === 'Down')) return 'unhealthy';
  return 'partially healthy';
}

/**
 * The node API as a Fastify plugin, encapsulated (its hooks and `{ message }` error replies stay under its prefix).
 * Register it with `{ prefix: '/eigen' }`:
 * `await app.register(eigenNodeApi, { prefix: '/eigen', nodeName, nodeVersion, services })`.
 */
export const eigenNodeApi: FastifyPluginAsync<EigenNodeApiOptions> = async (app: FastifyInstance, options) => {
  const services = options.services ?? [];
  const health = options.health ?? (() => healthOf(services.map((s) => s.status())));
  const supported = new Set([NODE_API_SPEC_VERSION, NODE_API_SPEC_VERSION.slice(1)]);

  app.addHook('onRequest', async (request, reply) => {
    const version = (request.query as Record<string, unknown> | undefined)?.version;
    if (version !== undefined && !(typeof version === 'string' && supported.has(version))) {
      return reply.code(404).send({ message: 'API version not found' });
    }
  });
  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'node API request failed');
    return reply.code(500).send({ message: 'Internal server error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ message: 'Not found' }));

  const hidden = { schema: { hide: true } };
  app.get('/node', hidden, async () => ({
    node_name: options.nodeName,
    spec_version: NODE_API_SPEC_VERSION,
    node_version: options.nodeVersion,
  }));
  app.get('/node/health', hidden, async (_request, reply) => sendStatus(reply, HEALTH_STATUS[health()]));
  app.get('/node/services', hidden, async () => ({
    services: services.map((s) => ({ id: s.id, name: s.name, description: s.description, status: s.status() })),
  }));
  app.get<{ Params: { id: string } }>('/node/services/:id/health', hidden, async (request, reply) => {
    const service = services.find((s) => s.id === request.params.id);
    if (!service) return reply.code(404).send({ message: 'Service not found' });
    return sendStatus(reply, HEALTH_STATUS[healthOf([service.status()])]);
  });
};

function sendStatus(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).send();
}
