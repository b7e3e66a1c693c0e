import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, localSigningKey } from '#adapters/auth.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { LAMBDA_RESPONSE_LIMIT_BYTES } from '#local/apigw.ts';
import { api, bootRuntime, createAccount, event, scanAll } from '../helpers/runtime.ts';

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
let userHash: string;
const send = (events: unknown[]) =>
  sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events);

/** An export as a client gets it: the API's answer (a link), then the CSV behind the link. */
async function csv(route: string, token?: string) {
  const res = await fetch(`${rt.endpoints.api}${route}`, {
    headers: {
      authorization: `Bearer ${token ?? (await import('node:fs')).readFileSync(`${rt.endpoints.dataDir}/auth/admin.token`, 'utf8')}`,
    },
  });
  if (res.status !== 200) return { status: res.status, type: null, text: '', answer: undefined, disposition: null };
  const answer = (await res.json()) as any;
  const file = await fetch(answer.url);
  return {
    status: file.status,
    type: file.headers.get('content-type'),
    disposition: file.headers.get('content-disposition'),
    text: await file.text(),
    answer,
  };
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
  const now = Date.now();
  await send([
    event(acc.applicationId, {
      id: 'j1',
      userId: 'jane.doe',
      outcome: 'failed',
      timestamp: now - 3000,
      label: '=HYPERLINK("http://evil")',
      error: 'Timeout, "gateway"\nretry',
    }),
    event(acc.applicationId, { id: 'j2', userId: 'jane.doe', outcome: 'slow', timestamp: now - 2000, label: 'Pay' }),
    event(acc.applicationId, { id: 'j3', userId: 'jane.doe', outcome: 'ok', timestamp: now - 1000 }),
    event(acc.applicationId, { id: 'k1', userId: 'janet', outcome: 'failed' }),
    event(acc.applicationId, { id: 'x1', userId: 'bob', outcome: 'failed' }),
  ]);
});
afterAll(async () => rt?.stop());

describe('right of access (P10)', () => {
  it('finds users by identifier prefix', async () => {
    const r = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'jan' });
    expect(r.status).toBe(200);
    expect(r.body.users.map((u: any) => u.user).sort()).toEqual(['jane.doe', 'janet']);
    userHash = r.body.users.find((u: any) => u.user === 'jane.doe').userKey.split('#')[1];
  });

  it('finds a pseudonymised user by the exact identifier only', async () => {
    await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { pseudonymise: true });
    await send([event(acc.applicationId, { id: 'p1', userId: 'secret-sam' })]);
    expect(
      (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'secret' })).body.users,
    ).toEqual([]);
    const exact = (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'secret-sam' })).body
      .users;
    expect(exact).toHaveLength(1);
    expect(exact[0].user).toMatch(/^p_/);
    await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { pseudonymise: false });
  });

  it("lists one user's interactions newest first, paged", async () => {
    const first = await api(rt, 'GET', `/v1/accounts/${acc.accountId}/users/${userHash}/interactions?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: any) => i.eventId)).toEqual(['j3', 'j2']);
    const second = await api(
      rt,
      'GET',
      `/v1/accounts/${acc.accountId}/users/${userHash}/interactions?limit=2&cursor=${first.body.cursor}`,
    );
    expect(second.body.items.map((i: any) => i.eventId)).toEqual(['j1']);
  });

  it('answers a bad query with 400 naming the field', async () => {
    for (const body of [{}, { query: '' }, { query: 42 }, { query: 'x'.repeat(257) }]) {
      const r = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.field).toBe('query');
    }
  });
});

describe('portability (P13): CSV of failed and slow interactions', () => {
  it('is RFC 4180, UTF-8 with BOM, formula-safe, and holds only failed and slow interactions', async () => {
    const r = await csv(`/v1/accounts/${acc.accountId}/users/${userHash}/export`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv; charset=utf-8/);
    expect(r.disposition).toBe('attachment; filename="interactions.csv"');
    // the byte count includes the BOM, which fetch's text() drops
    expect(r.answer).toMatchObject({
      scope: 'failed-and-slow',
      bytes: Buffer.byteLength(`\uFEFF${r.text.replace(/^\uFEFF/, '')}`),
    });
    // the link is short-lived, and goes to the backup bucket in eu-west-1 (locally: the S3 engine)
    expect(r.answer.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(r.answer.url.startsWith(rt.endpoints.s3)).toBe(true);
    expect(r.answer.url).toContain('/user-exports/');
    expect(r.answer.url).not.toContain(userHash);
    const lines = r.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('time,application,type,outcome,duration_ms,url,label,error,browser,event_id');
    expect(r.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(r.text).toContain('"Timeout, ""gateway""\nretry"');
    expect(r.text).toContain(',j2');
    expect(r.text).not.toContain(',j3');
    expect(r.text).not.toContain('bob');
  });
});

describe('access (Art. 15): every interaction, without a size cap', () => {
  it('exports 1,000 interactions with long URLs (over 6 MB of CSV) completely, through the link AWS would serve', async () => {
    const long = (i: number) => `https://shop.acme.test/search/${'q'.repeat(7_600)}/${i}`;
    for (let b = 0; b < 10; b++)
      expect(
        (
          await send(
            Array.from({ length: 100 }, (_, j) =>
              event(acc.applicationId, {
                id: `big-${b * 100 + j}`,
                userId: 'big-spender',
                url: long(b * 100 + j),
                outcome: 'ok',
              }),
            ),
          )
        ).status,
      ).toBe(200);
    const found = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'big-spender' });
    const hash = found.body.users[0].userKey.split('#')[1];
    const r = await csv(`/v1/accounts/${acc.accountId}/users/${hash}/export?all=true`);
    expect(r.answer).toMatchObject({ rows: 1000, scope: 'all' });
    // more than a buffered Lambda response may carry: the old way (the CSV in the API's answer) would fail (502)
    expect(r.answer.bytes).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    const lines = r.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(1001);
    expect(new Set(lines.slice(1).map((l) => l.split(',').pop())).size).toBe(1000);
    // without all=true: only failed and slow (none here)
    expect((await csv(`/v1/accounts/${acc.accountId}/users/${hash}/export`)).answer.rows).toBe(0);
  }, 120_000);
});

