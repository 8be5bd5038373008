/**
 * The multi-prover aggregator's dashboard in a real browser (Chromium or Chrome driven by playwright-core;
 * test/helpers/browser.ts finds it, or the suite is skipped with the reason) against a real devnet running only the
 * multi-prover (4 operators in two TEE quorums, 1 remote chain, the aggregator and the operator nodes with their devnet
 * provers; no block watch, so only the blocks requested here are proven): the page shows the four provers live with
 * their TEE type and keys, the operators connected and counted, and a requested block's state in Recent confirmations
 * with its confirmState transaction; a task followed by id goes on to `confirmed`; the page loads nothing from
 * anywhere but the aggregator.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';
import type { Hex } from 'viem';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { multiProverOnlyServices } from '../../src/devnet/multiProverServices.ts';
import { chromiumPath, skipWithoutChromium } from '../helpers/browser.ts';

// Without the background-networking flags chromium stalls on a closed network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MAIN = 31337;
const REMOTE = 31338;

type ProversJson = { now: string; provers: { operator: string; teeType: string; proverKey: string; liveUntil: string; live: boolean }[] };
type TaskJson = {
  taskId: Hex;
  status: string;
  committeeId: string;
  chainId: string;
  blockNumber: string;
  state: { blockHash: Hex; stateRoot: Hex } | null;
  signers: { operator: string; weight: string }[];
  failureReason: string | null;
  confirmation: { status: string; txHash: Hex | null; blockNumber: string | null; reason: string | null } | null;
};

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

/** Seconds of a duration the page shows: `mm:ss`, `h:mm:ss` or `Nd hh:mm:ss`. */
function seconds(shown: string): number {
  const [, days, hours, minutes, secs] = /^(?:(\d+)d )?(?:(\d+):)?(\d{2}):(\d{2})$/.exec(shown) ?? [];
  assert.ok(minutes !== undefined, `a duration, not ${shown}`);
  return Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(secs);
}

