/**
 * The aggregator's dashboard in a real browser (Chromium or Chrome driven by playwright-core; test/helpers/browser.ts
 * finds it, or the suite is skipped with the reason) against a real devnet
 * (4 operators, 1 remote chain, aggregator, operator nodes, relayer, epoch publisher): the page shows the epoch, the
 * operators and their connection state, the proofs requested through the API with their status and signers, and each
 * chain's registry epoch; a pasted proof verifies on the remote chain and on the main chain through POST /v1/verify;
 * a screenshot shows a rendered page, not a blank one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import type { Hex } from 'viem';
import { EpochManagerAbi, LightStakeRegistryAbi, StateManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetServices } from '../../src/devnet/services.ts';
import { type ProofTask, requestProof, waitForProof } from '../../src/services/state-proofs/client.ts';
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
const REMOTE = 31338;
const MAIN = 31337;

type TaskJson = { taskId: Hex; status: string; digest: Hex; sigData: Hex; signers: { operator: string }[]; attestation: { epoch: number } };
type ChainsJson = { chains: { chainId: number; registryEpoch: number | null; error: string | null }[] };

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function waitUntil<T>(read: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what chromium writes), decoded with node:zlib. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = data.subarray(8, 13);
      assert.equal(bitDepth, 8, '8-bit PNG');
      assert.equal(interlace, 0, 'non-interlaced PNG');
      channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
      assert.ok(channels > 0, `RGB or RGBA PNG, got colour type ${colorType}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, `PNG filter type ${filter}`);
      out[x] = (line[x] + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Number of distinct colours, and the share of pixels that differ from the most common one (the background). */
