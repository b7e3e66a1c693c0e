import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyProof, sign } from '#core/signing.ts';
import type { Runtime } from '#local/runtime.ts';
import { adminToken, bootRuntime, createAccount, scanAll } from '../helpers/runtime.ts';

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
/** A valid body may legitimately terminate an account: the fuzzer gets one of its own for that route. */
let victim: Awaited<ReturnType<typeof createAccount>>;

const unicode = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('\u0000', '\uD800', '\uFFFF', '\u202E', 'e\u0301', '💩'.repeat(100), '\r\n', '\\u0000'),
);
const deep = fc.integer({ min: 100, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const deepObject = fc.integer({ min: 100, max: 5_000 }).map((n) => `{"events":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`);
const wrongTypes = fc
  .record({
    events: fc.oneof(
      fc.anything(),
      fc.array(fc.anything(), { maxLength: 5 }),
      fc.array(
        fc.record({
          id: fc.anything(),
          applicationId: fc.anything(),
          type: fc.anything(),
          timestamp: fc.anything(),
          duration: fc.anything(),
          outcome: fc.anything(),
        }),
        { maxLength: 3 },
      ),
    ),
  })
  .map((o) => JSON.stringify(o));
/** Events with every other field often right; the id always has a space, so none of them is ever valid. */
const almostValid = fc
  .record({
    id: fc.string().map((id) => `${id} `),
    applicationId: fc.constant('APP'),
    type: fc.oneof(fc.constant('click'), fc.string()),
    timestamp: fc.oneof(fc.constant(Date.now()), fc.double(), fc.integer({ min: -1e15, max: 1e16 })),
    duration: fc.oneof(fc.double(), fc.integer()),
    outcome: fc.oneof(fc.constant('ok'), fc.string()),
    url: fc.oneof(fc.constant(undefined), unicode, fc.string({ minLength: 9000, maxLength: 9100 })),
    userId: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 })),
  })
  .map((e) => JSON.stringify({ events: [e] }));
const malformed = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"events": [',
    'null',
    '[]',
    '"x"',
    '1e999',
    '{"events":[{}]}',
    '\uFEFF{}',
    '{"__proto__":{"admin":true}}',
  ),
);
const bodies = fc.oneof(
  malformed,
  wrongTypes,
  almostValid,
  deep,
  deepObject,
  unicode.map((u) => JSON.stringify({ events: u })),
);

/** A fuzzed body addressed to this account's application. */
const forAccount = (raw: string) => raw.replace(/APP/g, acc.applicationId);

/** Only 4xx: never a 5xx, never a crash, never anything stored. */
function onlyClientErrors(status: number) {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
  victim = await createAccount(rt, { name: 'Victim' });
});
afterAll(async () => rt?.stop());

describe('fuzz: every public endpoint answers bad input with a 4xx and stores nothing', () => {
  it('signed server ingest (bodies reach validation)', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), async (raw, gzip) => {
        const body = Buffer.from(forAccount(raw));
        const payload = gzip ? gzipSync(body) : body;
        const ts = String(Math.floor(Date.now() / 1000));
        const res = await fetch(`${rt.endpoints.api}/v1/events`, {
          method: 'POST',
          body: payload,
          headers: {
            'content-type': 'application/json',
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
            'x-lethe-key-id': acc.keyId,
            'x-lethe-key-proof': keyProof(acc.secret, Math.floor(Number(ts) / 60), acc.keyId),
            'x-lethe-timestamp': ts,
            'x-lethe-signature': sign(acc.secret, ts, payload),
          },
        });
        await res.arrayBuffer();
        if (res.status !== 200) onlyClientErrors(res.status);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('headers of server ingest', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 100 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      fc.constantFrom(
        '',
        'v1=',
        'v1=' + 'a'.repeat(64),
        '-1',
        '99999999999999999999',
        'gzip',
        'br',
        'key_' + 'x'.repeat(5000),
      ),
    );
    await fc.assert(
      fc.asyncProperty(header, header, header, header, async (k, t, s, enc) => {
        const res = await fetch(`${rt.endpoints.api}/v1/events`, {
          method: 'POST',
          body: '{"events":[]}',
          headers: {
            'x-lethe-key-id': k || 'k',
            'x-lethe-timestamp': t || '1',
            'x-lethe-signature': s || 's',
            'content-encoding': enc,
          },
        });
        await res.arrayBuffer();
        onlyClientErrors(res.status);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('browser ingest', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom('https://shop.acme.test', 'https://evil.test', ''),
        fc.oneof(fc.constant(acc.browserKey), fc.string({ maxLength: 80 })),
        async (raw, origin, key) => {
          const res = await fetch(`${rt.endpoints.api}/v1/browser-events?key=${encodeURIComponent(key)}`, {
            method: 'POST',
            body: forAccount(raw),
            headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
          });
          await res.arrayBuffer();
          if (res.status !== 200) onlyClientErrors(res.status);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('management endpoints with a valid admin token', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/v1/accounts'],
      ['PATCH', `/v1/accounts/${acc.accountId}`],
      ['POST', `/v1/accounts/${acc.accountId}/erasures`],
      ['POST', `/v1/accounts/${acc.accountId}/users/restrict`],
      ['POST', '/v1/breaches'],
      ['POST', `/v1/accounts/${victim.accountId}/terminate`],
      ['POST', '/v1/backups/restores'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          malformed,
          wrongTypes,
          deep,
          deepObject,
          fc
            .anything()
            .map((a) => JSON.stringify({ userId: a, retentionDays: a, graceDays: a, exportId: a, accounts: a }) ?? 'x'),
        ),
        async ([method, route], raw) => {
          const res = await fetch(`${rt.endpoints.api}${route}`, {
            method,
            body: raw,
            headers: { authorization: `Bearer ${adminToken(rt)}`, 'content-type': 'application/json' },
          });
          await res.arrayBuffer();
          if (res.status >= 300) onlyClientErrors(res.status);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('stored nothing from any of it, and the account is still active', async () => {
    const items = await scanAll(rt, 'Interactions');
    expect(items).toEqual([]);
    const res = await fetch(`${rt.endpoints.api}/v1/accounts/${acc.accountId}`, {
      headers: { authorization: `Bearer ${adminToken(rt)}` },
    });
    expect(((await res.json()) as any).status).toBe('active');
  });
});
