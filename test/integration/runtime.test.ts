import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '#local/runtime.ts';
import { bootRuntime, tempDir } from '../helpers/runtime.ts';

let rt: Runtime;
beforeAll(async () => {
  rt = await bootRuntime();
});
afterAll(async () => rt?.stop());

describe('the embedded runtime, built from the synthesized template', () => {
  it('creates every table and bucket of the template and answers GET /health', async () => {
    expect(rt.tables.map((t) => t.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'Accounts',
      'Audit',
      'Interactions',
      'Users',
    ]);
    expect(rt.buckets.some((b) => b.startsWith('backups'))).toBe(true);
    const res = await fetch(`${rt.endpoints.api}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', region: 'eu-west-1' });
  });

  it('answers a malformed percent-escape in a path with 400, as API Gateway does, before any function runs', async () => {
    const token = fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8');
    const res = await fetch(`${rt.endpoints.api}/v1/accounts/acc_%E0%A4%A/findings`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
  });

  it('refuses, as Lambda does, a buffered response over 6 MB: 502 from the gateway (a real export that large would fail on AWS)', async () => {
    const token = fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8');
    const invoke = rt.lambdas.invoke.bind(rt.lambdas);
    // the management function stands in for an export that grew past the limit (an injected oversized answer)
    rt.lambdas.invoke = async (ref, ev: any) =>
      ev?.resource?.endsWith('/findings')
        ? { statusCode: 200, headers: {}, body: 'x'.repeat(6_300_000) }
        : invoke(ref, ev);
    try {
      const big = await fetch(`${rt.endpoints.api}/v1/accounts/acc_0000000000000000/findings`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(big.status).toBe(502);
      expect(big.headers.get('x-amzn-errortype')).toBe('LambdaResponseSizeTooLarge');
    } finally {
      rt.lambdas.invoke = invoke;
    }
  });

  it('writes its endpoints to endpoints.json in the data folder', () => {
    const written = JSON.parse(fs.readFileSync(path.join(rt.endpoints.dataDir, 'endpoints.json'), 'utf8'));
    expect(written).toMatchObject({
      api: rt.endpoints.api,
      dynamodb: rt.endpoints.dynamodb,
      s3: rt.endpoints.s3,
      region: 'eu-west-1',
    });
  });

  it('round-trips an item through the local DynamoDB with the real SDK', async () => {
    const TableName = rt.tables.find((t) => t.startsWith('Audit'))!;
    await rt.dynamo.send(new PutItemCommand({ TableName, Item: { pk: { S: 'rt' }, sk: { S: '1' }, v: { N: '42' } } }));
    const out = await rt.dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: 'rt' }, sk: { S: '1' } } }));
    expect(out.Item?.v).toEqual({ N: '42' });
  });

  it('round-trips an object through the local S3 with the real SDK', async () => {
    const Bucket = rt.buckets.find((b) => b.startsWith('backups'))!;
    await rt.s3.send(new PutObjectCommand({ Bucket, Key: 'hello.txt', Body: 'hej' }));
    const out = await rt.s3.send(new GetObjectCommand({ Bucket, Key: 'hello.txt' }));
    expect(await out.Body!.transformToString()).toBe('hej');
  });

  it('answers unknown routes like API Gateway does', async () => {
    expect((await fetch(`${rt.endpoints.api}/nope`)).status).toBe(403);
  });

  it('refuses management routes without a token (401) or with a forged one (401)', async () => {
    expect((await fetch(`${rt.endpoints.api}/v1/accounts/acc_x`)).status).toBe(401);
    expect(
      (
        await fetch(`${rt.endpoints.api}/v1/accounts/acc_x`, {
          headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' },
        })
      ).status,
    ).toBe(401);
  });
});

describe('TTL and lifecycle, the way AWS does them (late, in the background)', () => {
  it('the TTL sweeper deletes expired items and keeps live ones', async () => {
    const TableName = rt.tables.find((t) => t.startsWith('Audit'))!;
    const now = Math.floor(Date.now() / 1000);
    await rt.dynamo.send(
      new PutItemCommand({
        TableName,
        Item: { pk: { S: 'ttl' }, sk: { S: 'old' }, expiresAt: { N: String(now - 1) } },
      }),
    );
    await rt.dynamo.send(
      new PutItemCommand({
        TableName,
        Item: { pk: { S: 'ttl' }, sk: { S: 'new' }, expiresAt: { N: String(now + 3600) } },
      }),
    );
    expect(await rt.sweepTtl()).toBeGreaterThanOrEqual(1);
    expect(
      (await rt.dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: 'ttl' }, sk: { S: 'old' } } }))).Item,
    ).toBeUndefined();
    expect(
      (await rt.dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: 'ttl' }, sk: { S: 'new' } } }))).Item,
    ).toBeDefined();
  });

  it('the lifecycle sweeper expires objects past the bucket rule', async () => {
    const Bucket = rt.buckets.find((b) => b.startsWith('backups'))!;
    await rt.s3.send(new PutObjectCommand({ Bucket, Key: 'exports/old.json', Body: '{}' }));
    const later = { nowMs: () => Date.now() + 31 * 86_400_000 };
    const { sweepLifecycle, lifecycleRulesOf } = await import('#local/sweepers.ts');
    const { synthesize } = await import('#local/template.ts');
    expect(await sweepLifecycle(rt.s3, lifecycleRulesOf(synthesize()), later)).toBeGreaterThanOrEqual(1);
    await expect(rt.s3.send(new GetObjectCommand({ Bucket, Key: 'exports/old.json' }))).rejects.toThrow();
  });
});

describe('a restart loses nothing', () => {
  it('keeps tables and bucket contents across stop and start of the same data folder', async () => {
    const dataDir = tempDir();
    const a = await startRuntime({ dataDir, port: 0, dynamoPort: 0, s3Port: 0, background: false });
    const table = a.tables.find((t) => t.startsWith('Audit'))!;
    const bucket = a.buckets.find((b) => b.startsWith('backups'))!;
    await a.dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'keep' }, sk: { S: 'me' } } }));
    await a.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'keep.txt', Body: 'me' }));
    await a.stop();
    const b = await startRuntime({ dataDir, port: 0, dynamoPort: 0, s3Port: 0, background: false });
    try {
      expect(
        (await b.dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'keep' }, sk: { S: 'me' } } })))
          .Item,
      ).toBeDefined();
      expect(
        await (await b.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'keep.txt' }))).Body!.transformToString(),
      ).toBe('me');
    } finally {
      await b.stop();
    }
  });

  it('says clearly when a port is already in use', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startRuntime({ dataDir: tempDir(), port, dynamoPort: 0, s3Port: 0, background: false }),
      ).rejects.toThrow(new RegExp(`port ${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});
