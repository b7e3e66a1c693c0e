import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  ConditionalCheckFailedException,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { systemClock } from '#core/clock.ts';
import { conflict } from '#core/errors.ts';
import type { ErasureInput, ErasurePorts, ErasureReceipt, ErasureStatus } from '#core/erasure.ts';
import type { ErasureRecord } from '#core/management.ts';
import { daysAfter, ERASURE_RECORD_DAYS, TOMBSTONE_DAYS } from '#core/retention.ts';
import { usersPk } from '#core/shards.ts';
import { ENV, USER_INDEX } from '#core/schema.ts';
import { getAccount } from './accounts-store.ts';
import { appendAudit } from './audit-store.ts';
import { dynamo, env, s3 } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs } from './items.ts';
import { platform } from './platform.ts';
import { usersStore } from './users-store.ts';

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException';

/**
 * Erasure requests live in the Accounts table: ACCOUNT#a/ERASURE#id (status, receipt) and ERASURE#id/META (→ account).
 */
export async function recordErasureRequest(input: ErasureInput): Promise<void> {
  const table = env(ENV.accountsTable);
  const expiresAt = daysAfter(input.requestedAt, ERASURE_RECORD_DAYS);
  await retryable('erasures', () =>
    dynamo().send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({
          pk: `ACCOUNT#${input.accountId}`,
          sk: `ERASURE#${input.requestId}`,
          ...input,
          status: 'requested',
          expiresAt,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  ).catch((e) => {
    if (!isConditionFailure(e)) throw e;
  });
  await retryable('erasures', () =>
    dynamo().send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk: `ERASURE#${input.requestId}`, sk: 'META', accountId: input.accountId, expiresAt }),
      }),
    ),
  );
}

export async function getErasure(requestId: string): Promise<ErasureRecord | undefined> {
  const table = env(ENV.accountsTable);
  const ptr = await dynamo().send(
    new GetItemCommand({
      TableName: table,
      Key: marshall({ pk: `ERASURE#${requestId}`, sk: 'META' }),
      ConsistentRead: true,
    }),
  );
  if (!ptr.Item) return undefined;
  const { accountId } = itemAs<{ accountId: string }>(ptr.Item);
  const row = await dynamo().send(
    new GetItemCommand({
      TableName: table,
      Key: marshall({ pk: `ACCOUNT#${accountId}`, sk: `ERASURE#${requestId}` }),
      ConsistentRead: true,
    }),
  );
  if (!row.Item) return undefined;
  const { pk: _pk, sk: _sk, expiresAt: _e, ...rest } = itemAs<ErasureRecord & { expiresAt?: number }>(row.Item);
  return rest;
}

async function pool<T>(items: T[], concurrency: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

/** Records a request as cancelled, unless it has ended meanwhile (then the cancel is refused: 409). */
export async function markCancelled(rec: ErasureInput, nowMs: number): Promise<void> {
  try {
    await retryable('erasures', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.accountsTable),
          Key: marshall({ pk: `ACCOUNT#${rec.accountId}`, sk: `ERASURE#${rec.requestId}` }),
          UpdateExpression: 'SET #status = :c, cancelledAt = :t',
          ConditionExpression: '#status IN (:requested, :running)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({
            ':c': 'cancelled',
            ':t': nowMs,
            ':requested': 'requested',
            ':running': 'running',
          }),
        }),
      ),
    );
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException')
      throw conflict('the request ended before it could be cancelled');
    throw e;
  }
}

/**
 * A cancelled erasure's tombstone goes: a row that was only a tombstone is deleted, a user's row loses the mark (its
 * label, removed with the tombstone, comes back with the user's next event).
 */
export async function liftTombstone(accountId: string, userKey: string): Promise<void> {
  const Key = marshall({ pk: usersPk(accountId, userKey), sk: userKey });
  const table = env(ENV.usersTable);
  const send = (cmd: DeleteItemCommand | UpdateItemCommand) =>
    retryable('users', () => dynamo().send(cmd)).catch((e: Error) => {
      if (e.name !== 'ConditionalCheckFailedException') throw e;
    });
  await send(
    new DeleteItemCommand({
      TableName: table,
      Key,
      ConditionExpression: 'tombstoneOnly = :y',
      ExpressionAttributeValues: marshall({ ':y': true }),
    }),
  );
  await send(
    new UpdateItemCommand({
      TableName: table,
      Key,
      UpdateExpression: 'REMOVE erasing',
      ConditionExpression: 'attribute_exists(erasing)',
    }),
  );
}

