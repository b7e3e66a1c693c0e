import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, outboxMails } from '../helpers/runtime.ts';

/** Findings notices (issue 18): a new kind of personal data found is e-mailed to the contacts, then a daily digest. */
let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
const mails = () => outboxMails(rt);
// the findings notices to an address (the administrative contact also got its console invitation)
const mailsTo = (address: string) =>
  mails().filter((m) => m.includes(`To: ${address}`) && !m.includes('Subject: Your Lethe console invitation'));
const send = (events: unknown[]) =>
  sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events);
async function until(f: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return f();
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt, { creatorEmail: 'cto@notice.test', adminEmail: 'dpo@notice.test' });
});
afterAll(async () => rt?.stop());

describe('findings notices by e-mail (issue 18)', () => {
  it('tells both contacts of a new kind at once, naming kind, detector, count, application and shape, never the value', async () => {
    const secret = 'maria.tamm@example.ee';
    expect(
      (await send([event(acc.applicationId, { url: `https://shop.acme.test/users/${secret}/orders` })])).status,
    ).toBe(200);
    expect(await until(() => mailsTo('cto@notice.test').length === 1 && mailsTo('dpo@notice.test').length === 1)).toBe(
      true,
    );
    const mail = mailsTo('dpo@notice.test')[0]!;
    expect(mail).toContain('email in url fields');
    expect(mail).toContain(acc.applicationId);
    expect(mail).toContain('1 so far');
    // the shape: placeholders and punctuation, other words reduced to x's
    expect(mail).toContain('example shape: https://shop.acme.test/xxxxx/{email}/xxxxxx');
    expect(mail).toContain(`${rt.endpoints.api}/console#settings`);
    expect(mail).not.toContain(secret);
    expect(mails().join('\n')).not.toContain('maria.tamm');
  });

  it('does not repeat a kind already noticed; a new detector gets its own notice', async () => {
    await send([event(acc.applicationId, { url: 'https://shop.acme.test/users/jaan@example.ee/orders' })]);
    await send([event(acc.applicationId, { label: 'Call +372 5123 4567 now' })]);
    expect(await until(() => mailsTo('dpo@notice.test').length === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const dpo = mailsTo('dpo@notice.test');
    expect(dpo).toHaveLength(2);
    expect(dpo.some((m) => m.includes('phone in label fields'))).toBe(true);
  });

  it('goes to the contacts the account chose (1–5 addresses; notices cannot be turned off)', async () => {
    const set = await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { noticeContacts: ['privacy@notice.test'] });
    expect(set.status).toBe(200);
    expect(set.body.noticeContacts).toEqual(['privacy@notice.test']);
    const off = await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { noticeContacts: [] });
    expect(off.status).toBe(400);
    expect(off.body.field).toMatch(/noticeContacts/);
    await send([event(acc.applicationId, { label: 'IBAN DE89370400440532013000 refused' })]);
    expect(await until(() => mailsTo('privacy@notice.test').length === 1)).toBe(true);
    expect(mailsTo('privacy@notice.test')[0]).toContain('iban in label fields');
  });

  it('sends one digest a day of every kind seen in the last 24 hours, and lists every notice', async () => {
    const fn = rt.lambdas.list().find((f) => f.logicalId.startsWith('Notify'))!;
    await rt.lambdas.invoke(fn.arn, { source: 'aws.events', 'detail-type': 'Scheduled Event' });
    expect(await until(() => mails().some((m) => m.includes('Daily digest')))).toBe(true);
    const digest = mails().find((m) => m.includes('Daily digest'))!;
    for (const d of ['email in url fields', 'phone in label fields', 'iban in label fields'])
      expect(digest).toContain(d);
    // the same day's schedule again: no second digest
    await rt.lambdas.invoke(fn.arn, { source: 'aws.events', 'detail-type': 'Scheduled Event' });
    await rt.sqs.idle();
    expect(mails().filter((m) => m.includes('Daily digest'))).toHaveLength(1);
    const notices = (await api(rt, 'GET', `/v1/accounts/${acc.accountId}/notices`)).body.notices;
    expect(notices.filter((n: any) => n.type === 'finding')).toHaveLength(3);
    expect(notices.filter((n: any) => n.type === 'digest')).toHaveLength(1);
    expect(JSON.stringify(notices)).not.toMatch(/maria|jaan|5123/);
  });
});
