import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** Every stored item has its keys; the rest is what the item type of the data map says (src/core/data-map.ts). */
export interface Keyed {
  pk: string;
  sk: string;
}

/**
 * A stored item, read back as the type its writer gave it. DynamoDB hands back untyped attributes; each store
 * names the shape of its item types once, here at the boundary, so no `any` flows further.
 */
export const itemAs = <T extends object>(item: Record<string, AttributeValue>): T & Keyed =>
  unmarshall(item) as T & Keyed;
export const itemsAs = <T extends object>(items: Array<Record<string, AttributeValue>> | undefined): Array<T & Keyed> =>
  (items ?? []).map((i) => itemAs<T>(i));
