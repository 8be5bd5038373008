/**
 * The automation aggregator's dashboard in a real browser (Chromium or Chrome driven by playwright-core;
 * test/helpers/browser.ts finds it, or the suite is skipped with the reason) against a real devnet with the automation
 * AVS deployed and its aggregator listening (no automation operators, so no executor and no verdict): the page shows
 * the workflows two vaults registered (a time one, a condition one, a cancelled one) as the API answers them, says no
 * executor is arranged, shows no runs, verdicts or operators, and loads nothing from anywhere but the aggregator.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type Address, type PrivateKeyAccount, type PublicClient, parseEther, zeroAddress } from 'viem';
import { DittoEntryPointAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Database, openDatabase } from '../../src/core/db/database.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { type AutomationAggregatorService, startAutomationAggregatorService } from '../../src/services/automation/aggregator/service.ts';
import { deployDevnetAutomation } from '../../src/devnet/automation.ts';
import type { AutomationContracts, AutomationDeployment } from '../../src/services/automation/deployment.ts';
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

type WorkflowJson = { vault: Address; id: string; target: Address; status: string; registeredBlock: string; vaultDeposit: string; maxGasLimit: string; trigger: { kind: string; interval: string | null; checker: Address | null } };

describe('automation dashboard in a real browser', { skip: skipWithoutChromium() }, () => {
  let devnet: Devnet;
  let client: PublicClient;
  let section: AutomationContracts;
  let database: Database<any>;
  let service: AutomationAggregatorService;
  let context: BrowserContext | undefined;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'avs-automation-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'avs-automation-dashboard-chromium-'));
  const requested: string[] = [];
  const consoleErrors: string[] = [];
  const refused: string[] = [];

  const entryPoint = async (account: PrivateKeyAccount, functionName: string, args: readonly unknown[], value?: bigint) => {
    const main = devnet.deployment.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!;
    const wallet = makeWalletClient(main.chainId, main.rpcUrl, account);
    const hash = await wallet.writeContract({ address: section.entryPoint, abi: DittoEntryPointAbi, functionName, args, value } as never);
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success', functionName);
  };

  before(async () => {
    devnet = await startDevnet({ operators: 1, remoteChains: 0, dir });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const { deployment } = devnet;
    const main = deployment.chains.find((c) => c.chainId === deployment.mainChainId)!;
    // An automation AVS of its own, with no operator yet (the devnet's own has executors arranged).
    ({ section } = await deployDevnetAutomation({ deployer: devnet.deployer, main, deployment, token: devnet.token, slotBlocks: 4 }));
    const start = (await client.getBlock()).timestamp + 3_600n;
    const time = { target: devnet.token, callData: '0xd09de08a', maxGasLimit: 150_000n, maxGasPrice: 50_000_000_000n, trigger: { kind: 0, start, interval: 600n, checker: zeroAddress, checkData: '0x' } };
    const condition = { target: devnet.token, callData: '0x', maxGasLimit: 80_000n, maxGasPrice: 20_000_000_000n, trigger: { kind: 1, start: 0n, interval: 0n, checker: devnet.token, checkData: '0x1234' } };
    await entryPoint(devnet.user, 'registerWorkflow', [time]);
    await entryPoint(devnet.user, 'deposit', [devnet.user.address], parseEther('0.5'));
    await entryPoint(devAccount(9), 'registerWorkflow', [condition]);
    await entryPoint(devAccount(9), 'registerWorkflow', [time]);
    await entryPoint(devAccount(9), 'cancelWorkflow', [1n]);

    database = await openDatabase({ sqlitePath: ':memory:' });
    service = await startAutomationAggregatorService({ deployment: { ...deployment, automation: section } as AutomationDeployment, database, port: 0, pollMs: 200 });
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
    // DASHBOARD_SCREENSHOT=<file.png> keeps a full-page screenshot of the page as the tests left it.
    if (process.env.DASHBOARD_SCREENSHOT && page) await page.screenshot({ fullPage: true, path: process.env.DASHBOARD_SCREENSHOT }).catch(() => {});
    await context?.close();
    await service?.close();
    await database?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('serves the page, its script, stylesheet and the shared helpers with a same-origin-only policy', async () => {
    const root = await fetch(`${service.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/dashboard');
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/dashboard.css', '/dashboard/common.js', '/dashboard/common.css']) {
      const response = await fetch(`${service.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/, path);
      assert.doesNotMatch(await response.text(), /https?:\/\//, `${path} names no other site`);
    }
  });

  it('shows the registered workflows as the API answers them, no executor arranged, no runs, verdicts or operators', async () => {
    await page.goto(`${service.url}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    await page.locator('#workflows tbody tr').nth(2).waitFor({ timeout: 30_000 });
    await page.waitForSelector('#connection.live', { timeout: 30_000 });

    const { workflows } = (await (await fetch(`${service.url}/v1/automation/workflows`)).json()) as { workflows: WorkflowJson[] };
    assert.equal(workflows.length, 3);
    assert.equal(await page.locator('#workflows tbody tr').count(), 3);
    for (const w of workflows) {
      const row = page.locator(`#workflows tr[data-vault="${w.vault}"][data-id="${w.id}"]`);
      assert.equal(await row.getAttribute('data-status'), w.status);
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[0], w.vault);
      assert.equal(cells[1], w.id);
      assert.equal(await row.locator('td').nth(2).getAttribute('title'), w.target);
      assert.match(cells[3], w.trigger.kind === 'time' ? /^time: every 600 s, next \d{4}-/ : new RegExp(`^condition: checker ${w.trigger.checker}`));
      assert.equal(cells[4], w.maxGasLimit);
      assert.equal(cells[6], w.status);
      assert.equal(cells[7], w.registeredBlock);
      assert.equal(cells[8], w.vaultDeposit);
      assert.equal(cells[9], '0');
    }
    assert.equal(await page.locator(`#workflows tr[data-vault="${devnet.user.address}"] td`).nth(8).textContent(), parseEther('0.5').toString());
    assert.deepEqual(await page.locator('#workflows tr[data-status="cancelled"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))), ['1']);
    assert.match((await page.locator('#workflows-summary').textContent()) ?? '', /^3 workflows, 2 active · block \d+$/);

    assert.match((await page.locator('#slots-summary').textContent()) ?? '', /^no executor arranged yet \(0 arrangements\)/);
    assert.equal(await page.locator('#slots tbody tr').count(), 0);
    assert.equal(await page.locator('#runs-empty').isVisible(), true);
    assert.equal(await page.locator('#verdicts-empty').isVisible(), true);
    assert.equal(await page.locator('#judged-empty').isVisible(), true);
    assert.match((await page.locator('#operators-summary').textContent()) ?? '', /^0 operators at epoch \d+, 0 active executors, 0 connected/);
    assert.equal(await page.getByRole('table', { name: /^Workflows vaults registered/ }).count(), 1);
  });

  it('loaded nothing from anywhere but the aggregator, and the browser reported no error', () => {
    const origin = new URL(service.url).origin;
    assert.ok(requested.length >= 5, `the page made ${requested.length} requests`);
    assert.deepEqual(requested.filter((r) => new URL(r).origin !== origin), [], 'requests to other origins');
    assert.deepEqual(refused, [], 'requests of the page refused');
    // Chromium asks for /favicon.ico on its own, which the aggregator does not serve; nothing else may be an error.
    const unexpected = consoleErrors.filter((e) => !e.endsWith(`${origin}/favicon.ico)`));
    assert.deepEqual(unexpected, [], 'browser errors (a Content-Security-Policy refusal would be one)');
  });
});
