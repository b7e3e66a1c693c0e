// The retention auditor's cost: items examined (and time) to delete what is past expiry (+ grace) in an account whose
// Interactions and Users rows are 1 in 50 past it, reading Interactions by time and Users rows by the byExpiry index
// (now) beside reading every item of the account (before issue 19), in the same run.
import { interactionsPk, timeSortKey, usersPk } from '../src/core/shards.ts';
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
    // 1 item in 50 written 93 days ago (3 days past its 90-day expiry; TTL's grace is 2 days); the rest live
    const items = Array.from({ length: n }, (_, i) => {
      const ts = now - (i % 50 === 0 ? 93 * 86_400_000 : 0) - i;
      return {
        pk: interactionsPk(acc.accountId, acc.applicationId, `x${i}`),
        sk: `${timeSortKey(ts)}#x${i}`,
        accountId: acc.accountId,
        ts,
        expiresAt: Math.floor(ts / 1000) + 90 * 86_400,
      };
    });
    // as many users, 1 in 50 last seen 93 days ago (their rows expired 3 days ago)
    const users = Array.from({ length: n }, (_, i) => {
      const lastSeen = now - (i % 50 === 0 ? 93 * 86_400_000 : 0) - i;
      const userKey = `${acc.accountId}#u${i}`;
      return {
        pk: usersPk(acc.accountId, userKey),
        sk: userKey,
        label: `user-${i}`,
        lastSeen,
        firstSeen: lastSeen,
        expiresAt: Math.floor(lastSeen / 1000) + 90 * 86_400,
      };
    });
    const usersTable = rt.tables.find((t) => t.startsWith('Users'))!;
    const write = async (rows: object[], into = table) => {
      const chunks: object[][] = [];
      for (let i = 0; i < rows.length; i += 25) chunks.push(rows.slice(i, i + 25));
      await pool(chunks, 8, async (c) => {
        await rt.dynamo.send(
          new BatchWriteItemCommand({
            RequestItems: { [into]: c.map((it) => ({ PutRequest: { Item: marshall(it) } })) },
          }),
        );
      });
    };
    const expired = <T>(rows: T[]) => rows.filter((_, i) => i % 50 === 0);
    await write(items);
    await write(users, usersTable);
    const { retentionPorts } = await import('#adapters/retention-store.ts');
    const { runRetentionAudit } = await import('#core/retention-audit.ts');
    const audit = async (ports: typeof retentionPorts) => {
      const t = performance.now();
      const report = await runRetentionAudit({ ...ports, publishMetric: async () => {} });
      return { examined: report.examined, deleted: report.deletedExpired, ms: Math.round(performance.now() - t) };
    };
    // Baseline, same run: every item of the account read (the auditor before issue 19)
    const everything = await audit({
      ...retentionPorts,
      itemsOf: (place, a, q) =>
        retentionPorts.itemsOf(place, a, { ...q, olderThanMs: undefined, expiresBy: undefined }),
    });
    await write(expired(items));
    await write(expired(users), usersTable);
    // Now: Interactions read by time, Users rows by expiry, only what is due
    const byTime = await audit(retentionPorts);
    return {
      items: 2 * n,
      expired: expired(items).length + expired(users).length,
      byTime,
      baselineReadEverything: everything,
      examinedRatio: Number((byTime.examined / everything.examined).toFixed(3)),
      speedup: Number((everything.ms / byTime.ms).toFixed(1)),
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('retention.ts')) {
  console.log(JSON.stringify(await runRetentionBench(), null, 2));
  process.exit(0);
}
