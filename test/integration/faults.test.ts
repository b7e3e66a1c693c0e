import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { spawnRuntime } from '../../bench/harness.ts';
import { sendBatch } from '../../src/client/agent.ts';

/** Faults a real engine produces: the whole local system killed (SIGKILL) in the middle of work, then restarted. */
let rt: Awaited<ReturnType<typeof spawnRuntime>> | undefined;
afterAll(async () => {
  if (rt && rt.proc.exitCode === null) await rt.stop();
});

const call = async (method: string, route: string, body?: unknown) => {
  const res = await fetch(`${rt!.endpoints.api}${route}`, {
    method,
    headers: { authorization: `Bearer ${rt!.token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json() as Promise<any>;
};
async function scan(name: string) {
  const ddb = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: rt!.endpoints.dynamodb,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const table = (await ddb.send(new ListTablesCommand({}))).TableNames!.find((t) => t.startsWith(name))!;
  const out: any[] = [];
  let start: any;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  ddb.destroy();
  return out;
}

describe('SIGKILL in the middle of ingest', () => {
  it('loses no acknowledged event and duplicates none after a restart', async () => {
    rt = await spawnRuntime();
    const acc = await call('POST', '/v1/accounts', { name: 'Crash', creatorEmail: 'c@x.test', adminEmail: 'a@x.test' });
    const creds = { endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret };
    const acknowledged: string[] = [];
    let n = 0;
    const senders = Array.from({ length: 4 }, async (_, w) => {
      for (let b = 0; b < 400; b++) {
        const events = Array.from({ length: 50 }, () => ({
          id: `w${w}-${n++}`,
          applicationId: acc.applicationId,
          type: 'xhr',
          timestamp: Date.now(),
          duration: 1,
          outcome: 'ok',
        }));
        try {
          const r = await sendBatch(creds, events, { maxAttempts: 1 });
          if (r.status === 200) acknowledged.push(...events.map((e) => e.id));
        } catch {
          return; // connection refused: the runtime is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    rt.proc.kill('SIGKILL');
    await Promise.all(senders);
    if (rt.proc.exitCode === null && rt.proc.signalCode === null) await once(rt.proc, 'exit');
    expect(acknowledged.length).toBeGreaterThan(100);
    rt = await spawnRuntime(rt.dataDir);
    const stored = (await scan('Interactions')).map((i) => i.eventId);
    const counts = new Map<string, number>();
    for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
    const lost = acknowledged.filter((id) => !counts.has(id));
    const duplicated = [...counts.values()].filter((c) => c > 1);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    await rt.stop();
  }, 180_000);
});

describe('SIGKILL in the middle of an erasure', () => {
  it('resumes the interrupted execution on restart and completes a verified erasure', async () => {
    rt = await spawnRuntime();
    const acc = await call('POST', '/v1/accounts', {
      name: 'Crash2',
      creatorEmail: 'c@x.test',
      adminEmail: 'a@x.test',
    });
    const creds = { endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret };
    for (let i = 0; i < 3000; i += 500) {
      const events = Array.from({ length: 500 }, (_, j) => ({
        id: `e${i + j}`,
        applicationId: acc.applicationId,
        type: 'click',
        timestamp: Date.now(),
        duration: 1,
        outcome: 'ok',
        userId: 'kill-me@example.org',
      }));
      expect((await sendBatch(creds, events)).status).toBe(200);
    }
    const started = await call('POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'kill-me@example.org' });
    // let it get going: wait until some identities are gone, then kill
    for (let i = 0; i < 200; i++) {
      const left = (await scan('Interactions')).filter((x) => x.user).length;
      if (left < 3000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    rt.proc.kill('SIGKILL');
    if (rt.proc.exitCode === null && rt.proc.signalCode === null) await once(rt.proc, 'exit');
    rt = await spawnRuntime(rt.dataDir);
    let status: any;
    for (let i = 0; i < 600; i++) {
      status = await call('GET', `/v1/erasures/${started.requestId}`);
      if (status.status === 'completed' || status.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status.status).toBe('completed');
    expect(status.receipt.verified).toBe(true);
    const everything = JSON.stringify(await Promise.all(['Interactions', 'Users'].map(scan)));
    expect(everything).not.toContain('kill-me');
    await rt.stop();
  }, 240_000);
});
