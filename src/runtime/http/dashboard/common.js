// Helpers shared by the services' dashboards (served at /dashboard/common.js by src/runtime/http/dashboard.ts). Pages
// read their own server's API (same origin, no external network) and render with DOM APIs only (textContent, never
// innerHTML with data). See docs/dashboard.md.

export const $ = (id) => document.getElementById(id);

/** A DOM element: `class`, `text` (textContent), `data-*` and `aria-*` attributes, else properties; then children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** The JSON body of `path`; throws with the API's message on an error status. */
export async function getJson(path, init) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, ...init });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

/** `0x1234ab…cdef01` for a long hex string (show the whole one in a `title`). */
export function short(hex) {
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/** `mm:ss`, `h:mm:ss` or `Nd hh:mm:ss`; negative durations show as 00:00. */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  return d > 0 ? `${d}d ${pad(h)}:${pad(m)}:${pad(s % 60)}` : h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** Unix seconds as `YYYY-MM-DD hh:mm:ss UTC`. */
export function formatChainTime(seconds) {
  return new Date(Number(seconds) * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Weight as a decimal string scaled down by 18 decimals (shares are wei-scale), for display only. */
export function formatWeight(decimal) {
  const value = BigInt(decimal);
  const whole = value / 10n ** 18n;
  const frac = (value % 10n ** 18n).toString().padStart(18, '0').slice(0, 2).replace(/0+$/, '');
  return `${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''}`;
}

/** `part` as a percentage of `total` (decimal strings), two decimals. */
export function share(part, total) {
  const t = BigInt(total);
  if (t === 0n) return '–';
  return `${(Number((BigInt(part) * 10000n) / t) / 100).toFixed(2)} %`;
}

/** A badge: `kind` 'ok', 'bad' or '' (neutral). */
export function badge(text, kind = '', title = '') {
  return el('span', { class: `badge ${kind}`, text, title });
}

/** The header's connection line (`#connection`). */
export function setConnection(ok, text) {
  const node = $('connection');
  node.textContent = text;
  node.className = `connection ${ok ? 'live' : 'down'}`;
}

/**
 * A clock that runs on another clock's time (the main chain's): `sync(seconds)` with the time read from the API, then
 * `now()` in unix seconds, ticking with the local clock in between.
 */
export function remoteClock() {
  let offset = 0;
  return {
    sync(seconds) {
      offset = Number(seconds) - Date.now() / 1000;
    },
    now: () => Date.now() / 1000 + offset,
  };
}

/**
 * Runs each stage's reads together, the stages in order (a later stage may use what an earlier one read), now and
 * `periodMs` after each round ends. The header says `live` while every read succeeds, and the first error otherwise.
 */
export function pollEvery(periodMs, ...stages) {
  const round = async () => {
    const results = [];
    for (const stage of stages) results.push(...(await Promise.allSettled(stage.map((read) => read()))));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) setConnection(false, `aggregator: ${failed.reason?.message ?? 'unreachable'}`);
    else setConnection(true, `live · updated ${new Date().toLocaleTimeString('en-GB')}`);
    setTimeout(round, periodMs);
  };
  round();
}

/** A task id typed or pasted by a person, lower-cased; undefined unless it is 0x and 64 hex digits. */
export function parseTaskId(text) {
  const id = text.trim().toLowerCase();
  return /^0x[0-9a-f]{64}$/.test(id) ? id : undefined;
}

/**
 * Follows a task's Server-Sent Events (`status` events carrying the task as JSON) at `url`: `onStatus(task)` for each,
 * until `isFinal(task)`; then, or when the stream cannot be (re)opened, `onEnd(seen)` once, `seen` telling whether any
 * status arrived (none: an unknown task, or the server is unreachable). Returns the EventSource.
 */
export function followTaskEvents(url, { onStatus, isFinal, onEnd }) {
  const source = new EventSource(url);
  let seen = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd?.(seen);
  };
  source.addEventListener('status', (message) => {
    const task = JSON.parse(message.data);
    seen = true;
    onStatus(task);
    // The stream ends after a final status; closing first keeps EventSource from reconnecting.
    if (isFinal(task)) {
      source.close();
      end();
    }
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) end();
  });
  return source;
}
