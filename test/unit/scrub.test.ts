import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTORS, detect, ibanValid, inert, isikukoodValid, luhn } from '#core/scrub/detectors.ts';
import { FIELD_KINDS, scrub } from '#core/scrub/engine.ts';
import {
  asciiFold,
  exactCategoryOf,
  fold,
  CLEAR,
  PLAIN,
  SPECIAL_CATEGORIES,
  specialCategoryOf,
  termPrefilter,
  termWords,
} from '#core/scrub/special.ts';
import { buildTermAutomaton, decodeTermAutomaton, termAutomatonModule } from '#core/scrub/term-automaton.ts';
import { compilePattern, loadPatternEngine, PatternError } from '#core/scrub/patterns.ts';

// ---- generators of personal data ----
const alnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 2,
  maxLength: 10,
});
const email = fc
  .tuple(alnum, alnum, fc.constantFrom('com', 'org', 'ee', 'de', 'fr', 'io'))
  .map(([u, d, t]) => `${u}.${u}@${d}.${t}`);
const withLuhn = (digits: number[]) => {
  const sum = digits
    .slice()
    .reverse()
    .reduce((s, d, i) => s + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
};
const card = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 })
  .map((d) => withLuhn([4, ...d.slice(1)]));
const ipv4 = fc
  .tuple(fc.integer({ min: 11, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
  .map((p) => p.join('.'));
const phone = fc
  .tuple(
    fc.constantFrom('+372', '+49', '+33', '+44', '+1'),
    fc.integer({ min: 100, max: 999 }),
    fc.integer({ min: 1000, max: 9999 }),
    fc.integer({ min: 100, max: 999 }),
  )
  .map(([c, a, b, d]) => `${c} ${a} ${b} ${d}`);
const jwt = fc
  .tuple(fc.base64String({ minLength: 12, maxLength: 40 }), fc.base64String({ minLength: 12, maxLength: 40 }))
  .map(([a, b]) => `eyJhbGciOiJIUzI1NiJ9.eyJ${a.replace(/[+/=]/g, 'x')}.${b.replace(/[+/=]/g, 'y')}`);
const iban = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 16 }).map((d) => {
  const bban = d.join('');
  const num = BigInt(
    `${bban}${'EE'
      .split('')
      .map((c) => c.charCodeAt(0) - 55)
      .join('')}00`,
  );
  const check = String(98n - (num % 97n)).padStart(2, '0');
  return `EE${check}${bban}`;
});
const uuid = fc.uuid();
const token = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ'), minLength: 8, maxLength: 8 }),
    fc.string({ unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyz'), minLength: 12, maxLength: 20 }),
    fc.string({ unit: fc.constantFrom(...'23456789'), minLength: 12, maxLength: 16 }),
  )
  .map(([a, b, c]) => `${a}${c}${b}`);

const context = fc.constantFrom('', 'Error for ', 'user ', 'value: ', '[', '(', 'x=');
const suffix = fc.constantFrom('', ' failed', '.', ')', ']', ' at checkout');

describe('property: personal data placed anywhere in a free-text field is gone', () => {
  const cases: Array<[string, fc.Arbitrary<string>]> = [
    ['e-mail', email],
    ['payment card', card],
    ['IPv4', ipv4],
    ['phone', phone],
    ['JWT', jwt],
    ['IBAN', iban],
    ['secret token', token],
  ];
  for (const [name, gen] of cases) {
    for (const kind of ['label', 'error'] as const) {
      it(`${name} in ${kind}`, () => {
        fc.assert(
          fc.property(gen, context, suffix, (value, pre, post) => {
            const r = scrub(kind, `${pre}${value}${post}`);
            expect(r.value).not.toContain(value);
          }),
          { numRuns: 150 },
        );
      });
    }
  }

  it('e-mails, cards, UUIDs and long ids in URL paths and query values (also percent-encoded)', () => {
    fc.assert(
      fc.property(email, card, uuid, fc.integer({ min: 1_000_000, max: 2 ** 40 }), (e, c, u, n) => {
        const url = `https://shop.example.com/users/${encodeURIComponent(e)}/orders/${n}/items/${u}?ref=${encodeURIComponent(e)}&card=${c}&page=2`;
        const r = scrub('url', url);
        // an address that names a special category (aa@gay.com) drops the whole field: tested on its own below
        fc.pre(r.specialCategory === undefined);
        for (const v of [e, encodeURIComponent(e), c, u, String(n)]) expect(r.value).not.toContain(v);
        expect(r.value).toMatch(
          /^https:\/\/shop\.example\.com\/users\/\{email\}\/orders\/\{id\}\/items\/\{id\}\?ref=\{email\}&card=\{id\}&page=2$/,
        );
      }),
      { numRuns: 150 },
    );
  });

  it("a raw '+' in a URL: a phone's prefix and an e-mail's plus-address are read as written, not as a space", () => {
    // unencoded '+' is itself in a path (RFC 3986) and in hand-built queries; read as a space it hid the number
    expect(scrub('url', 'https://x.example.com/call/+4915112345678').value).toBe('https://x.example.com/call/{phone}');
    expect(scrub('url', 'https://x.example.com/a/tel:+372 5123 4567').value).toBe(
      'https://x.example.com/a/tel:{phone}',
    );
    expect(scrub('url', 'https://x.example.com/a?x=+372%205123%204567').value).toBe(
      'https://x.example.com/a?x={phone}',
    );
    // "john.doe+shop@…" read as "john.doe shop@…" left the local part's head behind
    for (const v of ['john.doe+shop@gmail.com', 'john.doe+shop%40gmail.com'])
      expect(scrub('url', `https://x.example.com/a?ref=${v}&p=2`).value).toBe(
        'https://x.example.com/a?ref={email}&p=2',
      );
    // form encoding stays form encoding: a '+' between words is a space, "%2B" a plus
    expect(scrub('url', 'https://x.example.com/s?x=hello+world').value).toBe('https://x.example.com/s?x=hello+world');
    expect(scrub('url', 'https://x.example.com/s?x=%2B372+5123+4567').value).toBe('https://x.example.com/s?x={phone}');
    // linear: a long run of '+' between local-part characters is read once
    const long = `https://x.example.com/s?x=${'a+'.repeat(50_000)}b@x.de`;
    expect(scrub('url', long).value).toBe('https://x.example.com/s?x={email}');
  });

  it('e-mails and numbers in SQL literals', () => {
    fc.assert(
      fc.property(email, fc.integer({ min: 0, max: 1e9 }), (e, n) => {
        const r = scrub('query', `UPDATE users SET email = '${e}', visits = ${n} WHERE id = ${n}`);
        expect(r.value).toBe('UPDATE users SET email = ?, visits = ? WHERE id = ?');
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: benign monitoring values come out unchanged', () => {
  const traceId = fc.stringMatching(/^[0-9a-f]{32}$/);
  const spanId = fc.stringMatching(/^[0-9a-f]{16}$/);
  const sha = fc.stringMatching(/^[0-9a-f]{40}$/);
  const iso = fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString());
  const version = fc.tuple(fc.nat(30), fc.nat(99), fc.nat(999)).map((v) => `v${v.join('.')}`);
  const small = fc.integer({ min: 0, max: 99_999 }).map(String);
  const status = fc.integer({ min: 100, max: 599 }).map(String);
  const duration = fc.integer({ min: 0, max: 60_000 }).map((n) => `${n}ms`);
  const frame = fc
    .tuple(
      fc.constantFrom('at Object.handler', 'at processTicksAndRejections', 'at Checkout.render'),
      fc.constantFrom('/app/dist/index.js', 'node:internal/process/task_queues', '/srv/app/server.js'),
      fc.nat(5000),
      fc.nat(200),
    )
    .map(([f, p, l, c]) => `${f} (${p}:${l}:${c})`);
  const benign = fc.oneof(traceId, spanId, sha, iso, version, small, status, duration, frame);

  for (const kind of FIELD_KINDS) {
    it(`in ${kind}`, () => {
      fc.assert(
        fc.property(benign, (v) => {
          const value =
            kind === 'url' || kind === 'service-url'
              ? `https://api.example.com/v2/orders/${v.replace(/[ ()]/g, '')}?page=3`
              : kind === 'query'
                ? `SELECT * FROM t WHERE ${'c'} = ?`
                : `Request ${v} done`;
          expect(scrub(kind, value).value).toBe(value);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('checksums', () => {
  it('Luhn, IBAN mod-97 and the Estonian isikukood check digit', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(ibanValid('EE382200221020145685')).toBe(true);
    expect(ibanValid('EE382200221020145686')).toBe(false);
    expect(isikukoodValid('37605030299')).toBe(true);
    expect(isikukoodValid('37605030298')).toBe(false);
  });
  it('a 16-digit number that fails Luhn is not a card', () => {
    expect(scrub('label', 'order 4111111111111112').value).toBe('order 4111111111111112');
  });
});

describe('special categories are never stored (P5)', () => {
  const hits: Array<[string, string]> = [
    ['HIV test results', 'health'],
    ['Schwangerschaft Vorsorge', 'health'],
    ['résultats grossesse', 'health'],
    ['rasedus ja sünnitus', 'health'],
    ['Select your religion', 'religious-or-philosophical-beliefs'],
    ['Konfession: katholisch', 'religious-or-philosophical-beliefs'],
    ['musulman pratiquant', 'religious-or-philosophical-beliefs'],
    ['Gewerkschaft beitreten', 'trade-union-membership'],
    ['adhésion syndicat', 'trade-union-membership'],
    ['ametiühingu liige', 'trade-union-membership'],
    ['sexual orientation', 'sex-life-or-sexual-orientation'],
    ['orientation sexuelle', 'sex-life-or-sexual-orientation'],
    ['criminal record check', 'criminal-convictions'],
    ['casier judiciaire', 'criminal-convictions'],
    ['karistusregister päring', 'criminal-convictions'],
    ['Upload fingerprint scan', 'genetic-or-biometric-data'],
    ['origine ethnique', 'racial-or-ethnic-origin'],
    ['political party membership', 'political-opinions'],
    ['erakonna liige', 'political-opinions'],
  ];
  for (const [text, category] of hits) {
    it(`"${text}" → ${category}, field dropped`, () => {
      expect(specialCategoryOf(text)).toBe(category);
      expect(scrub('label', text)).toMatchObject({ value: undefined, specialCategory: category });
    });
  }
  it('ordinary labels pass', () => {
    for (const t of [
      'Add to cart',
      'Checkout',
      'Union of sets',
      'Cancel',
      'Crab cakes',
      'Party size',
      'Save draft',
      'Open record 12',
    ])
      expect(specialCategoryOf(t)).toBeUndefined();
  });
  it('in a URL (percent-encoded too)', () => {
    expect(scrub('url', 'https://clinic.example/booking?topic=hiv%20test').value).toBeUndefined();
  });
});

describe('per-account rules', () => {
  beforeAll(loadPatternEngine);

  it('extra patterns, allow-listed parameters and the redaction method', () => {
    const rules = { extraPatterns: [{ name: 'member-no', pattern: 'M-\\d{6}' }], allowParams: ['q'] };
    expect(scrub('label', 'member M-123456 logged in', rules).value).toBe('member {member-no} logged in');
    expect(scrub('url', '/search?q=red+shoes&email=a@b.co', rules).value).toBe('/search?q=red+shoes&email={email}');
    expect(scrub('label', 'mail a@b.co', { method: 'remove' }).value).toBe('mail ');
    expect(scrub('label', 'mail a@b.co', { method: 'mask' }).value).toBe('mail a*****');
    const k = Buffer.from('k');
    const h1 = scrub('label', 'mail a@b.co', { method: 'hash', hashKey: k }).value;
    expect(h1).toMatch(/^mail \{email:[0-9a-f]{10}\}$/);
    expect(scrub('label', 'again a@b.co', { method: 'hash', hashKey: k }).value).toBe(h1!.replace('mail', 'again'));
  });

  it('run on RE2: a pattern that backtracks catastrophically in JavaScript finishes (a JS RegExp would take hours here)', () => {
    const rules = { extraPatterns: [{ name: 'as', pattern: '(a+)+$' }] };
    expect(scrub('label', `${'a'.repeat(40)}!`, rules).value).toBe(`${'a'.repeat(40)}!`);
    expect(scrub('label', 'aaaa', rules).value).toBe('{as}');
  });

  it('refuse what RE2 cannot run and what matches the empty string', () => {
    for (const p of ['(?=a)b', '(a)\\1', 'z*', 'a|', '\\b', '(?m)^'])
      expect(() => compilePattern(p), p).toThrow(PatternError);
    for (const p of ['M-\\d{6}', '(a+)+$', '[0-9]{4,}', '(?i)secret']) expect(() => compilePattern(p), p).not.toThrow();
  });

  it('may not inflate a field: past twice its length (or 256 characters more) the field becomes the placeholder', () => {
    const rules = { extraPatterns: [{ name: 'letter', pattern: '[a-z]' }] };
    expect(scrub('label', 'ab', rules).value).toBe('{letter}{letter}');
    const long = 'x'.repeat(1000);
    expect(scrub('label', long, rules).value).toBe('{letter}');
  });
});

describe('labelled corpus (test/golden/scrub.json): every detector, benign controls and special categories per field kind', () => {
  const corpus: Array<{
    kind: (typeof FIELD_KINDS)[number];
    input: string;
    value: string | null;
    detectors: string[];
    specialCategory?: string;
  }> = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../golden/scrub.json'), 'utf8'));
  for (const c of corpus) {
    it(`[${c.kind}] ${c.input.slice(0, 70)}`, () => {
      const r = scrub(c.kind, c.input);
      expect(r.value ?? null).toBe(c.value);
      expect([...r.detectors].sort()).toEqual(c.detectors);
      expect(r.specialCategory).toBe(c.specialCategory);
    });
  }
  it('covers every built-in detector (with the EU set, test/golden/eu.json)', () => {
    const eu: Array<{ detectors: string[] }> = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, '../golden/eu.json'), 'utf8'),
    );
    const fired = new Set([...corpus, ...eu].flatMap((c) => c.detectors));
    for (const d of DETECTORS) expect(fired, d.name).toContain(d.name);
  });
});

describe('property: overlapping and loosely delimited values', () => {
  const digits = (n: number) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  it('a phone number that starts inside a password value is removed with it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcXYZ019?='), minLength: 1, maxLength: 12 }),
        digits(3),
        digits(4),
        digits(4),
        (pw, a, b, c) => {
          const phone = `(0${a}) ${b} ${c}`;
          const out = scrub('error', `login password=${pw}${phone} rejected`).value!;
          expect(out).not.toContain(`${b} ${c}`);
          expect(out.endsWith(' rejected')).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
  it('a bearer token is removed even when its keyword ended a password value', () => {
    fc.assert(
      fc.property(token, (t) => {
        expect(scrub('label', `password=x?q=Bearer ${t.slice(0, 30)}`).value).not.toContain(t.slice(0, 30));
      }),
      { numRuns: 100 },
    );
  });
  it('IBANs with letters in the account part (NL, GB) are found', () => {
    const ibanOf = (country: string, bban: string) => {
      const num = BigInt([...`${bban}${country}00`].map((c) => (c >= 'A' ? String(c.charCodeAt(0) - 55) : c)).join(''));
      return `${country}${String(98n - (num % 97n)).padStart(2, '0')}${bban}`;
    };
    const bank = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(bank, digits(10), digits(14), (b, nl, gb) => {
        for (const iban of [ibanOf('NL', b + nl), ibanOf('GB', b + gb)])
          expect(scrub('label', `pay ${iban} now`).value).toBe('pay {iban} now');
      }),
      { numRuns: 100 },
    );
  });
});

describe('special categories in percent-encoded and accented text', () => {
  it('escapes of separators are read as separators, escapes of letters and accents are decoded first', () => {
    expect(specialCategoryOf('topic=trade%20union')).toBe('trade-union-membership');
    expect(specialCategoryOf('q=trade%2Bunion')).toBe('trade-union-membership');
    expect(specialCategoryOf('q=h%49v')).toBe('health');
    expect(specialCategoryOf('q=grossesse%C3%A9')).toBeUndefined(); // "grossessee" is not a term
    expect(specialCategoryOf('r%C3%A9sultats grossesse')).toBe('health');
    expect(specialCategoryOf('F%C3%BChrungszeugnis beantragen')).toBe('criminal-convictions');
    expect(specialCategoryOf('hivé')).toBeUndefined(); // one word with an accented letter, not "hiv"
    expect(specialCategoryOf('100% sure')).toBeUndefined();
  });
  it('property: folding text beyond ASCII character by character gives the words of folding it whole', () => {
    // the scan reads words: runs of ASCII letters and digits, in any case
    const words = (t: string) =>
      t
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
    const piece = fc.oneof(
      fc.constantFrom(
        'hiv',
        'Grossesse',
        'trade',
        ' ',
        '%',
        '%20',
        '-',
        'é',
        'e\u0301',
        'Ü',
        'İ',
        'ß',
        'ﬁ',
        'Ⅻ',
        '＠',
        'Ａ',
      ),
      fc.constantFrom('𝐝𝐢𝐚𝐛𝐞𝐭𝐞𝐬', 'ǅ', 'ｓｃｈｗｕｌ', '\u0483', 'ø', 'ł', 'Œ', '½', '\ud800', '\udc00'),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const t = parts.join('');
        expect(words(asciiFold(t))).toEqual(words(fold(t).replace(/[^\p{ASCII}]|%/gu, ' ')));
      }),
      { numRuns: 5000 },
    );
    expect(specialCategoryOf('𝐝𝐢𝐚𝐛𝐞𝐭𝐞𝐬 é')).toBe('health'); // mathematical letters are letters after NFKD
  });
  it('the automaton in term-automaton.generated.ts is the one the terms build (npm run docs)', () => {
    const file = fs.readFileSync(
      path.join(import.meta.dirname, '../../src/core/scrub/term-automaton.generated.ts'),
      'utf8',
    );
    expect(file, 'stale: run npm run docs').toBe(termAutomatonModule(termWords()));
    const built = buildTermAutomaton(termWords());
    const decoded = decodeTermAutomaton(JSON.parse(/JSON\.parse\('(.*)'\)/.exec(file)![1]!));
    expect(decoded.table).toEqual(built.table);
    expect(decoded.final).toEqual(built.final);
  });
  it('property: the automaton clears no text in which the word scan finds a term', () => {
    const words = [...new Set(Object.values(SPECIAL_CATEGORIES).flatMap((t) => t.flatMap((x) => fold(x).split(' '))))];
    const piece = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...words) },
      fc.constantFrom(...words).map((w) => w.toUpperCase()),
      fc.constantFrom(...words).map((w) => w.slice(0, -1)),
      fc.constantFrom(' ', '  ', '-', '_', '%20', '%2B', '%', '%4', '%41', '%C3%A9', '+', '.', '2', 'x', 'é', '?q='),
      fc.constantFrom(
        '%C3',
        '%E9',
        '%C3%BC',
        '%E2%82%AC',
        '%F0%9F%98%80',
        '%ED%A0%80',
        '%C0%AF',
        'ﬁ',
        '𝐝',
        'Ä',
        '％',
        '＠',
      ),
    );
    let hits = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const t = parts.join('');
        const exact = exactCategoryOf(t);
        if (exact !== undefined) hits++;
        const p = termPrefilter(t);
        expect(exact === undefined || (p !== CLEAR && p !== PLAIN)).toBe(true);
        if (p === PLAIN) expect(/[@%]/.test(t)).toBe(false);
        expect(specialCategoryOf(t)).toBe(exact);
      }),
      { numRuns: 20_000 },
    );
    expect(hits).toBeGreaterThan(2000); // the generator makes texts with terms, not only texts without
    // a whole text that does not decode is folded undecoded: "hiv%C3%A9" then reads "hiv C3 A9"
    expect(specialCategoryOf('hiv%C3%A9 100% sure')).toBe('health');
    expect(specialCategoryOf('hiv%C3%A9 sure')).toBeUndefined();
    expect(termPrefilter('Saved j%C3%BCrgen.x%40m%C3%BCnchen.de')).toBe(CLEAR); // escaped letters beyond ASCII folded
    expect(termPrefilter('Build v1.2.3 trace 0123abcd')).toBe(PLAIN); // and it clears ordinary text
    expect(termPrefilter('Build v1.2.3 for a@b.de')).toBe(CLEAR); // (not PLAIN: it holds an e-mail sign)
  });
});

