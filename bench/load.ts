// Load: concurrent agents send signed batches to the local API for a bounded time; then every event
// acknowledged as stored is looked up: lost and duplicated must both be 0.
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { sendBatch } from '../src/client/agent.ts';
import { percentile, spawnRuntime } from './harness.ts';

export async function runLoadBench(opts = { clients: 16, seconds: 20, batch: 50 }) {
  const rt = await spawnRuntime();
  try {
    const acc = (await (
      await fetch(`${rt.endpoints.api}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rt.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Load', creatorEmail: 'c@l.test', adminEmail: 'a@l.test' }),
      })
    ).json()) as any;
    const creds = { endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret };
    const acknowledged = new Set<string>();
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let sent = 0;
    const stopAt = Date.now() + opts.seconds * 1000;
    await Promise.all(
      Array.from({ length: opts.clients }, async (_, c) => {
        for (let b = 0; Date.now() < stopAt; b++) {
          const events = Array.from({ length: opts.batch }, (_, i) => ({
            id: `c${c}-b${b}-${i}`,
            applicationId: acc.applicationId,
            type: 'fetch',
            timestamp: Date.now(),
            duration: 40 + i,
            outcome: i % 9 ? 'ok' : 'slow',
            url: `https://app.example.com/api/items/${i}?page=${b % 7}`,
            userId: `user-${(c * 31 + i) % 200}`,
          }));
          const t = performance.now();
          try {
            const r = await sendBatch(creds, events, { maxAttempts: 5 });
            latencies.push(performance.now() - t);
            sent += events.length;
            if (r.status === 200 && r.serverVerified) for (const e of events) acknowledged.add(e.id);
            else errors[String(r.status)] = (errors[String(r.status)] ?? 0) + 1;
          } catch (e) {
            errors[(e as Error).name] = (errors[(e as Error).name] ?? 0) + 1;
          }
        }
      }),
    );
    const elapsed = opts.seconds;
    const ddb = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: rt.endpoints.dynamodb,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const table = (await ddb.send(new ListTablesCommand({}))).TableNames!.find((t) => t.startsWith('Interactions'))!;
    const counts = new Map<string, number>();
    let start: any;
    do {
      const page = await ddb.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ProjectionExpression: 'eventId' }),
      );
      for (const i of page.Items ?? []) counts.set(i.eventId!.S!, (counts.get(i.eventId!.S!) ?? 0) + 1);
      start = page.LastEvaluatedKey;
    } while (start);
    ddb.destroy();
    latencies.sort((a, b) => a - b);
    return {
      clients: opts.clients,
      seconds: elapsed,
      batchSize: opts.batch,
      requests: latencies.length,
      eventsSent: sent,
      eventsAcknowledged: acknowledged.size,
      eventsPerSec: Math.round(acknowledged.size / elapsed),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      errors,
      lost: [...acknowledged].filter((id) => !counts.has(id)).length,
      duplicates: [...counts.values()].filter((n) => n > 1).length,
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('load.ts')) {
  console.log(JSON.stringify(await runLoadBench(), null, 2));
  process.exit(0);
}