export const erasurePorts: ErasurePorts = {
  clock: systemClock,
  accountExists: async (accountId) => !!(await getAccount(accountId)),
  recordRequest: recordErasureRequest,
  async auditStart(input, nowMs) {
    await appendAudit({
      actor: 'erasure-workflow',
      role: 'admin',
      operation: 'erasure:request',
      accountId: input.accountId,
      subject: input.userKey,
      outcome: 'ok',
      at: nowMs,
      detail: { step: 'started', requestId: input.requestId, requestedBy: input.requestedBy },
    });
  },
  async setStatus(input: ErasureInput, status: ErasureStatus, extra: Record<string, unknown> = {}) {
    const values: Record<string, unknown> = {
      ':s': status,
      ':cancelled': 'cancelled',
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])),
    };
    const sets = ['#status = :s', ...Object.keys(extra).map((k) => `${k} = :${k}`)];
    await retryable('erasures', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.accountsTable),
          Key: marshall({ pk: `ACCOUNT#${input.accountId}`, sk: `ERASURE#${input.requestId}` }),
          UpdateExpression: `SET ${sets.join(', ')}`,
          // a cancelled request stays cancelled: a step that was running when it was stopped cannot overwrite it
          ConditionExpression: 'attribute_not_exists(#status) OR #status <> :cancelled',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      ),
    );
  },
  async writeTombstone(accountId, userKey, nowMs) {
    // Keeps only the hash: the label (the identifier itself) is removed at once.
    const out = await retryable('users', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: usersPk(accountId, userKey), sk: userKey }),
          UpdateExpression: 'SET erasing = :t, expiresAt = :e REMOVE #label',
          ExpressionAttributeNames: { '#label': 'label' },
          ExpressionAttributeValues: marshall({ ':t': nowMs, ':e': daysAfter(nowMs, TOMBSTONE_DAYS) }),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    const old = out.Attributes ? itemAs<{ tombstoneOnly?: boolean }>(out.Attributes) : undefined;
    if (old && !old.tombstoneOnly) return true;
    // No user row before: the tombstone row is marked as such, so a re-run still knows there was none.
    await retryable('users', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: usersPk(accountId, userKey), sk: userKey }),
          UpdateExpression: 'SET tombstoneOnly = :y',
          ExpressionAttributeValues: marshall({ ':y': true }),
        }),
      ),
    );
    return false;
  },
  async eraseLinked(userKey, limit, concurrency) {
    const table = env(ENV.interactionsTable);
    const page = await retryable('interactions', () =>
      dynamo().send(
        new QueryCommand({
          TableName: table,
          IndexName: USER_INDEX,
          KeyConditionExpression: 'userKey = :k',
          ExpressionAttributeValues: marshall({ ':k': userKey }),
          ProjectionExpression: 'pk, sk',
          Limit: limit,
        }),
      ),
    );
    let changed = 0;
    const errors: unknown[] = [];
    await pool(page.Items ?? [], concurrency, async (key) => {
      try {
        await dynamo().send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'REMOVE userKey, #user',
            ConditionExpression: 'userKey = :k',
            ExpressionAttributeNames: { '#user': 'user' },
            ExpressionAttributeValues: marshall({ ':k': userKey }),
          }),
        );
        changed++;
      } catch (e) {
        if (!isConditionFailure(e)) errors.push(e); // a condition failure = already erased (index lag or a re-run)
      }
    });
    if (errors.length && changed === 0) await retryable('interactions', () => Promise.reject(errors[0]));
    return { changed, failed: errors.length };
  },
  async countLinked(userKey) {
    let total = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await retryable('interactions', () =>
        dynamo().send(
          new QueryCommand({
            TableName: env(ENV.interactionsTable),
            IndexName: USER_INDEX,
            KeyConditionExpression: 'userKey = :k',
            ExpressionAttributeValues: marshall({ ':k': userKey }),
            Select: 'COUNT',
            ExclusiveStartKey: start,
          }),
        ),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return total;
  },
  async deleteUser(accountId, userKey) {
    const out = await retryable('users', () =>
      dynamo().send(
        new DeleteItemCommand({
          TableName: env(ENV.usersTable),
          Key: marshall({ pk: usersPk(accountId, userKey), sk: userKey }),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return !!out.Attributes;
  },
  userExists: async (accountId, userKey) => !!(await usersStore.getUser(accountId, userKey)),
  async appendLedger(input, nowMs) {
    // One object per erasure; a restore re-applies every entry newer than the export it loads (P9).
    const key = `erasure-ledger/${input.accountId}/${String(nowMs).padStart(14, '0')}-${input.requestId}.json`;
    const { sdk, client } = await s3();
    await retryable('backup bucket', () =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: env(ENV.backupBucket),
          Key: key,
          ContentType: 'application/json',
          Body: JSON.stringify({
            requestId: input.requestId,
            accountId: input.accountId,
            userKey: input.userKey,
            erasedAt: nowMs,
          }),
        }),
      ),
    );
  },
  async writeReceipt(receipt: ErasureReceipt) {
    await appendAudit({
      actor: 'erasure-workflow',
      role: 'admin',
      operation: 'erasure:request',
      accountId: receipt.accountId,
      subject: receipt.userKey,
      outcome: 'ok',
      at: receipt.completedAt,
    });
  },
  async notify(input, receipt) {
    const account = await getAccount(input.accountId);
    if (!account) return;
    await platform().sendMail({
      to: account.adminEmail,
      subject: `Lethe: erasure ${receipt.requestId} completed`,
      text: `The erasure request ${receipt.requestId} for account ${receipt.accountId} is complete and verified.\n\nInteractions whose identity was removed: ${receipt.interactionsErased}\nUser record deleted: ${receipt.userRowDeleted ? 'yes' : 'no (none existed)'}\nStarted: ${new Date(receipt.startedAt).toISOString()}\nCompleted: ${new Date(receipt.completedAt).toISOString()}\n\nThis receipt names the person only by a keyed hash: ${receipt.userKey}\n`,
    });
  },
};
