// The retention auditor's sweep rate: items past expiry (+ grace) found and deleted per second, locally.
import { interactionsPk } from '../src/core/shards.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startRuntime } from '#local/runtime.ts';
import { pool } from './harness.ts';

export async function runRetentionBench(n = 20_000) {
  process.env.LETHE_CONFIG_CACHE_MS = '0';
  const rt = await startRuntime({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-ret-')),
    port: 0,
    dynamoPort: 0,
    s3Port: 0,
    background: false,
  });
  try {
    const token = fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8');
    const acc = (await (
      await fetch(`${rt.endpoints.api}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench', creatorEmail: 'c@b.test', adminEmail: 'a@b.test' }),
      })
    ).json()) as any;
    const table = rt.tables.find((t) => t.startsWith('Interactions'))!;
    const now = Date.now();
    // odd items: written 80 days ago (expire in 10 days); even items: written now (expire in 90 days)
    const items = Array.from({ length: n }, (_, i) => {
      const ts = now - (i % 2 ? 80 * 86_400_000 : 0) + i;
      return {
        pk: interactionsPk(acc.accountId, acc.applicationId, `x${i}`),
        sk: `${String(ts).padStart(14, '0')}#x${i}`,
        accountId: acc.accountId,
        ts,
        expiresAt: Math.floor(ts / 1000) + 90 * 86_400,
      };
    });
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    await pool(chunks, 8, async (c) => {
      await rt.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: c.map((it) => ({ PutRequest: { Item: marshall(it) } })) },
        }),
      );
    });
    const { retentionPorts } = await import('#adapters/retention-store.ts');
    const { runRetentionAudit } = await import('#core/retention-audit.ts');
    const t = performance.now();
    // 13 days later: half the items are 3 days past expiry (TTL grace is 2 days)
    const report = await runRetentionAudit({
      ...retentionPorts,
      publishMetric: async () => {},
      clock: { nowMs: () => now + 13 * 86_400_000 },
    });
    const ms = performance.now() - t;
    return {
      examined: report.examined,
      deleted: report.deletedExpired + report.deletedBeyondRetention,
      ms: Math.round(ms),
      examinedPerSec: Math.round(report.examined / (ms / 1000)),
      deletedPerSec: Math.round((report.deletedExpired + report.deletedBeyondRetention) / (ms / 1000)),
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('retention.ts')) {
  console.log(JSON.stringify(await runRetentionBench(), null, 2));
  process.exit(0);
}
