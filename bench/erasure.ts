// Erasure scaling: time to erase a user with 1,000 interactions in a table of 10,000 items and of 100,000
// items, same run. Cost should follow the user's data (the per-user index), not the table.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startRuntime } from '#local/runtime.ts';
import { pool } from './harness.ts';

export async function runErasureBench() {
  process.env.LETHE_CONFIG_CACHE_MS = '0';
  const rt = await startRuntime({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-er-')),
    port: 0,
    dynamoPort: 0,
    s3Port: 0,
    background: false,
  });
  try {
    const token = fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8');
    const call = async (method: string, route: string, body?: unknown) =>
      (
        await fetch(`${rt.endpoints.api}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body ? JSON.stringify(body) : undefined,
        })
      ).json() as Promise<any>;
    const acc = await call('POST', '/v1/accounts', { name: 'Bench', creatorEmail: 'c@b.test', adminEmail: 'a@b.test' });
    const { getAccount } = await import('#adapters/accounts-store.ts');
    const { toItem } = await import('#core/ingest.ts');
    const account = (await getAccount(acc.accountId))!;
    const table = rt.tables.find((t) => t.startsWith('Interactions'))!;
    let seq = 0;
    const fill = async (count: number, userOf: (i: number) => string) => {
      const now = Date.now();
      const items = Array.from({ length: count }, (_, i) =>
        toItem(
          {
            id: `b${seq++}`,
            applicationId: acc.applicationId,
            type: 'xhr',
            timestamp: now - i,
            duration: 10,
            outcome: 'slow',
            url: '/x',
            userId: userOf(i),
          } as any,
          account,
          new Set(),
          undefined,
          new Map(),
        ),
      );
      const chunks: (typeof items)[] = [];
      for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
      await pool(chunks, 8, async (c) => {
        let req = c.map((it) => ({ PutRequest: { Item: marshall(it, { removeUndefinedValues: true }) } }));
        while (req.length)
          req = ((await rt.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: req } })))
            .UnprocessedItems?.[table] ?? []) as typeof req;
      });
    };
    const erase = async (userId: string) => {
      const t = performance.now();
      const r = await call('POST', `/v1/accounts/${acc.accountId}/erasures`, { userId });
      for (;;) {
        const s = await call('GET', `/v1/erasures/${r.requestId}`);
        if (s.status === 'completed') return { ms: performance.now() - t, erased: s.receipt.interactionsErased };
        if (s.status === 'failed') throw new Error('erasure failed');
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    await fill(10, () => 'warm-up');
    await erase('warm-up'); // loads the worker and the state machine once (cold start is not what is measured)
    await fill(8_990, (i) => `other-${i % 500}`);
    await fill(1_000, () => 'subject-a');
    const small = await erase('subject-a');
    await fill(89_000, (i) => `other-${i % 5000}`);
    await fill(1_000, () => 'subject-b');
    const large = await erase('subject-b');
    return {
      userInteractions: 1000,
      table10kMs: Math.round(small.ms),
      table100kMs: Math.round(large.ms),
      ratio: Number((large.ms / small.ms).toFixed(3)),
      erased: [small.erased, large.erased],
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('erasure.ts')) {
  console.log(JSON.stringify(await runErasureBench(), null, 2));
  process.exit(0);
}
