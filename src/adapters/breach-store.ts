import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { metrics } from './observability.ts';
import type { BreachPorts, BreachRecord, MailSendError, NotificationMessage, Recipient } from '#core/breach.ts';
import { RetryableError } from '#core/errors.ts';
import { systemClock } from '#core/clock.ts';
import { BREACH_RECORD_DAYS, daysAfter } from '#core/retention.ts';
import { ENV } from '#core/schema.ts';
import { dynamo, env, sqs } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { batchWrite } from './interactions-store.ts';
import { itemsAs, type Keyed } from './items.ts';
import { platform } from './platform.ts';
import { scanEvery } from './scan.ts';

/**
 * Breaches live in the Accounts table, kept for the accountability period (BREACH_RECORD_DAYS) after the report:
 * BREACHES/<id> lists them,
 * BREACH#<id>/META holds the record, BREACH#<id>/RCPT#<account>#<email> one row per recipient.
 */
const table = () => env(ENV.accountsTable);
const rcptKey = (r: Pick<Recipient, 'breachId' | 'accountId' | 'email'>) => ({
  pk: `BREACH#${r.breachId}`,
  sk: `RCPT#${r.accountId}#${r.email ?? '-'}`,
});
const CLAIM_TIMEOUT_MS = 5 * 60_000;

async function queryAll<T extends object>(pk: string, prefix: string): Promise<Array<T & Keyed>> {
  const out: Array<T & Keyed> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await retryable('breaches', () =>
      dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: marshall({ ':pk': pk, ':p': prefix }),
          ExclusiveStartKey: start,
        }),
      ),
    );
    out.push(...itemsAs<T>(page.Items));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

async function getBreach(breachId: string): Promise<BreachRecord | undefined> {
  const rows = await queryAll<BreachRecord & { expiresAt?: number }>(`BREACH#${breachId}`, 'META');
  if (!rows[0]) return undefined;
  const { pk: _pk, sk: _sk, expiresAt: _e, ...record } = rows[0];
  return record as BreachRecord;
}

