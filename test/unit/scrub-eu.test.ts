import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECTORS } from '#core/scrub/detectors.ts';
import { type FIELD_KINDS, scrub } from '#core/scrub/engine.ts';

/** EU shapes (issue 18): national identifiers with their check digits, e-mail and phone forms, keyed secrets. */
const golden: Array<{
  detector: string;
  set: 'positive' | 'negative';
  kind: (typeof FIELD_KINDS)[number];
  input: string;
  value: string;
  detectors: string[];
}> = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../golden/eu.json'), 'utf8'));

describe('labelled positives and negatives per detector (test/golden/eu.json)', () => {
  for (const g of golden)
    it(`${g.detector} ${g.set}: ${g.input}`, () => {
      const r = scrub(g.kind, g.input);
      expect(r.value).toBe(g.value);
      expect([...r.detectors].sort()).toEqual(g.detectors);
    });

  it('has at least two of each for every national identifier and the keyed secret', () => {
    const names = DETECTORS.map((d) => d.name).filter((n) => n.startsWith('national-id-') && !/-(ee|us)$/.test(n));
    for (const name of [...names, 'keyed-secret']) {
      expect(golden.filter((g) => g.detector === name && g.set === 'positive').length, name).toBeGreaterThanOrEqual(2);
      expect(golden.filter((g) => g.detector === name && g.set === 'negative').length, name).toBeGreaterThanOrEqual(2);
    }
  });
});

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const date = fc.date({ min: new Date('1930-01-01'), max: new Date('2019-12-31'), noInvalidDate: true });
const two = (n: number) => String(n).padStart(2, '0');

/** Generators of valid identifiers: each computes its own check digit the way the issuing authority does. */
const pesel = fc.tuple(date, digits(4)).map(([d, serial]) => {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1 + (y >= 2000 ? 20 : 0);
  const body = `${two(y % 100)}${two(m)}${two(d.getUTCDate())}${serial}`;
  const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i]!, 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
});
const bsn = digits(8)
  .map((body) => {
    const sum = [...body].reduce((a, c, i) => a + Number(c) * (9 - i), 0);
    return { body, check: sum % 11 };
  })
  .filter((x) => x.check < 10 && x.body[0] !== '0')
  .map((x) => `${x.body}${x.check}`);
const dni = fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => `${n}${'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}`);
const pps = digits(7).map((body) => {
  const r = [...body].reduce((a, c, i) => a + Number(c) * (8 - i), 0) % 23;
  return `${body}${r === 0 ? 'W' : String.fromCharCode(64 + r)}`;
});
const nir = fc
  .tuple(fc.constantFrom('1', '2'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), digits(8))
  .map(([sex, yy, mm, rest]) => {
    const body = `${sex}${two(yy)}${two(mm)}${rest}`;
    let rem = 0;
    for (const c of body) rem = (rem * 10 + Number(c)) % 97;
    return `${body}${two(97 - rem)}`;
  });
const personnummer = fc.tuple(date, digits(3)).map(([d, serial]) => {
  const body = `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${serial}`;
  const sum = [...body].reduce((a, c, i) => {
    const n = Number(c) * (i % 2 === 0 ? 2 : 1);
    return a + (n > 9 ? n - 9 : n);
  }, 0);
  return `${body.slice(0, 6)}-${body.slice(6)}${(10 - (sum % 10)) % 10}`;
});
const hetu = fc.tuple(date, fc.integer({ min: 2, max: 899 })).map(([d, n]) => {
  const y = d.getUTCFullYear();
  const body = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(y % 100)}`;
  const nnn = String(n).padStart(3, '0');
  return `${body}${y >= 2000 ? 'A' : '-'}${nnn}${'0123456789ABCDEFHJKLMNPRSTUVWXY'[Number(body + nnn) % 31]}`;
});

/** A check digit changed to every other value: the look-alike must not be that identifier. */
const otherChecks = (v: string, alphabet: string) =>
  [...alphabet].filter((c) => c !== v.at(-1)).map((c) => v.slice(0, -1) + c);

const cases: Array<[string, fc.Arbitrary<string>, string, string]> = [
  ['national-id-pl', pesel, '0123456789', 'PESEL'],
  ['national-id-nl', bsn, '0123456789', 'BSN'],
  ['national-id-es', dni, 'TRWAGMYFPDXBNJZSQVHLCKE', 'DNI'],
  ['national-id-ie', pps, 'ABCDEFGHIJKLMNOPQRSTUVW', 'PPS'],
  ['national-id-fr', nir, '0123456789', 'NIR'],
  ['national-id-se', personnummer, '0123456789', 'pnr'],
  ['national-id-fi', hetu, '0123456789ABCDEFHJKLMNPRSTUVWXY', 'hetu'],
];

describe('property: every valid identifier is removed; the same with another check digit is not that identifier', () => {
  for (const [detector, arb, alphabet, label] of cases)
    it(detector, () => {
      fc.assert(
        fc.property(arb, (v) => {
          const r = scrub('label', `${label} ${v} rejected`);
          expect(r.value).toBe(`${label} {national-id} rejected`);
          for (const w of otherChecks(v, alphabet))
            expect(scrub('label', `${label} ${w} rejected`).detectors).not.toContain(detector);
        }),
        { numRuns: 60 },
      );
    });
});

describe('property: e-mail addresses of any script and spelling are removed whole', () => {
  const local = fc.string({
    unit: fc.constantFrom(...'abcxyzäöüßéèçñøåæłśźżčšžõ.0123456789'),
    minLength: 1,
    maxLength: 16,
  });
  const at = fc.constantFrom('@', '＠', '%40');
  const host = fc.string({ unit: fc.constantFrom(...'abcxyzäöüñ'), minLength: 2, maxLength: 10 });
  it('removes every character of the address, whatever the @ and the letters', () => {
    fc.assert(
      fc.property(local, at, host, fc.constantFrom('de', 'fr', 'ee', 'com'), (l, a, h, tld) => {
        fc.pre(/^[^.]/.test(l) && !l.endsWith('.'));
        const r = scrub('label', `Send to ${l}${a}${h}.${tld} now`);
        expect(r.value).toBe('Send to {email} now');
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: international phone numbers, with + or 00, a (0) trunk digit and any separator', () => {
  it('are removed whole', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('+49', '0049', '+33', '0033', '+372', '00372', '+44'),
        fc.boolean(),
        fc.constantFrom(' ', '.', '-'),
        digits(3),
        digits(4),
        (cc, trunk, sep, a, b) => {
          const phone = `${cc}${sep}${trunk ? '(0)' : ''}${a}${sep}${b}`;
          expect(scrub('label', `Call ${phone} today`).value).toBe('Call {phone} today');
        },
      ),
      { numRuns: 200 },
    );
  });
});
