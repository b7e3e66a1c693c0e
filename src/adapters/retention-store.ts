import { QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { metrics } from './observability.ts';
import { systemClock } from '#core/clock.ts';
import type { AccountSummary, ItemRef, RetentionPorts } from '#core/retention-audit.ts';
import { interactionsPks, usersPks } from '#core/shards.ts';
import { ENV } from '#core/schema.ts';
import { appendAudit } from './audit-store.ts';
import { dynamo, env } from './aws.ts';
import { batchWrite } from './interactions-store.ts';
import { retryable } from './dynamo-errors.ts';
import { itemsAs } from './items.ts';

/** What the auditor reads of an item: when its retention counts from, and its own expiry. */
interface Timed {
  ts?: number;
  lastSeen?: number;
  erasing?: number;
  expiresAt?: number;
}

async function* pages(
  input: ConstructorParameters<typeof QueryCommand>[0],
  place: string,
  tsOf: (r: Timed) => number | undefined,
): AsyncIterable<ItemRef[]> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await retryable(place, () => dynamo().send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    yield itemsAs<Timed>(out.Items).map((r) => ({
      place,
      key: { pk: r.pk, sk: r.sk },
      ts: tsOf(r),
      expiresAt: r.expiresAt,
    }));
    start = out.LastEvaluatedKey;
  } while (start);
}

async function* concat<T>(sources: Array<AsyncIterable<T>>): AsyncIterable<T> {
  for (const s of sources) yield* s;
}

/** Where each account-retention item type of the data map lives, and what its retention counts from. */
const sources: Record<string, { table: string; query(a: AccountSummary): AsyncIterable<ItemRef[]> }> = {
  'interactions.event': {
    table: ENV.interactionsTable,
    query: (a) =>
      concat(
        a.applicationIds.flatMap((app) =>
          interactionsPks(a.accountId, app).map((pk) =>
            pages(
              {
                TableName: env(ENV.interactionsTable),
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: marshall({ ':pk': pk }),
                ProjectionExpression: 'pk, sk, ts, expiresAt',
              },
              'interactions.event',
              (r) => r.ts,
            ),
          ),
        ),
      ),
  },
  'users.user': {
    table: ENV.usersTable,
    // a user row's time is its last sighting; a tombstone or a restriction keeps only the hash and lives by its
    // expiresAt
    query: (a) =>
      concat(
        usersPks(a.accountId).map((pk) =>
          pages(
            {
              TableName: env(ENV.usersTable),
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: marshall({ ':pk': pk }),
              ProjectionExpression: 'pk, sk, expiresAt, lastSeen, erasing',
            },
            'users.user',
            (r) => (r.erasing ? undefined : r.lastSeen),
          ),
        ),
      ),
  },
  'accounts.finding': {
    table: ENV.accountsTable,
    query: (a) =>
      pages(
        {
          TableName: env(ENV.accountsTable),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
          ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${a.accountId}`, ':f': 'FINDING#' }),
          ProjectionExpression: 'pk, sk, expiresAt, lastSeen',
        },
        'accounts.finding',
        (r) => r.lastSeen,
      ),
  },
};

/** The item types the auditor can reach (a test holds this to the data map). */
export const auditedPlaces = Object.keys(sources);

export const retentionPorts: RetentionPorts = {
  clock: systemClock,
  async listAccounts() {
    // The account rows (sk = META, pk = ACCOUNT#…) of the Accounts table; a small table of settings.
    const out: AccountSummary[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await retryable('accounts', () =>
        dynamo().send(
          new ScanCommand({
            TableName: env(ENV.accountsTable),
            ExclusiveStartKey: start,
            FilterExpression: 'begins_with(pk, :a) AND (sk = :meta OR begins_with(sk, :app))',
            ExpressionAttributeValues: marshall({ ':a': 'ACCOUNT#', ':meta': 'META', ':app': 'APP#' }),
            ProjectionExpression: 'pk, sk, #s, retentionDays, deleteAfter',
            ExpressionAttributeNames: { '#s': 'status' },
          }),
        ),
      );
      for (const r of itemsAs<{ status?: AccountSummary['status']; retentionDays?: number; deleteAfter?: number }>(
        page.Items,
      )) {
        const accountId = r.pk.slice('ACCOUNT#'.length);
        let a = out.find((x) => x.accountId === accountId);
        if (!a) {
          a = { accountId, status: 'active', retentionDays: 90, applicationIds: [] };
          out.push(a);
        }
        if (r.sk === 'META')
          Object.assign(a, {
            status: r.status ?? 'active',
            retentionDays: r.retentionDays ?? 90,
            deleteAfter: r.deleteAfter,
          });
        else a.applicationIds.push(r.sk.slice(4));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  },
  itemsOf(place, account) {
    const source = sources[place];
    if (!source) throw new Error(`retention auditor: no source for the data map's ${place}`);
    return source.query(account);
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
