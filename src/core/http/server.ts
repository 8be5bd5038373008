/**
 * The Fastify base every service's HTTP API is built on: zod schemas (fastify-type-provider-zod) for validation and
 * serialization, an OpenAPI document from those schemas (@fastify/swagger) served at `GET /openapi.json`, and the
 * shared error replies (`errors.ts`).
 */
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from '../logging.ts';
import { installErrorHandlers } from './errors.ts';

/** A Fastify instance typed for zod route schemas. */
export type HttpServer = FastifyInstance<any, any, any, FastifyBaseLogger, ZodTypeProvider>;

/** Options of {@link createHttpServer}. */
export type HttpServerOptions = {
  /** OpenAPI `info`. */
  title: string;
  version: string;
  description?: string;
  /** Logger (pino) for request logs (info) and failed requests (error); omitted: silent. */
  logger?: Logger;
  /** Validate every response against its zod schema before sending (default false; on in tests). */
  validateResponses?: boolean;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
};

/**
 * Creates the server with validators, serializers, OpenAPI generation and error handlers installed, and the
 * `GET /openapi.json` route. Register routes on the returned instance (after this returns), then `listen` or `inject`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    // A child logger per request (pino child, bindings, redaction) costs a noticeable share of a small request. When
    // per-request lines (info) are off there is nothing to correlate by request id (the error line names method and
    // URL), so requests then share the server's logger.
    childLoggerFactory: (logger, bindings, childOptions) => (['trace', 'debug', 'info'].includes(logger.level) ? logger.child(bindings, childOptions) : logger),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Closing waits for SSE streams and sockets otherwise.
    forceCloseConnections: true,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API (OpenAPI) and type the handlers; at run time replies are serialized without
  // re-validating them, which would cost more than building them. Set `validateResponses` to check them (tests).
  app.setSerializerCompiler(options.validateResponses ? serializerCompiler : () => (data) => JSON.stringify(data));
  installErrorHandlers(app);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, version: options.version, description: options.description },
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app as HttpServer;
}
