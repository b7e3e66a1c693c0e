import { SignJWT } from 'jose';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, localSigningKey } from '#adapters/auth.ts';
import { OPERATIONS, type Role, ROLES } from '#core/access.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, scanAll, tempDir } from '../helpers/runtime.ts';

let rt: Runtime;
let mine: Awaited<ReturnType<typeof createAccount>>;
let theirs: Awaited<ReturnType<typeof createAccount>>;
const key = () => localSigningKey(rt.endpoints.dataDir);
const token = (role: Role, accounts = [mine.accountId]) =>
  issueToken(key(), { sub: `${role}-1`, role, accounts: role === 'admin' ? ['*'] : accounts }, 600);

beforeAll(async () => {
  rt = await bootRuntime();
  mine = await createAccount(rt, { name: 'Mine' });
  theirs = await createAccount(rt, { name: 'Theirs' });
});
afterAll(async () => rt?.stop());

describe('tokens: missing, forged, expired, wrong audience → 401', () => {
  const route = () => `/v1/accounts/${mine.accountId}`;
  it('missing', async () => {
    expect((await fetch(`${rt.endpoints.api}${route()}`)).status).toBe(401);
  });
  it('forged (signed with another key)', async () => {
    const forged = await issueToken(localSigningKey(tempDir()), { sub: 'x', role: 'admin', accounts: ['*'] }, 600);
    expect((await api(rt, 'GET', route(), undefined, forged)).status).toBe(401);
  });
  it('expired', async () => {
    const expired = await new SignJWT({ role: 'admin', accounts: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer('lethe')
      .setAudience('lethe-management')
      .setIssuedAt(1_000)
      .setExpirationTime(2_000)
      .sign(key());
    expect((await api(rt, 'GET', route(), undefined, expired)).status).toBe(401);
  });
  it('wrong audience', async () => {
    const other = await issueToken(key(), { sub: 'x', role: 'admin', accounts: ['*'] }, 600, 'some-other-service');
    expect((await api(rt, 'GET', route(), undefined, other)).status).toBe(401);
  });
  it('without exp, or living longer than 30 days', async () => {
    const claims = { role: 'admin', accounts: ['*'] };
    const noExp = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer('lethe')
      .setAudience('lethe-management')
      .setIssuedAt()
      .sign(key());
    expect((await api(rt, 'GET', route(), undefined, noExp)).status).toBe(401);
    const tooLong = await issueToken(key(), { sub: 'x', role: 'admin', accounts: ['*'] }, 31 * 86_400);
    expect((await api(rt, 'GET', route(), undefined, tooLong)).status).toBe(401);
  });
  it('a scope entry that is not an account id (a comma cannot widen it to another account)', async () => {
    const comma = await issueToken(key(), { sub: 'x', role: 'customer', accounts: [`${mine.accountId},*`] }, 600);
    expect((await api(rt, 'GET', `/v1/accounts/${theirs.accountId}`, undefined, comma)).status).toBe(401);
    expect((await api(rt, 'GET', route(), undefined, comma)).status).toBe(401);
  });
  it('alg none', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'admin', accounts: ['*'], iss: 'lethe', aud: 'lethe-management', exp: 9e9 })).toString('base64url')}.`;
    expect((await api(rt, 'GET', route(), undefined, none)).status).toBe(401);
  });
});

describe('another account, or one that does not exist: the same 403, nothing leaks', () => {
  for (const [label, r] of [
    ['account', (a: string) => ['GET', `/v1/accounts/${a}`]],
    ['users search', (a: string) => ['POST', `/v1/accounts/${a}/users/search`, { query: 'x' }]],
    ['findings', (a: string) => ['GET', `/v1/accounts/${a}/findings`]],
    ['erasure', (a: string) => ['POST', `/v1/accounts/${a}/erasures`, { userId: 'x' }]],
    ['restriction', (a: string) => ['POST', `/v1/accounts/${a}/users/restrict`, { userId: 'x' }]],
    ['audit', (a: string) => ['GET', `/v1/accounts/${a}/audit`]],
    // authorised before the body is read: no 400 tells an outsider that the account exists
    [
      "erasure by a userKey of the caller's own account",
      (a: string) => ['POST', `/v1/accounts/${a}/erasures`, { userKey: `${mine.accountId}#${'x'.repeat(32)}` }],
    ],
    [
      "restriction by a userKey of the caller's own account",
      (a: string) => ['POST', `/v1/accounts/${a}/users/restrict`, { userKey: `${mine.accountId}#${'x'.repeat(32)}` }],
    ],
    [
      'erasure with a body that is not valid',
      (a: string) => ['POST', `/v1/accounts/${a}/erasures`, { nonsense: true }],
    ],
    ['interactions of a malformed user key', (a: string) => ['GET', `/v1/accounts/${a}/users/not-a-key/interactions`]],
    ['export of a malformed user key', (a: string) => ['GET', `/v1/accounts/${a}/users/not-a-key/export`]],
  ] as Array<[string, (a: string) => readonly [string, string, unknown?]]>) {
    it(label, async () => {
      const t = await token('customer');
      const [m1, p1, b1] = r(theirs.accountId);
      const [m2, p2, b2] = r('acc_0000000000000000');
      const a = await api(rt, m1, p1, b1, t);
      const b = await api(rt, m2, p2, b2, t);
      expect(a.status).toBe(403);
      expect(b.status).toBe(403);
      expect(a.body).toEqual(b.body);
    });
  }

  it('an unknown account is "not found" for an administrator (who sees every account), "not allowed" for others', async () => {
    const admin = await api(rt, 'GET', '/v1/accounts/acc_0000000000000000');
    expect(admin.status).toBe(404);
    expect((await api(rt, 'POST', '/v1/accounts/acc_0000000000000000/users/search', { query: 'x' })).status).toBe(404);
    const customer = await api(rt, 'GET', '/v1/accounts/acc_0000000000000000', undefined, await token('customer'));
    expect(customer.status).toBe(403);
  });

  it('audits each of those denials', async () => {
    const denied = (await scanAll(rt, 'Audit')).filter((x) => x.outcome === 'denied' && x.actor === 'customer-1');
    for (const op of ['erasure:request', 'users:restrict']) {
      expect(
        denied.some((x) => x.operation === op && x.accountId === theirs.accountId),
        op,
      ).toBe(true);
      expect(
        denied.some((x) => x.operation === op && x.accountId === 'acc_0000000000000000'),
        op,
      ).toBe(true);
    }
  });

  it('a backup restore with a bad body is refused by role before it is read', async () => {
    const r = await api(rt, 'POST', '/v1/backups/restores', { exportId: '../../etc' }, await token('customer'));
    expect(r.status).toBe(403);
  });
});

