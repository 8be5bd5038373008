// The multi-prover aggregator's dashboard: polls the aggregator's own API (same origin, no external network) every 2 s,
// ticks provers' liveness on the main chain's clock every second, and follows a task's event stream until its state
// is confirmed on-chain. Renders with DOM APIs only. See docs/dashboard.md.

import { $, badge, el, followTaskEvents, formatChainTime, formatDuration, formatWeight, getJson, parseTaskId, pollEvery, remoteClock, share, short } from './common.js';

const POLL_MS = 2000;
const MAX_CONFIRMATIONS = 25;

const state = {
  // the main chain's clock (`now` of /v1/multi-prover/provers), so liveness counts down on it
  clock: remoteClock(),
  // one entry per row of the provers table: the prover and its ticking cells
  provers: [],
  // task id → EventSource of the tasks followed from the page
  followed: new Map(),
};

/** A table cell with a hash shortened, the whole hash in its title (shown on hover). */
function hashCell(hex, extra = {}) {
  return hex ? el('td', { class: 'mono', text: short(hex), title: hex, ...extra }) : el('td', { text: '–' });
}

// ----- provers -----

async function pollProvers() {
  const data = await getJson('/v1/multi-prover/provers');
  state.clock.sync(data.now);
  state.provers = data.provers.map((p) => {
    const left = el('td', { class: 'num' });
    const live = el('td');
    const row = el(
      'tr',
      { 'data-operator': p.operator, 'data-tee-type': p.teeType },
      el('td', { class: 'mono', text: p.operator }),
      el('td', { text: p.teeType }),
      el('td', { class: 'mono', text: p.proverKey }),
      el('td', { text: formatChainTime(p.liveUntil), title: `${p.liveUntil} (unix seconds)` }),
      left,
      live,
    );
    return { prover: p, row, left, live };
  });
  $('provers').tBodies[0].replaceChildren(...state.provers.map((p) => p.row));
  $('provers-empty').hidden = state.provers.length > 0;
  tickProvers();
}

/** Time left and live or lapsed for each prover, on the main chain's clock (the API's rule: live while liveUntil > now). */
function tickProvers() {
  const now = state.clock.now();
  let live = 0;
  for (const { prover, row, left, live: cell } of state.provers) {
    const seconds = Number(prover.liveUntil) - now;
    const isLive = seconds > 0;
    if (isLive) live++;
    left.textContent = isLive ? formatDuration(seconds) : `lapsed ${formatDuration(-seconds)} ago`;
    const shown = isLive ? 'live' : 'lapsed';
    if (row.dataset.state !== shown) {
      row.dataset.state = shown;
      cell.replaceChildren(badge(shown, isLive ? 'ok' : 'bad'));
    }
  }
  $('provers-summary').textContent =
    state.provers.length === 0 ? `main-chain time ${formatChainTime(now)}` : `${state.provers.length} provers, ${live} live · main-chain time ${formatChainTime(now)}`;
}

// ----- operators -----

async function pollOperators() {
  const data = await getJson('/v1/multi-prover/operators');
  const totals = new Map(data.quorums.map((q) => [q.quorumNumber, q.totalWeight]));
  const connected = data.operators.filter((o) => o.connected).length;
  const counting = data.operators.filter((o) => o.liveness === null).length;
  const quorums = data.quorums.map((q) => `quorum ${q.quorumNumber}: total ${formatWeight(q.totalWeight)}, threshold ${formatWeight(q.thresholdWeight)}`);
  $('operators-summary').textContent =
    `${data.operators.length} operators at epoch ${data.epoch}, ${connected} connected, ${counting} whose answers count now` + (quorums.length ? `; ${quorums.join('; ')}` : '');
  const rows = data.operators.map((o) =>
    el(
      'tr',
      { 'data-operator': o.operator },
      el('td', { class: 'mono', text: o.operator }),
      el(
        'td',
        { class: 'weights' },
        ...o.quorumWeights.map((w) =>
          el('span', {
            'data-quorum': String(w.quorumNumber),
            text: `quorum ${w.quorumNumber}: ${formatWeight(w.weight)} (${share(w.weight, totals.get(w.quorumNumber) ?? '0')})`,
            title: `${w.weight} (raw)`,
          }),
        ),
      ),
      el('td', {}, badge(o.connected ? 'connected' : 'disconnected', o.connected ? 'ok' : 'bad')),
      el('td', {}, o.liveness === null ? badge('count', 'ok') : badge('refused', 'bad'), o.liveness === null ? null : el('span', { class: 'reason', text: o.liveness })),
    ),
  );
  $('operators').tBodies[0].replaceChildren(...rows);
}

