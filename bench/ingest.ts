// Ingest throughput: the real ingest handler (in this process) writing into the local DynamoDB (a child
// process, as a separate service would be), against raw BatchWriteItem of the same items into the same
// engine in the same run. Also handler p50/p99 for a 100-event batch and the bundled size of each ingest Lambda.
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { bundleFunction } from '#lib/constructs/bundling.ts';
import * as path from 'node:path';
import { sign } from '#core/signing.ts';
import { Resolver } from '#local/intrinsics.ts';
import { applyEnvironment, functionsOf, LocalLambdas } from '#local/lambdas.ts';
import { synthesize } from '#local/template.ts';
import { percentile, pool, ROOT, spawnRuntime } from './harness.ts';
import { usePlatform } from '#adapters/platform.ts';
import { localPlatform } from '#wiring/local.ts';

const BATCH = 100;

function batchOf(applicationId: string, prefix: string, n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    applicationId,
    type: 'xhr',
    timestamp: now - i,
    duration: 120 + (i % 50),
    outcome: i % 7 ? 'ok' : 'slow',
    url: `https://shop.example.com/api/cart/${i % 20}?page=${i % 5}`,
    label: 'Add to cart',
    queries: [`SELECT * FROM cart WHERE session = 'abc' AND item = ${i}`],
    services: [{ url: 'https://payments.example.net/v1/charge', duration: 80, status: 200 }],
    browser: { family: 'Chrome', version: '126.0' },
    userId: `user-${i % 10}`,
  }));
}

export async function bundleSize(fn: string): Promise<number> {
  const out = bundleFunction(
    path.join(ROOT, 'lambdas', fn, 'handler.ts'),
    path.join(ROOT, 'bench', 'results', '.bundles', 'size'),
    { write: false },
  );
  return out.outputFiles!.find((f) => f.path.endsWith('index.mjs'))!.contents.length;
}

export async function runIngestBench(opts = { batches: 150, concurrency: 8 }) {
  const rt = await spawnRuntime();
  try {
    const model = synthesize();
    const fns = functionsOf(model, new Resolver(model));
    applyEnvironment(fns, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: rt.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: rt.endpoints.s3,
    });
    usePlatform(localPlatform(rt.dataDir)); // the handlers run in this process, on the runtime's data folder
    const lambdas = new LocalLambdas(fns);
    const res = await fetch(`${rt.endpoints.api}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rt.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', creatorEmail: 'c@bench.test', adminEmail: 'a@bench.test' }),
    });
    const acc = (await res.json()) as any;
    const ingestFn = fns.find((f) => f.logicalId.startsWith('IngestServer'))!.arn;

    const eventFor = (events: unknown[]) => {
      const body = JSON.stringify({ events });
      const ts = String(Math.floor(Date.now() / 1000));
      return {
        resource: '/v1/events',
        path: '/v1/events',
        httpMethod: 'POST',
        isBase64Encoded: true,
        body: Buffer.from(body).toString('base64'),
        headers: {
          'X-Lethe-Key-Id': acc.keyId,
          'X-Lethe-Timestamp': ts,
          'X-Lethe-Signature': sign(acc.secret, ts, body),
          'content-type': 'application/json',
        },
        requestContext: { identity: { sourceIp: '127.0.0.1' } },
      };
    };
    const invoke = async (events: unknown[]) => {
      const r = await lambdas.invoke(ingestFn, eventFor(events));
      if (r.statusCode !== 200) throw new Error(`ingest answered ${r.statusCode}: ${r.body}`);
    };

    // warm-up (cold start, caches, JIT)
    for (let i = 0; i < 5; i++) await invoke(batchOf(acc.applicationId, `warm${i}`, BATCH));

    // latency: sequential 100-event batches
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const b = batchOf(acc.applicationId, `lat${i}`, BATCH);
      const t = performance.now();
      await invoke(b);
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);

    // throughput: ingest handler vs raw BatchWriteItem of the same items, interleaved rounds, same engine
    const raw = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: rt.endpoints.dynamodb,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const table = process.env.INTERACTIONS_TABLE!;
    const { toItem } = await import('#core/ingest.ts');
    const { getAccount } = await import('#adapters/accounts-store.ts');
    const account = (await getAccount(acc.accountId))!;
    const rounds = 3;
    let ingestMs = 0;
    let rawMs = 0;
    let events = 0;
    for (let round = 0; round < rounds; round++) {
      const batches = Array.from({ length: opts.batches / rounds }, (_, i) =>
        batchOf(acc.applicationId, `r${round}-i${i}`, BATCH),
      );
      let t = performance.now();
      await pool(batches, opts.concurrency, (b) => invoke(b));
      ingestMs += performance.now() - t;
      events += batches.length * BATCH;
      // the very items ingest stores (same shape, fresh ids), written raw
      const rawBatches = Array.from({ length: opts.batches / rounds }, (_, i) =>
        batchOf(acc.applicationId, `raw${round}-i${i}`, BATCH).map((e) =>
          toItem(e as any, account, new Set(), undefined, new Map()),
        ),
      );
      t = performance.now();
      await pool(rawBatches, opts.concurrency, async (items) => {
        await Promise.all(
          [0, 25, 50, 75].map(async (o) => {
            let req = items
              .slice(o, o + 25)
              .map((i) => ({ PutRequest: { Item: marshall(i, { removeUndefinedValues: true }) } }));
            while (req.length) {
              const out = await raw.send(new BatchWriteItemCommand({ RequestItems: { [table]: req } }));
              req = (out.UnprocessedItems?.[table] ?? []) as typeof req;
            }
          }),
        );
      });
      rawMs += performance.now() - t;
    }
    raw.destroy();
    const ingestRate = events / (ingestMs / 1000);
    const rawRate = events / (rawMs / 1000);
    return {
      events,
      concurrency: opts.concurrency,
      ingestEventsPerSec: Math.round(ingestRate),
      rawBatchWriteEventsPerSec: Math.round(rawRate),
      ratio: Number((ingestRate / rawRate).toFixed(3)),
      handlerP50Ms: Number(percentile(lat, 50).toFixed(1)),
      handlerP99Ms: Number(percentile(lat, 99).toFixed(1)),
      bundleBytes: {
        'ingest-server': await bundleSize('ingest-server'),
        'ingest-browser': await bundleSize('ingest-browser'),
      },
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('ingest.ts')) {
  console.log(JSON.stringify(await runIngestBench(), null, 2));
  process.exit(0);
}
