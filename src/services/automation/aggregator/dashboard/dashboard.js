// The automation aggregator's dashboard: polls the aggregator's own API (same origin, no external network) every 2 s
// and renders workflows, the executor schedule, recent runs, verdicts and operators with DOM APIs only.
// See docs/dashboard.md.

import { $, badge, el, formatWeight, getJson, pollEvery, share, short } from './common.js';

const POLL_MS = 2000;
const MAX_RUNS = 25;
const MAX_VERDICTS = 25;
const UPCOMING_SLOTS = 8;

/** A table cell with a hash or address shortened, the whole value in its title (shown on hover). */
function hashCell(hex, extra = {}) {
  return hex ? el('td', { class: 'mono', text: short(hex), title: hex, ...extra }) : el('td', { text: '–' });
}

/** A time trigger every N seconds from its start, or a condition trigger's checker. */
function triggerText(t) {
  if (t.kind === 'time') return `time: every ${t.interval} s, next ${t.nextRunAt ?? 'beyond the calendar'}`;
  return `condition: checker ${t.checker}${t.lastRunBlock ? `, last run in block ${t.lastRunBlock}` : ''}`;
}

// ----- workflows -----

async function pollWorkflows() {
  const data = await getJson('/v1/automation/workflows?limit=200');
  const active = data.workflows.filter((w) => w.status === 'active').length;
  $('workflows-summary').textContent = `${data.workflows.length} workflows, ${active} active · block ${data.blockNumber}`;
  const rows = data.workflows.map((w) =>
    el(
      'tr',
      { 'data-vault': w.vault, 'data-id': w.id, 'data-status': w.status, 'data-trigger': w.trigger.kind },
      el('td', { class: 'mono', text: w.vault }),
      el('td', { class: 'num', text: w.id }),
      hashCell(w.target),
      el('td', { class: 'trigger', text: triggerText(w.trigger) }),
      el('td', { class: 'num', text: w.maxGasLimit }),
      el('td', { class: 'num', text: w.maxGasPrice }),
      el('td', {}, badge(w.status, w.status === 'active' ? 'ok' : '')),
      el('td', { class: 'num', text: w.registeredBlock }),
      el('td', { class: 'num', text: w.vaultDeposit }),
      el('td', { class: 'num', text: String(w.runs) }),
    ),
  );
  $('workflows').tBodies[0].replaceChildren(...rows);
  $('workflows-empty').hidden = rows.length > 0;
}

// ----- schedule and judged slots -----

async function pollSlots() {
  const data = await getJson(`/v1/automation/slots?count=${UPCOMING_SLOTS}`);
  $('slots-summary').textContent =
    data.current === null
      ? `no executor arranged yet (${data.arrangementCount} arrangements) · block ${data.blockNumber}`
      : `slot ${data.current.slot} of epoch ${data.current.epoch} · block ${data.blockNumber}, ${data.slotBlocks} blocks a slot`;
  const slots = data.current === null ? [] : [data.current, ...data.upcoming];
  const rows = slots.map((s, i) =>
    el(
      'tr',
      { class: i === 0 ? 'current' : '', 'data-start-block': s.startBlock },
      el('td', { class: 'num', text: String(s.epoch) }),
      el('td', { class: 'num', text: s.slot }),
      el('td', { text: `${s.startBlock}–${BigInt(s.endBlock) - 1n}` }),
      s.executor ? el('td', { class: 'mono', text: s.executor }) : el('td', { text: 'none' }),
    ),
  );
  $('slots').tBodies[0].replaceChildren(...rows);
  $('judged-empty').hidden = data.judged.length > 0;
  $('judged').tBodies[0].replaceChildren(
    ...data.judged.map((j) =>
      el(
        'tr',
        { 'data-start-block': j.startBlock },
        el('td', { class: 'num', text: j.startBlock }),
        hashCell(j.executor),
        el('td', {}, badge(j.task?.status ?? 'gone', j.task?.status === 'failed' ? 'bad' : j.task?.status === 'aggregated' ? 'ok' : ''), j.task?.failureReason ? el('span', { class: 'reason', text: j.task.failureReason }) : null),
        el('td', { text: j.task ? `${formatWeight(j.task.signedWeight)} / ${formatWeight(j.task.thresholdWeight)}` : '–' }),
        el('td', { text: j.verdict ? 'posted' : (j.submission?.status ?? '–'), title: j.submission?.reason ?? '' }),
      ),
    ),
  );
}

