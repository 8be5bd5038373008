/**
 * The preconf gateway's dashboard in a real browser (Chromium or Chrome driven by playwright-core; test/helpers/browser.ts
 * finds it, or the suite is skipped with the reason) against a real devnet: registry, pods and registrations seeded,
 * the devnet beacon node and the gateway running. The page shows the lookahead as the API answers it (open slots for
 * the registered operators' validators, closed ones for validators outside EigenLayer), filters it by chain, lists a
 * preconfirmation the gateway signed, and loads nothing from anywhere but the gateway.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { parseEther, parseGwei } from 'viem';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { preconfOnlyServices } from '../../src/devnet/preconfServices.ts';
import { chromiumPath, skipWithoutChromium } from '../helpers/browser.ts';

// Without the background-networking flags chromium stalls on a closed network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type SlotJson = { slot: string; validatorIndex: string; operator: string | null; chainIds: string[]; canPreconf: boolean; reason: string | null };

describe('preconf gateway dashboard in a real browser', { skip: skipWithoutChromium() }, () => {
  let devnet: Devnet;
  let url: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let digest: string;
  const dir = mkdtempSync(join(tmpdir(), 'avs-preconf-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'avs-preconf-dashboard-chromium-'));
  const requested: string[] = [];
  const consoleErrors: string[] = [];
  const refused: string[] = [];

  before(async () => {
    // Slots of 12 s keep the lookahead still while the page is read.
    devnet = await startDevnet({ operators: 3, remoteChains: 1, multiProver: false, automation: false, dir, services: preconfOnlyServices({ logLevel: 'silent', secondsPerSlot: 12n }) });
    url = devnet.services!.preconf!.gateway.url;
    const main = devnet.deployment.mainChainId;
    const { slots } = (await (await fetch(`${url}/v1/lookahead?chainId=${main}`)).json()) as { slots: SlotJson[] };
    const open = slots.find((s) => s.canPreconf);
    assert.ok(open, 'a slot that can preconfirm for the main chain');
    const signedTransaction = await devnet.user.signTransaction({ chainId: main, type: 'eip1559', to: devnet.deployer.address, value: parseEther('0.001'), nonce: 0, gas: 21_000n, maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') });
    const response = await fetch(`${url}/v1/preconfs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chainId: String(main), slot: open.slot, signedTransaction }) });
    assert.equal(response.status, 201);
    digest = ((await response.json()) as { digest: string }).digest;

    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
  });

  after(async () => {
    if (process.env.DASHBOARD_SCREENSHOT && page) await page.screenshot({ fullPage: true, path: process.env.DASHBOARD_SCREENSHOT }).catch(() => {});
    await context?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('serves the page and its assets with a same-origin-only policy', async () => {
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/dashboard.css', '/dashboard/common.js', '/dashboard/common.css']) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/, path);
      assert.doesNotMatch(await response.text(), /https?:\/\//, `${path} names no other site`);
    }
  });

  it('shows the lookahead as the API answers it: registered proposers open, the others closed, filtered by chain', async () => {
    await page.goto(`${url}/dashboard`);
    await page.waitForSelector('#connection.live', { timeout: 30_000 });
    await page.locator('#lookahead tbody tr').first().waitFor({ timeout: 30_000 });
    const { slots } = (await (await fetch(`${url}/v1/lookahead`)).json()) as { slots: SlotJson[] };
    // The page and the API may straddle a slot boundary: compare the slots both show.
    const rows = await page.locator('#lookahead tbody tr').evaluateAll((trs) => trs.map((tr) => ({ slot: tr.getAttribute('data-slot'), open: tr.getAttribute('data-can-preconf') })));
    const shared = rows.filter((r) => slots.some((s) => s.slot === r.slot));
    assert.ok(shared.length >= 2, 'the page and the API show the same slots');
    for (const r of shared) assert.equal(r.open, String(slots.find((s) => s.slot === r.slot)!.canPreconf), `slot ${r.slot}`);
    assert.ok(rows.some((r) => r.open === 'true') && rows.some((r) => r.open === 'false'), 'open and closed slots');
    const closedUnregistered = slots.filter((s) => s.operator === null);
    for (const s of closedUnregistered) {
      const row = page.locator(`#lookahead tr[data-slot="${s.slot}"]`);
      if ((await row.count()) === 1) assert.match((await row.locator('td').nth(4).textContent()) ?? '', /not registered/);
    }

    // Operator 1 committed to the main chain only: choosing the remote chain closes its slots.
    const remote = String(devnet.chains[1]!.chainId);
    await page.selectOption('#chain', remote);
    await page.locator('#lookahead-summary', { hasText: `for chain ${remote}` }).waitFor({ timeout: 10_000 });
    const operator1 = devnet.preconf!.registered.find((r) => r.operatorIndex === 1)!.operator;
    const forRemote = ((await (await fetch(`${url}/v1/lookahead?chainId=${remote}`)).json()) as { slots: SlotJson[] }).slots;
    for (const s of forRemote.filter((x) => x.operator === operator1)) assert.equal(s.reason, 'chain-not-committed');
  });

  it('lists the preconfirmation the gateway signed', async () => {
    const row = page.locator(`#preconfs tr[data-digest="${digest}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('td').nth(1).textContent(), String(devnet.deployment.mainChainId));
    assert.equal(await row.locator('td').nth(4).getAttribute('title'), devnet.preconf!.delegateKey.address);
    assert.equal(await page.locator('#preconfs-empty').isVisible(), false);
  });

  it('loaded nothing from anywhere but the gateway, and the browser reported no error', () => {
    const origin = new URL(url).origin;
    assert.ok(requested.length >= 5);
    assert.deepEqual(requested.filter((r) => new URL(r).origin !== origin), []);
    assert.deepEqual(refused.filter((r) => !r.endsWith('/favicon.ico')), []);
    assert.deepEqual(consoleErrors.filter((e) => !e.endsWith(`${origin}/favicon.ico)`)), []);
  });
});
