import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DynamoDBClient, ScanCommand, BatchWriteItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type Clock, nowSeconds } from '#core/clock.ts';
import { DAY_SECONDS } from '#core/retention.ts';
import { physicalName } from './intrinsics.ts';
import { type CloudModel, resources } from './template.ts';

export interface TtlTable {
  name: string;
  attribute: string;
  keys: string[];
}

export function ttlTablesOf(model: CloudModel): TtlTable[] {
  return resources(model, 'AWS::DynamoDB::Table')
    .filter(({ resource }) => resource.Properties?.TimeToLiveSpecification?.Enabled)
    .map(({ id, resource }) => ({
      name: physicalName(resource.Type, id),
      attribute: resource.Properties!.TimeToLiveSpecification.AttributeName,
      keys: resource.Properties!.KeySchema.map((k: any) => k.AttributeName),
    }));
}

/**
 * DynamoDB TTL, locally: deletes items whose TTL attribute (epoch seconds) is in the past. Like the real
 * service it runs in the background and late, which is why every read path filters expired items itself.
 */
export async function sweepTtl(client: DynamoDBClient, tables: TtlTable[], clock: Clock): Promise<number> {
  const now = nowSeconds(clock);
  let deleted = 0;
  for (const t of tables) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: t.name,
          ExclusiveStartKey: start,
          FilterExpression: '#ttl <= :now',
          ExpressionAttributeNames: { '#ttl': t.attribute, ...Object.fromEntries(t.keys.map((k, i) => [`#k${i}`, k])) },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          ProjectionExpression: t.keys.map((_, i) => `#k${i}`).join(','),
        }),
      );
      const items = page.Items ?? [];
      for (let i = 0; i < items.length; i += 25) {
        let requests = items.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        while (requests.length) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [t.name]: requests } }));
          requests = (out.UnprocessedItems?.[t.name] ?? []) as typeof requests;
        }
      }
      deleted += items.length;
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return deleted;
}

export interface LifecycleRule {
  bucket: string;
  prefix: string;
  expirationDays: number;
}

export function lifecycleRulesOf(model: CloudModel): LifecycleRule[] {
  return resources(model, 'AWS::S3::Bucket').flatMap(({ id, resource }) =>
    (resource.Properties?.LifecycleConfiguration?.Rules ?? [])
      .filter((r: any) => r.Status === 'Enabled' && r.ExpirationInDays)
      .map((r: any) => ({
        bucket: physicalName(resource.Type, id),
        prefix: r.Prefix ?? r.Filter?.Prefix ?? '',
        expirationDays: r.ExpirationInDays,
      })),
  );
}

/** S3 lifecycle expiration, locally: deletes objects older than the rule's days (s3rver has no lifecycle). */
export async function sweepLifecycle(client: S3Client, rules: LifecycleRule[], clock: Clock): Promise<number> {
  let deleted = 0;
  for (const rule of rules) {
    const cutoff = clock.nowMs() - rule.expirationDays * DAY_SECONDS * 1000;
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: rule.bucket, Prefix: rule.prefix || undefined, ContinuationToken: token }),
      );
      const old = (page.Contents ?? []).filter((o) => o.LastModified && o.LastModified.getTime() <= cutoff);
      if (old.length) {
        await client.send(
          new DeleteObjectsCommand({ Bucket: rule.bucket, Delete: { Objects: old.map((o) => ({ Key: o.Key! })) } }),
        );
        deleted += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return deleted;
}

export interface ScheduledTarget {
  rule: string;
  everyMs: number;
  /** a function the rule invokes, or… */
  functionArn?: string;
  /** …a state machine (logical id) it starts */
  stateMachine?: string;
  input?: unknown;
}

/** EventBridge schedules of the template (rate expressions) as timers: functions invoked, state machines started. */
export function schedulesOf(model: CloudModel, fnArn: (logicalId: string) => string | undefined): ScheduledTarget[] {
  const out: ScheduledTarget[] = [];
  const machines = new Set(resources(model, 'AWS::StepFunctions::StateMachine').map((r) => r.id));
  for (const { id, resource } of resources(model, 'AWS::Events::Rule')) {
    const expr: string | undefined = resource.Properties?.ScheduleExpression;
    const m = expr && /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
    if (!m) continue;
    const unit = m[2]!.startsWith('minute') ? 60_000 : m[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
    for (const t of resource.Properties!.Targets ?? []) {
      const base = { rule: id, everyMs: Number(m[1]) * unit, input: t.Input ? JSON.parse(t.Input) : undefined };
      const logical = t.Arn?.['Fn::GetAtt']?.[0];
      const arn = logical && fnArn(logical);
      if (arn) out.push({ ...base, functionArn: arn });
      else if (typeof t.Arn?.Ref === 'string' && machines.has(t.Arn.Ref))
        out.push({ ...base, stateMachine: t.Arn.Ref });
    }
  }
  return out;
}

/** Deletes the files of a folder last written `days` or more before now (the local outbox: SES keeps no mail). */
export function sweepFolder(dir: string, days: number, clock: Clock): number {
  const cutoff = clock.nowMs() - days * DAY_SECONDS * 1000;
  let deleted = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, f);
    if (fs.statSync(file).mtimeMs <= cutoff) {
      fs.rmSync(file, { force: true });
      deleted++;
    }
  }
  return deleted;
}

/** Drops the lines of a JSON-lines file whose `at` (ISO time) is `days` or more before now (the local alerts). */
export function sweepJsonLines(file: string, days: number, clock: Clock): number {
  if (!fs.existsSync(file)) return 0;
  const cutoff = clock.nowMs() - days * DAY_SECONDS * 1000;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const keep = lines.filter((l) => Date.parse(JSON.parse(l).at) > cutoff);
  if (keep.length === lines.length) return 0;
  fs.writeFileSync(`${file}.tmp`, keep.map((l) => `${l}\n`).join(''));
  fs.renameSync(`${file}.tmp`, file);
  return lines.length - keep.length;
}