// ----- runs -----

async function pollRuns() {
  const data = await getJson(`/v1/automation/runs?limit=${MAX_RUNS}`);
  const rows = data.runs.map((r) =>
    el(
      'tr',
      { 'data-vault': r.vault, 'data-id': r.id, 'data-status': r.status },
      el('td', { class: 'mono', text: `${short(r.vault)} #${r.id}`, title: r.vault }),
      el('td', {}, badge(r.status, r.status === 'Succeeded' ? 'ok' : r.status === 'Failed' ? 'bad' : '')),
      hashCell(r.executor),
      el('td', { class: 'num', text: r.blockNumber, title: r.txHash }),
      el('td', { class: 'num', text: r.gasUsed }),
      el('td', { class: 'num', text: r.payment }),
    ),
  );
  $('runs').tBodies[0].replaceChildren(...rows);
  $('runs-empty').hidden = rows.length > 0;
}

// ----- verdicts -----

async function pollVerdicts() {
  const data = await getJson(`/v1/automation/verdicts?limit=${MAX_VERDICTS}`);
  const faults = data.verdicts.filter((v) => v.fault).length;
  const slashed = data.verdicts.filter((v) => v.slashed).length;
  $('verdicts-summary').textContent = `${data.verdicts.length} verdicts, ${faults} faults, ${slashed} executors slashed`;
  const rows = data.verdicts.map((v) =>
    el(
      'tr',
      { class: v.fault ? 'fault' : '', 'data-slot-start-block': v.slotStartBlock, 'data-fault': String(v.fault) },
      el('td', { class: 'num', text: v.slotStartBlock }),
      el('td', { class: 'mono', text: v.executor }),
      el('td', {}, badge(v.fault ? 'fault' : 'no fault', v.fault ? 'bad' : 'ok')),
      el('td', {}, v.slashed ? badge(`slashed (#${v.slash.slashId})`, 'bad') : el('span', { text: '–' })),
      hashCell(v.dueWorkflows),
      el('td', { text: formatWeight(v.signedWeight), title: `${v.signedWeight} (raw)` }),
      hashCell(v.txHash, { 'data-field': 'tx-hash' }),
    ),
  );
  $('verdicts').tBodies[0].replaceChildren(...rows);
  $('verdicts-empty').hidden = rows.length > 0;
}

// ----- operators -----

async function pollOperators() {
  const data = await getJson('/v1/automation/operators');
  const connected = data.operators.filter((o) => o.connected).length;
  const executors = data.operators.filter((o) => o.activeExecutor).length;
  $('operators-summary').textContent =
    `${data.operators.length} operators at epoch ${data.epoch}, ${executors} active executors, ${connected} connected; total weight ${formatWeight(data.totalWeight)}`;
  const rows = data.operators.map((o) =>
    el(
      'tr',
      { 'data-operator': o.operator },
      el('td', { class: 'mono', text: o.operator }),
      el('td', { text: `${formatWeight(o.weight)} (${share(o.weight, data.totalWeight)})`, title: `${o.weight} (raw)` }),
      hashCell(o.signingKey),
      el('td', {}, badge(o.activeExecutor ? 'active' : 'inactive', o.activeExecutor ? 'ok' : '')),
      hashCell(o.delegatedSigner),
      el('td', {}, badge(o.connected ? 'connected' : 'disconnected', o.connected ? 'ok' : 'bad')),
    ),
  );
  $('operators').tBodies[0].replaceChildren(...rows);
}

// ----- loop -----

pollEvery(POLL_MS, [pollWorkflows, pollSlots, pollRuns, pollVerdicts, pollOperators]);
