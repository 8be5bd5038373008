/**
 * HTTP error replies shared by every service (docs/architecture.md, "Off-chain rules"): bad input gets 400 with a message
 * naming the field, unknown ids 404, and a 500 never leaks a stack or an internal message. Body: `{ error, message }`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** An error carrying the HTTP status to answer with; its message is shown to the client. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** 404 for an unknown resource; the message names it. */
export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

/** Body of every error reply. */
export type ErrorBody = { error: string; message: string };

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The reason phrase of a status code. */
export function reasonPhrase(statusCode: number): string {
  return REASONS[statusCode] ?? (statusCode >= 500 ? 'Server Error' : 'Client Error');
}

/**
 * The client-facing message of a validation failure, naming the field, e.g.
 * `body.user: expected a 20-byte 0x address`.
 */
export function validationMessage(error: FastifyError): string {
  const context = (error as FastifyError & { validationContext?: string }).validationContext ?? 'request';
  const first = error.validation?.[0];
  if (!first) return error.message;
  const path = (first.instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .join('.');
  return `${context}${path ? `.${path}` : ''}: ${first.message ?? 'invalid'}`;
}

/**
 * Installs the shared error and not-found handlers on `app`:
 * - schema validation failures → 400 naming the field;
 * - errors with a 4xx/5xx `statusCode` (HttpError, service errors, Fastify's own: bad JSON, wrong content type,
 *   body too large) → that status with their message, except 500s;
 * - anything else → 500 `Internal server error`, logged with its stack, never sent.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
      return reply.code(400).send({ error: reasonPhrase(400), message: validationMessage(error) } satisfies ErrorBody);
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 600 && status !== 500) {
      return reply.code(status).send({ error: reasonPhrase(status), message: error.message } satisfies ErrorBody);
    }
    request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
    return reply.code(500).send({ error: reasonPhrase(500), message: 'Internal server error' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    return reply
      .code(404)
      .send({ error: reasonPhrase(404), message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody);
  });
}
