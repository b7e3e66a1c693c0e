import { QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { metrics } from './observability.ts';
import { systemClock } from '#core/clock.ts';
import type { AccountSummary, AuditQuery, ItemPage, ItemRef, RetentionPorts } from '#core/retention-audit.ts';
import { DEFAULT_RETENTION_DAYS, type RetentionCeiling, type RetentionFloor } from '#core/retention.ts';
import { interactionsPks, timeSortKey, usersPks } from '#core/shards.ts';
import { ENV, USER_EXPIRY_INDEX } from '#core/schema.ts';
import { appendAudit } from './audit-store.ts';
import { revokeAccount } from './people-store.ts';
import { dynamo, env } from './aws.ts';
import { batchWrite } from './interactions-store.ts';
import { retryable } from './dynamo-errors.ts';
import { itemsAs, type Keyed } from './items.ts';

/** What the auditor reads of an item: when its retention counts from, and its own expiry. */
interface Timed {
  ts?: number;
  lastSeen?: number;
  erasing?: number;
  expiresAt?: number;
}

/** A query page by page from `from` (a LastEvaluatedKey), each page with where the next starts. */
async function* pages(
  input: ConstructorParameters<typeof QueryCommand>[0],
  place: string,
  tsOf: (r: Timed) => number | undefined,
  from?: Record<string, AttributeValue>,
): AsyncIterable<{ items: ItemRef[]; next?: Record<string, AttributeValue> }> {
  let start = from;
  do {
    const out = await retryable(place, () => dynamo().send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    start = out.LastEvaluatedKey;
    yield {
      items: itemsAs<Timed>(out.Items).map((r) => ({
        place,
        key: { pk: r.pk, sk: r.sk },
        ts: tsOf(r),
        expiresAt: r.expiresAt,
      })),
      next: start,
    };
  } while (start);
}

/** Where a sharded item type stands: which of its partition keys, and where in it. */
interface ShardPosition {
  k: number;
  start?: Record<string, AttributeValue>;
}

/**
 * The pages of every partition key in turn, resumable from a position (the auditor's checkpoint). With
 * `identityKeys` the sort keys are identities: a checkpoint may only fall between partition keys.
 */
async function* acrossKeys(
  pks: string[],
  from: unknown,
  query: (pk: string, start?: Record<string, AttributeValue>) => ReturnType<typeof pages>,
  identityKeys = false,
): AsyncIterable<ItemPage> {
  const pos = (from as ShardPosition | undefined) ?? { k: 0 };
  for (let k = pos.k; k < pks.length; k++) {
    for await (const page of query(pks[k]!, k === pos.k ? pos.start : undefined)) {
      const next: ShardPosition | undefined = page.next
        ? { k, start: page.next }
        : k + 1 < pks.length
          ? { k: k + 1 }
          : undefined;
      yield { items: page.items, next, canStopHere: !(identityKeys && page.next) };
    }
  }
}

/** Where each account-retention item type of the data map lives, and what its retention counts from. */
const sources: Record<string, { table: string; query(a: AccountSummary, q: AuditQuery): AsyncIterable<ItemPage> }> = {
  'interactions.event': {
    table: ENV.interactionsTable,
    // the sort key begins with the event time: only what is older than the cutoff is read (O(expired))
    query: (a, q) =>
      acrossKeys(
        a.applicationIds.flatMap((app) => interactionsPks(a.accountId, app)),
        q.from,
        (pk, start) =>
          pages(
            {
              TableName: env(ENV.interactionsTable),
              KeyConditionExpression: q.olderThanMs === undefined ? 'pk = :pk' : 'pk = :pk AND sk < :cut',
              ExpressionAttributeValues: marshall({
                ':pk': pk,
                // at or before the cutoff
                ...(q.olderThanMs !== undefined && { ':cut': timeSortKey(q.olderThanMs + 1) }),
              }),
              ProjectionExpression: 'pk, sk, ts, expiresAt',
            },
            'interactions.event',
            (r) => r.ts,
            start,
          ),
      ),
  },
  'users.user': {
    table: ENV.usersTable,
    // a user row's time is its last sighting; a tombstone or a restriction keeps only the hash and lives by its
    // expiresAt. Keyed by the identity's hash, so the byExpiry index is read: only the rows whose expiry has come
    // (or, after a shortening of retention, may be due under the shorter one): O(expired).
    query: (a, q) =>
      acrossKeys(
        usersPks(a.accountId),
        q.from,
        (pk, start) =>
          pages(
            {
              TableName: env(ENV.usersTable),
              ...(q.expiresBy === undefined
                ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': pk }) }
                : {
                    IndexName: USER_EXPIRY_INDEX,
                    KeyConditionExpression: 'pk = :pk AND expiresAt <= :e',
                    ExpressionAttributeValues: marshall({ ':pk': pk, ':e': q.expiresBy }),
                  }),
              ProjectionExpression: 'pk, sk, expiresAt, lastSeen, erasing',
            },
            'users.user',
            (r) => (r.erasing ? undefined : r.lastSeen),
            start,
          ),
        true,
      ),
  },
  'accounts.finding': {
    table: ENV.accountsTable,
    query: (a, q) =>
      acrossKeys([`ACCOUNT#${a.accountId}`], q.from, (pk, start) =>
        pages(
          {
            TableName: env(ENV.accountsTable),
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
            ExpressionAttributeValues: marshall({ ':pk': pk, ':f': 'FINDING#' }),
            ProjectionExpression: 'pk, sk, expiresAt, lastSeen',
          },
          'accounts.finding',
          (r) => r.lastSeen,
          start,
        ),
      ),
  },
};

/** The item types the auditor can reach (a test holds this to the data map). */
export const auditedPlaces = Object.keys(sources);

export const retentionPorts: RetentionPorts = {
  clock: systemClock,
  async listAccountIds(after) {
    // The account rows (sk = META) of the Accounts table, a small table of settings; a page at a time.
    const page = await retryable('accounts', () =>
      dynamo().send(
        new ScanCommand({
          TableName: env(ENV.accountsTable),
          ExclusiveStartKey: after ? (JSON.parse(after) as Record<string, AttributeValue>) : undefined,
          FilterExpression: 'begins_with(pk, :a) AND sk = :meta',
          ExpressionAttributeValues: marshall({ ':a': 'ACCOUNT#', ':meta': 'META' }),
          ProjectionExpression: 'pk',
        }),
      ),
    );
    return {
      accountIds: itemsAs<object>(page.Items).map((r) => r.pk.slice('ACCOUNT#'.length)),
      next: page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined,
    };
  },
  async accountSummary(accountId) {
    const rows: Array<
      Keyed & {
        status?: AccountSummary['status'];
        retentionDays?: number;
        retentionFloor?: RetentionFloor;
        retentionCeiling?: RetentionCeiling;
        deleteAfter?: number;
      }
    > = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await retryable('accounts', () =>
        dynamo().send(
          new QueryCommand({
            TableName: env(ENV.accountsTable),
            // the account's own partition (settings, applications, keys, findings: a few rows)
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${accountId}` }),
            ProjectionExpression: 'sk, #s, retentionDays, retentionFloor, retentionCeiling, deleteAfter',
            ExpressionAttributeNames: { '#s': 'status' },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        ),
      );
      rows.push(...itemsAs<(typeof rows)[number]>(out.Items));
      start = out.LastEvaluatedKey;
    } while (start);
    const meta = rows.find((r) => r.sk === 'META');
    if (!meta) return undefined;
    return {
      accountId,
      status: meta.status ?? 'active',
      retentionDays: meta.retentionDays ?? DEFAULT_RETENTION_DAYS,
      retentionFloor: meta.retentionFloor,
      retentionCeiling: meta.retentionCeiling,
      deleteAfter: meta.deleteAfter,
      applicationIds: rows.filter((r) => r.sk.startsWith('APP#')).map((r) => r.sk.slice(4)),
    };
  },
  itemsOf(place, account, q) {
    const source = sources[place];
    if (!source) throw new Error(`retention auditor: no source for the data map's ${place}`);
    return source.query(account, q);
  },
  async deleteItems(items) {
    for (const [place, source] of Object.entries(sources)) {
      const mine = items.filter((i) => i.place === place);
      if (mine.length)
        await batchWrite(
          env(source.table),
          mine.map((i) => ({ DeleteRequest: { Key: marshall(i.key) } })),
        );
    }
  },
  async deleteAccountRecords(accountId) {
    const table = env(ENV.accountsTable);
    const rows: Array<{ pk: string; sk: string }> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await retryable('accounts', () =>
        dynamo().send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${accountId}` }),
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const r of itemsAs<{ browserKey?: string }>(page.Items)) {
        rows.push({ pk: r.pk, sk: r.sk });
        // the lookups that point into this account: agent keys, browser keys, erasure requests
        if (r.sk.startsWith('KEYREF#')) rows.push({ pk: `KEY#${r.sk.slice(7)}`, sk: 'META' });
        if (r.sk.startsWith('APP#') && r.browserKey) rows.push({ pk: `BKEY#${r.browserKey}`, sk: 'META' });
        if (r.sk.startsWith('ERASURE#')) rows.push({ pk: `ERASURE#${r.sk.slice(8)}`, sk: 'META' });
        // its people leave the customers' pool (or keep only their other accounts)
        if (r.sk.startsWith('PERSON#')) await revokeAccount(r.sk.slice(7), accountId);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    if (rows.length)
      await batchWrite(
        table,
        rows.map((k) => ({ DeleteRequest: { Key: marshall(k) } })),
      );
    return rows.length;
  },
  async writeReceipt(receipt) {
    await appendAudit({
      actor: 'retention-auditor',
      role: 'admin',
      operation: 'accounts:terminate',
      accountId: receipt.accountId,
      outcome: 'ok',
      at: receipt.completedAt,
      detail: { ...receipt },
    });
  },
  async publishMetric(name, value) {
    (await metrics()).addMetric(name, 'Count', value);
  },
};
