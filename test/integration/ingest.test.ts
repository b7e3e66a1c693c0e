import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../src/client/agent.ts';
import { keyProof, sign } from '#core/signing.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll } from '../helpers/runtime.ts';

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
const creds = () => ({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret });

/** A hand-made signed request, so each header can be broken on purpose. */
async function post(
  body: Buffer | string,
  opts: {
    ts?: number;
    keyId?: string;
    secret?: string;
    signature?: string;
    proof?: string | null;
    headers?: Record<string, string>;
  } = {},
) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const res = await fetch(`${rt.endpoints.api}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-lethe-key-id': opts.keyId ?? acc.keyId,
      // the key proof is the key's own (the gateway lets the request in); `secret` breaks only the body signature
      ...(opts.proof === null
        ? {}
        : {
            'x-lethe-key-proof':
              opts.proof ?? keyProof(acc.secret, Math.floor(Number(ts) / 60), opts.keyId ?? acc.keyId),
          }),
      'x-lethe-timestamp': ts,
      'x-lethe-signature': opts.signature ?? sign(opts.secret ?? acc.secret, ts, raw),
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 TestAgent/SECRET-UA',
      ...opts.headers,
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

const interactionsOf = async (accountId = acc.accountId) =>
  (await scanAll(rt, 'Interactions')).filter((i) => i.accountId === accountId);

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
});
afterAll(async () => rt?.stop());

describe('signed batches from a server agent', () => {
  it('stores every event of an acknowledged batch and signs the answer so the agent can verify the server', async () => {
    const events = Array.from({ length: 120 }, () =>
      event(acc.applicationId, { type: 'server-request', userId: 'customer-42' }),
    );
    const r = await sendBatch(creds(), events, { gzip: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 120, expired: 0 });
    expect(r.serverVerified).toBe(true);
    const stored = await interactionsOf();
    for (const e of events) expect(stored.filter((s) => s.eventId === e.id)).toHaveLength(1);
  });

  it('never duplicates a retried batch: writes are idempotent by event id', async () => {
    const events = Array.from({ length: 30 }, () => event(acc.applicationId));
    const before = (await interactionsOf()).length;
    expect((await sendBatch(creds(), events)).status).toBe(200);
    // the agent did not get the answer and re-sends the same events, signed afresh (another timestamp)
    expect((await sendBatch(creds(), events, { nowSeconds: () => Math.floor(Date.now() / 1000) - 7 })).status).toBe(
      200,
    );
    expect((await interactionsOf()).length).toBe(before + 30);
  });

  it('stores no source IP and no user-agent string anywhere (P2)', async () => {
    await post(
      JSON.stringify({
        events: [event(acc.applicationId, { userId: 'ua-check', browser: { family: 'Chrome', version: '126.0' } })],
      }),
    );
    for (const table of ['Interactions', 'Users', 'Accounts', 'Audit']) {
      const text = JSON.stringify(await scanAll(rt, table));
      expect(text, table).not.toContain('127.0.0.1');
      expect(text, table).not.toContain('::1');
      expect(text, table).not.toContain('SECRET-UA');
      expect(text, table).not.toContain('Mozilla');
    }
  });

  it('keeps of the browser object only a known family and a major.minor version (anything else an agent put there goes)', async () => {
    await sendBatch(creds(), [
      event(acc.applicationId, { id: 'bo-1', browser: { family: 'chrome', version: '126.0.6478.126' } }),
      event(acc.applicationId, {
        id: 'bo-2',
        browser: { family: 'jane.doe@mail.example', version: 'v1 +353 85 123 4567' },
      }),
    ]);
    const items = await interactionsOf();
    expect(items.find((i) => i.eventId === 'bo-1')!.browser).toEqual({ family: 'Chrome', version: '126.0' });
    expect(items.find((i) => i.eventId === 'bo-2')!.browser).toEqual({ family: 'Other', version: '0' });
    expect(JSON.stringify(items)).not.toContain('jane.doe');
  });

  it('keeps identity only as a label plus a keyed hash, and pseudonymises it when the account asks', async () => {
    await sendBatch(creds(), [event(acc.applicationId, { id: 'plain-1', userId: 'alice@example.com' })]);
    const plain = (await interactionsOf()).find((i) => i.eventId === 'plain-1')!;
    // the label is what the customer sent (a user identifier is only a label, P3) … but scrubbing does not
    // touch userId: only free-text fields are scrubbed
    expect(plain.user).toBe('alice@example.com');
    expect(plain.userKey).toMatch(new RegExp(`^${acc.accountId}#[A-Za-z0-9_-]{32}$`));
    expect(plain.userKey).not.toContain('alice');

    expect((await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { pseudonymise: true })).status).toBe(200);
    await sendBatch(creds(), [event(acc.applicationId, { id: 'pseudo-1', userId: 'alice@example.com' })]);
    const pseudo = (await interactionsOf()).find((i) => i.eventId === 'pseudo-1')!;
    expect(pseudo.user).toMatch(/^p_/);
    expect(JSON.stringify(pseudo)).not.toContain('alice');
    expect(pseudo.userKey).toBe(plain.userKey);
    await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { pseudonymise: false });
  });

  it('drops the identity of an event flagged do-not-track (P12)', async () => {
    await sendBatch(creds(), [event(acc.applicationId, { id: 'dnt-1', userId: 'bob', doNotTrack: true })]);
    const item = (await interactionsOf()).find((i) => i.eventId === 'dnt-1')!;
    expect(item.user).toBeUndefined();
    expect(item.userKey).toBeUndefined();
  });

  it('gives every item expiresAt = event time + retention, and stores nothing already past retention (P7)', async () => {
    const now = Date.now();
    const fresh = event(acc.applicationId, { id: 'fresh-1', timestamp: now - 1000 });
    const old = event(acc.applicationId, { id: 'old-1', timestamp: now - 91 * 86_400_000 });
    const r = await sendBatch(creds(), [fresh, old]);
    expect(r.body).toMatchObject({ accepted: 1, expired: 1 });
    const items = await interactionsOf();
    expect(items.find((i) => i.eventId === 'old-1')).toBeUndefined();
    expect(items.find((i) => i.eventId === 'fresh-1')!.expiresAt).toBe(Math.floor((now - 1000) / 1000) + 90 * 86_400);
  });

  it('scrubs free text before storage and never stores a special-category label (P4, P5)', async () => {
    await sendBatch(creds(), [
      event(acc.applicationId, {
        id: 'scrub-1',
        url: 'https://shop.acme.test/account/jane.doe%40mail.example?token=abc123secret',
        label: 'Hello jane.doe@mail.example',
        error: 'card 4111 1111 1111 1111 declined',
        queries: ["SELECT * FROM users WHERE email = 'jane.doe@mail.example'"],
        services: [{ url: 'https://api.partner.test/v1/people/jane.doe@mail.example', duration: 12, status: 200 }],
      }),
      event(acc.applicationId, { id: 'special-1', label: 'HIV test results' }),
    ]);
    const items = await interactionsOf();
    const text = JSON.stringify(items.filter((i) => i.eventId === 'scrub-1'));
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain('4111');
    expect(text).not.toContain('abc123secret');
    const special = items.find((i) => i.eventId === 'special-1')!;
    expect(special.label).toBeUndefined();
    // the label's words, as stored text (random ciphertexts and keys in the table can spell 'hiv' by chance, never with
    // a space)
    expect(JSON.stringify(await scanAll(rt, 'Accounts'))).not.toMatch(/HIV test/i);
  });
});

