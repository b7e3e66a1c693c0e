import { type AttributeValue, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mergePages, type Position } from '#core/fan-out.ts';
import { dynamo } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemsAs } from './items.ts';

function decode(cursor: string | undefined, sources: number): Position[] {
  if (cursor) {
    try {
      const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(p) && p.length === sources) return p as Position[];
    } catch {
      /* a cursor from elsewhere: start over */
    }
  }
  return Array.from({ length: sources }, () => undefined);
}

/**
 * One page of a query spread over several partition keys (src/core/shards.ts), merged in one order; the cursor
 * carries every key's position.
 */
export async function fannedPage<T extends object>(o: {
  what: string;
  keys: string[];
  query: (pk: string) => Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>;
  limit: number;
  cursor?: string;
  order: (item: T) => string;
  descending: boolean;
  keyOf: (item: T) => Record<string, unknown>;
}): Promise<{ items: T[]; cursor?: string }> {
  const previous = decode(o.cursor, o.keys.length);
  const pages = await Promise.all(
    o.keys.map(async (pk, i) => {
      const from = previous[i];
      if (from === null) return undefined;
      const out = await retryable(o.what, () =>
        dynamo().send(
          new QueryCommand({
            ...o.query(pk),
            Limit: o.limit,
            ExclusiveStartKey: from ? (marshall(from) as Record<string, AttributeValue>) : undefined,
          }),
        ),
      );
      return { items: itemsAs<T>(out.Items), more: out.LastEvaluatedKey !== undefined };
    }),
  );
  const merged = mergePages(pages, previous, o);
  return {
    items: merged.items,
    cursor: merged.done ? undefined : Buffer.from(JSON.stringify(merged.positions)).toString('base64url'),
  };
}
