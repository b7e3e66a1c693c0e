import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergePages, type Position, type SourcePage } from '#core/fan-out.ts';
import { interactionsPk, SHARDS, shardOf, usersPk } from '#core/shards.ts';

describe('write sharding', () => {
  it('puts a retried event on the same key, and a user on one key', () => {
    expect(interactionsPk('acc_1', 'app_1', 'ev-42')).toBe(interactionsPk('acc_1', 'app_1', 'ev-42'));
    expect(usersPk('acc_1', 'acc_1#abc')).toBe(usersPk('acc_1', 'acc_1#abc'));
  });

  it('spreads random event ids evenly: no shard takes more than 1/8 of them', () => {
    const counts = new Array<number>(SHARDS.interactions).fill(0);
    for (let i = 0; i < 100_000; i++) counts[shardOf(crypto.randomUUID(), SHARDS.interactions)]!++;
    expect(Math.max(...counts) / 100_000).toBeLessThan(1 / 8);
    // and close to even (1/32 = 3.1 %)
    expect(Math.max(...counts) / 100_000).toBeLessThan(0.036);
  });
});

describe('paging over several partition keys (mergePages)', () => {
  /** Simulates DynamoDB queries over sorted sources, page by page, with the merge's positions. */
  function pageAll(sources: string[][], limit: number, descending: boolean): string[] {
    const sorted = sources.map((s) => [...s].sort((a, b) => (descending ? (a < b ? 1 : -1) : a < b ? -1 : 1)));
    let positions: Position[] = sources.map(() => undefined);
    const out: string[] = [];
    for (let guard = 0; guard < 10_000; guard++) {
      const pages = sorted.map((s, i): SourcePage<string> | undefined => {
        const p = positions[i];
        if (p === null) return undefined;
        const start = p === undefined ? 0 : s.indexOf(p.sk as string) + 1;
        const items = s.slice(start, start + limit);
        return { items, more: start + limit < s.length };
      });
      const m = mergePages(pages, positions, {
        limit,
        order: (x) => x,
        descending,
        keyOf: (x) => ({ sk: x }),
      });
      out.push(...m.items);
      positions = m.positions;
      if (m.done) return out;
    }
    throw new Error('no end');
  }

  it('returns every item exactly once, in order, whatever the page size', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (all, nSources, limit, descending) => {
          const sources = Array.from({ length: nSources }, (_, i) => all.filter((_, j) => j % nSources === i));
          const expected = [...all].sort((a, b) => (descending ? (a < b ? 1 : -1) : a < b ? -1 : 1));
          expect(pageAll(sources, limit, descending)).toEqual(expected);
        },
      ),
    );
  });
});