describe('refused requests answer as documented and store nothing', () => {
  const refused = async (send: () => Promise<{ status: number; body: any }>, status: number, match: RegExp) => {
    const before = (await interactionsOf()).length;
    const r = await send();
    expect(r.status).toBe(status);
    expect(JSON.stringify(r.body)).toMatch(match);
    expect((await interactionsOf()).length).toBe(before);
  };

  it('replay of a signed request → 409', async () => {
    const body = JSON.stringify({ events: [event(acc.applicationId)] });
    const ts = Math.floor(Date.now() / 1000);
    expect((await post(body, { ts })).status).toBe(200);
    await refused(() => post(body, { ts }), 409, /replay/);
  });

  it('bad signature → 401', () =>
    refused(
      () => post(JSON.stringify({ events: [event(acc.applicationId)] }), { secret: 'sk_wrong' }),
      401,
      /signature/,
    ));
  it('stale timestamp (more than 300 s off) → 401', () =>
    refused(
      () =>
        post(JSON.stringify({ events: [event(acc.applicationId)] }), {
          ts: Math.floor(Date.now() / 1000) - 301,
          // a proof of the current minute: the gateway lets it in (a proof of the stale minute is 5 or 6 minutes
          // old, and at 6 the gateway would refuse it first), so the function's own timestamp check answers
          proof: keyProof(acc.secret, Math.floor(Date.now() / 60_000), acc.keyId),
        }),
      401,
      /timestamp/,
    ));
  it('unknown key → 401 (from the agents authorizer, before the function)', () =>
    refused(
      () => post(JSON.stringify({ events: [event(acc.applicationId)] }), { keyId: 'key_doesnotexist' }),
      401,
      /Unauthorized/,
    ));
  it('missing signature headers → 400 from the gateway', () =>
    refused(
      async () => {
        const res = await fetch(`${rt.endpoints.api}/v1/events`, { method: 'POST', body: '{}' });
        return { status: res.status, body: await res.json() };
      },
      400,
      /X-Lethe-Key-Id/,
    ));

  it('malformed field → 400 naming the field path', () =>
    refused(
      () =>
        post(
          JSON.stringify({
            events: [
              event(acc.applicationId),
              event(acc.applicationId, { services: [{ url: 'x', duration: -1, status: 200 }] }),
            ],
          }),
        ),
      400,
      /events\[1\]\.services\[0\]\.duration/,
    ));
  it('unknown field → 400 (it could carry personal data)', () =>
    refused(
      () => post(JSON.stringify({ events: [{ ...event(acc.applicationId), ip: '10.0.0.1' }] })),
      400,
      /events\[0\]\.ip/,
    ));
  it('not JSON → 400', () => refused(() => post('{"events": ['), 400, /not valid JSON/));
  it('an event of another application → 400', () =>
    refused(() => post(JSON.stringify({ events: [event('app_other')] })), 400, /events\[0\]\.applicationId/));
  it('an event too large to store (queries add up past 350 kB) → 413, and none of the batch is stored', () =>
    refused(
      () =>
        post(
          JSON.stringify({
            events: [
              event(acc.applicationId),
              event(acc.applicationId, { queries: Array.from({ length: 50 }, () => `SELECT ${'x'.repeat(7900)}`) }),
            ],
          }),
        ),
      413,
      /events\[1\] is too large/,
    ));
  it('oversized body → 413', () => refused(() => post(Buffer.alloc(1_100_000, 32)), 413, /limit/));
  it('gzip bomb → 413 before inflating it all', () =>
    refused(
      () => post(gzipSync(Buffer.alloc(50_000_000, 32)), { headers: { 'content-encoding': 'gzip' } }),
      413,
      /decompressed/,
    ));
});

