/**
 * A service's dashboard on its own HTTP server (docs/dashboard.md): a static page (HTML, ES modules, CSS; no framework,
 * no build step) that reads the service's own API. Every dashboard is served at `GET /dashboard` with the same strict
 * Content-Security-Policy, and may use the shared helpers beside this module, served at `/dashboard/common.js` (DOM
 * building, JSON reads, formatting, polling, following a task's event stream) and `/dashboard/common.css` (layout,
 * tables, badges, forms). Files are read once, at registration.
 *
 * ```ts
 * registerDashboardPage(app, { directory: new URL('./', import.meta.url), assets: ['dashboard.js', 'dashboard.css'] });
 * ```
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { HttpServer } from '../../core/http/server.ts';

/** Path every dashboard is served at. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * Everything a dashboard loads comes from the server that served it: it works on a closed network and cannot be made
 * to load or post anywhere else.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The shared helpers' directory, and their names under {@link DASHBOARD_PATH}. */
const SHARED_DIRECTORY = new URL('./dashboard/', import.meta.url);
const SHARED_ASSETS: readonly string[] = ['common.js', 'common.css'];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Options of {@link registerDashboardPage}. */
export type DashboardPageOptions = {
  /** The page's directory, a `file:` URL ending in `/` (e.g. `new URL('./', import.meta.url)`); holds `index.html`. */
  directory: URL;
  /**
   * Files of `directory` the page loads besides `index.html` (`.js`, `.css` or `.html`), each served at
   * `/dashboard/<name>`; nothing else in the directory is served. Names may not be those of the shared helpers.
   */
  assets: readonly string[];
  /** Redirect `GET /` to the page (302); default true. */
  redirectRoot?: boolean;
};

/** A dashboard that cannot be served as configured (a name taken twice, a type not served, a path outside). */
export class DashboardConfigError extends Error {
  override name = 'DashboardConfigError';
}

/**
 * Registers `GET /dashboard` (the page's `index.html`), `GET /dashboard/<asset>` for each of its assets, the shared
 * `common.js` and `common.css`, and (unless `redirectRoot: false`) `GET /` redirecting to the page. Every reply carries
 * {@link DASHBOARD_CONTENT_SECURITY_POLICY}, `nosniff` and `no-cache`; the routes are hidden from the OpenAPI document
 * (they are a page, not API).
 * @throws {DashboardConfigError} for an asset named like a shared one, not a plain file name, or of another type.
 * @throws when a file is missing.
 */
export function registerDashboardPage(app: HttpServer, options: DashboardPageOptions): void {
  const files: { route: string; url: URL }[] = [{ route: DASHBOARD_PATH, url: new URL('index.html', options.directory) }];
  for (const name of SHARED_ASSETS) files.push({ route: `${DASHBOARD_PATH}/${name}`, url: new URL(name, SHARED_DIRECTORY) });
  for (const name of options.assets) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new DashboardConfigError(`dashboard asset "${name}" is not a plain file name`);
    if (SHARED_ASSETS.includes(name)) throw new DashboardConfigError(`dashboard asset "${name}" is the name of a shared one`);
    files.push({ route: `${DASHBOARD_PATH}/${name}`, url: new URL(name, options.directory) });
  }
  for (const file of files) {
    const type = CONTENT_TYPES[extname(file.url.pathname)];
    if (!type) throw new DashboardConfigError(`dashboard asset ${file.url.pathname}: only .html, .js and .css are served`);
    const body = readFileSync(file.url);
    app.get(file.route, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('content-security-policy', DASHBOARD_CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
  if (options.redirectRoot !== false) app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(DASHBOARD_PATH));
}
