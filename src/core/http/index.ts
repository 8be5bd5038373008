/** Shared HTTP pieces: the Fastify base with zod schemas and OpenAPI, error replies, and the EigenLayer node API. */
export { type ErrorBody, HttpError, NotFoundError, installErrorHandlers, reasonPhrase, validationMessage } from './errors.ts';
export {
  type EigenNodeApiOptions,
  NODE_API_SPEC_VERSION,
  type NodeHealth,
  type NodeService,
  type NodeServiceStatus,
  eigenNodeApi,
  healthOf,
} from './nodeApi.ts';
export { createMetricsRegistry, registerMetricsRoute } from './metrics.ts';
export { type HttpServer, type HttpServerOptions, createHttpServer } from './server.ts';
