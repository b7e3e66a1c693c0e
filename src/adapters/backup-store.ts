import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { EXPORT_PREFIX, type BackupPorts, type ExportSummary, LEDGER_PREFIX, type LedgerEntry } from '#core/backup.ts';
import { systemClock } from '#core/clock.ts';
import { IRELAND } from '#core/region.ts';
import { DATA_MAP } from '#core/data-map.ts';
import { ENV, TABLE_ENV } from '#core/schema.ts';
import { dynamo, env, s3 } from './aws.ts';
import { itemAs } from './items.ts';
import { platform } from './platform.ts';
import { batchWrite } from './interactions-store.ts';

const bucket = () => env(ENV.backupBucket);
/** The tables the data map marks as exported to the backup bucket (the others are kept by PITR only). */
const tables = () =>
  [...new Set(DATA_MAP.filter((p) => p.backedUp).flatMap((p) => p.resources))].map((t) => env(TABLE_ENV[t]!));

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const { sdk, client } = await s3();
    const out = await client.send(
      new sdk.ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(out.Contents ?? []).map((o) => o.Key!));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function getObject(key: string): Promise<Buffer> {
  const { sdk, client } = await s3();
  const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket(), Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/**
 * Locally dynalite has no export API, so the same layout ExportTableToPointInTime writes
 * (<prefix>AWSDynamoDB/<exportId>/manifest-summary.json + data/*.json.gz of {"Item": …} lines) is written here.
 */
/** Locally: the export written by the runtime itself, in the layout DynamoDB's export gives. */
export async function writeLocalExport(tableName: string, nowMs: number): Promise<ExportSummary> {
  const exportId = `${nowMs}-${randomBytes(4).toString('hex')}`;
  const base = `${EXPORT_PREFIX}AWSDynamoDB/${exportId}/`;
  let start: Record<string, AttributeValue> | undefined;
  let itemCount = 0;
  let part = 0;
  const { sdk, client } = await s3();
  do {
    const page = await dynamo().send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    const lines = (page.Items ?? []).map((Item) => JSON.stringify({ Item })).join('\n');
    if (lines)
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket(),
          Key: `${base}data/${String(part++).padStart(5, '0')}.json.gz`,
          Body: gzipSync(`${lines}\n`),
        }),
      );
    itemCount += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  const summary = {
    version: '2020-06-30',
    exportArn: `local:${exportId}`,
    startTime: new Date(nowMs).toISOString(),
    endTime: new Date().toISOString(),
    tableArn: `arn:aws:dynamodb:${IRELAND}:000000000000:table/${tableName}`,
    exportTime: new Date(nowMs).toISOString(),
    s3Bucket: bucket(),
    s3Prefix: EXPORT_PREFIX,
    s3SseAlgorithm: 'KMS',
    itemCount,
    outputFormat: 'DYNAMODB_JSON',
    exportType: 'FULL_EXPORT',
  };
  await client.send(
    new sdk.PutObjectCommand({
      Bucket: bucket(),
      Key: `${base}manifest-summary.json`,
      Body: JSON.stringify(summary),
      ContentType: 'application/json',
    }),
  );
  return { exportId, tableName, exportTime: nowMs, itemCount };
}

/** On AWS: a point-in-time export to the eu-west-1 backup bucket, encrypted with the project key. */
export async function pointInTimeExport(tableName: string, nowMs: number): Promise<ExportSummary> {
  const d = await dynamo().send(new DescribeTableCommand({ TableName: tableName }));
  const out = await dynamo().send(
    new ExportTableToPointInTimeCommand({
      TableArn: d.Table!.TableArn,
      S3Bucket: bucket(),
      S3Prefix: EXPORT_PREFIX,
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: env(ENV.keyId),
      ExportFormat: 'DYNAMODB_JSON',
      ExportTime: new Date(nowMs),
    }),
  );
  return { exportId: out.ExportDescription!.ExportArn!.split('/').pop()!, tableName, exportTime: nowMs, itemCount: 0 };
}

export const backupPorts: BackupPorts = {
  clock: systemClock,
  async exportTables() {
    const now = systemClock.nowMs();
    return Promise.all(tables().map((t) => platform().exportTable(t, now)));
  },
  async listExports() {
    const manifests = (await listKeys(`${EXPORT_PREFIX}AWSDynamoDB/`)).filter((k) =>
      k.endsWith('/manifest-summary.json'),
    );
    return Promise.all(
      manifests.map(async (k) => {
        const m = JSON.parse((await getObject(k)).toString('utf8')) as {
          tableArn: string;
          exportTime: string;
          itemCount: number;
        };
        return {
          exportId: k.split('/').slice(-2)[0]!,
          tableName: m.tableArn.split('/').pop()!,
          exportTime: Date.parse(m.exportTime),
          itemCount: m.itemCount,
        };
      }),
    );
  },
  async exportFiles(exportId) {
    return (await listKeys(`${EXPORT_PREFIX}AWSDynamoDB/${exportId}/data/`)).sort();
  },
  async readExportFile(key) {
    return gunzipSync(await getObject(key))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => itemAs<Record<string, unknown>>((JSON.parse(l) as { Item: Record<string, AttributeValue> }).Item));
  },
  async readLedger() {
    const keys = await listKeys(LEDGER_PREFIX);
    return Promise.all(keys.map(async (k) => JSON.parse((await getObject(k)).toString('utf8')) as LedgerEntry));
  },
  async writeItems(tableName, items) {
    await batchWrite(
      tableName,
      items.map((i) => ({ PutRequest: { Item: marshall(i, { removeUndefinedValues: true }) } })),
    );
  },
};
