import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { DEMO_USER, type DemoShop, startDemoShop } from '#local/demo.ts';
import { listen } from '#local/engines.ts';
import { AGENT_V1_INTEGRITY } from '../../src/agent/v1.generated.ts';
import { launchChromium } from '../helpers/browser.ts';
import { adminToken, api, bootRuntime, scanAll } from '../helpers/runtime.ts';

const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/agent');

let rt: Runtime;
let browser: Browser;
let demo: DemoShop;
let stranger: { url: string; server: http.Server };

/** A page on an origin no account allows, loading the agent with its integrity hash (the documented tag). */
function strangerPage(apiBase: string, browserKey: string): string {
  return `<!doctype html><html><head><title>elsewhere</title>
<script src="${apiBase}/agent/v1.js" data-key="${browserKey}" integrity="${AGENT_V1_INTEGRITY}" crossorigin="anonymous" async></script>
</head><body><button id="b" onclick="document.getElementById('out').textContent = 'clicked ' + (++window.n)">Count</button>
<p id="out">ready</p><script>window.n = 0</script></body></html>`;
}

/** Every event of the demo account, as stored. */
const stored = async () => (await scanAll(rt, 'Interactions')).filter((i) => i.accountId === demo.account.accountId);

async function openDemo(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(demo.url);
  await page.waitForFunction(() => (globalThis as any).lethe?.version === '1');
  return { page, errors };
}

const flush = (page: Page) => page.evaluate(() => (globalThis as any).lethe.flush());
const pending = (page: Page) => page.evaluate(() => (globalThis as any).lethe.pending() as number);

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  rt = await bootRuntime();
  demo = await startDemoShop({ apiBase: rt.endpoints.api, dataDir: rt.endpoints.dataDir, port: 0 });
  const server = http.createServer((_, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(strangerPage(rt.endpoints.api, demo.account.browserKey)),
  );
  stranger = { url: `http://127.0.0.1:${await listen(server, 0, '127.0.0.1', 'stranger page')}`, server };
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  stranger?.server.close();
  await demo?.close();
  await rt?.stop();
});

