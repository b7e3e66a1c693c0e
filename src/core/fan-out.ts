/**
 * One page of a listing that is spread over several partition keys (src/core/shards.ts), in one order: each source
 * is read from where the previous page left it, the pages are merged, and the first `limit` items are taken. The
 * positions say, per source, where the next page starts (`undefined`: at its beginning, `null`: it is exhausted).
 */
export type Position = Record<string, unknown> | null | undefined;

export interface SourcePage<T> {
  items: T[];
  /** the source has items after these */
  more: boolean;
}

export interface Merged<T> {
  items: T[];
  positions: Position[];
  /** every source is exhausted */
  done: boolean;
}

export function mergePages<T>(
  pages: Array<SourcePage<T> | undefined>,
  previous: Position[],
  opts: { limit: number; order: (item: T) => string; descending: boolean; keyOf: (item: T) => Record<string, unknown> },
): Merged<T> {
  const tagged = pages.flatMap((p, source) => (p ? p.items.map((item) => ({ item, source })) : []));
  const sign = opts.descending ? -1 : 1;
  tagged.sort((a, b) => {
    const x = opts.order(a.item);
    const y = opts.order(b.item);
    return x === y ? 0 : x < y ? -sign : sign;
  });
  const taken = tagged.slice(0, opts.limit);
  const positions = pages.map((p, i): Position => {
    if (!p) return null; // not read: it was exhausted already
    const mine = taken.filter((t) => t.source === i);
    const all = mine.length === p.items.length;
    if (all && !p.more) return null;
    return mine.length ? opts.keyOf(mine[mine.length - 1]!.item) : previous[i];
  });
  return { items: taken.map((t) => t.item), positions, done: positions.every((p) => p === null) };
}
