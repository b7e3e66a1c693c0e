import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionPorts } from '#adapters/retention-store.ts';
import { auditAccountStep, runRetentionAudit } from '#core/retention-audit.ts';
import { interactionsPk, timeSortKey, usersPk } from '#core/shards.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll } from '../helpers/runtime.ts';

const DAY = 86_400_000;
let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
let hash: string;
const now = () => Date.now();
const interactionsTable = () => rt.tables.find((t) => t.startsWith('Interactions'))!;
const send = (events: unknown[], a = acc) =>
  sendBatch({ endpoint: rt.endpoints.api, keyId: a.keyId, secret: a.secret }, events);
const ids = (items: any[]) => items.map((i: any) => i.eventId ?? i.event_id).sort();

/** Every read path of the management API, for one user: list, CSV (every interaction), anonymous list. */
async function everyReadPath() {
  const list = (await api(rt, 'GET', `/v1/accounts/${acc.accountId}/users/${hash}/interactions?limit=500`)).body.items;
  const anon = (
    await api(rt, 'GET', `/v1/accounts/${acc.accountId}/applications/${acc.applicationId}/interactions?limit=500`)
  ).body.items;
  // the export of every interaction, through its download link
  const link = (await api(rt, 'GET', `/v1/accounts/${acc.accountId}/users/${hash}/export?all=true`)).body.url;
  const csv = await (await fetch(link)).text();
  return { list: ids(list), anon: ids(anon), csv };
}

beforeAll(async () => {
  rt = await bootRuntime(); // TTL sweeper and schedules off: only the code under test removes anything
  acc = await createAccount(rt);
  await send([event(acc.applicationId, { id: 'live-1', userId: 'ret-user', outcome: 'failed' })]);
  hash = (
    await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: 'ret-user' })
  ).body.users[0].userKey.split('#')[1];
  // an item one second past its expiry, as TTL would leave it for a while
  const stale = (await scanAll(rt, 'Interactions')).find((i) => i.eventId === 'live-1')!;
  await rt.dynamo.send(
    new PutItemCommand({
      TableName: interactionsTable(),
      Item: marshall({
        ...stale,
        sk: `00000000000001#expired-1`,
        eventId: 'expired-1',
        ts: now() - 90 * DAY - 1000,
        expiresAt: Math.floor(now() / 1000) - 1,
      }),
    }),
  );
});
afterAll(async () => rt?.stop());

describe('no read path serves an expired item (P7)', () => {
  it('an item one second past expiry is in the table but never returned', async () => {
    expect((await scanAll(rt, 'Interactions')).some((i) => i.eventId === 'expired-1')).toBe(true);
    const r = await everyReadPath();
    expect(r.list).toEqual(['live-1']);
    expect(r.anon).toEqual(['live-1']);
    expect(r.csv).toContain('live-1');
    expect(r.csv).not.toContain('expired-1');
  });

  it('the auditor deletes it once TTL has had its grace, and reports it', async () => {
    const later = { ...retentionPorts, clock: { nowMs: () => now() + 3 * DAY } };
    const report = await runRetentionAudit(later);
    expect(report.deletedExpired).toBeGreaterThanOrEqual(1);
    expect((await scanAll(rt, 'Interactions')).some((i) => i.eventId === 'expired-1')).toBe(false);
  });
});

