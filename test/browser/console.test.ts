import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, localSigningKey } from '#adapters/auth.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { launchChromium } from '../helpers/browser.ts';
import { totp } from '#local/totp.ts';
import { api, bootRuntime, createAccount, event, outboxMails, scanAll } from '../helpers/runtime.ts';

const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');

let rt: Runtime;
let browser: Browser;
let page: Page;
let acc: Awaited<ReturnType<typeof createAccount>>;
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  rt = await bootRuntime();
  acc = await createAccount(rt);
  const now = Date.now();
  await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [
    ...Array.from({ length: 12 }, (_, i) =>
      event(acc.applicationId, {
        id: `ui-${i}`,
        userId: 'ada@example.com',
        outcome: i % 3 === 0 ? 'ok' : i % 3 === 1 ? 'slow' : 'failed',
        timestamp: now - i * 60_000,
        label: i === 1 ? '=cmd|calc' : 'Checkout',
        url: 'https://shop.acme.test/cart?email=ada@example.com',
      }),
    ),
    event(acc.applicationId, { id: 'ui-other', userId: 'alan@example.com', outcome: 'failed' }),
  ]);
  browser = await launchChromium();
  page = await browser.newPage({ acceptDownloads: true });
  const token = await issueToken(
    localSigningKey(rt.endpoints.dataDir),
    { sub: 'customer-ui', role: 'customer', accounts: [acc.accountId] },
    3600,
  );
  await page.goto(`${rt.endpoints.api}/console`);
  // keyboard only: type the token and account, submit with Enter
  await page.getByText('Operators: sign in with an access token').click();
  await page.getByLabel('Access token').fill(token);
  await page.getByLabel('Account id').fill(acc.accountId);
  await page.getByLabel('Account id').press('Enter');
  await page.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

