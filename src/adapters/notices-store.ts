import { randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { systemClock } from '#core/clock.ts';
import { digestDay, type FindingRow, type NoticeAccount, type NoticeMessage, type NoticePorts } from '#core/notices.ts';
import { daysAfter, NOTICE_RECORD_DAYS } from '#core/retention.ts';
import { ENV } from '#core/schema.ts';
import { dynamo, env, sqs } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs, itemsAs } from './items.ts';
import { platform } from './platform.ts';
import { scanEvery } from './scan.ts';

/**
 * Findings notices in the Accounts table: the finding row's `noticedAt` (its first notice taken), a day's digest
 * marker (ACCOUNT#a / DIGEST#day, gone after a week) and the notices sent (ACCOUNT#a / NOTICE#time#id).
 */
const table = () => env(ENV.accountsTable);
const pk = (accountId: string) => `ACCOUNT#${accountId}`;
const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException';

export const noticePorts: NoticePorts = {
  clock: systemClock,
  get consoleUrl() {
    return env(ENV.consoleUrl);
  },
  async getAccount(accountId) {
    const out = await retryable('accounts', () =>
      dynamo().send(
        new GetItemCommand({
          TableName: table(),
          Key: marshall({ pk: pk(accountId), sk: 'META' }),
          ProjectionExpression: '#n, creatorEmail, adminEmail, noticeContacts',
          ExpressionAttributeNames: { '#n': 'name' },
        }),
      ),
    );
    return out.Item ? { ...itemAs<Omit<NoticeAccount, 'accountId'>>(out.Item), accountId } : undefined;
  },
  async finding(accountId, kind, detector) {
    const out = await retryable('findings', () =>
      dynamo().send(
        new GetItemCommand({
          TableName: table(),
          Key: marshall({ pk: pk(accountId), sk: `FINDING#${kind}#${detector}` }),
        }),
      ),
    );
    return out.Item ? itemAs<FindingRow>(out.Item) : undefined;
  },
  async findingsSeenSince(accountId, sinceMs) {
    const out = await retryable('findings', () =>
      dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
          FilterExpression: 'lastSeen >= :since',
          ExpressionAttributeValues: marshall({ ':pk': pk(accountId), ':f': 'FINDING#', ':since': sinceMs }),
        }),
      ),
    );
    return itemsAs<FindingRow>(out.Items);
  },
  async claim(accountId, what, nowMs) {
    const key = { pk: pk(accountId), sk: what };
    try {
      if (what.startsWith('FINDING#'))
        await retryable('notices', () =>
          dynamo().send(
            new UpdateItemCommand({
              TableName: table(),
              Key: marshall(key),
              UpdateExpression: 'SET noticedAt = :t',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(noticedAt)',
              ExpressionAttributeValues: marshall({ ':t': nowMs }),
            }),
          ),
        );
      else
        await retryable('notices', () =>
          dynamo().send(
            new PutItemCommand({
              TableName: table(),
              Item: marshall({ ...key, at: nowMs, expiresAt: daysAfter(nowMs, 7) }),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  },
  async release(accountId, what) {
    const Key = marshall({ pk: pk(accountId), sk: what });
    if (what.startsWith('FINDING#'))
      await retryable('notices', () =>
        dynamo().send(new UpdateItemCommand({ TableName: table(), Key, UpdateExpression: 'REMOVE noticedAt' })),
      );
    else await retryable('notices', () => dynamo().send(new DeleteItemCommand({ TableName: table(), Key })));
  },
  send: (to, subject, text) => platform().sendMail({ to, subject, text }),
  async recordNotice(accountId, notice) {
    const sk = `NOTICE#${String(notice.sentAt).padStart(14, '0')}#${randomBytes(4).toString('hex')}`;
    await retryable('notices', () =>
      dynamo().send(
        new PutItemCommand({
          TableName: table(),
          Item: marshall(
            { pk: pk(accountId), sk, ...notice, expiresAt: daysAfter(notice.sentAt, NOTICE_RECORD_DAYS) },
            { removeUndefinedValues: true },
          ),
        }),
      ),
    );
  },
};

/** The notices sent to an account (its console's Notices page), newest first. */
export async function findingNoticesFor(accountId: string) {
  const out = await retryable('notices', () =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :n)',
        ExpressionAttributeValues: marshall({ ':pk': pk(accountId), ':n': 'NOTICE#' }),
        ScanIndexForward: false,
        Limit: 200,
      }),
    ),
  );
  return itemsAs<{ type: string; sentAt: number; subject: string; findings: unknown[] }>(out.Items).map((n) => ({
    type: n.type,
    sentAt: new Date(n.sentAt).toISOString(),
    subject: n.subject,
    findings: n.findings,
  }));
}

/** Puts notice messages on the notification queue (10 a call). */
export async function enqueueNotices(messages: NoticeMessage[]): Promise<void> {
  if (!messages.length) return;
  const { sdk, client } = await sqs();
  for (let i = 0; i < messages.length; i += 10)
    await retryable('notification queue', () =>
      client.send(
        new sdk.SendMessageBatchCommand({
          QueueUrl: env(ENV.notificationQueue),
          Entries: messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) })),
        }),
      ),
    );
}

/** The daily schedule: one digest message per account with a finding seen in the last 24 hours. */
export async function queueDigests(nowMs = systemClock.nowMs()): Promise<number> {
  const rows = await scanEvery<object>('findings', {
    TableName: table(),
    FilterExpression: 'begins_with(sk, :f) AND lastSeen >= :since',
    ExpressionAttributeValues: marshall({ ':f': 'FINDING#', ':since': nowMs - 86_400_000 }),
    ProjectionExpression: 'pk',
  });
  const accounts = new Set(rows.map((r) => r.pk.slice('ACCOUNT#'.length)));
  const day = digestDay(nowMs);
  await enqueueNotices([...accounts].map((accountId) => ({ type: 'digest' as const, accountId, day })));
  return accounts.size;
}
