import { randomBytes } from 'node:crypto';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '#core/management.ts';
import { AUDIT_RETENTION_DAYS, daysAfter } from '#core/retention.ts';
import { ENV } from '#core/schema.ts';
import { dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';

/**
 * Audit records hold no identifier (subjects are keyed hashes); kept a year for accountability, then TTL.
 * Append-only: functions hold only dynamodb:PutItem on this table, and every key is new.
 */
export async function appendAudit(e: AuditEntry): Promise<void> {
  await retryable('audit', () =>
    dynamo().send(
      new PutItemCommand({
        TableName: env(ENV.auditTable),
        Item: marshall(
          {
            pk: e.accountId ?? 'GLOBAL',
            sk: `${String(e.at).padStart(14, '0')}#${randomBytes(6).toString('hex')}`,
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

/** An account's audit trail, newest first. */
export async function listAudit(accountId: string, limit = 200): Promise<Array<Record<string, unknown>>> {
  const out = await retryable('audit', () =>
    dynamo().send(
      new QueryCommand({
        TableName: env(ENV.auditTable),
        KeyConditionExpression: 'pk = :a',
        ExpressionAttributeValues: marshall({ ':a': accountId }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    ),
  );
  return (out.Items ?? []).map((i) => unmarshall(i)).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest);
}
