/**
 * Puts an assembled aggregator server (HTTP API and the operators' WebSocket hub) on a port, for any service: the URLs
 * clients and operators dial, and an idempotent close.
 */
import type { HttpServer } from '../../core/http/server.ts';
import { OPERATOR_WS_PATH } from './hub.ts';

/** A listening aggregator server. */
export type ListeningAggregator = {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The operators' WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/operators/ws`. */
  wsUrl: string;
  /** Port actually bound. */
  port: number;
  /** Closes the server (its onClose hooks stop the service). Idempotent. */
  close(): Promise<void>;
};

/**
 * Listens on `host:port` (port 0 picks a free one); a wildcard host is shown as 127.0.0.1 in the URLs.
 * @throws when the port cannot be bound (the server is closed again).
 */
export async function listenAggregator(app: HttpServer, host: string, port: number): Promise<ListeningAggregator> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${bound}`,
    wsUrl: `ws://${shownHost}:${bound}${OPERATOR_WS_PATH}`,
    port: bound,
    close() {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
