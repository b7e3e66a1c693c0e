/**
 * Write sharding (docs/capacity.md): where one partition key would carry a whole tenant's load, the key gets a shard
 * suffix. DynamoDB serves at most 1,000 write units/s and 3,000 read units/s per partition key, and does not split
 * a key whose writes always land at the end of its sort order (time-ordered events do).
 *
 * - Interactions: `account#application#shard`, the shard from the event id: a retried event lands on the same key
 *   (idempotency holds), and one application's events spread over SHARDS.interactions keys.
 * - Users: `account#shard`, the shard from the userKey: every read and write of one user names its key directly;
 *   listing an account's users (search, retention) reads every shard.
 * - Audit: `account#shard`, the shard from the record's own random suffix.
 *
 * The per-user index of Interactions (userKey → events, for access, export and erasure) is not sharded: one user's
 * events are one query. The shard counts are part of the key layout: changing one needs a migration of stored
 * items (nothing is deployed yet).
 */
export const SHARDS = { interactions: 32, users: 64, audit: 8 } as const;

/** FNV-1a (32 bit) of a string's UTF-16 code units: fast, stable and well spread for ids and hashes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const shardOf = (key: string, shards: number): number => fnv1a(key) % shards;

const all = (shards: number) => Array.from({ length: shards }, (_, i) => i);

export const interactionsPk = (accountId: string, applicationId: string, eventId: string): string =>
  `${accountId}#${applicationId}#${shardOf(eventId, SHARDS.interactions)}`;
/** Every partition key of one application's events. */
export const interactionsPks = (accountId: string, applicationId: string): string[] =>
  all(SHARDS.interactions).map((s) => `${accountId}#${applicationId}#${s}`);

export const usersPk = (accountId: string, userKey: string): string => `${accountId}#${shardOf(userKey, SHARDS.users)}`;
/** Every partition key of one account's user rows (also the keys of the byLabel index). */
export const usersPks = (accountId: string): string[] => all(SHARDS.users).map((s) => `${accountId}#${s}`);

/** `scope` is an account id or GLOBAL; `sk` the record's own sort key (time#random). */
export const auditPk = (scope: string, sk: string): string => `${scope}#${shardOf(sk, SHARDS.audit)}`;
export const auditPks = (scope: string): string[] => all(SHARDS.audit).map((s) => `${scope}#${s}`);

/** The time part of a time-ordered sort key (Interactions, Audit): epoch ms, zero-padded so keys sort by time. */
export const timeSortKey = (ms: number): string => String(ms).padStart(14, '0');
