// Capacity (issue 19, docs/capacity.md): the model's hottest key per table and index at the sizing workloads, the
// largest load one application and one account can send, and the hottest key's share measured on stored items
// (through the real local ingest), each beside its baseline of the same run: the unsharded layout.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PER_KEY_LIMITS } from '../src/core/capacity.ts';
import { SHARDS } from '../src/core/shards.ts';
import { sendBatch } from '../src/client/agent.ts';
import { startRuntime } from '#local/runtime.ts';
import { applicationWorkload, peaks } from '../test/helpers/workloads.ts';
import { pool } from './harness.ts';
import { scanAll } from '../test/helpers/runtime.ts';

function model(eventsPerSecond: number, users: number) {
  const meter = applicationWorkload(eventsPerSecond, 60, users);
  const p = peaks(meter);
  const headroom = Math.min(
    ...Object.entries(p).map(
      ([place, v]) => (place.endsWith('|read') ? PER_KEY_LIMITS.readUnits : PER_KEY_LIMITS.writeUnits) / v.units,
    ),
  );
  return {
    eventsPerSecond,
    activeUsers: users,
    hottestKeyUnitsPerSecond: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.units])),
    // the layout's limit, scaled from the busiest key (units grow linearly with the rate)
    largestEventsPerSecond: Math.floor(eventsPerSecond * headroom),
    unshardedWriteUnitsPerSecondOnOneKey: Math.round(meter.totals.get('Interactions|write')! / 60),
  };
}

/** Share of the items on the busiest key, and what it would be with the shard suffix taken off (one key). */
function shares(items: Array<Record<string, any>>) {
  const count = new Map<string, number>();
  for (const i of items) count.set(i.pk, (count.get(i.pk) ?? 0) + 1);
  return { items: items.length, keys: count.size, hottestShare: Math.max(...count.values()) / items.length };
}

async function stored() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-cap-'));
  const rt = await startRuntime({ dataDir, port: 0, dynamoPort: 0, s3Port: 0, background: false });
  try {
    const token = fs.readFileSync(path.join(dataDir, 'auth', 'admin.token'), 'utf8');
    const acc = (await (
      await fetch(`${rt.endpoints.api}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Cap', creatorEmail: 'c@b.test', adminEmail: 'a@b.test' }),
      })
    ).json()) as any;
    const now = Date.now();
    const batches = Array.from({ length: 64 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => ({
        id: crypto.randomUUID(),
        applicationId: acc.applicationId,
        type: 'page-load',
        timestamp: now - i,
        duration: 100,
        outcome: 'ok',
        userId: `user-${(b * 100 + i) % 3_000}`,
      })),
    );
    const client = { endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret };
    await pool(batches, 4, async (events) => {
      await sendBatch(client, events);
    });
    const scan = async (prefix: string) =>
      (await scanAll(rt, prefix)).filter(
        (i) => i.accountId === acc.accountId || String(i.pk).startsWith(`${acc.accountId}#`),
      );
    const unsharded = (items: any[]) => items.map((i) => ({ pk: String(i.pk).replace(/#\d+$/, '') }));
    const interactions = await scan('Interactions');
    const users = await scan('Users');
    return {
      interactions: {
        ...shares(interactions),
        baselineUnshardedHottestShare: shares(unsharded(interactions)).hottestShare,
      },
      users: { ...shares(users), baselineUnshardedHottestShare: shares(unsharded(users)).hottestShare },
    };
  } finally {
    await rt.stop();
  }
}

console.log(
  JSON.stringify({
    shards: SHARDS,
    limits: PER_KEY_LIMITS,
    application: model(20_000, 100_000),
    account: model(16_667, 2_000_000),
    stored: await stored(),
  }),
);
process.exit(0);
