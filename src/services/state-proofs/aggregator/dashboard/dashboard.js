// The aggregator dashboard: polls the aggregator's own API (same origin, no external network) every 2 s and renders
// with DOM APIs only (textContent, never innerHTML with data). See docs/dashboard.md.

import { $, el, followTaskEvents, formatChainTime, formatDuration, formatWeight, getJson, parseTaskId, pollEvery, remoteClock, share, short } from './common.js';

const POLL_MS = 2000;
const MAX_PROOFS = 25;
// Proof feed pages fetched per poll while catching up with a long history.
const FEED_PAGES_PER_POLL = 10;
const FEED_PAGE = 500;

const state = {
  epoch: null,
  // the main chain's clock, so the countdown ticks on it
  clock: remoteClock(),
  chains: [],
  feedCursor: null,
  proofs: new Map(),
  // task id → EventSource of the tasks followed from the page
  followed: new Map(),
};

// ----- epoch -----

function renderEpoch() {
  const e = state.epoch;
  if (!e) return;
  const now = state.clock.now();
  $('epoch-number').textContent = String(e.epoch);
  $('epoch-countdown').textContent = formatDuration(Number(e.end) - now);
  $('epoch-grace').textContent = now >= Number(e.graceStart) ? 'in the grace period' : `starts in ${formatDuration(Number(e.graceStart) - now)}`;
  $('epoch-effective').textContent = `epoch ${e.effectiveEpoch}`;
  $('epoch-now').textContent = formatChainTime(now);
}

async function pollEpoch() {
  const e = await getJson('/v1/epochs/current');
  state.epoch = e;
  state.clock.sync(e.now);
  renderEpoch();
}

// ----- operators -----

async function pollOperators() {
  const data = await getJson('/v1/operators');
  const connected = data.operators.filter((o) => o.connected).length;
  $('operators-summary').textContent =
    `${data.operators.length} operators at epoch ${data.epoch}, ${connected} connected; ` +
    `total weight ${formatWeight(data.totalWeight)}, threshold ${formatWeight(data.thresholdWeight)}`;
  const rows = data.operators.map((o) =>
    el(
      'tr',
      { 'data-operator': o.operator },
      el('td', { class: 'mono', text: o.operator }),
      el('td', { class: 'mono', text: o.signingKey }),
      el('td', { class: 'num', text: formatWeight(o.weight), title: `${o.weight} (raw)` }),
      el('td', { class: 'num', text: share(o.weight, data.totalWeight) }),
      el(
        'td',
        {},
        el('span', { class: `badge ${o.connected ? 'ok' : 'bad'}`, text: o.connected ? 'connected' : 'disconnected' }),
        o.connectedAt ? el('span', { class: 'summary', text: ` since ${new Date(o.connectedAt).toLocaleTimeString('en-GB')}` }) : null,
      ),
      el('td', { text: o.nodeVersion ?? '–' }),
    ),
  );
  $('operators').tBodies[0].replaceChildren(...rows);
}

// ----- chains -----

async function pollChains() {
  const data = await getJson('/v1/chains');
  state.chains = data.chains;
  const current = state.epoch?.epoch;
  const rows = data.chains.map((c) => {
    let badge;
    if (c.error) badge = el('span', { class: 'badge bad', text: 'unreachable', title: c.error });
    else if (c.registryEpoch === null) badge = el('span', { class: 'badge bad', text: c.registry ? 'no epoch received yet' : 'no registry' });
    else if (c.role === 'main' || current === undefined || c.registryEpoch >= current) badge = el('span', { class: 'badge ok', text: 'up to date' });
    else badge = el('span', { class: 'badge bad', text: `behind by ${current - c.registryEpoch}` });
    return el(
      'tr',
      { 'data-chain': String(c.chainId) },
      el('td', { text: `${c.chainId} (${c.name})` }),
      el('td', { text: c.role }),
      el('td', { class: 'registry' }, ...(c.registry ? [el('span', { text: c.registryContract }), el('span', { class: 'mono', text: c.registry })] : ['–'])),
      el('td', { class: 'num', text: c.registryEpoch === null ? '–' : String(c.registryEpoch) }),
      el('td', {}, badge),
    );
  });
  $('chains').tBodies[0].replaceChildren(...rows);
  renderChainChoices();
}

function renderChainChoices() {
  const select = $('verify-chain');
  const chosen = select.value;
  const options = state.chains
    .filter((c) => c.registry)
    .map((c) => el('option', { value: String(c.chainId), text: `${c.chainId} (${c.name}, ${c.registryContract})` }));
  const same =
    options.length === select.options.length && options.every((o, i) => o.value === select.options[i].value && o.text === select.options[i].text);
  if (same) return;
  select.replaceChildren(...options);
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}

// ----- proofs -----

async function pollProofs() {
  for (let page = 0; page < FEED_PAGES_PER_POLL; page++) {
    const query = new URLSearchParams({ limit: String(FEED_PAGE) });
    if (state.feedCursor) query.set('after', state.feedCursor);
    const data = await getJson(`/v1/state-proofs?${query}`);
    for (const proof of data.proofs) {
      // A proof extended by late signatures comes again; keep the newest form, newest last.
      state.proofs.delete(proof.taskId);
      state.proofs.set(proof.taskId, proof);
    }
    while (state.proofs.size > MAX_PROOFS) state.proofs.delete(state.proofs.keys().next().value);
    if (data.next) state.feedCursor = data.next;
    if (data.proofs.length < FEED_PAGE) break;
  }
  renderProofs();
}

