import { GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { InteractionItem } from '#core/ingest.ts';
import { daysAfter, MAX_RETENTION_DAYS, RESTRICTION_DAYS } from '#core/retention.ts';
import { ENV, USER_INDEX, USER_LABEL_INDEX } from '#core/schema.ts';
import type { Page, UserRow, UsersPorts } from '#core/users.ts';
import { interactionsPks, usersPk, usersPks } from '#core/shards.ts';
import { dynamo, env } from './aws.ts';
import { fannedPage } from './fan-out-query.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs, itemsAs } from './items.ts';

const encodeCursor = (k?: Record<string, AttributeValue>) =>
  k ? Buffer.from(JSON.stringify(unmarshall(k) as unknown)).toString('base64url') : undefined;
function decodeCursor(c?: string): Record<string, AttributeValue> | undefined {
  if (!c) return undefined;
  try {
    return marshall(JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

async function page(
  input: ConstructorParameters<typeof QueryCommand>[0],
  cursor: string | undefined,
): Promise<Page<InteractionItem>> {
  const out = await retryable('interactions', () =>
    dynamo().send(new QueryCommand({ ...input, ExclusiveStartKey: decodeCursor(cursor) })),
  );
  return { items: itemsAs<InteractionItem>(out.Items), cursor: encodeCursor(out.LastEvaluatedKey) };
}

export const usersStore: Omit<UsersPorts, 'clock' | 'getAccount' | 'audit' | 'storeExport' | 'exportLink'> = {
  async usersByLabelPrefix(accountId, prefix, limit) {
    // the byLabel index is keyed like the rows: one query per shard, merged by label
    const { items } = await fannedPage<UserRow & { sk: string; pk: string }>({
      what: 'users',
      keys: usersPks(accountId),
      query: (pk) => ({
        TableName: env(ENV.usersTable),
        IndexName: USER_LABEL_INDEX,
        KeyConditionExpression: 'pk = :a AND begins_with(#label, :p)',
        ExpressionAttributeNames: { '#label': 'label' },
        ExpressionAttributeValues: marshall({ ':a': pk, ':p': prefix }),
      }),
      limit,
      order: (u) => u.label ?? '',
      descending: false,
      keyOf: (u) => ({ pk: u.pk, sk: u.sk, label: u.label }),
    });
    return items.map((u) => ({ ...u, userKey: u.sk }));
  },
  async getUser(accountId, userKey) {
    const out = await retryable('users', () =>
      dynamo().send(
        new GetItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: usersPk(accountId, userKey), sk: userKey }),
          ConsistentRead: true,
        }),
      ),
    );
    if (!out.Item) return undefined;
    const u = itemAs<UserRow>(out.Item);
    return { ...u, userKey: u.sk };
  },
  interactionsOfUser: (userKey, cursor, limit) =>
    page(
      {
        TableName: env(ENV.interactionsTable),
        IndexName: USER_INDEX,
        KeyConditionExpression: 'userKey = :k',
        ExpressionAttributeValues: marshall({ ':k': userKey }),
        ScanIndexForward: false,
        Limit: limit,
      },
      cursor,
    ),
  interactionsOfApp: (accountId, applicationId, cursor, limit) =>
    fannedPage<InteractionItem>({
      what: 'interactions',
      keys: interactionsPks(accountId, applicationId),
      query: (pk) => ({
        TableName: env(ENV.interactionsTable),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': pk }),
        ScanIndexForward: false,
      }),
      limit,
      cursor,
      order: (i) => i.sk,
      descending: true,
      keyOf: (i) => ({ pk: i.pk, sk: i.sk }),
    }),
  async setDoNotTrack(accountId, userKey, on, nowMs) {
    // Restricted: the row keeps only the hash, the flag and when it lapses (RESTRICTION_DAYS; setting it again renews
    // it).
    await retryable('users', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: usersPk(accountId, userKey), sk: userKey }),
          ...(on
            ? {
                UpdateExpression:
                  'SET doNotTrack = :t, restrictedAt = :n, expiresAt = :e REMOVE #label, firstSeen, lastSeen',
                ExpressionAttributeNames: { '#label': 'label' },
                ExpressionAttributeValues: marshall({
                  ':t': true,
                  ':n': nowMs,
                  ':e': daysAfter(nowMs, RESTRICTION_DAYS),
                }),
              }
            : {
                UpdateExpression: 'SET doNotTrack = :f, expiresAt = :e REMOVE restrictedAt',
                ExpressionAttributeValues: marshall({ ':f': false, ':e': daysAfter(nowMs, MAX_RETENTION_DAYS) }),
              }),
        }),
      ),
    );
  },
};