describe('keys: rotation keeps both keys working, then only the new one', () => {
  it('accepts the old and the new key during the overlap', async () => {
    const r = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/applications/${acc.applicationId}/keys`);
    expect(r.status).toBe(201);
    expect(
      (await sendBatch({ ...creds(), keyId: r.body.keyId, secret: r.body.secret }, [event(acc.applicationId)])).status,
    ).toBe(200);
    expect((await sendBatch(creds(), [event(acc.applicationId)])).status).toBe(200);
    expect(r.body.previousKeysRetireAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('stores secrets only encrypted', async () => {
    const text = JSON.stringify(await scanAll(rt, 'Accounts'));
    expect(text).not.toContain(acc.secret);
    expect(text).toContain('secretCipher');
  });
});

describe('browser agent: public key + allowed origin', () => {
  const postBrowser = (body: unknown, origin: string | undefined, key = acc.browserKey) =>
    fetch(`${rt.endpoints.api}/v1/browser-events?key=${key}`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        ...(origin ? { origin } : {}),
        'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      },
      body: JSON.stringify(body),
    });

  it('accepts events from an allowed origin, derives the browser family and drops the UA string', async () => {
    const res = await postBrowser(
      { events: [event(acc.applicationId, { id: 'br-1', type: 'click' })] },
      'https://shop.acme.test',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.acme.test');
    const item = (await interactionsOf()).find((i) => i.eventId === 'br-1')!;
    expect(item.browser).toEqual({ family: 'Safari', version: '17.4' });
    expect(JSON.stringify(item)).not.toContain('Macintosh');
  });

  it('refuses other origins (403) and unknown keys (401)', async () => {
    expect((await postBrowser({ events: [event(acc.applicationId)] }, 'https://evil.test')).status).toBe(403);
    expect((await postBrowser({ events: [event(acc.applicationId)] }, undefined)).status).toBe(403);
    expect(
      (await postBrowser({ events: [event(acc.applicationId)] }, 'https://shop.acme.test', 'pk_unknownunknownunknown'))
        .status,
    ).toBe(401);
  });

  it('has tighter limits than server agents', async () => {
    const res = await postBrowser(
      { events: Array.from({ length: 101 }, () => event(acc.applicationId)) },
      'https://shop.acme.test',
    );
    expect(res.status).toBe(400);
  });

  it('applies its 256 kB limit to the inflated batch: a small gzip body of 1.6 MB of valid events gets 413', async () => {
    const big = {
      events: Array.from({ length: 100 }, (_, i) =>
        event(acc.applicationId, {
          id: `inflated-${i}`,
          label: 'x'.repeat(1000),
          error: 'y'.repeat(7000),
          url: `https://shop.acme.test/${'z'.repeat(8000)}`,
        }),
      ),
    };
    const gz = gzipSync(Buffer.from(JSON.stringify(big)));
    expect(gz.length).toBeLessThan(256_000);
    const res = await fetch(`${rt.endpoints.api}/v1/browser-events?key=${acc.browserKey}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip', origin: 'https://shop.acme.test' },
      body: gz,
    });
    expect(res.status).toBe(413);
    expect((await interactionsOf()).some((i) => String(i.eventId).startsWith('inflated-'))).toBe(false);
  });
});

describe("the agents authorizer: a key id alone does not open the account's usage plan (protocol v2 key proof)", () => {
  const ev = () => JSON.stringify({ events: [event(acc.applicationId)] });
  it('refuses at the door a request whose key proof is missing, wrong, of another secret or too old', async () => {
    const minute = Math.floor(Date.now() / 60_000);
    for (const proof of [
      null,
      'v2=1.abc',
      keyProof('sk_someone-elses', minute, acc.keyId),
      keyProof(acc.secret, minute - 6, acc.keyId),
    ]) {
      const r = await post(ev(), { proof });
      // a missing required header is refused by the gateway's request checks (400) or the authorizer (401)
      expect(proof === null ? [400, 401] : [401], String(proof)).toContain(r.status);
    }
  });
  it("lets in the one signed with the key's secret", async () => {
    expect((await post(ev())).status).toBe(200);
  });
});
