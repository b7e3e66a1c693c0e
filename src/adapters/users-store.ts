import { GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { InteractionItem } from '#core/ingest.ts';
import { daysAfter, MAX_RETENTION_DAYS, RESTRICTION_DAYS } from '#core/retention.ts';
import { ENV, USER_INDEX, USER_LABEL_INDEX } from '#core/schema.ts';
import type { Page, UserRow, UsersPorts } from '#core/users.ts';
import { dynamo, env } from './aws.ts';
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

export const usersStore: Omit<UsersPorts, 'clock' | 'getAccount' | 'audit'> = {
  async usersByLabelPrefix(accountId, prefix, limit) {
    const out = await retryable('users', () =>
      dynamo().send(
        new QueryCommand({
          TableName: env(ENV.usersTable),
          IndexName: USER_LABEL_INDEX,
          KeyConditionExpression: 'pk = :a AND begins_with(#label, :p)',
          ExpressionAttributeNames: { '#label': 'label' },
          ExpressionAttributeValues: marshall({ ':a': accountId, ':p': prefix }),
          Limit: limit,
        }),
      ),
    );
    return itemsAs<UserRow>(out.Items).map((u) => ({ ...u, userKey: u.sk }));
  },
  async getUser(accountId, userKey) {
    const out = await retryable('users', () =>
      dynamo().send(
        new GetItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: accountId, sk: userKey }),
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
    page(
      {
        TableName: env(ENV.interactionsTable),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': `${accountId}#${applicationId}` }),
        ScanIndexForward: false,
        Limit: limit,
      },
      cursor,
    ),
  async setDoNotTrack(accountId, userKey, on, nowMs) {
    // Restricted: the row keeps only the hash, the flag and when it lapses (RESTRICTION_DAYS; setting it again renews
    // it).
    await retryable('users', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: accountId, sk: userKey }),
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
