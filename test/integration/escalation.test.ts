import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalationPorts } from '#adapters/escalation-store.ts';
import { escalate } from '#core/escalation.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, operatorAlerts, outboxMails } from '../helpers/runtime.ts';

/** Special categories that keep arriving (issue 18): warning → final notice → suspension → resume, on a clock. */
const DAY = 86_400_000;
let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
let offset = 0;
const clock = { nowMs: () => Date.now() + offset };
const ports = { ...escalationPorts, clock };
const mails = () => outboxMails(rt);
const alerts = () => operatorAlerts(rt);
const send = (label: string) =>
  sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [
    event(acc.applicationId, { label }),
  ]);
/** a special-category finding seen again `days` after now (the finding row's lastSeen, as ingest would set it) */
async function seenAgainAfter(days: number) {
  offset = days * DAY;
  const table = rt.tables.find((t) => t.startsWith('Accounts'))!;
  const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { marshall } = await import('@aws-sdk/util-dynamodb');
  await rt.dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: marshall({ pk: `ACCOUNT#${acc.accountId}`, sk: 'FINDING#label#special:health' }),
      UpdateExpression: 'SET lastSeen = :t',
      ExpressionAttributeValues: marshall({ ':t': clock.nowMs() }),
    }),
  );
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt, { creatorEmail: 'cto@special.test', adminEmail: 'dpo@special.test' });
});
afterAll(async () => rt?.stop());

describe('special-category escalation (issue 18)', () => {
  it('warns at the first occurrence, with the findings notice', async () => {
    expect((await send('Patient diagnosis: HIV positive, therapy at oncology')).status).toBe(200);
    await rt.sqs.idle();
    expect(mails().some((m) => m.includes('special:health'))).toBe(true);
    expect(await escalate(ports)).toMatchObject({ [acc.accountId]: 'warned' });
    expect(await escalate(ports)).toEqual({}); // nothing more is due
  });

  it('still arriving after 7 days: final notice to the contacts and an alert to the operators', async () => {
    await seenAgainAfter(6);
    expect(await escalate(ports)).toEqual({});
    await seenAgainAfter(7);
    expect(await escalate(ports)).toMatchObject({ [acc.accountId]: 'final' });
    expect(mails().filter((m) => m.includes('Final notice'))).toHaveLength(2);
    expect(alerts().some((a) => a.subject.includes(acc.accountId) && a.subject.includes('final notice'))).toBe(true);
    expect((await send('still fine')).status).toBe(200);
  });

  it('still arriving 7 more days later: ingest suspended, agents get 403 saying why', async () => {
    await seenAgainAfter(14);
    expect(await escalate(ports)).toMatchObject({ [acc.accountId]: 'suspended' });
    const refused = await send('anything');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toMatch(/suspended.*special categories/);
    expect(alerts().some((a) => a.severity === 'critical' && a.subject.includes('ingest suspended'))).toBe(true);
  });

  it('an operator resumes it; every step is an audit record and a notice', async () => {
    const customer = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/resume`, undefined, await customerToken());
    expect(customer.status).toBe(403);
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/resume`)).status).toBe(200);
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/resume`)).status).toBe(409);
    expect((await send('back again')).status).toBe(200);
    const notices = (await api(rt, 'GET', `/v1/accounts/${acc.accountId}/notices`)).body.notices;
    const steps = notices.filter((n: any) => n.type === 'escalation').map((n: any) => n.subject);
    expect(steps).toHaveLength(4);
    for (const s of [/^Warning/, /^Final notice/, /^Ingest suspended/, /^Ingest resumed/])
      expect(
        steps.some((x: string) => s.test(x)),
        String(s),
      ).toBe(true);
    const audit = (await api(rt, 'GET', `/v1/accounts/${acc.accountId}/audit`)).body;
    const trail = JSON.stringify(audit);
    for (const s of ['warned', 'final', 'suspended', 'resumed']) expect(trail).toContain(`"escalation":"${s}"`);
  });

  it('after a resume, a new occurrence starts over with a warning of its own', async () => {
    // (the steps above ran on a clock days ahead; the resume on today's) last seen before the resume: nothing to do
    await seenAgainAfter(-1 / 1440);
    expect(await escalate(ports)).toEqual({});
    await seenAgainAfter(1);
    expect(await escalate(ports)).toMatchObject({ [acc.accountId]: 'warned' });
    expect(mails().filter((m) => m.includes('arrive again'))).toHaveLength(2);
  });
});

async function customerToken() {
  const { issueToken, localSigningKey } = await import('#adapters/auth.ts');
  return issueToken(
    localSigningKey(rt.endpoints.dataDir),
    { sub: 'c', role: 'customer', accounts: [acc.accountId] },
    600,
  );
}
