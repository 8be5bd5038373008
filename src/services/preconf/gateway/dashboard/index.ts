/**
 * The preconf gateway's dashboard (docs/dashboard.md): the proposer lookahead with, for each slot, its validator, the
 * operator and delegate key the registry has for it, the chains it preconfirms for and whether this gateway can
 * preconfirm in it now (for one chain, chosen on the page, or any); and the preconfirmations signed lately. A static
 * page (HTML, one ES module, CSS) served at `GET /dashboard` (and `GET /` redirects there) by the shared dashboard
 * server (src/runtime/http/dashboard.ts), which also serves the helpers the page imports.
 */
import type { HttpServer } from '../../../../core/http/server.ts';
import { registerDashboardPage } from '../../../../runtime/http/dashboard.ts';

/**
 * Registers `GET /dashboard`, its script and stylesheet, the shared helpers, and `GET /` (302 to the dashboard).
 * @throws when an asset file is missing next to this module.
 */
export function registerPreconfGatewayDashboard(app: HttpServer): void {
  registerDashboardPage(app, { directory: new URL('./', import.meta.url), assets: ['dashboard.js', 'dashboard.css'] });
}