function renderProofs() {
  const proofs = [...state.proofs.values()].reverse();
  $('proofs-empty').hidden = proofs.length > 0;
  const rows = proofs.map((p) => {
    const a = p.attestation;
    const statusClass = p.status === 'aggregated' ? 'ok' : p.status === 'failed' ? 'bad' : '';
    const verifyButton = el('button', { type: 'button', class: 'link', text: 'verify', title: `put proof ${p.taskId} in the verify form`, disabled: !p.sigData });
    verifyButton.addEventListener('click', () => {
      $('verify-proof').value = JSON.stringify({ taskId: p.taskId, digest: p.digest, sigData: p.sigData }, null, 2);
      $('verify-proof').focus();
    });
    return el(
      'tr',
      { 'data-task-id': p.taskId },
      el('td', { class: 'mono', text: short(p.taskId), title: p.taskId }),
      el('td', {}, el('span', { class: `badge ${statusClass}`, text: p.status, title: p.failureReason ?? '' })),
      el('td', { text: a.chainId }),
      el('td', { class: 'mono', text: short(a.user), title: a.user }),
      el('td', { class: 'num', text: a.key }),
      el('td', { class: 'num', text: a.value === null ? '–' : a.exists === false ? `${a.value} (no entry)` : a.value }),
      el('td', { class: 'num', text: a.blockNumber }),
      el('td', { class: 'num', text: String(a.epoch) }),
      el('td', { class: 'signers mono' }, ...p.signers.map((s) => el('span', { text: s.operator, title: `weight ${s.weight}` }))),
      el('td', { class: 'num', text: `${formatWeight(p.signedWeight)} / ${formatWeight(p.thresholdWeight)}` }),
      el('td', { text: p.aggregatedAt ? new Date(p.aggregatedAt).toLocaleTimeString('en-GB') : '–' }),
      el('td', {}, verifyButton),
    );
  });
  $('proofs').tBodies[0].replaceChildren(...rows);
}

// ----- follow a task (Server-Sent Events) -----

function onFollow(event) {
  event.preventDefault();
  const out = $('follow-result');
  const taskId = parseTaskId($('follow-task').value);
  out.className = '';
  if (!taskId) {
    out.className = 'bad';
    out.textContent = 'a task id is 0x and 64 hex digits';
    return;
  }
  if (state.followed.has(taskId)) return;
  delete out.dataset.status;
  out.textContent = `following ${short(taskId)}…`;
  const source = followTaskEvents(`/v1/state-proofs/${taskId}/events`, {
    isFinal: (task) => task.status === 'aggregated' || task.status === 'failed',
    onStatus(task) {
      state.proofs.delete(task.taskId);
      state.proofs.set(task.taskId, task);
      renderProofs();
      out.dataset.status = task.status;
      out.className = task.status === 'aggregated' ? 'ok' : task.status === 'failed' ? 'bad' : '';
      out.textContent = `task ${short(task.taskId)}: ${task.status}${task.failureReason ? ` (${task.failureReason})` : ''}, ${task.signers.length} signers`;
    },
    onEnd(seen) {
      state.followed.delete(taskId);
      if (!seen) {
        out.className = 'bad';
        out.textContent = `cannot follow ${short(taskId)}: unknown task, or the aggregator is unreachable`;
      }
    },
  });
  state.followed.set(taskId, source);
}

// ----- verify -----

/** digest and sigData from what the user pasted: a task JSON, `{digest, sigData}`, or the two hex strings. */
function parseProof(text) {
  const trimmed = text.trim();
  try {
    const json = JSON.parse(trimmed);
    if (json && typeof json.digest === 'string' && typeof json.sigData === 'string') return { digest: json.digest, sigData: json.sigData };
    if (json && json.status && json.status !== 'aggregated') throw new Error(`this task is ${json.status}: it has no proof yet`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const hexes = trimmed.match(/0x[0-9a-fA-F]+/g) ?? [];
  const digest = hexes.find((h) => h.length === 66);
  const sigData = hexes.find((h) => h.length > 66);
  if (!digest || !sigData) throw new Error('paste the proof JSON, or a 32-byte digest and the sigData (0x hex)');
  return { digest, sigData };
}

async function onVerify(event) {
  event.preventDefault();
  const out = $('verify-result');
  out.className = '';
  out.textContent = 'verifying…';
  try {
    const { digest, sigData } = parseProof($('verify-proof').value);
    const chainId = Number($('verify-chain').value);
    const v = await getJson('/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ chainId, digest, sigData }),
    });
    out.dataset.valid = String(v.valid);
    out.dataset.chainId = String(v.chainId);
    out.className = v.valid ? 'ok' : 'bad';
    out.textContent = v.valid
      ? `valid on chain ${v.chainId}: ${v.registryContract} ${v.registry} returned ${v.result} (signed weight ${formatWeight(v.signedWeight)} ≥ threshold ${formatWeight(v.thresholdWeight)})`
      : `invalid on chain ${v.chainId}: ${v.registryContract} ${v.registry} returned ${v.result}${v.reason ? ` (${v.reason})` : ''}`;
  } catch (error) {
    out.dataset.valid = 'error';
    out.className = 'bad';
    out.textContent = `cannot verify: ${error.message}`;
  }
}

// ----- loop -----

$('verify-form').addEventListener('submit', onVerify);
$('follow-form').addEventListener('submit', onFollow);
setInterval(renderEpoch, 1000);
// Chains after the epoch, to compare each registry's epoch with the current one.
pollEvery(POLL_MS, [pollEpoch, pollOperators, pollProofs], [pollChains]);
