import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { systemClock } from '#core/clock.ts';
import { DEFAULT_ESCALATION, type EscalationPorts, type EscalationState } from '#core/escalation.ts';
import type { FindingRow } from '#core/notices.ts';
import { ENV } from '#core/schema.ts';
import { appendAudit } from './audit-store.ts';
import { dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs } from './items.ts';
import { scanEvery } from './scan.ts';
import { noticePorts } from './notices-store.ts';
import { platform } from './platform.ts';

/** The escalation state lives in the account's partition: ACCOUNT#a / ESCALATION (stage, since, categories). */
const table = () => env(ENV.accountsTable);
const key = (accountId: string, sk: string) => marshall({ pk: `ACCOUNT#${accountId}`, sk });
const days = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

export const escalationPorts: EscalationPorts = {
  clock: systemClock,
  config: {
    finalAfterDays: days('ESCALATION_FINAL_DAYS', DEFAULT_ESCALATION.finalAfterDays),
    suspendAfterDays: days('ESCALATION_SUSPEND_DAYS', DEFAULT_ESCALATION.suspendAfterDays),
  },
  async specialFindings() {
    const by = new Map<string, FindingRow[]>();
    const rows = await scanEvery<FindingRow>('findings', {
      TableName: table(),
      FilterExpression: 'begins_with(sk, :f) AND contains(sk, :s)',
      ExpressionAttributeValues: marshall({ ':f': 'FINDING#', ':s': '#special:' }),
    });
    for (const r of rows) {
      const accountId = r.pk.slice('ACCOUNT#'.length);
      by.set(accountId, [...(by.get(accountId) ?? []), r]);
    }
    return [...by].map(([accountId, findings]) => ({ accountId, findings }));
  },
  getAccount: (accountId) => noticePorts.getAccount(accountId),
  async state(accountId) {
    const out = await retryable('escalation', () =>
      dynamo().send(
        new GetItemCommand({ TableName: table(), Key: key(accountId, 'ESCALATION'), ConsistentRead: true }),
      ),
    );
    return out.Item ? itemAs<EscalationState>(out.Item) : undefined;
  },
  async moveTo(accountId, from, to) {
    try {
      await retryable('escalation', () =>
        dynamo().send(
          new PutItemCommand({
            TableName: table(),
            Item: marshall({ pk: `ACCOUNT#${accountId}`, sk: 'ESCALATION', ...to }),
            ConditionExpression: from === undefined ? 'attribute_not_exists(pk)' : 'stage = :from',
            ExpressionAttributeValues: from === undefined ? undefined : marshall({ ':from': from }),
          }),
        ),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException')
        return false;
      throw e;
    }
  },
  async setIngestSuspended(accountId, suspended) {
    await retryable('accounts', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: key(accountId, 'META'),
          UpdateExpression: 'SET ingestSuspended = :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({ ':s': suspended }),
        }),
      ),
    );
  },
  send: (to, subject, text) => platform().sendMail({ to, subject, text }),
  alertOperators: (subject, message) =>
    platform().publishAlert(subject, message, subject.startsWith('[CRITICAL]') ? 'critical' : 'warning'),
  async record(accountId, step, detail) {
    const subject = {
      warned: 'Warning: special categories of personal data found',
      final: 'Final notice: special categories of personal data still arrive',
      suspended: 'Ingest suspended: special categories of personal data kept arriving',
      resumed: 'Ingest resumed by an operator',
    }[step];
    await noticePorts.recordNotice(accountId, {
      type: 'escalation',
      sentAt: detail.at,
      subject,
      recipients: 0,
      findings: detail.categories.map((c) => ({ kind: 'any', detector: `special:${c}`, count: 0, example: '' })),
    });
    await appendAudit({
      actor: 'escalation',
      role: 'admin',
      operation: step === 'resumed' ? 'accounts:resume' : 'accounts:update',
      accountId,
      outcome: 'ok',
      at: detail.at,
      detail: { escalation: step, categories: detail.categories },
    });
  },
};
