/**
 * The automation aggregator's dashboard (docs/dashboard.md): the workflows vaults registered and their state, the
 * executor schedule (current and upcoming slots with their executors), recent runs and skips, the verdicts posted on
 * judged slots (faults and slashes shown), and the operators as executors and attesters. A static page (HTML, one ES
 * module, CSS) served at `GET /dashboard` (and `GET /` redirects there) by the shared dashboard server
 * (src/runtime/http/dashboard.ts), which also serves the helpers the page imports.
 */
import type { HttpServer } from '../../../../core/http/server.ts';
import { registerDashboardPage } from '../../../../runtime/http/dashboard.ts';

/**
 * Registers `GET /dashboard`, its script and stylesheet, the shared helpers, and `GET /` (302 to the dashboard).
 * @throws when an asset file is missing next to this module.
 */
export function registerAutomationDashboard(app: HttpServer): void {
  registerDashboardPage(app, { directory: new URL('./', import.meta.url), assets: ['dashboard.js', 'dashboard.css'] });
}