describe('customer console in headless Chromium', () => {
  it('shows the applications page', async () => {
    await page.getByRole('cell', { name: acc.applicationId }).waitFor();
    expect(await page.content()).toContain(acc.browserKey);
    await shot('1-applications');
  });

  it('Users tab: search, open a user, see failed and slow interactions', async () => {
    await page.getByRole('button', { name: 'Users' }).click();
    await page.getByLabel('User identifier').fill('ada');
    await page.keyboard.press('Enter');
    await page.getByRole('cell', { name: 'ada@example.com' }).waitFor();
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: /Failed and slow interactions \(8\)/ }).waitFor();
    await shot('2-user');
  });

  it('Download CSV gives the failed and slow interactions, formula-safe', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const file = path.join(ARTIFACTS, 'interactions.csv');
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('time,application,type,outcome,duration_ms,url,label,error,browser,event_id');
    expect(lines).toHaveLength(9);
    expect(csv).toContain(`'=cmd|calc`);
    expect(csv).not.toContain('ada@example.com');
    await page.getByText(/CSV downloaded/).waitFor();
  });

  it('says clearly when something fails', async () => {
    await page.route('**/users/restrict', (r) =>
      r.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"error":"unavailable","message":"temporarily unavailable, retry later"}',
      }),
    );
    await page.getByRole('button', { name: 'Mark do-not-track' }).click();
    await page.getByText('Could not change do-not-track: temporarily unavailable, retry later').waitFor();
    await page.unroute('**/users/restrict');
    await shot('3-error');
  });

  it('erase with confirmation, watch its status, and the user is gone', async () => {
    await page.getByRole('button', { name: 'Erase this user…' }).click();
    await page.getByRole('button', { name: 'Yes, erase' }).click();
    await page.getByText(/completed: 12 interactions no longer carry the identity/).waitFor({ timeout: 60_000 });
    await shot('4-erased');
    await page.getByLabel('User identifier').fill('ada');
    await page.keyboard.press('Enter');
    await page.getByText('No user found.').waitFor();
    expect(JSON.stringify(await scanAll(rt, 'Interactions'))).not.toContain('ada@example.com');
  });

  it('Findings, Notices and Settings pages', async () => {
    await page.getByRole('button', { name: 'Findings' }).click();
    await page.getByRole('cell', { name: 'param:email' }).waitFor();
    await shot('5-findings');
    await page.getByRole('button', { name: 'Notices' }).click();
    await page.getByText('No breach notices.').waitFor();
    await shot('6-notices');
    // the account has its own pattern (set through the API); saving another setting in the console keeps it
    const pattern = { name: 'member-no', pattern: 'M-\\d{6}' };
    expect(
      (await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { scrubRules: { extraPatterns: [pattern] } })).status,
    ).toBe(200);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Retention (days, 1–90)').fill('30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    await page.getByRole('button', { name: `Rotate key of ${acc.applicationId}` }).click();
    await page.getByText(/shown once/).waitFor();
    await shot('7-settings');
    const account = (await scanAll(rt, 'Accounts')).find((r) => r.pk === `ACCOUNT#${acc.accountId}` && r.sk === 'META');
    expect(account?.retentionDays).toBe(30);
    expect(account?.scrubRules.extraPatterns).toEqual([pattern]);
  });

  it('at 390 px wide the search field stays inside its card', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Users' }).click();
    const field = (await page.getByLabel('User identifier').boundingBox())!;
    const card = (await page.locator('#page section').first().boundingBox())!;
    expect(field.x + field.width).toBeLessThanOrEqual(card.x + card.width);
    await shot('8-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out: the sign-in form comes back and the token leaves sessionStorage', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    expect(await page.getByLabel('E-mail', { exact: true }).isVisible()).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('lethe.token'))).toBeNull();
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
  });

  it('a wrong account or a bad token recovers to the sign-in form with a message, not a dead page', async () => {
    const token = await issueToken(
      localSigningKey(rt.endpoints.dataDir),
      { sub: 'customer-ui', role: 'customer', accounts: [acc.accountId] },
      3600,
    );
    await page.getByLabel('Access token').fill(token);
    await page.getByLabel('Account id').fill('acc_0000000000000000');
    await page.getByLabel('Account id').press('Enter');
    await page.getByText(/This token cannot open account acc_0000000000000000/).waitFor();
    expect(await page.getByLabel('E-mail', { exact: true }).isVisible()).toBe(true);
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByLabel('Account id').fill(acc.accountId);
    await page.getByLabel('Account id').press('Enter');
    await page.getByText(/session is not valid/).waitFor();
    // and the right pair still opens the console
    await page.getByLabel('Access token').fill(token);
    await page.getByLabel('Account id').fill(acc.accountId);
    await page.getByLabel('Account id').press('Enter');
    await page.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
  });
});