export const breachPorts: BreachPorts = {
  clock: systemClock,
  async contactsOf(accountIds) {
    const rows = await scanEvery<{ creatorEmail?: string; adminEmail?: string }>('accounts', {
      TableName: table(),
      FilterExpression: 'sk = :meta AND begins_with(pk, :a)',
      ExpressionAttributeValues: marshall({ ':meta': 'META', ':a': 'ACCOUNT#' }),
      ProjectionExpression: 'pk, creatorEmail, adminEmail',
    });
    const all = rows.map((r) => ({ accountId: r.pk.slice(8), creatorEmail: r.creatorEmail, adminEmail: r.adminEmail }));
    if (accountIds === 'all') return all;
    const byId = new Map(all.map((a) => [a.accountId, a]));
    // an account listed but unknown is still reported (as without contact), never skipped silently
    return accountIds.map((id) => byId.get(id) ?? { accountId: id });
  },
  async saveBreach(record, recipients) {
    // Kept for the accountability period after the report, then TTL (docs/data-map.md).
    const expiresAt = daysAfter(record.reportedAt, BREACH_RECORD_DAYS);
    await retryable('breaches', () =>
      dynamo().send(
        new PutItemCommand({
          TableName: table(),
          Item: marshall(
            { pk: `BREACH#${record.breachId}`, sk: 'META', ...record, expiresAt },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    await batchWrite(
      table(),
      recipients.map((r) => ({
        PutRequest: { Item: marshall({ ...rcptKey(r), ...r, expiresAt }, { removeUndefinedValues: true }) },
      })),
    );
    await retryable('breaches', () =>
      dynamo().send(
        new PutItemCommand({
          TableName: table(),
          Item: marshall({ pk: 'BREACHES', sk: record.breachId, open: true, deadline: record.deadline, expiresAt }),
        }),
      ),
    );
  },
  getBreach,
  async recipients(breachId) {
    return (await queryAll<Recipient & { expiresAt?: number }>(`BREACH#${breachId}`, 'RCPT#')).map(
      ({ pk: _pk, sk: _sk, expiresAt: _e, ...r }) => r,
    );
  },
  async openBreaches() {
    const open = (await queryAll<{ open: boolean }>('BREACHES', '')).filter((b) => b.open);
    const records = await Promise.all(open.map((b) => breachPorts.getBreach(b.sk)));
    return records.filter((r): r is BreachRecord => !!r);
  },
  async closeBreach(breachId) {
    await retryable('breaches', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall({ pk: 'BREACHES', sk: breachId }),
          UpdateExpression: 'SET #o = :f',
          ExpressionAttributeNames: { '#o': 'open' },
          ExpressionAttributeValues: marshall({ ':f': false }),
        }),
      ),
    );
  },
  async claim(r, nowMs) {
    try {
      await dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall(rcptKey(r)),
          UpdateExpression: 'SET #s = :sending, claimedAt = :now ADD attempts :one',
          ConditionExpression: '#s = :pending OR (#s = :sending AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: marshall({
            ':sending': 'sending',
            ':pending': 'pending',
            ':now': nowMs,
            ':stale': nowMs - CLAIM_TIMEOUT_MS,
            ':one': 1,
          }),
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException')
        return false;
      throw e;
    }
  },
  async markSent(r, messageId, sentAt) {
    await retryable('breaches', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall(rcptKey(r)),
          UpdateExpression: 'SET #s = :sent, messageId = :m, sentAt = :t REMOVE #e',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: marshall({ ':sent': 'sent', ':m': messageId, ':t': sentAt }),
        }),
      ),
    );
  },
  async markFailed(r, error, final) {
    await retryable('breaches', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall(rcptKey(r)),
          UpdateExpression: 'SET #s = :st, #e = :e',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: marshall({ ':st': final ? 'failed' : 'pending', ':e': error.slice(0, 500) }),
        }),
      ),
    );
  },
  async send(to, subject, text) {
    try {
      return await platform().sendMail({ to, subject, text });
    } catch (e) {
      const name = (e as Error).name;
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      const retryableError =
        name === 'TooManyRequestsException' ||
        name === 'LimitExceededException' ||
        name === 'ThrottlingException' ||
        status >= 500 ||
        status === 0;
      throw Object.assign(e as Error, {
        retryable: retryableError && name !== 'MessageRejected' && name !== 'AccountSuspendedException',
      }) as MailSendError;
    }
  },
  async escalate(subject, message, severity) {
    (await metrics()).addMetric(
      severity === 'critical' ? 'BreachRecipientsPastDeadline' : 'BreachRecipientsEscalated',
      'Count',
      message.split('\n').length,
    );
    (await metrics()).publishStoredMetrics();
    await platform().publishAlert(subject, message, severity);
  },
  async recipientsOf(breachId, accountId) {
    return (await queryAll<Recipient & { expiresAt?: number }>(`BREACH#${breachId}`, `RCPT#${accountId}#`)).map(
      ({ pk: _pk, sk: _sk, expiresAt: _e, ...r }) => r,
    );
  },
  async enqueue(messages) {
    const { sdk, client } = await sqs();
    const QueueUrl = env(ENV.notificationQueue);
    const batches: NotificationMessage[][] = [];
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
    // 10 messages a call, 16 calls at a time; an entry the queue refused is sent again, then the call fails (503)
    for (let i = 0; i < batches.length; i += 16)
      await Promise.all(
        batches.slice(i, i + 16).map(async (batch) => {
          let entries = batch.map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) }));
          for (let attempt = 0; entries.length; attempt++) {
            const out = await retryable('notification queue', () =>
              client.send(new sdk.SendMessageBatchCommand({ QueueUrl, Entries: entries })),
            );
            const failed = new Set((out.Failed ?? []).map((f) => f.Id));
            if (failed.size && attempt >= 3) throw new RetryableError('notification queue is unavailable');
            entries = entries.filter((e) => failed.has(e.Id));
            if (entries.length) await sleep(100 * 2 ** attempt);
          }
        }),
      );
  },
};

/** The breach notices addressed to one account (what its console shows). */
export async function noticesFor(accountId: string) {
  const ids = (await queryAll('BREACHES', '')).map((b) => b.sk);
  const out = [];
  for (const id of ids) {
    const rows = await queryAll<Recipient>(`BREACH#${id}`, `RCPT#${accountId}#`);
    if (!rows.length) continue;
    const b = await getBreach(id);
    if (!b) continue;
    const sent = rows
      .map((r) => r.sentAt)
      .filter(Boolean)
      .sort();
    out.push({
      breachId: id,
      discoveredAt: new Date(b.discoveredAt).toISOString(),
      description: b.description,
      consequences: b.consequences,
      measures: b.measures,
      contactPoint: b.contactPoint,
      sentAt: sent[0] ? new Date(sent[0]).toISOString() : undefined,
    });
  }
  return out;
}
