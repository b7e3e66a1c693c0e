import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccount as storeAccount } from '#adapters/accounts-store.ts';
import { breachPorts } from '#adapters/breach-store.ts';
import { type BreachPorts, queueNotifications, reportBreach, watchDeadlines } from '#core/breach.ts';
import type { Runtime } from '#local/runtime.ts';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { api, bootRuntime, operatorAlerts, outboxMails } from '../helpers/runtime.ts';

const HOUR = 3_600_000;
let rt: Runtime;
const outbox = () => outboxMails(rt);
const alerts = () => operatorAlerts(rt);
const clearOutbox = () => {
  for (const f of fs.readdirSync(rt.endpoints.outbox)) fs.unlinkSync(path.join(rt.endpoints.outbox, f));
};
const sqsClient = () =>
  new SQSClient({
    region: rt.endpoints.region,
    endpoint: rt.endpoints.sqs,
    credentials: rt.endpoints.credentials,
  });
let ids = 0;
const newId = () => `t${++ids}${Date.now()}`;
const report = (accounts: string[] | 'all', hoursAgo = 1) => ({
  discoveredAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
  description: 'Misconfigured export bucket exposed interaction data',
  accounts,
});
const realSend = breachPorts.send;
/** Faults SES can give and the local outbox cannot (throttling, a bounce), injected into the real consumer. */
function failSends(fail: (to: string, call: number) => Error | undefined): { calls: () => number } {
  let calls = 0;
  breachPorts.send = async (to, s, t) => {
    const e = fail(to, ++calls);
    if (e) throw e;
    return realSend(to, s, t);
  };
  return { calls: () => calls };
}
const throttle = () =>
  Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException', retryable: true });
const delivered = async () => expect(await rt.sqs.idle(60_000)).toBe(true);

const accounts: string[] = [];
beforeAll(async () => {
  rt = await bootRuntime();
  // 500 accounts; one in five has the same person as creator and administrator (one e-mail, not two)
  for (let i = 0; i < 500; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: 25 }, (_, j) =>
        storeAccount({
          name: `A${i + j}`,
          creatorEmail: `creator${i + j}@cust.test`,
          adminEmail: (i + j) % 5 === 0 ? `creator${i + j}@cust.test` : `admin${i + j}@cust.test`,
          retentionDays: 90,
          allowedOrigins: [],
          nowMs: Date.now(),
        }),
      ),
    );
    accounts.push(...batch.map((b) => b.accountId));
  }
}, 240_000);
afterAll(async () => rt?.stop());
afterEach(() => {
  breachPorts.send = realSend;
});