describe('signing in with e-mail and password (issue 21)', () => {
  it('invitation → temporary password → new password → Users tab → sign out → a wrong password gets a message', async () => {
    const invitation = outboxMails(rt).find(
      (m) => m.includes('To: admin@acme.test') && m.includes('temporary password'),
    )!;
    const temp = /temporary password (\S+) \(/.exec(invitation)![1]!;
    const p = await browser.newPage();
    await p.goto(`${rt.endpoints.api}/console`);
    await p.getByLabel('E-mail', { exact: true }).fill('admin@acme.test');
    await p.getByLabel('Password', { exact: true }).fill(temp);
    await p.getByLabel('Password', { exact: true }).press('Enter');
    await p.getByText('Choose a new password').waitFor();
    await p.getByLabel('New password', { exact: true }).fill('Lethe-Console-2026!');
    await p.getByLabel('New password', { exact: true }).press('Enter');
    await p.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
    // the header names the account (the switcher shows its name once loaded)
    await p.getByRole('option', { name: 'Acme' }).waitFor({ state: 'attached' });
    await p.getByRole('button', { name: 'Users' }).click();
    // (ada was erased above; alan is still there)
    await p.getByLabel('User identifier').fill('alan');
    await p.keyboard.press('Enter');
    await p.getByRole('cell', { name: 'alan@example.com' }).waitFor();
    // the ID token is in sessionStorage for this tab only, never localStorage
    expect(await p.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
    await p.screenshot({ path: path.join(ARTIFACTS, '9-signed-in.png'), fullPage: true });
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByText('Signed out.').waitFor();
    expect(await p.evaluate(() => (globalThis as any).sessionStorage.getItem('lethe.refresh'))).toBeNull();
    await p.getByLabel('E-mail', { exact: true }).fill('admin@acme.test');
    await p.getByLabel('Password', { exact: true }).fill('Not-My-Password-1');
    await p.getByLabel('Password', { exact: true }).press('Enter');
    await p.getByText('Wrong e-mail or password.').waitFor();
    // and the new password works
    await p.getByLabel('Password', { exact: true }).fill('Lethe-Console-2026!');
    await p.getByLabel('Password', { exact: true }).press('Enter');
    await p.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
    await p.close();
  });

  it('a forgotten password: the code by e-mail sets a new one, in the console', async () => {
    const p = await browser.newPage();
    await p.goto(`${rt.endpoints.api}/console`);
    await p.getByLabel('E-mail', { exact: true }).fill('admin@acme.test');
    await p.getByRole('button', { name: 'Forgot password?' }).click();
    await p.getByRole('button', { name: 'Send code' }).click();
    await p.getByText('If the address is known, a code is on its way.').waitFor();
    const mail = outboxMails(rt).filter((m) => m.includes('To: admin@acme.test') && m.includes('password reset code'));
    const code = /is (\d{6})\./.exec(mail.at(-1)!)![1]!;
    await p.getByLabel('Code from the e-mail').fill(code);
    await p.getByLabel('Your new password').fill('Reset-Console-2027!');
    await p.getByRole('button', { name: 'Set new password' }).click();
    await p.getByText('Password changed: sign in with it.').waitFor();
    await p.getByLabel('Password', { exact: true }).fill('Reset-Console-2027!');
    await p.getByLabel('Password', { exact: true }).press('Enter');
    await p.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
    // the account's administrator invites a teammate from Settings
    await p.getByRole('button', { name: 'Settings' }).click();
    await p.getByLabel('Teammate’s e-mail').fill('teammate@acme.test');
    await p.getByRole('button', { name: 'Send invitation' }).click();
    await p.getByText('Invitation sent').waitFor();
    expect(outboxMails(rt).some((m) => m.includes('To: teammate@acme.test') && m.includes('temporary password'))).toBe(
      true,
    );
    await p.close();
  });

  it('staff: the first sign-in sets up TOTP, then an account id opens an account', async () => {
    expect((await api(rt, 'POST', '/v1/staff', { email: 'support@lethe.test', role: 'support' })).status).toBe(201);
    const temp = /temporary password (\S+) \(/.exec(
      outboxMails(rt).find((m) => m.includes('To: support@lethe.test'))!,
    )![1]!;
    const p = await browser.newPage();
    await p.goto(`${rt.endpoints.api}/console`);
    await p.getByLabel('E-mail', { exact: true }).fill('support@lethe.test');
    await p.getByLabel('Password', { exact: true }).fill(temp);
    await p.getByLabel('Lethe staff').check();
    await p.getByLabel('Password', { exact: true }).press('Enter');
    await p.getByLabel('New password', { exact: true }).fill('Staff-Console-2026!');
    await p.getByLabel('New password', { exact: true }).press('Enter');
    // no token yet: the authenticator first
    const setup = await p.getByText(/add this key to it/).textContent();
    const secret = /Key: ([A-Z2-7]+)/.exec(setup!)![1]!;
    expect(await p.evaluate(() => (globalThis as any).sessionStorage.getItem('lethe.token'))).toBeFalsy();
    await p.getByLabel('Code from your authenticator app').fill(totp(secret));
    await p.getByLabel('Code from your authenticator app').press('Enter');
    await p.getByRole('heading', { name: 'Choose an account' }).waitFor();
    await p.getByLabel('Open the account with this id').fill(acc.accountId);
    await p.getByLabel('Open the account with this id').press('Enter');
    await p.getByRole('heading', { name: /Applications of Acme/ }).waitFor();
    await p.screenshot({ path: path.join(ARTIFACTS, '10-staff.png'), fullPage: true });
    await p.close();
  });
});