describe('text that no detector can match is passed over unscanned', () => {
  const replacer = { onMatch: (d: { label: string }) => `{${d.label}}` };
  it('property: whatever inert() accepts, the detectors leave unchanged', () => {
    // lower-case look-alikes of every detector's start, so that a detector which could match such text is found
    const piece = fc.constantFrom(
      'a',
      'z',
      '.',
      '-',
      '~',
      'eyj',
      'akia',
      'aiza',
      'sk-live-',
      'ghp-',
      'xox',
      'xoxb-',
      'bearer',
      'password',
      'home',
      'users',
      'de',
      'fe',
      'abcdef',
      'cafe',
      'qwertyuiopasdfghjklzxcvbnm',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 24 }).map((p) => p.join('')),
        (text) => {
          if (inert(text, 0, text.length)) expect(detect(text, replacer)).toBe(text);
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('secrets made of letters in a URL path are found (they passed as "plain words" before)', () => {
    expect(scrub('url', 'https://x.example.com/AKIAABCDEFGHIJKLMNOP/x').value).toBe('https://x.example.com/{secret}/x');
    expect(scrub('url', 'https://x.example.com/eyJabcdefgh.eyJabcdefgh./y').value).toBe(
      'https://x.example.com/{jwt}/y',
    );
    expect(scrub('url', 'https://x.example.com/a/xoxb-abcdefghijk').value).toBe('https://x.example.com/a/{secret}');
    expect(scrub('url', 'https://x.example.com/abcdefab-abcd-abcd-abcd-abcdefabcdef').value).toBe(
      'https://x.example.com/{id}',
    );
  });
  it("an account's patterns apply to every path segment and to the host", () => {
    const rules = { extraPatterns: [{ name: 'codename', pattern: 'projectx' }] };
    expect(scrub('url', 'https://projectx.example.com/projectx/y', rules).value).toBe(
      'https://{codename}.example.com/{codename}/y',
    );
  });
});

describe('queries', () => {
  it('a password column compared with a placeholder is not a password (the statement keeps its shape, no finding)', () => {
    for (const q of [
      'UPDATE users SET password = $1 WHERE id = $2',
      "UPDATE users SET password = 'hunter2' WHERE id = 7",
      'SELECT id FROM users WHERE pwd=?',
    ]) {
      const r = scrub('query', q);
      expect(r.value).toMatch(/(password|pwd) ?= ?\? WHERE|pwd=\?$/);
      expect(r.detectors).toEqual([]);
    }
    expect(scrub('label', 'password=? x').detectors).toEqual([]);
    expect(scrub('label', 'password=?x').value).toBe('password={password}');
  });
});