describe('breach notification within 48 hours (P14)', () => {
  it('notifies every contact of 500 affected accounts, one e-mail per distinct contact, with proof of delivery', async () => {
    clearOutbox();
    const r = await api(rt, 'POST', '/v1/breaches', report(accounts));
    expect(r.status).toBe(201);
    const expected = 500 * 2 - 100;
    expect(r.body).toMatchObject({ recipients: expected, queued: expected });
    await delivered();
    const mails = outbox();
    expect(mails).toHaveLength(expected);
    expect(new Set(mails.map((m) => /^To: (.+)$/m.exec(m)![1])).size).toBe(expected);
    expect(mails[0]).toContain(r.body.breachId);
    expect(mails[0]).toMatch(/Likely consequences:/);
    const status = await api(rt, 'GET', `/v1/breaches/${r.body.breachId}`);
    expect(status.body).toMatchObject({ notified: expected, total: expected });
    expect(status.body.hoursLeft).toBeGreaterThan(46);
    for (const rcpt of status.body.recipients)
      expect(rcpt).toMatchObject({ status: 'sent', sentAt: expect.any(String), messageId: expect.any(String) });
  }, 240_000);

  it('still notifies everyone when SES throttles: only the throttled recipients come back from the queue', async () => {
    clearOutbox();
    const sends = failSends((_, call) => (call % 3 === 0 ? throttle() : undefined));
    const { breachId } = await reportBreach(breachPorts, 'test', report(accounts.slice(0, 60)), newId);
    expect((await queueNotifications(breachPorts, breachId)).queued).toBe(108);
    await delivered();
    expect(sends.calls()).toBeGreaterThan(108);
    expect(outbox()).toHaveLength(108);
    expect((await api(rt, 'GET', `/v1/breaches/${breachId}`)).body).toMatchObject({ notified: 108, total: 108 });
  });

  it('a message delivered twice, or queued twice, mails nobody twice', async () => {
    clearOutbox();
    const { breachId } = await reportBreach(breachPorts, 'test', report(accounts.slice(0, 40)), newId);
    await Promise.all([queueNotifications(breachPorts, breachId), queueNotifications(breachPorts, breachId)]);
    await delivered();
    expect(outbox()).toHaveLength(72);
    expect((await api(rt, 'POST', `/v1/breaches/${breachId}/notify`)).body).toMatchObject({ queued: 0 });
    expect(outbox()).toHaveLength(72);
  });

  it('a recipient that keeps failing goes to the dead-letter queue after 8 deliveries, and the watch queues it again', async () => {
    clearOutbox();
    failSends((to) => (to === 'creator7@cust.test' ? throttle() : undefined));
    const { breachId } = await reportBreach(breachPorts, 'test', report([accounts[7]!]), newId);
    await queueNotifications(breachPorts, breachId);
    await delivered();
    const dlq = rt.endpoints.queues[Object.keys(rt.endpoints.queues).find((q) => q.includes('DeadLetters'))!]!;
    const waiting = async () =>
      Number(
        (await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['All'] }))).Attributes!
          .ApproximateNumberOfMessages,
      );
    expect(await waiting()).toBe(1);
    const status = (await api(rt, 'GET', `/v1/breaches/${breachId}`)).body;
    expect(status.recipients.find((r: any) => r.email === 'creator7@cust.test')).toMatchObject({
      status: 'pending',
      error: 'Maximum sending rate exceeded.',
    });
    expect(outbox()).toHaveLength(1); // the administrative contact
    breachPorts.send = realSend;
    await watchDeadlines(breachPorts);
    await delivered();
    expect(outbox()).toHaveLength(2);
  });

  it('reports accounts without a contact instead of skipping them, and escalates a 47-hour-old breach still pending', async () => {
    await rt.dynamo.send(
      new PutItemCommand({
        TableName: rt.tables.find((t) => t.startsWith('Accounts'))!,
        Item: marshall({ pk: 'ACCOUNT#acc_nocontact', sk: 'META', name: 'Ghost', status: 'active', retentionDays: 90 }),
      }),
    );
    failSends((to) =>
      to === 'admin1@cust.test'
        ? Object.assign(new Error('Address blacklisted (bounce)'), { name: 'MessageRejected', retryable: false })
        : undefined,
    );
    const bouncing: BreachPorts = breachPorts;
    const r = await reportBreach(bouncing, 'test', report([accounts[1]!, 'acc_nocontact'], 47), newId);
    expect(r.withoutContact).toEqual(['acc_nocontact']);
    await queueNotifications(bouncing, r.breachId);
    await delivered();
    const before = alerts().length;
    const watched = await watchDeadlines(bouncing);
    const mine = watched.find((w) => w.breachId === r.breachId)!;
    expect(mine).toMatchObject({ unnotified: 2, severity: 'warning' });
    const alert = alerts()
      .slice(before)
      .find((a) => a.subject.includes(r.breachId))!;
    expect(alert.message).toContain('acc_nocontact');
    expect(alert.message).toContain('admin1@cust.test');
    // past the deadline it is critical
    const late = await watchDeadlines({ ...bouncing, clock: { nowMs: () => Date.now() + 2 * HOUR } });
    expect(late.find((w) => w.breachId === r.breachId)!.severity).toBe('critical');
  });

  it('is for administrators only, and checks its input', async () => {
    const { issueToken, localSigningKey } = await import('#adapters/auth.ts');
    const support = await issueToken(
      localSigningKey(rt.endpoints.dataDir),
      { sub: 's', role: 'support', accounts: ['*'] },
      600,
    );
    expect((await api(rt, 'POST', '/v1/breaches', report('all'), support)).status).toBe(403);
    const bad = await api(rt, 'POST', '/v1/breaches', { ...report('all'), discoveredAt: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('discoveredAt');
  });
});
