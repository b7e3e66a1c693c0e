import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { RetryableError } from '#core/errors.ts';
import type { FindingCount, InteractionItem, UserTouch } from '#core/ingest.ts';
import { ENV } from '#core/schema.ts';
import { usersPk } from '#core/shards.ts';
import { dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs } from './items.ts';

const MAX_ROUNDS = 6;

/** BatchWriteItem in chunks of 25, in parallel, re-sending unprocessed items with backoff. */
export async function batchWrite(tableName: string, requests: WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending = chunk;
      for (let round = 0; pending.length; round++) {
        if (round === MAX_ROUNDS) throw new RetryableError(`${tableName}: writes were not processed (throttled)`);
        if (round) await sleep(Math.min(1000, 25 * 2 ** round) * (0.5 + Math.random()));
        const out = await retryable(tableName, () =>
          dynamo().send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } })),
        );
        pending = out.UnprocessedItems?.[tableName] ?? [];
      }
    }),
  );
}

/** Idempotent: the key is (account#application#shard of the event id, time#eventId): a retry overwrites itself. */
export async function storeInteractions(items: InteractionItem[]): Promise<void> {
  if (!items.length) return;
  await batchWrite(
    env(ENV.interactionsTable),
    items.map((i) => ({ PutRequest: { Item: marshall(i, { removeUndefinedValues: true }) } })),
  );
}

export async function restrictedUsers(accountId: string, userKeys: string[]): Promise<Set<string>> {
  const table = env(ENV.usersTable);
  const restricted = new Set<string>();
  for (let i = 0; i < userKeys.length; i += 100) {
    let keys = userKeys.slice(i, i + 100).map((k) => marshall({ pk: usersPk(accountId, k), sk: k }));
    for (let round = 0; keys.length; round++) {
      if (round === MAX_ROUNDS) throw new RetryableError('users: reads were not processed (throttled)');
      const out = await retryable('users', () =>
        dynamo().send(
          new BatchGetItemCommand({
            RequestItems: {
              [table]: { Keys: keys, ProjectionExpression: 'sk, doNotTrack, erasing', ConsistentRead: true },
            },
          }),
        ),
      );
      for (const raw of out.Responses?.[table] ?? []) {
        const u = itemAs<{ doNotTrack?: boolean; erasing?: number }>(raw);
        if (u.doNotTrack || u.erasing) restricted.add(u.sk);
      }
      keys = (out.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keys;
    }
  }
  return restricted;
}

/**
 * Upserts a user's row: first/last seen and expiry follow the newest event; never resurrects a restricted or erasing
 * row's label.
 */
export async function touchUsers(users: UserTouch[]): Promise<void> {
  const table = env(ENV.usersTable);
  await Promise.all(
    users.map(async (u) => {
      try {
        await retryable('users', () =>
          dynamo().send(
            new UpdateItemCommand({
              TableName: table,
              Key: marshall({ pk: usersPk(u.accountId, u.userKey), sk: u.userKey }),
              UpdateExpression:
                'SET #label = :label, lastSeen = :t, expiresAt = :e, firstSeen = if_not_exists(firstSeen, :t)',
              ConditionExpression:
                '(attribute_not_exists(lastSeen) OR lastSeen < :t) AND attribute_not_exists(erasing) AND (attribute_not_exists(doNotTrack) OR doNotTrack = :false)',
              ExpressionAttributeNames: { '#label': 'label' },
              ExpressionAttributeValues: marshall({
                ':label': u.label,
                ':t': u.lastSeen,
                ':e': u.expiresAt,
                ':false': false,
              }),
            }),
          ),
        );
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException) && (e as Error).name !== 'ConditionalCheckFailedException')
          throw e;
      }
    }),
  );
}

export async function recordFindings(
  accountId: string,
  findings: FindingCount[],
  nowMs: number,
  expiresAt: number,
): Promise<FindingCount[]> {
  const table = env(ENV.accountsTable);
  const before = await Promise.all(
    findings.map((f) =>
      retryable('findings', () =>
        dynamo().send(
          new UpdateItemCommand({
            TableName: table,
            Key: marshall({ pk: `ACCOUNT#${accountId}`, sk: `FINDING#${f.kind}#${f.detector}` }),
            UpdateExpression:
              'ADD #count :n SET lastSeen = :t, firstSeen = if_not_exists(firstSeen, :t), example = :ex, kind = :k, detector = :d, expiresAt = :e',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: marshall({
              ':n': f.count,
              ':t': nowMs,
              ':ex': f.example.slice(0, 300),
              ':k': f.kind,
              ':d': f.detector,
              ':e': expiresAt,
            }),
            ReturnValues: 'UPDATED_OLD',
          }),
        ),
      ),
    ),
  );
  // new: the row had no first sighting before this write
  return findings.filter((_, i) => before[i]!.Attributes?.firstSeen === undefined);
}
