/**
 * The multi-prover aggregator's dashboard (docs/dashboard.md): provers and their liveness on the main chain's clock,
 * operators and whether their answers count, recent on-chain confirmations, and a task followed until it is confirmed.
 * A static page (HTML, one ES module, CSS) served at `GET /dashboard` (and `GET /` redirects there) by the shared
 * dashboard server (src/runtime/http/dashboard.ts), which also serves the helpers the page imports.
 */
import type { HttpServer } from '../../../../core/http/server.ts';
import { registerDashboardPage } from '../../../../runtime/http/dashboard.ts';

/**
 * Registers `GET /dashboard`, its script and stylesheet, the shared helpers, and `GET /` (302 to the dashboard).
 * @throws when an asset file is missing next to this module.
 */
export function registerMultiProverDashboard(app: HttpServer): void {
  registerDashboardPage(app, { directory: new URL('./', import.meta.url), assets: ['dashboard.js', 'dashboard.css'] });
}
