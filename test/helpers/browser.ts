/**
 * The Chromium-family browser the browser tests drive (through playwright-core, which downloads none of its own).
 *
 * `CHROMIUM_PATH` names it; otherwise the first of the usual install locations that exists is used (Debian and Ubuntu
 * packages, Google Chrome, the macOS applications). When there is none the browser tests are skipped with the reason;
 * with AVS_REQUIRE_BROWSER=1 (set by .ci/run) they run and fail with that reason instead, so CI never passes without them.
 */
import { existsSync } from 'node:fs';

/** Where Chromium or Chrome is installed by the usual packages, in order of preference. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** True when a missing browser must fail the browser tests rather than skip them. */
export const BROWSER_REQUIRED = process.env.AVS_REQUIRE_BROWSER === '1';

/** Where the browser is, or why there is none (one line). */
export type ChromiumLookup = { path: string } | { path: undefined; reason: string };

/**
 * Finds the browser: `CHROMIUM_PATH` when set (which must exist), else the first of {@link CHROMIUM_CANDIDATES}.
 * @param env Default `process.env`.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CHROMIUM_CANDIDATES): ChromiumLookup {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    return existsSync(configured) ? { path: configured } : { path: undefined, reason: `CHROMIUM_PATH=${configured} does not exist` };
  }
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path) return { path };
  return {
    path: undefined,
    reason:
      `no Chromium or Chrome found (looked at ${candidates.join(', ')}); install one (Debian/Ubuntu: ` +
      '`apt-get install chromium`) or set CHROMIUM_PATH to its executable',
  };
}

/**
 * The `skip` option for a browser test: the reason when no browser is found, else false. Always false under
 * AVS_REQUIRE_BROWSER=1, so the test runs and {@link chromiumPath} fails it.
 */
export function skipWithoutChromium(): string | false {
  const found = findChromium();
  return found.path === undefined && !BROWSER_REQUIRED ? `skipped: ${found.reason} (AVS_REQUIRE_BROWSER=1 fails instead)` : false;
}

/**
 * The browser's executable.
 * @throws {Error} with the reason when there is none.
 */
export function chromiumPath(): string {
  const found = findChromium();
  if (found.path === undefined) throw new Error(`the browser tests need Chromium: ${found.reason}`);
  return found.path;
}
