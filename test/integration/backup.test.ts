import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll, waitForErasure } from '../helpers/runtime.ts';

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
});
afterAll(async () => rt?.stop());

let lost: { table: string; exportId: string; tableName?: string } | undefined;

async function loseTable(table: string) {
  const all = await scanAll(rt, 'Interactions');
  for (let i = 0; i < all.length; i += 25) {
    await rt.dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: all.slice(i, i + 25).map((it) => ({ DeleteRequest: { Key: marshall({ pk: it.pk, sk: it.sk }) } })),
        },
      }),
    );
  }
  expect(await scanAll(rt, 'Interactions')).toEqual([]);
}

function expectRestored(back: Array<Record<string, any>>) {
  expect(back).toHaveLength(25);
  expect(JSON.stringify(back)).not.toContain('forget-me');
  expect(back.filter((i) => i.user === 'stays')).toHaveLength(5);
  expect(back.find((i) => i.eventId === 'soon-expired')).toBeUndefined();
}

async function waitForRestore(restoreId: string) {
  for (;;) {
    const r = await api(rt, 'GET', `/v1/backups/restores/${restoreId}`);
    expect(r.status).toBe(200);
    if (r.body.status !== 'running') return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('restore drill (P9): an erased identity never comes back from a backup', () => {
  it('exports in the DynamoDB export layout into the backup bucket, erases, loses the table, restores', async () => {
    await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [
      ...Array.from({ length: 20 }, (_, i) =>
        event(acc.applicationId, { id: `gone-${i}`, userId: 'forget-me@example.org' }),
      ),
      ...Array.from({ length: 5 }, (_, i) => event(acc.applicationId, { id: `stay-${i}`, userId: 'stays' })),
    ]);
    const table = rt.tables.find((t) => t.startsWith('Interactions'))!;
    const live = await scanAll(rt, 'Interactions');
    // an item already past its expiry that TTL has not removed yet: it is in the export, but must not come back
    await rt.dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({
          ...live[0],
          sk: '00000000000002#soon',
          eventId: 'soon-expired',
          expiresAt: Math.floor(Date.now() / 1000) - 1,
        }),
      }),
    );

    const exported = await api(rt, 'POST', '/v1/backups');
    expect(exported.status).toBe(202);
    const ix = exported.body.exports.find((e: any) => e.tableName === table);
    expect(ix.itemCount).toBe(26);
    const bucket = rt.buckets.find((b) => b.startsWith('backups'))!;
    const keys = (
      (await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `exports/AWSDynamoDB/${ix.exportId}/` })))
        .Contents ?? []
    ).map((o) => o.Key);
    expect(keys).toEqual(
      expect.arrayContaining([
        `exports/AWSDynamoDB/${ix.exportId}/manifest-summary.json`,
        expect.stringMatching(/\/data\/\d+\.json\.gz$/),
      ]),
    );

    const er = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'forget-me@example.org' });
    expect((await waitForErasure(rt, er.body.requestId)).status).toBe('completed');

    // disaster: the table's items are lost
    await loseTable(table);

    const started = await api(rt, 'POST', '/v1/backups/restores', { exportId: ix.exportId });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ exportId: ix.exportId, tableName: table, status: 'running' });
    const done = await waitForRestore(started.body.restoreId);
    expect(done.status).toBe('succeeded');
    expect(done.progress.report).toMatchObject({ read: 26, restored: 25, skippedExpired: 1, identitiesStripped: 20 });
    expect(done.progress.file).toBe(done.progress.files);
    expectRestored(await scanAll(rt, 'Interactions'));
    lost = { table, exportId: ix.exportId };
  });

  it('goes step by step from its checkpoint: a restore in small parts writes back exactly the same', async () => {
    await loseTable(lost!.table);
    const { backupPorts } = await import('#adapters/backup-store.ts');
    const { restoreSteps } = await import('#core/backup.ts');
    let at = await restoreSteps.prepare(backupPorts, {
      restoreId: 'rs_parts',
      exportId: lost!.exportId,
      tableName: lost!.table,
    });
    let parts = 0;
    while (at.more) {
      // the checkpoint travels as JSON through the state machine's history
      at = await restoreSteps.part(backupPorts, JSON.parse(JSON.stringify(at)), 7);
      parts++;
    }
    expect(parts).toBe(4); // 26 items, 7 at a time
    expect(at.report).toMatchObject({ read: 26, restored: 25, skippedExpired: 1, identitiesStripped: 20 });
    expectRestored(await scanAll(rt, 'Interactions'));
  });

  it('an unknown restore is 404', async () => {
    expect((await api(rt, 'GET', '/v1/backups/restores/rs_nope')).status).toBe(404);
    expect((await api(rt, 'GET', '/v1/backups/restores/..%2Fx')).status).toBe(404);
  });

  it('only administrators manage backups; a bad export id is a 400, an unknown one 404', async () => {
    const { issueToken, localSigningKey } = await import('#adapters/auth.ts');
    const support = await issueToken(
      localSigningKey(rt.endpoints.dataDir),
      { sub: 's', role: 'support', accounts: ['*'] },
      600,
    );
    expect((await api(rt, 'GET', '/v1/backups', undefined, support)).status).toBe(403);
    expect((await api(rt, 'POST', '/v1/backups/restores', { exportId: '../../etc' })).status).toBe(400);
    expect((await api(rt, 'POST', '/v1/backups/restores', { exportId: 'nope' })).status).toBe(404);
  });
});