describe('shortening the retention applies to data already stored', () => {
  it('items past the new retention stop being served at once and are then deleted by the auditor', async () => {
    await send([
      event(acc.applicationId, { id: 'old-10d', userId: 'ret-user', outcome: 'slow', timestamp: now() - 10 * DAY }),
    ]);
    await send([event(acc.applicationId, { id: 'gone-10d', userId: 'gone-user', timestamp: now() - 10 * DAY })]);
    const search = async (q: string) =>
      (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/users/search`, { query: q })).body.users;
    expect(await search('gone-user')).toHaveLength(1);
    expect((await everyReadPath()).list).toEqual(['live-1', 'old-10d']);
    expect((await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, { retentionDays: 7 })).status).toBe(200);
    // a user last seen before the new retention is not found any more, and the auditor deletes the row
    expect(await search('gone-user')).toEqual([]);
    expect(await search('ret-user')).toHaveLength(1);
    const r = await everyReadPath();
    expect(r.list).toEqual(['live-1']);
    expect(r.csv).not.toContain('old-10d');
    const report = await runRetentionAudit(retentionPorts);
    expect(report.deletedBeyondRetention).toBe(3); // old-10d, gone-10d and gone-user's row
    expect((await scanAll(rt, 'Interactions')).some((i) => i.eventId === 'old-10d')).toBe(false);
    const users = await scanAll(rt, 'Users');
    expect(users.some((u) => u.label === 'gone-user')).toBe(false);
    expect(users.some((u) => u.label === 'ret-user')).toBe(true);
    // new events now get the shorter expiry
    await send([event(acc.applicationId, { id: 'after-7d' })]);
    const item = (await scanAll(rt, 'Interactions')).find((i) => i.eventId === 'after-7d')!;
    expect(item.expiresAt - Math.floor(item.ts / 1000)).toBe(7 * 86_400);
  });
});

describe('contract termination (P8)', () => {
  it('stops ingest at once and deletes every item of the account after the grace period, with a receipt', async () => {
    const doomed = await createAccount(rt, { name: 'Leaving' });
    const keeper = await createAccount(rt, { name: 'Staying' });
    await send(
      Array.from({ length: 30 }, (_, i) => event(doomed.applicationId, { id: `d${i}`, userId: `u${i % 3}` })),
      doomed,
    );
    await send([event(keeper.applicationId, { id: 'k1', userId: 'k' })], keeper);
    const t = await api(rt, 'POST', `/v1/accounts/${doomed.accountId}/terminate`, { graceDays: 30 });
    expect(t.status).toBe(200);
    expect(t.body.keysRevoked).toBe(1);
    expect((await send([event(doomed.applicationId)], doomed)).status).toBe(401);
    // no new key can bring the agents back
    const rotate = await api(rt, 'POST', `/v1/accounts/${doomed.accountId}/applications/${doomed.applicationId}/keys`);
    expect(rotate.status).toBe(409);
    expect(rotate.body.message).toMatch(/terminated/);
    expect((await api(rt, 'POST', `/v1/accounts/${doomed.accountId}/terminate`, { graceDays: 91 })).status).toBe(400);

    // before the grace period: nothing deleted yet
    await runRetentionAudit({ ...retentionPorts, clock: { nowMs: () => now() + 29 * DAY } });
    expect((await scanAll(rt, 'Interactions')).filter((i) => i.accountId === doomed.accountId).length).toBe(30);

    const report = await runRetentionAudit({ ...retentionPorts, clock: { nowMs: () => now() + 30 * DAY + 1000 } });
    const receipt = report.receipts.find((r) => r.accountId === doomed.accountId)!;
    expect(receipt).toMatchObject({ kind: 'contract-termination', interactions: 30, users: 3 });
    const everything = JSON.stringify(
      await Promise.all(['Interactions', 'Users', 'Accounts'].map((n) => scanAll(rt, n))),
    );
    expect(everything).not.toContain(doomed.accountId);
    expect(everything).not.toContain(doomed.keyId);
    expect(everything).not.toContain(doomed.browserKey);
    expect(everything).toContain(keeper.accountId);
    const audit = (await scanAll(rt, 'Audit')).find(
      (a) => a.actor === 'retention-auditor' && a.accountId === doomed.accountId,
    )!;
    expect(audit.detail).toMatchObject({ interactions: 30, users: 3 });
  });

  it('is for administrators only', async () => {
    const { issueToken, localSigningKey } = await import('#adapters/auth.ts');
    const customer = await issueToken(
      localSigningKey(rt.endpoints.dataDir),
      { sub: 'c', role: 'customer', accounts: [acc.accountId] },
      600,
    );
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/terminate`, {}, customer)).status).toBe(403);
  });
});

/** An interaction stored `ageDays` ago with `retentionDays` (as ingest would have written it), by a direct put. */
async function storeAged(
  a: { accountId: string; applicationId: string },
  id: string,
  ageDays: number,
  retentionDays: number,
) {
  const ts = now() - ageDays * DAY;
  await rt.dynamo.send(
    new PutItemCommand({
      TableName: interactionsTable(),
      Item: marshall({
        pk: interactionsPk(a.accountId, a.applicationId, id),
        sk: `${timeSortKey(ts)}#${id}`,
        accountId: a.accountId,
        applicationId: a.applicationId,
        eventId: id,
        type: 'page-load',
        outcome: 'ok',
        ts,
        expiresAt: Math.floor(ts / 1000) + retentionDays * 86_400,
      }),
    }),
  );
}
const storedIds = async (accountId: string) =>
  (await scanAll(rt, 'Interactions')).filter((i) => i.accountId === accountId).map((i) => i.eventId as string);