describe('restriction (P12)', () => {
  it('stores later events of a restricted user without identity, and again with identity once lifted', async () => {
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/restrict`, { userId: 'bob' })).status).toBe(200);
    await send([event(acc.applicationId, { id: 'x2', userId: 'bob' })]);
    expect(
      (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/restrict`, { userId: 'bob', lift: true })).status,
    ).toBe(200);
    await send([event(acc.applicationId, { id: 'x3', userId: 'bob' })]);
    const items = await scanAll(rt, 'Interactions');
    expect(items.find((i) => i.eventId === 'x2')!.user).toBeUndefined();
    expect(items.find((i) => i.eventId === 'x3')!.user).toBe('bob');
  });
});

describe('findings and audit', () => {
  it('tells the customer what its application sent, as shapes, never values', async () => {
    await send([
      event(acc.applicationId, {
        id: 'f1',
        url: 'https://shop.acme.test/u/mary@example.com',
        label: 'Hello Mary Quant 42, mary@example.com',
      }),
    ]);
    const r = await api(rt, 'GET', `/v1/accounts/${acc.accountId}/findings`);
    const f = r.body.findings.find((x: any) => x.detector === 'email' && x.kind === 'url');
    expect(f).toMatchObject({ count: 1, example: 'https://shop.acme.test/x/{email}' });
    // a name the detectors do not know is not kept with the finding: only the shape
    expect(r.body.findings.find((x: any) => x.detector === 'email' && x.kind === 'label').example).toBe(
      'Xxxxx Xxxx Xxxxx 99, {email}',
    );
    expect(JSON.stringify(r.body)).not.toMatch(/mary|quant/i);
    // and findings expire with the account's retention, like the data they describe
    const rows = (await scanAll(rt, 'Accounts')).filter(
      (x) => x.pk === `ACCOUNT#${acc.accountId}` && String(x.sk).startsWith('FINDING#'),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('leaves an audit record for every read of personal data, with the subject hashed', async () => {
    const audit = (await scanAll(rt, 'Audit')).filter((a) => a.accountId === acc.accountId);
    const ops = audit.map((a) => a.operation);
    expect(ops).toEqual(expect.arrayContaining(['users:search', 'users:export', 'users:restrict', 'findings:read']));
    const exports = audit.filter((a) => a.operation === 'users:export').map((a) => a.subject);
    expect(exports).toContain(`${acc.accountId}#${userHash}`);
    expect(JSON.stringify(audit)).not.toContain('jane.doe');
  });

  it('engineers see interactions without identities and cannot search users', async () => {
    const eng = await issueToken(
      localSigningKey(rt.endpoints.dataDir),
      { sub: 'eng', role: 'engineer', accounts: ['*'] },
      600,
    );
    const r = await api(
      rt,
      'GET',
      `/v1/accounts/${acc.accountId}/applications/${acc.applicationId}/interactions?limit=100`,
      undefined,
      eng,
    );
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(3);
    expect(JSON.stringify(r.body)).not.toMatch(/jane|janet|bob|userKey/);
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'jan' }, eng)).status).toBe(
      403,
    );
    expect((await csv(`/v1/accounts/${acc.accountId}/users/${userHash}/export`, eng)).status).toBe(403);
  });
});
