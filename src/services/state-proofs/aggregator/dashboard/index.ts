/**
 * The aggregator's dashboard (docs/dashboard.md): a static page (HTML, one ES module, CSS; no framework, no build step)
 * that polls the aggregator's own API. Served at `GET /dashboard` (and `GET /` redirects there) by the shared
 * dashboard server (src/runtime/http/dashboard.ts), which also serves the helpers the page imports.
 */
import { DASHBOARD_PATH, registerDashboardPage } from '../../../../runtime/http/dashboard.ts';
import type { HttpServer } from '../../../../core/http/server.ts';

export { DASHBOARD_PATH };

/**
 * Registers `GET /dashboard`, its script and stylesheet, the shared helpers, and `GET /` (302 to the dashboard).
 * @throws when an asset file is missing next to this module.
 */
export function registerDashboard(app: HttpServer): void {
  registerDashboardPage(app, { directory: new URL('./', import.meta.url), assets: ['dashboard.js', 'dashboard.css'] });
}