describe('the hourly RetentionAudit state machine (issue 19)', () => {
  it('audits every account in parallel and deletes only what is past its expiry', async () => {
    const accounts = await Promise.all([1, 2, 3].map((i) => createAccount(rt, { name: `Audited ${i}` })));
    for (const [i, a] of accounts.entries()) {
      await send([event(a.applicationId, { id: `sm-live-${i}` })], a);
      // past expiry by 3 days: TTL has had its 2-day grace
      for (let j = 0; j < 4; j++) await storeAged(a, `sm-old-${i}-${j}`, 93, 90);
    }
    const machine = rt.stepFunctions.list().find((m) => m.logicalId.startsWith('RetentionAudit'))!;
    const started = rt.stepFunctions.start(machine.logicalId);
    const run = await rt.stepFunctions.wait(started.executionArn);
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const totals = JSON.parse(run.output!);
    expect(totals.accounts).toBeGreaterThanOrEqual(4);
    expect(totals.deletedExpired).toBeGreaterThanOrEqual(12);
    for (const [i, a] of accounts.entries()) expect(await storedIds(a.accountId)).toEqual([`sm-live-${i}`]);
    // one child run per account in the history, each account's steps its own
    const history = rt.stepFunctions.history(started.executionArn);
    expect(history.filter((h) => h.type === 'MapIterationSucceeded').length).toBe(totals.accounts);
  });

  it('reads only what is older than the cutoff, and resumes from its checkpoint', async () => {
    const a = await createAccount(rt, { name: 'Checkpointed' });
    await send(
      Array.from({ length: 40 }, (_, i) => event(a.applicationId, { id: `cp-live-${i}` })),
      a,
    );
    for (let j = 0; j < 6; j++) await storeAged(a, `cp-old-${j}`, 95, 90);
    // one page per step: every step returns a checkpoint, the next starts there
    let step = await auditAccountStep(retentionPorts, a.accountId, undefined, 1);
    let steps = 1;
    while (!step.done) {
      expect(JSON.parse(JSON.stringify(step.checkpoint))).toEqual(step.checkpoint); // it travels as JSON
      step = await auditAccountStep(retentionPorts, a.accountId, JSON.parse(JSON.stringify(step.checkpoint)), 1);
      steps++;
    }
    expect(steps).toBeGreaterThan(1);
    expect(step.checkpoint.counts).toMatchObject({ deletedExpired: 6, deletedBeyondRetention: 0 });
    // O(expired): the 40 live interactions were never read (no user rows, no findings here)
    expect(step.checkpoint.counts.examined).toBe(6);
    expect((await storedIds(a.accountId)).sort()).toHaveLength(40);
  });

  it('after a longer retention, items stored under the shorter one are still found once expired', async () => {
    const a = await createAccount(rt, { name: 'Lengthened', retentionDays: 7 });
    await storeAged(a, 'floor-old', 10, 7); // expired 3 days ago, under the 7-day setting
    expect((await api(rt, 'PATCH', `/v1/accounts/${a.accountId}`, { retentionDays: 30 })).status).toBe(200);
    const step = await auditAccountStep(retentionPorts, a.accountId);
    expect(step.checkpoint.counts.deletedExpired).toBe(1);
    expect(await storedIds(a.accountId)).toEqual([]);
  });

  it('reads only the Users rows whose expiry has come (the byExpiry index), and all of them after a shortening', async () => {
    const a = await createAccount(rt, { name: 'Many users', retentionDays: 30 });
    await send(
      Array.from({ length: 30 }, (_, i) => event(a.applicationId, { id: `u-live-${i}`, userId: `live-${i}` })),
      a,
    );
    const usersTable = rt.tables.find((t) => t.startsWith('Users'))!;
    // five users last seen 33 days ago: their rows expired 3 days ago (as ingest wrote them under 30 days); three
    // last seen 10 days ago, live under 30 days
    const aged = [...Array.from({ length: 5 }, (_, j) => [`gone${j}`, 33]), ...[0, 1, 2].map((j) => [`ten${j}`, 10])];
    for (const [name, days] of aged as Array<[string, number]>) {
      const userKey = `${a.accountId}#${name}`;
      const lastSeen = now() - days * DAY;
      await rt.dynamo.send(
        new PutItemCommand({
          TableName: usersTable,
          Item: marshall({
            pk: usersPk(a.accountId, userKey),
            sk: userKey,
            label: name,
            lastSeen,
            firstSeen: lastSeen,
            expiresAt: Math.floor(lastSeen / 1000) + 30 * 86_400,
          }),
        }),
      );
    }
    const rows = async () => (await scanAll(rt, 'Users')).filter((u) => u.sk.startsWith(`${a.accountId}#`));
    expect(await rows()).toHaveLength(38);
    const audit = async () => {
      let step = await auditAccountStep(retentionPorts, a.accountId);
      while (!step.done) step = await auditAccountStep(retentionPorts, a.accountId, step.checkpoint);
      return step;
    };
    const step = await audit();
    // O(expired): the 33 live users' rows (and the 30 interactions) were not read
    expect(step.checkpoint.counts).toMatchObject({ examined: 5, deletedExpired: 5 });
    const live = Array.from({ length: 30 }, (_, i) => `live-${i}`);
    expect((await rows()).map((u) => u.label).sort()).toEqual([...live, 'ten0', 'ten1', 'ten2'].sort());
    // a shortening to 7 days: rows stored before it carry 30-day expiries, so the auditor reaches 23 days further,
    // which is exactly the rows now due under 7 days (last seen 10 days ago); those seen today are still not read
    expect((await api(rt, 'PATCH', `/v1/accounts/${a.accountId}`, { retentionDays: 7 })).status).toBe(200);
    const after = await audit();
    expect(after.checkpoint.counts).toMatchObject({ examined: 3, deletedBeyondRetention: 3 });
    expect((await rows()).map((u) => u.label).sort()).toEqual(live.sort());
  });
});
