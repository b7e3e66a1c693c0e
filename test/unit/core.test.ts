import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorize, OPERATIONS, type Principal, ROLES } from '#core/access.ts';
import { browserOf } from '#core/browser.ts';
import { BatchSchema, parseOr400 } from '#core/events.ts';
import { DomainError } from '#core/errors.ts';
import { labelOf, pseudonymOf, userKeyOf } from '#core/identity.ts';
import { expiresAt, isExpired, validRetentionDays } from '#core/retention.ts';
import { checkTimestamp, sign, signatureMatches } from '#core/signing.ts';

describe('signing (agent protocol v1)', () => {
  it('signs "<ts>.<body>" and any change to secret, timestamp or body breaks it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.uint8Array({ maxLength: 200 }), (secret, ts, body) => {
        const s = sign(secret, ts, Buffer.from(body));
        expect(s).toMatch(/^v1=[0-9a-f]{64}$/);
        expect(signatureMatches(s, sign(secret, ts, Buffer.from(body)))).toBe(true);
        expect(signatureMatches(s, sign(`${secret}x`, ts, Buffer.from(body)))).toBe(false);
        expect(signatureMatches(s, sign(secret, ts + 1, Buffer.from(body)))).toBe(false);
        expect(signatureMatches(s, sign(secret, ts, Buffer.concat([Buffer.from(body), Buffer.from('x')])))).toBe(false);
      }),
    );
  });
  it('accepts timestamps within the window only', () => {
    expect(checkTimestamp('1000', 1300, 300)).toBe('ok');
    expect(checkTimestamp('1000', 1301, 300)).toBe('stale');
    expect(checkTimestamp('1601', 1300, 300)).toBe('stale');
    expect(checkTimestamp('12a', 1300, 300)).toBe('malformed');
    expect(checkTimestamp(undefined, 1300, 300)).toBe('malformed');
  });
});

describe('retention (P7)', () => {
  it('expiresAt = event time + retention days, for 1..90 days only', () => {
    expect(expiresAt(1_000_000, 90)).toBe(1000 + 90 * 86_400);
    expect(() => expiresAt(0, 91)).toThrow();
    expect(() => expiresAt(0, 0)).toThrow();
    expect(validRetentionDays(1.5)).toBe(false);
  });
  it('an item one second past its expiry is expired; one at the second before is not', () => {
    expect(isExpired({ expiresAt: 100 }, 100)).toBe(true);
    expect(isExpired({ expiresAt: 100 }, 99)).toBe(false);
    expect(isExpired({}, 1e12)).toBe(false);
  });
});

describe('identity hashes (P3)', () => {
  it('are keyed per account and never contain the identifier', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 50 }), (id) => {
        const a = userKeyOf('acc_a', k1, id);
        expect(a.startsWith('acc_a#')).toBe(true);
        expect(a.slice(6)).not.toContain(id);
        expect(userKeyOf('acc_a', k2, id)).not.toBe(a);
        expect(pseudonymOf(k1, id)).toMatch(/^p_[A-Za-z0-9_-]{22}$/);
        expect(labelOf(k1, id, false)).toBe(id);
      }),
    );
  });
});

describe('batch validation names the field', () => {
  const ok = { id: 'e1', applicationId: 'app', type: 'click', timestamp: 1, duration: 1, outcome: 'ok' };
  const fieldOf = (body: unknown) => {
    try {
      parseOr400(BatchSchema, body);
      return 'valid';
    } catch (e) {
      return (e as DomainError).field;
    }
  };
  it.each([
    [{ events: [ok, { ...ok, outcome: 'meh' }] }, 'events[1].outcome'],
    [{ events: [{ ...ok, services: [{ url: 'u', duration: 1, status: 'x' }] }] }, 'events[0].services[0].status'],
    [{ events: [] }, 'events'],
    [{ events: [ok], extra: 1 }, 'extra'],
    [{ events: [{ ...ok, id: 'bad id' }] }, 'events[0].id'],
    [[], 'body'],
    [{ events: [ok] }, 'valid'],
  ])('%j → %s', (body, field) => expect(fieldOf(body)).toBe(field));
});

describe('browser family from the user agent (the string itself is dropped)', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.127 Safari/537.36',
      'Chrome',
      '126.0',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0.2592.87',
      'Edge',
      '126.0',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0', 'Firefox', '127.0'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari',
      '17.5',
    ],
  ])('%s', (ua, family, version) => expect(browserOf(ua)).toEqual({ family, version }));
});

describe('role matrix (docs/access.md)', () => {
  const p = (role: Principal['role'], accounts = ['acc_1']): Principal => ({ sub: 's', role, accounts });
  for (const [op, roles] of Object.entries(OPERATIONS)) {
    for (const role of ROLES) {
      const allowed = (roles as readonly string[]).includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${op}`, () => {
        const run = () =>
          authorize(p(role, role === 'admin' ? ['*'] : ['acc_1']), op as keyof typeof OPERATIONS, 'acc_1');
        if (allowed) expect(run).not.toThrow();
        else expect(run).toThrow(DomainError);
      });
    }
  }
  it('nobody but an all-accounts principal reaches another account', () => {
    for (const role of ROLES) expect(() => authorize(p(role), 'accounts:read', 'acc_2')).toThrow(/not allowed/);
  });
});

describe('CSV cells', () => {
  it('quote a semicolon, so spreadsheets in semicolon locales keep the cell whole', async () => {
    const { csvLine } = await import('#core/csv.ts');
    expect(csvLine(['a;b', 'plain', '=1+1'])).toBe('"a;b",plain,\'=1+1\r\n');
  });
});