function colourStats(png: Buffer): { width: number; height: number; colours: number; nonBackground: number } {
  const { width, height, channels, pixels } = decodePng(png);
  const counts = new Map<number, number>();
  for (let i = 0; i < pixels.length; i += channels) {
    const rgb = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return { width, height, colours: counts.size, nonBackground: 1 - background / (width * height) };
}

describe('dashboard in a real browser', { skip: skipWithoutChromium() }, () => {
  let devnet: Devnet;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'avs-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'avs-dashboard-chromium-'));
  const proofs: TaskJson[] = [];

  /** Writes `value` under `key` on `chainId` and returns the proof the aggregator aggregates for it. */
  async function prove(chainId: number, key: bigint, value: bigint): Promise<TaskJson> {
    const chain = devnet.deployment.chains.find((c) => c.chainId === chainId)!;
    const wallet = makeWalletClient(chainId, chain.rpcUrl, devnet.user);
    const hash = await wallet.writeContract({ address: chain.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [key, value] });
    const receipt = await devnet.clients.get(chainId)!.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    const requested = await requestProof(url, { chainId, user: devnet.user.address, key, blockNumber: receipt.blockNumber });
    const done: ProofTask = await waitForProof(url, requested.taskId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'aggregated', `proof on ${chainId}: ${done.failureReason}`);
    assert.equal(done.attestation.value, value);
    // The JSON exactly as the API returns it: what a person would paste.
    return (await getJson<TaskJson>(`${url}/v1/state-proofs/${done.taskId}`)).body;
  }

  before(async () => {
    const executablePath = chromiumPath();
    devnet = await startDevnet({ operators: 4, remoteChains: 1, dir, services: devnetServices({ logLevel: 'silent' }) });
    url = devnet.services!.aggregatorUrl!;
    proofs.push(await prove(REMOTE, 7n, 4242n));
    proofs.push(await prove(MAIN, 8n, 1234n));
    // The remote chain verifies once the epoch publisher has bridged the proof's operator set there.
    const epoch = proofs[0].attestation.epoch;
    await waitUntil(
      async () => {
        const { body } = await getJson<ChainsJson>(`${url}/v1/chains`);
        const remote = body.chains.find((c) => c.chainId === REMOTE);
        return remote?.registryEpoch !== null && remote!.registryEpoch! >= epoch;
      },
      180_000,
      `epoch ${epoch}'s operator set to reach chain ${REMOTE}`,
    );
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('serves the page, its script and stylesheet from the aggregator, with a same-origin-only policy', async () => {
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/dashboard');
    assert.equal(devnet.services!.endpoints.dashboard, `${url}/dashboard`, '`avs devnet` lists the dashboard among its endpoints');
    const html = await fetch(devnet.services!.endpoints.dashboard);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
    const text = await html.text();
    assert.doesNotMatch(text, /https?:\/\//, 'no external resources');
    assert.match((await fetch(`${url}/dashboard/dashboard.js`)).headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match((await fetch(`${url}/dashboard/dashboard.css`)).headers.get('content-type') ?? '', /^text\/css/);
  });

  it('GET /v1/chains reports each chain registry epoch as the contracts do', async () => {
    const { status, body } = await getJson<ChainsJson & { mainChainId: number }>(`${url}/v1/chains`);
    assert.equal(status, 200);
    assert.equal(body.mainChainId, MAIN);
    assert.deepEqual(body.chains.map((c) => c.chainId), [MAIN, REMOTE]);
    const main = body.chains[0];
    const current = await devnet.clients.get(MAIN)!.readContract({
      address: devnet.deployment.stateProofs.epochManager,
      abi: EpochManagerAbi,
      functionName: 'currentEpoch',
    });
    assert.ok(main.registryEpoch === current || main.registryEpoch === current - 1, `main ${main.registryEpoch} vs EpochManager ${current}`);
    const latest = await devnet.clients.get(REMOTE)!.readContract({
      address: devnet.deployment.chains[1].lightStakeRegistry!,
      abi: LightStakeRegistryAbi,
      functionName: 'latestEpoch',
    });
    const remote = body.chains[1];
    assert.equal(remote.error, null);
    assert.ok(remote.registryEpoch !== null && remote.registryEpoch <= latest && remote.registryEpoch >= proofs[0].attestation.epoch);
  });

  it('POST /v1/verify checks a proof on a chain, refuses a tampered one, and names a bad field', async () => {
    const [proof] = proofs;
    const verify = (body: unknown) =>
      getJson<{ valid: boolean; result: string; reason: string | null; message?: string }>(`${url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await verify({ chainId: REMOTE, digest: proof.digest, sigData: proof.sigData });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.valid, true);
    assert.equal(ok.body.result, '0x1626ba7e');
    const tamperedDigest = `0x${(BigInt(proof.digest) ^ 1n).toString(16).padStart(64, '0')}`;
    const bad = await verify({ chainId: MAIN, digest: tamperedDigest, sigData: proof.sigData });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.valid, false);
    assert.equal(bad.body.result, '0xffffffff');
    assert.ok(bad.body.reason, 'checkSignatures explains why');
    const garbage = await verify({ chainId: REMOTE, digest: proof.digest, sigData: '0x00' });
    assert.equal(garbage.status, 200, 'sigData that does not decode is an invalid proof, not an error');
    assert.equal(garbage.body.valid, false);
    assert.ok(garbage.body.reason);
    const unknown = await verify({ chainId: 999, digest: proof.digest, sigData: proof.sigData });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message ?? '', /^body\.chainId: chain 999 is not part of this deployment/);
    const malformed = await verify({ chainId: MAIN, digest: '0x12', sigData: proof.sigData });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.message ?? '', /^body\.digest/);
  });

  it('shows the epoch, the operators, the proofs with their signers, and each chain registry epoch', async () => {
    await page.goto(`${url}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    await page.locator('#operators tbody tr').nth(3).waitFor({ timeout: 30_000 });
    for (const proof of proofs) await page.locator(`#proofs tr[data-task-id="${proof.taskId}"]`).waitFor({ timeout: 30_000 });
    await page.waitForSelector('#connection.live', { timeout: 30_000 });

    const { body: epoch } = await getJson<{ epoch: number }>(`${url}/v1/epochs/current`);
    const shown = Number(await page.locator('#epoch-number').textContent());
    assert.ok(shown === epoch.epoch || shown === epoch.epoch - 1, `page shows epoch ${shown}, API ${epoch.epoch}`);
    assert.match((await page.locator('#epoch-countdown').textContent()) ?? '', /^\d{2}:\d{2}$/);

    const rows = page.locator('#operators tbody tr');
    assert.equal(await rows.count(), 4);
    for (const o of devnet.operators) {
      const row = page.locator(`#operators tr[data-operator="${o.address}"]`);
      assert.equal(await row.locator('td').nth(0).textContent(), o.address);
      assert.equal(await row.locator('td').nth(1).textContent(), o.signingKeyAddress);
      assert.match((await row.locator('td').nth(4).textContent()) ?? '', /^connected/);
    }
    // Accessible markup: the tables are named and the form fields labelled.
    assert.equal(await page.getByRole('table', { name: 'Operators registered at the current epoch' }).count(), 1);
    assert.equal(await page.getByLabel('Chain', { exact: true }).count(), 1);

    for (const proof of proofs) {
      const row = page.locator(`#proofs tr[data-task-id="${proof.taskId}"]`);
      assert.equal(await row.locator('td').nth(1).textContent(), 'aggregated');
      // Late signatures may extend a proof after it is aggregated: wait for the page to show the API's current signers.
      let expected: string[] = [];
      const signers = await waitUntil(
        async () => {
          expected = (await getJson<TaskJson>(`${url}/v1/state-proofs/${proof.taskId}`)).body.signers.map((s) => s.operator);
          const shown = await row.locator('td.signers span').allTextContents();
          return shown.join() === expected.join() && shown;
        },
        30_000,
        `the page to show proof ${proof.taskId}'s signers ${expected.join(', ')}`,
      );
      assert.ok(signers.length >= 2);
      const operators = new Set(devnet.operators.map((o) => o.address));
      for (const signer of signers) assert.ok(operators.has(signer as `0x${string}`), `${signer} is a devnet operator`);
    }

    const { body: chains } = await getJson<ChainsJson>(`${url}/v1/chains`);
    for (const chain of chains.chains) {
      const cell = page.locator(`#chains tr[data-chain="${chain.chainId}"] td`).nth(3);
      // Polled every 2 s: wait for the page to show what the API says (the epoch may move on meanwhile).
      const shownEpoch = await waitUntil(
        async () => {
          const n = Number(await cell.textContent());
          return n >= chain.registryEpoch! && n;
        },
        30_000,
        `chain ${chain.chainId}'s registry epoch ${chain.registryEpoch} on the page`,
      );
      assert.ok(shownEpoch >= chain.registryEpoch!);
    }
  });

  it('verifies a pasted proof on the remote chain and on the main chain', async () => {
    const [proof] = proofs;
    await page.locator('#verify-proof').fill(JSON.stringify(proof, null, 2));
    for (const chainId of [REMOTE, MAIN]) {
      await page.locator('#verify-chain').selectOption(String(chainId));
      await page.evaluate("document.getElementById('verify-result').removeAttribute('data-valid')");
      await page.locator('#verify-submit').click();
      await page.waitForSelector('#verify-result[data-valid]', { timeout: 30_000 });
      assert.equal(await page.locator('#verify-result').getAttribute('data-valid'), 'true');
      assert.equal(await page.locator('#verify-result').getAttribute('data-chain-id'), String(chainId));
      assert.match((await page.locator('#verify-result').textContent()) ?? '', new RegExp(`^valid on chain ${chainId}: .* returned 0x1626ba7e`));
    }
    // The same proof with a digest it does not sign is refused.
    const tampered = { digest: `0x${(BigInt(proof.digest) ^ 1n).toString(16).padStart(64, '0')}`, sigData: proof.sigData };
    await page.locator('#verify-proof').fill(JSON.stringify(tampered));
    await page.evaluate("document.getElementById('verify-result').removeAttribute('data-valid')");
    await page.locator('#verify-submit').click();
    await page.waitForSelector('#verify-result[data-valid]', { timeout: 30_000 });
    assert.equal(await page.locator('#verify-result').getAttribute('data-valid'), 'false');
    assert.match((await page.locator('#verify-result').textContent()) ?? '', /^invalid on chain 31337: .* returned 0xffffffff/);
  });

  it('follows a task requested through the API over its event stream until it is aggregated', async () => {
    const chain = devnet.deployment.chains.find((c) => c.chainId === REMOTE)!;
    const wallet = makeWalletClient(REMOTE, chain.rpcUrl, devnet.user);
    const hash = await wallet.writeContract({ address: chain.stateManager, abi: StateManagerAbi, functionName: 'setValue', args: [9n, 99n] });
    const receipt = await devnet.clients.get(REMOTE)!.waitForTransactionReceipt({ hash });
    const requested = await requestProof(url, { chainId: REMOTE, user: devnet.user.address, key: 9n, blockNumber: receipt.blockNumber });
    await page.locator('#follow-task').fill(requested.taskId);
    await page.locator('#follow-submit').click();
    await page.waitForSelector('#follow-result[data-status="aggregated"]', { timeout: 120_000 });
    const row = page.locator(`#proofs tr[data-task-id="${requested.taskId}"]`);
    assert.equal(await row.locator('td').nth(1).textContent(), 'aggregated');
    assert.equal(await row.locator('td').nth(5).textContent(), '99');
    assert.ok((await row.locator('td.signers span').count()) >= 2);

    const unknown = `0x${'12'.repeat(32)}`;
    await page.locator('#follow-task').fill(unknown);
    await page.locator('#follow-submit').click();
    await page.locator('#follow-result', { hasText: /^cannot follow 0x121212…121212: unknown task/ }).waitFor({ timeout: 30_000 });
  });

  it('renders a page with content, not a blank one (screenshot)', async () => {
    // DASHBOARD_SCREENSHOT=<file.png> keeps the screenshot (to look at it, or as a CI artifact).
    const shot = await page.screenshot({ fullPage: true, path: process.env.DASHBOARD_SCREENSHOT || undefined });
    const stats = colourStats(shot);
    const blank = await context!.newPage();
    await blank.setViewportSize({ width: 1400, height: 1000 });
    await blank.goto('about:blank');
    const blankStats = colourStats(await blank.screenshot());
    await blank.close();
    assert.equal(blankStats.colours, 1, 'a blank page is one colour');
    assert.ok(stats.width >= 1400 && stats.height >= 1000, `screenshot ${stats.width}×${stats.height}`);
    assert.ok(stats.colours > 50, `${stats.colours} distinct colours (text, badges, cards)`);
    assert.ok(stats.nonBackground > 0.1, `${(stats.nonBackground * 100).toFixed(1)} % of pixels differ from the background`);
  });
});
