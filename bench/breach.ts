// Breach notifications per second locally (outbox), 10,000 affected accounts with two contacts each: through the
// notification queue (the local SQS and its event source mapping, 5 consumers), and the same deliveries called
// directly as the baseline.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startRuntime } from '#local/runtime.ts';
import { pool } from './harness.ts';

export async function runBreachBench(n = 10_000) {
  const rt = await startRuntime({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-br-')),
    port: 0,
    dynamoPort: 0,
    s3Port: 0,
    background: false,
  });
  try {
    const table = rt.tables.find((t) => t.startsWith('Accounts'))!;
    const rows = Array.from({ length: n }, (_, i) => ({
      pk: `ACCOUNT#acc_b${i}`,
      sk: 'META',
      name: `B${i}`,
      status: 'active',
      retentionDays: 90,
      creatorEmail: `c${i}@bench.test`,
      adminEmail: `a${i}@bench.test`,
    }));
    const chunks: (typeof rows)[] = [];
    for (let i = 0; i < rows.length; i += 25) chunks.push(rows.slice(i, i + 25));
    await pool(chunks, 8, async (c) => {
      await rt.dynamo.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: c.map((r) => ({ PutRequest: { Item: marshall(r) } })) } }),
      );
    });
    const { breachPorts } = await import('#adapters/breach-store.ts');
    const { reportBreach, queueNotifications, deliverNotification } = await import('#core/breach.ts');
    const breach = async (id: string) =>
      reportBreach(
        breachPorts,
        'bench',
        { discoveredAt: new Date().toISOString(), description: 'benchmark breach, all accounts', accounts: 'all' },
        () => id,
      );
    // Through the queue, as on AWS: record, queue one message per recipient, the consumer mails them.
    const t0 = performance.now();
    const r = await breach('queued');
    const t1 = performance.now();
    await queueNotifications(breachPorts, r.breachId);
    if (!(await rt.sqs.idle(30 * 60_000))) throw new Error('the queue did not drain');
    const t2 = performance.now();
    const viaQueue = fs.readdirSync(rt.endpoints.outbox).length;
    // Baseline, same run: the same deliveries called directly, 16 at a time (no queue).
    const b = await breach('direct');
    const recipients = await breachPorts.recipients(b.breachId);
    const t3 = performance.now();
    await pool(recipients, 16, async (x) => {
      await deliverNotification(breachPorts, { breachId: b.breachId, accountId: x.accountId, role: x.roles[0]! });
    });
    const t4 = performance.now();
    return {
      accounts: n,
      recipients: r.recipients,
      sentViaQueue: viaQueue,
      recordMs: Math.round(t1 - t0),
      queueMs: Math.round(t2 - t1),
      notificationsPerSecViaQueue: Math.round(viaQueue / ((t2 - t1) / 1000)),
      baselineDirectPerSec: Math.round(recipients.length / ((t4 - t3) / 1000)),
      totalMinutes: Number(((t2 - t0) / 60000).toFixed(2)),
    };
  } finally {
    await rt.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('breach.ts')) {
  console.log(JSON.stringify(await runBreachBench(), null, 2));
  process.exit(0);
}
