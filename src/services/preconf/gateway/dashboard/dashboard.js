// The preconf gateway's dashboard: polls the gateway's own API (same origin, no external network) every 2 s and
// renders the proposer lookahead (for the chain chosen, or any) and the latest preconfirmations with DOM APIs only.
// See docs/dashboard.md.

import { $, badge, el, formatDuration, getJson, pollEvery, short } from './common.js';

const POLL_MS = 2000;
const MAX_PRECONFS = 25;

/** A table cell with a hash or address shortened, the whole value in its title (shown on hover). */
function hashCell(hex, extra = {}) {
  return hex ? el('td', { class: 'mono', text: short(hex), title: hex, ...extra }) : el('td', { text: '–' });
}

/** Keeps the chain selector's options to the chains seen in the lookahead (and the one chosen). */
function updateChains(slots) {
  const select = $('chain');
  const seen = new Set(slots.flatMap((s) => s.chainIds));
  if (select.value) seen.add(select.value);
  const known = new Set([...select.options].map((o) => o.value).filter((v) => v !== ''));
  for (const id of [...seen].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
    if (!known.has(id)) select.append(el('option', { value: id, text: `chain ${id}` }));
  }
}

// ----- lookahead -----

async function pollLookahead() {
  const chainId = $('chain').value;
  const data = await getJson(`/v1/lookahead${chainId ? `?chainId=${chainId}` : ''}`);
  updateChains(data.slots);
  const open = data.slots.filter((s) => s.canPreconf).length;
  $('lookahead-summary').textContent = `${data.slots.length} slots, this gateway can preconfirm in ${open}${chainId ? ` for chain ${chainId}` : ''}`;
  const now = Date.now() / 1000;
  const rows = data.slots.map((s) =>
    el(
      'tr',
      { class: s.canPreconf ? 'open' : '', 'data-slot': s.slot, 'data-can-preconf': String(s.canPreconf) },
      el('td', { class: 'num', text: s.slot }),
      el('td', { text: s.startsAt ? `in ${formatDuration(Date.parse(s.startsAt) / 1000 - now)}` : '–', title: s.startsAt ?? '' }),
      el('td', { class: 'num', text: s.validatorIndex, title: s.pubkey }),
      hashCell(s.blsPubKeyHash),
      s.operator ? hashCell(s.operator) : el('td', {}, badge('not registered')),
      hashCell(s.delegateKey),
      el('td', { class: 'chains' }, ...s.chainIds.map((id) => badge(id, s.canPreconf && (!chainId || id === chainId) ? 'ok' : '', `chain ${id}`))),
      el('td', {}, badge(s.canPreconf ? 'yes' : 'no', s.canPreconf ? 'ok' : 'bad'), s.reason ? el('span', { class: 'reason', text: s.reason }) : null),
    ),
  );
  $('lookahead').tBodies[0].replaceChildren(...rows);
  $('lookahead-empty').hidden = rows.length > 0;
}

// ----- preconfirmations -----

async function pollPreconfs() {
  const data = await getJson(`/v1/preconfs?limit=${MAX_PRECONFS}`);
  $('preconfs-summary').textContent = `${data.preconfs.length} latest`;
  const rows = data.preconfs.map((p) =>
    el(
      'tr',
      { 'data-digest': p.digest },
      el('td', { class: 'num', text: p.preconfirmation.slot }),
      el('td', { class: 'num', text: p.preconfirmation.chainId }),
      hashCell(p.preconfirmation.txHash, { 'data-field': 'tx-hash' }),
      hashCell(p.preconfirmation.blsPubKeyHash),
      hashCell(p.signer),
      hashCell(p.digest),
      el('td', { text: p.createdAt }),
    ),
  );
  $('preconfs').tBodies[0].replaceChildren(...rows);
  $('preconfs-empty').hidden = rows.length > 0;
}

// ----- loop -----

$('chain').addEventListener('change', () => pollLookahead().catch(() => {}));
pollEvery(POLL_MS, [pollLookahead, pollPreconfs]);
