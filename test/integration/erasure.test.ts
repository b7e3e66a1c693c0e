import * as fs from 'node:fs';
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '#adapters/aws.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll, waitForErasure } from '../helpers/runtime.ts';

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
const SUBJECT = 'erase-me@example.org';

async function ingestFor(userId: string, n: number, prefix: string) {
  for (let i = 0; i < n; i += 500) {
    const events = Array.from({ length: Math.min(500, n - i) }, (_, j) =>
      event(acc.applicationId, {
        id: `${prefix}-${i + j}`,
        userId,
        outcome: j % 3 ? 'failed' : 'slow',
        timestamp: Date.now() - (i + j) * 1000,
      }),
    );
    const r = await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events);
    expect(r.status).toBe(200);
  }
}

const waitFor = (requestId: string) => waitForErasure(rt, requestId, 180_000);

const everything = async () => {
  const tables = await Promise.all(['Interactions', 'Users', 'Accounts', 'Audit'].map((t) => scanAll(rt, t)));
  const bucket = rt.buckets.find((b) => b.startsWith('backups'))!;
  const objects = (await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
  const bodies = await Promise.all(
    objects.map(async (o) =>
      (await rt.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString(),
    ),
  );
  return JSON.stringify(tables) + bodies.join('\n');
};

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
  await ingestFor(SUBJECT, 3000, 'subject');
  await ingestFor('someone-else', 200, 'other');
}, 240_000);
afterAll(async () => rt?.stop());