// ----- confirmations -----

async function pollConfirmations() {
  const data = await getJson(`/v1/multi-prover/confirmations?limit=${MAX_CONFIRMATIONS}`);
  const rows = data.confirmations.map((t) =>
    el(
      'tr',
      { 'data-task-id': t.taskId },
      hashCell(t.taskId),
      el('td', { class: 'num', text: t.committeeId }),
      el('td', { class: 'num', text: t.chainId }),
      el('td', { class: 'num', text: t.blockNumber }),
      hashCell(t.state?.blockHash, { 'data-field': 'block-hash' }),
      hashCell(t.state?.stateRoot, { 'data-field': 'state-root' }),
      el('td', { class: 'signers mono' }, ...t.signers.map((s) => el('span', { text: short(s.operator), title: `${s.operator}, weight ${s.weight}` }))),
      hashCell(t.confirmation?.txHash, { 'data-field': 'tx-hash' }),
      el('td', { class: 'num', text: t.confirmation?.blockNumber ?? '–' }),
    ),
  );
  $('confirmations').tBodies[0].replaceChildren(...rows);
  $('confirmations-empty').hidden = rows.length > 0;
}

// ----- follow a task (Server-Sent Events) -----

/** Where a task is: pending, signing, aggregated, submitted (confirmState sent), confirmed, failed or confirmation failed. */
function stageOf(task) {
  if (task.status === 'failed') return 'failed';
  if (task.confirmation?.status === 'failed') return 'confirmation failed';
  return task.confirmation?.status ?? task.status;
}

/** Nothing more will happen: the task failed, or its confirmation was mined or gave up (the stream ends there too). */
const isSettled = (task) => task.status === 'failed' || (task.confirmation !== null && task.confirmation.status !== 'submitted');

function renderFollowed(task) {
  const stage = stageOf(task);
  const out = $('follow-result');
  out.dataset.stage = stage;
  out.className = stage === 'confirmed' ? 'ok' : stage.includes('failed') ? 'bad' : '';
  const reason = task.failureReason ?? task.confirmation?.reason;
  out.textContent = `task ${short(task.taskId)}: ${stage}${reason ? ` (${reason})` : ''}, ${task.signers.length} signers`;
  $('follow-task-facts').hidden = false;
  $('follow-task-id').textContent = task.taskId;
  $('follow-block').textContent = `chain ${task.chainId}, block ${task.blockNumber} (committee ${task.committeeId})`;
  $('follow-stage').textContent = stage;
  $('follow-signers').textContent = `${task.signers.length}, weight ${formatWeight(task.signedWeight)} (threshold ${formatWeight(task.thresholdWeight)})`;
  $('follow-block-hash').textContent = task.state?.blockHash ?? '–';
  $('follow-state-root').textContent = task.state?.stateRoot ?? '–';
  $('follow-tx').textContent = task.confirmation?.txHash
    ? `${task.confirmation.txHash}${task.confirmation.blockNumber ? ` (block ${task.confirmation.blockNumber})` : ''}`
    : '–';
  const history = $('follow-history');
  if (history.lastElementChild?.dataset.stage !== stage) {
    history.append(el('li', { 'data-stage': stage, text: `${new Date().toLocaleTimeString('en-GB')} ${stage}` }));
  }
}

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
  // One task at a time on the panel: a new one replaces the one followed before.
  for (const source of state.followed.values()) source.close();
  state.followed.clear();
  delete out.dataset.stage;
  out.textContent = `following ${short(taskId)}…`;
  $('follow-task-facts').hidden = true;
  $('follow-history').replaceChildren();
  const source = followTaskEvents(`/v1/multi-prover/tasks/${taskId}/events`, {
    isFinal: isSettled,
    onStatus(task) {
      if (state.followed.get(taskId) !== source) return;
      renderFollowed(task);
      if (stageOf(task) === 'confirmed') pollConfirmations().catch(() => {});
    },
    onEnd(seen) {
      if (state.followed.get(taskId) !== source) return;
      state.followed.delete(taskId);
      if (!seen) {
        out.className = 'bad';
        out.textContent = `cannot follow ${short(taskId)}: unknown task, or the aggregator is unreachable`;
      }
    },
  });
  state.followed.set(taskId, source);
}

// ----- loop -----

$('follow-form').addEventListener('submit', onFollow);
setInterval(tickProvers, 1000);
pollEvery(POLL_MS, [pollProvers, pollOperators, pollConfirmations]);
