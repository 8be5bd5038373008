/**
 * The aggregator's dashboard (docs/dashboard.md): a static page (HTML, one ES module, CSS; no framework, no build step)
 * that polls the aggregator's own API. Served at `GET /dashboard` (and `GET /` redirects there); the files are read
 * once at registration. See docs/dashboard.md.
 */
import { readFileSync } from 'node:fs';
import type { HttpServer } from '../../../../core/http/server.ts';

/** Path the dashboard is served at. */
export const DASHBOARD_PATH = '/dashboard';

const ASSETS: readonly { route: string; file: string; type: string }[] = [
  { route: DASHBOARD_PATH, file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: `${DASHBOARD_PATH}/dashboard.js`, file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { route: `${DASHBOARD_PATH}/dashboard.css`, file: 'dashboard.css', type: 'text/css; charset=utf-8' },
];

// Everything the page loads comes from the aggregator itself; it works on a closed network and cannot be made to
// load or post anywhere else.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Registers `GET /dashboard`, its script and stylesheet, and `GET /` (302 to the dashboard). Routes are hidden from the
 * OpenAPI document: they are a page, not API.
 * @throws when an asset file is missing next to this module.
 */
export function registerDashboard(app: HttpServer): void {
  for (const asset of ASSETS) {
    const body = readFileSync(new URL(asset.file, import.meta.url));
    app.get(asset.route, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(DASHBOARD_PATH));
}