describe('browser agent on the demo shop, in headless Chromium, against the local system', () => {
  it('is served with one tag: long caching, CORS open, the integrity hash as ETag', async () => {
    const res = await fetch(`${rt.endpoints.api}/agent/v1.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/max-age=604800/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('etag')).toBe(`"${AGENT_V1_INTEGRITY}"`);
  });

  it('clicks, route changes, fetch calls, errors and the page load arrive as the right events', async () => {
    const { page, errors } = await openDemo();
    await page.getByRole('button', { name: `Sign in as ${DEMO_USER}` }).click();
    await page.getByRole('button', { name: 'Add espresso cups to cart' }).click();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByText('Checkout answered 500.').waitFor();
    await page.getByRole('button', { name: 'Check delivery times' }).click();
    await page.getByText('Delivery answered 200.').waitFor();
    await page.getByRole('button', { name: 'Check stock' }).click();
    await page.getByText('Stock answered 200.').waitFor();
    await page.getByRole('link', { name: 'Next page of products' }).click();
    await page.getByRole('button', { name: 'Apply voucher' }).click();
    await page.getByText('Voucher failed.').waitFor();
    await page.waitForTimeout(100); // the click's paint is measured on the next frame
    await flush(page);
    expect(await pending(page)).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo-shop.png'), fullPage: true });
    // the page's own thrown error, and nothing from the agent
    expect(errors).toEqual(['voucher service unavailable']);

    const items = await stored();
    const of = (type: string) => items.filter((i) => i.type === type);
    expect(of('page-load')).toHaveLength(1);
    expect(of('page-load')[0]!.url).toBe(`${demo.url}/`);
    // the data-lethe-label attribute overrides the visible text; else the visible label
    expect(of('click').map((i) => i.label)).toEqual(
      expect.arrayContaining(['Sign in', 'Add espresso cups to cart', 'Checkout', 'Next page of products']),
    );
    const checkout = of('fetch').find((i) => i.url === `${demo.url}/api/checkout`);
    expect(checkout?.outcome).toBe('failed');
    // query strings are dropped unless allowed (postcode), slow over the fetch threshold
    const delivery = of('fetch').find((i) => i.url?.startsWith(`${demo.url}/api/delivery`));
    expect(delivery).toMatchObject({ url: `${demo.url}/api/delivery`, outcome: 'slow' });
    expect(delivery!.duration).toBeGreaterThanOrEqual(1_000);
    // the allowed parameter stays, the session id does not
    expect(of('route-change').map((i) => i.url)).toEqual([`${demo.url}/products?page=2`]);
    expect(of('xhr')).toEqual([expect.objectContaining({ url: `${demo.url}/api/stock`, outcome: 'ok' })]);
    expect(of('error')).toEqual([expect.objectContaining({ error: 'voucher service unavailable', outcome: 'failed' })]);
    // the agent does not measure its own requests; the browser family comes from the header
    expect(items.some((i) => i.url?.includes('browser-events'))).toBe(false);
    expect(of('click')[0]!.browser.family).toBe('Chrome');
    // before identify: no identity; after: the user's label and keyed hash
    expect(of('page-load')[0]!.userKey).toBeUndefined();
    expect(checkout!.userKey).toBeDefined();
    expect(JSON.stringify(items)).not.toContain('D02X285');
    await page.close();
  });

  it('identify makes the user findable in the console’s Users tab; doNotTrack events carry no identity', async () => {
    const found = await api(rt, 'POST', `/v1/accounts/${demo.account.accountId}/users/search`, { query: DEMO_USER });
    expect(found.body.users.map((u: any) => u.user)).toEqual([DEMO_USER]);

    const { page } = await openDemo();
    await page.getByRole('button', { name: `Sign in as ${DEMO_USER}` }).click();
    await page.getByRole('button', { name: 'Do not track me' }).click();
    await page.getByRole('button', { name: 'Add coffee beans to cart' }).click();
    await page.waitForTimeout(100);
    await flush(page);
    const beans = (await stored()).filter((i) => i.label === 'Add coffee beans to cart');
    expect(beans).toHaveLength(1);
    expect(beans[0]!.userKey).toBeUndefined();
    expect(beans[0]!.user).toBeUndefined();

    // the console, as a customer would use it
    await page.goto(`${rt.endpoints.api}/console`);
    await page.getByText('Operators: sign in with an access token').click();
    await page.getByLabel('Access token').fill(adminToken(rt));
    await page.getByLabel('Account id').fill(demo.account.accountId);
    await page.getByLabel('Account id').press('Enter');
    // at once, while the applications page is still loading: its late answer must not replace the Users page
    await page.getByRole('button', { name: 'Users' }).click();
    await page.getByLabel('User identifier').fill(DEMO_USER);
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: DEMO_USER }).waitFor();
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: /Failed and slow interactions \(3\)/ }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-user.png'), fullPage: true });
    await page.close();
  });

  it('what is still queued when the page goes away is sent with sendBeacon', async () => {
    const { page } = await openDemo();
    await page.getByRole('button', { name: 'Add espresso cups to cart' }).click();
    await page.waitForTimeout(100);
    const queued = await pending(page); // the page load and the click, not sent yet (2 s batching)
    expect(queued).toBe(2);
    const before = (await stored()).length;
    await page.goto('about:blank');
    await expect.poll(async () => (await stored()).length, { timeout: 10_000 }).toBe(before + queued);
    await page.close();
  });

  it('a 503 is retried until stored, and the retry duplicates nothing', async () => {
    const { page } = await openDemo();
    const attempts: number[] = [];
    await page.route('**/v1/browser-events**', async (route) => {
      // the first attempt reaches Lethe and is stored, but the page is told 503: the retry resends the same events
      const real = await route.fetch();
      attempts.push(real.status());
      if (attempts.length === 1)
        await route.fulfill({
          status: 503,
          headers: { 'access-control-allow-origin': demo.url, 'retry-after': '0' },
          body: '{"error":"unavailable"}',
        });
      else await route.fulfill({ response: real });
    });
    await page.getByRole('button', { name: 'Add coffee beans to cart' }).click();
    await page.waitForTimeout(100);
    await flush(page);
    expect(await pending(page)).toBeGreaterThan(0); // kept after the 503
    await expect.poll(async () => (await flush(page), pending(page)), { timeout: 30_000 }).toBe(0);
    expect(attempts).toEqual([200, 200]);
    const items = await stored();
    expect(new Set(items.map((i) => i.eventId)).size).toBe(items.length);
    await page.close();
  });

  it('an origin not on the list is refused (403) and the page keeps working', async () => {
    const before = (await stored()).length;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const answers: number[] = [];
    page.on('response', (r) => r.url().includes('/v1/browser-events') && answers.push(r.status()));
    await page.goto(stranger.url);
    // the integrity hash in the docs matches what is served: the browser runs the script
    await page.waitForFunction(() => (globalThis as any).lethe?.version === '1');
    await page.getByRole('button', { name: 'Count' }).click();
    await page.waitForTimeout(100);
    await flush(page);
    expect(answers).toEqual([403]);
    expect(await pending(page)).toBe(0); // it stops sending instead of retrying a refusal
    await page.getByRole('button', { name: 'Count' }).click();
    await page.getByText('clicked 2').waitFor();
    await flush(page);
    expect(answers).toEqual([403]);
    expect(errors).toEqual([]);
    expect((await stored()).length).toBe(before);
    await page.close();
  });
});
