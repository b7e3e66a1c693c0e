import { randomBytes } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '#core/management.ts';
import { AUDIT_RETENTION_DAYS, daysAfter } from '#core/retention.ts';
import { ENV } from '#core/schema.ts';
import { auditPk, auditPks, timeSortKey } from '#core/shards.ts';
import { dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { fannedPage } from './fan-out-query.ts';

/**
 * Audit records hold no identifier (subjects are keyed hashes); kept a year for accountability, then TTL.
 * Append-only: functions hold only dynamodb:PutItem on this table, and every key is new.
 */
export async function appendAudit(e: AuditEntry): Promise<void> {
  const sk = `${timeSortKey(e.at)}#${randomBytes(6).toString('hex')}`;
  await retryable('audit', () =>
    dynamo().send(
      new PutItemCommand({
        TableName: env(ENV.auditTable),
        Item: marshall(
          {
            pk: auditPk(e.accountId ?? 'GLOBAL', sk),
            sk,
            ...e,
            expiresAt: daysAfter(e.at, AUDIT_RETENTION_DAYS),
          },
          { removeUndefinedValues: true },
        ),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** An account's audit trail, newest first (its shards merged). */
export async function listAudit(accountId: string, limit = 200): Promise<Array<Record<string, unknown>>> {
  const { items } = await fannedPage<Record<string, unknown> & { pk: string; sk: string }>({
    what: 'audit',
    keys: auditPks(accountId),
    query: (pk) => ({
      TableName: env(ENV.auditTable),
      KeyConditionExpression: 'pk = :a',
      ExpressionAttributeValues: marshall({ ':a': pk }),
      ScanIndexForward: false,
    }),
    limit,
    order: (r) => r.sk,
    descending: true,
    keyOf: (r) => ({ pk: r.pk, sk: r.sk }),
  });
  return items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest);
}