describe('the role matrix, through the API (one request per role and operation)', () => {
  const requests: Record<string, () => [string, string, unknown?]> = {
    'accounts:read': () => ['GET', `/v1/accounts/${mine.accountId}`],
    'accounts:update': () => ['PATCH', `/v1/accounts/${mine.accountId}`, { retentionDays: 90 }],
    'keys:rotate': () => ['POST', `/v1/accounts/${mine.accountId}/applications/${mine.applicationId}/keys`],
    'findings:read': () => ['GET', `/v1/accounts/${mine.accountId}/findings`],
    'users:search': () => ['POST', `/v1/accounts/${mine.accountId}/users/search`, { query: 'x' }],
    'users:restrict': () => [
      'POST',
      `/v1/accounts/${mine.accountId}/users/restrict`,
      { userId: 'matrix-user', lift: true },
    ],
    'interactions:read-anonymous': () => [
      'GET',
      `/v1/accounts/${mine.accountId}/applications/${mine.applicationId}/interactions`,
    ],
    'audit:read': () => ['GET', `/v1/accounts/${mine.accountId}/audit`],
    'breach:read': () => ['GET', '/v1/breaches/br_none'],
    'backup:manage': () => ['GET', '/v1/backups'],
  };
  for (const [op, req] of Object.entries(requests)) {
    for (const role of ROLES) {
      const allowed = (OPERATIONS[op as keyof typeof OPERATIONS] as readonly string[]).includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${op}`, async () => {
        const [m, p, b] = req();
        const r = await api(rt, m, p, b, await token(role));
        if (allowed) expect([200, 201, 404], JSON.stringify(r.body)).toContain(r.status);
        else expect(r.status).toBe(403);
      });
    }
  }

  it('every denied and allowed call above left an audit record with actor, role and outcome', async () => {
    const audit = await scanAll(rt, 'Audit');
    expect(audit.some((a) => a.outcome === 'denied' && a.role === 'engineer' && a.operation === 'users:search')).toBe(
      true,
    );
    expect(audit.some((a) => a.outcome === 'ok' && a.role === 'support' && a.operation === 'users:search')).toBe(true);
    for (const a of audit.filter((x) => x.operation))
      expect(a).toMatchObject({ actor: expect.any(String), role: expect.any(String), at: expect.any(Number) });
  });
});

describe('record of processing (Art. 30)', () => {
  it('is written from the configuration in force, as Markdown and JSON', async () => {
    const { processingRecord, toMarkdown } = await import('#core/processing-record.ts');
    const { factsFromModel } = await import('#local/facts.ts');
    const r = processingRecord(factsFromModel());
    expect(r.location.region).toBe('eu-west-1');
    expect(r.subProcessors.map((s) => s.name).join()).toMatch(/DynamoDB.*|S3/);
    expect(r.retention.tables.every((t) => t.ttl === 'expiresAt')).toBe(true);
    expect(r.securityMeasures.join()).toMatch(/4\/4 tables/);
    const md = toMarkdown(r);
    expect(md).toMatch(/^# Record of processing activities/);
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'r.md'), md);
    expect(fs.readFileSync(path.join(out, 'r.md'), 'utf8')).toContain('## Sub-processors');
  });
});

describe("a customer's own scrub patterns cannot stall the service or inflate what is stored (P18)", () => {
  const patch = (extraPatterns: unknown) =>
    api(rt, 'PATCH', `/v1/accounts/${mine.accountId}`, { scrubRules: { extraPatterns } });

  it('refuses a pattern that needs backtracking or matches the empty string, naming it', async () => {
    for (const [pattern, reason] of [
      ['z*', /empty string/],
      ['(?<=x)a', /RE2/],
      ['(a)\\1', /RE2/],
    ] as const) {
      const r = await patch([{ name: 'bad', pattern }]);
      expect(r.status, pattern).toBe(400);
      expect(r.body.field).toBe('scrubRules.extraPatterns[0].pattern');
      expect(r.body.message).toMatch(/"bad"/);
      expect(r.body.message).toMatch(reason);
    }
  });

  it('runs a catastrophic-backtracking pattern in linear time: the batch is stored and the service answers', async () => {
    const { sendBatch } = await import('../../src/client/agent.ts');
    expect((await patch([{ name: 'as', pattern: '(a+)+$' }])).status).toBe(200);
    const label = `${'a'.repeat(40)}!`;
    const ev = {
      id: `redos-${Date.now()}`,
      applicationId: mine.applicationId,
      type: 'click',
      timestamp: Date.now(),
      duration: 1,
      outcome: 'ok',
      label,
    };
    const r = await sendBatch({ endpoint: rt.endpoints.api, keyId: mine.keyId, secret: mine.secret }, [ev]);
    expect(r.status).toBe(200);
    expect((await fetch(`${rt.endpoints.api}/health`)).status).toBe(200);
    const stored = (await scanAll(rt, 'Interactions')).find(
      (i) => i.eventId === ev.id || String(i.sk ?? '').endsWith(ev.id),
    );
    expect(stored?.label).toBe(label);
    // and the pattern does apply on the ingest path: a label it matches is stored as its placeholder
    const hit = { ...ev, id: `redos-hit-${Date.now()}`, label: 'aaaa' };
    expect(
      (await sendBatch({ endpoint: rt.endpoints.api, keyId: mine.keyId, secret: mine.secret }, [hit])).status,
    ).toBe(200);
    expect((await scanAll(rt, 'Interactions')).find((i) => i.eventId === hit.id)?.label).toBe('{as}');
  });
});

describe('settings are merged, not replaced, and two editors cannot overwrite each other', () => {
  const route = () => `/v1/accounts/${mine.accountId}`;
  it('saving one rule keeps the others; null removes one', async () => {
    const patterns = [{ name: 'member-no', pattern: 'M-\\d{6}' }];
    expect((await api(rt, 'PATCH', route(), { scrubRules: { extraPatterns: patterns, method: 'mask' } })).status).toBe(
      200,
    );
    const saved = await api(rt, 'PATCH', route(), { scrubRules: { allowParams: ['q'] } });
    expect(saved.body.scrubRules).toEqual({ extraPatterns: patterns, method: 'mask', allowParams: ['q'] });
    const removed = await api(rt, 'PATCH', route(), { scrubRules: { method: null } });
    expect(removed.body.scrubRules).toEqual({ extraPatterns: patterns, allowParams: ['q'] });
  });

  it('answers 412 to an If-Match that is no longer current, and changes nothing', async () => {
    const read = await api(rt, 'GET', route());
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"v\d+"$/);
    const first = await fetch(`${rt.endpoints.api}${route()}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8')}`,
        'content-type': 'application/json',
        'if-match': etag,
      },
      body: JSON.stringify({ retentionDays: 60 }),
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).not.toBe(etag);
    const second = await fetch(`${rt.endpoints.api}${route()}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8')}`,
        'content-type': 'application/json',
        'if-match': etag,
      },
      body: JSON.stringify({ retentionDays: 30 }),
    });
    expect(second.status).toBe(412);
    expect((await api(rt, 'GET', route())).body.retentionDays).toBe(60);
  });
});

describe('secrets are bound to their purpose (the KMS encryption context; AES-GCM additional data locally)', () => {
  it('a ciphertext of an agent secret does not decrypt as an account key', async () => {
    const { platform } = await import('#adapters/platform.ts');
    const cipher = await platform().secretBox.encrypt(Buffer.from('sk_x'), 'agent-secret');
    expect((await platform().secretBox.decrypt(cipher, 'agent-secret')).toString()).toBe('sk_x');
    await expect(platform().secretBox.decrypt(cipher, 'account-key')).rejects.toThrow();
  });
});