describe('the erasure state machine (synthesized ASL, run by the local runner)', () => {
  let requestId: string;
  let receipt: any;

  it('removes the identity from all 3,000 linked interactions, even with throttling injected mid-run', async () => {
    let calls = 0;
    const fault = (next: any, ctx: any) => async (args: any) => {
      if (ctx.commandName === 'UpdateItemCommand' && ++calls % 97 === 0) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    };
    // below the SDK's retry middleware, like a real throttled response from DynamoDB
    dynamo().middlewareStack.add(fault, { step: 'deserialize', name: 'throttleFault' });
    try {
      const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: SUBJECT });
      expect(started.status).toBe(202);
      requestId = started.body.requestId;
      expect(JSON.stringify(started.body)).not.toContain(SUBJECT);
      const done = await waitFor(requestId);
      expect(done.status).toBe('completed');
      // the request showed its progress page by page (lethe erase --wait prints it)
      expect(done.progress).toEqual({ linked: 3000, stripped: 3000 });
      receipt = done.receipt;
    } finally {
      dynamo().middlewareStack.remove('throttleFault');
    }
    expect(calls).toBeGreaterThan(3000 + 3000 / 97 - 1); // every update ran, and the faults really fired
    expect(receipt).toMatchObject({
      requestId,
      accountId: acc.accountId,
      interactionsErased: 3000,
      userRowDeleted: true,
      verified: true,
    });
  }, 240_000);

  it('leaves the identity in no table, no bucket object, no receipt and no execution record', async () => {
    expect(await everything()).not.toContain(SUBJECT);
    expect(JSON.stringify(receipt)).not.toContain(SUBJECT);
    const executions = fs
      .readdirSync(`${rt.endpoints.dataDir}/stepfunctions`)
      .map((f) => fs.readFileSync(`${rt.endpoints.dataDir}/stepfunctions/${f}`, 'utf8'))
      .join('\n');
    expect(executions).toContain(requestId);
    expect(executions).not.toContain(SUBJECT);
    // other users keep theirs
    const others = (await scanAll(rt, 'Interactions')).filter((i) => i.user === 'someone-else');
    expect(others).toHaveLength(200);
  });

  it('records the hashed identity in the erasure ledger for restores', async () => {
    const bucket = rt.buckets.find((b) => b.startsWith('backups'))!;
    const ledger =
      (await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `erasure-ledger/${acc.accountId}/` })))
        .Contents ?? [];
    expect(ledger).toHaveLength(1);
    const entry = JSON.parse(
      await (
        await rt.s3.send(new GetObjectCommand({ Bucket: bucket, Key: ledger[0]!.Key! }))
      ).Body!.transformToString(),
    );
    expect(entry).toMatchObject({ requestId, userKey: receipt.userKey });
  });

  it('notifies the requester with a receipt that names the person only by hash', () => {
    const mails = fs
      .readdirSync(rt.endpoints.outbox)
      .map((f) => fs.readFileSync(`${rt.endpoints.outbox}/${f}`, 'utf8'));
    const mail = mails.find((m) => m.includes(requestId))!;
    expect(mail).toContain('To: admin@acme.test');
    expect(mail).not.toContain(SUBJECT);
  });

  it('changes nothing when the same user is erased again', async () => {
    const before = await scanAll(rt, 'Interactions');
    const again = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: SUBJECT });
    const done = await waitFor(again.body.requestId);
    expect(done.status).toBe('completed');
    expect(done.receipt.interactionsErased).toBe(0);
    expect(done.receipt.userRowDeleted).toBe(false);
    expect(await scanAll(rt, 'Interactions')).toEqual(before);
  }, 60_000);

  it("strips the identity from every batch sent before the receipt's completedAt, with agents sending during the whole erasure", async () => {
    const user = 'busy-user@example.org';
    await ingestFor(user, 20, 'busy');
    let stop = false;
    const sent: Array<{ ids: string[]; at: number }> = [];
    const agent = async (a: number) => {
      for (let n = 0; !stop; n++) {
        const events = Array.from({ length: 10 }, (_, j) =>
          event(acc.applicationId, { id: `busy-${a}-${n}-${j}`, userId: user }),
        );
        const at = Date.now();
        const r = await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events);
        if (r.status === 200) sent.push({ ids: events.map((e) => e.id), at });
      }
    };
    // a slow store (injected latency): each batch writes 700 ms after it read the user's state, as a loaded
    // DynamoDB or a cold container would make it; the workflow's waits must cover that
    const slowWrites = (next: any, ctx: any) => async (args: any) => {
      if (ctx.commandName === 'BatchWriteItemCommand') await new Promise((r) => setTimeout(r, 700));
      return next(args);
    };
    dynamo().middlewareStack.add(slowWrites, { step: 'initialize', name: 'slowWrites' });
    let done: any;
    try {
      const agents = [0, 1, 2, 3].map(agent);
      const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: user });
      done = await waitFor(started.body.requestId);
      stop = true;
      await Promise.all(agents);
    } finally {
      dynamo().middlewareStack.remove('slowWrites');
    }
    expect(done.status).toBe('completed');
    const before = new Set(sent.filter((b) => b.at < done.receipt.completedAt).flatMap((b) => b.ids));
    expect(before.size).toBeGreaterThan(0);
    const leaked = (await scanAll(rt, 'Interactions')).filter(
      (i) => before.has(i.eventId) && (i.userKey !== undefined || i.user !== undefined),
    );
    expect(leaked.map((i) => i.eventId)).toEqual([]);
  }, 120_000);

  it('says in the receipt that there was no user record when the user never existed', async () => {
    const r = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'never-seen@example.org' });
    const done = await waitFor(r.body.requestId);
    expect(done.receipt).toMatchObject({ interactionsErased: 0, userRowDeleted: false, verified: true });
    expect((await scanAll(rt, 'Users')).some((u) => u.sk === done.receipt.userKey)).toBe(false);
  }, 60_000);

  it('stores events that arrive during an erasure without identity', async () => {
    await ingestFor('racer', 1000, 'racer');
    const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'racer' });
    // wait until the tombstone is in place, then send more events for the same user
    for (let i = 0; i < 200; i++) {
      const users = await scanAll(rt, 'Users');
      if (users.some((u) => u.erasing)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await ingestFor('racer', 50, 'racer-late');
    const done = await waitFor(started.body.requestId);
    expect(done.status).toBe('completed');
    const racer = (await scanAll(rt, 'Interactions')).filter((i) => String(i.eventId).startsWith('racer'));
    expect(racer).toHaveLength(1050);
    expect(racer.filter((i) => i.user !== undefined || i.userKey !== undefined)).toEqual([]);
  }, 120_000);

  it('a batch: one request and one receipt per user; a bad entry is refused (400 naming it) before any starts', async () => {
    await ingestFor('batch-a', 20, 'batch-a');
    await ingestFor('batch-b', 20, 'batch-b');
    const route = `/v1/accounts/${acc.accountId}/erasures/batch`;
    const bad = await api(rt, 'POST', route, { users: [{ userId: 'batch-a' }, { userKey: 'acc_0000000000000000#x' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('users[1].userKey');
    const twice = await api(rt, 'POST', route, { users: [{ userId: 'batch-a' }, { userId: 'batch-a' }] });
    expect(twice.body).toMatchObject({ field: 'users[1]' });
    const tooMany = await api(rt, 'POST', route, {
      users: Array.from({ length: 1001 }, (_, i) => ({ userId: `u${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect((await scanAll(rt, 'Users')).some((u) => u.erasing)).toBe(false); // nothing started

    const r = await api(rt, 'POST', route, {
      users: [{ userId: 'batch-a' }, { userId: 'batch-b' }, { userId: 'batch-never-seen' }],
    });
    expect(r.status).toBe(202);
    expect(r.body.requests).toHaveLength(3);
    const done = await Promise.all(r.body.requests.map((q: any) => waitFor(q.requestId)));
    expect(done.map((d) => d.status)).toEqual(['completed', 'completed', 'completed']);
    expect(done.map((d) => d.receipt.interactionsErased)).toEqual([20, 20, 0]);
    const left = (await scanAll(rt, 'Interactions')).filter((i) => String(i.eventId).startsWith('batch-'));
    expect(left.filter((i) => i.user !== undefined)).toEqual([]);
  }, 120_000);

  it('cancel: the workflow stops (Step Functions’ own stop), the request says cancelled, the tombstone goes', async () => {
    await ingestFor('change-of-mind', 30, 'mind');
    const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'change-of-mind' });
    const requestId = started.body.requestId as string;
    // once the tombstone is in place (the workflow then waits out in-flight ingest before it finishes)
    for (let i = 0; i < 500; i++) {
      if ((await scanAll(rt, 'Users')).some((u) => u.sk === started.body.userKey && u.erasing)) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    const cancelled = await api(rt, 'POST', `/v1/erasures/${requestId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await rt.stepFunctions.drain();
    const execution = rt.stepFunctions.all().find((e) => e.name === requestId);
    expect(execution?.status).toBe('ABORTED');
    expect((await api(rt, 'GET', `/v1/erasures/${requestId}`)).body.status).toBe('cancelled');
    // not erasing any more: the user's next events carry the identity again
    expect((await scanAll(rt, 'Users')).find((u) => u.sk === started.body.userKey)?.erasing).toBeUndefined();
    await ingestFor('change-of-mind', 1, 'mind-after');
    const after = (await scanAll(rt, 'Interactions')).find((i) => i.eventId === 'mind-after-0');
    expect(after?.user).toBe('change-of-mind');
    // an ended request cannot be cancelled
    expect((await api(rt, 'POST', `/v1/erasures/${requestId}/cancel`)).status).toBe(409);
    expect((await api(rt, 'POST', `/v1/erasures/er_doesnotexist123/cancel`)).status).toBe(404);
  }, 120_000);

  it('refuses other accounts and lower roles, and leaks nothing (403 for unknown and not-yours alike)', async () => {
    const other = await createAccount(rt, { name: 'Other' });
    const { issueToken, localSigningKey } = await import('#adapters/auth.ts');
    const key = localSigningKey(rt.endpoints.dataDir);
    const customer = await issueToken(key, { sub: 'cust-1', role: 'customer', accounts: [other.accountId] }, 600);
    const engineer = await issueToken(key, { sub: 'eng-1', role: 'engineer', accounts: ['*'] }, 600);
    const theirs = await api(
      rt,
      'POST',
      `/v1/accounts/${acc.accountId}/erasures`,
      { userId: 'someone-else' },
      customer,
    );
    const unknown = await api(rt, 'POST', `/v1/accounts/acc_doesnotexist/erasures`, { userId: 'x' }, customer);
    expect(theirs.status).toBe(403);
    expect(unknown.status).toBe(403);
    expect(theirs.body).toEqual(unknown.body);
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 'x' }, engineer)).status).toBe(
      403,
    );
    expect((await api(rt, 'GET', `/v1/erasures/${requestId}`, undefined, customer)).status).toBe(403);
  });
});