/** An attribute of every element `locator` matches, in document order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

describe('multi-prover dashboard in a real browser', { skip: skipWithoutChromium() }, () => {
  let devnet: Devnet;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'avs-mp-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'avs-mp-dashboard-chromium-'));
  // Everything the page asked for, and what the browser printed as errors (a CSP refusal is one).
  const requested: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    const executablePath = chromiumPath();
    devnet = await startDevnet({ operators: 4, remoteChains: 1, dir, services: multiProverOnlyServices({ logLevel: 'silent', everyBlocks: false }) });
    url = devnet.services!.multiProver!.aggregator.url;
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  after(async () => {
    // DASHBOARD_SCREENSHOT=<file.png> keeps a full-page screenshot of the page as the tests left it.
    if (process.env.DASHBOARD_SCREENSHOT && page) await page.screenshot({ fullPage: true, path: process.env.DASHBOARD_SCREENSHOT }).catch(() => {});
    await context?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('serves the page, its script, stylesheet and the shared helpers from the aggregator, with a same-origin-only policy', async () => {
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/dashboard');
    const expected: [string, RegExp][] = [
      ['/dashboard', /^text\/html/],
      ['/dashboard/dashboard.js', /^text\/javascript/],
      ['/dashboard/dashboard.css', /^text\/css/],
      ['/dashboard/common.js', /^text\/javascript/],
      ['/dashboard/common.css', /^text\/css/],
    ];
    for (const [path, type] of expected) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.doesNotMatch(await response.text(), /https?:\/\//, `${path} names no other site`);
    }
    const openapi = (await getJson<{ paths: Record<string, unknown> }>(`${url}/openapi.json`)).body;
    assert.ok(openapi.paths['/v1/multi-prover/provers']);
    assert.equal(openapi.paths['/dashboard'], undefined, 'the page is not part of the API document');
  });

  it('shows the four provers live with their TEE type and key, and the operators connected and counted', async () => {
    await page.goto(`${url}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    await page.locator('#provers tbody tr[data-state="live"]').nth(3).waitFor({ timeout: 30_000 });
    await page.locator('#operators tbody tr').nth(3).waitFor({ timeout: 30_000 });
    await page.waitForSelector('#connection.live', { timeout: 30_000 });

    const { body } = await getJson<ProversJson>(`${url}/v1/multi-prover/provers`);
    assert.equal(body.provers.length, 4);
    assert.equal(await page.locator('#provers tbody tr').count(), 4);
    const operators = new Set(devnet.operators.map((o) => o.address.toLowerCase()));
    for (const prover of body.provers) {
      assert.ok(operators.has(prover.operator.toLowerCase()), `${prover.operator} is a devnet operator`);
      assert.equal(prover.live, true);
      const row = page.locator(`#provers tr[data-operator="${prover.operator}"][data-tee-type="${prover.teeType}"]`);
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[0], prover.operator);
      assert.equal(cells[1], prover.teeType);
      assert.equal(cells[2], prover.proverKey);
      // The end of liveness in the chain's time, and the time left counting down to it on the chain's clock.
      assert.equal(cells[3], new Date(Number(prover.liveUntil) * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
      assert.match(cells[4], /^(\d+d )?(\d+:)?\d{2}:\d{2}$/);
      const shownLeft = seconds(cells[4]);
      const left = Number(prover.liveUntil) - Number(body.now);
      assert.ok(Math.abs(shownLeft - left) <= 5, `page shows ${shownLeft} s left, the API ${left} s`);
      assert.equal(cells[5], 'live');
    }
    assert.match((await page.locator('#provers-summary').textContent()) ?? '', /^4 provers, 4 live · main-chain time \d{4}-\d{2}-\d{2} /);

    for (const o of devnet.operators) {
      const row = page.locator(`#operators tr[data-operator="${o.address}"]`);
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[0], o.address);
      assert.match(cells[1], /^quorum [01]: [\d,.]+ \(\d+\.\d{2} %\)/);
      assert.equal(cells[2], 'connected');
      assert.equal(cells[3], 'count');
    }
    assert.match((await page.locator('#operators-summary').textContent()) ?? '', /^4 operators at epoch \d+, 4 connected, 4 whose answers count now; quorum 0: /);
    // Accessible markup: the tables are named and the form field labelled.
    assert.equal(await page.getByRole('table', { name: /^Each operator's TEE prover/ }).count(), 1);
    assert.equal(await page.getByLabel(/^Task id/).count(), 1);
  });

  it('shows a requested block state in Recent confirmations with its transaction, and follows the task by id until confirmed', async () => {
    const remote = devnet.clients.get(REMOTE)!;
    const head = await remote.getBlockNumber();
    const blockNumber = head - 2n;
    const { status, body: task } = await getJson<TaskJson>(`${url}/v1/multi-prover/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chainId: REMOTE, blockNumber: blockNumber.toString() }),
    });
    assert.ok(status === 202 || status === 200, `POST /v1/multi-prover/tasks answered ${status}`);

    await page.locator('#follow-task').fill(task.taskId);
    await page.locator('#follow-submit').click();
    await page.waitForSelector('#follow-result[data-stage="confirmed"]', { timeout: 120_000 });

    const { body: done } = await getJson<TaskJson>(`${url}/v1/multi-prover/tasks/${task.taskId}`);
    assert.equal(done.confirmation?.status, 'confirmed', `task ${done.status}: ${done.failureReason ?? done.confirmation?.reason}`);
    const txHash = done.confirmation!.txHash!;
    // The state is the remote chain's, and the confirmState transaction is mined on the main chain.
    const block = await remote.getBlock({ blockNumber });
    assert.deepEqual(done.state, { blockHash: block.hash, stateRoot: block.stateRoot });
    const receipt = await devnet.clients.get(MAIN)!.getTransactionReceipt({ hash: txHash });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.blockNumber.toString(), done.confirmation!.blockNumber);

    // The followed task's panel: the whole hashes, and the stages it went through, ending confirmed.
    assert.equal(await page.locator('#follow-tx').textContent(), `${txHash} (block ${receipt.blockNumber})`);
    assert.equal(await page.locator('#follow-block-hash').textContent(), block.hash);
    assert.equal(await page.locator('#follow-state-root').textContent(), block.stateRoot);
    assert.equal(await page.locator('#follow-block').textContent(), `chain ${REMOTE}, block ${blockNumber} (committee ${done.committeeId})`);
    const stages = await attributes(page.locator('#follow-history li'), 'data-stage');
    assert.equal(stages.at(-1), 'confirmed');
    assert.ok(stages.length >= 1);

    // Recent confirmations, newest first: this is the only block requested, so it heads the table.
    const row = page.locator(`#confirmations tbody tr[data-task-id="${task.taskId}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#confirmations tbody tr').first().getAttribute('data-task-id'), task.taskId);
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], done.committeeId);
    assert.equal(cells[2], String(REMOTE));
    assert.equal(cells[3], blockNumber.toString());
    assert.equal(await row.locator('td[data-field="block-hash"]').getAttribute('title'), block.hash);
    assert.equal(await row.locator('td[data-field="state-root"]').getAttribute('title'), block.stateRoot);
    assert.equal(await row.locator('td[data-field="tx-hash"]').getAttribute('title'), txHash);
    assert.equal(cells[8], receipt.blockNumber.toString());
    const signers = (await attributes(row.locator('td.signers span'), 'title')).map((title) => title?.split(',')[0]);
    assert.deepEqual(signers, done.signers.map((s) => s.operator));
    assert.ok(signers.length >= 2, 'both quorums signed');

    const unknown = `0x${'12'.repeat(32)}`;
    await page.locator('#follow-task').fill(unknown);
    await page.locator('#follow-submit').click();
    await page.locator('#follow-result', { hasText: /^cannot follow 0x121212…121212: unknown task/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#follow-task-facts').isVisible(), false, 'the task followed before is no longer shown');
  });

  it('loaded nothing from anywhere but the aggregator', () => {
    const origin = new URL(url).origin;
    assert.ok(requested.length >= 5, `the page made ${requested.length} requests`);
    const elsewhere = requested.filter((r) => new URL(r).origin !== origin);
    assert.deepEqual(elsewhere, [], 'requests to other origins');
    // The unknown task's event stream is refused with 404, which the browser reports; nothing else is an error.
    const unexpected = consoleErrors.filter((e) => !/404/.test(e));
    assert.deepEqual(unexpected, [], 'browser errors (a Content-Security-Policy refusal would be one)');
  });
});
